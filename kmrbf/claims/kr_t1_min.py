r"""Evidence for KR-T1-min (KR Thm 1): minimisers of W_sigma approach the K-means optimal set.

KR-T1-min. :math:`\min W_\sigma\ge\min F_0` because :math:`W_\sigma\ge F_0` pointwise, and
:math:`\min W_\sigma\le W_\sigma(M_{\rm opt})\le\min F_0+N(K-1)\sigma/e`; every near-minimiser
:math:`M` of :math:`W_\sigma` therefore has :math:`F_0(M)\le\min F_0+N(K-1)\sigma/e`, which is
why its distance to the optimal set shrinks.  Checked against the exact optimum
(:mod:`kmrbf.numerics.partitions`).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume

from ..evidence import EvidenceList
from ..evidence.roundoff import gamma
from ..evidence.strategies import small_clustering_data

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-T1-min")


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
