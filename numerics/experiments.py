r"""The discrepancy experiments of KR §4 (Algorithms 2-4, §4.1-4.3): :math:`E(\sigma)` curves.

For an initialisation :math:`M_0` let :math:`M^{KM}=\mathrm{lloyd}(X,M_0)` (the K-means solution
from that seed) and :math:`M_\sigma` the soft-RBF solution from the same seed at temperature
:math:`\sigma` (:mod:`kmrbf.numerics.training`).  The per-seed deviation is the Hungarian-matched mean
distance (:func:`kmrbf.numerics.centroid_discrepancy`)

.. math::

    e(\sigma; M_0)=\min_{\pi}\frac1K\sum_k\lVert M^{KM}_k-M_{\sigma,\pi(k)}\rVert,\qquad
    E(\sigma)=\frac1S\sum_{s=1}^{S}e(\sigma; M_0^{(s)}) .

The soft-RBF solution :math:`M_\sigma` comes from one of two updates and two read-outs
(:func:`run_discrepancy_study`): the paper's **full-gradient** update (KR §4.1.2, Algorithm 2: the
gradient of :math:`W^{(\alpha)}_\sigma` including the responsibility derivatives, step
:math:`1/(2\sum_ip_{ik})`) read after :math:`T` steps (``"steps"``) and run to convergence
(``"converged"``), and the EM shortcut **soft-Lloyd** (soft centroids iterated to convergence).

*Fixed* protocol (Algorithm 3): one pool :math:`M_0^{(1..S)}` reused at every :math:`\sigma_j`.
*Resampled* protocol (Algorithm 4): a fresh pool for every :math:`\sigma_j`.
Initialisations are Forgy (``K`` distinct data points drawn uniformly).  The grid is log-spaced
(§4.1.1), :math:`\sigma_j=\sigma_{\max}10^{-j/p}`, from :math:`\sigma_{\max}=\lambda_{\max}(\mathrm{Cov}X)`
(half the deterministic-annealing critical temperature :math:`2\lambda_{\max}`, above which all
soft centroids merge) down past the point where every curve has reached zero.

The rate fit of §4.1.1 is :math:`\log E=\beta\log\sigma+c` by least squares over the schedule
(:func:`global_slope`, :func:`global_fit_coefficients`); :func:`local_slopes` gives the slope between
consecutive grid points.  Both use only resolved points, :math:`E_j>f_j` (the point's floor).

Runs to convergence: the measured contraction factor :math:`\hat\rho` of a run (largest ratio of
consecutive centroid shifts over its last three steps) gives an a-posteriori bound
:math:`\varepsilon=\delta_n\hat\rho/(1-\hat\rho)` on its distance to the fixed point
(:func:`stopping_error_bound`).  Runs that did not converge within ``max_iter`` steps, or whose
:math:`\hat\rho\ge1` (contraction not verified), are **excluded** from :math:`E(\sigma)` and counted.

The uncertainty of the slopes (bootstrap over the pools) and the rules built on them live with the
claim (:mod:`kmrbf.claims.kr_s43`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .geometry import centroid_discrepancy, margin
from .kmeans import lloyd
from .training import UPDATES, TrainResult, train

__all__ = [
    "DATASETS",
    "StudyParams",
    "make_dataset",
    "make_spiral",
    "forgy_init",
    "sigma_grid",
    "local_slopes",
    "global_slope",
    "stopping_error_bound",
    "resolved_run",
    "global_fit_coefficients",
    "summarise_curve",
    "run_discrepancy_study",
]

DATASETS = ("blobs", "moons", "spiral", "circles")

#: resolution floor of E for the runs to convergence (relative to max|x|): a run stops when a step
#: moves no centroid by more than training.SOFT_TOL s = 1e-12 s; if the map contracts at rate
#: rho <= RHO_ASSUMED near its fixed point the remaining error is <= 1e-12 s rho/(1-rho) <= 1e-9 s.
#: The assumption is checked per run (measured rho-hat, see :func:`stopping_error_bound`): a point's
#: floor is max(FLOOR s, mean of the runs' measured bounds), and runs with rho-hat > RHO_ASSUMED are
#: counted.  E values at or below the floor are not resolved: treated as 0 (excluded from slope fits).
FLOOR = 1e-9
RHO_ASSUMED = 0.999


def make_spiral(n: int, *, radius: float = 3.0, turns: float = 1.5, noise: float = 0.05,
                seed: int = 0) -> np.ndarray:
    r"""Two interleaved Archimedean spiral arms of outer radius ``radius``, seeded.

    Point :math:`i` of arm :math:`a\in\{0,1\}`: :math:`t\sim U(0.05,1)`,
    :math:`r=\mathrm{radius}\,t`, angle :math:`2\pi\,\mathrm{turns}\,t+a\pi`, plus
    :math:`N(0,\mathrm{noise}^2)` per coordinate.

    Parameters
    ----------
    n : int
        Number of points, ``>= 2``; point ``i`` belongs to arm ``i % 2``.
    radius : float, optional
        Outer radius of the arms (before noise).
    turns : float, optional
        Number of turns of each arm over :math:`t\in[0,1]`.
    noise : float, optional
        Standard deviation of the isotropic Gaussian noise added to each coordinate.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    ndarray of shape (n, 2)
        float64 points.

    Raises
    ------
    ValueError
        If ``n < 2``.

    Examples
    --------
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

    Parameters
    ----------
    name : str
        One of :data:`DATASETS` (``blobs``, ``moons``, ``spiral``, ``circles``).
    n : int
        Number of points.
    seed : int
        ``random_state`` of the scikit-learn generator (``seed`` of
        :func:`make_spiral`).

    Returns
    -------
    ndarray of shape (n, 2)
        float64 C-contiguous points.

    Raises
    ------
    ValueError
        If ``name`` is not in :data:`DATASETS` (or ``n < 2`` for ``"spiral"``).

    Examples
    --------
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
    """``k`` distinct rows of ``X`` drawn uniformly (Forgy initialisation).

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data.
    k : int
        Number of centroids, ``1 <= k <= N``.
    rng : numpy.random.Generator
        Source of randomness (advanced by one ``choice`` call).

    Returns
    -------
    ndarray of shape (k, D)
        A copy of ``k`` distinct rows of ``X`` (distinct indices; rows may coincide
        if ``X`` has duplicates).

    Raises
    ------
    ValueError
        If ``k > N`` (from ``rng.choice``).
    """
    return X[rng.choice(X.shape[0], size=k, replace=False)].copy()


