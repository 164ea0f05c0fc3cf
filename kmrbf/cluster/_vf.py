r"""The :class:`VariationalFuzzyKMeans` estimator (VF) on the one fit loop of :mod:`kmrbf.cluster._base`.

The free energy, the two membership updates, their log-domain kernels and the annealing schedule
are those of :mod:`kmrbf.numerics.fuzzy` (conventions there); this module adds eq. 4 from
log-memberships and the iteration (VF §3.2, in the order of the author's public code).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from kmrbf.numerics import F0, sq_distances
from kmrbf.numerics.fuzzy import lambda_e_schedule
from kmrbf.numerics.fuzzy._kernels import (
    _consistent_log,
    _consistent_log_update,
    _free_energy_log,
    _prev_log,
    _published_log,
)

from ._base import Run, Step, _SoftClusteringBase, _Stop
from ._params import (
    NON_NEGATIVE,
    POS_INT,
    TOL,
    VERBOSE,
    ArrayLike,
    Boolean,
    Callable,
    Interval,
    NoneValue,
    Options,
    RandomState,
)

__all__ = ["VariationalFuzzyKMeans"]


def weighted_centroids(X: np.ndarray, log_u: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, int]:
    r"""VF eq. 4 from log-memberships, :math:`\mu_k=\sum_iu_{ik}x_i/\sum_iu_{ik}`, and the number of
    clusters kept.

    Each column is shifted by its maximum before exponentiating (scale-invariant, no 0/0).  A column
    whose memberships are all exactly 0 (``-inf``: possible only at a temperature so small that every
    gap over it overflows) has no weighted mean: its centroid is kept (the convention of
    :func:`kmrbf.numerics.soft_centroids`) and counted.
    """
    top = np.max(log_u, axis=0, keepdims=True)
    empty = ~np.isfinite(top[0])
    if not empty.any():
        W = np.exp(log_u - top)
        return (W.T @ X) / np.sum(W, axis=0)[:, None], 0
    W = np.exp(log_u - np.where(empty, 0.0, top))
    S = np.sum(W, axis=0)
    new = (W.T @ X) / np.where(empty, 1.0, S)[:, None]
    return np.where(empty[:, None], M, new), int(empty.sum())


class _State:
    """The iterate :math:`(M^{(t)},\\log u^{(t)})` and what the run records."""

    def __init__(self, M: np.ndarray, log_u: np.ndarray, keep_history: bool) -> None:
        self.M, self.log_u, self.log_u_init = M, log_u, log_u
        self.trace: list[float] = []
        self.lams: list[float] = []
        self.history = [(M, log_u)] if keep_history else None
        self.objective0 = math.nan  # the objective of (u^(0), M^(0)) with u_prev uniform, set by _start


class VariationalFuzzyKMeans(_SoftClusteringBase):
    r"""Variational Fuzzy K-Means (VF, arXiv-style preprint 2025), published or consistent update.

    Iteration (VF §3.2; :mod:`kmrbf.numerics.fuzzy`): from centroids :math:`M^{(0)}` and
    :math:`u^{(0)}` = the update with :math:`u^{prev}` uniform, for :math:`t=0,1,\dots`:
    :math:`M^{(t+1)}` = eq. 4 from :math:`u^{(t)}`, then :math:`u^{(t+1)}` = the update from
    :math:`d(M^{(t+1)})`, :math:`u^{prev}=u^{(t)}` and :math:`\lambda_e^{(t)}=\lambda_ee^{-\gamma t}`.

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
    init : {"k-means", "k-means++"}, callable or array-like of shape (n_clusters, D), default="k-means"
        Initial centroids: scikit-learn ``KMeans(n_init=10)`` warm start (as the author's
        code), ``kmeans_plusplus`` seeding, ``init(X, n_clusters, random_state=rng)``, or the
        given array.
    random_state : None, int or numpy.random.RandomState, default=None
        Seed passed to the scikit-learn initialisation (ignored for an array ``init``).
    keep_history : bool, default=False
        Store every iterate in ``history_`` (memory :math:`O(\text{n\_iter}\cdot(N+D)K)`).
    verbose : int, default=0
        0: silent; 1: a progress line at the end on ``stderr``; 2: one per iteration.

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
        ``argmax`` of the memberships (the nearest centroid, except under eq. 10 with a negative
        temperature, which favours far centroids; :meth:`predict` is always the nearest).
    n_iter_ : int
        Iterations completed (``len(free_energy_)``; may be 0).
    converged_ : bool
        ``stop_reason_ == "converged"``.
    free_energy_ : ndarray of shape (n_iter_,)
        :math:`\mathcal L_t` of eq. 6 (published) or :math:`\mathcal J_t`
        (:func:`~kmrbf.numerics.fuzzy.consistent_objective`, consistent), each with
        :math:`\lambda_e^{(t)}` and :math:`u^{prev}=u^{(t)}`.
    objective_ : float
        The last entry of ``free_energy_`` (with no iteration: the objective of
        :math:`u^{(0)}, M^{(0)}` with :math:`u^{prev}` uniform and :math:`\lambda_e`).
    objective_name_ : {"free_energy", "consistent_objective"}
        Which objective ``free_energy_`` and ``objective_`` hold.
    inertia_ : float
        :math:`F_0(M)=\sum_i\min_kd_{ik}` at the final centroids.
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
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of ``X`` seen in ``fit``, when they are all strings.

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

    Empty clusters keep their centroid (the policy of :mod:`kmrbf.numerics`): a column of
    memberships that are all exactly 0 has no weighted mean; ``fit`` warns once with
    :class:`~kmrbf.numerics.EmptyClusterWarning`.

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
    kmrbf.cluster._params.InvalidParameterError: The 'lambda_kl' parameter of VariationalFuzzyKMeans must be a finite real number in [0.0, inf); got lambda_kl=-1.0.
    """

    _parameter_constraints = {
        "n_clusters": [POS_INT],
        "lambda_e": [NON_NEGATIVE],
        "lambda_kl": [NON_NEGATIVE],
        "gamma": [NON_NEGATIVE],
        "update": [Options("published", "consistent")],
        "temperature_floor": [NoneValue(), Interval(float, 0.0, None, "neither")],
        "prev_offset": [NON_NEGATIVE],
        "max_iter": [POS_INT],
        "tol": [TOL],
        "init": [Options("k-means", "k-means++"), Callable(), ArrayLike()],
        "random_state": [RandomState()],
        "keep_history": [Boolean()],
        "verbose": VERBOSE,
    }
    _empty_what = "only zero memberships"
    _finish_on_convergence = True

    def __init__(self, n_clusters: int = 8, *, lambda_e: float = 5.0, lambda_kl: float = 0.5,
                 gamma: float = 0.02, update: str = "published", temperature_floor: float | None = None,
                 prev_offset: float = 0.0, max_iter: int = 100, tol: float = 1e-4, init: Any = "k-means",
                 random_state: Any = None, keep_history: bool = False, verbose: int = 0) -> None:
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
        self.verbose = verbose

    # ------------------------------------------------------------------ the update
    def _tau(self, lam: float) -> float:
        if self.update == "consistent":
            return lam + float(self.lambda_kl)
        tau = lam - float(self.lambda_kl)
        return tau if self.temperature_floor is None else max(tau, float(self.temperature_floor))

    def _update_log(self, D: np.ndarray, log_u_prev: np.ndarray, lam: float) -> np.ndarray:
        lk = float(self.lambda_kl)
        if self.update == "published":
            return _published_log(D, _prev_log(log_u_prev, float(self.prev_offset)), self._tau(lam), lk)
        return _consistent_log_update(D, log_u_prev, self._tau(lam), lk)

    def _objective(self, D: np.ndarray, log_u: np.ndarray, log_u_prev: np.ndarray, lam: float) -> float:
        if self.update == "published":
            return _free_energy_log(D, log_u, log_u_prev, lam, float(self.lambda_kl))
        return _consistent_log(D, log_u, log_u_prev, lam, float(self.lambda_kl))

    # ------------------------------------------------------------------ hooks of the fit loop
    def _check_params(self) -> None:
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

    def _levels(self) -> Sequence[float]:
        return [lambda_e_schedule(self.lambda_e, self.gamma, t) for t in range(int(self.max_iter))]

    def _steps_per_level(self) -> int:
        return 1

    def _converged(self, change: float) -> bool:
        return change < self.tol

    def _start(self, X: np.ndarray, M0: np.ndarray, ctx: Any) -> _State:
        D = np.asarray(sq_distances(X, M0))
        log_uniform = np.full(D.shape, -math.log(int(self.n_clusters)))
        log_u = self._update_log(D, log_uniform, float(self.lambda_e))
        state = _State(M0, log_u, bool(self.keep_history))
        state.objective0 = self._objective(D, log_u, log_uniform, float(self.lambda_e))
        return state

    def _step(self, X: np.ndarray, state: _State, lam: float, ctx: Any) -> Step:
        if self.update == "published" and self._tau(lam) == 0.0:
            raise _Stop("undefined")
        with np.errstate(over="ignore", invalid="ignore"):
            M_new, n_empty = weighted_centroids(X, state.log_u, state.M)
            D_new = np.asarray(sq_distances(X, M_new))
            log_u_new = self._update_log(D_new, state.log_u, lam)
            if np.isnan(log_u_new).any():
                raise _Stop("overflow", n_empty)
            objective = self._objective(D_new, log_u_new, state.log_u, lam)
            change = float(np.linalg.norm(np.exp(log_u_new) - np.exp(state.log_u)))
        state.M, state.log_u = M_new, log_u_new
        state.trace.append(objective)
        state.lams.append(lam)
        if state.history is not None:
            state.history.append((M_new, log_u_new))
        return Step(state, change, n_empty, f"{self._objective_name()} = {objective:.10g}")

    def _objective_name(self) -> str:
        return "free_energy" if self.update == "published" else "consistent_objective"

    def _finish(self, X: np.ndarray, run: Run, ctx: Any) -> tuple[dict[str, Any], float]:
        s = run.state
        attrs = dict(cluster_centers_=s.M, log_memberships_=s.log_u, memberships_=np.exp(s.log_u),
                     log_u_init_=s.log_u_init, free_energy_=np.asarray(s.trace), lambda_e_=np.asarray(s.lams),
                     n_iter_=run.n_iter, stop_reason_=run.reason, converged_=run.reason == "converged",
                     objective_=float(s.trace[-1]) if s.trace else float(s.objective0),
                     objective_name_=self._objective_name(), inertia_=float(F0(X, s.M)))
        if s.history is not None:
            attrs["history_"] = s.history
        return attrs, attrs["objective_"]

    def _labels(self, X: np.ndarray, run: Run, ctx: Any) -> np.ndarray:
        return np.argmax(run.state.log_u, axis=1)

    def _objective_on(self, X: Any) -> float:
        """:math:`F_0` (VF's free energy needs the previous memberships, which new data do not have)."""
        return float(np.sum(np.min(self.transform(X), axis=1)))
