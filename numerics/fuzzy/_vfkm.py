r"""The :class:`VariationalFuzzyKMeans` estimator (iteration and annealing in :mod:`kmrbf.numerics.fuzzy`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..distances import sq_distances
from ._free_energy import consistent_log_update, lambda_e_schedule, published_log_update
from ._kernels import _consistent_log, _free_energy_log
from ._params import INIT, POS_INT, TOL, Interval, Options, RandomStateConstraint, ValidatedEstimator, \
    check_X, initial_centroids

__all__ = ["VariationalFuzzyKMeans"]


def _weighted_centroids(X: np.ndarray, log_u: np.ndarray) -> np.ndarray:
    """Eq. 4 from log-memberships; each column is shifted by its max (scale-invariant, no 0/0)."""
    W = np.exp(log_u - np.max(log_u, axis=0, keepdims=True))
    return (W.T @ X) / np.sum(W, axis=0)[:, None]


class VariationalFuzzyKMeans(ValidatedEstimator):
    r"""Variational Fuzzy K-Means (VF, arXiv-style preprint 2025), published or consistent update.

    Parameters
    ----------
    n_clusters : int, default=8
        Number of clusters :math:`K\ge1` (at most the number of samples).
    lambda_e : float, default=5.0
        Initial entropy weight :math:`\lambda_e\ge0` (VF's ``lambda_entropy``), annealed
        as :math:`\lambda_e^{(t)}=\lambda_e e^{-\gamma t}`.
    lambda_kl : float, default=0.5
        KL anchoring weight :math:`\lambda_{kl}\ge0`.
    gamma : float, default=0.02
        Annealing rate :math:`\gamma\ge0` per iteration (VF Table 1: 0.02; 0 disables
        annealing).
    update : {"published", "consistent"}, default="published"
        VF eq. 10 (temperature :math:`\lambda_e^{(t)}-\lambda_{kl}`, must not be 0 at
        the start), or the proximal update (temperature
        :math:`\lambda_e^{(t)}+\lambda_{kl}>0`); see :mod:`kmrbf.numerics.fuzzy`.
    max_iter : int, default=100
        Maximum number of iterations (>= 1).
    tol : float, default=1e-4
        Stop when :math:`\lVert u^{(t+1)}-u^{(t)}\rVert_F<\mathrm{tol}` (Frobenius norm of
        the change of the membership matrix, as the author's code); finite, ``>= 0``.
    init : {"k-means", "k-means++"} or ndarray of shape (n_clusters, D), default="k-means"
        Initial centroids: scikit-learn ``KMeans(n_init=10)`` warm start (as the author's
        code), ``kmeans_plusplus`` seeding, or the given array.
    random_state : None, int >= 0 or numpy.random.RandomState, default=None
        Seed passed to the scikit-learn initialisation (ignored for an array ``init``).

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, D)
        Final centroids :math:`M` (those of the last accepted iteration).
    log_memberships_ : ndarray of shape (N, n_clusters)
        Final log-memberships :math:`\log u_{ik}`.
    memberships_ : ndarray of shape (N, n_clusters)
        ``exp(log_memberships_)``; rows on the simplex.
    log_u_init_ : ndarray of shape (N, n_clusters)
        :math:`\log u^{(0)}`: the update from the initial centroids with
        :math:`u^{prev}` uniform and :math:`\lambda_e^{(0)}`.
    labels_ : ndarray of shape (N,)
        ``argmax`` of the memberships.
    n_iter_ : int
        Iterations completed (``len(free_energy_)``; may be 0).
    free_energy_ : ndarray of shape (n_iter_,)
        :math:`\mathcal L_t` of eq. 6 (published) or :math:`\mathcal J_t`
        (:func:`consistent_objective`, consistent), each with :math:`\lambda_e^{(t)}`
        and :math:`u^{prev}=u^{(t)}`.
    lambda_e_ : ndarray of shape (n_iter_,)
        The annealed :math:`\lambda_e^{(t)}` used at each completed iteration.
    stop_reason_ : str
        ``"converged"``, ``"max_iter"``, ``"undefined"`` (published update reached
        :math:`\lambda_e^{(t)}=\lambda_{kl}` exactly) or ``"overflow"`` (a log-membership
        was not finite); on the last two the state of the previous iteration is kept.

    Notes
    -----
    **Consistent update cannot increase** :math:`\mathcal J`: with
    :math:`\lambda^{(t+1)}\le\lambda^{(t)}`,

    .. math::

        \mathcal J_{t+1}=\mathcal J(u^{(t+2)},M^{(t+2)};u^{(t+1)};\lambda^{(t+1)})
        \le\mathcal J(u^{(t+1)},M^{(t+2)};u^{(t+1)};\lambda^{(t+1)})
        \le\mathcal J(u^{(t+1)},M^{(t+1)};u^{(t+1)};\lambda^{(t)})
        \le\mathcal J_t ,

    (exact minimisation in :math:`u`; eq. 4 minimises :math:`\sum ud` in :math:`M` and the
    entropy term :math:`\lambda\,\mathrm{KL}(u\Vert\text{unif})\ge0` shrinks with :math:`\lambda`;
    dropping :math:`\lambda_{kl}\mathrm{KL}(u^{(t+1)}\Vert u^{(t)})\ge0`).
    The published update is the stationary point of eq. 8 whose Hessian on the simplex is
    :math:`\operatorname{diag}((\lambda_{kl}-\lambda_e)/u)`, negative definite for
    :math:`\lambda_e>\lambda_{kl}`: it *maximises* :math:`\mathcal L` in :math:`u`, so no such
    argument applies to it.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> m = VariationalFuzzyKMeans(2, init=np.array([[0.0, 0.5], [10.0, 0.5]])).fit(X)
    >>> m.labels_.tolist(), m.cluster_centers_.round(6).tolist()
    ([0, 0, 1, 1], [[0.0, 0.5], [10.0, 0.5]])
    >>> VariationalFuzzyKMeans(2, lambda_kl=-1.0).fit(X)
    Traceback (most recent call last):
    ...
    ValueError: The 'lambda_kl' parameter of VariationalFuzzyKMeans must be a finite real number in [0.0, inf); got lambda_kl=-1.0.
    """

    _parameter_constraints = {
        "n_clusters": [POS_INT],
        "lambda_e": [Interval(float, 0.0, None, "left")],
        "lambda_kl": [Interval(float, 0.0, None, "left")],
        "gamma": [Interval(float, 0.0, None, "left")],
        "update": [Options("published", "consistent")],
        "max_iter": [POS_INT],
        "tol": [TOL],
        "init": INIT,
        "random_state": [RandomStateConstraint()],
    }

    def __init__(self, n_clusters: int = 8, *, lambda_e: float = 5.0, lambda_kl: float = 0.5,
                 gamma: float = 0.02, update: str = "published", max_iter: int = 100,
                 tol: float = 1e-4, init: Any = "k-means", random_state: Any = None) -> None:
        self.n_clusters = n_clusters
        self.lambda_e = lambda_e
        self.lambda_kl = lambda_kl
        self.gamma = gamma
        self.update = update
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def _step(self, D: np.ndarray, log_u_prev: np.ndarray, lam: float) -> np.ndarray:
        if self.update == "published":
            return published_log_update(D, log_u_prev, lam, self.lambda_kl)
        return consistent_log_update(D, log_u_prev, lam, self.lambda_kl)

    def _objective(self, D: np.ndarray, log_u: np.ndarray, log_u_prev: np.ndarray, lam: float) -> float:
        if self.update == "published":
            return _free_energy_log(D, log_u, log_u_prev, lam, float(self.lambda_kl))
        return _consistent_log(D, log_u, log_u_prev, lam, float(self.lambda_kl))

    def fit(self, X: Any, y: Any = None) -> VariationalFuzzyKMeans:
        """Run the iteration of :mod:`kmrbf.numerics.fuzzy` on ``X``.

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
            If a parameter violates its constraint; if ``update='consistent'`` and
            ``lambda_e + lambda_kl == 0``; if ``update='published'`` and
            ``lambda_e == lambda_kl``; or if ``X`` is not 2-D, not finite, or has
            fewer than ``n_clusters`` rows.
        TypeError
            If ``X`` has a bool or non-numeric dtype.
        """
        self._validate_params()
        if self.update == "consistent" and self.lambda_e + self.lambda_kl == 0.0:
            raise ValueError("update='consistent' needs lambda_e + lambda_kl > 0; got "
                             f"lambda_e={self.lambda_e!r}, lambda_kl={self.lambda_kl!r}.")
        if self.update == "published" and self.lambda_e == self.lambda_kl:
            raise ValueError("update='published' (eq. 10) is undefined for lambda_e == lambda_kl; got "
                             f"lambda_e={self.lambda_e!r}, lambda_kl={self.lambda_kl!r}.")
        X = check_X(X, self.n_clusters)
        K = int(self.n_clusters)
        M = initial_centroids(X, K, self.init, self.random_state)
        D = np.asarray(sq_distances(X, M))
        log_uniform = np.full(D.shape, -math.log(K))
        log_u = self._step(D, log_uniform, float(self.lambda_e))
        self.log_u_init_ = log_u
        trace, lams, reason, t = [], [], "max_iter", 0
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(self.max_iter):
                lam = lambda_e_schedule(self.lambda_e, self.gamma, t)
                if self.update == "published" and lam == self.lambda_kl:
                    reason = "undefined"
                    break
                M_new = _weighted_centroids(X, log_u)
                D_new = np.asarray(sq_distances(X, M_new))
                log_u_new = self._step(D_new, log_u, lam)
                if not np.all(np.isfinite(log_u_new)):
                    reason = "overflow"
                    break
                M, D = M_new, D_new
                trace.append(self._objective(D, log_u_new, log_u, lam))
                lams.append(lam)
                change = float(np.linalg.norm(np.exp(log_u_new) - np.exp(log_u)))
                log_u = log_u_new
                if change < self.tol:
                    reason = "converged"
                    break
        self.cluster_centers_ = M
        self.log_memberships_ = log_u
        self.memberships_ = np.exp(log_u)
        self.labels_ = np.argmax(log_u, axis=1)
        self.free_energy_ = np.asarray(trace)
        self.lambda_e_ = np.asarray(lams)
        self.n_iter_ = len(trace)
        self.stop_reason_ = reason
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
            ``argmax`` of the final memberships of every point.
        """
        return self.fit(X).labels_