def sigma_grid(sigma_max: float, sigma_min: float, per_decade: int) -> np.ndarray:
    r"""Log-spaced :math:`\sigma_j=\sigma_{\max}10^{-j/p}`, decreasing, down to :math:`\le\sigma_{\min}`.

    Parameters
    ----------
    sigma_max : float
        First (largest) temperature :math:`\sigma_{\max}>0`.
    sigma_min : float
        Target smallest temperature, ``0 < sigma_min <= sigma_max``: the grid stops at
        the first point :math:`\le\sigma_{\min}` (up to a 1e-9 decade tolerance).
    per_decade : int
        Points per decade :math:`p\ge1`.

    Returns
    -------
    ndarray of shape (n,)
        float64 :math:`\sigma_j=\sigma_{\max}10^{-j/p}`, :math:`j=0,\dots,n-1`,
        :math:`n=\lceil p\log_{10}(\sigma_{\max}/\sigma_{\min})\rceil+1`; decreasing.

    Examples
    --------
    >>> sigma_grid(1.0, 0.01, 2).round(4).tolist()
    [1.0, 0.3162, 0.1, 0.0316, 0.01]
    """
    n = int(math.ceil(per_decade * math.log10(sigma_max / sigma_min) - 1e-9)) + 1
    return sigma_max * 10.0 ** (-np.arange(n) / per_decade)


def _floors(floor: float | Sequence[float], n: int) -> list[float]:
    return [float(floor)] * n if np.ndim(floor) == 0 else [float(f) for f in floor]  # type: ignore[arg-type]


