"""kmrbf.claims.vf_e4: the centroid step minimises L in M (paper) and decreases it by exactly S||mu - mu_hat||^2 (sharper)."""

from __future__ import annotations

from kmrbf.claims import deviations_for, evidence_for
from kmrbf.evidence import RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


def test_vf_e4_verdict(tmp_path):
    res = run_claim("VF-E4", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    assert res.verdict == "verified_sharper", [(r.name, r.status) for r in res.results]
    assert {(e.name, e.role) for e in evidence_for("VF-E4")} == {("centroid-minimiser", "paper"),
                                                                  ("exact-decrease", "sharper")}
    assert not res.testbed_errors and deviations_for("VF-E4")
