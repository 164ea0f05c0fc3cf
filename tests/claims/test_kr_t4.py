"""kmrbf.claims.kr_t4: the explicit constant C = diam/((alpha-1)Delta), the best constant, and what the ratio decides.

Hand instance: two singleton cells {0}, {1} (Delta = 1, diam = 1), alpha = 1.5, so C = 2.  With g = 1/sigma the
entmax-1.5 weights of cell 0 are w_own = (g/4 + s)^2 and w_far = (s - g/4)^2, s = sqrt((1 - g^2/8)/2), for g < 2
(sigma > 1/2); the deviation is w_far/(w_own + w_far) and the best constant sup_g g w_far/(w_own + w_far).
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrbf.claims import evidence_for, kr_t4
from kmrbf.claims.kr_t4 import best_constant, explicit_constant
from kmrbf.evidence import RunContext
from kmrbf.numerics.lloyd_instances import certified_instances, from_partition
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def _run(name, tmp_path):
    ev = {e.name: e for e in evidence_for("KR-T4")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


@pytest.fixture(scope="module")
def pair():
    return from_partition(np.array([[0.0], [1.0]]), [0, 1])


def test_explicit_constant_is_diam_over_alpha_minus_one_delta(pair):
    assert explicit_constant(pair, 1.5) == 2.0 and explicit_constant(pair, 3.0) == 0.5
    for _, inst in certified_instances():
        assert math.isclose(explicit_constant(inst, 1.25), inst.diam / (0.25 * float(inst.delta)), rel_tol=1e-15)


def test_best_constant_matches_the_closed_form(pair):
    with mpmath.workdps(30):
        def ratio(g):
            s = mpmath.sqrt((1 - g**2 / 8) / 2)
            own, far = (g / 4 + s) ** 2, (s - g / 4) ** 2
            return g * far / (own + far)
        g_star = mpmath.findroot(lambda g: mpmath.diff(ratio, g), 0.8)   # the maximum, near g = 0.76
        c_star = float(ratio(g_star))
    grid = np.exp(np.linspace(math.log(0.5), math.log(20.0), 4000))   # sigma/((alpha-1)Delta) = 2/g
    best, at, tol = best_constant(pair, 1.5, grid)
    assert best <= c_star + tol and math.isclose(best, c_star, rel_tol=1e-5)
    assert math.isclose(at, 2 / float(g_star), rel_tol=1e-2)
    assert best / explicit_constant(pair, 1.5) < 0.5        # the explicit C is a worst case


def test_best_constant_evidence_records_the_ratio_and_decides_it(tmp_path):
    res = _run("best-constant", tmp_path)
    assert res.status == "passed", res.counterexample
    assert 0 < res.data["max_ratio"] < 1


def test_a_constant_below_the_best_one_is_caught(monkeypatch, tmp_path):
    """C*/C < 1 is decided: with C divided by 20 the explicit 'constant' falls below the measured best one."""
    monkeypatch.setattr(kr_t4, "explicit_constant", lambda inst, a=1.5: explicit_constant(inst, a) / 20)
    res = _run("best-constant", tmp_path)
    assert res.status == "failed" and "best constant" in res.counterexample


def test_undecided_certificates_are_undecided(monkeypatch, tmp_path):
    from kmrbf.numerics import certify
    from kmrbf.numerics.certify import Decision

    monkeypatch.setattr(certify, "decide_le",
                        lambda compute, name, **kw: Decision(name, "undecided", 64, "?", "?", float("nan")))
    assert _run("arb-C-sigma", tmp_path).status == "undecided"


def test_t4_constant_is_the_one_formula_of_the_certificate(pair):
    from flint import arb, ctx

    from kmrbf.numerics.certify import t4_constant

    with ctx.workprec(64):
        assert t4_constant(pair, Fraction(3, 2)).overlaps(arb(2))


# ---------------------------------------------------------------------------- mutation-testing gaps
def test_kappa_uses_the_largest_squared_distance():
    """{0, 1} | {10, 11}: the largest squared point-centroid distance is (11 - 0.5)^2 = 110.25 (not a sum over
    centroids), Delta = 90, so kappa = 8u(110.25/90 + 2)."""
    from kmrbf.evidence.roundoff import entmax_threshold_slack

    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    assert kr_t4._kappa(inst) == entmax_threshold_slack(110.25, 90.0) == 8 * 2.0**-53 * (110.25 / 90 + 2)


def test_best_constant_reports_the_float64_error_of_the_ratio(pair):
    """The third value is centroid_tol / sigma at the maximising sigma = g (alpha - 1) Delta."""
    from kmrbf.evidence.roundoff import centroid_tol

    c, g, tol = best_constant(pair, 1.5, np.array([0.5, 1.0, 2.0]))
    assert tol == centroid_tol(pair.X, pair.K) / (g * 0.5 * float(pair.delta))


def test_exact_cert_names_its_undecided_rows(monkeypatch, tmp_path):
    """A row arb cannot decide (not proved still, not proved moved) makes the evidence undecided, and the
    summary says which row."""
    from types import SimpleNamespace

    ex = {"one_hot": True, "one_hot_in_arb": False, "exact_in_arb": False,
          "decision": SimpleNamespace(name="one-hot", status="undecided")}
    dec = SimpleNamespace(name="k=0: did not move", status="undecided")
    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    monkeypatch.setattr(kr_t4, "_t4_certs", lambda: [("fake", inst, 1.5, Fraction(1, 2), ex, [dec])])
    res = _run("exact-one-hot", tmp_path)
    assert res.status == "undecided" and res.summary == "undecided: fake alpha=1.5 sigma/((a-1)Delta)=1/2"
    assert res.data["certificates"] == []          # an undecided row certifies nothing


def test_the_strategy_is_the_one_its_summary_describes():
    """The report prints _SUMMARY as the strategy: K = 2..4, D = 1..3, 1..8 points per cell, which are
    lloyd_fixed_points' defaults (Hypothesis's repr lists only non-default arguments)."""
    assert repr(kr_t4._LLOYD) == "lloyd_fixed_points()"
    assert "K=2..4, D=1..3, 1..8 points per cell" in kr_t4._SUMMARY
    from kmrbf.evidence.strategies import lloyd_fixed_points

    assert repr(lloyd_fixed_points(max_k=5, max_d=3, max_per_cell=8)) != repr(kr_t4._LLOYD)


@settings(max_examples=1, database=None)
@given(st.just(None))
def test_t4_exact_fails_when_the_responsibilities_stay_one_hot_above_the_threshold(_):
    """The sharpness half of t4_exact can fail: one-hot responsibilities at sigma = 2 (alpha-1) Delta are
    reported (with the real ones it passes).  (Run under @given: t4_exact calls hypothesis.assume.)"""
    from kmrbf import numerics as nx

    pair = from_partition(np.array([[0.0], [1.0]]), [0, 1])
    kr_t4.t4_exact(pair, 1.5, 0.5, 2.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nx, "responsibilities", lambda X, M, s, alpha=1.0: np.eye(2))
        with pytest.raises(AssertionError, match="still one-hot"):
            kr_t4.t4_exact(pair, 1.5, 0.5, 2.0)


@settings(max_examples=1, database=None)
@given(st.just(None))
def test_t4_exact_checks_exactness_up_to_the_threshold_less_its_rounding_band(_):
    """At t = 1 the soft centroids are checked at sigma = (alpha-1) Delta / (1 + kappa): the edge of the claim,
    not a comfortable fraction of it (which would hold as well and test less)."""
    from kmrbf import numerics as nx

    pair = from_partition(np.array([[0.0], [1.0]]), [0, 1])
    seen = []
    orig = nx.soft_centroids
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(nx, "soft_centroids", lambda X, M, s, alpha=1.0: seen.append(s) or orig(X, M, s, alpha=alpha))
        kr_t4.t4_exact(pair, 1.5, 1.0, 2.0)
    kappa = kr_t4._kappa(pair)
    assert seen == [0.5 / (1 + kappa)] and 0 < kappa < 1e-14


def test_exact_below_threshold_draws_sharpness_from_1_125_with_the_full_example_count(monkeypatch):
    """t_above starts at 1.125 (the docstring's 'not exact at t >= 1.125', just outside the rounding band) and
    the property runs the profile's full max_examples (fraction 1.0)."""
    from hypothesis import find
    from hypothesis import settings as hsettings

    from kmrbf.evidence import EvidenceResult, collect

    seen = {}

    def spy(check, strategies, ctx, examples=()):
        seen.update(strategies, n=ctx.profile.max_examples)
        return EvidenceResult("passed")

    monkeypatch.setattr(collect, "run_property", spy)
    ev = {e.name: e for e in evidence_for("KR-T4")}["float64-exact-below-threshold"]
    res = ev.run(RunContext(profile=_DEV, out_dir=None))
    assert seen["n"] == _DEV.max_examples == res.data["max_examples"]
    s = hsettings(derandomize=True, database=None, max_examples=200)
    assert find(seen["t_above"], lambda v: v <= 1.125, settings=s) == 1.125


def test_best_constant_searches_the_stated_grid(monkeypatch, tmp_path):
    """The description says sigma/((alpha-1)Delta) in [0.5, 20] on a log grid: the grid handed to best_constant
    starts at 0.5 and ends at 20 (a grid starting above the maximiser would understate C*)."""
    grids = []
    orig = kr_t4.best_constant
    monkeypatch.setattr(kr_t4, "best_constant", lambda inst, a, grid: grids.append(grid) or orig(inst, a, grid))
    assert _run("best-constant", tmp_path).status == "passed"
    g = grids[0]
    assert math.isclose(g[0], 0.5, rel_tol=1e-14) and math.isclose(g[-1], 20.0, rel_tol=1e-14)
    assert np.allclose(np.diff(np.log(g)), math.log(40) / (g.size - 1), rtol=1e-10)
