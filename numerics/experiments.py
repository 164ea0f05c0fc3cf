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

Every soft-Lloyd run is traced (:func:`traced_soft_lloyd`, the same iterates as
:func:`~kmrbf.numerics.soft_lloyd`): its measured contraction factor :math:`\hat\rho` (largest
ratio of consecutive centroid shifts over the last three steps) gives an a-posteriori bound
:math:`\varepsilon=\delta_n\hat\rho/(1-\hat\rho)` on its distance to the fixed point
(:math:`\delta_n` the last shift).  Runs that did not converge within ``max_iter`` steps, or whose
:math:`\hat\rho\ge1` (contraction not verified), are **excluded** from :math:`E(\sigma)` and counted.

Slope uncertainty (:func:`log_linear_interval`): every slope statistic is a linear combination
:math:`c^\top\log E`.  Resampled protocol (independent pools per :math:`\sigma_j`): delta method,
:math:`\mathrm{Var}\log E_j\approx(se_j/E_j)^2`, Student-t quantile with the smallest number of seeds
minus one as degrees of freedom.  Fixed protocol (one pool): percentile bootstrap over the pool (the
same resampled seeds at every :math:`\sigma`, seeded).  Both intervals are then widened by the
worst-case effect of the resolution floor :math:`f_j` on :math:`\log E_j`,
:math:`\sum_j|c_j|\,(-\log(1-f_j/E_j))`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ._compat import quiet_fp
from .geometry import centroid_discrepancy, margin
from ._kernels import _soft_centroids, _warn_empty
from .kmeans import lloyd
from .validation import check_alpha, check_chunk_size, check_instance, check_sigma

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
    "traced_soft_lloyd",
    "stopping_error_bound",
    "log_linear_interval",
    "chord_coefficients",
    "slope_difference_coefficients",
    "resolved_run",
    "run_curve",
    "run_discrepancy_study",
]

DATASETS = ("blobs", "moons", "spiral", "circles")

#: soft-Lloyd stopping tolerance (relative to max|x|) and the resolution floor of E (same units):
#: soft-Lloyd stops when a step moves no centroid by more than 1e-12 s; if the soft-centroid map
#: contracts at rate rho <= RHO_ASSUMED near its fixed point the remaining error is
#: <= 1e-12 s rho/(1-rho) <= 1e-9 s.  The assumption is checked per run (measured rho-hat, see
#: :func:`stopping_error_bound`): a point's floor is max(FLOOR s, mean of the runs' measured bounds),
#: and runs with rho-hat > RHO_ASSUMED are counted.  E values at or below the floor are not resolved:
#: treated as 0 (excluded from slope fits).
SOFT_TOL = 1e-12
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


def monotone_violations(sigmas: Sequence[float], E: Sequence[float],
                        noise: Sequence[float]) -> list[dict[str, float]]:
    r"""Steps where :math:`E` *increases* as :math:`\sigma` decreases by more than the noise.

    ``noise[j]`` is the allowed increase from :math:`\sigma_j` to :math:`\sigma_{j+1}`.

    Parameters
    ----------
    sigmas : sequence of float
        Decreasing temperatures :math:`\sigma_j`.
    E : sequence of float
        Mean deviation :math:`E_j` at each :math:`\sigma_j` (same length as ``sigmas``).
    noise : sequence of float
        Allowed increase :math:`E_{j+1}-E_j` per step (length ``len(sigmas) - 1``).

    Returns
    -------
    list of dict
        One dict per step with :math:`E_{j+1}-E_j>` ``noise[j]``, keys ``"sigma_j"``,
        ``"sigma_next"``, ``"E_j"``, ``"E_next"``, ``"noise"`` (floats); empty if none.

    Examples
    --------
    >>> monotone_violations([1.0, 0.5, 0.25], [3.0, 2.0, 2.5], [0.1, 0.1])
    [{'sigma_j': 0.5, 'sigma_next': 0.25, 'E_j': 2.0, 'E_next': 2.5, 'noise': 0.1}]
    """
    out = []
    for j in range(len(sigmas) - 1):
        if E[j + 1] - E[j] > noise[j]:
            out.append({"sigma_j": float(sigmas[j]), "sigma_next": float(sigmas[j + 1]),
                        "E_j": float(E[j]), "E_next": float(E[j + 1]), "noise": float(noise[j])})
    return out