def local_slopes(sigmas: Sequence[float], E: Sequence[float | None],
                 floor: float | Sequence[float] = 0.0) -> list[float | None]:
    r"""Slopes :math:`\beta_j=\log(E_j/E_{j+1})/\log(\sigma_j/\sigma_{j+1})` between consecutive points.

    ``None`` where either end is ``None`` or :math:`\le` its ``floor`` (a scalar or one per point:
    E resolved as zero, slope undefined).

    Parameters
    ----------
    sigmas : sequence of float
        Decreasing temperatures :math:`\sigma_j`.
    E : sequence of float or None
        Mean deviation :math:`E_j` at each :math:`\sigma_j` (None: not measured).
    floor : float or sequence of float
        Resolution floor, a scalar or one per point: :math:`E_j\le` floor counts as zero.

    Returns
    -------
    list of float or None
        :math:`\beta_j`, one per consecutive pair.

    Examples
    --------
    >>> s = [1.0, 0.1, 0.01]
    >>> [round(b, 12) for b in local_slopes(s, [x**2 for x in s])]
    [2.0, 2.0]
    >>> local_slopes(s, [1.0, 0.5, 0.0])[1] is None
    True
    """
    f = _floors(floor, len(sigmas))
    out: list[float | None] = []
    for j in range(len(sigmas) - 1):
        a, b = E[j], E[j + 1]
        if a is not None and b is not None and a > f[j] and b > f[j + 1]:
            out.append(math.log(a / b) / math.log(sigmas[j] / sigmas[j + 1]))
        else:
            out.append(None)
    return out


def global_slope(sigmas: Sequence[float], E: Sequence[float | None],
                 floor: float | Sequence[float] = 0.0) -> float | None:
    r"""Least-squares :math:`\beta` of :math:`\log E=\beta\log\sigma+c` over points with :math:`E>` ``floor``.

    Parameters
    ----------
    sigmas : sequence of float
        Decreasing temperatures :math:`\sigma_j`.
    E : sequence of float or None
        Mean deviation :math:`E_j` at each :math:`\sigma_j` (None: not measured).
    floor : float or sequence of float
        Resolution floor, a scalar or one per point: :math:`E_j\le` floor counts as zero.

    Returns
    -------
    float or None
        The fitted :math:`\beta` (None with fewer than two points).

    Examples
    --------
    >>> s = np.logspace(0, -3, 7)
    >>> round(global_slope(s, 5 * s), 12)
    1.0
    """
    f = _floors(floor, len(sigmas))
    pts = [(math.log(s), math.log(e)) for s, e, fl in zip(sigmas, E, f) if e is not None and e > fl]
    if len(pts) < 2:
        return None
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def stopping_error_bound(shifts: Sequence[float]) -> tuple[float, float]:
    r"""Measured contraction :math:`\hat\rho` and the bound :math:`\delta_n\hat\rho/(1-\hat\rho)`.

    :math:`\hat\rho=\max_t\delta_{t+1}/\delta_t` over the (up to three) last shifts; if the map
    contracts at rate :math:`\le\hat\rho` from the last iterate on, the distance of the last
    iterate to the fixed point is at most :math:`\sum_{m\ge1}\hat\rho^m\delta_n`.  An exact fixed
    point (:math:`\delta_n=0`) has bound 0; :math:`\hat\rho\ge1` or fewer than two shifts give
    ``(nan or rho, inf)`` (contraction not verified).

    Parameters
    ----------
    shifts : sequence of float
        The last centroid shifts :math:`\delta_t`, oldest first.

    Returns
    -------
    rho : float
        :math:`\hat\rho` (``nan`` if fewer than two shifts with a positive
        predecessor; 0.0 if the last shift is 0).
    bound : float
        :math:`\delta_n\hat\rho/(1-\hat\rho)`, same units as the shifts; 0.0 for an
        exact fixed point, ``inf`` if :math:`\hat\rho\ge1` or undefined.

    Examples
    --------
    >>> rho, eps = stopping_error_bound([1e-8, 1e-10, 1e-12])
    >>> rho, round(eps / 1e-14, 9)
    (0.01, 1.01010101)
    >>> stopping_error_bound([1e-13, 0.0])
    (0.0, 0.0)
    >>> stopping_error_bound([1e-12])
    (nan, inf)
    """
    if shifts and shifts[-1] == 0.0:
        return 0.0, 0.0
    ratios = [b / a for a, b in zip(shifts, shifts[1:]) if a > 0.0]
    if not ratios:
        return math.nan, math.inf
    rho = max(ratios)
    if rho >= 1.0:
        return rho, math.inf
    return rho, shifts[-1] * rho / (1.0 - rho)


