"""Tests of :mod:`kmrbf.numerics.kmeans` (Lloyd, soft centroids, gradients).

The soft centroids and the gradients against the 50-digit mpmath oracle, with tolerances from
an error bound, and the documented policies (ties, empty clusters, fixed points, chunking).
Notation for the bounds (fixture ``bounds``, tests/numerics/conftest.py): ``u = 2**-53``
(unit roundoff), ``gamma(n) = n u / (1 - n u)``; first-order bounds are multiplied by
``SLACK = 1.01`` and the oracle's rounding to float64 is added as ``u * |exact|``.  No constant
below was tuned to make a test pass; each one is derived in the comment next to it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import kmrbf.numerics as kn
from kmrbf.evidence.roundoff import U, gamma
from kmrbf.evidence.strategies import instances, sigmas
from kmrbf.numerics import LloydResult, SoftLloydResult, lloyd, soft_lloyd
from kmrbf.numerics import oracles as O

RNG = np.random.default_rng(11)
X = RNG.normal(size=(40, 3))
M = X[:4] + 0.1


def test_result_types():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    r = lloyd(X, np.array([[0.0], [11.0]]))
    assert isinstance(r, LloydResult) and r.converged and r.centroids.tolist() == [[0.5], [10.5]]
    s = soft_lloyd(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5)
    assert isinstance(s, SoftLloydResult) and s.converged and s.shift == 0.0


# ----------------------------------------------------------------------------- against the oracle

@given(instances(), sigmas(), st.sampled_from([1.0, 1.5, 2.0]))
def test_soft_centroids_match_oracle(bounds, inst, sigma, alpha):
    # mu_k = T_k / S_k: |d mu_kj| <= [sum_i dp_ik (|x_ij| + |mu_kj|)
    #                                 + gamma(N+1) sum_i p_ik (|x_ij| + |mu_kj|)] / S_k + u |mu_kj|
    X, M = inst
    p, _, dp = bounds.resp_abs_bound(X, M, sigma, alpha)
    S = p.sum(axis=0)
    assume(np.all(S > 0))  # empty clusters: policy tested in test_empty_cluster_policy_keeps_centroid_and_warns
    exact = bounds.f64(O.mp_soft_centroids(X, M, sigma, alpha=alpha))
    mag = np.abs(X)[:, None, :] + np.abs(exact)[None, :, :]  # (N, K, D)
    bound = (np.einsum("ik,ikd->kd", dp, mag)
             + gamma(X.shape[0] + 1) * np.einsum("ik,ikd->kd", p, mag)) / S[:, None]
    bounds.assert_within(kn.soft_centroids(X, M, sigma, alpha=alpha), exact, bound, "soft_centroids")


@given(instances(), sigmas())
def test_grad_G_sigma_matches_oracle(bounds, inst, sigma):
    # grad = 2 (S mu - T): |d grad_kj| <= 2 [sum_i dr_ik (|mu_kj| + |x_ij|)
    #                                        + gamma(N+2) sum_i r_ik (|mu_kj| + |x_ij|)]
    X, M = inst
    r, _, dr = bounds.resp_abs_bound(X, M, sigma, 1.0)
    mag = np.abs(X)[:, None, :] + np.abs(M)[None, :, :]
    bound = 2 * (np.einsum("ik,ikd->kd", dr, mag) + gamma(X.shape[0] + 2) * np.einsum("ik,ikd->kd", r, mag))
    bounds.assert_within(kn.grad_G_sigma(X, M, sigma), bounds.f64(O.mp_grad_G_sigma(X, M, sigma)), bound,
                         "grad_G")


@given(instances(max_n=8, max_k=3), sigmas(min_value=0.05, max_value=50.0), st.sampled_from([1.0, 1.5, 2.0]))
def test_grad_W_sigma_matches_oracle(bounds, inst, sigma, alpha):
    # g_ik = p_ik - q_ik (d_ik - dbar_i)/sigma.  Perturbing p by dp, q by dq <= dp *
    # |2-alpha| q/p (q = p^(2-alpha)), d by dd*d and dbar by the same relative amount:
    # |dg| <= dp + (dq |d - dbar| + q (2 dd dmax + |d - dbar| 2u)) / sigma;
    # the sum 2 sum_i g (mu - x) then adds 2 gamma(N+2) sum_i |g| (|mu| + |x|).
    X, M = inst
    p, d, dp = bounds.resp_abs_bound(X, M, sigma, alpha)
    q = p if alpha == 1.0 else np.where(p > 0, p ** (2 - alpha), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dq = np.where(p > 0, dp * q / np.where(p > 0, p, 1.0) * max(abs(2 - alpha), 1.0), 0.0)
    qs = q.sum(axis=1, keepdims=True)
    dbar = (q * d).sum(axis=1, keepdims=True) / qs
    dd = bounds.dist_rel(X.shape[1])
    dmax = d.max(axis=1, keepdims=True)
    dbar_err = (dq * d).sum(axis=1, keepdims=True) / qs + (dq.sum(axis=1, keepdims=True) / qs) * dmax + dd * dmax
    g = p - q * (d - dbar) / sigma
    dg = dp + (dq * np.abs(d - dbar) + q * (2 * dd * dmax + dbar_err + 2 * U * np.abs(d - dbar))) / sigma
    mag = np.abs(X)[:, None, :] + np.abs(M)[None, :, :]
    bound = 2 * (np.einsum("ik,ikd->kd", dg, mag) + gamma(X.shape[0] + 2) * np.einsum("ik,ikd->kd", np.abs(g), mag))
    exact = bounds.f64(O.mp_grad_W_sigma(X, M, sigma, alpha=alpha))
    bounds.assert_within(kn.grad_W_sigma(X, M, sigma, alpha=alpha), exact, bound, f"grad_W({alpha})")


def test_grad_W_sigma_torch_autograd():
    """Independent oracle: torch autograd of W_sigma(softmax) in float64."""
    torch = pytest.importorskip("torch", reason="torch not installed")
    rng = np.random.default_rng(7)
    for _ in range(5):
        X = rng.normal(size=(12, 3))
        M = rng.normal(size=(4, 3))
        sigma = float(rng.uniform(0.2, 3.0))
        Mt = torch.tensor(M, requires_grad=True)
        Xt = torch.tensor(X)
        d = ((Xt[:, None, :] - Mt[None, :, :]) ** 2).sum(-1)
        W = (torch.softmax(-d / sigma, dim=1) * d).sum()
        W.backward()
        ref = Mt.grad.numpy()
        got = kn.grad_W_sigma(X, M, sigma)
        # both are O(10) flops per term on O(1) data: agree to a few hundred ulps of the
        # gradient's scale sum_i |g| (|mu| + |x|) <= 2 N (1 + max d / sigma) * max|.|
        scale = 2 * X.shape[0] * (1 + d.max().item() / sigma) * (np.abs(X).max() + np.abs(M).max())
        assert np.abs(got - ref).max() <= 64 * (X.shape[0] + 4) * U * scale


def test_rbf_gradient_step_on_G_is_soft_centroid_and_on_W_differs():
    # eta_k = 1/(2 S_k) on G gives exactly the soft centroid (KR-T2-grad); check the
    # float64 identity M - grad_G/(2S) == soft_centroids within the rounding of the
    # two formulas (a few ulps of the data scale), and that the W step is what its
    # formula says.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    M = X[:3] + 0.05
    sigma = 0.7
    r = kn.responsibilities(X, M, sigma)
    S = r.sum(axis=0)
    via_G = M - kn.grad_G_sigma(X, M, sigma) / (2 * S[:, None])
    np.testing.assert_allclose(via_G, kn.soft_centroids(X, M, sigma), rtol=0, atol=64 * 30 * U * 4)
    via_W = M - kn.grad_W_sigma(X, M, sigma) / (2 * S[:, None])
    np.testing.assert_array_equal(kn.rbf_gradient_step(X, M, sigma), via_W)


# ----------------------------------------------------------------------------- documented policies

def test_lloyd_ties_go_to_lowest_index():
    Xt = np.array([[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(kn.assign(Xt, np.array([[0.0], [2.0]])), [0, 0, 1])
    np.testing.assert_array_equal(kn.assign(Xt, np.array([[1.0], [1.0]])), [0, 0, 0])


def test_empty_cluster_policy_keeps_centroid_and_warns():
    Xe = np.array([[0.0], [1.0], [2.0]])
    Me = np.array([[1.0], [100.0]])
    with pytest.warns(kn.EmptyClusterWarning, match="1 of K=2 clusters") as rec:
        new = kn.lloyd_step(Xe, Me)
    assert rec[0].filename == __file__  # stacklevel points at the caller
    np.testing.assert_array_equal(new, [[1.0], [100.0]])
    with pytest.warns(kn.EmptyClusterWarning):
        res = kn.lloyd(Xe, Me)
    assert res.converged and res.centroids[1, 0] == 100.0
    # entmax: a far centroid gets zero weight -> kept, warned
    with pytest.warns(kn.EmptyClusterWarning, match="zero total responsibility") as rec:
        sc = kn.soft_centroids(Xe, Me, 1.0, alpha=1.5)
    assert rec[0].filename == __file__
    np.testing.assert_array_equal(sc, [[1.0], [100.0]])
    with pytest.warns(kn.EmptyClusterWarning):
        step = kn.rbf_gradient_step(Xe, Me, 1.0, alpha=1.5)
    assert step[1, 0] == 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kn.lloyd_step(Xe, np.array([[0.0], [2.0]]))  # no empty cluster: no warning


def test_lloyd_reaches_exact_fixed_point():
    res = kn.lloyd(X, M)
    assert res.converged
    np.testing.assert_array_equal(kn.lloyd_step(X, res.centroids), res.centroids)
    assert kn.is_lloyd_fixed_point(X, res.centroids, rtol=0.0) or kn.is_lloyd_fixed_point(X, res.centroids)
    assert not kn.is_lloyd_fixed_point(X, M)


def test_soft_lloyd_fixed_point_and_entmax_exactness():
    Xs = np.array([[0.0], [1.0], [10.0], [11.0]])
    res = kn.soft_lloyd(Xs, np.array([[0.0], [11.0]]), 1.0)
    assert res.converged
    again = kn.soft_centroids(Xs, res.centroids, 1.0)
    assert np.abs(again - res.centroids).max() <= 1e-12 * 11
    # entmax-1.5 at sigma <= (alpha - 1) * Delta: exactly the Lloyd centroids (KR-T4/T5)
    Ms = np.array([[0.5], [10.5]])
    delta = float(kn.margin(Xs, Ms))
    np.testing.assert_array_equal(kn.soft_centroids(Xs, Ms, 0.5 * delta, alpha=1.5), Ms)


def test_chunking_does_not_change_results():
    for f in (lambda c: kn.W_sigma(X, M, 0.3, alpha=1.5, chunk_size=c),
              lambda c: kn.grad_W_sigma(X, M, 0.3, chunk_size=c),
              lambda c: kn.soft_centroids(X, M, 0.3, chunk_size=c)):
        np.testing.assert_allclose(f(1), f(None), rtol=64 * 40 * 2**-52, atol=64 * 40 * 2**-52)
    np.testing.assert_array_equal(kn.assign(X, M, chunk_size=3), kn.assign(X, M))
