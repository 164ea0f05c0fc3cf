"""kmrbf.claims.vf_e10: eq. 10 is not the minimiser of eq. 8 (paper derivation fails with the magnitudes);
our findings (the true stationary point, the objective eq. 10 minimises) pass as 'instead'."""

from __future__ import annotations

from kmrbf.claims import evidence_for
from kmrbf.evidence import RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


def test_vf_e10_verdict_and_roles(tmp_path):
    res = run_claim("VF-E10", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    assert res.verdict == "refuted" and not res.testbed_errors
    by = {r.name: r for r in res.results}
    assert by["paper-derivation-audit"].role == "paper" and by["paper-derivation-audit"].status == "failed"
    assert "lhs - rhs = -2.000" in by["paper-derivation-audit"].counterexample
    assert {n: by[n].status for n in ("eq8-stationary-point", "objective-of-eq10")} == {
        "eq8-stationary-point": "passed", "objective-of-eq10": "passed"}
    assert all(e.role == "instead" for e in evidence_for("VF-E10") if e.name != "paper-derivation-audit")
