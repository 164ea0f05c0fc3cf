r"""The discrepancy experiments of KR §4 (Algorithms 3-4, §4.1-4.3): :math:`E(\sigma)` curves.

For an initialisation :math:`M_0` let :math:`M^{KM}=\mathrm{lloyd}(X,M_0)` (the K-means solution
from that seed) and :math:`M_\sigma=\mathrm{soft\_lloyd}(X,M_0,\sigma,\alpha)` (the soft-RBF
solution from the same seed).  The per-seed deviation is the Hungarian-matched mean distance
(:func:`kmrbf.numerics.centroid_discrepancy`)

.. math::

    e(\sigma; M_0)=\min_{\pi}\frac1K\sum_k\lVert M^{KM}_k-M_{\sigma,\pi(k)}\rVert,\qquad
    E(\sigma)=\frac1S\sum_{s=1}^{S}e(\sigma; M_0^{(s)}) .

*Fixed* protocol (Algorithm 3): one pool :math:`M_0^{(1..S)}` reused at every :math:`\sigma_j`.
*Resampled* protocol (Algorithm 4): a fresh pool for every :math:`\sigma_j`.
Initialisations are Forgy (``K`` distinct data points drawn uniformly).  The grid is log-spaced
(§4.1.1), :math:`\sigma_j=\sigma_{\max}10^{-j/p}`, from :math:`\sigma_{\max}=\lambda_{\max}(\mathrm{Cov}X)`
(half the deterministic-annealing critical temperature :math:`2\lambda_{\max}`, above which all
soft centroids merge) down past the point where every curve has reached zero.

The rate fit of §4.1.1 is :math:`\log E=\beta\log\sigma+c`; :func:`local_slopes` gives the slope
between consecutive grid points, :func:`global_slope` the least-squares fit over all points with
:math:`E` above the resolution floor.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .geometry import centroid_discrepancy, margin
from .kmeans import lloyd, soft_lloyd

__all__ = [
    "DATASETS",
    "StudyParams",
    "make_dataset",
    "make_spiral",
    "forgy_init",
    "sigma_grid",
    "local_slopes",
    "global_slope",
    "monotone_violations",
    "run_curve",
    "run_discrepancy_study",
]

DATASETS = ("blobs", "moons", "spiral", "circles")

#: soft-Lloyd stopping tolerance (relative to max|x|) and the resolution floor of E (same units):
#: soft-Lloyd stops when a step moves no centroid by more than 1e-12 s; if the soft-centroid map
#: contracts at rate rho <= 0.999 near its fixed point the remaining error is <= 1e-12 s rho/(1-rho)
#: <= 1e-9 s.  E values below FLOOR * s are therefore not resolved: treated as 0 (excluded from slope
#: fits) and two E values closer than FLOOR * s count as equal.
SOFT_TOL = 1e-12
FLOOR = 1e-9


def make_spiral(n: int, *, radius: float = 3.0, turns: float = 1.5, noise: float = 0.05,
                seed: int = 0) -> np.ndarray:
    r"""Two interleaved Archimedean spiral arms of outer radius ``radius``, seeded.

    Point :math:`i` of arm :math:`a\in\{0,1\}`: :math:`t\sim U(0.05,1)`,
    :math:`r=\mathrm{radius}\,t`, angle :math:`2\pi\,\mathrm{turns}\,t+a\pi`, plus
    :math:`N(0,\mathrm{noise}^2)` per coordinate.

    >>> make_spiral(10, seed=1).shape
    (10, 2)
    >>> bool(np.all(make_spiral(6, seed=3) == make_spiral(6, seed=3)))
    True
    """
    if n < 2:
        raise ValueError(f"n must be >= 2; got {n}")
    rng = np.random.default_rng(seed)
    arm = np.arange(n) % 2
    t = rng.uniform(0.05, 1.0, size=n)
    ang = 2.0 * math.pi * turns * t + math.pi * arm
    X = np.stack([radius * t * np.cos(ang), radius * t * np.sin(ang)], axis=1)
    return X + noise * rng.standard_normal((n, 2))


def make_dataset(name: str, n: int, *, seed: int) -> np.ndarray:
    """The §4.2 geometries (seeded): blobs (3 centres), moons (noise 0.05), spiral (radius 3),
    circles (factor 0.5, noise 0.05); float64 array (n, 2).

    >>> make_dataset("moons", 8, seed=0).shape
    (8, 2)
    """
    from sklearn import datasets as ds
    if name == "blobs":
        X = ds.make_blobs(n_samples=n, centers=3, random_state=seed)[0]
    elif name == "moons":
        X = ds.make_moons(n_samples=n, noise=0.05, random_state=seed)[0]
    elif name == "circles":
        X = ds.make_circles(n_samples=n, factor=0.5, noise=0.05, random_state=seed)[0]
    elif name == "spiral":
        X = make_spiral(n, radius=3.0, seed=seed)
    else:
        raise ValueError(f"dataset={name!r} is not one of {DATASETS}")
    return np.ascontiguousarray(X, dtype=np.float64)


def forgy_init(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct rows of ``X`` drawn uniformly (Forgy initialisation)."""
    return X[rng.choice(X.shape[0], size=k, replace=False)].copy()


