r"""The kernel layer of :mod:`kmrbf.numerics.fuzzy`: log-domain kernels shared by its modules.

No validation; ``D`` is the (N, K) matrix of squared distances, ``log_u`` / ``log_u_prev`` the
log-memberships (``-inf`` for a zero membership).  :func:`_log_normalise` maps logits to
log-memberships, :math:`\log u=z-\operatorname{logsumexp}(z)` per row, :func:`_gap_log_normalise`
does so for :math:`z=n/\tau` gap first; :func:`_published_log` and :func:`_consistent_log_update`
are the two membership updates, :func:`_prev_log` the anchor :math:`\log(u^{prev}+\epsilon)`;
:func:`_free_energy_log` and :func:`_consistent_log` evaluate the free energy of VF eq. 3/6 and the
consistent objective (:mod:`kmrbf.numerics.fuzzy`) with :math:`0\log0=0`.  Import rule: see :mod:`kmrbf.numerics._kernels`.
"""

from __future__ import annotations

import math

import numpy as np

from .._kernels import _log_sum_exp

__all__: list[str] = []  # nothing public: a private layer, imported by name


def _log_normalise(z: np.ndarray) -> np.ndarray:
    return z - _log_sum_exp(z, np, axis=1)[:, None]


def _gap_log_normalise(num: np.ndarray, tau: float) -> np.ndarray:
    """``log softmax(num / tau)`` per row, gap first: ``(num - ref) / tau`` with ``ref`` the row max
    (``tau > 0``) or min (``tau < 0``), so the largest logit is exactly 0 and the others are finite or
    ``-inf`` for any ``tau != 0`` (no ``inf - inf`` even when ``num / tau`` overflows)."""
    ref = np.max(num, axis=1, keepdims=True) if tau > 0 else np.min(num, axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        return _log_normalise((num - ref) / tau)


def _prev_log(log_u_prev: np.ndarray, prev_offset: float) -> np.ndarray:
    """``log(u_prev + prev_offset)`` from ``log u_prev`` (``prev_offset >= 0``; 0 returns the input)."""
    if prev_offset == 0.0:
        return log_u_prev
    return np.logaddexp(log_u_prev, math.log(prev_offset))


def _published_log(D: np.ndarray, log_u_prev: np.ndarray, tau: float, lambda_kl: float) -> np.ndarray:
    """VF eq. 10 at temperature ``tau != 0``: ``log softmax((-d - lambda_kl log u_prev) / tau)``."""
    num = -D if lambda_kl == 0.0 else -D - lambda_kl * log_u_prev
    return _gap_log_normalise(num, tau)


def _consistent_log_update(D: np.ndarray, log_u_prev: np.ndarray, tau: float, lambda_kl: float) -> np.ndarray:
    """The proximal update at ``tau = lambda_e + lambda_kl > 0``: ``log softmax((-d + lambda_kl log u_prev) / tau)``."""
    num = -D if lambda_kl == 0.0 else -D + lambda_kl * log_u_prev
    return _gap_log_normalise(num, tau)


def _terms(D: np.ndarray, log_u: np.ndarray, log_u_prev: np.ndarray) -> tuple[float, float, float]:
    """``(sum u d, sum u log u, sum u log(u/u_prev))`` with 0 log 0 = 0 (log-domain input)."""
    u = np.exp(log_u)
    pos = u > 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        ud = float(np.sum(u * D))
        ulu = float(np.sum(np.where(pos, u * log_u, 0.0)))
        kl = float(np.sum(np.where(pos, u * (log_u - log_u_prev), 0.0)))
    return ud, ulu, kl


def _free_energy_log(D: np.ndarray, log_u: np.ndarray, log_u_prev: np.ndarray, lambda_e: float,
                     lambda_kl: float) -> float:
    ud, ulu, kl = _terms(D, log_u, log_u_prev)
    return ud - lambda_e * ulu + (lambda_kl * kl if lambda_kl != 0.0 else 0.0)


def _consistent_log(D: np.ndarray, log_u: np.ndarray, log_u_prev: np.ndarray, lambda_e: float,
                    lambda_kl: float) -> float:
    ud, ulu, kl = _terms(D, log_u, log_u_prev)
    n, k = D.shape
    return ud + lambda_e * (ulu + n * math.log(k)) + (lambda_kl * kl if lambda_kl != 0.0 else 0.0)
