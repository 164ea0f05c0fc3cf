r"""Soft and entmax K-means estimators: :class:`SoftKMeans` (KR) and :class:`AnnealedSoftKMeans`
(VF's Table 2 baseline), on the one fit loop of :mod:`kmrbf.cluster._base`.

Notation (SPEC §1): :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`; the temperature :math:`\sigma` divides
**squared** distances; responsibilities :math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k`
(:math:`\alpha=1` softmax, 1.5 entmax-1.5, 2 sparsemax), computed gap first,
:math:`-(d_{ik}-\min_jd_{ij})/\sigma`, so a subnormal :math:`\sigma` gives one-hot rows (uniform over
ties), never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np
from sklearn.utils import check_random_state

from kmrbf.numerics import (
    entmax15,
    entmax_bisect,
    log_sum_exp,
    rbf_gradient_step,
    soft_centroids,
    soft_stats,
    softmax,
    sparsemax,
)

from ._base import Run, Step, _SoftClusteringBase, is_dask, nearest, pairwise_sq, quietly
from ._params import (
    CHUNK_SIZE,
    POS_INT,
    POSITIVE,
    TOL,
    VERBOSE,
    ArrayLike,
    Callable,
    Interval,
    NoneValue,
    Options,
    RandomState,
)

__all__ = ["SoftKMeans", "AnnealedSoftKMeans"]

#: A cluster whose total responsibility :math:`S_k` satisfies :math:`S_k\min(1,\max|x|)<N\,2^{-967}`
#: takes :func:`kmrbf.numerics.soft_centroids`'s underflow-safe path (per-cluster shifted weights) for
#: that step: the threshold of that kernel, below which float64 underflow of the responsibilities
#: could perturb :math:`T_k/S_k` beyond second order.
UNDERFLOW_GUARD = 2.0**-967



def soft_terms(D: np.ndarray, sigma: float, alpha: float) -> tuple[np.ndarray, float | None]:
    r"""Responsibilities :math:`r=\operatorname{entmax}_\alpha(-(d-d_{(1)})/\sigma)` of a distance matrix
    ``D`` (N, K), and :math:`G_\sigma=\sum_i[d_{i(1)}-\sigma\log\sum_ke^{-(d_{ik}-d_{i(1)})/\sigma}]` for
    :math:`\alpha=1` (``None`` otherwise), with the public kernels of :mod:`kmrbf.numerics`."""
    dmin = np.min(D, axis=1, keepdims=True)
    with np.errstate(over="ignore", under="ignore"):
        z = -(D - dmin) / sigma
    if alpha == 1.0:
        R = np.asarray(softmax(z, axis=1))
    elif alpha == 1.5:
        R = np.asarray(entmax15(z, axis=1))
    elif alpha == 2.0:
        R = np.asarray(sparsemax(z, axis=1))
    else:
        R = np.asarray(entmax_bisect(z, alpha, axis=1))
    G = float(np.sum(dmin[:, 0] - sigma * np.asarray(log_sum_exp(z, axis=1)))) if alpha == 1.0 else None
    return R, G


def _keep_empty(S: np.ndarray, T: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, int]:
    """:math:`T_k/S_k`, keeping :math:`\\mu_k` where :math:`S_k=0`; and the number kept."""
    empty = S <= 0.0
    new = np.where(empty[:, None], M, T / np.where(empty, 1.0, S)[:, None])
    return new, int(np.sum(empty))


class _Context(NamedTuple):
    """What a soft fit needs besides ``X``: the statistics function (NumPy or dask), the underflow
    threshold of :data:`UNDERFLOW_GUARD` for this ``X``, and the rows the initialisation sees."""

    stats: Any
    guard: float
    dask: bool
    sample: Any


class _SoftBase(_SoftClusteringBase):
    """Soft-Lloyd / full-gradient steps over a temperature schedule (:meth:`_levels`)."""

    def _options(self) -> tuple[float, str, int | None, float]:
        """``(alpha, update, chunk_size, tol)``."""
        raise NotImplementedError

    def _chunk(self) -> int | None:
        return self._options()[2]

    def _converged(self, change: float) -> bool:
        return change <= self._options()[3]

    def _objective_name(self) -> str:
        alpha, update, _, _ = self._options()
        return "G_sigma" if alpha == 1.0 and update == "soft-lloyd" else "W_sigma"

    def _context(self, X: np.ndarray) -> _Context:
        alpha, _, chunk, _ = self._options()
        s = float(np.max(np.abs(X)))
        return _Context(partial(soft_stats, alpha=alpha, chunk_size=chunk), self._guard(X.shape[0], s), False, None)

    @staticmethod
    def _guard(n: int, s: float) -> float:
        return n * UNDERFLOW_GUARD / (min(1.0, s) if s > 0.0 else 1.0)

    def _init_data(self, X: Any, ctx: _Context) -> np.ndarray:
        return X if ctx.sample is None else ctx.sample

    def _start(self, X: Any, M0: np.ndarray, ctx: _Context) -> np.ndarray:
        return M0

    def _step(self, X: Any, M: np.ndarray, sigma: float, ctx: _Context) -> Step:
        alpha, update, chunk, _ = self._options()
        note = ""
        if update == "gradient":
            new, n_empty = quietly(rbf_gradient_step, X, M, sigma, alpha=alpha, chunk_size=chunk)
        else:
            st = ctx.stats(X, M, sigma)
            S, T = np.asarray(st.S), np.asarray(st.T)
            note = f"{self._objective_name()} = {st.G if st.G is not None else st.W:.10g}"
            if ctx.dask:  # no per-cluster rescaling on the dask path: S_k = 0 keeps mu_k
                new, n_empty = _keep_empty(S, T, M)
            elif not np.any(S < ctx.guard):
                new, n_empty = T / S[:, None], 0
            else:  # a cluster of (nearly) underflowing or zero weight: the kernel's safe path
                new, n_empty = quietly(soft_centroids, X, M, sigma, alpha=alpha, chunk_size=chunk)
        new = np.asarray(new)
        return Step(new, float(np.max(np.linalg.norm(new - M, axis=1))), n_empty, note)

    def _finish(self, X: Any, run: Run, ctx: _Context) -> tuple[dict[str, Any], float]:
        sigma = float(self._levels()[-1])
        st = ctx.stats(X, run.state, sigma)
        name = self._objective_name()
        objective = float(st.G if name == "G_sigma" else st.W)
        return dict(cluster_centers_=run.state, n_iter_=run.n_iter, converged_=run.converged,
                    inertia_=float(st.F0), objective_=objective, objective_name_=name, sigma_=sigma), objective

    def _labels(self, X: Any, run: Run, ctx: _Context) -> Any:
        if ctx.dask:
            from .dask import dask_assign

            return dask_assign(X, run.state, chunk_size=self._chunk())
        return nearest(X, run.state, self._chunk())

    def _prepare(self, X: Any) -> tuple[Any, _Context]:
        if is_dask(X):
            return self._dask_setup(X)
        return super()._prepare(X)

    def _dask_setup(self, X: Any) -> tuple[Any, _Context]:
        """Lay out a dask ``X`` (:func:`kmrbf.cluster.dask.check_dask_data`: lazy checks; NaN / inf are
        reported, with their global index, by the first statistics), draw the rows the initialisation
        sees (at most ``max(100 K, 10000)``, :func:`~kmrbf.cluster.dask.dask_sample_rows`), and the
        context computing the statistics with :func:`~kmrbf.cluster.dask.dask_soft_stats`."""
        from .dask import check_dask_data, dask_sample_rows, dask_soft_stats

        alpha, update, chunk, _ = self._options()
        if update != "soft-lloyd":
            raise ValueError(f"a dask X is fitted with update='soft-lloyd' only; got update={update!r}")
        k = int(self.n_clusters)
        if not any(np.isnan(s) for s in X.shape) and X.ndim == 2 and X.shape[0] < k:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={k}.")
        X = check_dask_data(X, k)
        n, d = (int(s) for s in X.shape)
        self.n_features_in_ = d
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        seed = int(check_random_state(self.random_state).randint(2**32, dtype=np.uint64))
        sample = dask_sample_rows(X, min(n, max(100 * k, 10_000)), random_state=seed)
        stats = partial(dask_soft_stats, alpha=alpha, chunk_size=chunk)
        return X, _Context(stats, 0.0, True, sample)

    def predict_proba(self, X: Any) -> np.ndarray:
        r"""Responsibilities :math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k` at the final
        temperature ``sigma_`` (rows sum to 1; exact zeros for :math:`\alpha>1`).

        Parameters
        ----------
        X : array-like of shape (N, D)
            New data, with the ``n_features_in_`` features seen in ``fit``.

        Returns
        -------
        ndarray of shape (N, n_clusters)
            float64 responsibilities, computed gap first (one-hot at a subnormal ``sigma_``).
        """
        if is_dask(X):
            from .dask import dask_responsibilities

            return dask_responsibilities(self._dask_input(X), self.cluster_centers_, self.sigma_,
                                         alpha=self._options()[0], chunk_size=self._chunk())
        D = pairwise_sq(self._input(X), self.cluster_centers_, self._chunk())
        return soft_terms(D, self.sigma_, self._options()[0])[0]

    def _objective_on(self, X: Any) -> float:
        alpha = self._options()[0]
        if is_dask(X):
            from .dask import dask_soft_stats

            st = dask_soft_stats(self._dask_input(X), self.cluster_centers_, self.sigma_, alpha=alpha,
                                 chunk_size=self._chunk())
            return float(st.G if self.objective_name_ == "G_sigma" else st.W)
        D = pairwise_sq(self._input(X), self.cluster_centers_, self._chunk())
        R, G = soft_terms(D, self.sigma_, alpha)
        return G if self.objective_name_ == "G_sigma" else float(np.sum(R * D))


_SOFT_ATTRIBUTES = r"""
    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Final centroids :math:`M`.
    labels_ : ndarray of shape (N,), int64
        Nearest final centroid of every training point (= ``predict(X)``); a dask array for a
        dask ``X``.
    n_iter_ : int
        Steps taken in all (all levels) by the selected run.
    converged_ : bool
        Whether the last level stopped by the tolerance (not by ``max_iter``).
    inertia_ : float
        :math:`F_0(M)=\sum_i\min_kd_{ik}` (K-means distortion) at the final centroids.
    objective_ : float
        The objective of the update at the final centroids and ``sigma_``:
        :math:`G_\sigma(M)=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}` or
        :math:`W^{(\alpha)}_\sigma(M)=\sum_{ik}r_{ik}d_{ik}`, named by ``objective_name_``.
    objective_name_ : {"G_sigma", "W_sigma"}
        ``"G_sigma"`` for softmax soft-Lloyd (EM on :math:`G_\sigma`, which never increases),
        ``"W_sigma"`` otherwise (the functional of KR Thm 1 that the gradient update descends).
    sigma_ : float
        The final temperature.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` seen in ``fit``, when they are all strings.
