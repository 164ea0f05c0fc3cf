"""Fixtures shared by the numerics tests.

``bounds``: the float64 error bounds of the kernels that the oracle tests of
``test_activations.py``, ``test_distances.py``, ``test_functionals.py`` and
``test_kmeans.py`` take their tolerances from (each test compares a float64 kernel
with the 50-digit mpmath oracle, :mod:`kmrbf.numerics.oracles`).

Notation for the bounds: ``u = 2**-53`` (unit roundoff), ``gamma(n) = n u / (1 - n u)``
(:mod:`kmrbf.evidence.roundoff`).  First-order bounds (O(u^2) terms dropped) are multiplied
by ``SLACK = 1.01`` to cover the second-order terms and the rounding of the oracle to
float64 (one half-ulp, added separately as ``u * |exact|``).  No constant below was tuned
to make a test pass; each one is derived in the comment next to it.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kmrbf.evidence.roundoff import U, gamma
from kmrbf.numerics import oracles as O

SLACK = 1.01


def f64(v):
    """mpf / nested lists of mpf -> float64 array (each entry correctly rounded)."""
    return np.array(v, dtype=object).astype(np.float64)


def assert_within(actual, exact, bound, what):
    actual, exact, bound = np.asarray(actual, float), np.asarray(exact, float), np.asarray(bound, float)
    err = np.abs(actual - exact)
    allowed = SLACK * bound + U * np.abs(exact)
    bad = err > allowed
    assert not bad.any(), (
        f"{what}: error {err[bad].max():.3e} exceeds bound {allowed[bad].min():.3e}\n"
        f"actual={actual!r}\nexact={exact!r}"
    )


def entmax_impl_bound(k: int, alpha: float) -> float:
    """Absolute error of our entmax implementations on exact logits, per entry.

    Sort (alpha = 1.5): on the support |x| <= 1 and one rounding gives |dx| <= u;
    mean: (K+1)u; var (deviations <= 1, var <= 1/k): (2K+4)u; rad = 1/k - var:
    (2K+6)u; sqrt(rad) >= 1/k (since mean - tau = mean(sqrt p) >= 1/k), so the
    square root adds k/2 * (2K+6)u + u <= (K^2+3K+1)u; tau: (K^2+4K+3)u;
    p_j = (x_j - tau)^2 with |x_j - tau| <= 1: (2K^2+8K+11)u; normalising by a sum
    within K(2K^2+8K+11)u of 1 multiplies by (K+1).  Sparsemax is no worse
    (tau = (sum - 1)/k: (K+2)u).

    Bisection (any alpha > 1, beta = 1/(alpha-1)): f(tau) = sum b_j^beta - 1 has
    |f'| = beta * sum p^(2-alpha) >= beta (p^(2-alpha) >= p), rounding of f at fixed
    tau is <= beta * 2u * K + (K+2)u, so |dtau| <= u + (2K + (K+2)/beta) u; then
    |dp_j| <= beta(dx + dtau) + 2u <= (beta(2K+4) + K + 4)u; normalising: (K+1).
    """
    sort = (k + 1) * (2 * k * k + 8 * k + 11)
    beta = 1.0 / (alpha - 1.0)
    bis = (k + 1) * (beta * (2 * k + 4) + k + 4)
    return max(sort, bis) * U


def dist_rel(d: int) -> float:
    """Relative error of sq_distances (distances module docstring): 16 gamma(D+2) + 9u."""
    return 16 * gamma(d + 2) + 9 * U


def _logit_abs_err(d: np.ndarray, sigma: float, dd: float) -> np.ndarray:
    """Absolute error of the logits -(d_ik - d_i(1))/sigma: each d has relative error dd,
    the subtraction and the division one rounding each."""
    dmin = d.min(axis=1, keepdims=True)
    return ((dd + 2 * U) * (d + dmin)) / sigma


def resp_abs_bound(X, M, sigma, alpha):
    """Per-entry absolute error bound of the responsibilities, and the oracle values.

    Logit errors e (see _logit_abs_err) propagate through the Jacobian of entmax,
    diag(q) - q q^T / sum q with q = p^(2-alpha) on the support (q = p for softmax):
    |dp_j| <= q_j (e_j + sum_l q_l e_l / sum q) <= 2 q_j max_l e_l; the implementation
    adds softmax_rel_bound-type rounding (relative, (K+4)u + u|x| terms) for alpha = 1
    and entmax_impl_bound for alpha > 1.
    """
    k = M.shape[0]
    d = f64(O.mp_sq_distances(X, M))
    p = f64(O.mp_responsibilities(X, M, sigma, alpha=alpha))
    e = _logit_abs_err(d, sigma, dist_rel(X.shape[1]))
    q = p if alpha == 1.0 else np.where(p > 0, np.abs(p) ** (2 - alpha), 0.0)
    prop = 2 * q * e.max(axis=1, keepdims=True)
    if alpha == 1.0:
        x = (d - d.min(axis=1, keepdims=True)) / sigma
        impl = U * (x + x.max(axis=1, keepdims=True) + k + 4) * p
    else:
        impl = np.full_like(p, entmax_impl_bound(k, alpha))
    return p, d, prop + impl


@pytest.fixture(scope="session")
def bounds():
    """The error-bound helpers above, as one namespace (session scope: usable with ``@given``)."""
    return SimpleNamespace(SLACK=SLACK, f64=f64, assert_within=assert_within,
                           entmax_impl_bound=entmax_impl_bound, dist_rel=dist_rel,
                           logit_abs_err=_logit_abs_err, resp_abs_bound=resp_abs_bound)
