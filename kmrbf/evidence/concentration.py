r"""How close a softmax row is to its zero-temperature limit (KR-S32, and KR-T5 at alpha = 1)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["concentration_bounds"]


def concentration_bounds(d: np.ndarray, sigma: float) -> tuple[float, float, int]:
    r"""Bounds of the softmax row :math:`r=\operatorname{softmax}(-d/\sigma)` around its limit.

    With :math:`T=\arg\min_kd_k`, :math:`t=\lvert T\rvert`, :math:`g` the gap to the best
    non-tied entry and :math:`\varepsilon=e^{-g/\sigma}`:
    :math:`\lvert r_k-1/t\rvert\le(K-t)\varepsilon/t^2` on :math:`T` and :math:`r_j\le\varepsilon/t`
    off :math:`T` (:math:`r_k=1/(t+S)`, :math:`r_j=e^{-(d_j-d_{\min})/\sigma}/(t+S)`,
    :math:`S=\sum_{j\notin T}e^{-(d_j-d_{\min})/\sigma}\le(K-t)\varepsilon`).

    Parameters
    ----------
    d : ndarray of shape (K,)
        Squared distances of one point.
    sigma : float
        Temperature :math:`\sigma>0`.

    Returns
    -------
    (float, float, int)
        The bound on :math:`T`, the bound off :math:`T` (both 0 when every entry ties), and :math:`t`.

    Examples
    --------
    >>> on, off, t = concentration_bounds(np.array([0.0, 1.0]), 1.0)
    >>> t, round(on / math.exp(-1), 12), round(off / math.exp(-1), 12)
    (1, 1.0, 1.0)
    >>> concentration_bounds(np.array([0.0, 0.0, 1.0]), 1.0)[1] == math.exp(-1) / 2
    True
    """
    tie = d == d.min()
    t = int(tie.sum())
    if tie.all():
        return 0.0, 0.0, t
    eps = math.exp(-float(np.min(d[~tie]) - d.min()) / sigma)
    return (d.size - t) * eps / t**2, eps / t, t
