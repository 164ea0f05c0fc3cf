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
:func:`entmax_threshold_slack` at most 8x and :func:`entmax_map_bound` at most 256x (alpha <= 2)
or 2**17x (alpha > 2, where the map is only Hoelder) the worst observed error -- so a loosened
tolerance fails a test instead of silently weakening every check that uses it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["U", "gamma", "slack", "w_sigma_roundings", "centroid_tol", "entmax_threshold_slack",
           "entmax_map_bound"]

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


def entmax_map_bound(k: int, alpha: float, u: float = U) -> float:
    r"""Absolute error per entry of the sort and threshold (bisection / Newton) entmax maps on
    exact logits, ``K = k`` entries, unit roundoff ``u``.

    Sort (:math:`\alpha` 1.5 or 2): on the support :math:`|x|\le1` and one rounding gives
    :math:`|dx|\le u`; mean :math:`(K+1)u`; variance (deviations :math:`\le1`, var
    :math:`\le1/k`) :math:`(2K+4)u`; ``rad = 1/k - var`` :math:`(2K+6)u`;
    :math:`\sqrt{\text{rad}}\ge1/k`, so the square root adds :math:`(K^2+3K+1)u`; tau
    :math:`(K^2+4K+3)u`; :math:`p_j=(x_j-\tau)^2`: :math:`(2K^2+8K+11)u`; normalising by a
    sum within :math:`K(2K^2+8K+11)u` of 1 multiplies by :math:`K+1`.

    Threshold (any :math:`\alpha>1`, :math:`\beta=1/(\alpha-1)`):
    :math:`f(\tau)=\sum_j b_j^\beta-1`, :math:`b_j=(x_j-\tau)_+\le1`.  A computed
    :math:`b_j` is within :math:`3u` (:math:`x=(\alpha-1)(z-\max z)` two roundings, ``b``
    one); its power is then off by
    :math:`a=3\beta u` if :math:`\beta\ge1` (mean value) or :math:`a=(3u)^\beta` if
    :math:`\beta<1` (Hoelder: :math:`t^\beta` is not Lipschitz at 0), plus the power's
    own rounding :math:`wu` (``pow`` within 1 ulp: :math:`w=2`; the compiled kernel's product
    of :math:`\beta` factors for a whole :math:`\beta\le9`: :math:`w=\beta`).  So at fixed
    :math:`\tau`, :math:`|df|\le K(a+wu)+2(K+2)u` (the sum and the ``- 1``), and
    :math:`|f'|=\beta\sum_j b_j^{\beta-1}\ge\beta` (:math:`b_j\le1` on the support);
    the search stops with a bracket of width :math:`\le u` whose ends the computed sign
    of :math:`f` separates, so :math:`|d\tau|\le u+|df|/\beta`.  Each
    :math:`p_j` before normalising is off by :math:`e=\beta(3u+d\tau)+wu`
    (:math:`\beta\ge1`) or :math:`(3u+d\tau)^\beta+wu` (:math:`\beta<1`); normalising:
    :math:`(K+1)e+u`.  The larger of the two routes' bounds is returned (a caller may not
    know which route ran).

    For :math:`\alpha>2` the bound is of order :math:`(Ku)^{\beta^2}`: real, since a
    logit just outside the support can come out with :math:`b_j` of one ulp and
    :math:`p_j=\text{ulp}^\beta` (``entmax_bisect([0, -0.5 + 5e-11], 3)`` gives
    1.05e-8 for an exact 5.0e-11), but loose away from such entries.

    Parameters
    ----------
    k : int
        Number of entries ``K >= 1``.
    alpha : float
        entmax parameter, ``alpha > 1``.
    u : float, optional
        Unit roundoff (default float64's).

    Returns
    -------
    float
        The per-entry bound.

    Examples
    --------
    >>> round(entmax_map_bound(4, 1.5) / U), round(entmax_map_bound(4, 1.25) / U)
    (375, 481)
    >>> entmax_map_bound(2, 3.0) > 1e-4  # Hoelder: alpha > 2
    True
    """
    sort = (k + 1) * (2 * k * k + 8 * k + 11) * u
    beta = 1.0 / (alpha - 1.0)
    w = max(2.0, beta) if beta == int(beta) and beta <= 9 else 2.0
    a = 3.0 * beta * u if beta >= 1.0 else (3.0 * u) ** beta
    dtau = u + (k * (a + w * u) + 2 * (k + 2) * u) / beta
    e = (beta * (3.0 * u + dtau) if beta >= 1.0 else (3.0 * u + dtau) ** beta) + w * u
    return max(sort, (k + 1) * e + u)