"""


class SoftKMeans(_SoftBase):
    r"""Soft / entmax K-means (KR): soft-Lloyd or full-gradient RBF updates, optionally annealed.

    At temperature :math:`\sigma` the responsibilities are
    :math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k`, :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`.
    ``update="soft-lloyd"`` iterates the soft centroid

    .. math:: \mu_k\leftarrow\frac{\sum_ir_{ik}x_i}{\sum_ir_{ik}}

    (for :math:`\alpha=1` EM on :math:`G_\sigma(M)=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}`, which
    never increases); ``update="gradient"`` is KR's full-gradient update (Algorithm 2,
    :func:`kmrbf.numerics.rbf_gradient_step`), one gradient step on
    :math:`W^{(\alpha)}_\sigma(M)=\sum_{ik}r_{ik}d_{ik}` with :math:`\eta_k=1/(2\sum_ir_{ik})`:

    .. math:: \mu_k\leftarrow\mu_k-\frac{\nabla_{\mu_k}W^{(\alpha)}_\sigma(M)}{2\sum_ir_{ik}} .

    With ``sigma_final`` the temperature is annealed geometrically,
    :math:`\sigma_j=\sigma\,(\sigma_{final}/\sigma)^{j/(n_\sigma-1)}`, :math:`j=0,\dots,n_\sigma-1`,
    each level iterated to convergence from the previous level's centroids.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters :math:`K\ge1` (at most the number of samples).
    alpha : float, default=1.0
        entmax parameter :math:`1\le\alpha<\infty`: 1 softmax, 1.5 entmax-1.5 (exact
        sort-based threshold), 2 sparsemax, any other value by bisection.
    sigma : float, default=1.0
        Temperature :math:`0<\sigma<\infty` (of the first level when annealing); divides squared
        distances, so it has the units of :math:`\lVert x\rVert^2` (a Gaussian width :math:`s` is
        :math:`\sigma=2s^2`).
    sigma_final : float or None, default=None
        Final temperature :math:`0<\sigma_{final}<\infty` of a geometric annealing schedule;
        ``None``: no annealing, one level at ``sigma``.
    n_sigma : int, default=10
        Number of temperature levels :math:`n_\sigma\ge2`, both ends included (ignored without
        ``sigma_final``).
    init : {"k-means++"}, callable or array-like of shape (n_clusters, n_features), default="k-means++"
        Initial centroids: scikit-learn's ``kmeans_plusplus`` seeding, ``init(X, n_clusters,
        random_state=rng)``, or the given centroids (then a single run, whatever ``n_init``).
    n_init : int, default=1
        Number of initialisations; the run of lowest final ``objective_`` is kept (the first on
        ties).
    update : {"soft-lloyd", "gradient"}, default="soft-lloyd"
        The centroid update (above).
    max_iter : int, default=300
        Maximum number of steps per temperature level (>= 1).
    tol : float, default=1e-4
        A level stops at the first step whose largest centroid move
        :math:`\max_k\lVert\mu^{new}_k-\mu_k\rVert` is ``<= tol`` (absolute, in the units of
        ``X``, like ``sigma``); finite, ``>= 0`` (0: stop at an exact fixed point).
    chunk_size : int or None, default=None
        Rows per block of the kernels (None: 4096); bounds the working memory to
        ``chunk_size * n_clusters`` floats per block.
    random_state : None, int or numpy.random.RandomState, default=None
        Seed of the initialisation (scikit-learn convention).
    verbose : int, default=0
        0: silent; 1: a progress line per temperature level and per run on ``stderr``; 2: also
        one per iteration.  Results are attributes, never printed.
    {attributes}
    Notes
    -----
    **Empty clusters** keep their centroid (the policy of :mod:`kmrbf.numerics`): a cluster whose
    responsibilities are all exact zeros (entmax, sparsemax) has no soft centroid and stays where
    it is; ``fit`` warns once with :class:`~kmrbf.numerics.EmptyClusterWarning`.  A softmax cluster
    whose responsibilities all underflow is *not* empty: its soft centroid is computed with
    per-cluster shifted weights (:func:`kmrbf.numerics.soft_centroids`).  The gradient update keeps
    a cluster whose float64 total responsibility is 0 (:func:`kmrbf.numerics.rbf_gradient_step`).

    **Zero-temperature limit.**  At a Lloyd fixed point :math:`M^*` with margin
    :math:`\Delta=\min_i(d_{i(2)}-d_{i(1)})>0`, the softmax soft centroids differ from :math:`M^*` by
    at most :math:`2\operatorname{diam}(X)N(K-1)/m\cdot e^{-\Delta/\sigma}` for
    :math:`\sigma\le\Delta/\ln(2(K-1))` (KR-T3; :math:`m` the smallest cell), and the entmax-α ones
    *equal* :math:`M^*` for :math:`\sigma\le(\alpha-1)\Delta` (KR-T4).  So once ``sigma_final`` is
    below that margin condition the annealed result is a Lloyd fixed point: scikit-learn's
    ``KMeans`` started from it does not move (``tests/cluster/test_soft.py`` checks it).

    **Objective of a restart**: ``objective_`` at ``sigma_``; :meth:`score` is its negative on
    new data.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> km = SoftKMeans(2, sigma=4.0, sigma_final=0.01, init=np.array([[0.0], [11.0]])).fit(X)
    >>> km.cluster_centers_.tolist(), km.labels_.tolist(), km.objective_name_
    ([[0.5], [10.5]], [0, 0, 1, 1], 'G_sigma')
    >>> km.inertia_, km.predict([[2.0], [9.0]]).tolist()
    (1.0, [0, 1])
    >>> SoftKMeans(2, alpha=0.5).fit(X)
    Traceback (most recent call last):
    ...
    kmrbf.cluster._params.InvalidParameterError: The 'alpha' parameter of SoftKMeans must be a finite real number in [1.0, inf); got alpha=0.5.
    """

    _parameter_constraints = {
        "n_clusters": [POS_INT],
        "alpha": [Interval(float, 1.0, None, "left")],
        "sigma": [POSITIVE],
        "sigma_final": [NoneValue(), POSITIVE],
        "n_sigma": [Interval(int, 2, None, "left")],
        "init": [Options("k-means++"), Callable(), ArrayLike()],
        "n_init": [POS_INT],
        "update": [Options("soft-lloyd", "gradient")],
        "max_iter": [POS_INT],
        "tol": [TOL],
        "chunk_size": CHUNK_SIZE,
        "random_state": [RandomState()],
        "verbose": VERBOSE,
    }

    def __init__(self, n_clusters: int = 8, *, alpha: float = 1.0, sigma: float = 1.0,
                 sigma_final: float | None = None, n_sigma: int = 10, init: Any = "k-means++", n_init: int = 1,
                 update: str = "soft-lloyd", max_iter: int = 300, tol: float = 1e-4,
                 chunk_size: int | None = None, random_state: Any = None, verbose: int = 0) -> None:
        self.n_clusters = n_clusters
        self.alpha = alpha
        self.sigma = sigma
        self.sigma_final = sigma_final
        self.n_sigma = n_sigma
        self.init = init
        self.n_init = n_init
        self.update = update
        self.max_iter = max_iter
        self.tol = tol
        self.chunk_size = chunk_size
        self.random_state = random_state
        self.verbose = verbose

    def _options(self) -> tuple[float, str, int | None, float]:
        return float(self.alpha), self.update, self.chunk_size, float(self.tol)

    def _levels(self) -> Sequence[float]:
        if self.sigma_final is None:
            return [float(self.sigma)]
        return np.geomspace(float(self.sigma), float(self.sigma_final), int(self.n_sigma)).tolist()

    def _n_runs(self) -> int:
        return 1 if isinstance(self.init, (np.ndarray, list, tuple)) else int(self.n_init)


class AnnealedSoftKMeans(_SoftBase):
    r"""Softmax K-means with :math:`\sigma` annealed **linearly** from ``sigma_start`` to
    ``sigma_end``, one soft-Lloyd step per temperature: VF's "Annealed-Soft-KMeans" baseline
    (Table 2; the author's code).

    :math:`\sigma_t=\sigma_{start}+(\sigma_{end}-\sigma_{start})\,t/(\mathrm{max\_iter}-1)`,
    :math:`t=0,\dots,\mathrm{max\_iter}-1`; all ``max_iter`` steps run (stopping early would end at
    a high temperature).  The same loop as :class:`SoftKMeans` with ``alpha=1``,
    ``update="soft-lloyd"``, one step per level and a linear instead of a geometric schedule.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters :math:`K\ge1` (at most the number of samples).
    sigma_start : float, default=5.0
        Temperature of the first step, :math:`0<\sigma_{start}<\infty`.
    sigma_end : float, default=0.5
        Temperature of the last step, :math:`0<\sigma_{end}<\infty` (need not be smaller).
    max_iter : int, default=100
        Number of steps, all of which run (>= 1; with 1 the only step uses ``sigma_start``).
    init : {"k-means", "k-means++"}, callable or array-like of shape (n_clusters, D), default="k-means"
        Initial centroids: the centres of scikit-learn ``KMeans(n_init=10)`` (VF's warm start),
        ``kmeans_plusplus`` seeding, ``init(X, n_clusters, random_state=rng)``, or the array.
    random_state : None, int or numpy.random.RandomState, default=None
        Seed of the initialisation.
    verbose : int, default=0
        0: silent; 1: a progress line per run on ``stderr``; 2: one per step.
    {attributes}
    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> m = AnnealedSoftKMeans(2, init=np.array([[0.0], [11.0]])).fit(X)
    >>> m.cluster_centers_.round(4).tolist(), m.sigma_, m.n_iter_
    ([[0.5], [10.5]], 0.5, 100)
    """

    _parameter_constraints = {
        "n_clusters": [POS_INT],
        "sigma_start": [POSITIVE],
        "sigma_end": [POSITIVE],
        "max_iter": [POS_INT],
        "init": [Options("k-means", "k-means++"), Callable(), ArrayLike()],
        "random_state": [RandomState()],
        "verbose": VERBOSE,
    }

    def __init__(self, n_clusters: int = 8, *, sigma_start: float = 5.0, sigma_end: float = 0.5,
                 max_iter: int = 100, init: Any = "k-means", random_state: Any = None, verbose: int = 0) -> None:
        self.n_clusters = n_clusters
        self.sigma_start = sigma_start
        self.sigma_end = sigma_end
        self.max_iter = max_iter
        self.init = init
        self.random_state = random_state
        self.verbose = verbose

    def _options(self) -> tuple[float, str, int | None, float]:
        return 1.0, "soft-lloyd", None, 0.0

    def _levels(self) -> Sequence[float]:
        return np.linspace(float(self.sigma_start), float(self.sigma_end), int(self.max_iter)).tolist()

    def _steps_per_level(self) -> int:
        return 1


for _cls in (SoftKMeans, AnnealedSoftKMeans):  # the attributes both document
    _cls.__doc__ = _cls.__doc__.replace("    {attributes}\n", _SOFT_ATTRIBUTES + "\n")
