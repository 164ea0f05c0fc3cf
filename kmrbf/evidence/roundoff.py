r"""Float64 rounding-error bounds used by the evidence's tolerances.

Every comparison of two computed quantities uses the standard bound for ``n``
roundings, :math:`\lvert\mathrm{fl}(\sum)-\sum\rvert\le\gamma_n\sum\lvert\text{terms}\rvert`
with :math:`\gamma_n=nu/(1-nu)` and :math:`u=2^{-53}` (Higham, *Accuracy and
Stability of Numerical Algorithms*, §3.1 and §4.2).  Tolerances are these bounds
times a magnitude, with ``n`` counting every rounding on the path; nothing is a
hand-picked constant.

Both directions are tested (``tests/evidence/test_roundoff.py``): each tolerance holds against
an mpmath / exact oracle, and is within a stated factor of the worst error observed on a
seeded family -- :func:`slack` is attained exactly (recursive summation of :math:`1+u+\dots+u`),
:func:`centroid_tol` is at most 8x, ``slack(w_sigma_roundings(...))`` at most 32x and
:func:`entmax_threshold_slack` at most 8x the worst observed error -- so a loosened tolerance
fails a test instead of silently weakening every check that uses it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["U", "gamma", "slack", "w_sigma_roundings", "centroid_tol", "entmax_threshold_slack"]

U = 2.0**-53
"""The unit roundoff of float64."""


def gamma(n: int) -> float:
    r""":math:`\gamma_n=nu/(1-nu)`, the worst-case relative error of ``n`` roundings.

    Parameters
    ----------
    n : int
        Number of roundings, with :math:`nu<1`.

    Returns
    -------
    float
        :math:`\gamma_n`.

    Examples
    --------
    >>> gamma(1) == U / (1 - U)
    True
    """
    return n * U / (1 - n * U)


def slack(n_roundings: int, magnitude: float) -> float:
    r"""``gamma_n * magnitude``: the worst-case error of ``n`` roundings on a sum of ``magnitude``.

    Parameters
    ----------
    n_roundings : int
        Roundings on the computation path.
    magnitude : float
        :math:`\sum\lvert\text{terms}\rvert` of the computed sum.

    Returns
    -------
    float
        :math:`\gamma_n\cdot` ``magnitude``.
    """
    nu = n_roundings * U
    return nu / (1.0 - nu) * magnitude


def w_sigma_roundings(X: np.ndarray, M: np.ndarray) -> int:
    r"""Roundings on the path ``X, M -> d_ik -> r_ik -> sum_ik r_ik d_ik`` (a generous count).

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data.
    M : ndarray of shape (K, D)
        Centroids.

    Returns
    -------
    int
        :math:`4D+4K+N+16`.
    """
    n, d = X.shape
    k = M.shape[0]
    return 4 * d + 4 * k + n + 16


def centroid_tol(X: np.ndarray, K: int) -> float:
    r"""Euclidean float64 error bound of one soft centroid :math:`\sum_iw_ix_i/\sum_iw_i`.

    The responsibilities carry a relative error of at most :math:`\gamma_{K+4}` per
    entry (max-shift, exp, sum, divide); a sum of :math:`N` products and one
    division follow, so the error is at most :math:`\gamma_{N+K+8}\max_i\lVert x_i\rVert_\infty`
    per coordinate, plus :math:`u\lvert\mu^*\rvert` for :math:`M^*`, the correctly
    rounded exact mean.

    Scope: soft centroids at an exact Lloyd fixed point with
    :math:`\sigma\le\Delta/\ln(2(K-1))`, where KR-T3 and KR-T4 use it.  For arbitrary
    centroids the relative error of a responsibility grows with its logit :math:`d/\sigma`
    (a term :math:`\approx u\,d_{ik}/\sigma`) and this bound does not hold
    (``tests/evidence/test_roundoff.py`` pins a counterexample).

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data.
    K : int
        Number of centroids.

    Returns
    -------
    float
        :math:`\sqrt D(\gamma_{N+K+8}+u)\max\lvert X\rvert`.
    """
    N, D = X.shape
    R = float(np.abs(X).max()) if X.size else 0.0
    return math.sqrt(D) * (gamma(N + K + 8) + U) * R


def entmax_threshold_slack(d_max: Any, gap: Any) -> float:
    r"""Relative float64 slack :math:`8u(d_{\max}/g+2)` of the entmax one-hot threshold.

    Logits :math:`-d_{ij}/\sigma` and the distances carry relative errors; the computed
    gap :math:`(d_j-d_{\min})/\sigma` has relative error at most
    :math:`\kappa=8u(d_{\max}/g+2)` (:math:`g` the exact gap; condition number
    :math:`d_{\max}/g`).  A threshold :math:`\sigma\le(\alpha-1)g` is therefore checked at
    :math:`\sigma\le(\alpha-1)g/(1+\kappa)` (exact) and :math:`\sigma\ge1.125(\alpha-1)g`
    (not exact), far outside the rounding band.

    Parameters
    ----------
    d_max : float
        Largest squared distance of the row / instance.
    gap : float
        The gap the threshold is measured in (margin :math:`\Delta` or a row's gap).

    Returns
    -------
    float
        :math:`8u(d_{\max}/g+2)`.
    """
    return 8 * U * (d_max / gap + 2)
