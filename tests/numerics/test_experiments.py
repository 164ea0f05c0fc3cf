"""Tests of :mod:`kmrbf.numerics.experiments` (the centroid-discrepancy study helpers, KR-S43).

Data sets and sigma grids, the local / global slope fits (against ``numpy.polyfit``), the per-point
summaries, and the study: its curves (full-gradient T steps and converged, soft-Lloyd converged; fixed
and resampled protocols), the exclusion of non-converged runs and the resolution of the T-step runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from kmrbf.numerics import experiments as E
from kmrbf.numerics.experiments import make_spiral


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


@given(st.lists(st.floats(-3.0, 3.0), min_size=6, max_size=6),
       st.sets(st.integers(0, 5), min_size=2, max_size=6))
def test_global_fit_coefficients_are_the_least_squares_slope(logE, idx):
    # c^T log E on the points idx equals numpy.polyfit's slope on those points (independent code)
    s = np.logspace(0, -2.5, 6)
    idx = sorted(idx)
    c = E.global_fit_coefficients(s, idx)
    ref = np.polyfit(np.log(s[idx]), np.asarray(logE)[idx], 1)[0]
    # both are O(1) combinations of |log E| <= 3 with weights <= 1/sum (x - xbar)^2 ~ 1: a few ulps
    assert float(c @ np.asarray(logE)) == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert np.all(c[[j for j in range(6) if j not in idx]] == 0.0)
    # and global_slope over points above the floor is the fit over those points
    Ev = np.exp(logE)
    fl = np.where(np.isin(np.arange(6), idx), 0.0, np.inf)
    assert E.global_slope(s, Ev, fl) == pytest.approx(ref, rel=1e-9, abs=1e-12)
    with pytest.raises(ValueError, match="two distinct"):
        E.global_fit_coefficients(s, idx[:1])


def test_summarise_curve_against_numpy():
    # the same means, summed by numpy in the same order: equal up to a few ulps
    rng = np.random.default_rng(0)
    e = rng.uniform(0, 1, (4, 5))
    used = rng.uniform(0, 1, (4, 5)) < 0.7
    used[3] = False
    rf = rng.uniform(0, 1e-3, (4, 5))
    c = E.summarise_curve(e, used, rf, base_floor=2e-4)
    for j in range(3):
        u = e[j][used[j]]
        assert c["E"][j] == pytest.approx(float(np.mean(u)), rel=1e-15)
        se = float(np.std(u, ddof=1) / np.sqrt(u.size)) if u.size > 1 else 0.0
        assert c["se"][j] == pytest.approx(se, rel=1e-12)
        assert c["floor"][j] == pytest.approx(max(2e-4, float(np.mean(rf[j][used[j]]))), rel=1e-15)
        assert c["n_used"][j] == u.size
    assert c["E"][3] is None and c["floor"][3] == math.inf and c["n_used"][3] == 0


def test_resolved_run_and_stopping_bound_edges():
    assert E.resolved_run([3.0, 2.0, 0.0, 1.0], [0.5] * 4) == 1
    assert E.resolved_run([None, 2.0], [0.0, 0.0]) == -1
    assert E.stopping_error_bound([1e-12]) == (pytest.approx(math.nan, nan_ok=True), math.inf)


# ------------------------------------------------------------------ the study
_TINY = dict(n=30, k=3, n_init=2, per_decade=2, max_decades=3.0, steps=12, max_iter=200, seed=3)


def test_study_well_formed_on_tiny_setting():
    p = E.StudyParams(datasets=("blobs", "circles"), **_TINY)
    st_ = E.run_discrepancy_study(p, rounding_floor=lambda X, K: 1e-13)
    assert set(st_["datasets"]) == {"blobs", "circles"}
    keys = {f"{u}/{r}/{p_}/{a}" for u, rs in (("full-gradient", ("steps", "converged")),
                                              ("soft-lloyd", ("converged",)))
            for r in rs for p_ in ("fixed", "resampled") for a in ("1", "1.5")}
    for d in st_["datasets"].values():
        sig = d["sigmas"]
        assert all(a > b for a, b in zip(sig, sig[1:])) and d["rounding"] == 1e-13
        assert set(d["curves"]) == keys
        for key, c in d["curves"].items():
            assert key == f"{c['update']}/{c['readout']}/{c['protocol']}/{c['alpha']:g}"
            e, used = np.array(c["e"], dtype=float), np.array(c["used"])
            assert e.shape == (len(sig), 2) and (e[used] >= 0).all()
            mean = [float(e[j, used[j]].mean()) if used[j].any() else None for j in range(len(sig))]
            assert c["E"] == mean
            assert len(c["local_slopes"]) == len(sig) - 1
            if c["readout"] == "steps":
                assert used.all() and (np.array(c["run_floor"]) >= 1e-13).all()
            else:
                assert c["base_floor"] == d["floor"] and all(f >= d["floor"] for f in c["floor"])


def test_fixed_protocol_reuses_one_pool_and_resampled_draws_new_ones():
    st_ = E.run_discrepancy_study(E.StudyParams(datasets=("moons",), **_TINY))
    d = st_["datasets"]["moons"]
    # the fixed pool's K-means margins are those of every point; the resampled pools differ
    assert len(d["deltas"]) == 2 and len(d["deltas_resampled"]) == len(d["sigmas"])
    assert any(r != d["deltas"] for r in d["deltas_resampled"])
    # at sigma_0 the fixed and the resampled pool differ, so their deviations differ
    a, b = d["curves"]["soft-lloyd/converged/fixed/1"], d["curves"]["soft-lloyd/converged/resampled/1"]
    assert a["e"][0] != b["e"][0]


def test_nonconverged_runs_excluded():
    # max_iter = 1: no run to convergence stops, every one is excluded and counted; the T-step
    # read-out (steps = 12) is unaffected
    st_ = E.run_discrepancy_study(E.StudyParams(datasets=("moons",), **{**_TINY, "max_iter": 1}))
    d = st_["datasets"]["moons"]
    J = len(d["sigmas"])
    for key, c in d["curves"].items():
        if c["readout"] == "converged":
            assert c["nonconverged"] == 2 * J and c["n_used"] == [0] * J and c["E"] == [None] * J
            assert c["floor"] == [math.inf] * J and E.resolved_run(c["E"], c["floor"]) == -1
        else:
            assert c["n_used"] == [2] * J


def test_stopping_error_bound_geometric():
    # shifts rho^t exactly: bound = delta_n rho / (1 - rho) is the geometric tail
    for rho in (0.1, 0.5, 0.99):
        sh = [rho ** t for t in (10, 11, 12)]
        r, eps = E.stopping_error_bound(sh)
        assert math.isclose(r, rho, rel_tol=1e-12)
        assert math.isclose(eps, rho ** 13 / (1 - rho), rel_tol=1e-10)
    assert E.stopping_error_bound([1.0, 2.0, 1.0])[1] == math.inf      # a growing step: not verified
