r"""Free energy of VF eq. 3/6, the consistent objective, and the two membership updates, in the
log domain (conventions in :mod:`kmrbf.numerics.fuzzy`)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..distances import sq_distances
from ..validation import check_array_float64
from ._kernels import _consistent_log, _consistent_log_update, _free_energy_log, _prev_log, _published_log
from ._params import check_distances, check_log_memberships, check_real

__all__ = [
    "free_energy",
    "consistent_objective",
    "published_log_update",
    "consistent_log_update",
    "lambda_e_schedule",
]


def lambda_e_schedule(lambda_e: float, gamma: float, t: int) -> float:
    r""":math:`\lambda_e^{(t)}=\lambda_e e^{-\gamma t}` (the annealing convention; :mod:`kmrbf.numerics.fuzzy`).

    Parameters
    ----------
    lambda_e : float
        Initial entropy weight :math:`\lambda_e=\lambda_e^{(0)}\ge0`, finite (VF Table 1: 5.0).
    gamma : float
        Annealing rate :math:`\gamma\ge0` per iteration, finite (VF Table 1: 0.02); 0 disables
        annealing.
    t : int
        Iteration index :math:`t\ge0` (0 gives ``lambda_e``).

    Returns
    -------
    float
        :math:`\lambda_e^{(t)}=\lambda_e e^{-\gamma t}`.

    Raises
    ------
    TypeError
        If ``lambda_e`` or ``gamma`` is not a real number, or ``t`` is not an integer (bools
        are rejected).
    ValueError
        If ``lambda_e`` or ``gamma`` is negative, NaN or infinite, or ``t < 0``.

    Examples
    --------
    >>> round(lambda_e_schedule(5.0, 0.02, 0), 12), round(lambda_e_schedule(5.0, 0.02, 50), 6)
    (5.0, 1.839397)
    """
    lambda_e = check_real(lambda_e, "lambda_e", low=0.0)
    gamma = check_real(gamma, "gamma", low=0.0)
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Integral):
        raise TypeError(f"t must be an integer; got {t!r}")
    if t < 0:
        raise ValueError(f"t must be >= 0; got t={t!r}")
    return lambda_e * math.exp(-gamma * int(t))


def _update_inputs(D: Any, log_u_prev: Any, lambda_e: Any, lambda_kl: Any
                   ) -> tuple[np.ndarray, np.ndarray, float, float]:
    D = check_distances(D, "D")
    log_u_prev = check_log_memberships(log_u_prev, "log_u_prev", D.shape)
    return D, log_u_prev, check_real(lambda_e, "lambda_e", low=0.0), check_real(lambda_kl, "lambda_kl", low=0.0)


def _finite_rows(log_u: np.ndarray, what: str) -> np.ndarray:
    bad = np.isnan(log_u)
    if bad.any():
        i = int(np.nonzero(bad.any(axis=1))[0][0])
        raise ValueError(f"{what} is not representable in float64 at row {i} (its logits overflow); "
                         "rescale D or the lambdas")
    return log_u


def published_log_update(D: Any, log_u_prev: Any, lambda_e: float, lambda_kl: float, *,
                         temperature_floor: float | None = None, prev_offset: float = 0.0) -> np.ndarray:
    r"""Log-memberships of VF eq. 10, :math:`\tau=\lambda_e-\lambda_{kl}\ne0`:

    .. math:: \log u_{ik}=z_{ik}-\log\sum_je^{z_{ij}},\quad
              z_{ik}=\frac{-\lambda_{kl}\log u^{prev}_{ik}-d_{ik}}{\tau},\qquad
              u_{ik}\propto(u^{prev}_{ik})^{-\lambda_{kl}/\tau}e^{-d_{ik}/\tau} .

    Computed gap first: :math:`z_{ik}-\max_jz_{ij}=(n_{ik}-n^*_i)/\tau` with
    :math:`n_{ik}=-d_{ik}-\lambda_{kl}\log u^{prev}_{ik}` and :math:`n^*_i` its row maximum
    (:math:`\tau>0`) or minimum (:math:`\tau<0`), so a tiny :math:`|\tau|` gives one-hot rows,
    never ``inf - inf``.

    Parameters
    ----------
    D : array-like of shape (N, K)
        Squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`: real, finite, ``>= 0``
        (cast to float64).
    log_u_prev : array-like of shape (N, K)
        Previous log-memberships :math:`\log u^{prev}_{ik}`: no NaN, no ``+inf``; ``-inf`` is a
        zero membership; every row needs a finite entry.  Validated also when ``lambda_kl == 0``
        (then it does not enter the result).
    lambda_e : float
        Entropy weight :math:`\lambda_e\ge0`, finite.
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}\ge0`, finite.  The temperature
        :math:`\tau=\lambda_e-\lambda_{kl}` may be negative (the update is then applied
        literally) but not zero.
    temperature_floor : float or None, default=None
        ``None``: eq. 10 as printed.  A number :math:`\tau_{min}>0`: the temperature becomes
        :math:`\max(\lambda_e-\lambda_{kl},\tau_{min})`, as in the author's public code
        (abhisheksharma026/variational-fuzzy-kmeans, ``RobustEntropyVFKM``: ``1e-8``), which
        clamps a non-positive temperature instead of applying eq. 10.
    prev_offset : float, default=0.0
        :math:`\epsilon\ge0`: the anchor uses :math:`\log(u^{prev}_{ik}+\epsilon)` (the author's
        code: ``1e-10``); 0 is eq. 10 as printed.

    Returns
    -------
    ndarray of shape (N, K)
        float64 log-memberships :math:`\log u_{ik}` (``-inf`` for a zero membership);
        every row satisfies :math:`\sum_k u_{ik}=1`.

    Raises
    ------
    TypeError
        If an array has a bool, complex or non-numeric dtype, or a scalar is not real.
    ValueError
        If ``D`` is not 2-D, not finite or negative; if ``log_u_prev`` has another shape, a NaN or
        ``+inf``, or an all ``-inf`` row; if a lambda is negative, NaN or infinite; if the
        temperature is 0 (eq. 10 divides by it); if :math:`\tau>0`, :math:`\lambda_{kl}>0` and some
        :math:`u^{prev}_{ik}+\epsilon=0` (the factor :math:`(u^{prev}_{ik})^{-\lambda_{kl}/\tau}` is
        infinite); if ``temperature_floor`` is not ``None`` or a finite number ``> 0``, or
        ``prev_offset`` is not a finite number ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> D = np.array([[0.0, 4.5]]); lu = np.log(np.array([[0.5, 0.5]]))
    >>> np.exp(published_log_update(D, lu, 5.0, 0.5)).round(6)  # softmax(-D/4.5)
    array([[0.731059, 0.268941]])
    >>> np.exp(published_log_update(D, lu, 1e-5, 0.5, temperature_floor=1e-8))  # tau -> 1e-8: one-hot
    array([[1., 0.]])
    """
    D, log_u_prev, lambda_e, lambda_kl = _update_inputs(D, log_u_prev, lambda_e, lambda_kl)
    tau = lambda_e - lambda_kl
    if temperature_floor is not None:
        tau = max(tau, check_real(temperature_floor, "temperature_floor", low=0.0, low_open=True))
    prev_offset = check_real(prev_offset, "prev_offset", low=0.0)
    if tau == 0.0:
        raise ValueError(f"eq. 10 is undefined for lambda_e - lambda_kl = 0 (lambda_e={lambda_e!r}, "
                         f"lambda_kl={lambda_kl!r})")
    log_prev = _prev_log(log_u_prev, prev_offset)
    if tau > 0.0 and lambda_kl > 0.0:
        zero = np.isneginf(log_prev)
        if zero.any():
            idx = tuple(int(i[0]) for i in np.nonzero(zero))
            raise ValueError(f"eq. 10 is undefined: u_prev is 0 at index {idx} and its exponent "
                             f"-lambda_kl/tau = {-lambda_kl / tau!r} is negative")
    return _finite_rows(_published_log(D, log_prev, tau, lambda_kl), "eq. 10")


def consistent_log_update(D: Any, log_u_prev: Any, lambda_e: float, lambda_kl: float) -> np.ndarray:
    r"""Log-memberships of the proximal update, :math:`\tau=\lambda_e+\lambda_{kl}>0`:

    .. math:: u_{ik}\propto(u^{prev}_{ik})^{\lambda_{kl}/\tau}e^{-d_{ik}/\tau}
              =\arg\min_{u_i\in\Delta}\ \textstyle\sum_ku_{ik}d_{ik}+\lambda_e\sum_ku_{ik}\log u_{ik}
              +\lambda_{kl}\mathrm{KL}(u_i\Vert u^{prev}_i).

    Computed gap first, as :func:`published_log_update`.

    Parameters
    ----------
    D : array-like of shape (N, K)
        Squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`: real, finite, ``>= 0``
        (cast to float64).
    log_u_prev : array-like of shape (N, K)
        Previous log-memberships :math:`\log u^{prev}_{ik}`: no NaN, no ``+inf``; ``-inf`` is a
        zero membership; every row needs a finite entry.  Validated also when ``lambda_kl == 0``.
    lambda_e : float
        Entropy weight :math:`\lambda_e\ge0`, finite.
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}\ge0`, finite; :math:`\tau=\lambda_e+\lambda_{kl}`
        must be ``> 0``.

    Returns
    -------
    ndarray of shape (N, K)
        float64 log-memberships :math:`\log u_{ik}` (``-inf`` for a zero membership);
        every row satisfies :math:`\sum_k u_{ik}=1`.

    Raises
    ------
    TypeError
        If an array has a bool, complex or non-numeric dtype, or a scalar is not real.
    ValueError
        If ``D`` or ``log_u_prev`` is invalid (as in :func:`published_log_update`), a lambda is
        negative, NaN or infinite, or ``lambda_e + lambda_kl == 0``.

    Examples
    --------
    >>> import numpy as np
    >>> D = np.array([[0.0, 5.5]]); lu = np.log(np.array([[0.5, 0.5]]))
    >>> np.exp(consistent_log_update(D, lu, 5.0, 0.5)).round(6)  # softmax(-D/5.5)
    array([[0.731059, 0.268941]])
    """
    D, log_u_prev, lambda_e, lambda_kl = _update_inputs(D, log_u_prev, lambda_e, lambda_kl)
    tau = lambda_e + lambda_kl
    if not tau > 0.0:
        raise ValueError(f"lambda_e + lambda_kl must be > 0; got lambda_e={lambda_e!r}, lambda_kl={lambda_kl!r}")
    return _finite_rows(_consistent_log_update(D, log_u_prev, tau, lambda_kl), "the proximal update")


def _check_memberships(U: Any, name: str, shape: tuple[int, int]) -> np.ndarray:
    U, _ = check_array_float64(U, name, np)
    U = np.asarray(U)
    if U.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {U.shape}")
    bad = ~np.isfinite(U) | (U < 0)
    if bad.any():
        idx = tuple(int(i[0]) for i in np.nonzero(bad))
        raise ValueError(f"{name} must be finite and non-negative; found {U[idx]} at index {idx}")
    return U


def _log_or_neg_inf(U: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(U)


def _log_inputs(X: Any, M: Any, U: Any, U_prev: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``(D, log U, log U_prev)`` for the objectives (``log 0 = -inf``)."""
    D = np.asarray(sq_distances(X, M))
    U = _check_memberships(U, "U", D.shape)
    Up = _check_memberships(U_prev, "U_prev", D.shape)
    return D, _log_or_neg_inf(U), _log_or_neg_inf(Up)


