"""Tests of :mod:`kmrbf.numerics.experiments` (the centroid-discrepancy study helpers, KR-S43).

Data sets and sigma grids, the local / global slope fits, the fixed and resampled protocols
(stopping rule, exclusion of non-converged runs) and the floor-widened slope interval.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from kmrbf.numerics import experiments as E
from kmrbf.numerics.experiments import (chord_coefficients, local_slopes, make_spiral,
                                        slope_difference_coefficients)


def test_chord_and_slope_difference_coefficients_on_a_power_law():
    """On :math:`E=c\\sigma^\\beta` every chord is :math:`\\beta` and slope differences vanish."""
    sigmas = [1.0, 0.3, 0.1, 0.02]
    logE = np.log([3.0 * s**1.7 for s in sigmas])
    assert float(chord_coefficients(sigmas, 0, 3) @ logE) == pytest.approx(1.7, rel=1e-14)
    assert float(slope_difference_coefficients(sigmas, 2, 0) @ logE) == pytest.approx(0.0, abs=1e-13)
    # against local_slopes on a curve that is not a power law
    E = [1.0, 0.5, 0.4, 0.05]
    b = local_slopes(sigmas, E)
    assert float(slope_difference_coefficients(sigmas, 2, 0) @ np.log(E)) == pytest.approx(b[2] - b[0])


def test_make_spiral_shape_radius_and_seed():
    P = make_spiral(200, radius=3.0, noise=0.0, seed=4)
    assert P.shape == (200, 2)
    assert float(np.max(np.hypot(P[:, 0], P[:, 1]))) <= 3.0 + 1e-12
    assert np.array_equal(P, make_spiral(200, radius=3.0, noise=0.0, seed=4))
    assert not math.isnan(float(P.sum()))


# ------------------------------------------------------------------ datasets and grids
@pytest.mark.parametrize("name", E.DATASETS)
def test_datasets_seeded_and_shaped(name):
    X = E.make_dataset(name, 40, seed=7)
    assert X.shape == (40, 2) and X.dtype == np.float64 and np.isfinite(X).all()
    assert np.array_equal(X, E.make_dataset(name, 40, seed=7))
    assert not np.array_equal(X, E.make_dataset(name, 40, seed=8))


def test_unknown_dataset_is_named():
    with pytest.raises(ValueError, match="dataset='rings'"):
        E.make_dataset("rings", 10, seed=0)


def test_sigma_grid_log_spaced():
    s = E.sigma_grid(2.0, 2e-3, 4)
    assert s[0] == 2.0 and s[-1] <= 2e-3 * (1 + 1e-12) and len(s) == 13
    # constant ratio 10^(1/4) up to rounding of the power (a few ulps)
    assert np.allclose(s[:-1] / s[1:], 10 ** 0.25, rtol=1e-14, atol=0)


# ------------------------------------------------------------------ slope fits
@given(st.floats(0.25, 4.0), st.floats(1e-3, 1e3))
@example(1.0, 1.0)
def test_slopes_recover_power_laws(beta, c):
    # E = c sigma^beta: log-ratio arithmetic loses a few ulps of log(E) (|log E| <= ~40)
    # relative to log(ratio) ~ 0.5, so 1e-10 absolute is far above rounding
    s = np.logspace(1, -4, 11)
    Ev = c * s ** beta
    assert all(abs(b - beta) < 1e-10 for b in E.local_slopes(s, Ev))
    assert abs(E.global_slope(s, Ev) - beta) < 1e-10


def test_slopes_of_exponential_grow():
    # E = exp(-c/sigma): exact local slope between sigma_j > sigma_{j+1} is
    # c (1/sigma_{j+1} - 1/sigma_j) / log(sigma_j/sigma_{j+1}), increasing without bound
    c = 0.5
    s = np.logspace(0, -1.5, 7)
    Ev = np.exp(-c / s)
    b = E.local_slopes(s, Ev)
    exact = [c * (1 / s[j + 1] - 1 / s[j]) / math.log(s[j] / s[j + 1]) for j in range(6)]
    assert np.allclose(b, exact, rtol=1e-9)
    assert all(x < y for x, y in zip(b, b[1:])) and b[-1] > 10


def test_slopes_undefined_at_zero():
    b = E.local_slopes([1.0, 0.5, 0.25], [1.0, 1e-20, 0.0], floor=1e-12)
    assert b == [None, None]
    assert E.global_slope([1.0, 0.5], [1.0, 0.0]) is None


def test_monotone_violations():
    v = E.monotone_violations([4, 2, 1, 0.5], [3.0, 2.0, 2.05, 0.0], [0.1, 0.01, 0.0])
    assert [(w["sigma_j"], w["sigma_next"]) for w in v] == [(2.0, 1.0)]


# ------------------------------------------------------------------ protocols
def test_study_well_formed_on_tiny_setting():
    p = E.StudyParams(n=30, k=3, n_init=2, per_decade=2, max_decades=3.0, seed=3,
                      datasets=("blobs", "circles"))
    st_ = E.run_discrepancy_study(p)
    assert set(st_["datasets"]) == {"blobs", "circles"}
    for d in st_["datasets"].values():
        sig = d["sigmas"]
        assert all(a > b for a, b in zip(sig, sig[1:]))
        assert set(d["curves"]) == {"fixed/1", "fixed/1.5", "resampled/1", "resampled/1.5"}
        for c in d["curves"].values():
            e = np.array(c["e"])
            assert e.shape == (len(sig), 2) and (e >= 0).all()
            assert np.allclose(c["E"], e.mean(axis=1), rtol=0, atol=0)
            assert len(c["local_slopes"]) == len(sig) - 1


def test_fixed_protocol_reuses_inits():
    # fixed protocol at a single sigma equals the resampled one when both use the same pool
    X = E.make_dataset("moons", 40, seed=1)
    pool = E._pool(X, 3, np.random.default_rng(0), 2)
    a = E.run_curve(X, [0.1, 0.01], [pool, pool], alpha=1.5, max_iter=200)
    b = E.run_curve(X, [0.01], [pool], alpha=1.5, max_iter=200)
    assert a["e"][1] == b["e"][0]


def test_traced_soft_lloyd_matches_soft_lloyd():
    # same kernel, same stopping rule: bitwise-identical centroids and iteration count
    from kmrbf.numerics import soft_lloyd
    X = E.make_dataset("circles", 60, seed=2)
    M0 = E.forgy_init(X, 3, np.random.default_rng(5))
    for sigma, alpha in ((0.3, 1.0), (0.05, 1.5), (1e-3, 1.0)):
        ref = soft_lloyd(X, M0, sigma, alpha=alpha, max_iter=500, tol=E.SOFT_TOL)
        M, n, ok, sh = E.traced_soft_lloyd(X, M0, sigma, alpha=alpha, max_iter=500)
        assert np.array_equal(M, ref.centroids) and n == ref.n_iter and ok == ref.converged
        assert sh[-1] == ref.shift and len(sh) == min(3, n)


def test_stopping_error_bound_geometric():
    # shifts rho^t exactly: bound = delta_n rho / (1 - rho) is the geometric tail
    for rho in (0.1, 0.5, 0.99):
        sh = [rho ** t for t in (10, 11, 12)]
        r, eps = E.stopping_error_bound(sh)
        assert math.isclose(r, rho, rel_tol=1e-12)
        assert math.isclose(eps, rho ** 13 / (1 - rho), rel_tol=1e-10)
    assert E.stopping_error_bound([1.0, 2.0, 1.0])[1] == math.inf      # a growing step: not verified


def test_nonconverged_runs_excluded():
    # max_iter = 1 at a slow sigma: nothing converges, every run is excluded and counted
    X = E.make_dataset("moons", 40, seed=1)
    pool = E._pool(X, 3, np.random.default_rng(0), 3)
    c = E.run_curve(X, [0.5], [pool], alpha=1.0, max_iter=1)
    assert c["nonconverged"] == 3 and c["n_used"] == [0] and c["E"] == [None]
    assert c["floor"] == [math.inf] and E.resolved_run(c["E"], c["floor"]) == -1


# ------------------------------------------------------------------ slope uncertainty
def test_interval_widened_by_floor():
    # exact data (no seed spread): the interval is the floor's worst case, sum |c_j| (-log(1 - f_j/E_j))
    e = np.array([[1.0, 1.0], [0.1, 0.1]])
    c = [1 / math.log(10), -1 / math.log(10)]
    est, lo, hi = E.log_linear_interval(c, e, np.ones(e.shape, bool), [0.0, 0.05], protocol="resampled")
    w = -math.log1p(-0.5) / math.log(10)
    assert math.isclose(est, 1.0) and math.isclose(hi - est, w) and math.isclose(est - lo, w)
    assert E.log_linear_interval(c, e, np.ones(e.shape, bool), [0.0, 0.1], protocol="resampled")[1] == -math.inf
