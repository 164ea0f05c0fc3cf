r"""The :class:`VariationalFuzzyKMeans` estimator (iteration and annealing in :mod:`kmrbf.numerics.fuzzy`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..distances import sq_distances
from ._free_energy import (
    _consistent_log,
    _free_energy_log,
    consistent_log_update,
    lambda_e_schedule,
    published_log_update,
)
from ._params import _INIT, _POS_INT, _TOL, _Interval, _Options, _RandomState, _ValidatedEstimator, \
    _check_X, _initial_centroids

__all__ = ["VariationalFuzzyKMeans"]


def _weighted_centroids(X: np.ndarray, log_u: np.ndarray) -> np.ndarray:
    """Eq. 4 from log-memberships; each column is shifted by its max (scale-invariant, no 0/0)."""
    W = np.exp(log_u - np.max(log_u, axis=0, keepdims=True))
    return (W.T @ X) / np.sum(W, axis=0)[:, None]


class VariationalFuzzyKMeans(_ValidatedEstimator):
    r"""Variational Fuzzy K-Means (VF, arXiv-style preprint 2025), published or consistent update.

    Parameters
    ----------
    n_clusters : int >= 1
    lambda_e : float >= 0
        Entropy weight :math:`\lambda_e` (``lambda_entropy``), annealed as
        :math:`\lambda_e e^{-\gamma t}`.
    lambda_kl : float >= 0
        KL anchoring weight :math:`\lambda_{kl}`.
    gamma : float >= 0
        Annealing rate (VF Table 1: 0.02; 0 disables annealing).
    update : {"published", "consistent"}
        VF eq. 10, or the proximal update (:mod:`kmrbf.numerics.fuzzy`).
    max_iter : int >= 1
    tol : float >= 0
        Stop when :math:`\lVert u^{(t+1)}-u^{(t)}\rVert_F<\mathrm{tol}` (as the author's code).
    init : {"k-means", "k-means++"} or array (K, D)
        Initial centroids: scikit-learn ``KMeans(n_init=10)`` warm start (as the author's
        code), k-means++ seeding, or given.
    random_state : None, int or RandomState

    Attributes
    ----------
    cluster_centers_ : (K, D) array
    memberships_ : (N, K) array, rows on the simplex
    labels_ : (N,) int array, ``argmax`` of the memberships
    n_iter_ : int, iterations run
    free_energy_ : (n_iter_,) array, :math:`\mathcal L_t` of eq. 6 (published) or
        :math:`\mathcal J_t` (:func:`consistent_objective`, consistent), each with :math:`\lambda_e^{(t)}`
        and :math:`u^{prev}=u^{(t)}`
    lambda_e_ : (n_iter_,) array, the annealed :math:`\lambda_e^{(t)}` used at each step
    stop_reason_ : str, ``"converged"``, ``"max_iter"``, ``"undefined"`` (published with
        :math:`\lambda_e^{(t)}=\lambda_{kl}`) or ``"overflow"`` (a log-membership left float64)

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
        "n_clusters": [_POS_INT],
        "lambda_e": [_Interval(float, 0.0, None, "left")],
        "lambda_kl": [_Interval(float, 0.0, None, "left")],
        "gamma": [_Interval(float, 0.0, None, "left")],
        "update": [_Options("published", "consistent")],
        "max_iter": [_POS_INT],
        "tol": [_TOL],
        "init": _INIT,
        "random_state": [_RandomState()],
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
        """Run the iteration of :mod:`kmrbf.numerics.fuzzy` on ``X`` (N, D); ``y`` is ignored."""
        self._validate_params()
        if self.update == "consistent" and self.lambda_e + self.lambda_kl == 0.0:
            raise ValueError("update='consistent' needs lambda_e + lambda_kl > 0; got "
                             f"lambda_e={self.lambda_e!r}, lambda_kl={self.lambda_kl!r}.")
        if self.update == "published" and self.lambda_e == self.lambda_kl:
            raise ValueError("update='published' (eq. 10) is undefined for lambda_e == lambda_kl; got "
                             f"lambda_e={self.lambda_e!r}, lambda_kl={self.lambda_kl!r}.")
        X = _check_X(X, self.n_clusters)
        K = int(self.n_clusters)
        M = _initial_centroids(X, K, self.init, self.random_state)
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
        return self.fit(X).labels_