def sigma_grid(sigma_max: float, sigma_min: float, per_decade: int) -> np.ndarray:
    r"""Log-spaced :math:`\sigma_j=\sigma_{\max}10^{-j/p}`, decreasing, down to :math:`\le\sigma_{\min}`.

    >>> sigma_grid(1.0, 0.01, 2).round(4).tolist()
    [1.0, 0.3162, 0.1, 0.0316, 0.01]
    """
    n = int(math.ceil(per_decade * math.log10(sigma_max / sigma_min) - 1e-9)) + 1
    return sigma_max * 10.0 ** (-np.arange(n) / per_decade)


def local_slopes(sigmas: Sequence[float], E: Sequence[float], floor: float = 0.0) -> list[float | None]:
    r"""Slopes :math:`\beta_j=\log(E_j/E_{j+1})/\log(\sigma_j/\sigma_{j+1})` between consecutive points.

    ``None`` where either end is :math:`\le` ``floor`` (E resolved as zero: slope undefined).

    >>> s = [1.0, 0.1, 0.01]
    >>> [round(b, 12) for b in local_slopes(s, [x**2 for x in s])]
    [2.0, 2.0]
    >>> local_slopes(s, [1.0, 0.5, 0.0])[1] is None
    True
    """
    out: list[float | None] = []
    for j in range(len(sigmas) - 1):
        a, b = E[j], E[j + 1]
        if a > floor and b > floor:
            out.append(math.log(a / b) / math.log(sigmas[j] / sigmas[j + 1]))
        else:
            out.append(None)
    return out


def global_slope(sigmas: Sequence[float], E: Sequence[float], floor: float = 0.0) -> float | None:
    r"""Least-squares :math:`\beta` of :math:`\log E=\beta\log\sigma+c` over points with :math:`E>` ``floor``.

    >>> s = np.logspace(0, -3, 7)
    >>> round(global_slope(s, 5 * s), 12)
    1.0
    """
    pts = [(math.log(s), math.log(e)) for s, e in zip(sigmas, E) if e > floor]
    if len(pts) < 2:
        return None
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def monotone_violations(sigmas: Sequence[float], E: Sequence[float],
                        noise: Sequence[float]) -> list[dict[str, float]]:
    r"""Steps where :math:`E` *increases* as :math:`\sigma` decreases by more than the noise.

    ``noise[j]`` is the allowed increase from :math:`\sigma_j` to :math:`\sigma_{j+1}`.

    >>> monotone_violations([1.0, 0.5, 0.25], [3.0, 2.0, 2.5], [0.1, 0.1])
    [{'sigma_j': 0.5, 'sigma_next': 0.25, 'E_j': 2.0, 'E_next': 2.5, 'noise': 0.1}]
    """
    out = []
    for j in range(len(sigmas) - 1):
        if E[j + 1] - E[j] > noise[j]:
            out.append({"sigma_j": float(sigmas[j]), "sigma_next": float(sigmas[j + 1]),
                        "E_j": float(E[j]), "E_next": float(E[j + 1]), "noise": float(noise[j])})
    return out


