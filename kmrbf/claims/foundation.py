"""Float64 property evidence for the foundation claims.

KR-T1-liminf, KR-T1-limsup, KR-S32, KR-L1, KR-T2 (numeric) and KR-S36-order,
checked with Hypothesis on the library's own kernels.

Tolerances
----------
Every comparison of two computed sums uses the standard bound for recursive
summation of ``n`` terms, ``|fl(sum) - sum| <= gamma_n * sum |terms|`` with
``gamma_n = n u / (1 - n u)`` and ``u = 2**-53`` (Higham, *Accuracy and Stability
of Numerical Algorithms*, §4.2).  :func:`_slack` returns ``gamma_n`` times a
magnitude, with ``n`` counting every rounding on the path (distances,
exponentials, normalisation, products, the sum over points); nothing is a
hand-picked constant.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from scipy.special import lambertw

from .. import numerics as nx
from ..property import property_evidence
from ..strategies import coordinates, datasets, instances, logit_vectors, sigmas, weights

U = 2.0**-53  # unit roundoff of float64

INSTANCE_AND_SIGMA = {"inst": instances(), "sigma": sigmas()}
INSTANCE_AND_SIGMA_SUMMARY = (
    "(X, M) with N <= 12, K <= 4, D <= 3, coordinates in [-10, 10]; sigma log-uniform in [1e-3, 1e3]."
)


def _slack(n_roundings: int, magnitude: float) -> float:
    """``gamma_n * magnitude``: the worst-case error of ``n`` roundings on a sum of ``magnitude``."""
    nu = n_roundings * U
    return nu / (1.0 - nu) * magnitude


def _roundings(X: np.ndarray, M: np.ndarray) -> int:
    """Roundings on the path ``X, M -> d_ik -> r_ik -> sum_ik r_ik d_ik`` (generous count)."""
    n, d = X.shape
    k = M.shape[0]
    return 4 * d + 4 * k + n + 16


def sharp_limsup_constant(k: int) -> float:
    r"""Sharp per-point constant :math:`c_K=\sup_{t\ge0}\langle r(t),t\rangle/\sigma = W_0((K-1)/e)`.

    With all :math:`K-1` non-nearest gaps equal to :math:`\sigma(1+c_K)` the excess
    :math:`W_\sigma-F_0` of one point equals :math:`\sigma c_K`.  For ``K = 2`` this is
    :math:`W_0(1/e)\approx0.27846`; always :math:`c_K\le(K-1)/e` since :math:`W_0(x)\le x`.

    >>> round(sharp_limsup_constant(2), 5)
    0.27846
    >>> sharp_limsup_constant(1)
    0.0
    """
    return float(lambertw((k - 1) / math.e).real)


# ---------------------------------------------------------------- KR-T1-liminf


@property_evidence(
    "KR-T1-liminf", "W-above-F0",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_w_above_f0(inst, sigma):
    r"""$W_\sigma(M)\ge F_0(M)$ for every $M$ and $\sigma>0$ (each $W_\sigma$ term is a convex combination of the $d_{ik}$)."""
    X, M = inst
    w, f0 = nx.W_sigma(X, M, sigma), nx.F0(X, M)
    d = nx.sq_distances(X, M)
    assert w >= f0 - _slack(_roundings(X, M), float(d.max(axis=1).sum())), (w, f0)


@st.composite
def _perturbed(draw):
    X, M = draw(instances())
    delta = draw(st.lists(coordinates(bound=1.0), min_size=M.size, max_size=M.size))
    scale = draw(st.sampled_from([1e-6, 1e-3, 1e-1, 1.0]))
    return X, M, M + scale * np.asarray(delta).reshape(M.shape)


@property_evidence(
    "KR-T1-liminf", "quantitative-liminf",
    strategies={"inst": _perturbed(), "sigma": sigmas()},
    strategy_summary="(X, M, M') with M' = M + s*delta, s in {1e-6, 1e-3, 0.1, 1}, delta in [-1, 1]; sigma log-uniform in [1e-3, 1e3].",
)
def check_quantitative_liminf(inst, sigma):
    r"""$W_\sigma(M')\ge F_0(M)-L\lVert M'-M\rVert_F$ with $L=\sum_i\max_k(\lVert x_i-\mu_k\rVert+\lVert x_i-\mu'_k\rVert)$.

    Proof: $W_\sigma(M')\ge F_0(M')$ and $\lvert d_{ik}(M')-d_{ik}(M)\rvert
    =\lvert(\mu'_k-\mu_k)\cdot(\mu'_k+\mu_k-2x_i)\rvert\le\lVert\mu'_k-\mu_k\rVert(\lVert x_i-\mu_k\rVert+\lVert x_i-\mu'_k\rVert)$,
    so $\liminf W_{\sigma_n}(M_n)\ge F_0(M)$ whenever $M_n\to M$.
    """
    X, M, Mp = inst
    dist = np.sqrt(nx.sq_distances(X, M))
    distp = np.sqrt(nx.sq_distances(X, Mp))
    L = float((dist + distp).max(axis=1).sum())
    gap = float(np.linalg.norm(Mp - M))
    w, f0 = nx.W_sigma(X, Mp, sigma), nx.F0(X, M)
    mag = float(nx.sq_distances(X, M).max(axis=1).sum() + nx.sq_distances(X, Mp).max(axis=1).sum()) + L * gap
    assert w >= f0 - L * gap - _slack(_roundings(X, M), mag), (w, f0, L, gap)


# ---------------------------------------------------------------- KR-T1-limsup


@property_evidence(
    "KR-T1-limsup", "float64-recovery-sequence",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_recovery_sequence(inst, sigma):
    r"""The constant sequence recovers $F_0$: the excess $e(\sigma)=W_\sigma(M)-F_0(M)$ does not
    increase as $\sigma$ halves (40 halvings from the drawn $\sigma$), and it is below
    $\varepsilon=10^{-9}(1+F_0)$ at $\sigma_\varepsilon=g/\log(N(K-1)g/\varepsilon)$, $g$ the
    smallest positive gap $d_{ik}-d_{i(1)}$ (no positive gap: $e\equiv0$).

    Monotonicity: per point $e_i/\sigma$-weighted mean gap under the Gibbs weights has
    $\partial_\sigma\langle t\rangle_\sigma=\operatorname{Var}_\sigma(t)/\sigma^2\ge0$.
    The value at $\sigma_\varepsilon\le g$: each positive-gap term is $\le te^{-t/\sigma}\le ge^{-g/\sigma}$.
    """
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    d = nx.sq_distances(X, M)
    tol = _slack(_roundings(X, M), float(d.max(axis=1).sum()))
    f0 = float(nx.F0(X, M))
    gaps = d - d.min(axis=1, keepdims=True)
    positive = gaps[gaps > 0]
    prev = math.inf
    for s in sigma * 2.0 ** -np.arange(40):
        e = float(nx.W_sigma(X, M, s)) - f0
        assert e <= prev + tol, (s, e, prev)
        prev = e
    if positive.size == 0:
        assert abs(prev) <= tol, prev
        return
    g, eps = float(positive.min()), 1e-9 * (1.0 + f0)
    s_eps = g / max(1.0, math.log(n * (k - 1) * g / eps))
    e = float(nx.W_sigma(X, M, s_eps)) - f0
    assert -tol <= e <= eps + tol, (s_eps, e, eps)


@property_evidence(
    "KR-T1-limsup", "uniform-bound", role="sharper",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_uniform_limsup(inst, sigma):
    r"""Sharper, uniform in $M$: $0\le W_\sigma(M)-F_0(M)\le N(K-1)\sigma/e$ (so $W_\sigma\to F_0$ uniformly)."""
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    excess = nx.W_sigma(X, M, sigma) - nx.F0(X, M)
    tol = _slack(_roundings(X, M), float(nx.sq_distances(X, M).max(axis=1).sum()))
    assert -tol <= excess <= n * (k - 1) * sigma / math.e + tol, (excess, n, k, sigma)


@property_evidence(
    "KR-T1-limsup", "sharp-constant-bound", role="sharper",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_sharp_limsup(inst, sigma):
    r"""Sharper: $W_\sigma(M)-F_0(M)\le N\sigma\,W_0((K-1)/e)$; for $K=2$, $W_0(1/e)\approx0.27846<1/e$.

    Per point, with $u_k=(d_{ik}-d_{i(1)})/\sigma$, the excess is $\sigma\langle\operatorname{softmax}(-u),u\rangle$,
    whose stationary points satisfy $u_j=1+f$ for every free $j$, giving $f=W_0((K-1)/e)$.
    """
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    excess = nx.W_sigma(X, M, sigma) - nx.F0(X, M)
    tol = _slack(_roundings(X, M), float(nx.sq_distances(X, M).max(axis=1).sum()))
    assert excess <= n * sigma * sharp_limsup_constant(k) + tol, (excess, n, k, sigma)


@property_evidence(
    "KR-T1-limsup", "sharp-constant-attained", role="sharper",
    strategies={"k": st.integers(2, 6), "sigma": sigmas(min_value=1e-2, max_value=1e2)},
    strategy_summary="One point at the origin, K in 2..6 centroids placed so that every non-nearest gap equals sigma(1 + W0((K-1)/e)).",
)
def check_sharp_attained(k, sigma):
    r"""The constant $W_0((K-1)/e)$ cannot be lowered: it is attained when all $K-1$ gaps equal $\sigma(1+W_0((K-1)/e))$."""
    c = sharp_limsup_constant(k)
    # K copies of the origin (the library needs K <= N); centroid 0 at the origin
    # (d = 0), the others on distinct axes at squared distance sigma(1 + c)
    X = np.zeros((k, k))
    M = np.zeros((k, k))
    for j in range(1, k):
        M[j, j] = math.sqrt(sigma * (1.0 + c))
    per_point = (nx.W_sigma(X, M, sigma) - nx.F0(X, M)) / k
    # relative error: sqrt, square, exp, normalisation, k products and sums
    assert abs(per_point - sigma * c) <= _slack(8 * k + 16, sigma * (1.0 + c) * k), (per_point, sigma * c)


# ---------------------------------------------------------------- KR-S32


@st.composite
def _distance_rows(draw):
    """Squared-distance rows with a tie set of size t at the minimum and a strictly positive gap."""
    k = draw(st.integers(1, 8))
    t = draw(st.integers(1, k))
    dmin = draw(st.floats(0.0, 100.0, allow_subnormal=False))
    gap = draw(st.floats(1e-3, 100.0))
    rest = draw(st.lists(st.floats(0.0, 100.0, allow_subnormal=False), min_size=k - t, max_size=k - t))
    row = [dmin] * t + [dmin + gap + r for r in rest]
    perm = draw(st.permutations(range(k)))
    return np.asarray([row[p] for p in perm]), t


@property_evidence(
    "KR-S32", "concentration-on-argmin",
    strategies={"row": _distance_rows(), "sigma": sigmas(min_value=1e-3, max_value=10.0)},
    strategy_summary="Distance rows, K <= 8, with t tied minima and a gap >= 1e-3 to the rest; sigma log-uniform in [1e-3, 10].",
)
def check_concentration(row, sigma):
    r"""$r_i(M,\sigma)\to$ uniform on $T=\arg\min_kd_{ik}$, quantitatively:
    $\lvert r_{ik}-1/\lvert T\rvert\rvert\le(K-\lvert T\rvert)e^{-g/\sigma}/\lvert T\rvert^2$ on $T$ and $r_{ij}\le e^{-g/\sigma}$ off $T$,
    $g$ the gap to the best non-tied entry."""
    d, t = row
    k = d.size
    r = nx.softmax(-d / sigma)
    tie = d == d.min()
    g = float(np.min(d[~tie]) - d.min()) if (~tie).any() else math.inf
    eps = math.exp(-g / sigma)
    # z = -d/sigma and the max-shift carry absolute error ~ u |z|, i.e. a relative
    # error ~ u |z| in each exponential; normalisation adds ~ (k + 4) u.
    rel = _slack(4 * k + 8, 1.0) + 4 * U * float(d.max()) / sigma
    assert np.all(np.abs(r[tie] - 1.0 / t) <= (k - t) * eps / t**2 * (1 + rel) + rel), (r, t, eps)
    assert np.all(r[~tie] <= eps * (1 + rel)), (r, eps)


@property_evidence(
    "KR-S32", "G-sandwich",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_g_sandwich(inst, sigma):
    r"""$F_0-\sigma N\log K\le G_\sigma\le F_0$ and $W_\sigma-G_\sigma=\sigma\sum_iH(r_i)\in[0,\sigma N\log K]$."""
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    f0, g, w = nx.F0(X, M), nx.G_sigma(X, M, sigma), nx.W_sigma(X, M, sigma)
    r = nx.responsibilities(X, M, sigma)
    plogp = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    ent = float(-plogp.sum())
    mag = float(nx.sq_distances(X, M).max(axis=1).sum()) + sigma * n * math.log(k) + sigma * n
    tol = _slack(_roundings(X, M), mag)
    assert f0 - sigma * n * math.log(k) - tol <= g <= f0 + tol, (f0, g)
    assert -tol <= w - g <= sigma * n * math.log(k) + tol, (w, g)
    assert abs((w - g) - sigma * ent) <= tol, (w - g, sigma * ent)


# ---------------------------------------------------------------- KR-L1


@st.composite
def _weighted_problem(draw):
    X = draw(datasets(max_n=10))
    w = draw(weights(X.shape[0]))
    mu0 = np.asarray(draw(st.lists(coordinates(), min_size=X.shape[1], max_size=X.shape[1])))
    return X, w, mu0


def _gd_step(X, w, mu, eta):
    """One step on $L(\\mu)=\\tfrac12\\sum_iw_i\\lVert x_i-\\mu\\rVert^2$: $\\nabla L=\\sum_iw_i(\\mu-x_i)$."""
    return mu - eta * (w[:, None] * (mu[None, :] - X)).sum(axis=0)


@property_evidence(
    "KR-L1", "one-step-and-contraction",
    strategies={"prob": _weighted_problem(), "c": st.floats(0.0, 4.0)},
    strategy_summary="X with N <= 10, D <= 3, coordinates in [-10, 10]; weights in [0, 10] with positive sum S; start mu0 in the box; eta = c/S, c in [0, 4].",
)
def check_lemma1(prob, c):
    r"""$\mu_1-\bar x=(1-\eta S)(\mu_0-\bar x)$ (the affine map of the proof), hence convergence iff $\lvert1-\eta S\rvert<1$
    iff $0<\eta<2/S$, and $\eta=1/S$ lands on $\bar x=\sum_iw_ix_i/S$ in one step."""
    X, w, mu0 = prob
    S = float(w.sum())
    xbar = (w[:, None] * X).sum(axis=0) / S
    eta = c / S
    mu1 = _gd_step(X, w, mu0, eta)
    # both sides are affine in (mu0, x_i) with coefficients <= 1 + c: 2N + 8 roundings each
    scale = np.abs(mu0) + np.abs(X).max(axis=0)
    tol = np.array([_slack(2 * (2 * X.shape[0] + 8), m * (1.0 + c)) for m in scale])
    assert np.all(np.abs((mu1 - xbar) - (1 - eta * S) * (mu0 - xbar)) <= tol), (mu1, xbar)
    one = _gd_step(X, w, mu0, 1.0 / S)
    tol_one = np.array([_slack(2 * (2 * X.shape[0] + 8), 2.0 * m) for m in scale])
    assert np.all(np.abs(one - xbar) <= tol_one), (one, xbar)


@property_evidence(
    "KR-L1", "soft-centroid-is-one-step",
    strategies={"inst": instances(), "sigma": sigmas(min_value=1e-1)},
    strategy_summary="(X, M) with N <= 12, K <= 4, D <= 3; sigma log-uniform in [0.1, 1e3]; draws with some S_k <= 1e-200 (a centroid far from every point) are rejected by assume.",
)
def check_soft_centroid_one_step(inst, sigma):
    r"""With $w_i=r_{ik}(M,\sigma)$ and $\eta_k=1/S_k$, one step from $\mu_k$ is the library's soft centroid."""
    X, M = inst
    r = nx.responsibilities(X, M, sigma)
    S = r.sum(axis=0)
    assume(bool(np.all(S > 1e-200)))
    soft = nx.soft_centroids(X, M, sigma)
    for k in range(M.shape[0]):
        step = _gd_step(X, r[:, k], M[k], 1.0 / S[k])
        mag = np.abs(M[k]) + np.abs(X).max(axis=0)
        tol = np.array([_slack(4 * X.shape[0] + 16, m) for m in mag])
        assert np.all(np.abs(step - soft[k]) <= tol), (k, step, soft[k])


# ---------------------------------------------------------------- KR-T2


@property_evidence(
    "KR-T2", "gd-step-is-lloyd",
    strategies={"inst": instances(), "start": st.lists(coordinates(), min_size=12, max_size=12)},
    strategy_summary="(X, M) with N <= 12, K <= 4, D <= 3; the GD start points are arbitrary points of the box (not M).",
)
def check_theorem2(inst, start):
    r"""Cells $C_k$ from $M$; from ANY start $\nu_k$, $\nu_k-\frac1{\lvert C_k\rvert}\nabla_{\nu_k}L=\operatorname{mean}(C_k)$,
    which is the library's Lloyd update."""
    X, M = inst
    labels = np.asarray(nx.assign(X, M))
    assume(len(set(labels.tolist())) == M.shape[0])  # the theorem presumes non-empty cells
    lloyd = nx.lloyd_step(X, M)
    for k in range(M.shape[0]):
        cell = X[labels == k]
        nu = np.resize(np.asarray(start), X.shape[1])
        step = _gd_step(cell, np.ones(len(cell)), nu, 1.0 / len(cell))
        mag = np.abs(nu) + np.abs(cell).max(axis=0)
        tol = np.array([_slack(2 * len(cell) + 8, m) for m in mag])
        assert np.all(np.abs(step - lloyd[k]) <= tol), (k, step, lloyd[k])


# ---------------------------------------------------------------- KR-S36-order


@property_evidence(
    "KR-S36-order", "entmax15-monotone",
    strategies={"z": logit_vectors(max_size=10)},
    strategy_summary="Logit vectors of size <= 10, entries in [-50, 50], plus a common offset in {0, +-1e3, +-1e300}.",
)
def check_entmax_order(z):
    r"""$z_a\ge z_b\Rightarrow p_a\ge p_b$ for $p=\operatorname{entmax}_{1.5}(z)$: exact in floating point, since
    $p_j=[z_j/2-\tau]_+^2$ is a composition of monotone correctly rounded operations."""
    p = np.asarray(nx.entmax15(z))
    order = np.argsort(z, kind="stable")
    zs, ps = z[order], p[order]
    # sorted order gives p non-decreasing; equal logits (z_a >= z_b and z_b >= z_a) must get
    # equal mass, which the one-sided sorted comparison alone would not detect
    assert np.all(np.diff(ps) >= 0), (z, p)
    assert np.all(np.diff(ps)[np.diff(zs) == 0] == 0), ("tied logits, unequal mass", z, p)


@property_evidence(
    "KR-S36-order", "voronoi-regions",
    strategies={"inst": instances(max_k=6), "sigma": sigmas()},
    strategy_summary="(X, M) with N <= 12, K <= 6, D <= 3; sigma log-uniform in [1e-3, 1e3].",
)
def check_voronoi(inst, sigma):
    r"""The entmax-1.5 decision rule $\arg\max_k p_{ik}$ selects a nearest centroid: same Voronoi cells as K-means."""
    X, M = inst
    p = np.asarray(nx.responsibilities(X, M, sigma, alpha=1.5))
    d = nx.sq_distances(X, M)
    chosen = d[np.arange(len(X)), p.argmax(axis=1)]
    # -d/sigma is one correctly rounded (monotone) division: distances within a
    # rounding of the minimum may share its logit, and argmax then picks the lowest index.
    assert np.all(chosen <= d.min(axis=1) * (1 + 4 * U)), (p, d)
