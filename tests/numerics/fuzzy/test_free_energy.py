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