def free_energy(X: Any, M: Any, U: Any, U_prev: Any, *, lambda_e: float, lambda_kl: float) -> float:
    r"""VF eq. 3/6: :math:`\sum ud-\lambda_e\sum u\log u+\lambda_{kl}\sum u\log(u/u^{prev})`.

    ``U`` and ``U_prev`` are (N, K) membership matrices (rows need not be renormalised;
    the formula is evaluated as written).  :math:`0\log0=0`; :math:`u>0=u^{prev}` gives ``inf``.

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (validated like :func:`kmrbf.numerics.sq_distances`).
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    U : array-like of shape (N, K)
        Memberships :math:`u_{ik}\ge0`, finite.  Rows are not renormalised: the
        formula is evaluated as written.
    U_prev : array-like of shape (N, K)
        Previous memberships :math:`u^{prev}_{ik}\ge0`, finite.
    lambda_e : float
        Entropy weight :math:`\lambda_e\ge0`, finite.
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}\ge0`, finite (the KL term is dropped when
        it is 0).

    Returns
    -------
    float
        :math:`\mathcal L(U, M; U^{prev})` (``+inf`` if some :math:`u_{ik}>0=u^{prev}_{ik}`
        and :math:`\lambda_{kl}>0`).

    Raises
    ------
    TypeError, ValueError
        What :func:`kmrbf.numerics.sq_distances` raises for ``X`` and ``M``.
    ValueError
        If ``U`` or ``U_prev`` does not have shape (N, K), or has a negative or
        non-finite entry (the message gives its index); if a lambda is negative, NaN or
        infinite.
    TypeError
        If ``U`` or ``U_prev`` has a bool, complex or non-numeric dtype, or a lambda is not real.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [2.0]]); M = np.array([[0.0], [2.0]])
    >>> U = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> round(free_energy(X, M, U, U, lambda_e=5.0, lambda_kl=0.5), 12)  # 2 + 5 log 2
    5.4657359028
    """
    le, lk = check_real(lambda_e, "lambda_e", low=0.0), check_real(lambda_kl, "lambda_kl", low=0.0)
    return _free_energy_log(*_log_inputs(X, M, U, U_prev), le, lk)


