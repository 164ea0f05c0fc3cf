"""kmrbf.verdict: the rule that turns evidence results into a verdict (see also its doctests)."""

from __future__ import annotations

import pytest

from kmrbf.claims import get_claim
from kmrbf.evidence import EvidenceResult
from kmrbf.verdict import VERDICTS, ClaimResult, aggregate_verdict


@pytest.mark.parametrize(
    "statuses, verdict",
    [
        ([], "inconclusive"),
        ([("passed", "paper"), ("error", "paper")], "inconclusive"),
        ([("passed", "paper"), ("failed", "sharper")], "verified"),
        ([("conditional", "paper")], "conditional"),
        ([("skipped", "paper")], "inconclusive"),
        ([("passed", "paper"), ("undecided", "paper")], "verified"),
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