def resolved_run(E: Sequence[float | None], floor: Sequence[float]) -> int:
    """Index ``b`` of the last point of the initial run of resolved points (``E_j > floor_j``);
    ``-1`` if ``E_0`` is not resolved.

    Parameters
    ----------
    E : sequence of float or None
        Mean deviation :math:`E_j` at each point (None: not measured, unresolved).
    floor : sequence of float
        Resolution floor :math:`f_j` of each point (same units as ``E``).

    Returns
    -------
    int
        The largest ``b`` with :math:`E_j>f_j` for every ``j <= b``; ``-1`` if
        :math:`E_0` is not resolved.

    Examples
    --------
    >>> resolved_run([3.0, 2.0, 0.0, 1.0], [0.5] * 4)
    1
    """
    b = -1
    for e, f in zip(E, floor):
        if e is None or not e > f:
            break
        b += 1
    return b


def global_fit_coefficients(sigmas: Sequence[float], idx: Sequence[int]) -> np.ndarray:
    r"""Coefficients :math:`c` with :math:`c^\top\log E=\hat\beta`, the least-squares slope of
    :math:`\log E_j=\beta\log\sigma_j+c` over the points ``idx`` (KR §4.1.1's rate fit).

    With :math:`x_j=\log\sigma_j` and :math:`\bar x` their mean over ``idx``,
    :math:`c_j=(x_j-\bar x)/\sum_{i\in\mathrm{idx}}(x_i-\bar x)^2` for :math:`j\in` ``idx``, 0 elsewhere.

    Parameters
    ----------
    sigmas : sequence of float
        Temperatures :math:`\sigma_j>0`.
    idx : sequence of int
        The points of the fit (at least two distinct temperatures).

    Returns
    -------
    ndarray of shape (len(sigmas),)
        The coefficients :math:`c`.

    Raises
    ------
    ValueError
        If ``idx`` holds fewer than two distinct temperatures.

    Examples
    --------
    >>> s = [1.0, 0.1, 0.01]
    >>> round(float(global_fit_coefficients(s, [0, 1, 2]) @ np.log([2 * x**1.5 for x in s])), 12)
    1.5
    """
    idx = list(idx)
    x = np.log(np.asarray(sigmas, dtype=float)[idx])
    dx = x - x.mean()
    ss = float(dx @ dx)
    if len(idx) < 2 or ss == 0.0:
        raise ValueError(f"a log-log fit needs two distinct temperatures; got idx={idx}")
    c = np.zeros(len(sigmas))
    c[idx] = dx / ss
    return c


