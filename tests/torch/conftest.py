"""Fixtures of the kmrbf.torch tests: error bounds for comparing with kmrbf.numerics, random instances.

Every tolerance is a first-order rounding-error bound (Higham, *Accuracy and Stability*),
derived in the docstring of the helper that computes it, with ``u`` the unit roundoff of
the dtype (``2**-53`` for float64, ``2**-24`` for float32) and
``gamma(n) = n u / (1 - n u)``.  Nothing was tuned to make a test pass.  A comparison of
two implementations allows the sum of both bounds.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kmrbf.evidence.roundoff import entmax_map_bound

try:
    import torch
except ImportError:  # the test modules skip themselves (pytest.importorskip) with the reason
    torch = None

U64 = 2.0**-53
U32 = 2.0**-24


def unit_roundoff(dtype) -> float:
    """``u`` of a torch or numpy float dtype."""
    return U32 if dtype in (np.float32, getattr(torch, "float32", np.float32)) else U64


def gamma(n: int, u: float) -> float:
    return n * u / (1 - n * u)


def dist_rel(n_features: int, u: float) -> float:
    """Relative error of the guarded GEMM distances, ``16 gamma(D+2) + 9u`` (numerics/distances.py:
    GEMM error ``2 gamma(D+2) (|x~|^2 + |mu~|^2)`` on unflagged entries, where that sum is
    ``<= 8 d``; flagged entries are recomputed directly, ``gamma(D+2)``)."""
    return 16 * gamma(n_features + 2, u) + 9 * u


def map_rounding(k: int, alpha: float, u: float) -> float:
    """Absolute error of an entmax map on exact logits (per entry), for K entries.

    Sort-based (alpha = 1.5, 2): ``(K+1)(2K^2+8K+11)u`` (the derivation of the numerics
    bound ``entmax_impl_bound`` in tests/numerics/conftest.py: mean, variance, square root of
    ``1/k - var >= 1/k^2``, squares, normalisation); bisection on tau: ``(K+1)(beta(2K+4)+K+4)u``,
    ``beta = 1/(alpha-1)`` (|f'(tau)| >= beta); the log1p form (alpha - 1 < 1/8) is within
    ``(K+2)(3 beta + 2 log K + 4)u`` (its arguments are ``<= 3 beta + 2 log K`` on the support),
    below the tau-form bound; softmax of logits whose max is exactly 0: ``(K+4)u``.  We take
    the largest that applies: for alpha > 1 the sort and threshold routes' bound
    :func:`kmrbf.evidence.roundoff.entmax_map_bound` (its derivation there), for softmax the
    sort-route term, which is larger than ``(K+4)u``.
    """
    if alpha == 1.0:
        return (k + 1) * (2 * k * k + 8 * k + 11) * u
    return entmax_map_bound(k, alpha, u)


def resp_bound(d: np.ndarray, sigma: float, alpha: float, n_features: int, u: float) -> np.ndarray:
    """Bound on the error of computed responsibilities against the exact ones, per row (shape (N, 1)).

    ``d``: squared distances (N, K) as computed in float64 (their own error is second order
    here).  The logits ``-(d_k - d_min)/sigma`` carry ``e_k = (dist_rel + 2u)(d_k + d_min)/sigma``
    (relative error of both distances, then one rounding for the subtraction and one for the
    division).  They propagate through the entmax Jacobian ``diag(s) - s s^T / sum s`` whose
    infinity norm is ``<= 2 max s <= 2`` for ``1 <= alpha <= 2`` (``s = p^(2-alpha) <= 1``), so
    ``|dp_k| <= 2 max_l e_l + map_rounding``.
    """
    if not 1.0 <= alpha <= 2.0:
        raise ValueError(f"resp_bound holds for 1 <= alpha <= 2; got {alpha}")
    k = d.shape[1]
    dmin = d.min(axis=1, keepdims=True)
    e = (dist_rel(n_features, u) + 2 * u) * (d + dmin) / sigma
    return 2 * e.max(axis=1, keepdims=True) + map_rounding(k, alpha, u)


def w_bound(d: np.ndarray, p: np.ndarray, sigma: float, alpha: float, n_features: int, u: float) -> float:
    """Bound on the error of the weighted distortion ``W = sum_ik p_ik d_ik`` (KR eq. 13).

    ``sum_ik |dp_ik| d_ik + p_ik |dd_ik|`` with ``|dp|`` from :func:`resp_bound` and
    ``|dd| <= dist_rel d``; the products and the sum of ``N K`` terms add ``gamma(N K + 1) W``.
    """
    n, k = d.shape
    dp = resp_bound(d, sigma, alpha, n_features, u)
    return float((dp * d).sum() + dist_rel(n_features, u) * (p * d).sum() + gamma(n * k + 1, u) * (p * d).sum())


def blobs(seed: int, n: int = 120, k: int = 4, dim: int = 3, spread: float = 1.0,
          offset: float = 0.0, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points around ``k`` random centres (scale 5) plus ``offset``; centroids near the centres."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=5.0, size=(k, dim))
    X = centres[rng.integers(k, size=n)] + rng.normal(scale=spread, size=(n, dim)) + offset
    M = centres + rng.normal(scale=0.5, size=(k, dim)) + offset
    return X.astype(dtype), M.astype(dtype)


def assert_support_stable(logits: torch.Tensor, alpha: float, h) -> None:
    """The support of entmax_alpha(logits) is the same after moving any one logit by +-h
    (a number, or one per row: shape (N, 1))."""
    from kmrbf.torch import entmax

    base = entmax(logits, alpha) > 0
    for j in range(logits.shape[-1]):
        for sign in (1.0, -1.0):
            moved = logits.clone()
            moved[..., j:j + 1] = moved[..., j:j + 1] + sign * torch.as_tensor(h, dtype=logits.dtype)
            assert torch.equal(entmax(moved, alpha) > 0, base), f"support moves with logit {j} (alpha={alpha})"


@pytest.fixture(scope="session")
def support_stable():
    """:func:`assert_support_stable`: the precondition of a meaningful gradcheck."""
    return assert_support_stable


@pytest.fixture(scope="session")
def bounds():
    """The helpers above as one namespace."""
    return SimpleNamespace(U64=U64, U32=U32, unit_roundoff=unit_roundoff, gamma=gamma, dist_rel=dist_rel,
                           map_rounding=map_rounding, resp_bound=resp_bound, w_bound=w_bound, blobs=blobs)
