"""Tests of :mod:`kmrbf.numerics.functionals` (F0, G_sigma, W_sigma, responsibilities).

Each functional against the 50-digit mpmath oracle, with tolerances from an error bound.
Notation for the bounds (fixture ``bounds``, tests/numerics/conftest.py): ``u = 2**-53``
(unit roundoff), ``gamma(n) = n u / (1 - n u)``; first-order bounds are multiplied by
``SLACK = 1.01`` and the oracle's rounding to float64 is added as ``u * |exact|``.  No constant
below was tuned to make a test pass; each one is derived in the comment next to it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kmrbf.numerics as kn
from kmrbf.evidence.roundoff import U, gamma
from kmrbf.evidence.strategies import instances, sigmas
from kmrbf.numerics import oracles as O

# a small well-posed instance (the bad-input cases' X and M)
X = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
M = np.array([[0.0, 0.0], [5.0, 5.0]])


@given(instances())
def test_F0_matches_oracle(bounds, inst):
    # each min d has relative error <= dist_rel; summing N non-negative terms adds gamma(N).
    X, M = inst
    exact = float(O.mp_F0(X, M))
    bound = (bounds.dist_rel(X.shape[1]) + gamma(X.shape[0])) * exact
    bounds.assert_within(kn.F0(X, M), exact, bound, "F0")
    bounds.assert_within(kn.F0(X, M, chunk_size=2), exact, bound, "F0 chunked")


@given(instances(), sigmas())
def test_G_sigma_matches_oracle(bounds, inst, sigma):
    # G = sum_i [d_i1 - sigma log s_i], s_i in [1, K]: the log term's absolute error is
    # sigma * (max_k e_ik + (K+4)u) where e are the logit errors; d_i1 has relative
    # error dd; summing N terms adds gamma(N) * sum |term_i|.
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    d = bounds.f64(O.mp_sq_distances(X, M))
    e = bounds.logit_abs_err(d, sigma, bounds.dist_rel(X.shape[1]))
    dmin = d.min(axis=1)
    logs = np.log(np.exp(-(d - dmin[:, None]) / sigma).sum(axis=1))
    terms = dmin - sigma * logs
    bound = float(np.sum(bounds.dist_rel(X.shape[1]) * dmin + sigma * (e.max(axis=1) + (k + 4) * U)
                         + U * np.abs(terms)) + gamma(n) * np.abs(terms).sum())
    bounds.assert_within(kn.G_sigma(X, M, sigma), float(O.mp_G_sigma(X, M, sigma)), bound, "G_sigma")


@given(instances(), sigmas(), st.sampled_from([1.0, 1.5, 2.0, 1.0 + 2.0**-40, 1.0 + 1e-6, 1.1, 1.25]))
def test_responsibilities_and_W_sigma_match_oracle(bounds, inst, sigma, alpha):
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    p, d, dp = bounds.resp_abs_bound(X, M, sigma, alpha)
    bounds.assert_within(kn.responsibilities(X, M, sigma, alpha=alpha), p, dp, "responsibilities")
    # W = sum p d: |dW| <= sum (dp d + p d (dd + u)) + gamma(NK) W
    W = float(O.mp_W_sigma(X, M, sigma, alpha=alpha))
    bound = float(np.sum(dp * d + p * d * (bounds.dist_rel(X.shape[1]) + U)) + gamma(n * k) * W)
    bounds.assert_within(kn.W_sigma(X, M, sigma, alpha=alpha), W, bound, "W_sigma")


def test_tiny_sigma_no_nan():
    # d/sigma overflows to inf; logits are shifted in the distance domain first,
    # so the best centroid has logit exactly 0: one-hot, no NaN anywhere.
    for alpha in (1.0, 1.5, 2.0, 1.2):
        r = kn.responsibilities(X, M, 5e-324, alpha=alpha)
        np.testing.assert_array_equal(r, [[1, 0], [1, 0], [0, 1]])
        assert np.isfinite(kn.G_sigma(X, M, 5e-324))
        assert np.all(np.isfinite(kn.grad_W_sigma(X, M, 5e-324, alpha=alpha)))


def test_G_sigma_beyond_float64_raises_naming_the_parameters():
    # G = -sigma N log K exactly here (X = M = 0): -3e308 log 3 is below -max float64.
    # Before: -inf although the docstring promised a finite value.
    with pytest.raises(ValueError, match=r"G_sigma is below the float64 range: about -3\.2958e\+308 .*"
                                         r"sigma=1e\+308, N=3, K=3"):
        kn.G_sigma(np.zeros((3, 1)), np.zeros((3, 1)), 1e308)
    with pytest.raises(ValueError, match="N=4, K=2"):
        kn.G_sigma(np.zeros((4, 1)), np.zeros((2, 1)), 1e308, chunk_size=1)


@pytest.mark.parametrize("sigma", [1.2e308, 1.7976931348623157e308 / (3 * np.log(3.0)) * 0.999])
def test_G_sigma_near_the_float64_edge_matches_oracle(bounds, sigma):
    # representable values just inside the range are returned (2 sigma log 2 for N = K = 2;
    # 3 sigma log 3 for N = K = 3); error: the per-row term sigma log s (s = K exactly) with
    # libm's log (2u) and the product (u), then N - 1 additions: (3u + gamma(N)) |G|
    n = 2 if sigma == 1.2e308 else 3
    X = np.zeros((n, 1))
    exact = float(O.mp_G_sigma(X, X, sigma))
    assert np.isfinite(exact)
    bounds.assert_within(kn.G_sigma(X, X, sigma), exact, (3 * U + gamma(n)) * abs(exact), "G_sigma at the edge")
