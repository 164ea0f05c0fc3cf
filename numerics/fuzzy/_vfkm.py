r"""The :class:`VariationalFuzzyKMeans` estimator (iteration and annealing in :mod:`kmrbf.numerics.fuzzy`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._kernels import _warn_empty
from ..distances import sq_distances
from ._free_energy import lambda_e_schedule
from ._kernels import _consistent_log, _consistent_log_update, _free_energy_log, _prev_log, _published_log
from ._params import INIT, POS_INT, TOL, Boolean, Interval, OptionalInterval, Options, RandomStateConstraint, \
    ValidatedEstimator, check_X, initial_centroids

__all__ = ["VariationalFuzzyKMeans"]


def _weighted_centroids(X: np.ndarray, log_u: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Eq. 4 from log-memberships; each column is shifted by its max (scale-invariant, no 0/0).

    A column whose memberships are all exactly 0 (``-inf``: possible only at a temperature so small
    that every gap over it overflows) has no weighted mean: its centroid is kept
    (:class:`~kmrbf.numerics.EmptyClusterWarning`), the convention of :func:`kmrbf.numerics.soft_centroids`.
    """
    top = np.max(log_u, axis=0, keepdims=True)
    empty = ~np.isfinite(top[0])
    if not empty.any():
        W = np.exp(log_u - top)
        return (W.T @ X) / np.sum(W, axis=0)[:, None]
    W = np.exp(log_u - np.where(empty, 0.0, top))
    S = np.sum(W, axis=0)
    new = (W.T @ X) / np.where(empty, 1.0, S)[:, None]
    _warn_empty(int(empty.sum()), "only zero memberships", int(M.shape[0]))
    return np.where(empty[:, None], M, new)


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
    temperature_floor : float or None, default=None
        ``update="published"`` only.  ``None``: eq. 10 as printed, also with a negative
        temperature.  A number :math:`\tau_{min}>0`: every temperature (also that of
        :math:`u^{(0)}`) is :math:`\max(\lambda_e^{(t)}-\lambda_{kl},\tau_{min})`, as in the
        author's public code (``RobustEntropyVFKM``: ``1e-8``), which clamps a non-positive
        temperature instead of applying eq. 10 (the "No Entropy" ablations of VF Table 1,
        :math:`\lambda_e=10^{-5}<\lambda_{kl}=0.5`, run at :math:`\tau=10^{-8}` there).
    prev_offset : float, default=0.0
        ``update="published"`` only.  :math:`\epsilon\ge0`: the anchor uses
        :math:`\log(u^{prev}_{ik}+\epsilon)` (the author's code: ``1e-10``; with
        :math:`\epsilon>0` the anchor factor is bounded); 0 is eq. 10 as printed.  The
        recorded free energy is eq. 6 with the exact :math:`\log u^{prev}`.
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
    keep_history : bool, default=False
        Store every iterate in ``history_`` (memory :math:`O(\text{n\_iter}\cdot(N+D)K)`).

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
    history_ : list of (ndarray, ndarray)
        Only with ``keep_history=True``: :math:`(M^{(t)},\log u^{(t)})` for
        :math:`t=0,\dots,` ``n_iter_`` (:math:`t=0`: the initial centroids and ``log_u_init_``).
    stop_reason_ : str
        ``"converged"``, ``"max_iter"``, ``"undefined"`` (published update reached
        :math:`\lambda_e^{(t)}=\lambda_{kl}` exactly) or ``"overflow"`` (a log-membership
        came out NaN: eq. 10 with a previous membership exactly 0 under a negative exponent
        :math:`-\lambda_{kl}/\tau`, or logits beyond float64); on the last two the state of the
        previous iteration is kept.  A log-membership ``-inf`` (a membership exactly 0, e.g. at a
        subnormal temperature) is not an overflow.

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
    The published update is not even stationary for eq. 8: the stationary point is
    :math:`\propto(u^{prev})^{-\lambda_{kl}/\tau}e^{+d/\tau}`, where the Hessian on the simplex,
    :math:`\operatorname{diag}((\lambda_{kl}-\lambda_e)/u)`, is negative definite for
    :math:`\lambda_e>\lambda_{kl}` (a maximum of :math:`\mathcal L` in :math:`u`); eq. 10 flips the
    sign of :math:`d` (claim VF-E10).  No descent argument applies to it.

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
        "temperature_floor": [OptionalInterval(float, 0.0, None, "neither")],
        "prev_offset": [Interval(float, 0.0, None, "left")],
        "max_iter": [POS_INT],
        "tol": [TOL],
        "init": INIT,
        "random_state": [RandomStateConstraint()],
        "keep_history": [Boolean()],
    }

    def __init__(self, n_clusters: int = 8, *, lambda_e: float = 5.0, lambda_kl: float = 0.5,
                 gamma: float = 0.02, update: str = "published", temperature_floor: float | None = None,
                 prev_offset: float = 0.0, max_iter: int = 100, tol: float = 1e-4, init: Any = "k-means",
                 random_state: Any = None, keep_history: bool = False) -> None:
        self.n_clusters = n_clusters
        self.lambda_e = lambda_e
        self.lambda_kl = lambda_kl
        self.gamma = gamma
        self.update = update
        self.temperature_floor = temperature_floor
        self.prev_offset = prev_offset
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state
        self.keep_history = keep_history

    def _tau(self, lam: float) -> float:
        if self.update == "consistent":
            return lam + float(self.lambda_kl)
        tau = lam - float(self.lambda_kl)
        return tau if self.temperature_floor is None else max(tau, float(self.temperature_floor))

    def _step(self, D: np.ndarray, log_u_prev: np.ndarray, lam: float) -> np.ndarray:
        lk = float(self.lambda_kl)
        if self.update == "published":
            return _published_log(D, _prev_log(log_u_prev, float(self.prev_offset)), self._tau(lam), lk)
        return _consistent_log_update(D, log_u_prev, self._tau(lam), lk)

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
        if self.update == "published" and self._tau(float(self.lambda_e)) == 0.0:
            raise ValueError("update='published' (eq. 10) is undefined for lambda_e == lambda_kl; got "
                             f"lambda_e={self.lambda_e!r}, lambda_kl={self.lambda_kl!r}.")
        if self.update == "consistent" and (self.temperature_floor is not None or self.prev_offset != 0.0):
            raise ValueError("temperature_floor and prev_offset apply to update='published' only; got "
                             f"temperature_floor={self.temperature_floor!r}, prev_offset={self.prev_offset!r} "
                             "with update='consistent'.")
        X = check_X(X, self.n_clusters)
        K = int(self.n_clusters)
        M = initial_centroids(X, K, self.init, self.random_state)
        D = np.asarray(sq_distances(X, M))
        log_uniform = np.full(D.shape, -math.log(K))
        log_u = self._step(D, log_uniform, float(self.lambda_e))
        self.log_u_init_ = log_u
        history = [(M, log_u)]
        trace, lams, reason, t = [], [], "max_iter", 0
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(self.max_iter):
                lam = lambda_e_schedule(self.lambda_e, self.gamma, t)
                if self.update == "published" and self._tau(lam) == 0.0:
                    reason = "undefined"
                    break
                M_new = _weighted_centroids(X, log_u, M)
                D_new = np.asarray(sq_distances(X, M_new))
                log_u_new = self._step(D_new, log_u, lam)
                if np.isnan(log_u_new).any():
                    reason = "overflow"
                    break
                M, D = M_new, D_new
                trace.append(self._objective(D, log_u_new, log_u, lam))
                lams.append(lam)
                change = float(np.linalg.norm(np.exp(log_u_new) - np.exp(log_u)))
                log_u = log_u_new
                if self.keep_history:
                    history.append((M, log_u))
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
        if self.keep_history:
            self.history_ = history
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

