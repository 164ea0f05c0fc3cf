"""Tests of :mod:`kmrbf.numerics.kmeans` (Lloyd, soft centroids, gradients).

The soft centroids and the gradients against the 50-digit mpmath oracle, with tolerances from
an error bound, and the documented policies (ties, empty clusters, fixed points, chunking).
Notation for the bounds (fixture ``bounds``, tests/numerics/conftest.py): ``u = 2**-53``
(unit roundoff), ``gamma(n) = n u / (1 - n u)``; first-order bounds are multiplied by
``SLACK = 1.01`` and the oracle's rounding to float64 is added as ``u * |exact|``.  No constant
below was tuned to make a test pass; each one is derived in the comment next to it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from mpmath import mp

import kmrbf.numerics as kn
from kmrbf.evidence.roundoff import U, gamma
from kmrbf.evidence.strategies import instances, sigmas
from kmrbf.numerics import LloydResult, SoftLloydResult, lloyd, soft_lloyd
from kmrbf.numerics import oracles as O
from kmrbf.numerics._kernels import LOG1P_ALPHA_GAP, UNDERFLOW_GUARD

#: every test here runs twice: on the array-API reference kernels and on the compiled ones
pytestmark = pytest.mark.usefixtures("each_backend")

RNG = np.random.default_rng(11)
X = RNG.normal(size=(40, 3))
M = X[:4] + 0.1


def test_result_types():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    r = lloyd(X, np.array([[0.0], [11.0]]))
    assert isinstance(r, LloydResult) and r.converged and r.centroids.tolist() == [[0.5], [10.5]]
    s = soft_lloyd(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5)
    assert isinstance(s, SoftLloydResult) and s.converged and s.shift == 0.0
    st = kn.soft_stats(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5)
    assert isinstance(st, kn.SoftStats) and st.G is None  # entmax-1.5: exact one-hot rows
    assert (st.S.tolist(), st.T.tolist(), st.W, st.F0) == ([2.0, 2.0], [[1.0], [21.0]], 2.0, 2.0)


# ----------------------------------------------------------------------------- against the oracle

def _exact_weights(X, M, sigma, alpha):
    """At 50 digits (no underflow): S_k = sum_i r_ik, the normalised weights r_ik / S_k, log r_ik."""
    with mp.workdps(60):
        r = O.mp_responsibilities(X, M, sigma, alpha=alpha)
        k = len(M)
        S = [mp.fsum(row[j] for row in r) for j in range(k)]
        w = np.array([[float(row[j] / S[j]) if S[j] > 0 else 0.0 for j in range(k)] for row in r])
        logr = np.array([[float(mp.log(v)) if v > 0 else -math.inf for v in row] for row in r])
    return S, w, logr


def _shifted_weight_rel_err(X, M, sigma, alpha, bounds, logr):
    """Relative error of the per-cluster shifted weights w_ik = c_k r_ik (kernel
    _shifted_soft_stats), up to a factor common to cluster k (it cancels in T_k / S_k).

    Logit errors e (bounds.logit_abs_err), x = (d - min d)/sigma exact.
    alpha = 1: w = exp(-(g_ik - g*_k)/sigma)/s_i with g = d - min_j d: the gap's own error
    e_ik; the subtraction of the column minimum g*_k (its error is common) and the
    division by sigma 2u|g - g*|/sigma; exp 2u; s_i = sum_j exp(-x_ij) relative
    sum_j r_ij (e_ij + u x_ij) + (K-1)u, and the division u.
    lambda-form (1 < alpha < 1 + 1/8): w = exp(L_ik - L*_k)/n_i, L = log1p(eps(y+lambda))/eps,
    exact b = r^eps, t = (b - 1)/eps, lambda = t - y.  The error of L_ik is h_ik / b_low +
    3u|L_ik| (conftest.entmax_log1p_bound: h = logit error + eta + lambda error, eta =
    u(|y| + 2|t|); b_low = b - eps h, required >= 1/2 here); the lambda error adds the shift
    caused by the logit errors (a p/b-weighted mean of e/b, <= sum_j p_j e_j / b_j since
    sum p/b >= 1) to conftest's u max(1, 2 log K) + err_g; subtracting the column maximum
    L*_k and exp: 2u|L - L*| + 2u; n_i: sum_j r_ij dL_ij + (K+1)u.
    """
    k = len(M)
    d = bounds.f64(O.mp_sq_distances(X, M))
    gap = d - d.min(axis=1, keepdims=True)
    x = gap / sigma
    e = bounds.logit_abs_err(d, sigma, bounds.dist_rel(X.shape[1]))
    r = np.exp(logr)
    if alpha == 1.0:
        shift = gap - gap.min(axis=0, keepdims=True)
        row = (r * (e + U * x)).sum(axis=1, keepdims=True)
        return e + 2 * U * shift / sigma + row + (k + 4) * U
    assert 0.0 < alpha - 1.0 < LOG1P_ALPHA_GAP
    eps = alpha - 1.0
    b = np.exp(eps * logr)
    t = np.expm1(eps * logr) / eps
    y = -x
    eta = U * (np.abs(y) + 2 * np.abs(t))
    fixed = r * U * (3 * np.abs(logr) + 2)
    err_g = (r / b * (e + eta) + fixed).sum(axis=1, keepdims=True) + (k + 1) * U
    h = e + eta + U * max(1.0, 2 * math.log(k)) + err_g
    b_low = b - eps * h
    assert np.all(b_low >= 0.5), "outside the range of this first-order analysis"
    dL = h / b_low + 3 * U * np.abs(logr)
    shift = logr.max(axis=0, keepdims=True) - logr
    return dL + 2 * U * shift + 2 * U + (r * dL).sum(axis=1, keepdims=True) + (k + 1) * U


def _centroid_bound(X, M, sigma, alpha, bounds):
    """Exact soft centroids, their per-entry bound, the exact totals S_k.

    The kernel takes, per cluster, the one-pass float64 route (T_k / S_k from the float64
    responsibilities) unless S_k min(1, max|x|) < N 2**-967 (UNDERFLOW_GUARD, documented),
    then the shifted route.  One-pass route (clusters well above the guard): dp from
    bounds.resp_abs_bound,
    |d mu_kj| <= [sum_i dp_ik (|x_ij| + |mu_kj|) + gamma(N+1) sum_i p_ik (|x_ij| + |mu_kj|)] / S_k;
    underflow adds at most 4u^2 max|x| there (second order, in SLACK).  Shifted route: with
    the relative weight errors rel_ik (_shifted_weight_rel_err) and w = r / S exact,
    |d mu_kj| <= sum_i w_ik rel_ik |x_ij - mu_kj| + gamma(N+1) sum_i w_ik (|x_ij| + |mu_kj|).
    Within a factor 4 of the guard either route may be taken: the larger bound.
    """
    S, w, logr = _exact_weights(X, M, sigma, alpha)
    exact = bounds.f64(O.mp_soft_centroids(X, M, sigma, alpha=alpha))
    n = X.shape[0]
    smax = float(np.abs(X).max())
    guard = n * UNDERFLOW_GUARD / (min(1.0, smax) if smax > 0 else 1.0)
    Sf = np.array([float(v) for v in S])
    mag = np.abs(X)[:, None, :] + np.abs(exact)[None, :, :]  # (N, K, D)
    one_pass = np.full_like(exact, np.inf)
    ok = Sf >= guard / 4
    if ok.any():
        p, _, dp = bounds.resp_abs_bound(X, M, sigma, alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            # plus the absolute underflow term of the kernel's guard (numerics/_kernels.py,
            # UNDERFLOW_GUARD): responsibilities below 2**-1073 flush to 0, moving the centroid by
            # at most N 2**-1071 s / (S_k min(1, s)) (second order above the guard, but a bound
            # of 0 for an exact coordinate made only of flushed weights needs it)
            flush = n * 2.0**-1071 * smax / (Sf[:, None] * min(1.0, smax)) if smax > 0 else 0.0
            one_pass = (np.einsum("ik,ikd->kd", dp, mag)
                        + gamma(n + 1) * np.einsum("ik,ikd->kd", p, mag)) / Sf[:, None] + flush
    shifted = np.full_like(exact, np.inf)
    if (Sf <= 4 * guard).any() and (alpha == 1.0 or alpha - 1.0 < LOG1P_ALPHA_GAP):
        rel = _shifted_weight_rel_err(X, M, sigma, alpha, bounds, logr)
        dev = np.abs(X[:, None, :] - exact[None, :, :])
        shifted = (np.einsum("ik,ik,ikd->kd", w, rel, dev) + gamma(n + 1) * np.einsum("ik,ikd->kd", w, mag))
    bound = np.where((Sf >= 4 * guard)[:, None], one_pass,
                     np.where((Sf <= guard / 4)[:, None], shifted, np.maximum(one_pass, shifted)))
    return exact, bound, S


@given(instances(), sigmas(), st.sampled_from([1.0, 1.5, 2.0]))
@example((np.array([[8.0, -3.25], [-5.25, 6.5]]), np.array([[1.75, -0.5], [-5.0, -8.5]])), 0.109, 1.0)
# the far centroid's third coordinate is made only of the last point's weight e^-823, which
# flushes to 0 (exact 1.5e-71): within the guard's underflow term, not the rounding bound
@example((np.array([[0.0, 0, 0]] * 11 + [[0.0, 0, 1]]), np.array([[0.0, 0, 4], [0, 7, 0]])),
         float(np.exp(-3.0)), 1.0)
def test_soft_centroids_match_oracle(bounds, inst, sigma, alpha):
    # every cluster: exact zero total (entmax, sparsemax) -> kept; otherwise within the bound
    # of the route the kernel takes (_centroid_bound).  Softmax totals are never zero.
    X, M = inst
    exact, bound, S = _centroid_bound(X, M, sigma, alpha, bounds)
    empty = np.array([v == 0 for v in S])
    if alpha == 1.0:
        assert not empty.any()
    tiny = np.array([0 < float(v) < 1e-280 for v in S])
    if alpha != 1.0 and tiny.any():
        # entmax with a positive total below ~1e-280: the support is decided by rounding
        # (b = x - tau ~ 1e-140 against an error ~u in tau): no accuracy statement; only
        # the policy is checked (kept or moved, never NaN)
        assert np.all(np.isfinite(kn.soft_centroids(X, M, sigma, alpha=alpha)))
        return
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        got = kn.soft_centroids(X, M, sigma, alpha=alpha)
    assert any(issubclass(r.category, kn.EmptyClusterWarning) for r in rec) == bool(empty.any())
    np.testing.assert_array_equal(got[empty], M[empty])
    bounds.assert_within(got[~empty], exact[~empty], bound[~empty], "soft_centroids")


#: (sigma, alpha) -> _centroid_bound of the many-blocks instance (backend-independent)
_MANY_BLOCKS: dict = {}


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("sigma", [0.02, 0.5, 20.0])
def test_soft_centroids_of_many_blocks_match_oracle(bounds, alpha, sigma):
    # N = 700 rows: three 256-row blocks of the compiled kernel (three accumulation groups
    # reduced in order) and one 4096-row block of the reference; same bound as above
    rng = np.random.default_rng(5)
    Xm = np.concatenate([rng.normal(size=(350, 3)), rng.normal(size=(350, 3)) + 2.0])
    Mm = Xm[[0, 400, 10, 500, 20]] + 0.25
    if (sigma, alpha) not in _MANY_BLOCKS:  # the 50-digit oracle once for both backends
        _MANY_BLOCKS[sigma, alpha] = _centroid_bound(Xm, Mm, sigma, alpha, bounds)
    exact, bound, S = _MANY_BLOCKS[sigma, alpha]
    assert all(v > 0 for v in S)
    bounds.assert_within(kn.soft_centroids(Xm, Mm, sigma, alpha=alpha), exact, bound,
                         f"soft_centroids(N=700, sigma={sigma}, alpha={alpha})")


# the audit's instances: a cluster far from every point, sigma down to where all of its
# responsibilities underflow (exact value: essentially the nearest point)
FAR_X = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 4.0], [0.3517, -3.5]])
FAR_M = np.array([[8.875, 0.45898438], [-1.875, 0.0]])


@pytest.mark.parametrize("sigma", [0.05, 0.08, 0.09, 0.095, 0.0975, 0.1, 0.105, 0.109, 0.2, 0.5, 1.0, 1.5])
@pytest.mark.parametrize("alpha", [1.0, 1.0 + 1e-12])
def test_soft_centroids_of_a_far_cluster_match_oracle(bounds, sigma, alpha):
    exact, bound, _ = _centroid_bound(FAR_X, FAR_M, sigma, alpha, bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("error", kn.EmptyClusterWarning)  # the exact total is positive
        got = kn.soft_centroids(FAR_X, FAR_M, sigma, alpha=alpha, chunk_size=3)
    bounds.assert_within(got, exact, bound, f"soft_centroids(sigma={sigma}, alpha={alpha!r})")
    if sigma <= 0.105:  # every far-cluster r_ik < 1e-290: the shifted route; its bound is a
        # few hundred ulps of |x| <= 4 (worst-case distance error 16 gamma_4 d / sigma), where
        # the one-pass route was off by 6.8e-7 (sigma = 0.0975) or froze (error 8.5)
        assert bound[0].max() <= 1e-12, bound[0].max()


def test_soft_lloyd_does_not_freeze_a_far_cluster():
    # before: the far centroid was kept (EmptyClusterWarning) although its exact soft
    # centroid is the nearest point; now it moves there and soft-Lloyd converges
    with warnings.catch_warnings():
        warnings.simplefilter("error", kn.EmptyClusterWarning)
        res = kn.soft_lloyd(FAR_X, FAR_M, 0.05)
    assert res.converged
    exact = np.array(O.mp_soft_centroids(FAR_X, res.centroids, 0.05), dtype=object).astype(float)
    assert np.abs(res.centroids - exact).max() <= 1e-12 * 4


def test_empty_cluster_warning_only_for_exact_zero_totals():
    # sparsemax / entmax-1.5: exact zeros -> kept and warned; softmax at a sigma where every
    # responsibility of the far cluster underflows (e^{-1e4}): not empty, no warning
    Xe = np.array([[0.0], [1.0], [2.0]])
    Me = np.array([[1.0], [100.0]])
    for alpha in (1.5, 2.0, 1.25):
        with pytest.warns(kn.EmptyClusterWarning, match="zero total responsibility"):
            sc = kn.soft_centroids(Xe, Me, 1.0, alpha=alpha)
        assert sc[1, 0] == 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", kn.EmptyClusterWarning)
        sc = kn.soft_centroids(Xe, Me, 1.0)
    exact = np.array(O.mp_soft_centroids(Xe, Me, 1.0), dtype=object).astype(float)
    np.testing.assert_allclose(sc, exact, rtol=4 * U, atol=0)  # far cluster: the nearest point, 2


@given(instances(), sigmas())
@example(inst=(np.array([[0.0, 0, 0], [0, 0, 0], [0, 0, 0], [1.125, 0, 0], [0, 0, 0], [0, 0, 0]]),
               np.array([[-2.0, 0.0, 3.5], [8.0, 8.75, 2.0]])), sigma=0.14406365910145327)  # dev profile 2026-11-28
def test_grad_G_sigma_matches_oracle(bounds, inst, sigma):
    # grad = 2 (S mu - T): |d grad_kj| <= 2 [sum_i dr_ik (|mu_kj| + |x_ij|)
    #                                        + gamma(N+2) sum_i r_ik (|mu_kj| + |x_ij|)]
    X, M = inst
    r, _, dr = bounds.resp_abs_bound(X, M, sigma, 1.0)
    mag = np.abs(X)[:, None, :] + np.abs(M)[None, :, :]
    bound = 2 * (np.einsum("ik,ikd->kd", dr, mag) + gamma(X.shape[0] + 2) * np.einsum("ik,ikd->kd", r, mag))
    bound = bound + bounds.gradient_underflow(r, mag)   # subnormal responsibilities: absolute error
    bounds.assert_within(kn.grad_G_sigma(X, M, sigma), bounds.f64(O.mp_grad_G_sigma(X, M, sigma)), bound,
                         "grad_G")


@given(instances(max_n=8, max_k=3), sigmas(min_value=0.05, max_value=50.0),
       st.sampled_from([1.0, 1.5, 2.0, 1.0 + 1e-9, 1.1]))
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
    bound = bound + bounds.gradient_underflow(g, mag)
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


def test_lloyd_step_accumulates_a_tied_point_into_the_lowest_index():
    """The tie-break inside the accumulation kernel (not only in ``assign``): point 1 is equidistant."""
    Xt = np.array([[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(kn.lloyd_step(Xt, np.array([[0.0], [2.0]])), [[0.5], [2.0]])
    np.testing.assert_array_equal(kn.lloyd_step(Xt, np.array([[2.0], [0.0]])), [[1.5], [0.0]])


def test_soft_stats_G_out_of_range_raises_as_G_sigma_does():
    # sigma N log K beyond max_float: the one-pass sum overflows to -inf; soft_stats defers to
    # G_sigma, which raises (never a silent -inf)
    Xg = np.random.default_rng(1).normal(size=(60, 2))
    with pytest.raises(ValueError) as want:
        kn.G_sigma(Xg, Xg[:4], 5e306)
    with pytest.raises(ValueError) as got:
        kn.soft_stats(Xg, Xg[:4], 5e306)
    assert str(got.value) == str(want.value)
    st = kn.soft_stats(Xg, Xg[:4], 1e300)  # large but in range: G_sigma's value, up to the
    # rounding of two sums of N = 60 terms, each term's log-sum-exp within (K + 3)u, K = 4
    assert st.G == pytest.approx(float(kn.G_sigma(Xg, Xg[:4], 1e300)), rel=2 * (gamma(60) + 7 * U))