def consistent_objective(X: Any, M: Any, U: Any, U_prev: Any, *, lambda_e: float, lambda_kl: float) -> float:
    r"""Objective of the consistent update, entropy measured against the uniform distribution:

    .. math:: \mathcal J=\sum_{ik}u_{ik}d_{ik}+\lambda_e\sum_i\mathrm{KL}(u_i\Vert\tfrac1K\mathbf 1)
              +\lambda_{kl}\sum_i\mathrm{KL}(u_i\Vert u^{prev}_i)
              =\sum ud+\lambda_e\Bigl(\sum u\log u+N\log K\Bigr)+\lambda_{kl}\sum u\log\frac u{u^{prev}} .

    For fixed :math:`\lambda_e` it is eq. 6 with the entropy sign reversed, plus the constant
    :math:`\lambda_eN\log K`; the constant makes it non-increasing also while
    :math:`\lambda_e` is annealed downwards (proof in :class:`kmrbf.cluster.VariationalFuzzyKMeans`).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (validated like :func:`kmrbf.numerics.sq_distances`).
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    U : array-like of shape (N, K)
        Memberships :math:`u_{ik}\ge0`, finite.  Rows are not renormalised: the
        formula is evaluated as written.
    U_prev : array-like of shape (N, K)
        Previous memberships :math:`u^{prev}_{ik}\ge0`, finite.
    lambda_e : float
        Entropy weight :math:`\lambda_e\ge0`, finite.
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}\ge0`, finite (the KL term is dropped when
        it is 0).

    Returns
    -------
    float
        :math:`\mathcal J(U, M; U^{prev})`, :math:`\ge0` for :math:`\lambda_e,\lambda_{kl}\ge0`
        and rows of ``U`` on the simplex (``+inf`` if some
        :math:`u_{ik}>0=u^{prev}_{ik}` and :math:`\lambda_{kl}>0`).

    Raises
    ------
    TypeError, ValueError
        What :func:`kmrbf.numerics.sq_distances` raises for ``X`` and ``M``.
    ValueError
        If ``U`` or ``U_prev`` does not have shape (N, K), or has a negative or
        non-finite entry (the message gives its index); if a lambda is negative, NaN or
        infinite.
    TypeError
        If ``U`` or ``U_prev`` has a bool, complex or non-numeric dtype, or a lambda is not real.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [2.0]]); M = np.array([[0.0], [2.0]])
    >>> U = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> round(consistent_objective(X, M, U, U, lambda_e=5.0, lambda_kl=0.5), 12)  # 2 + 5 log 2
    5.4657359028
    """
    le, lk = check_real(lambda_e, "lambda_e", low=0.0), check_real(lambda_kl, "lambda_kl", low=0.0)
    return _consistent_log(*_log_inputs(X, M, U, U_prev), le, lk)

