r"""Evidence for KR-T1-min (minimisers) and KR-C1 (coercivity).

KR-T1-min. :math:`\min W_\sigma\ge\min F_0` because :math:`W_\sigma\ge F_0` pointwise, and
:math:`\min W_\sigma\le W_\sigma(M_{\rm opt})\le\min F_0+N(K-1)\sigma/e`; every near-minimiser
:math:`M` of :math:`W_\sigma` therefore has :math:`F_0(M)\le\min F_0+N(K-1)\sigma/e`, which is
why its distance to the optimal set shrinks.  Checked against the exact optimum
(:mod:`kmrbf.numerics.partitions`).

The KR-T2-grad evidence (gradient identities, RBF step vs Lloyd step) lives in
:mod:`kmrbf.claims.theorems_grad`.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import assume

from ..registry import EvidenceResult, RunContext, Table, register_evidence
from ..strategies import instances, small_clustering_data
from .theorems import gamma, scaled_property

__all__: list[str] = []


# --------------------------------------------------------------------------- KR-T1-min
def _margin(X: np.ndarray, M: np.ndarray) -> float:
    d = np.sort(((X[:, None, :] - M[None]) ** 2).sum(-1), axis=1)
    return float((d[:, 1] - d[:, 0]).min())


@scaled_property("KR-T1-min", "exact-optimum-vs-multistart", fraction=0.4,
                 strategies={"data": small_clustering_data(max_n=8)},
                 strategy_summary="N = K+1..8 distinct points on the grid 2^-3 in [-4,4]^D, D = 1..2, K = 2..3; "
                                  "sigma = Delta_opt x {1, 1/4, 1/16, 1/64}")
def t1_min(data: tuple[np.ndarray, int]) -> None:
    r"""Against the exact K-means optimum (all partitions): the multistart minimum of :math:`W_\sigma`
    lies in :math:`[\min F_0,\ \min F_0+N(K-1)\sigma/e]`, its minimiser has
    :math:`F_0\le\min F_0+N(K-1)\sigma/e`, and its distance to the optimal set (best permutation)
    is below the first-order reach :math:`\lVert\nabla W_\sigma(M)\rVert/(2m)` plus the Theorem 3 offset at
    :math:`\sigma=\Delta_{\rm opt}/64` and does not exceed the distance at :math:`\sigma=\Delta_{\rm opt}`
    by more."""
    from ..numerics import F0, grad_W_sigma
    from ..numerics.partitions import distance_to_set, kmeans_optimum, minimise_W_sigma

    X, K = data
    N = X.shape[0]
    opt = kmeans_optimum(X, K)
    d_opt = min(_margin(X, C) for C in opt.centroids)
    assume(d_opt > 0)
    f0 = float(opt.value)
    # W and F0 are sums of N*K terms of size <= max d: gamma_{N K + 4D + 16} * N * max d each
    dmax = float(((X[:, None, :] - X[None]) ** 2).sum(-1).max())
    tol = gamma(N * K + 4 * X.shape[1] + 16) * N * dmax
    dists = []
    for j in range(4):
        sigma = d_opt * 4.0**-j
        val, M, _ = minimise_W_sigma(X, K, sigma, optimum=opt, max_starts=40)
        bound = N * (K - 1) * sigma / math.e
        assert val >= f0 - tol, f"min W {val!r} < min F0 {f0!r} (W >= F0 violated)"
        assert val <= f0 + bound + tol, f"sigma={sigma!r}: min W - min F0 = {val - f0!r} > {bound!r}"
        assert float(F0(X, M)) <= f0 + bound + tol, "minimiser of W_sigma is not F0-near-optimal"
        dists.append(distance_to_set(M, opt.centroids))
    # Distance of the returned point to the optimal set at sigma = Delta/64, from first-order
    # optimality: near M* the Hessian of W_sigma is 2 n_k I per centroid up to O(e^{-Delta/sigma}/sigma),
    # so dist(M, M_sigma) <= ||grad W(M)|| / (2 m); the W minimiser M_sigma sits within the Theorem 3
    # offset 2 diam N (K-1)/m e^{-Delta/sigma} of M*; the float gradient carries gamma * 2N(R + diam).
    diam = math.sqrt(dmax)
    m = min(int(np.bincount(lab, minlength=K).min()) for lab in opt.partitions)
    sigma = d_opt * 4.0**-3
    grad = float(np.linalg.norm(grad_W_sigma(X, M, sigma)))
    R = float(np.abs(X).max())
    reach = (grad + gamma(N * K * X.shape[1] + 16) * 2 * N * (R + diam)) / (2 * m) \
        + 2 * diam * N * (K - 1) / m * math.exp(-d_opt / sigma)
    assert dists[-1] <= reach, f"distance to the optimal set at Delta/64: {dists!r} > {reach!r}"
    assert dists[-1] <= dists[0] + reach, f"distance did not shrink: {dists!r}"


# --------------------------------------------------------------------------- KR-C1
@scaled_property("KR-C1", "float64-coercivity", fraction=0.5, role="hypothesis",
                 strategies={"inst": instances(max_n=12, max_k=4, max_d=3)},
                 strategy_summary="data and centroids from the base instance strategy with K >= 2; the last "
                                  "centroid is sent along the first axis, |t| up to 1e12")
def c1_coercive(inst: tuple[np.ndarray, np.ndarray]) -> None:
    r"""The hypothesis 'F0 is coercive': along :math:`M_t=(\mu_1,\dots,\mu_{K-1},\mu_K+te_1)`,
    :math:`\lVert M_t\rVert\to\infty`, so coercivity demands :math:`F_0(M_t)\to\infty`; the check
    asserts :math:`F_0(M_t)` exceeds :math:`F_0^{(K-1)}+1` (the value with the last centroid dropped)
    for large t.  For K >= 2 it cannot: :math:`F_0(M_t)\le F_0^{(K-1)}`."""
    from ..numerics import F0

    X, M = inst
    assume(M.shape[0] >= 2)
    level = float(F0(X, M[:-1]))
    vals = []
    for t in (1e3, 1e6, 1e9, 1e12):
        Mt = M.copy()
        Mt[-1, 0] += t
        vals.append(float(F0(X, Mt)))
    assert vals[-1] > level + 1.0, (
        f"not coercive: F0(M_t) = {vals} stays <= F0 without the last centroid = {level!r} "
        f"while ||M_t|| -> infinity")


@register_evidence("KR-C1", kind="experiment", name="exact-witness", role="hypothesis",
                   description="exact rational arithmetic: F0(M_t) is constant for t >= t0 along a path "
                               "with ||M_t|| = 10^j, j up to 300, for K = 2, 3, 4")
def _c1_exact(ctx: RunContext) -> EvidenceResult:
    rows, coercive_somewhere = [], False
    X = [[Fraction(v)] for v in (0, 1, 3, 7)] + [[Fraction(-2)]]
    for K in (2, 3, 4):
        M = [[Fraction(k * 2)] for k in range(K)]
        level = sum(min((x[0] - m[0]) ** 2 for m in M[:-1]) for x in X)
        vals = []
        for j in (1, 10, 100, 300):
            Mt = [list(m) for m in M]
            Mt[-1][0] += Fraction(10) ** j
            vals.append(sum(min((x[0] - m[0]) ** 2 for m in Mt) for x in X))
        coercive_somewhere |= vals[-1] > level
        rows.append([K, str(level), ", ".join(str(v) for v in vals), "10^1 .. 10^300"])
    return EvidenceResult(
        status="passed" if coercive_somewhere else "failed", examples=len(rows),
        counterexample=None if coercive_somewhere else
        "X = (0, 1, 3, 7, -2), mu_k = 2k, last centroid + 10^j: F0 stays at F0 of the other K-1 centroids",
        summary="F0 is bounded along a path to infinity for every K >= 2: never coercive",
        tables=[Table(["K", "F0 without last centroid", "F0(M_t), t = 10^1,10^10,10^100,10^300", "t"], rows,
                      "Exact witness: F0 does not grow along M_t")])
