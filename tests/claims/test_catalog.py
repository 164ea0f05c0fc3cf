"""kmrbf.claims.catalog: every SPEC id is stated once, its ``uses`` resolve, its raw LaTeX renders raw."""

from __future__ import annotations

import pytest

from kmrbf.claims import CLAIMS, all_claims
from kmrbf.report.rawlatex import check_raw

SPEC_IDS = ("KR-E12", "KR-S32", "KR-T1-liminf", "KR-T1-limsup", "KR-T1-min", "KR-C1", "KR-L1", "KR-T2",
            "KR-T2-grad", "KR-T3", "KR-T4", "KR-T5", "KR-S36-order", "KR-S36-underflow", "KR-S43", "KR-S53-cost",
            "KR-S53-cheaper", "VF-E4", "VF-E10", "VF-S34-anchor", "VF-S34-oscill", "VF-Fig1", "VF-T2", "KR-S32-GW",
            "KR-T2-traj", "KR-T4-rate", "KR-S6-smooth", "VF-S31-entropy", "VF-S54-ablation", "VF-S51-usps",
            "VF-S2-cost")


def test_catalogue_has_every_spec_id_once_in_spec_order():
    assert tuple(c.id for c in all_claims()) == SPEC_IDS


def test_catalogue_matches_the_spec_tables():
    """Every id of ../shared/SPEC.md's claim tables is in the catalog (when the SPEC is at hand)."""
    import re
    from pathlib import Path

    spec = Path(__file__).resolve().parents[3] / "shared" / "SPEC.md"
    if not spec.is_file():
        pytest.skip(f"{spec} is not part of this checkout")
    ids = tuple(re.findall(r"^\| ([A-Z]{2}-[A-Za-z0-9-]+) \|", spec.read_text(), re.M))
    assert ids == SPEC_IDS


def test_uses_name_existing_claims_of_the_same_paper_and_form_no_cycle():
    by_id = {c.id: c for c in CLAIMS}
    for c in CLAIMS:
        unknown = [u for u in c.uses if u not in by_id]
        assert not unknown, f"{c.id} uses unknown claim ids {unknown}"
        assert c.id not in c.uses and all(by_id[u].paper == c.paper for u in c.uses), c
    state: dict[str, str] = {}

    def visit(cid: str, path: tuple[str, ...]) -> None:
        assert state.get(cid) != "open", f"cycle in uses: {' -> '.join(path + (cid,))}"
        if state.get(cid) == "done":
            return
        state[cid] = "open"
        for u in by_id[cid].uses:
            visit(u, path + (cid,))
        state[cid] = "done"

    for c in CLAIMS:
        visit(c.id, ())


def test_catalogue_raw_fields_render_raw():
    """Every statement / precise statement / convention of the catalogue passes the raw check
    (otherwise the report would print it as escaped text)."""
    for claim in all_claims():
        for text in (claim.statement, claim.precise, *claim.conventions):
            check_raw(text)


# ---------------------------------------------------------------------------------- findings
# The finding of every claim: a template filled from the results (kmrbf.report.findings).  These
# tests check what can be checked without running evidence; tests/test_end_to_end.py fills each
# finding from the real results.

def _slots(text: str) -> set[str]:
    import re

    return set(re.findall(r"%([A-Za-z][A-Za-z0-9_]*)%", text))


def test_every_claim_has_a_finding_and_every_finding_a_claim():
    from kmrbf.claims.catalog import FINDINGS, Finding

    assert set(FINDINGS) == set(SPEC_IDS)
    assert all(isinstance(f, Finding) for f in FINDINGS.values())


@pytest.mark.parametrize("cid", SPEC_IDS)
def test_finding_is_well_formed(cid):
    """Verdicts are verdicts, every slot has a value and every value a slot, the LaTeX passes the raw
    check, errata verdicts come with a correction, and every value, chart and figure names evidence
    the claim's module declares."""
    from kmrbf.claims import evidence_for
    from kmrbf.claims.catalog import FINDINGS, Chart, EvidenceFigure, Value
    from kmrbf.report.findings import check_template
    from kmrbf.verdict import VERDICTS

    f = FINDINGS[cid]
    assert f.verdicts and set(f.verdicts) <= set(VERDICTS), f.verdicts
    used = _slots(f.text) | _slots(f.correction)
    assert used <= set(f.values), f"slots without a value: {used - set(f.values)}"
    assert set(f.values) <= used, f"values no slot uses: {set(f.values) - used}"
    check_template(f.text)
    if f.correction:
        check_template(f.correction)
    if set(f.verdicts) & {"refuted", "vacuous", "conditional"}:
        assert f.correction, "an erratum needs a correction"
    names = {e.name for e in evidence_for(cid)}
    for v in f.values.values():
        assert isinstance(v, Value) and (v.evidence is None or v.evidence in names), v
    for fig in f.figures:
        assert isinstance(fig, (Chart, EvidenceFigure)) and fig.evidence in names, fig


def test_value_shorthand_and_finding_objects():
    from kmrbf.claims.catalog import Chart, EvidenceFigure, Finding, V, Value

    v = V("ev", "tables", 0, "col", reduce="max", where={"k": 1})
    assert v == Value("ev", ("tables", 0, "col"), "max", None, (("k", 1),))
    f = Finding(("verified",), "x is %x%", {"x": v},
                figures=(Chart("ev", ("tables", 0), "a", "b", "a", "b", "cap"), EvidenceFigure("ev", "f.pdf", "c")))
    assert f.correction == "" and len(f.figures) == 2


def test_a_finding_with_an_unknown_evidence_name_is_caught():
    """The check above fails for a value that names evidence the claim does not have."""
    from kmrbf.claims import evidence_for
    from kmrbf.claims.catalog import V

    names = {e.name for e in evidence_for("KR-T3")}
    assert V("no-such-evidence", "examples").evidence not in names
