r"""Soft K-means (VF eq. 1) at fixed and at linearly annealed temperature, the Table 2 baselines.

VF eq. 1's temperature :math:`T` is SPEC's :math:`\sigma` (parameter ``sigma``); both estimators
call :func:`kmrbf.numerics.soft_centroids` at that ``sigma``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..distances import sq_distances
from ..kmeans import soft_centroids
from ._kernels import _gap_log_normalise
from ._params import INIT, POS_INT, TOL, Interval, RandomStateConstraint, ValidatedEstimator, check_X, \
    initial_centroids

__all__ = ["SoftKMeans", "AnnealedSoftKMeans"]


class SoftKMeans(ValidatedEstimator):
    r"""Soft K-means (VF eq. 1) at fixed temperature :math:`\sigma` (VF's :math:`T`).

    Iterates :func:`kmrbf.numerics.soft_centroids` at ``sigma`` from ``init`` until the
    largest centroid move is below ``tol`` or ``max_iter`` steps; ``labels_`` is the argmax of
    :math:`\operatorname{softmax}(-d/\sigma)`, i.e. the nearest centroid.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters :math:`K\ge1` (at most the number of samples).
    sigma : float, default=1.0
        Temperature :math:`0<\sigma<\infty` (VF's :math:`T`); divides squared
        distances, :math:`u_{ik}=\operatorname{softmax}_k(-\lVert x_i-\mu_k\rVert^2/\sigma)`.
    max_iter : int, default=100
        Maximum number of soft-centroid steps (>= 1).
    tol : float, default=1e-4
        Stop after the first step whose largest centroid move
        :math:`\max_k\lVert\mu_k^{new}-\mu_k\rVert` is ``< tol`` (absolute, Euclidean);
        finite, ``>= 0``.
    init : {'k-means', 'k-means++'} or ndarray of shape (n_clusters, D), default='k-means'
        Initial centroids: ``'k-means'`` runs scikit-learn ``KMeans(n_init=10)`` and
        starts from its centres, ``'k-means++'`` uses ``kmeans_plusplus`` seeding, an
        array is used as given (cast to float64).
    random_state : None, int >= 0 or numpy.random.RandomState, default=None
        Seed passed to the scikit-learn initialisation (ignored for an array ``init``).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, D)
        float64 final centroids.
    sigma_ : float
        The temperature of the last step (here ``sigma``).
    memberships_ : ndarray of shape (N, n_clusters)
        :math:`\operatorname{softmax}(-d/\sigma)` at the final centroids; rows sum to one
        (computed gap first, :math:`-(d_{ik}-\min_jd_{ij})/\sigma`: one-hot, uniform over ties,
        when :math:`\sigma` is so small that every gap overflows).
    labels_ : ndarray of shape (N,)
        Index of the nearest final centroid (= argmax of ``memberships_``).
    n_iter_ : int
        Steps performed.

    Notes
    -----
    Parameters are validated in :meth:`fit` (``ValueError`` naming the parameter);
    ``X`` must be 2-D, finite, real, with at least ``n_clusters`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> SoftKMeans(2, init=np.array([[0.0], [11.0]])).fit(X).cluster_centers_.round(4).tolist()
    [[0.5], [10.5]]
    """

    _parameter_constraints = {
        "n_clusters": [POS_INT],
        "sigma": [Interval(float, 0.0, None, "neither")],
        "max_iter": [POS_INT],
        "tol": [TOL],
        "init": INIT,
        "random_state": [RandomStateConstraint()],
    }

    def __init__(self, n_clusters: int = 8, *, sigma: float = 1.0, max_iter: int = 100, tol: float = 1e-4,
                 init: Any = "k-means", random_state: Any = None) -> None:
        self.n_clusters = n_clusters
        self.sigma = sigma
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def _sigmas(self) -> np.ndarray:
        return np.full(self.max_iter, float(self.sigma))

    def _stop_early(self) -> bool:
        return True

    def fit(self, X: Any, y: Any = None) -> SoftKMeans:
        """Fit the centroids to ``X``.

        Parameters
        ----------
        X : array-like of shape (N, D)
            Real, finite data with ``N >= n_clusters``; cast to float64.
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        self
            The fitted estimator.

        Raises
        ------
        ValueError
            If a parameter violates its constraint, or ``X`` is not 2-D, not finite,
            or has fewer than ``n_clusters`` rows.
        TypeError
            If ``X`` has a bool or non-numeric dtype.
        """
        self._validate_params()
        X = check_X(X, self.n_clusters)
        M = initial_centroids(X, int(self.n_clusters), self.init, self.random_state)
        sigmas = self._sigmas()
        n_iter = 0
        for n_iter, sigma in enumerate(sigmas, start=1):
            new = np.asarray(soft_centroids(X, M, float(sigma)))
            shift = float(np.max(np.linalg.norm(new - M, axis=1)))
            M = new
            if self._stop_early() and shift < self.tol:
                break
        self.cluster_centers_ = M
        self.sigma_ = float(sigmas[n_iter - 1])
        D = np.asarray(sq_distances(X, M))
        # gap first: the nearest centroid's logit is exactly 0, so a subnormal sigma gives one-hot rows
        self.memberships_ = np.exp(_gap_log_normalise(-D, self.sigma_))
        self.labels_ = np.argmin(D, axis=1)
        self.n_iter_ = n_iter
        return self

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit to ``X`` and return ``labels_``.

        Parameters
        ----------
        X : array-like of shape (N, D)
            The data (as in :meth:`fit`).
        y : None
            Ignored.

        Returns
        -------
        ndarray of shape (N,)
            Index of the nearest final centroid of every point.
        """
        return self.fit(X).labels_


class AnnealedSoftKMeans(SoftKMeans):
    r"""Soft K-means with :math:`\sigma` annealed linearly from ``sigma_start`` to ``sigma_end`` over ``max_iter`` steps.

    :math:`\sigma_t=\sigma_{start}+(\sigma_{end}-\sigma_{start})\,t/(\mathrm{max\_iter}-1)`; all ``max_iter`` steps
    run (stopping early would end the schedule at a high temperature).

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters :math:`K\ge1` (at most the number of samples).
    sigma_start : float, default=5.0
        Temperature of the first step, :math:`0<\sigma_{start}<\infty`.
    sigma_end : float, default=0.5
        Temperature of the last step, :math:`0<\sigma_{end}<\infty` (need not be
        smaller than ``sigma_start``).
    max_iter : int, default=100
        Number of steps, all of which run (>= 1; with 1 the only step uses
        ``sigma_start``).
    init : {'k-means', 'k-means++'} or ndarray of shape (n_clusters, D), default='k-means'
        Initial centroids: ``'k-means'`` runs scikit-learn ``KMeans(n_init=10)`` and
        starts from its centres, ``'k-means++'`` uses ``kmeans_plusplus`` seeding, an
        array is used as given (cast to float64).
    random_state : None, int >= 0 or numpy.random.RandomState, default=None
        Seed passed to the scikit-learn initialisation (ignored for an array ``init``).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, D)
        float64 final centroids.
    sigma_ : float
        The temperature of the last step (``sigma_end`` when ``max_iter >= 2``).
    memberships_ : ndarray of shape (N, n_clusters)
        :math:`\operatorname{softmax}(-d/\sigma)` with :math:`\sigma=` ``sigma_``, at the final centroids.
    labels_ : ndarray of shape (N,)
        Index of the nearest final centroid.
    n_iter_ : int
        Steps performed (always ``max_iter``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> m = AnnealedSoftKMeans(2, init=np.array([[0.0], [11.0]])).fit(X)
    >>> m.cluster_centers_.round(4).tolist(), m.sigma_
    ([[0.5], [10.5]], 0.5)
    """

    _parameter_constraints = {
        "n_clusters": [POS_INT],
        "sigma_start": [Interval(float, 0.0, None, "neither")],
        "sigma_end": [Interval(float, 0.0, None, "neither")],
        "max_iter": [POS_INT],
        "init": INIT,
        "random_state": [RandomStateConstraint()],
    }

    def __init__(self, n_clusters: int = 8, *, sigma_start: float = 5.0, sigma_end: float = 0.5,
                 max_iter: int = 100, init: Any = "k-means", random_state: Any = None) -> None:
        self.n_clusters = n_clusters
        self.sigma_start = sigma_start
        self.sigma_end = sigma_end
        self.max_iter = max_iter
        self.init = init
        self.random_state = random_state

    def _sigmas(self) -> np.ndarray:
        return np.linspace(float(self.sigma_start), float(self.sigma_end), self.max_iter)

    def _stop_early(self) -> bool:
        return False