def traced_soft_lloyd(X: np.ndarray, M0: np.ndarray, sigma: float, *, alpha: float, max_iter: int,
                      tol: float = SOFT_TOL) -> tuple[np.ndarray, int, bool, list[float]]:
    r""":func:`~kmrbf.numerics.soft_lloyd` (same iterates, same stopping rule) keeping the last
    three centroid shifts :math:`\delta_t=\max_k\lVert\mu_k^{(t)}-\mu_k^{(t-1)}\rVert`.

    Returns ``(centroids, n_iter, converged, shifts)`` (``shifts`` oldest first).

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data points (validated like :func:`~kmrbf.numerics.soft_lloyd`).
    M0 : ndarray of shape (K, D)
        Initial centroids, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    alpha : float
        entmax parameter :math:`1\le\alpha<\infty` (1 softmax, 1.5 entmax-1.5, 2 sparsemax).
    max_iter : int
        Maximum number of soft-centroid steps (not validated; ``< 1`` runs none).
    tol : float, optional
        Relative stopping tolerance: stop when :math:`\delta_t\le\mathrm{tol}\cdot s`,
        :math:`s=\max_{ij}|x_{ij}|` (1 if ``X = 0``); default ``SOFT_TOL = 1e-12``.

    Returns
    -------
    centroids : ndarray of shape (K, D)
        float64 final centroids (namespace of ``X``).
    n_iter : int
        Steps performed.
    converged : bool
        Whether the stopping rule was met within ``max_iter`` steps.
    shifts : list of float
        The last (up to) three shifts :math:`\delta_t` (Euclidean, absolute), oldest first.

    Raises
    ------
    TypeError, ValueError
        What :func:`~kmrbf.numerics.soft_lloyd` raises for ``X``, ``M0``, ``sigma``
        and ``alpha``.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> M, n, ok, sh = traced_soft_lloyd(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5, max_iter=50)
    >>> M.tolist(), ok, sh[-1]
    ([[0.5], [10.5]], True, 0.0)
    """
    X, M, xp = check_instance(X, M0, m_name="M0")
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    chunk = check_chunk_size(None)
    scale = float(xp.max(xp.abs(X))) or 1.0
    shifts: list[float] = []
    converged, n_iter, total_empty = False, 0, 0
    with quiet_fp():
        for n_iter in range(1, max_iter + 1):
            new, n_empty = _soft_centroids(X, M, sigma, alpha, xp, chunk)
            total_empty = max(total_empty, n_empty)
            shifts = (shifts + [float(xp.max(xp.sqrt(xp.sum((new - M) ** 2, axis=1))))])[-3:]
            M = new
            if shifts[-1] <= tol * scale:
                converged = True
                break
    _warn_empty(total_empty, "zero total responsibility in some iteration", int(M.shape[0]))
    return M, n_iter, converged, shifts


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


def chord_coefficients(sigmas: Sequence[float], a: int, b: int) -> np.ndarray:
    r"""Coefficients :math:`c` with :math:`c^\top\log E=\log(E_a/E_b)/\log(\sigma_a/\sigma_b)`, the
    mean of the local slopes :math:`\beta_a..\beta_{b-1}` on a log-spaced grid.

    Parameters
    ----------
    sigmas : sequence of float
        Decreasing temperatures :math:`\sigma_j`.
    a : int
        Index of the first end point (``a != b``).
    b : int
        Index of the second end point.

    Returns
    -------
    ndarray of shape (len(sigmas),)
        :math:`c` with :math:`c_a=1/\ell`, :math:`c_b=-1/\ell`,
        :math:`\ell=\log(\sigma_a/\sigma_b)`, zeros elsewhere.

    Examples
    --------
    >>> chord_coefficients([100.0, 10.0, 1.0], 0, 2).round(12).tolist()
    [0.217147240952, 0.0, -0.217147240952]
    """
    c = np.zeros(len(sigmas))
    ell = math.log(sigmas[a] / sigmas[b])
    c[a], c[b] = 1.0 / ell, -1.0 / ell
    return c


