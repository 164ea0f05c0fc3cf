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

import math
from types import SimpleNamespace

import numpy as np
import pytest

from kmrbf.evidence.roundoff import U, entmax_map_bound, gamma
from kmrbf.numerics import oracles as O
from kmrbf.numerics._kernels import LOG1P_ALPHA_GAP

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
    """Absolute error of our entmax implementations on exact logits, per entry: the sort and
    threshold routes' bound with its derivation, :func:`kmrbf.evidence.roundoff.entmax_map_bound`
    (Hoelder above alpha = 2)."""
    return entmax_map_bound(k, alpha)


def entmax_log1p_bound(y, alpha: float, p) -> np.ndarray:
    r"""Per-entry absolute error of entmax_bisect in its lambda-form, 1 < alpha < 1 + 1/8.

    ``y``: the exact shifted logits (max 0 per row), ``p``: the exact probabilities (the
    oracle), arrays of shape (K,) or (rows, K).  eps = alpha - 1, beta = 1/eps; the kernel
    computes p_j = exp(log1p(eps (y_j + lambda)) / eps), lambda in [-log K, 0]
    (numerics/activations.py, entmax_bisect).

    At fixed lambda: y_j carries u|y_j| (the max shift), t = y_j + lambda one rounding
    u|t|, s = eps t one more: s + ds with |ds| <= eps eta_j, eta_j = u(|y_j| + 2|t_j|).  So
    the computed exp(log1p(s + ds)/eps) is (b_j + eps h)^beta with |h| <= eta_j
    (b_j = 1 + eps t_j), times the roundings of log1p (2u |log p_j| after the division by
    eps), of the division (u |log p_j|) and of exp (2u): by the mean value theorem
    (beta eps = 1, (.)^(beta-1) increasing)
    |dp_j| <= c_j(h) h + p_j u (3|log p_j| + 2),  c_j(h) = (b_j + eps h)_+^(beta-1).
    lambda: the bisection stops at width <= max(u, ulp(lambda)) <= u max(1, 2 log K); the
    computed sign of g(lambda) = sum p - 1 can be wrong only where |g| <= err_g =
    sum_j |dp_j| + (K+1)u, and g' = sum_j p_j/b_j >= sum_j p_j ~ 1 (b_j <= 1), so
    |d lambda| <= u max(1, 2 log K) + err_g; it moves t_j by the same amount.
    Normalising by the computed sum adds p_j (sum_l |dp_l| + (K+1)u).
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    p = np.atleast_2d(np.asarray(p, dtype=float))
    k = y.shape[-1]
    eps = alpha - 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        lam = np.expm1(eps * np.log(p.max(axis=-1, keepdims=True))) / eps  # at y = 0, p_max
        t = y + lam
        logp = np.where(p > 0, np.abs(np.log(np.where(p > 0, p, 1.0))), 0.0)

        def c(h):
            arg = eps * (t + h)
            return np.where(arg > -1.0, np.exp((1.0 - eps) * np.log1p(np.maximum(arg, -1.0)) / eps), 0.0)

        eta = U * (np.abs(y) + 2 * np.abs(t))
        fixed = p * U * (3 * logp + 2)
        err_g = (c(eta) * eta + fixed).sum(axis=-1, keepdims=True) + (k + 1) * U
        dlam = U * max(1.0, 2 * math.log(k)) + err_g
        h = eta + dlam
        e = np.nan_to_num(c(h) * h) + fixed
    return e + p * (e.sum(axis=-1, keepdims=True) + (k + 1) * U)


def entmax_bound(z, alpha: float, p) -> np.ndarray:
    """The per-entry bound of entmax_bisect(z, alpha) on exact logits ``z`` (exact answer ``p``):
    entmax_log1p_bound below the switch alpha - 1 < LOG1P_ALPHA_GAP, entmax_impl_bound above."""
    z = np.asarray(z, dtype=float)
    if 1.0 < alpha and alpha - 1.0 < LOG1P_ALPHA_GAP:
        return entmax_log1p_bound(z - z.max(axis=-1, keepdims=True), alpha, p).reshape(np.shape(p))
    if alpha > 2.0:
        return entmax_edge_bound(z, alpha, p).reshape(np.shape(p))
    return np.full(np.shape(p), entmax_impl_bound(z.shape[-1], alpha))


def entmax_edge_bound(z, alpha: float, p) -> np.ndarray:
    r"""Per-entry bound of the threshold route above alpha = 2 (beta = 1/(alpha-1) < 1), exact
    logits ``z`` and exact probabilities ``p`` (rows): tight away from the edge of the support.

    The map is only Hoelder there (roundoff.entmax_map_bound, whose scalar bound assumes the
    worst entry sits at the edge).  Per entry, with the exact signed gap g_j = x_j - tau
    (x = (alpha-1)(z - max z), tau from the largest p) and the largest change of t_+^beta over
    an interval [g - h, g + h], inc(g, h): at fixed tau the computed term is off by inc at the
    point of [g - D, g + D] nearest 0 with h = h0 = 12u (the kernel: x two roundings, b one;
    this function's own g, from p and a power: at most 9u), so |df| <= sum_j inc_j +
    2(K+2)u + 2Ku and |d tau| <= u +
    |df|/beta =: D'.  Starting from D = the scalar bound's d tau (valid a priori) and
    iterating twice keeps every D an upper bound.  Then |dp_j| <= inc(g_j, h0 + D) + 2u p_j
    before normalising, and normalising adds p_j (sum e + (K+2)u)."""
    z = np.atleast_2d(np.asarray(z, dtype=float))
    p = np.atleast_2d(np.asarray(p, dtype=float))
    k = z.shape[-1]
    beta = 1.0 / (alpha - 1.0)
    x = (alpha - 1.0) * (z - z.max(axis=-1, keepdims=True))
    top = p.argmax(axis=-1)[:, None]
    tau = np.take_along_axis(x, top, -1) - np.take_along_axis(p, top, -1) ** (alpha - 1.0)
    g = x - tau

    def inc(y, h):  # max |t_+^beta - y_+^beta| over t in [y - h, y + h]
        up = np.maximum(y + h, 0.0) ** beta - np.maximum(y, 0.0) ** beta
        down = np.maximum(y, 0.0) ** beta - np.maximum(y - h, 0.0) ** beta
        return np.maximum(up, down)

    h0 = 12 * U
    a = (3 * U) ** beta  # the scalar bound's a priori d tau (entmax_map_bound)
    dtau = U + (k * (a + 2 * U) + 2 * (k + 2) * U) / beta
    for _ in range(2):
        near = np.minimum(np.maximum(0.0, g - dtau), g + dtau)  # the point nearest 0
        df = inc(near, h0).sum(axis=-1, keepdims=True) + 2 * (k + 2) * U + 2 * k * U
        dtau = U + df / beta
    e = inc(g, h0 + dtau) * (1 + 1e-9) + 2 * U * p
    return e + p * (e.sum(axis=-1, keepdims=True) + (k + 2) * U)


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
    adds softmax_rel_bound-type rounding (relative, (K+4)u + u|x| terms) for alpha = 1,
    entmax_log1p_bound for 1 < alpha < 1 + LOG1P_ALPHA_GAP (exact logits y = -(d - min d)/sigma),
    entmax_edge_bound above alpha = 2 and entmax_impl_bound between.
    """
    k = M.shape[0]
    d = f64(O.mp_sq_distances(X, M))
    p = f64(O.mp_responsibilities(X, M, sigma, alpha=alpha))
    e = _logit_abs_err(d, sigma, dist_rel(X.shape[1]))
    with np.errstate(divide="ignore"):  # 0 ** (2 - alpha) for alpha > 2, masked by the where
        q = p if alpha == 1.0 else np.where(p > 0, np.abs(p) ** (2 - alpha), 0.0)
    prop = 2 * q * e.max(axis=1, keepdims=True)
    if alpha == 1.0:
        x = (d - d.min(axis=1, keepdims=True)) / sigma
        impl = U * (x + x.max(axis=1, keepdims=True) + k + 4) * p
    elif alpha - 1.0 < LOG1P_ALPHA_GAP:
        impl = entmax_log1p_bound(-(d - d.min(axis=1, keepdims=True)) / sigma, alpha, p)
    elif alpha > 2.0:
        impl = entmax_edge_bound(-(d - d.min(axis=1, keepdims=True)) / sigma, alpha, p)
    else:
        impl = np.full_like(p, entmax_impl_bound(k, alpha))
    return p, d, prop + impl


#: 2**-1074, the smallest subnormal: with gradual underflow fl(a op b) = (a op b)(1 + delta) + eta,
#: |eta| <= 2**-1075 < ETA (Higham, Accuracy and Stability, §2.2); relative bounds miss eta
ETA = 2.0**-1074


def gradient_underflow(r, mag):
    r"""Absolute underflow allowance of :math:`2\sum_i r_{ik}(\mu_k-x_i)`: per term, :math:`\eta` on the
    responsibility (times :math:`\lvert\mu\rvert+\lvert x\rvert`), :math:`\eta` on the product and
    :math:`\eta` on the sum; doubled."""
    n = np.shape(r)[0]
    return 2 * (np.einsum("ik,ikd->kd", np.full(np.shape(r), ETA), mag) + 2 * n * ETA)


@pytest.fixture(scope="session")
def bounds():
    """The error-bound helpers above, as one namespace (session scope: usable with ``@given``)."""
    return SimpleNamespace(SLACK=SLACK, f64=f64, assert_within=assert_within,
                           entmax_impl_bound=entmax_impl_bound, entmax_log1p_bound=entmax_log1p_bound,
                           entmax_bound=entmax_bound, entmax_edge_bound=entmax_edge_bound, dist_rel=dist_rel,
                           logit_abs_err=_logit_abs_err, resp_abs_bound=resp_abs_bound,
                           gradient_underflow=gradient_underflow)


@pytest.fixture(scope="module", params=["reference", "compiled"])
def each_backend(request):
    """Run a whole test module once per NumPy kernel backend: the array-API reference and the
    compiled (numba) kernels, forced for every size (``kmrbf.numerics.backends._kernels._use_backend``)."""
    from kmrbf.numerics.backends._kernels import _use_backend

    with _use_backend(request.param):
        yield request.param
