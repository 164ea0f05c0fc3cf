r"""The kernel layer of :mod:`kmrbf.numerics.fuzzy`: log-domain kernels shared by its modules.

No validation; ``D`` is the (N, K) matrix of squared distances, ``log_u`` / ``log_u_prev`` the
log-memberships (``-inf`` for a zero membership).  :func:`_log_normalise` maps logits to
log-memberships, :math:`\log u=z-\operatorname{logsumexp}(z)` per row; :func:`_free_energy_log`
and :func:`_consistent_log` evaluate the free energy of VF eq. 3/6 and the consistent objective
(:mod:`kmrbf.numerics.fuzzy`) with :math:`0\log0=0`.  Import rule: see :mod:`kmrbf.numerics._kernels`.
"""

from __future__ import annotations

import math

import numpy as np

from .._kernels import _log_sum_exp

__all__: list[str] = []  # nothing public: a private layer, imported by name


def _log_normalise(z: np.ndarray) -> np.ndarray:
    return z - _log_sum_exp(z, np, axis=1)[:, None]


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
