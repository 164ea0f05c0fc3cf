"""kmrbf.claims.vf_s34_anchor: the exponent on u_prev is -1/9 < 0 (pushes away), refuting the anchoring claim;
the sign for every lambda_e > lambda_kl and the anchoring proximal update pass as 'instead'."""

from __future__ import annotations

from kmrbf.evidence import RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


def test_vf_s34_anchor_verdict(tmp_path):
    res = run_claim("VF-S34-anchor", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    assert res.verdict == "refuted" and not res.testbed_errors
    by = {r.name: r for r in res.results}
    assert by["anchor-sign"].status == "failed" and "-0.1111111" in by["anchor-sign"].counterexample
    assert by["sign-and-proximal"].role == "instead" and by["sign-and-proximal"].status == "passed"