@dataclass(frozen=True)
class StudyParams:
    """Sizes of the study (``scale`` multiplies n and the number of seeds)."""

    n: int = 150
    k: int = 3
    n_init: int = 6
    per_decade: int = 4
    max_decades: float = 8.0
    max_iter: int = 1000
    seed: int = 0
    datasets: tuple[str, ...] = DATASETS
    alphas: tuple[float, ...] = (1.0, 1.5)

    @classmethod
    def scaled(cls, scale: float, seed: int, **kw: Any) -> StudyParams:
        return cls(n=max(30, round(150 * scale)), n_init=max(2, round(6 * scale)), seed=seed, **kw)


@dataclass
class _Pool:
    inits: list[np.ndarray]
    kmeans: list[np.ndarray] = field(default_factory=list)
    deltas: list[float] = field(default_factory=list)


def _pool(X: np.ndarray, k: int, rng: np.random.Generator, n_init: int) -> _Pool:
    p = _Pool([forgy_init(X, k, rng) for _ in range(n_init)])
    for M0 in p.inits:
        M = lloyd(X, M0).centroids
        p.kmeans.append(M)
        p.deltas.append(float(margin(X, M)))
    return p


def run_curve(X: np.ndarray, sigmas: Sequence[float], pools: Sequence[_Pool], *, alpha: float,
              max_iter: int) -> dict[str, Any]:
    """Per-seed deviations ``e[j][s]`` with pool ``pools[j]`` at ``sigmas[j]``; mean and standard error."""
    e = np.zeros((len(sigmas), len(pools[0].inits)))
    nonconv = 0
    for j, s in enumerate(sigmas):
        P = pools[j]
        for i, (M0, MK) in enumerate(zip(P.inits, P.kmeans)):
            res = soft_lloyd(X, M0, float(s), alpha=alpha, max_iter=max_iter, tol=SOFT_TOL)
            nonconv += not res.converged
            e[j, i] = centroid_discrepancy(MK, res.centroids)[0]
    S = e.shape[1]
    se = e.std(axis=1, ddof=1) / math.sqrt(S) if S > 1 else np.zeros(len(sigmas))
    return {"e": e.tolist(), "E": e.mean(axis=1).tolist(), "se": se.tolist(), "nonconverged": nonconv}


def run_discrepancy_study(params: StudyParams,
                          progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Both protocols, both maps (``params.alphas``), every dataset; returns plain data.

    Per dataset: the grid, the margins of the fixed pool's Lloyd solutions, and per
    ``(protocol, alpha)`` the curve of :func:`run_curve` with its local/global slopes.
    """
    out: dict[str, Any] = {"params": asdict(params), "datasets": {}}
    for di, name in enumerate(params.datasets):
        ss = np.random.SeedSequence([params.seed, di])
        data_seed, pool_seed = ss.spawn(2)
        X = make_dataset(name, params.n, seed=int(data_seed.generate_state(1)[0] % 2**31))
        scale = float(np.abs(X).max())
        rng = np.random.default_rng(pool_seed)
        fixed = _pool(X, params.k, rng, params.n_init)
        smax = float(np.linalg.eigvalsh(np.cov(X.T)).max())
        # smallest sigma: softmax deviations are ~ exp(-Delta/sigma) (KR-T3): 1e-16 relative at
        # Delta/sigma ~ 37, so Delta/100 reaches the float64 floor for every seed of the fixed pool
        dpos = [d for d in fixed.deltas if d > 0]
        smin = max(min(dpos) / 100.0 if dpos else smax * 1e-6, smax * 10.0 ** -params.max_decades)
        sig = sigma_grid(smax, smin, params.per_decade)
        resampled = [_pool(X, params.k, rng, params.n_init) for _ in sig]
        d: dict[str, Any] = {"sigmas": sig.tolist(), "scale": scale, "floor": FLOOR * scale,
                             "deltas": fixed.deltas, "curves": {}}
        for protocol, pools in (("fixed", [fixed] * len(sig)), ("resampled", resampled)):
            for alpha in params.alphas:
                if progress:
                    progress(f"KR-S43 {name} {protocol} alpha={alpha}")
                c = run_curve(X, sig, pools, alpha=alpha, max_iter=params.max_iter)
                c["local_slopes"] = local_slopes(sig, c["E"], FLOOR * scale)
                c["global_slope"] = global_slope(sig, c["E"], FLOOR * scale)
                d["curves"][f"{protocol}/{alpha:g}"] = c
        out["datasets"][name] = d
    return out
