"""Annealed soft K-means vs scikit-learn KMeans from the same k-means++ initialisations (issue 12).

For every seed: M0 = kmeans_plusplus(X, K, random_state=seed); KMeans(init=M0, n_init=1) and
SoftKMeans(init=M0, sigma=s0, sigma_final=1e-4 s0, n_sigma=20) with s0 = ratio * F0(M0) / N (the mean
squared distance of a point to its nearest initial centroid).  Reported: how often the annealed F0 is
lower / equal / higher (relative 1e-9), whether every annealed result is a Lloyd fixed point that
KMeans started from it does not move, and whether sigma_final met the margin condition of KR-T3.

Run: ``.venv/bin/python tests/cluster/annealing_study.py [iris|wine|digits] [SEEDS] [RATIO] [ALPHA]``
(tests/cluster/test_soft.py runs :func:`study` on three seeds).
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np


def lloyd_check(X: np.ndarray, M: np.ndarray, sigma: float) -> dict[str, float | bool]:
    r"""Is ``M`` a Lloyd fixed point that KMeans leaves alone, and does ``sigma`` meet KR-T3's margin
    condition :math:`\sigma\le\Delta/\ln(2(K-1))` with bound :math:`2\,\mathrm{diam}\,N(K-1)/m\,e^{-\Delta/\sigma}`?"""
    from sklearn.cluster import KMeans

    from kmrbf.numerics import assign, diameter, is_lloyd_fixed_point, margin
    N, K = X.shape[0], M.shape[0]
    delta = float(margin(X, M))
    m = int(np.bincount(np.asarray(assign(X, M)), minlength=K).min())
    bound = 2 * float(diameter(X)) * N * (K - 1) / max(m, 1) * math.exp(-delta / sigma) if delta > 0 else math.inf
    km = KMeans(K, init=M, n_init=1).fit(X)
    return dict(margin=delta, condition=K < 2 or sigma <= delta / math.log(2 * (K - 1)), t3_bound=bound,
                fixed_point=is_lloyd_fixed_point(X, M), kmeans_moved=float(np.max(np.abs(km.cluster_centers_ - M))),
                kmeans_iter=int(km.n_iter_))


def study(name: str = "iris", seeds: int = 20, ratio: float = 1.0, alpha: float = 1.0) -> dict:
    """Run the comparison (module docstring) on a bundled data set, standardised."""
    from sklearn import datasets as skd
    from sklearn.cluster import KMeans, kmeans_plusplus
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from kmrbf.cluster import SoftKMeans
    from kmrbf.numerics import F0
    bunch = {"iris": skd.load_iris, "wine": skd.load_wine, "digits": skd.load_digits}[name]()
    X = StandardScaler().fit_transform(bunch.data)
    N, K = X.shape[0], len(np.unique(bunch.target))
    rows = []
    with threadpool_limits(limits=1):
        for seed in range(seeds):
            M0 = kmeans_plusplus(X, K, random_state=seed)[0]
            km = KMeans(K, init=M0, n_init=1).fit(X)
            s0 = ratio * float(F0(X, M0)) / N
            an = SoftKMeans(K, alpha=alpha, sigma=s0, sigma_final=1e-4 * s0, n_sigma=20, init=M0).fit(X)
            rows.append(dict(seed=seed, annealed=an.inertia_, kmeans=km.inertia_, n_iter=an.n_iter_,
                             **lloyd_check(X, an.cluster_centers_, an.sigma_)))
    a = np.array([r["annealed"] for r in rows])
    k = np.array([r["kmeans"] for r in rows])
    return dict(dataset=name, N=N, K=K, seeds=seeds, ratio=ratio, alpha=alpha, rows=rows,
                lower=int(np.sum(a < k * (1 - 1e-9))), higher=int(np.sum(a > k * (1 + 1e-9))),
                fixed_points=sum(r["fixed_point"] for r in rows),
                kmeans_still=sum(r["kmeans_moved"] == 0.0 or r["kmeans_iter"] == 1 for r in rows),
                condition_met=sum(r["condition"] for r in rows))


def main(argv: list[str]) -> None:
    name = argv[0] if argv else "iris"
    seeds = int(argv[1]) if len(argv) > 1 else 20
    ratio = float(argv[2]) if len(argv) > 2 else 1.0
    alpha = float(argv[3]) if len(argv) > 3 else 1.0
    t = time.perf_counter()
    r = study(name, seeds, ratio, alpha)
    print(f"{r['dataset']} (standardised, N={r['N']}, K={r['K']}), alpha={alpha}, sigma0={ratio} F0(M0)/N, "
          f"sigma_final=1e-4 sigma0, 20 levels, {seeds} k-means++ seeds")
    print(f"  annealed F0 lower than KMeans from the same init: {r['lower']}/{seeds}, equal: "
          f"{seeds - r['lower'] - r['higher']}, higher: {r['higher']}")
    print(f"  annealed result a Lloyd fixed point: {r['fixed_points']}/{seeds}; KMeans started from it does not "
          f"move: {r['kmeans_still']}/{seeds}; margin condition sigma_final <= Delta/ln(2(K-1)) met: "
          f"{r['condition_met']}/{seeds}; largest T3 bound {max(x['t3_bound'] for x in r['rows']):.3g}")
    print(f"  {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
