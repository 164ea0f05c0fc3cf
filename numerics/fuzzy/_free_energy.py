r"""Free energy of VF eq. 3/6, the consistent objective, and the two membership updates, in the
log domain (conventions in :mod:`kmrbf.numerics.fuzzy`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..distances import sq_distances
from ._kernels import _consistent_log, _free_energy_log, _log_normalise

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
        Initial entropy weight :math:`\lambda_e=\lambda_e^{(0)}` (VF Table 1: 5.0).
    gamma : float
        Annealing rate :math:`\gamma` per iteration (VF Table 1: 0.02); 0 disables
        annealing.
    t : int
        Iteration index :math:`t\ge0` (0 gives ``lambda_e``).

    Returns
    -------
    float
        :math:`\lambda_e^{(t)}=\lambda_e e^{-\gamma t}`.  No validation: the formula
        is evaluated for any real inputs.

    Examples
    --------
    >>> round(lambda_e_schedule(5.0, 0.02, 0), 12), round(lambda_e_schedule(5.0, 0.02, 50), 6)
    (5.0, 1.839397)
    """
    return float(lambda_e) * math.exp(-float(gamma) * t)


def published_log_update(D: np.ndarray, log_u_prev: np.ndarray, lambda_e: float,
                         lambda_kl: float) -> np.ndarray:
    r"""Log-memberships of VF eq. 10, :math:`\tau=\lambda_e-\lambda_{kl}\ne0`:

    .. math:: \log u_{ik}=z_{ik}-\log\sum_je^{z_{ij}},\quad
              z_{ik}=\frac{-\lambda_{kl}\log u^{prev}_{ik}-d_{ik}}{\lambda_e-\lambda_{kl}} .

    Parameters
    ----------
    D : ndarray of shape (N, K)
        Squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2` (float64, finite).
    log_u_prev : ndarray of shape (N, K)
        Previous log-memberships :math:`\log u^{prev}_{ik}` (``-inf`` for a zero
        membership); not used when ``lambda_kl == 0``.
    lambda_e : float
        Entropy weight :math:`\lambda_e` (VF: :math:`\ge0`; not checked).
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}` (VF: :math:`\ge0`; not checked).  The
        effective temperature :math:`\tau=\lambda_e-\lambda_{kl}` may be negative
        (the update is then applied literally) but not zero.

    Returns
    -------
    ndarray of shape (N, K)
        float64 log-memberships :math:`\log u_{ik}` (``-inf`` for a zero membership);
        every row satisfies :math:`\sum_k u_{ik}=1`.

    Raises
    ------
    ValueError
        If ``lambda_e - lambda_kl == 0`` (eq. 10 divides by it).

    Examples
    --------
    >>> import numpy as np
    >>> D = np.array([[0.0, 4.5]]); lu = np.log(np.array([[0.5, 0.5]]))
    >>> np.exp(published_log_update(D, lu, 5.0, 0.5)).round(6)  # softmax(-D/4.5)
    array([[0.731059, 0.268941]])
    """
    tau = float(lambda_e) - float(lambda_kl)
    if tau == 0.0:
        raise ValueError(f"eq. 10 is undefined for lambda_e - lambda_kl = 0 (lambda_e={lambda_e!r}, "
                         f"lambda_kl={lambda_kl!r})")
    z = -D / tau
    if lambda_kl != 0.0:
        z = z - (float(lambda_kl) / tau) * log_u_prev
    return _log_normalise(z)


