"""kmrbf.claims.vf_s2_cost: exact operation counts of scikit-learn's full-covariance EM, and the timing rule."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from kmrbf.claims.vf_s2_cost import (
    COUNT_GRID,
    Counted,
    arithmetic,
    em_step_bound,
    gmm_instance,
    counted_em_step,
    em_counts,
    exponent_rule,
    fit_exponent,
    model_exponent,
    sklearn_em_step,
)
from kmrbf.evidence import RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


def test_counted_counts_every_operation():
    ops = Counter()
    a, b = Counted(3.0, ops), Counted(2.0, ops)
    r = ((a + b) * a - 1.0) / b
    assert r.v == 7.0 and ops == Counter(add=1, mul=1, sub=1, div=1)
    (a.exp(), b.log(), b.sqrt(), 1.0 - a, 2 * a, 1 + a)
    assert ops == Counter(add=2, mul=2, sub=2, div=1, exp=1, log=1, sqrt=1)


@pytest.mark.parametrize("n, k, d", [(4, 1, 1), (5, 2, 3), (6, 3, 2)])
def test_closed_forms_equal_the_counted_operations_and_sklearn(n, k, d):
    X, w, means, P = gmm_instance(n, k, d, seed=n * k * d)
    counts, ours = counted_em_step(X, w, means, np.linalg.cholesky(P))
    assert {key: {op: v for op, v in c.items() if v} for key, c in counts.items()} == em_counts(n, k, d)
    ref = sklearn_em_step(X, w, means, P)
    bound = em_step_bound(n, k, d, float(np.max(np.abs(ours["log_resp"]))))
    for key in ("weights", "means", "covariances"):
        np.testing.assert_allclose(ours[key], ref[key], rtol=0, atol=bound * max(1.0, np.max(np.abs(ref[key]))))


def test_closed_form_polynomials():
    """E = KN(2D^2 + 2D + 6) + K(2D^2 - 1) + 1 and C = K(2ND^2 + 2ND + D): E/(NKD) > 2D, C/(KD^2) > 2N."""
    for N, K, D in [(3, 1, 1), (7, 3, 5), (1860, 10, 256)] + COUNT_GRID:
        c = em_counts(N, K, D)
        E, C = arithmetic(c["E"]), arithmetic(c["M_cov"])
        assert E == K * N * (2 * D * D + 2 * D + 6) + K * (2 * D * D - 1) + 1
        assert C == K * (2 * N * D * D + 2 * N * D + D)
        assert E > 2 * D * N * K * D and C > 2 * N * K * D * D


def test_exponent_fits():
    ds = [32, 64, 128, 256]
    assert model_exponent(lambda d: 3.0 * d ** 2, ds) == pytest.approx(2.0, abs=1e-12)
    a, se, dof = fit_exponent(ds, [1e-3 * d ** 1.5 for d in ds])
    assert a == pytest.approx(1.5, abs=1e-12) and se < 1e-12 and dof == 2


def test_exponent_rule_decides_both_ways():
    assert exponent_rule(1.9, 0.05, 5, 1.0, 2.0)["status"] == "failed"
    assert exponent_rule(1.1, 0.05, 5, 1.0, 2.0)["status"] == "passed"
    r = exponent_rule(1.5, 0.05, 5, 1.0, 2.0)
    assert r["status"] == "undecided" and r["low"] < r["midpoint"] == 1.5 < r["high"]


def test_s2_evidence(tmp_path):
    res = run_claim("VF-S2-cost", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    by = {r.name: r for r in res.results}
    op = by["operation-count"]
    assert op.status == "failed" and "not O(NKD)" in op.counterexample
    assert op.data["max_relative_difference_to_sklearn"] <= op.data["its_rounding_bound"]
    t = by["timing-exponent"]
    assert t.status in ("failed", "passed", "undecided") and len(t.data["timings"]["fit"]) == 6
    assert res.verdict == "refuted"
