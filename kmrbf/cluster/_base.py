r"""The one base of the :mod:`kmrbf.cluster` estimators: data checks, initialisation, **the** fit
loop (temperature levels, steps, convergence, restarts), the empty-cluster warning, progress lines,
and the methods every estimator shares (``predict``, ``transform``, ``score``, ``fit_predict``,
``fit_transform``, ``set_output``).

An estimator supplies its temperature schedule and one step; :meth:`_SoftClusteringBase._iterate`
runs

.. code-block:: text

    state = start(X, M0)
    for level in levels():                      # sigma (soft K-means) or lambda_e^(t) (VF)
        for _ in range(steps_per_level()):
            state, change = step(X, state, level)
            if converged(change): break         # next level (or stop: VF)

once per restart (``n_init``), and keeps the restart of lowest final objective.

Empty clusters (one policy, that of :mod:`kmrbf.numerics`): a cluster whose total weight is 0 keeps
its centroid; the step counts such clusters and ``fit`` issues **one**
:class:`~kmrbf.numerics.EmptyClusterWarning` at the end (the largest count of one iteration), instead
of one per iteration.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from kmrbf.numerics import EmptyClusterWarning, assign, sq_distances

from ._params import check_centroids, check_finite, check_real_dtype, validate_parameters

__all__: list[str] = []


def is_dask(X: Any) -> bool:
    """Whether ``X`` is a dask array (:func:`kmrbf.cluster.dask.is_dask_array`, imported lazily; it never
    imports dask itself)."""
    from .dask import is_dask_array

    return is_dask_array(X)


class _Stop(Exception):
    """Raised by a step that cannot be taken; the run ends with the previous state."""

    def __init__(self, reason: str, n_empty: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.n_empty = reason, n_empty


class Step(NamedTuple):
    """What one step returns: the new state, its change (the convergence measure), the number of
    clusters it kept because their total weight was 0, and a note for the progress line."""

    state: Any
    change: float
    n_empty: int
    note: str = ""


class Run(NamedTuple):
    """One run of the fit loop."""

    state: Any
    n_iter: int
    converged: bool
    reason: str  # "converged", "max_iter", or the reason of a _Stop
    n_empty: int


class Progress:
    """Progress on ``stderr`` (never ``stdout``, never a result): ``verbose >= 1`` one line per run and
    per temperature level, ``verbose >= 2`` one line per iteration; ``verbose = 0`` writes nothing."""

    def __init__(self, name: str, verbose: int) -> None:
        self.name, self.verbose = name, int(verbose)

    def __call__(self, level: int, text: str) -> None:
        if self.verbose >= level:
            print(f"{self.name}: {text}", file=sys.stderr, flush=True)


_COUNT = re.compile(r"^(\d+) of K=")


def quietly(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, int]:
    """``fn(*args, **kwargs)`` with its :class:`EmptyClusterWarning` turned into a count.

    Returns the result and the number of clusters the kernel kept (read from the kernel's message
    ``"n of K=k clusters ..."``; 0 without a warning).  Other warnings are re-issued unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmptyClusterWarning)
        out = fn(*args, **kwargs)
    n_empty = 0
    for w in caught:
        if issubclass(w.category, EmptyClusterWarning):
            m = _COUNT.match(str(w.message))
            n_empty = max(n_empty, int(m.group(1)) if m else 1)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return out, n_empty


def pairwise_sq(X: np.ndarray, M: np.ndarray, chunk_size: int | None) -> np.ndarray:
    r"""Squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2` (N, K) with
    :func:`kmrbf.numerics.sq_distances`, also for fewer rows than centroids (``N < K``: computed as
    the transpose of the distances of the centroids to the rows)."""
    if X.shape[0] >= M.shape[0]:
        return np.asarray(sq_distances(X, M, chunk_size=chunk_size))
    return np.asarray(sq_distances(M, X, chunk_size=chunk_size)).T


def nearest(X: np.ndarray, M: np.ndarray, chunk_size: int | None) -> np.ndarray:
    """Index of the nearest centroid of every row, ties to the lowest index (int64)."""
    if X.shape[0] >= M.shape[0]:
        return np.asarray(assign(X, M, chunk_size=chunk_size))
    return np.argmin(pairwise_sq(X, M, chunk_size), axis=1)