def slope_difference_coefficients(sigmas: Sequence[float], i: int, j: int) -> np.ndarray:
    r"""Coefficients of :math:`\beta_i-\beta_j` (local slopes, :func:`local_slopes`) in :math:`\log E`.

    Parameters
    ----------
    sigmas : sequence of float
        Decreasing temperatures :math:`\sigma_j`.
    i : int
        Index of :math:`\beta_i` (the slope between points ``i`` and ``i + 1``).
    j : int
        Index of :math:`\beta_j`.

    Returns
    -------
    ndarray of shape (len(sigmas),)
        :math:`c` with :math:`c^\top\log E=\beta_i-\beta_j`.

    Examples
    --------
    >>> slope_difference_coefficients([1.0, 0.1, 0.01], 1, 0).round(12).tolist()
    [-0.434294481903, 0.868588963807, -0.434294481903]
    """
    return chord_coefficients(sigmas, i, i + 1) - chord_coefficients(sigmas, j, j + 1)


def log_linear_interval(c: Sequence[float], e: np.ndarray, used: np.ndarray, floor: Sequence[float], *,
                        protocol: str, level: float = 0.95, boot: np.ndarray | None = None
                        ) -> tuple[float, float, float]:
    r"""Estimate and ``level`` interval of :math:`c^\top\log E` from per-seed deviations.

    ``e[j, s]`` deviation of seed ``s`` at :math:`\sigma_j`, ``used[j, s]`` whether it enters
    :math:`E_j` (mean over used seeds).  ``protocol="resampled"``: delta method, half-width
    :math:`t_{(1+\mathrm{level})/2,\nu}\sqrt{\sum_jc_j^2(se_j/E_j)^2}`, :math:`\nu` = fewest used seeds minus 1 over
    the points with :math:`c_j\ne0`.  ``protocol="fixed"``: percentile bootstrap, ``boot`` (B, S) seed
    indices resampled jointly at every :math:`\sigma` (replicates with an undefined statistic widen
    the interval to infinity on both sides in proportion).  Both are widened by
    :math:`\sum_j|c_j|(-\log(1-f_j/E_j))`, the worst case of the resolution floor; a point with
    :math:`c_j\ne0` and :math:`E_j\le f_j` gives an infinite interval.

    Parameters
    ----------
    c : sequence of float
        Coefficients of :math:`c^\top\log E`.
    e : ndarray of shape (J, S)
        Deviation of seed ``s`` at :math:`\sigma_j`.
    used : ndarray of shape (J, S), bool
        Whether run ``(j, s)`` enters the mean :math:`E_j`.
    floor : float or sequence of float
        Resolution floor, a scalar or one per point: :math:`E_j\le` floor counts as zero.
    protocol : {"resampled", "fixed"}
        Delta method (seeds redrawn per point) or percentile bootstrap (one fixed seed pool).
    level : float, optional
        Two-sided confidence level in (0, 1) (default 0.95).
    boot : ndarray of shape (B, S), int, or None
        Bootstrap seed indices (required for ``protocol="fixed"``).

    Returns
    -------
    estimate : float
        :math:`c^\top\log E` (``nan`` if a point with :math:`c_j\ne0` is unresolved).
    low, high : float
        The widened interval; ``(-inf, inf)`` when unresolved or (resampled) with
        fewer than two used seeds.

    Raises
    ------
    ValueError
        If ``protocol`` is not ``"resampled"``, or is ``"fixed"`` without ``boot``
        (only reached when every point with :math:`c_j\ne0` is resolved).

    Examples
    --------
    >>> e = np.array([[2.0, 2.2, 1.8], [0.2, 0.22, 0.18]]); u = np.ones_like(e, bool)
    >>> est, lo, hi = log_linear_interval([1 / math.log(10), -1 / math.log(10)], e, u, [0, 0],
    ...                                   protocol="resampled")
    >>> round(est, 12), lo < 1 < hi
    (1.0, True)
    """
    c = np.asarray(c, dtype=float)
    e, used = np.asarray(e, dtype=float), np.asarray(used, dtype=bool)
    nz = np.flatnonzero(c)
    n = used.sum(axis=1)
    E = np.where(n > 0, (e * used).sum(axis=1) / np.maximum(n, 1), np.nan)
    f = np.asarray(floor, dtype=float)
    if np.any(~(E[nz] > f[nz])):
        return math.nan, -math.inf, math.inf
    logE = np.log(E[nz])
    est = float(c[nz] @ logE)
    widen = float(np.abs(c[nz]) @ -np.log1p(-f[nz] / E[nz]))
    alpha = (1.0 - level) / 2.0
    if protocol == "resampled":
        from scipy.stats import t as student_t
        dof = int(n[nz].min()) - 1
        if dof < 1:
            return est, -math.inf, math.inf
        mu = E[nz, None]
        var = ((e[nz] - mu) ** 2 * used[nz]).sum(axis=1) / (n[nz] - 1) / n[nz]
        half = float(student_t.ppf(1.0 - alpha, dof)) * math.sqrt(float(c[nz] ** 2 @ (var / E[nz] ** 2)))
        return est, est - half - widen, est + half + widen
    if protocol != "fixed" or boot is None:
        raise ValueError(f"protocol={protocol!r} needs 'resampled', or 'fixed' with boot indices")
    eb, ub = e[nz][:, boot], used[nz][:, boot]                      # (J', B, S)
    nb = ub.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lEb = np.log(np.where(nb > 0, (eb * ub).sum(axis=2) / np.maximum(nb, 1), np.nan))
        stat = c[nz] @ lEb                                          # (B,)
    lo = np.quantile(np.where(np.isnan(stat), -np.inf, stat), alpha, method="lower")
    hi = np.quantile(np.where(np.isnan(stat), np.inf, stat), 1.0 - alpha, method="higher")
    return est, float(lo) - widen, float(hi) + widen


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
    max_iter : int
        Maximum soft-Lloyd steps per run.
    seed : int
        Root seed (``numpy.random.SeedSequence([seed, dataset_index])``).
    datasets : tuple of str
        Names from :data:`DATASETS`.
    alphas : tuple of float
        entmax parameters :math:`\alpha\ge1` of the maps studied (1 softmax).
    """

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
    lloyd_nonconverged: int = 0


def _pool(X: np.ndarray, k: int, rng: np.random.Generator, n_init: int) -> _Pool:
    p = _Pool([forgy_init(X, k, rng) for _ in range(n_init)])
    for M0 in p.inits:
        res = lloyd(X, M0)
        p.kmeans.append(res.centroids)
        p.deltas.append(float(margin(X, res.centroids)))
        p.lloyd_nonconverged += not res.converged
    return p


def run_curve(X: np.ndarray, sigmas: Sequence[float], pools: Sequence[_Pool], *, alpha: float,
              max_iter: int) -> dict[str, Any]:
    r"""Per-seed deviations ``e[j][s]`` with pool ``pools[j]`` at ``sigmas[j]``, their convergence,
    measured contraction and stopping-error bound; the mean ``E`` and standard error ``se`` over the
    *used* seeds (converged, contraction verified; ``None`` where no seed is used), the per-point
    floor and the counts of excluded runs.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        float64 data.
    sigmas : sequence of float
        Decreasing temperatures :math:`\sigma_j`.
    pools : sequence of _Pool
        Initialisations and their K-means limits, one pool per temperature.
    alpha : float
        entmax parameter :math:`1\le\alpha<\infty` (1 softmax, 1.5 entmax-1.5, 2 sparsemax).
    max_iter : int
        Maximum soft-Lloyd steps per run.

    Returns
    -------
    dict
        Plain data: ``"e"`` (J x S deviations :math:`E(M_K, M_\sigma)`, Euclidean),
        ``"used"`` (J x S bools), ``"E"`` (J means or None), ``"se"`` (J standard
        errors), ``"floor"`` (J floors :math:`\max(10^{-9}s,\bar\varepsilon_j)`),
        ``"n_used"``, ``"nonconverged"``, ``"nonconverged_per_point"``,
        ``"not_contracting"``, ``"rho_max"``, ``"rho_above_assumed"``, ``"rho"``.
    """
    J, S = len(sigmas), len(pools[0].inits)
    e, rho, eps = np.zeros((J, S)), np.full((J, S), np.nan), np.zeros((J, S))
    conv = np.zeros((J, S), dtype=bool)
    scale = float(np.abs(X).max()) or 1.0
    for j, sigma in enumerate(sigmas):
        P = pools[j]
        for i, (M0, MK) in enumerate(zip(P.inits, P.kmeans)):
            M, _, conv[j, i], shifts = traced_soft_lloyd(X, M0, float(sigma), alpha=alpha, max_iter=max_iter)
            rho[j, i], eps[j, i] = stopping_error_bound(shifts)
            e[j, i] = centroid_discrepancy(MK, M)[0]
    used = conv & np.isfinite(eps)
    n = used.sum(axis=1)
    E: list[float | None] = []
    se: list[float] = []
    floor: list[float] = []
    for j in range(J):
        u = e[j, used[j]]
        E.append(float(u.mean()) if n[j] else None)
        se.append(float(u.std(ddof=1) / math.sqrt(n[j])) if n[j] > 1 else 0.0)
        floor.append(max(FLOOR * scale, float(eps[j, used[j]].mean()) if n[j] else math.inf))
    return {"e": e.tolist(), "used": used.tolist(), "E": E, "se": se, "floor": floor,
            "n_used": n.tolist(), "nonconverged": int((~conv).sum()),
            "nonconverged_per_point": (~conv).sum(axis=1).tolist(),
            "not_contracting": int((conv & ~np.isfinite(eps)).sum()),
            "rho_max": float(np.nanmax(rho)) if np.isfinite(rho).any() else None,
            "rho_above_assumed": int((rho > RHO_ASSUMED).sum()),
            "rho": [[None if math.isnan(r) else float(r) for r in row] for row in rho]}


def run_discrepancy_study(params: StudyParams,
                          progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Both protocols, both maps (``params.alphas``), every dataset; returns plain data.

    Per dataset: the grid, the margins of the fixed pool's Lloyd solutions, the count of Lloyd runs
    that hit their iteration cap, and per ``(protocol, alpha)`` the curve of :func:`run_curve` with
    its local/global slopes (over resolved points: ``E_j > floor_j``).

    Parameters
    ----------
    params : StudyParams
        Sizes, seed, datasets and maps of the study.
    progress : callable or None
        Called with a one-line status message per step (None: silent).

    Returns
    -------
    dict
        ``{"params": asdict(params), "datasets": {name: {...}}}``; per dataset
        ``"sigmas"``, ``"scale"``, ``"floor"``, ``"deltas"`` (margins of the fixed
        pool's Lloyd limits), ``"lloyd_nonconverged"`` and ``"curves"`` keyed
        ``"{protocol}/{alpha:g}"`` (a :func:`run_curve` dict plus ``"local_slopes"``
        and ``"global_slope"``).
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
                             "deltas": fixed.deltas, "curves": {},
                             "lloyd_nonconverged": fixed.lloyd_nonconverged
                             + sum(p.lloyd_nonconverged for p in resampled)}
        for protocol, pools in (("fixed", [fixed] * len(sig)), ("resampled", resampled)):
            for alpha in params.alphas:
                if progress:
                    progress(f"KR-S43 {name} {protocol} alpha={alpha}")
                c = run_curve(X, sig, pools, alpha=alpha, max_iter=params.max_iter)
                c["local_slopes"] = local_slopes(sig, c["E"], c["floor"])
                c["global_slope"] = global_slope(sig, c["E"], c["floor"])
                d["curves"][f"{protocol}/{alpha:g}"] = c
        out["datasets"][name] = d
    return out
