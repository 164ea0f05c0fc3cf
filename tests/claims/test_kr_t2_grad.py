"""kmrbf.claims.kr_t2_grad: the derived band of the RBF-step rate."""

from __future__ import annotations

import dataclasses

from fractions import Fraction

import pytest
from flint import arb
from kmrbf.numerics.lloyd_instances import certified_instances
from kmrbf.profiles import PROFILES

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def _shifted_line():
    name, inst = certified_instances()[0]
    Xq = [list(x) for x in inst.X_exact]
    Mq = [[v + Fraction(1, 8) for v in row] for row in inst.M_exact]
    return Xq, Mq


def test_step_rate_band_contains_the_ratio_and_needs_the_next_order_term():
    from kmrbf.claims.kr_t2_grad import _place, _step_ratio, step_rate_band

    Xq, Mq = _shifted_line()
    s = Fraction(135, 4) / 100  # Delta/100 on line-K2 (Delta = 135/4)
    bands = [step_rate_band(Xq, Mq, s, k, prec=1024) for k in range(len(Mq))]
    for band, (q, _) in zip(bands, _step_ratio(Xq, Mq, s, bands, 1024)):
        assert _place(q, band) == "in"
        # the band centred at the limit C_k alone (no O(sigma/Delta_k) term) excludes the ratio:
        # the next-order term of the derivation is real, and the check can fail
        a, b, C = float(band["a"].mid()), float(band["b"].mid()), band["C"]
        assert not C * (1 - a) / (1 + b) <= float(q.mid()) <= C * (1 + a) / (1 - b)


def test_step_rate_place_wide_and_out():
    from kmrbf.claims.kr_t2_grad import _place

    band = {"C": 1.0, "lo": arb(1), "hi": arb(2)}
    assert _place(arb(1.5, 0.1), band) == "wide"     # relative radius 0.07 >= 1e-9: never passed
    assert _place(arb(1.5), band) == "in"
    assert _place(arb(3), band) == "out"
    assert _place(arb(2), band) == "overlap"
    assert _place(arb(1.5), {"C": 0.0, "lo": None, "hi": None}) == "untested"


# ---------------------------------------------------------------------------- both directions
def _run(name, tmp_path):
    from kmrbf.claims import evidence_for
    from kmrbf.evidence import RunContext
    from kmrbf.runner import run_evidence

    ev = {e.name: e for e in evidence_for("KR-T2-grad")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


def test_bounds_by_hand_on_the_extremal_instance():
    """X = (-1, 2), M = (0, 1): Delta = 3, B_0 = 2 eps Delta^2/sigma, step bound (eps Delta + eps Delta^2/sigma)/(1-eps)."""
    import math

    import numpy as np

    from kmrbf.claims.kr_t2_grad import extra_term_bound, step_bound

    X, M = np.array([[-1.0], [2.0]]), np.array([[0.0], [1.0]])
    e = math.exp(-3.0 / 0.5)
    assert np.allclose(extra_term_bound(X, M, 0.5, 3.0), 2 * e * 9 / 0.5, rtol=1e-15)
    assert np.allclose(step_bound(X, M, np.array([0, 1]), 0.5, 3.0), (3 * e + 9 * e / 0.5) / (1 - e), rtol=1e-15)


def test_bounds_attained_passes(tmp_path):
    res = _run("bounds-attained", tmp_path)
    assert res.status == "passed", res.counterexample
    assert res.data["max_ratio"]["||E_0||/B_0"] > 1 - 1e-8     # 1/(1+eps)^2 at sigma = Delta/20


@pytest.mark.parametrize("name", ["extra_term_bound", "step_bound"])
def test_a_loosened_bound_is_caught(monkeypatch, tmp_path, name):
    from kmrbf.claims import kr_t2_grad

    orig = getattr(kr_t2_grad, name)
    monkeypatch.setattr(kr_t2_grad, name, lambda *a: 2 * orig(*a))
    assert _run("bounds-attained", tmp_path).status == "failed"


def test_a_broken_rate_finding_leaves_the_paper_status(monkeypatch, tmp_path):
    """The extra term's rate is our finding (sharper derivation): broken, it is a testbed error, never a refutation."""
    import sympy as sp

    from kmrbf.claims import evidence_for
    from kmrbf.evidence import RunContext
    from kmrbf.runner import run_evidence
    from kmrbf.theory import gradient
    from kmrbf.theory.entropic import sigma
    from kmrbf.verdict import aggregate_verdict, testbed_errors

    t = sp.Symbol("t", positive=True)
    monkeypatch.setattr(gradient, "_extra_term_exprs",
                        lambda: (t, {"nearest": 2 * t / sigma}, t / sigma * sp.exp(-t / sigma)))
    gradient.kr_t2_grad_extra_bound.cache_clear()
    try:
        ctx = RunContext(profile=_DEV, out_dir=tmp_path)
        results = [run_evidence(e, ctx) for e in evidence_for("KR-T2-grad")
                   if e.name in ("gradient-identities", "extra-term-rate")]
        assert [(r.role, r.status) for r in results] == [("paper", "passed"), ("sharper", "failed")]
        assert aggregate_verdict(results)[0] == "verified" and testbed_errors(results)
    finally:
        gradient.kr_t2_grad_extra_bound.cache_clear()