class _SoftClusteringBase(ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, BaseEstimator):
    """Base of the :mod:`kmrbf.cluster` estimators (module docstring)."""

    _parameter_constraints: dict[str, list[Any]] = {}
    #: what the empty-cluster warning says a kept cluster had
    _empty_what = "zero total responsibility"
    #: whether convergence at a level ends the run (VF) or moves on to the next level (annealing)
    _finish_on_convergence = False

    # ------------------------------------------------------------------ hooks
    def _levels(self) -> Sequence[float]:
        raise NotImplementedError

    def _steps_per_level(self) -> int:
        return int(self.max_iter)

    def _n_runs(self) -> int:
        return 1

    def _check_params(self) -> None:
        """Checks across parameters (after the constraint table)."""

    def _start(self, X: Any, M0: np.ndarray, ctx: Any) -> Any:
        raise NotImplementedError

    def _step(self, X: Any, state: Any, level: float, ctx: Any) -> Step:
        raise NotImplementedError

    def _converged(self, change: float) -> bool:
        return change <= self.tol

    def _context(self, X: Any) -> Any:
        return None

    def _init_data(self, X: Any, ctx: Any) -> np.ndarray:
        """The rows the initialisation sees (all of ``X``; a sample of a dask array)."""
        return X

    def _finish(self, X: Any, run: Run, ctx: Any) -> tuple[dict[str, Any], float]:
        """Fitted attributes of a run (all but ``labels_``) and its selection score (lower wins)."""
        raise NotImplementedError

    def _labels(self, X: Any, run: Run, ctx: Any) -> Any:
        return nearest(X, run.state, self._chunk())

    def _chunk(self) -> int | None:
        return None

    # ------------------------------------------------------------------ checks
    def _validate_params(self) -> None:
        validate_parameters(self)
        self._check_params()

    def _check_data(self, X: Any, *, reset: bool) -> np.ndarray:
        """Data as float64, validated: 2-D, real, finite, ``n_features_in_`` (and feature names) set
        (``reset``) or checked, at least ``n_clusters`` rows when fitting."""
        if isinstance(X, np.ma.MaskedArray):
            raise TypeError("X must not be a masked array: pass X.filled(value) or drop the masked rows")
        X = validate_data(self, X, reset=reset, dtype="numeric", ensure_all_finite=False, accept_sparse=False)
        check_real_dtype(X, "X")
        X = X.astype(np.float64, copy=False)
        check_finite(X, "X")
        if reset and X.shape[0] < int(self.n_clusters):
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}.")
        return X

    def _initial_centroids(self, X: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """``init``: ``"k-means++"`` (scikit-learn ``kmeans_plusplus``), ``"k-means"`` (the centres of
        scikit-learn ``KMeans(n_init=10)``), a callable ``init(X, n_clusters, random_state=rng)``,
        or an array."""
        init, k = self.init, int(self.n_clusters)
        if isinstance(init, str):
            from sklearn.cluster import KMeans, kmeans_plusplus
            if init == "k-means++":
                return kmeans_plusplus(X, k, random_state=rng)[0]
            return KMeans(n_clusters=k, n_init=10, random_state=rng).fit(X).cluster_centers_
        if callable(init):
            return check_centroids(init(X, k, random_state=rng), k, X.shape[1],
                                   "init(X, n_clusters, random_state)")
        return check_centroids(init, k, X.shape[1])

    # ------------------------------------------------------------------ the fit loop
    def _iterate(self, X: Any, M0: np.ndarray, ctx: Any, progress: Progress) -> Run:
        """The one fit loop (module docstring)."""
        state = self._start(X, M0, ctx)
        levels, steps = self._levels(), self._steps_per_level()
        n_iter = n_empty = 0
        converged, reason = False, "max_iter"
        for j, level in enumerate(levels):
            converged, taken = False, 0
            try:
                for _ in range(steps):
                    st = self._step(X, state, level, ctx)
                    state, taken, n_iter = st.state, taken + 1, n_iter + 1
                    n_empty = max(n_empty, st.n_empty)
                    progress(2, f"level {j + 1}/{len(levels)} ({level:.6g}), iteration {n_iter}: "
                                f"change {st.change:.3g}{', ' + st.note if st.note else ''}")
                    if self._converged(st.change):
                        converged = True
                        break
            except _Stop as stop:
                converged, reason, n_empty = False, stop.reason, max(n_empty, stop.n_empty)
                break
            if steps > 1:
                progress(1, f"level {j + 1}/{len(levels)} ({level:.6g}): {taken} iterations, "
                            f"{'converged' if converged else 'not converged'}")
            if converged and self._finish_on_convergence:
                break
        if converged:
            reason = "converged"
        return Run(state, n_iter, converged, reason, n_empty)

    def fit(self, X: Any, y: Any = None) -> Any:
        """Fit the centroids to ``X`` (the loop of :mod:`kmrbf.cluster._base`, ``n_init`` times).

        Parameters
        ----------
        X : array-like of shape (N, D) or dask array
            Real, finite data with ``N >= n_clusters`` (float64 is used; lists, integer and
            numeric object arrays are converted).  :class:`SoftKMeans` and
            :class:`AnnealedSoftKMeans` also fit a row-chunked ``dask.array``, with
            :func:`kmrbf.cluster.dask.dask_soft_stats`: one pass over the data per iteration
            (``update="soft-lloyd"`` only; the initialisation runs on at most
            ``max(100 n_clusters, 10000)`` sampled rows).
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        self
            The fitted estimator.

        Raises
        ------
        InvalidParameterError
            (a ``ValueError`` and a ``TypeError``) If a parameter violates its constraint.
        ValueError
            If ``X`` is not 2-D, is empty, complex, has a NaN or infinite entry (the message
            gives its index), fewer than ``n_clusters`` rows, or entries whose squares overflow
            float64; if an array ``init`` (or what a callable ``init`` returns) has the wrong
            shape or a non-finite entry; for a dask ``X`` with ``update="gradient"``.
        TypeError
            If ``X`` is sparse, masked, or has a bool or non-numeric dtype.
        """
        self._validate_params()
        X, ctx = self._prepare(X)
        return self._fit_runs(X, ctx)

    def _prepare(self, X: Any) -> tuple[Any, Any]:
        """The checked data and the fit's context."""
        X = self._check_data(X, reset=True)
        return X, self._context(X)

    def _fit_runs(self, X: Any, ctx: Any) -> Any:
        progress = Progress(type(self).__name__, getattr(self, "verbose", 0))
        rng = check_random_state(self.random_state)
        best = None
        n_runs = self._n_runs()
        for r in range(n_runs):
            M0 = self._initial_centroids(self._init_data(X, ctx), rng)
            run = self._iterate(X, M0, ctx, progress)
            attrs, score = self._finish(X, run, ctx)
            progress(1, f"run {r + 1}/{n_runs}: {run.n_iter} iterations, {run.reason}, "
                        f"{attrs['objective_name_']} = {attrs['objective_']:.10g}")
            if best is None or score < best[2]:
                best = (run, attrs, score)
        run, attrs, _ = best
        for name, value in attrs.items():
            setattr(self, name, value)
        self.labels_ = self._labels(X, run, ctx)
        if run.n_empty:
            warnings.warn(f"{run.n_empty} of K={self.n_clusters} clusters had {self._empty_what} in some "
                          "iteration; their centroids were kept unchanged", EmptyClusterWarning, stacklevel=3)
        return self

    # ------------------------------------------------------------------ shared methods
    @property
    def _n_features_out(self) -> int:
        return int(self.cluster_centers_.shape[0])

    def _input(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self._check_data(X, reset=False)

    def _dask_input(self, X: Any) -> Any:
        """A dask ``X`` for predict / transform: fitted estimator, the ``n_features_in_`` columns."""
        check_is_fitted(self)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {X.shape}, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input")
        return X

    def predict(self, X: Any) -> np.ndarray:
        r"""Index of the nearest centroid of every row (hard assignment; ties to the lowest index).

        Parameters
        ----------
        X : array-like of shape (N, D)
            New data, with the ``n_features_in_`` features seen in ``fit``.

        Returns
        -------
        ndarray of shape (N,), int64
            :math:`\arg\min_k\lVert x_i-\mu_k\rVert^2` (a lazy dask array for a dask ``X``).
        """
        if is_dask(X):
            from .dask import dask_assign

            return dask_assign(self._dask_input(X), self.cluster_centers_, chunk_size=self._chunk())
        return nearest(self._input(X), self.cluster_centers_, self._chunk())

    def transform(self, X: Any) -> np.ndarray:
        r"""Squared distances to the centroids, :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`.

        Squared, unlike scikit-learn's ``KMeans.transform`` (Euclidean): the quantity every
        functional and temperature of :mod:`kmrbf` is written in.

        Parameters
        ----------
        X : array-like of shape (N, D)
            New data, with the ``n_features_in_`` features seen in ``fit``.

        Returns
        -------
        ndarray of shape (N, n_clusters)
            float64 :math:`d_{ik}\ge0` (a lazy dask array for a dask ``X``).
        """
        if is_dask(X):
            from .dask import dask_sq_distances

            return dask_sq_distances(self._dask_input(X), self.cluster_centers_, chunk_size=self._chunk())
        return pairwise_sq(self._input(X), self.cluster_centers_, self._chunk())

    def _objective_on(self, X: Any) -> float:
        raise NotImplementedError

    def score(self, X: Any, y: Any = None) -> float:
        r"""Minus the fitted objective on ``X`` (higher is better, as scikit-learn's ``score``).

        :class:`SoftKMeans`, :class:`AnnealedSoftKMeans`: :math:`-G_\sigma(M)` when
        ``objective_name_ == "G_sigma"`` (softmax, soft-Lloyd), else
        :math:`-W^{(\alpha)}_\sigma(M)=-\sum_{ik}r_{ik}d_{ik}` (entmax or the gradient update), at
        ``sigma_``.  :class:`VariationalFuzzyKMeans`: :math:`-F_0(M)=-\sum_i\min_kd_{ik}` (as
        ``KMeans.score``; VF's free energy needs the previous memberships, which new data do not
        have).

        Parameters
        ----------
        X : array-like of shape (N, D) or dask array
            New data, with the ``n_features_in_`` features seen in ``fit``.
        y : None
            Ignored.

        Returns
        -------
        float
            Minus the objective on ``X`` at :math:`M` = ``cluster_centers_``.
        """
        return -self._objective_on(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