def summarise_curve(e: np.ndarray, used: np.ndarray, run_floor: np.ndarray,
                    base_floor: float = 0.0) -> dict[str, list[Any]]:
    r"""Mean :math:`E_j`, standard error and resolution floor of each point of a curve from its runs.

    :math:`E_j` is the mean of the used runs' deviations ``e[j, s]``, ``se_j`` their standard error
    (sample standard deviation over :math:`\sqrt{n_j}`; 0 for one run), and the floor
    :math:`f_j=\max(` ``base_floor`` :math:`,\ \mathrm{mean}_s` ``run_floor[j, s]`` :math:`)` over the used runs:
    each :math:`e_{js}` is within ``run_floor[j, s]`` of its exact value, so :math:`E_j` is within the mean.

    Parameters
    ----------
    e : ndarray of shape (J, S)
        Deviation of run ``s`` at point ``j``.
    used : ndarray of shape (J, S), bool
        Whether run ``(j, s)`` enters :math:`E_j`.
    run_floor : ndarray of shape (J, S)
        Resolution (error bound) of each run's deviation.
    base_floor : float, optional
        A floor below which no point is resolved (default 0).

    Returns
    -------
    dict
        ``"E"`` (J floats, None where no run is used), ``"se"`` (J floats), ``"floor"`` (J floats,
        ``inf`` where no run is used), ``"n_used"`` (J ints).

    Examples
    --------
    >>> c = summarise_curve(np.array([[1.0, 3.0], [0.0, 0.0]]), np.ones((2, 2), bool),
    ...                     np.full((2, 2), 1e-3), 1e-9)
    >>> c["E"], c["se"], c["floor"], c["n_used"]
    ([2.0, 0.0], [1.0, 0.0], [0.001, 0.001], [2, 2])
    """
    e, used, rf = np.asarray(e, float), np.asarray(used, bool), np.asarray(run_floor, float)
    out: dict[str, list[Any]] = {"E": [], "se": [], "floor": [], "n_used": []}
    for j in range(e.shape[0]):
        u, n = e[j, used[j]], int(used[j].sum())
        out["E"].append(float(u.mean()) if n else None)
        out["se"].append(float(u.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0)
        out["floor"].append(max(float(base_floor), float(rf[j, used[j]].mean())) if n else math.inf)
        out["n_used"].append(n)
    return out


@dataclass(frozen=True)
class StudyParams:
    r"""Sizes of the study (``scale`` multiplies n and the number of seeds).

    Parameters
    ----------
    n : int
        Points per dataset (:func:`make_dataset`).
    k : int
        Number of clusters K.
    n_init : int
        Forgy initialisations (seeds) per pool, i.e. per temperature.
    per_decade : int
        Temperatures per decade of the :func:`sigma_grid`.
    max_decades : float
        Largest span of the grid in decades below :math:`\sigma_{\max}` (the
        largest covariance eigenvalue of the data).
    steps : int
        :math:`T`, the training steps of Algorithm 2 (the ``"steps"`` read-out).
    max_iter : int
        Step cap of the runs to convergence (the ``"converged"`` read-out).
    seed : int
        Root seed (``numpy.random.SeedSequence([seed, dataset_index])``).
    datasets : tuple of str
        Names from :data:`DATASETS`.
    alphas : tuple of float
        entmax parameters :math:`\alpha\ge1` of the maps studied (1 softmax).
    updates : tuple of str
        Updates from :data:`kmrbf.numerics.training.UPDATES`.
    """

    n: int = 150
    k: int = 3
    n_init: int = 6
    per_decade: int = 4
    max_decades: float = 8.0
    steps: int = 100
    max_iter: int = 1000
    seed: int = 0
    datasets: tuple[str, ...] = DATASETS
    alphas: tuple[float, ...] = (1.0, 1.5)
    updates: tuple[str, ...] = UPDATES

    @classmethod
    def scaled(cls, scale: float, seed: int, **kw: Any) -> StudyParams:
        """The ci-size study (``scale = 1``) with ``n`` and ``n_init`` multiplied by ``scale``.

        Parameters
        ----------
        scale : float
            Size multiplier (:attr:`kmrbf.profiles.Profile.scale`).
        seed : int
            Root seed.
        **kw
            Other fields of :class:`StudyParams`.

        Returns
        -------
        StudyParams
            ``n = max(30, round(150 scale))``, ``n_init = max(2, round(6 scale))``.
        """
        return cls(n=max(30, round(150 * scale)), n_init=max(2, round(6 * scale)), seed=seed, **kw)


@dataclass
class _Pool:
    inits: list[np.ndarray]
    kmeans: list[np.ndarray] = field(default_factory=list)
    deltas: list[float] = field(default_factory=list)
    lloyd_nonconverged: int = 0


def _pool(X: np.ndarray, k: int, rng: np.random.Generator, n_init: int) -> _Pool:
    p = _Pool([forgy_init(X, k, rng) for _ in range(n_init)])
    for M0 in p.inits:
        res = lloyd(X, M0)
        p.kmeans.append(res.centroids)
        p.deltas.append(float(margin(X, res.centroids)))
        p.lloyd_nonconverged += not res.converged
    return p


#: centroids beyond this magnitude count as diverged (their squared distances would overflow)
DIVERGED = 1e150


def _deviations(MK: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Hungarian-matched deviation of every run (NaN where the run diverged: non-finite or beyond
    :data:`DIVERGED`)."""
    out = np.full(M.shape[0], np.nan)
    for b in range(M.shape[0]):
        if np.isfinite(M[b]).all() and float(np.abs(M[b]).max()) < DIVERGED:
            out[b] = centroid_discrepancy(MK[b], M[b])[0]
    return out


def _converged_curve(e: np.ndarray, res: TrainResult, sl: slice, J: int, S: int,
                     base_floor: float) -> dict[str, Any]:
    rho, eps = np.full(J * S, np.nan), np.zeros(J * S)
    for i, b in enumerate(range(sl.start, sl.stop)):
        sh = [float(x) for x in res.shifts[b] if not math.isnan(x)]
        rho[i], eps[i] = stopping_error_bound(sh)
    conv = res.converged[sl]
    used = conv & np.isfinite(eps) & np.isfinite(e)
    c: dict[str, Any] = summarise_curve(e.reshape(J, S), used.reshape(J, S), eps.reshape(J, S), base_floor)
    cycle = (res.period[sl] >= 2) & ~conv
    c.update({"e": np.where(np.isfinite(e), e, np.nan).reshape(J, S).tolist(), "used": used.reshape(J, S).tolist(),
              "run_floor": eps.reshape(J, S).tolist(), "base_floor": base_floor,
              "nonconverged": int((~conv).sum()), "nonconverged_per_point": (~conv).reshape(J, S).sum(axis=1).tolist(),
              "cycles": int(cycle.sum()), "max_period": int(res.period[sl][cycle].max()) if cycle.any() else 0,
              "not_contracting": int((conv & ~np.isfinite(eps)).sum()),
              "rho_max": float(np.nanmax(rho)) if np.isfinite(rho).any() else None,
              "rho_above_assumed": int((rho > RHO_ASSUMED).sum()),
              "n_iter_max": int(res.n_iter[sl].max())})
    return c


def _steps_curve(e: np.ndarray, e_rev: np.ndarray, rounding: float, J: int, S: int) -> dict[str, Any]:
    used = np.isfinite(e)
    spread = np.where(used & np.isfinite(e_rev), np.abs(e - e_rev), np.inf)
    run_floor = np.maximum(rounding, spread)
    c: dict[str, Any] = summarise_curve(e.reshape(J, S), used.reshape(J, S), run_floor.reshape(J, S))
    c.update({"e": np.where(used, e, np.nan).reshape(J, S).tolist(), "used": used.reshape(J, S).tolist(),
              "run_floor": run_floor.reshape(J, S).tolist(), "base_floor": 0.0, "rounding": rounding,
              "order_spread_max": float(np.max(spread)) if spread.size else 0.0,
              "nonfinite": int((~used).sum())})
    return c


def run_discrepancy_study(params: StudyParams, progress: Callable[[str], None] | None = None,
                          rounding_floor: Callable[[np.ndarray, int], float] | None = None) -> dict[str, Any]:
    r"""Both protocols, both maps (``params.alphas``), both updates, every dataset; returns plain data.

    Per dataset: the grid, the K-means solutions of the pools (their margins, the count of Lloyd runs
    that hit their iteration cap) and one curve per (update, read-out, protocol, :math:`\alpha`), keyed
    ``"{update}/{readout}/{protocol}/{alpha:g}"``:

    * ``"full-gradient/steps/..."`` — Algorithm 2: :math:`T=` ``params.steps`` full-gradient steps
      (:func:`kmrbf.numerics.training.train`); every run is used; the resolution of a run is
      :math:`\max(r,\lvert e-e'\rvert)` with :math:`r=` ``rounding_floor(X, K)`` (the caller's rounding
      bound of a deviation at a one-hot K-means configuration) and :math:`e'` the same run on the rows of
      :math:`X` in reverse order (same mathematics, every sum in another order: the measured effect of
      rounding on the trajectory);
    * ``"{update}/converged/..."`` — the same update run to convergence (``params.max_iter`` steps at most,
      stopping rule of :func:`~kmrbf.numerics.soft_lloyd`); runs that did not stop, or whose measured
      contraction :math:`\hat\rho\ge1`, are excluded and counted; a run's resolution is its stopping
      bound (:func:`stopping_error_bound`), a point's floor at least :data:`FLOOR` :math:`\cdot\max|x|`.

    Parameters
    ----------
    params : StudyParams
        Sizes, seed, datasets, maps and updates of the study.
    progress : callable or None
        Called with a one-line status message per step (None: silent).
    rounding_floor : callable or None
        ``rounding_floor(X, K)``: the rounding resolution :math:`r` of one deviation of the ``steps``
        read-out (None: 0).

    Returns
    -------
    dict
        ``{"params": asdict(params), "datasets": {name: {...}}}``; per dataset ``"sigmas"``,
        ``"scale"``, ``"floor"`` (:data:`FLOOR` :math:`\cdot\max|x|`), ``"deltas"`` (margins of the fixed
        pool's K-means solutions), ``"deltas_resampled"`` (J x S), ``"lloyd_nonconverged"`` and
        ``"curves"``: per key the :func:`summarise_curve` fields, ``"e"`` (J x S, NaN for a diverged
        run), ``"used"``, ``"run_floor"`` (J x S resolutions) and ``"base_floor"``, the counts of excluded
        runs (converged read-outs: ``"nonconverged"``, among them ``"cycles"`` ending on an exact cycle of period up
        to ``"max_period"``, and ``"not_contracting"``;
        ``steps``: ``"nonfinite"``, and ``"order_spread_max"``), ``"local_slopes"`` and ``"global_slope"``
        (over resolved points, :math:`E_j>f_j`), and ``"update"``, ``"readout"``, ``"protocol"``,
        ``"alpha"``.
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
        J, S = len(sig), params.n_init
        resampled = [_pool(X, params.k, rng, params.n_init) for _ in sig]
        pools = {"fixed": [fixed] * J, "resampled": resampled}
        M0 = np.stack([M for p in ("fixed", "resampled") for P in pools[p] for M in P.inits])
        MK = np.stack([M for p in ("fixed", "resampled") for P in pools[p] for M in P.kmeans])
        sg = np.tile(np.repeat(sig, S), 2)
        slices = {"fixed": slice(0, J * S), "resampled": slice(J * S, 2 * J * S)}
        rounding = float(rounding_floor(X, params.k)) if rounding_floor is not None else 0.0
        d: dict[str, Any] = {"sigmas": sig.tolist(), "scale": scale, "floor": FLOOR * scale,
                             "deltas": fixed.deltas, "deltas_resampled": [P.deltas for P in resampled],
                             "rounding": rounding, "curves": {},
                             "lloyd_nonconverged": fixed.lloyd_nonconverged
                             + sum(p.lloyd_nonconverged for p in resampled)}
        for alpha in params.alphas:
            for update in params.updates:
                if progress:
                    progress(f"KR-S43 {name} {update} alpha={alpha:g}")
                full = update == "full-gradient"
                res = train(X, M0, sg, alpha=alpha, update=update, steps=params.steps if full else 0,
                            max_iter=params.max_iter)
                e_conv = _deviations(MK, res.final)
                if full:
                    rev = train(X[::-1], M0, sg, alpha=alpha, update=update, steps=params.steps, max_iter=0)
                    e_steps, e_rev = _deviations(MK, res.at_steps), _deviations(MK, rev.at_steps)
                for protocol, sl in slices.items():
                    curves = {"converged": _converged_curve(e_conv[sl], res, sl, J, S, FLOOR * scale)}
                    if full:
                        curves["steps"] = _steps_curve(e_steps[sl], e_rev[sl], rounding, J, S)
                    for readout, c in curves.items():
                        c.update({"update": update, "readout": readout, "protocol": protocol, "alpha": alpha,
                                  "local_slopes": local_slopes(sig, c["E"], c["floor"]),
                                  "global_slope": global_slope(sig, c["E"], c["floor"])})
                        d["curves"][f"{update}/{readout}/{protocol}/{alpha:g}"] = c
        out["datasets"][name] = d
    return out
