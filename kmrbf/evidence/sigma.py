r"""Where σ is drawn, relative to a Lloyd fixed point's margin, and what is measured there.

The theorems on soft centroids (KR-T2-grad, KR-T3, KR-T4, KR-T5) hold for small
σ *relative to the margin* :math:`\Delta` of a Lloyd fixed point; their properties
draw ``t`` log-uniform in :math:`[10^{-3},1]` and set σ = ``t`` × a threshold.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .. import numerics as nx

__all__ = ["rel_sigmas", "sigma_max", "sigma_max_exact", "deviations"]


def rel_sigmas() -> st.SearchStrategy[float]:
    """``t`` log-uniform in ``[1e-3, 1]``: sigma is drawn as ``t`` times a threshold.

    Returns
    -------
    SearchStrategy of float
        Values in ``[1e-3, 1]``.
    """
    return st.floats(math.log(1e-3), 0.0).map(math.exp)


def sigma_max(inst: Any) -> float:
    r""":math:`\Delta/\ln(2(K-1))` (:math:`\Delta/\ln2` for ``K = 2``): Theorem 3's global range.

    Below it :math:`(K-1)e^{-\Delta/\sigma}\le1/2`.

    Parameters
    ----------
    inst : LloydFixedPoint
        An exact Lloyd fixed point (:mod:`kmrbf.numerics.lloyd_instances`) with margin ``delta``.

    Returns
    -------
    float
        The largest σ of the range.
    """
    return float(inst.delta) / math.log(2 * (inst.K - 1)) if inst.K > 2 else float(inst.delta) / math.log(2)


def sigma_max_exact(inst: Any) -> Fraction:
    r"""A rational :math:`\sigma\le\Delta/\ln(2(K-1))` within :math:`2^{-48}` (relative) of it.

    :math:`\ln v` for :math:`v=2(K-1)\le10` is below 4, so ``math.log(v)`` is within one ulp,
    :math:`2^{-51}`, of it; :math:`\ell=` ``Fraction(math.log(v))`` :math:`+2^{-50}` is therefore a
    rational upper bound of :math:`\ln v` (:math:`\ln2` for ``K = 2``), and :math:`\Delta/\ell`
    lies in Theorem 3's global range for certain -- the float :func:`sigma_max` may lie an ulp
    outside it.

    Parameters
    ----------
    inst : LloydFixedPoint
        An exact Lloyd fixed point with margin ``delta`` (a Fraction) and ``K <= 6``.

    Returns
    -------
    Fraction
        :math:`\Delta/\ell`.

    Examples
    --------
    >>> from kmrbf.numerics.lloyd_instances import from_partition
    >>> s = sigma_max_exact(from_partition(np.array([[0.0], [1.0]]), [0, 1]))   # Delta = 1, K = 2
    >>> s < 1 / Fraction(0.6931471805599453) and abs(float(s) * math.log(2) - 1) < 1e-14
    True
    """
    v = 2 * (inst.K - 1) if inst.K > 2 else 2
    return Fraction(inst.delta) / (Fraction(math.log(v)) + Fraction(1, 2**50))


def deviations(inst: Any, sigma: float, alpha: float = 1.0) -> np.ndarray:
    r"""Per-cell distance :math:`\lVert\hat\mu_k(\sigma)-\mu^*_k\rVert` of the soft centroids from :math:`M^*`.

    Parameters
    ----------
    inst : LloydFixedPoint
        Data ``X`` and the fixed point ``M`` (:math:`M^*`).
    sigma : float
        Temperature.
    alpha : float
        Entmax parameter (1 = softmax).

    Returns
    -------
    ndarray of shape (K,)
        The Euclidean deviations, float64.
    """
    c = np.asarray(nx.soft_centroids(inst.X, inst.M, sigma, alpha=alpha))
    return np.sqrt(((c - inst.M) ** 2).sum(1))
