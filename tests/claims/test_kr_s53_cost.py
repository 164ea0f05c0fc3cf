"""kmrbf.claims.kr_s53_cost: the rule that turns fitted exponents into a verdict, and the evidence on a tiny profile."""

from __future__ import annotations

from kmrbf.claims.kr_s53_cost import s53_rule
from kmrbf.evidence import RunContext
from kmrbf.profiles import Profile
from kmrbf.runner import run_claim


def test_s53_rule_can_fail():
    good = {m: {"n": 1.0, "k": 1.0, "d": 1.0} for m in ("lloyd", "softmax", "entmax15")}
    assert all(h for _, h in s53_rule(good, 0.2, (8, 32)))
    bad = {**good, "softmax": {"n": 2.0, "k": 1.0, "d": 1.0}}
    assert [r for r, h in s53_rule(bad, 0.2, (8, 32)) if not h] == [
        "softmax: exponent in N within [0.8, 1.2]"]
    assert not all(h for _, h in s53_rule(good, 1.5, (8, 32)))


def test_evidence_runs_on_a_tiny_profile(tmp_path):
    ctx = RunContext(Profile("tiny", max_examples=5, derandomize=True, scale=0.2), tmp_path)
    res = run_claim("KR-S53-cost", ctx)
    assert [r.name for r in res.results] == ["cost-scaling"]
    r = res.results[0]
    assert r.status in ("passed", "failed") and r.examples == 24 == len(r.data["timings"]["rows"])
    assert r.data["memory_fraction_of_nkd"] < 1
