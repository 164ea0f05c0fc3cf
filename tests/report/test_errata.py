"""kmrbf.report.errata: the numbered errata per paper, from the results, as Markdown for the authors."""

from __future__ import annotations

from kmrbf.evidence import EvidenceResult
from kmrbf.evidence.model import Claim
from kmrbf.report.errata import ERRATA_VERDICTS, Erratum, errata_entries, errata_markdown, witness_text
from kmrbf.report.findings import FilledFinding
from kmrbf.report.latex import Latex
from kmrbf.verdict import ClaimResult, aggregate_verdict


def _ev(status, role="paper", name="e", **kw):
    r = EvidenceResult(status=status, **kw)
    r.name, r.role = name, role
    return r


def _cr(cid, paper, evs):
    verdict, condition = aggregate_verdict(evs)
    return ClaimResult(Claim(cid, paper, f"eq. {cid[-1]}", f"Title {cid}", r"Says $x\le1$ ``always''.", "p"),
                       evs, verdict, condition)


RESULTS = [
    _cr("KR-1", "KR", [_ev("failed", counterexample="x = 2\n" + "\n".join(f"line {i}" for i in range(40)))]),
    _cr("KR-2", "KR", [_ev("passed"), _ev("passed", "sharper")]),
    _cr("KR-3", "KR", [_ev("failed", summary="no counterexample text"),
                       _ev("passed", "condition", name="c", condition="K = 2")]),
    _cr("KR-4", "KR", [_ev("passed")]),
    _cr("VF-1", "VF", [_ev("failed", "hypothesis", counterexample="never coercive")]),
]
FINDINGS = {"KR-1": FilledFinding(Latex("{t}"), "It is $x\\le2$.", Latex("{c}"), "Say $x\\le2$."), "KR-3": None}


def test_entries_are_numbered_per_paper_and_split_errata_from_sharpenings():
    kr, kr_sharper = errata_entries(RESULTS, FINDINGS, "KR")
    assert [e.claim_id for e in kr] == ["KR-1", "KR-3"] and [e.number for e in kr] == [1, 2]
    assert [e.claim_id for e in kr_sharper] == ["KR-2"] and kr_sharper[0].sharper
    vf, vf_sharper = errata_entries(RESULTS, FINDINGS, "VF")
    assert [e.result.verdict for e in vf] == ["vacuous"] and vf_sharper == []
    assert all(isinstance(e, Erratum) for e in kr + vf)
    assert set(ERRATA_VERDICTS) == {"refuted", "vacuous", "conditional"}


def test_witness_is_the_clipped_counterexample_or_summary_plus_the_condition():
    text, names = witness_text(RESULTS[0], max_lines=5)
    assert names == ("e",) and text.startswith("e: x = 2\nline 0") and "clipped" in text and "line 10" not in text
    text, names = witness_text(RESULTS[2])
    assert text == "e: no counterexample text\nholds under the condition: K = 2"


def test_markdown_lists_what_the_paper_says_what_is_true_witness_and_correction():
    kr, kr_sharper = errata_entries(RESULTS, FINDINGS, "KR")
    md = errata_markdown({"key": "KR", "title": "A paper", "where": "arXiv 1"}, kr, kr_sharper, commit="abc",
                         profile="ci")
    assert md.startswith("# Errata: A paper\n") and "commit `abc`" in md
    first = md.split("\n1. ")[1].split("\n2. ")[0]
    assert "**eq. 1: Title KR-1** (KR-1; refuted)" in first
    assert "*The paper says:* Says $x\\le1$ “always”." in first
    assert "*What is true:* It is $x\\le2$." in first and "*Correction:* Say $x\\le2$." in first
    assert "```text" in first and "x = 2" in first
    assert "## Sharper statements" in md and "KR-2" in md.split("## Sharper statements")[1]
    assert md == errata_markdown({"key": "KR", "title": "A paper", "where": "arXiv 1"}, kr, kr_sharper,
                                 commit="abc", profile="ci")
    empty = errata_markdown({"key": "VF", "title": "B", "where": "w"}, [], [], commit="abc", profile="ci")
    assert "No statement of this paper is refuted" in empty
