"""kmrbf.verdict: the rule that turns evidence results into a verdict (see also its doctests)."""

from __future__ import annotations

import pytest

from kmrbf.claims import get_claim
from kmrbf.evidence import EvidenceResult
from kmrbf.verdict import RULES, VERDICTS, ClaimResult, aggregate_verdict, rules_table, testbed_errors


@pytest.mark.parametrize(
    "statuses, verdict",
    [
        ([], "inconclusive"),
        ([("passed", "paper"), ("error", "paper")], "inconclusive"),
        ([("passed", "paper"), ("failed", "sharper")], "verified"),
        ([("conditional", "paper")], "conditional"),
        ([("skipped", "paper")], "inconclusive"),
        ([("passed", "paper"), ("undecided", "paper")], "inconclusive"),
        ([("undecided", "paper")], "inconclusive"),
        ([("failed", "paper"), ("undecided", "condition")], "refuted"),
        ([("failed", "hypothesis"), ("error", "paper")], "inconclusive"),
    ],
)
def test_verdict_rule(statuses, verdict):
    results = [EvidenceResult(status=s, role=r) for s, r in statuses]
    assert aggregate_verdict(results)[0] == verdict
    assert verdict in VERDICTS


def test_claim_result_sums_and_serialises():
    r = [EvidenceResult(status="passed", examples=3, seconds=0.5), EvidenceResult(status="passed", examples=4)]
    cr = ClaimResult(get_claim("KR-T2"), r, "verified")
    assert (cr.examples, cr.seconds) == (7, 0.5)
    d = cr.to_dict()
    assert d["id"] == "KR-T2" and d["uses"] == ["KR-L1"] and len(d["evidence"]) == 2


def _R(status, role="paper", **kw):
    return EvidenceResult(status=status, role=role, **kw)


#: one example per row of RULES (index = row number - 1), so every row is reached and tested
ROW_EXAMPLES = [
    ([_R("passed"), _R("error", "sharper")], "inconclusive"),
    ([_R("passed"), _R("failed", "hypothesis")], "vacuous"),
    ([_R("failed"), _R("passed", "condition", condition="K = 1")], "conditional"),
    ([_R("failed"), _R("passed", "instead"), _R("passed", "sharper")], "refuted"),
    ([_R("passed"), _R("undecided")], "inconclusive"),
    ([_R("conditional", condition="on blobs")], "conditional"),
    ([_R("passed", "sharper")], "inconclusive"),
    ([_R("passed"), _R("passed", "sharper"), _R("failed", "instead")], "verified_sharper"),
    ([_R("passed"), _R("passed", "sharper"), _R("undecided", "sharper")], "verified"),
]


@pytest.mark.parametrize("row", range(len(RULES)))
def test_every_rule_row_is_reached_and_gives_its_verdict(row):
    results, verdict = ROW_EXAMPLES[row]
    first = next(i for i, r in enumerate(RULES) if r.applies(results))
    assert first == row and RULES[row].verdict == verdict == aggregate_verdict(results)[0]


def test_readme_prints_the_rule_table():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert rules_table() in readme, "README's verdict table differs from kmrbf.verdict.RULES"


def test_conditions_are_collected_and_failed_condition_blocks_them():
    rs = [_R("failed"), _R("passed", "condition", condition="a"), _R("passed", "condition", condition="b")]
    assert aggregate_verdict(rs) == ("conditional", "a; b")
    assert aggregate_verdict(rs + [_R("failed", "condition")]) == ("refuted", None)


def test_testbed_errors_list_our_failed_checks_only():
    rs = [_R("failed", name="p"), _R("failed", "sharper", name="s", summary="x"), _R("error", name="e"),
          _R("failed", "condition", name="c"), _R("failed", "instead", name="i"), _R("undecided", "sharper", name="u"),
          _R("failed", "hypothesis", name="h")]
    assert testbed_errors(rs) == ["s (sharper): failed: x", "e (paper): error", "c (condition): failed",
                                  "i (instead): failed"]


def test_a_rule_is_plain_data():
    from kmrbf.verdict import Rule

    r = Rule("always", "verified", lambda rs: True)
    assert r.applies([]) and r.verdict == "verified" and RULES[-1].when == "every `paper` evidence passed"


def test_the_rule_rows_cannot_be_rewritten_at_run_time():
    """Rules are frozen: evidence code cannot change a row's verdict (or its condition) behind the table."""
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        RULES[3].verdict = "verified"
    assert RULES[3].verdict == "refuted"


def test_weak_support_propagates_through_verified_claims():
    from kmrbf.verdict import WEAK_VERDICTS, weak_support

    v = {"E10": "refuted", "T2": "verified", "S54": "refuted", "E4": "verified_sharper", "X": "verified"}
    uses = {"T2": ("E4", "E10"), "S54": ("T2",), "X": ("E4",)}
    got = weak_support(v, uses)
    assert got == {"E10": (), "T2": ("E10",), "S54": ("E10",), "E4": (), "X": ()}
    assert set(WEAK_VERDICTS) == {"refuted", "vacuous", "conditional", "inconclusive"}


@pytest.mark.parametrize("verdict, flagged", [("refuted", True), ("vacuous", True), ("conditional", True),
                                              ("inconclusive", True), ("verified", False),
                                              ("verified_sharper", False)])
def test_weak_support_flags_exactly_the_weak_verdicts(verdict, flagged):
    from kmrbf.verdict import weak_support

    assert bool(weak_support({"A": verdict, "B": "verified"}, {"B": ("A",)})["B"]) is flagged


def test_weak_support_ignores_claims_not_run_and_rejects_cycles():
    from kmrbf.verdict import weak_support

    assert weak_support({"B": "verified"}, {"B": ("NOT-RUN",)}) == {"B": ()}
    with pytest.raises(ValueError, match="cycle"):
        weak_support({"A": "verified", "B": "verified"}, {"A": ("B",), "B": ("A",)})


def test_weak_support_of_the_catalog_flags_what_rests_on_a_refuted_lemma():
    """With the catalog's uses: every claim that uses VF-E10, directly or not, is flagged when it is refuted."""
    from kmrbf.claims import CLAIMS
    from kmrbf.verdict import weak_support

    verdicts = {c.id: "verified" for c in CLAIMS} | {"VF-E10": "refuted"}
    flagged = {k for k, v in weak_support(verdicts, {c.id: c.uses for c in CLAIMS}).items() if v}
    direct = {c.id for c in CLAIMS if "VF-E10" in c.uses}
    assert direct and direct <= flagged and "VF-S54-ablation" in flagged  # through VF-T2
    assert all(k.startswith("VF-") for k in flagged)
