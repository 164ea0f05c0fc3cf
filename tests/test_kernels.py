"""Every float64 kernel against the 50-digit mpmath oracle, with tolerances from an error bound.

Notation for the bounds: ``u = 2**-53`` (unit roundoff), ``gamma(n) = n u / (1 - n u)``.
First-order bounds (O(u^2) terms dropped) are multiplied by ``SLACK = 1.01`` to cover the
second-order terms and the rounding of the oracle to float64 (one half-ulp, added
separately as ``u * |exact|``).  No constant below was tuned to make a test pass; each
one is derived in the comment next to it.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import kmrbf.numerics as kn
from kmrbf.numerics import oracles as O
from kmrbf.strategies import instances, logit_matrices, logit_vectors, sigmas

U = 2.0**-53
SLACK = 1.01


def gamma(n: int) -> float:
    return n * U / (1 - n * U)


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


# ----------------------------------------------------------------------------- logit maps

def softmax_rel_bound(z: np.ndarray) -> np.ndarray:
    """Relative error of the max-shifted softmax, per entry.

    x = z - max z has |dx_j| <= u |x_j| (one rounding; exact when Sterbenz applies);
    exp turns an absolute input error e into a relative error e, and libm's exp is
    within 1 ulp (2u relative): rel(e^x_j) <= u|x_j| + 2u.  The sum of K such terms
    adds gamma(K-1) and max_l rel(e^x_l); the division one more u:
    rel(p_j) <= u(|x_j| + max|x| + K + 4).
    """
    x = z - z.max()
    return U * (np.abs(x) + np.abs(x).max() + z.size + 4)


@given(logit_vectors())
@example(np.array([1e300, 1e300]))
@example(np.array([-5.0, 3.0]) - 1e300)
def test_softmax_matches_oracle(z):
    exact = f64(O.mp_softmax(z))
    assert_within(kn.softmax(z), exact, softmax_rel_bound(z) * exact, "softmax")


@given(logit_vectors(offset=False, bound=50.0))
def test_softmax_naive_matches_oracle_without_overflow(z):
    # |z| <= 50: no overflow/underflow, so the naive map has the same bound as the
    # shifted one with x replaced by z (rel(e^z_j) <= u|z_j| + 2u).
    exact = f64(O.mp_softmax(z))
    bound = U * (np.abs(z) + np.abs(z).max() + z.size + 4) * exact
    assert_within(kn.softmax_naive(z), exact, bound, "softmax_naive")


def test_softmax_naive_gives_nan_where_documented():
    assert np.isnan(kn.softmax_naive(np.array([710.0, 0.0]))).any()
    assert np.isnan(kn.softmax_naive(np.array([-800.0, -801.0]))).all()
    assert not np.isnan(kn.softmax(np.array([-800.0, -801.0]))).any()


@given(logit_vectors())
@example(np.array([1000.0, 1000.0]))
def test_log_sum_exp_matches_oracle(z):
    # l = m + log s, s = sum e^{x_l} in [1, K] with rel(s) <= u(max|x| + K + 2) (see softmax);
    # log turns that into an absolute error plus u|log s|; adding m costs u|l|.
    exact = O.mp_log_sum_exp(z)
    x = z - z.max()
    s = float(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in x))
    bound = U * (np.abs(x).max() + z.size + 2) + U * abs(math.log(s)) + U * abs(float(exact))
    assert_within(kn.log_sum_exp(z), float(exact), bound, "log_sum_exp")


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


@st.composite
def alphas(draw):
    """alpha in {1.5, 2} (exact sorts) or log-uniform-ish in [1.1, 3] (bisection)."""
    return draw(st.one_of(st.sampled_from([1.5, 2.0]), st.floats(1.1, 3.0)))


@given(logit_vectors(), alphas())
@example(np.array([0.0, 0.0, 0.0]), 1.5)  # ties: uniform
@example(np.array([7.0]), 1.5)  # single entry
@example(np.array([3.0, 1.0, -5.0]), 1.5)  # gap exactly 2: one-hot
def test_entmax_matches_oracle(z, alpha):
    exact = f64(O.mp_entmax(z, alpha))
    bound = entmax_impl_bound(z.size, alpha)
    if alpha == 1.5:
        assert_within(kn.entmax15(z), exact, bound, "entmax15 (sort)")
    if alpha == 2.0:
        assert_within(kn.sparsemax(z), exact, bound, "sparsemax (sort)")
    assert_within(kn.entmax_bisect(z, alpha), exact, bound, f"entmax_bisect({alpha})")


@given(logit_matrices())
def test_entmax15_sort_vs_bisect_vs_oracle(Z):
    # Three independent routes: the sort threshold, bisection at alpha = 1.5, and the
    # 50-digit sort in mpmath.  Each float route is within entmax_impl_bound of the
    # oracle, so the two float routes are within twice that of each other.
    k = Z.shape[1]
    a, b = kn.entmax15(Z), kn.entmax_bisect(Z, 1.5)
    exact = np.stack([f64(O.mp_entmax(row, "1.5")) for row in Z])
    bound = entmax_impl_bound(k, 1.5)
    assert_within(a, exact, bound, "entmax15")
    assert_within(b, exact, bound, "entmax_bisect(1.5)")
    assert np.all(np.abs(a - b) <= 2 * SLACK * bound + 2 * U)
    # along axis 0 as well
    np.testing.assert_array_equal(kn.entmax15(Z.T, axis=0), a.T)


def test_entmax_bisect_alpha_one_is_softmax():
    z = np.array([0.3, -1.2, 4.0])
    np.testing.assert_array_equal(kn.entmax_bisect(z, 1.0), kn.softmax(z))


def test_neg_inf_entries_get_zero_and_huge_gaps_no_nan():
    z = np.array([-np.inf, 0.0, -np.inf, 1.0])
    for f in (kn.softmax, kn.entmax15, kn.sparsemax, lambda v: kn.entmax_bisect(v, 1.7)):
        p = f(z)
        assert p[0] == 0.0 and p[2] == 0.0 and abs(p.sum() - 1) < 4 * U
        q = f(np.array([1e308, -1e308]))
        np.testing.assert_array_equal(q, [1.0, 0.0])
    assert float(kn.log_sum_exp(np.array([-np.inf, 2.0]))) == 2.0


# ----------------------------------------------------------------------------- distances and functionals

def dist_rel(d: int) -> float:
    """Relative error of sq_distances (distances module docstring): 16 gamma(D+2) + 9u."""
    return 16 * gamma(d + 2) + 9 * U


@given(instances())
@example((np.array([[1e8 + 1.0, 0.0], [1e8, 0.0]]), np.array([[1e8, 0.0], [-1e8, 1.0]])))
def test_sq_distances_matches_oracle(inst):
    X, M = inst
    exact = f64(O.mp_sq_distances(X, M))
    assert_within(kn.sq_distances(X, M), exact, dist_rel(X.shape[1]) * exact, "sq_distances")
    assert_within(kn.sq_distances(X, M, chunk_size=1), exact, dist_rel(X.shape[1]) * exact,
                  "sq_distances chunk 1")


@given(instances())
def test_F0_matches_oracle(inst):
    # each min d has relative error <= dist_rel; summing N non-negative terms adds gamma(N).
    X, M = inst
    exact = float(O.mp_F0(X, M))
    bound = (dist_rel(X.shape[1]) + gamma(X.shape[0])) * exact
    assert_within(kn.F0(X, M), exact, bound, "F0")
    assert_within(kn.F0(X, M, chunk_size=2), exact, bound, "F0 chunked")


def _logit_abs_err(d: np.ndarray, sigma: float, dd: float) -> np.ndarray:
    """Absolute error of the logits -(d_ik - d_i(1))/sigma: each d has relative error dd,
    the subtraction and the division one rounding each."""
    dmin = d.min(axis=1, keepdims=True)
    return ((dd + 2 * U) * (d + dmin)) / sigma


@given(instances(), sigmas())
def test_G_sigma_matches_oracle(inst, sigma):
    # G = sum_i [d_i1 - sigma log s_i], s_i in [1, K]: the log term's absolute error is
    # sigma * (max_k e_ik + (K+4)u) where e are the logit errors; d_i1 has relative
    # error dd; summing N terms adds gamma(N) * sum |term_i|.
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    d = f64(O.mp_sq_distances(X, M))
    e = _logit_abs_err(d, sigma, dist_rel(X.shape[1]))
    dmin = d.min(axis=1)
    logs = np.log(np.exp(-(d - dmin[:, None]) / sigma).sum(axis=1))
    terms = dmin - sigma * logs
    bound = float(np.sum(dist_rel(X.shape[1]) * dmin + sigma * (e.max(axis=1) + (k + 4) * U)
                         + U * np.abs(terms)) + gamma(n) * np.abs(terms).sum())
    assert_within(kn.G_sigma(X, M, sigma), float(O.mp_G_sigma(X, M, sigma)), bound, "G_sigma")


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


@given(instances(), sigmas(), st.sampled_from([1.0, 1.5, 2.0]))
def test_responsibilities_and_W_sigma_match_oracle(inst, sigma, alpha):
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    p, d, dp = resp_abs_bound(X, M, sigma, alpha)
    assert_within(kn.responsibilities(X, M, sigma, alpha=alpha), p, dp, "responsibilities")
    # W = sum p d: |dW| <= sum (dp d + p d (dd + u)) + gamma(NK) W
    W = float(O.mp_W_sigma(X, M, sigma, alpha=alpha))
    bound = float(np.sum(dp * d + p * d * (dist_rel(X.shape[1]) + U)) + gamma(n * k) * W)
    assert_within(kn.W_sigma(X, M, sigma, alpha=alpha), W, bound, "W_sigma")


@given(instances(), sigmas(), st.sampled_from([1.0, 1.5, 2.0]))
def test_soft_centroids_match_oracle(inst, sigma, alpha):
    # mu_k = T_k / S_k: |d mu_kj| <= [sum_i dp_ik (|x_ij| + |mu_kj|)
    #                                 + gamma(N+1) sum_i p_ik (|x_ij| + |mu_kj|)] / S_k + u |mu_kj|
    X, M = inst
    p, _, dp = resp_abs_bound(X, M, sigma, alpha)
    S = p.sum(axis=0)
    assume(np.all(S > 0))  # empty clusters: policy tested in test_backends
    exact = f64(O.mp_soft_centroids(X, M, sigma, alpha=alpha))
    mag = np.abs(X)[:, None, :] + np.abs(exact)[None, :, :]  # (N, K, D)
    bound = (np.einsum("ik,ikd->kd", dp, mag)
             + gamma(X.shape[0] + 1) * np.einsum("ik,ikd->kd", p, mag)) / S[:, None]
    assert_within(kn.soft_centroids(X, M, sigma, alpha=alpha), exact, bound, "soft_centroids")


@given(instances(), sigmas())
def test_grad_G_sigma_matches_oracle(inst, sigma):
    # grad = 2 (S mu - T): |d grad_kj| <= 2 [sum_i dr_ik (|mu_kj| + |x_ij|)
    #                                        + gamma(N+2) sum_i r_ik (|mu_kj| + |x_ij|)]
    X, M = inst
    r, _, dr = resp_abs_bound(X, M, sigma, 1.0)
    mag = np.abs(X)[:, None, :] + np.abs(M)[None, :, :]
    bound = 2 * (np.einsum("ik,ikd->kd", dr, mag) + gamma(X.shape[0] + 2) * np.einsum("ik,ikd->kd", r, mag))
    assert_within(kn.grad_G_sigma(X, M, sigma), f64(O.mp_grad_G_sigma(X, M, sigma)), bound, "grad_G")


@given(instances(max_n=8, max_k=3), sigmas(min_value=0.05, max_value=50.0), st.sampled_from([1.0, 1.5, 2.0]))
def test_grad_W_sigma_matches_oracle(inst, sigma, alpha):
    # g_ik = p_ik - q_ik (d_ik - dbar_i)/sigma.  Perturbing p by dp, q by dq <= dp *
    # |2-alpha| q/p (q = p^(2-alpha)), d by dd*d and dbar by the same relative amount:
    # |dg| <= dp + (dq |d - dbar| + q (2 dd dmax + |d - dbar| 2u)) / sigma;
    # the sum 2 sum_i g (mu - x) then adds 2 gamma(N+2) sum_i |g| (|mu| + |x|).
    X, M = inst
    p, d, dp = resp_abs_bound(X, M, sigma, alpha)
    q = p if alpha == 1.0 else np.where(p > 0, p ** (2 - alpha), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dq = np.where(p > 0, dp * q / np.where(p > 0, p, 1.0) * max(abs(2 - alpha), 1.0), 0.0)
    qs = q.sum(axis=1, keepdims=True)
    dbar = (q * d).sum(axis=1, keepdims=True) / qs
    dd = dist_rel(X.shape[1])
    dmax = d.max(axis=1, keepdims=True)
    dbar_err = (dq * d).sum(axis=1, keepdims=True) / qs + (dq.sum(axis=1, keepdims=True) / qs) * dmax + dd * dmax
    g = p - q * (d - dbar) / sigma
    dg = dp + (dq * np.abs(d - dbar) + q * (2 * dd * dmax + dbar_err + 2 * U * np.abs(d - dbar))) / sigma
    mag = np.abs(X)[:, None, :] + np.abs(M)[None, :, :]
    bound = 2 * (np.einsum("ik,ikd->kd", dg, mag) + gamma(X.shape[0] + 2) * np.einsum("ik,ikd->kd", np.abs(g), mag))
    exact = f64(O.mp_grad_W_sigma(X, M, sigma, alpha=alpha))
    assert_within(kn.grad_W_sigma(X, M, sigma, alpha=alpha), exact, bound, f"grad_W({alpha})")


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
