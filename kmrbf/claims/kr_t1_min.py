r"""Evidence for KR-T1-min (KR Thm 1): minimisers of W_sigma approach the K-means optimal set.

KR-T1-min. :math:`\min W_\sigma\ge\min F_0` because :math:`W_\sigma\ge F_0` pointwise, and
:math:`\min W_\sigma\le W_\sigma(M_{\rm opt})\le\min F_0+N(K-1)\sigma/e`; every near-minimiser
:math:`M` of :math:`W_\sigma` therefore has :math:`F_0(M)\le\min F_0+N(K-1)\sigma/e`, which is
why its distance to the optimal set shrinks.  Checked against the exact optimum
(:mod:`kmrbf.numerics.partitions`).

Both directions of the bound :math:`N(K-1)\sigma/e` (:func:`min_gap_bound`, the one function the
property and the ratio evidence use): the property checks that it holds (Hypothesis ``target()``
steering towards the largest ratio), and ``bound-ratio`` (sharper) measures the ratio
:math:`(\min W_\sigma-\min F_0)/(N(K-1)\sigma/e)` on fixed instances.  The bound is a worst-case
constant, never attained: :math:`\min W_\sigma\le W_\sigma(M_{\rm opt})\le\min F_0+N\sigma c_K`,
:math:`c_K=W_0((K-1)/e)<(K-1)/e` (KR-T1-limsup), so the ratio stays below :math:`ec_K/(K-1)<1`;
the evidence checks that sharper bound and records the largest ratio.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, target
from hypothesis.control import currently_in_test_context

from ..evidence import EvidenceList, EvidenceResult, RunContext, Table
from ..evidence.roundoff import gamma
from ..evidence.strategies import small_clustering_data

__all__ = ["min_gap_bound"]

EVIDENCE = EvidenceList("KR-T1-min", deviations=(
    "Minimisers of W_sigma are found by multistart local optimisation (at most 40 starts, seeded "
    "from every optimal partition), so 'min W_sigma' is an upper estimate of the global minimum; the "
    "lower side min W_sigma >= min F0 holds for any estimate.",
    "The ratio (min W_sigma - min F0)/(N(K-1)sigma/e) is measured on four fixed seeded instances of the "
    "property's family at sigma = Delta_opt x {1, 1/4, 1/16}.",
))


def min_gap_bound(n: int, k: int, sigma: float) -> float:
    r""":math:`N(K-1)\sigma/e`, the paper-role bound on :math:`\min W_\sigma-\min F_0` (SPEC KR-T1-min).

    >>> round(min_gap_bound(3, 2, 1.0) * math.e, 12)
    3.0
    """
    return n * (k - 1) * sigma / math.e


def _margin(X: np.ndarray, M: np.ndarray) -> float:
    d = np.sort(((X[:, None, :] - M[None]) ** 2).sum(-1), axis=1)
    return float((d[:, 1] - d[:, 0]).min())


@EVIDENCE.property("exact-optimum-vs-multistart", fraction=0.4,
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
    dists, ratios = [], []
    for j in range(4):
        sigma = d_opt * 4.0**-j
        val, M, _ = minimise_W_sigma(X, K, sigma, optimum=opt, max_starts=40)
        bound = min_gap_bound(N, K, sigma)
        ratios.append((val - f0) / bound)
        assert val >= f0 - tol, f"min W {val!r} < min F0 {f0!r} (W >= F0 violated)"
        assert val <= f0 + bound + tol, f"sigma={sigma!r}: min W - min F0 = {val - f0!r} > {bound!r}"
        assert float(F0(X, M)) <= f0 + bound + tol, "minimiser of W_sigma is not F0-near-optimal"
        dists.append(distance_to_set(M, opt.centroids))
    if currently_in_test_context():
        target(max(ratios), label="(min W - min F0) / (N(K-1)sigma/e)")
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


def _sharp_constant(k: int) -> float:
    """W0((K-1)/e), the sharp per-point limsup constant (KR-T1-limsup; recomputed here: no sibling imports)."""
    from scipy.special import lambertw

    return float(lambertw((k - 1) / math.e).real)


@EVIDENCE.register(kind="experiment", name="bound-ratio", role="sharper",
                   description="the ratio (min W_sigma - min F0)/(N(K-1)sigma/e) on fixed instances against the "
                               "exact optimum: in [0, e W0((K-1)/e)/(K-1)] (the sharper bound min W_sigma - "
                               "min F0 <= N sigma W0((K-1)/e)), so below 1: the paper's constant is never "
                               "attained; the largest ratio is recorded")
def _bound_ratio(ctx: RunContext) -> EvidenceResult:
    from ..numerics.partitions import kmeans_optimum, minimise_W_sigma

    rng = np.random.default_rng(ctx.profile.seed)
    rows, bad, worst = [], [], 0.0
    n_inst = max(2, round(4 * ctx.profile.scale))
    made = 0
    while made < n_inst:
        K, D = int(rng.integers(2, 4)), int(rng.integers(1, 3))
        N = int(rng.integers(K + 2, 8))
        X = rng.choice(np.arange(-32, 33), size=(N, D), replace=True).astype(float) * 2.0**-3
        if len({tuple(r) for r in X.tolist()}) < N:
            continue
        opt = kmeans_optimum(X, K)
        d_opt = min(_margin(X, C) for C in opt.centroids)
        if d_opt <= 0:
            continue
        made += 1
        f0 = float(opt.value)
        dmax = float(((X[:, None, :] - X[None]) ** 2).sum(-1).max())
        tol = gamma(N * K + 4 * D + 16) * N * dmax
        c = _sharp_constant(K)
        for j in (0, 1, 2):
            sigma = d_opt * 4.0**-j
            val, _, _ = minimise_W_sigma(X, K, sigma, optimum=opt, max_starts=40)
            bound = min_gap_bound(N, K, sigma)
            ratio = (val - f0) / bound
            worst = max(worst, ratio)
            top = math.e * c / (K - 1)
            ok = bool(-tol / bound <= ratio <= top + tol / bound)
            rows.append([f"N={N}, K={K}, D={D}", f"Delta_opt/{4**j}", f"{ratio:.6g}", f"{top:.6g}", ok])
            if not ok:
                bad.append(f"N={N}, K={K}, sigma=Delta_opt/{4**j}: ratio {ratio!r} outside [0, {top!r}]")
    return EvidenceResult(
        status="failed" if bad else "passed", examples=len(rows), counterexample="; ".join(bad) or None,
        summary=(f"largest (min W - min F0)/(N(K-1)sigma/e) = {worst:.4g} < 1 (the bound is a worst-case "
                 "constant, never attained)" if not bad else "; ".join(bad)),
        tables=[Table(["instance", "sigma", "(min W - min F0)/(N(K-1)sigma/e)", "sharper cap e c_K/(K-1)",
                       "within [0, cap]"], rows, "Ratio of the KR-T1-min gap to its bound")],
        data={"max_ratio": worst})
