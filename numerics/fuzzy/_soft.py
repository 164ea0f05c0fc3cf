r"""Soft K-means (VF eq. 1) at fixed and at linearly annealed temperature, the Table 2 baselines.

VF eq. 1's temperature :math:`T` is SPEC's :math:`\sigma`; both estimators call
:func:`kmrbf.numerics.soft_centroids` with ``sigma = T``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..distances import sq_distances
from ..kmeans import soft_centroids
from ._free_energy import _log_normalise
from ._params import _INIT, _POS_INT, _TOL, _Interval, _RandomState, _ValidatedEstimator, _check_X, \
    _initial_centroids

__all__ = ["SoftKMeans", "AnnealedSoftKMeans"]


class SoftKMeans(_ValidatedEstimator):
    r"""Soft K-means (VF eq. 1) at fixed temperature :math:`T` (= SPEC's :math:`\sigma`).

    Iterates :func:`kmrbf.numerics.soft_centroids` with ``sigma = T`` from ``init`` until the
    largest centroid move is below ``tol`` or ``max_iter`` steps; ``labels_`` is the argmax of
    :math:`\operatorname{softmax}(-d/T)`, i.e. the nearest centroid.

    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> SoftKMeans(2, init=np.array([[0.0], [11.0]])).fit(X).cluster_centers_.round(4).tolist()
    [[0.5], [10.5]]
    """

    _parameter_constraints = {
        "n_clusters": [_POS_INT],
        "T": [_Interval(float, 0.0, None, "neither")],
        "max_iter": [_POS_INT],
        "tol": [_TOL],
        "init": _INIT,
        "random_state": [_RandomState()],
    }

    def __init__(self, n_clusters: int = 8, *, T: float = 1.0, max_iter: int = 100, tol: float = 1e-4,
                 init: Any = "k-means", random_state: Any = None) -> None:
        self.n_clusters = n_clusters
        self.T = T
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def _temperatures(self) -> np.ndarray:
        return np.full(self.max_iter, float(self.T))

    def _stop_early(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None) -> SoftKMeans:
        self._validate_params()
        X = _check_X(X, self.n_clusters)
        M = _initial_centroids(X, int(self.n_clusters), self.init, self.random_state)
        temps = self._temperatures()
        n_iter = 0
        for n_iter, T in enumerate(temps, start=1):
            new = np.asarray(soft_centroids(X, M, float(T)))
            shift = float(np.max(np.linalg.norm(new - M, axis=1)))
            M = new
            if self._stop_early() and shift < self.tol:
                break
        self.cluster_centers_ = M
        self.temperature_ = float(temps[n_iter - 1])
        D = np.asarray(sq_distances(X, M))
        self.memberships_ = np.exp(_log_normalise(-D / self.temperature_))
        self.labels_ = np.argmin(D, axis=1)
        self.n_iter_ = n_iter
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X).labels_


class AnnealedSoftKMeans(SoftKMeans):
    r"""Soft K-means with :math:`T` annealed linearly from ``T_start`` to ``T_end`` over ``max_iter`` steps.

    :math:`T_t=T_{start}+(T_{end}-T_{start})\,t/(\mathrm{max\_iter}-1)`; all ``max_iter`` steps
    run (stopping early would end the schedule at a high temperature).

    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> m = AnnealedSoftKMeans(2, init=np.array([[0.0], [11.0]])).fit(X)
    >>> m.cluster_centers_.round(4).tolist(), m.temperature_
    ([[0.5], [10.5]], 0.5)
    """

    _parameter_constraints = {
        "n_clusters": [_POS_INT],
        "T_start": [_Interval(float, 0.0, None, "neither")],
        "T_end": [_Interval(float, 0.0, None, "neither")],
        "max_iter": [_POS_INT],
        "init": _INIT,
        "random_state": [_RandomState()],
    }

    def __init__(self, n_clusters: int = 8, *, T_start: float = 5.0, T_end: float = 0.5,
                 max_iter: int = 100, init: Any = "k-means", random_state: Any = None) -> None:
        self.n_clusters = n_clusters
        self.T_start = T_start
        self.T_end = T_end
        self.max_iter = max_iter
        self.init = init
        self.random_state = random_state

    def _temperatures(self) -> np.ndarray:
        return np.linspace(float(self.T_start), float(self.T_end), self.max_iter)

    def _stop_early(self) -> bool:
        return False