def consistent_log_update(D: np.ndarray, log_u_prev: np.ndarray, lambda_e: float,
                          lambda_kl: float) -> np.ndarray:
    r"""Log-memberships of the proximal update, :math:`\tau=\lambda_e+\lambda_{kl}>0`:

    .. math:: u_{ik}\propto(u^{prev}_{ik})^{\lambda_{kl}/\tau}e^{-d_{ik}/\tau}
              =\arg\min_{u_i\in\Delta}\ \textstyle\sum_ku_{ik}d_{ik}+\lambda_e\sum_ku_{ik}\log u_{ik}
              +\lambda_{kl}\mathrm{KL}(u_i\Vert u^{prev}_i).

    Parameters
    ----------
    D : ndarray of shape (N, K)
        Squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2` (float64, finite).
    log_u_prev : ndarray of shape (N, K)
        Previous log-memberships :math:`\log u^{prev}_{ik}` (``-inf`` for a zero
        membership); not used when ``lambda_kl == 0``.
    lambda_e : float
        Entropy weight :math:`\lambda_e` (VF: :math:`\ge0`).
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}` (VF: :math:`\ge0`).  Only the sum
        :math:`\tau=\lambda_e+\lambda_{kl}` is checked, it must be ``> 0``.

    Returns
    -------
    ndarray of shape (N, K)
        float64 log-memberships :math:`\log u_{ik}` (``-inf`` for a zero membership);
        every row satisfies :math:`\sum_k u_{ik}=1`.

    Raises
    ------
    ValueError
        If ``lambda_e + lambda_kl`` is not ``> 0`` (including NaN).

    Examples
    --------
    >>> import numpy as np
    >>> D = np.array([[0.0, 5.5]]); lu = np.log(np.array([[0.5, 0.5]]))
    >>> np.exp(consistent_log_update(D, lu, 5.0, 0.5)).round(6)  # softmax(-D/5.5)
    array([[0.731059, 0.268941]])
    """
    tau = float(lambda_e) + float(lambda_kl)
    if not tau > 0.0:
        raise ValueError(f"lambda_e + lambda_kl must be > 0; got {tau!r}")
    z = -D / tau
    if lambda_kl != 0.0:
        z = z + (float(lambda_kl) / tau) * log_u_prev
    return _log_normalise(z)


def _check_memberships(U: Any, name: str, shape: tuple[int, int]) -> np.ndarray:
    U = np.asarray(U, dtype=np.float64)
    if U.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {U.shape}")
    if not np.all(np.isfinite(U)) or np.any(U < 0):
        raise ValueError(f"{name} must be finite and non-negative")
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
        Entropy weight :math:`\lambda_e` (not checked).
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}` (not checked; the KL term is
        dropped when it is 0).

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
        non-finite entry.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [2.0]]); M = np.array([[0.0], [2.0]])
    >>> U = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> round(free_energy(X, M, U, U, lambda_e=5.0, lambda_kl=0.5), 12)  # 2 + 5 log 2
    5.4657359028
    """
    return _free_energy_log(*_log_inputs(X, M, U, U_prev), float(lambda_e), float(lambda_kl))


def consistent_objective(X: Any, M: Any, U: Any, U_prev: Any, *, lambda_e: float, lambda_kl: float) -> float:
    r"""Objective of the consistent update, entropy measured against the uniform distribution:

    .. math:: \mathcal J=\sum_{ik}u_{ik}d_{ik}+\lambda_e\sum_i\mathrm{KL}(u_i\Vert\tfrac1K\mathbf 1)
              +\lambda_{kl}\sum_i\mathrm{KL}(u_i\Vert u^{prev}_i)
              =\sum ud+\lambda_e\Bigl(\sum u\log u+N\log K\Bigr)+\lambda_{kl}\sum u\log\frac u{u^{prev}} .

    For fixed :math:`\lambda_e` it is eq. 6 with the entropy sign reversed, plus the constant
    :math:`\lambda_eN\log K`; the constant makes it non-increasing also while
    :math:`\lambda_e` is annealed downwards (proof in :class:`VariationalFuzzyKMeans`).

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
        Entropy weight :math:`\lambda_e` (not checked).
    lambda_kl : float
        KL anchoring weight :math:`\lambda_{kl}` (not checked; the KL term is
        dropped when it is 0).

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
        non-finite entry.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [2.0]]); M = np.array([[0.0], [2.0]])
    >>> U = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> round(consistent_objective(X, M, U, U, lambda_e=5.0, lambda_kl=0.5), 12)  # 2 + 5 log 2
    5.4657359028
    """
    return _consistent_log(*_log_inputs(X, M, U, U_prev), float(lambda_e), float(lambda_kl))

