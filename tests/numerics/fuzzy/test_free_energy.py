"""Tests of the VF free energy, objective and updates (:mod:`kmrbf.numerics.fuzzy._free_energy`).

Tolerances: u = 2**-53, gamma_n = n u / (1 - n u) (:mod:`kmrbf.evidence.roundoff`).  A log-membership
log u = z - logsumexp(z), z = (c log u_prev - d) / tau, is computed with absolute error at most
gamma_{K+8} (2 max|z| + 1) (each z entry: 3 roundings of terms bounded by max|z|, then the
max-shifted log-sum-exp: K exps and a log) plus the propagated distance error
(16 gamma_{D+2} + 9u) max d / |tau| (numerics/distances.py); the relative error of u is the
absolute error of log u to first order.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.special import logsumexp

from kmrbf.evidence.roundoff import U, gamma
from kmrbf.numerics import sq_distances
from kmrbf.numerics.fuzzy import (consistent_log_update, consistent_objective, free_energy, lambda_e_schedule,
                                  published_log_update)
from kmrbf.numerics.fuzzy._kernels import _consistent_log


def test_lambda_e_schedule_is_exponential():
    assert lambda_e_schedule(5.0, 0.02, 0) == 5.0
    assert lambda_e_schedule(5.0, 0.02, 10) == pytest.approx(5.0 * math.exp(-0.2), rel=1e-15)


def test_published_log_update_against_scipy_logsumexp():
    rng = np.random.default_rng(1)
    D = rng.uniform(0, 4, size=(5, 3))
    log_prev = np.log(rng.dirichlet(np.ones(3), size=5))
    le, lk = 2.0, 0.5
    z = (-lk * log_prev - D) / (le - lk)
    ref = z - logsumexp(z, axis=1, keepdims=True)
    assert np.allclose(published_log_update(D, log_prev, le, lk), ref, rtol=4e-16 * 8, atol=1e-15)


def test_consistent_objective_against_its_definition():
    X = np.array([[0.0], [1.0], [3.0]])
    M = np.array([[0.0], [2.0]])
    U = np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    Up = np.full((3, 2), 0.5)
    D = (X - M.T) ** 2
    le, lk = 0.7, 0.3
    kl_uniform = np.sum(U * np.log(U * 2))
    kl_prev = np.sum(U * np.log(U / Up))
    ref = np.sum(U * D) + le * kl_uniform + lk * kl_prev
    assert consistent_objective(X, M, U, Up, lambda_e=le, lambda_kl=lk) == pytest.approx(ref, rel=1e-14)


# ---------------------------------------------------------------- updates vs mpmath
def _mp_update(D, u_prev, le, lk, *, published):
    tau = le - lk if published else le + lk
    c = -lk / tau if published else lk / tau
    with mpmath.workdps(40):
        out = []
        for drow, prow in zip(D, u_prev):
            w = [mpmath.mpf(float(p)) ** c * mpmath.exp(-mpmath.mpf(float(d)) / tau) for d, p in zip(drow, prow)]
            s = mpmath.fsum(w)
            out.append([float(x / s) for x in w])
    return np.array(out)


@pytest.mark.parametrize("le, lk", [(5.0, 0.5), (1.3, 1.0), (1e-5, 0.5), (2.0, 0.0)])
@pytest.mark.parametrize("published", [True, False])
def test_update_matches_eq10_in_mpmath(le, lk, published):
    rng = np.random.default_rng(7)
    X, M = rng.normal(size=(6, 3)) * 2, rng.normal(size=(3, 3))
    u_prev = rng.dirichlet(np.ones(3), size=6)
    D = np.asarray(sq_distances(X, M))
    # the oracle's d: exact squared distances of the float inputs (mpmath)
    with mpmath.workdps(40):
        Dm = [[float(mpmath.fsum((mpmath.mpf(float(a)) - mpmath.mpf(float(b))) ** 2 for a, b in zip(x, m)))
               for m in M] for x in X]
    upd = published_log_update if published else consistent_log_update
    got = np.exp(upd(D, np.log(u_prev), le, lk))
    want = _mp_update(Dm, u_prev, le, lk, published=published)
    tau = abs(le - lk) if published else le + lk
    c = lk / tau
    zmax = float(np.max(c * np.abs(np.log(u_prev)) + D / tau))
    K, Dd = M.shape[0], X.shape[1]
    # log(u_prev) itself is rounded (relative u), scaled by c
    tol = gamma(K + 8) * (2 * zmax + 1) + (16 * gamma(Dd + 2) + 9 * U) * float(D.max()) / tau \
        + 2 * U * c * float(np.max(np.abs(np.log(u_prev))))
    np.testing.assert_allclose(got, want, rtol=tol, atol=0)


def test_consistent_update_is_the_argmin():
    """Among random simplex points none beats the consistent update on its per-row objective."""
    rng = np.random.default_rng(3)
    D = rng.uniform(0, 10, size=(5, 4))
    lu_prev = np.log(rng.dirichlet(np.ones(4), size=5))
    le, lk = 2.0, 0.7
    lu = consistent_log_update(D, lu_prev, le, lk)

    def row_obj(lr, i):
        return _consistent_log(D[i:i + 1], lr[None, :], lu_prev[i:i + 1], le, lk)

    for i in range(5):
        best = row_obj(lu[i], i)
        for _ in range(200):
            q = np.log(rng.dirichlet(np.ones(4) * 0.5))
            assert row_obj(q, i) >= best - 1e-12 * (1 + abs(best))


# ---------------------------------------------------------------- free energy conventions
def test_free_energy_conventions():
    X, M = np.array([[0.0], [2.0]]), np.array([[0.0], [2.0]])
    U0 = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert free_energy(X, M, U0, U0, lambda_e=5.0, lambda_kl=0.5) == pytest.approx(2 + 5 * math.log(2), rel=4 * U)
    Up = np.array([[0.5, 0.5], [1.0, 0.0]])  # u > 0 = u_prev: KL is +inf
    assert free_energy(X, M, U0, Up, lambda_e=5.0, lambda_kl=0.5) == math.inf
    assert free_energy(X, M, U0, Up, lambda_e=5.0, lambda_kl=0.0) == pytest.approx(2 + 5 * math.log(2), rel=4 * U)


def test_log_domain_no_overflow_at_tiny_temperature():
    D = np.array([[0.0, 1e3, 2e3]])
    lu = consistent_log_update(D, np.full((1, 3), -math.log(3)), 1e-6, 0.0)
    assert np.all(np.isfinite(lu[:, 0])) and lu[0, 0] == 0.0 and np.exp(lu[0, 1]) == 0.0


# ---------------------------------------------------------------- validation at the door (issue 11)
D2 = np.array([[0.0, 1.0], [2.0, 0.5]])
LU2 = np.log(np.full((2, 2), 0.5))
UPDATES = [published_log_update, consistent_log_update]


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("param", ["lambda_e", "lambda_kl"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_updates_reject_bad_lambdas_by_name(update, param, value):
    """Before issue 11 a NaN lambda gave an all-NaN result silently."""
    kw = {"lambda_e": 5.0, "lambda_kl": 0.5, param: value}
    with pytest.raises(ValueError, match=rf"{param} must be"):
        update(D2, LU2, kw["lambda_e"], kw["lambda_kl"])


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("param", ["lambda_e", "lambda_kl"])
def test_updates_reject_non_real_lambdas(update, param):
    kw = {"lambda_e": 5.0, "lambda_kl": 0.5, param: True}
    with pytest.raises(TypeError, match=rf"{param} must be a real number"):
        update(D2, LU2, kw["lambda_e"], kw["lambda_kl"])
    kw[param] = "5"
    with pytest.raises(TypeError, match=rf"{param} must be a real number"):
        update(D2, LU2, kw["lambda_e"], kw["lambda_kl"])


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("bad, where", [(np.nan, "nan"), (np.inf, "inf"), (-1.0, "-1.0")])
def test_updates_reject_bad_distances_with_index(update, bad, where):
    """Before issue 11 a NaN distance gave a NaN row silently."""
    D = D2.copy()
    D[1, 0] = bad
    with pytest.raises(ValueError, match=rf"D must be finite and >= 0 .*found {where} at index \(1, 0\)"):
        update(D, LU2, 5.0, 0.5)


@pytest.mark.parametrize("update", UPDATES)
def test_updates_reject_one_dimensional_distances(update):
    """Before issue 11 a 1-D D raised IndexError from inside the kernel."""
    with pytest.raises(ValueError, match=r"D must be a 2-D \(N, K\) array .*shape \(2,\)"):
        update(D2[0], LU2[0], 5.0, 0.5)


@pytest.mark.parametrize("update", UPDATES)
def test_updates_accept_lists_and_integers(update):
    """Before issue 11 a list raised "bad operand type for unary -"."""
    want = update(D2, LU2, 5.0, 0.5)
    np.testing.assert_array_equal(update(D2.tolist(), LU2.tolist(), 5, 0.5), want)
    got = update(np.array([[0, 1], [2, 0]]), LU2, 5.0, 0.5)
    assert got.dtype == np.float64


@pytest.mark.parametrize("update", UPDATES)
def test_updates_reject_bool_and_string_arrays(update):
    with pytest.raises(TypeError, match="D must have a real numeric dtype"):
        update(np.array([[True, False]]), LU2[:1], 5.0, 0.5)
    with pytest.raises(TypeError, match="D must be an array of real numbers"):
        update("D", LU2, 5.0, 0.5)


@pytest.mark.parametrize("update", UPDATES)
def test_updates_check_the_previous_log_memberships(update):
    with pytest.raises(ValueError, match=r"log_u_prev must have shape \(2, 2\); got \(2, 3\)"):
        update(D2, np.zeros((2, 3)), 5.0, 0.5)
    bad = LU2.copy()
    bad[0, 1] = np.nan
    with pytest.raises(ValueError, match=r"log_u_prev must contain no NaN or \+inf .*index \(0, 1\)"):
        update(D2, bad, 5.0, 0.5)
    bad[0, 1] = np.inf
    with pytest.raises(ValueError, match=r"no NaN or \+inf"):
        update(D2, bad, 5.0, 0.5)
    with pytest.raises(ValueError, match="log_u_prev row 1 is entirely -inf"):
        update(D2, np.array([[0.0, -np.inf], [-np.inf, -np.inf]]), 5.0, 0.5)


def test_published_update_rejects_a_zero_previous_membership_under_a_negative_exponent():
    """u_prev = 0 with exponent -lambda_kl/tau < 0 is an infinite factor: eq. 10 is undefined there."""
    lu = np.array([[0.0, -np.inf], [math.log(0.5), math.log(0.5)]])
    with pytest.raises(ValueError, match=r"u_prev is 0 at index \(0, 1\) .*-0.111"):
        published_log_update(D2, lu, 5.0, 0.5)
    # a positive exponent (tau < 0) or no anchor is fine: the zero stays zero / does not enter
    assert np.exp(published_log_update(D2, lu, 0.2, 0.5))[0, 1] == 0.0
    assert np.all(np.isfinite(published_log_update(D2, lu, 5.0, 0.0)))
    # with the author's offset log(u_prev + 1e-10) it is defined
    assert np.all(np.isfinite(published_log_update(D2, lu, 5.0, 0.5, prev_offset=1e-10)))


def test_published_update_temperature_floor_and_offset_are_the_authors_formula():
    """tau = max(lambda_e - lambda_kl, floor); anchor log(u_prev + eps) -- checked against the direct formula."""
    rng = np.random.default_rng(5)
    D = rng.uniform(0, 3, size=(4, 3))
    up = rng.dirichlet(np.ones(3), size=4)
    le, lk, floor, eps = 0.7, 0.5, 0.5, 1e-3   # tau = 0.2 < floor: clamped to 0.5
    z = (-D - lk * np.log(up + eps)) / floor
    ref = z - logsumexp(z, axis=1, keepdims=True)
    got = published_log_update(D, np.log(up), le, lk, temperature_floor=floor, prev_offset=eps)
    np.testing.assert_allclose(got, ref, rtol=0, atol=gamma(16) * (2 * float(np.max(np.abs(z))) + 1))
    # the floor does nothing above it
    np.testing.assert_array_equal(published_log_update(D, np.log(up), 5.0, lk, temperature_floor=floor),
                                  published_log_update(D, np.log(up), 5.0, lk))
    with pytest.raises(ValueError, match="temperature_floor must be > 0"):
        published_log_update(D, np.log(up), le, lk, temperature_floor=0.0)
    with pytest.raises(ValueError, match="prev_offset must be >= 0"):
        published_log_update(D, np.log(up), le, lk, prev_offset=-1e-10)


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_one_hot_not_nan_at_a_subnormal_temperature(update):
    """Gap-first logits: tau = 5e-324 gives one-hot rows (uniform over exact ties), never inf - inf."""
    D = np.array([[3.0, 1.0, 2.0], [1.0, 1.0, 4.0]])
    lu = np.log(np.full((2, 3), 1 / 3))
    out = np.exp(update(D, lu, 5e-324, 0.0))
    assert out.tolist() == [[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]]


def test_published_update_with_negative_temperature_is_applied_literally():
    """tau < 0: u ~ u_prev^{-lambda_kl/tau} exp(-d/tau) favours the *far* centroid (gap first from the row min)."""
    D = np.array([[0.0, 1e4]])
    lu = np.log(np.array([[0.5, 0.5]]))
    out = np.exp(published_log_update(D, lu, 1e-5, 0.5))  # tau = -0.49999
    assert out.tolist() == [[0.0, 1.0]]


@pytest.mark.parametrize("fn", [free_energy, consistent_objective])
def test_objectives_reject_bad_lambdas_and_memberships(fn):
    X, M = np.array([[0.0], [2.0]]), np.array([[0.0], [2.0]])
    U0 = np.array([[1.0, 0.0], [0.5, 0.5]])
    with pytest.raises(ValueError, match="lambda_e must be finite; got lambda_e=nan"):
        fn(X, M, U0, U0, lambda_e=float("nan"), lambda_kl=0.5)
    with pytest.raises(ValueError, match="lambda_kl must be >= 0"):
        fn(X, M, U0, U0, lambda_e=5.0, lambda_kl=-0.5)
    bad = U0.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"U must be finite and non-negative; found nan at index \(1, 0\)"):
        fn(X, M, bad, U0, lambda_e=5.0, lambda_kl=0.5)
    with pytest.raises(TypeError, match="U_prev must have a real numeric dtype"):
        fn(X, M, U0, U0.astype(bool), lambda_e=5.0, lambda_kl=0.5)
    assert fn(X.tolist(), M, U0.tolist(), U0, lambda_e=5, lambda_kl=0) == fn(X, M, U0, U0, lambda_e=5.0,
                                                                               lambda_kl=0.0)


def test_lambda_e_schedule_validates():
    with pytest.raises(ValueError, match="lambda_e must be finite"):
        lambda_e_schedule(float("nan"), 0.02, 3)
    with pytest.raises(ValueError, match="gamma must be >= 0"):
        lambda_e_schedule(5.0, -0.02, 3)
    with pytest.raises(ValueError, match="t must be >= 0"):
        lambda_e_schedule(5.0, 0.02, -1)
    with pytest.raises(TypeError, match="t must be an integer"):
        lambda_e_schedule(5.0, 0.02, 1.5)
    with pytest.raises(TypeError, match="t must be an integer"):
        lambda_e_schedule(5.0, 0.02, True)
    assert lambda_e_schedule(np.float32(5.0), np.array(0.0), np.int64(7)) == 5.0
