r"""Probability maps on logits: softmax, log-sum-exp, entmax-1.5, sparsemax, entmax-alpha.

Each map has a **public** function (validates, converts to float64, works along
``axis`` on NumPy / array-api-strict / torch inputs and returns the input's
namespace) and a **private dtype-preserving kernel** ``_name(z, xp, axis=-1)``
(no validation, no cast: computes in the dtype of ``z``; used by the precision
study, KR-S36-underflow).

Conventions and edge cases (public functions)
---------------------------------------------
* All maps are **max-shifted**: they work on :math:`z - \max z`, so they are
  exactly invariant to a common offset that float64 can represent.  Adding an
  offset such as ``1e300`` to moderate logits absorbs their differences
  (``1e300 + 5 == 1e300``): the row is then constant and the result uniform,
  which is the exact answer for the stored input.
* Logit differences that overflow (e.g. ``[1e308, -1e308]``) give ``-inf`` after
  the shift and probability exactly 0; no NaN.
* ``-inf`` entries get probability exactly 0.  A slice that is **entirely**
  ``-inf`` raises ``ValueError`` for the probability maps (normalisation
  undefined); :func:`log_sum_exp` returns ``-inf`` for it (:math:`\log 0`).
  NaN or ``+inf`` anywhere raise ``ValueError``.
* A single entry maps to ``1.0``; tied entries get exactly equal probabilities.
* :func:`softmax_naive` is the textbook :math:`e^{z}/\sum e^{z}` (no shift),
  kept only as an object of study: it returns NaN (``inf/inf``) when some
  :math:`z_j > 709.78` and NaN (``0/0``) when all :math:`z_j < -745.1`; it still
  validates its input like the others.

References
----------
B. Peters, V. Niculae, A. F. T. Martins, "Sparse Sequence-to-Sequence Models",
ACL 2019, arXiv:1905.14006 (entmax-alpha, exact sort for alpha = 1.5, bisection).
A. F. T. Martins, R. F. Astudillo, "From Softmax to Sparsemax", ICML 2016,
arXiv:1602.02068.
"""

from __future__ import annotations

from typing import Any

from ._compat import device_of, quiet_fp
from .validation import check_alpha, check_logits

__all__ = [
    "entmax15",
    "entmax_bisect",
    "log_sum_exp",
    "softmax",
    "softmax_naive",
    "sparsemax",
]


# ---------------------------------------------------------------------------------------
# helpers


def _to_last(z: Any, xp: Any, axis: int) -> Any:
    ax = axis % z.ndim
    return z if ax == z.ndim - 1 else xp.moveaxis(z, ax, -1)


def _from_last(p: Any, xp: Any, axis: int) -> Any:
    ax = axis % p.ndim
    return p if ax == p.ndim - 1 else xp.moveaxis(p, -1, ax)


def _shift(z: Any, xp: Any) -> Any:
    """``z - max(z)`` along the last axis; rows with max -inf are shifted by 0."""
    m = xp.max(z, axis=-1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    return z - m


# ---------------------------------------------------------------------------------------
# private dtype-preserving kernels (no validation)


def _softmax(z: Any, xp: Any, axis: int = -1) -> Any:
    """Max-shifted softmax in the dtype of ``z`` (rows all -inf give NaN)."""
    zl = _to_last(z, xp, axis)
    m = xp.max(zl, axis=-1, keepdims=True)
    e = xp.exp(zl - m)
    return _from_last(e / xp.sum(e, axis=-1, keepdims=True), xp, axis)


def _softmax_naive(z: Any, xp: Any, axis: int = -1) -> Any:
    """Textbook ``exp(z) / sum(exp(z))`` in the dtype of ``z`` (may give NaN)."""
    e = xp.exp(z)
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_sum_exp(z: Any, xp: Any, axis: int = -1) -> Any:
    """``max + log(sum(exp(z - max)))`` in the dtype of ``z``; ``-inf`` for rows all -inf."""
    zl = _to_last(z, xp, axis)
    m = xp.max(zl, axis=-1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    s = xp.log(xp.sum(xp.exp(zl - m), axis=-1, keepdims=True)) + m
    return s[..., 0]


def _sparse_threshold_support(x: Any, xp: Any, power: str) -> Any:
    r"""Support mask of sparsemax (``power='1'``) / entmax-1.5 (``power='2'``) on shifted ``x``.

    ``x`` has max 0 along the last axis and entries clamped to ``>= -2``.
    Sort-based rule (Martins & Astudillo 2016; Peters et al. 2019): with
    :math:`x_{(1)}\ge x_{(2)}\ge\dots`, the support size is the number of ``k``
    with :math:`\tau_k \le x_{(k)}` (``<`` for sparsemax's strict rule).
    """
    k = x.shape[-1]
    xs = xp.sort(x, axis=-1, descending=True)
    ks = xp.arange(1, k + 1, dtype=x.dtype, device=device_of(x))
    cs = xp.cumulative_sum(xs, axis=-1)
    if power == "1":
        tau_k = (cs - 1.0) / ks
        ok = xs > tau_k
    else:
        mean = cs / ks
        mean_sq = xp.cumulative_sum(xs * xs, axis=-1) / ks
        ss = ks * (mean_sq - mean * mean)
        delta = (1.0 - ss) / ks
        tau_k = mean - xp.sqrt(xp.maximum(delta, xp.zeros_like(delta)))
        ok = tau_k <= xs
    size = xp.sum(xp.astype(ok, x.dtype), axis=-1, keepdims=True)
    size = xp.maximum(size, xp.ones_like(size))
    # x_(size) is the smallest supported value: support = {x >= x_(size)}
    idx = xp.astype(size, xp.int64) - 1
    kth = xp.take_along_axis(xs, idx, axis=-1)
    return x >= kth, size


def _entmax15(z: Any, xp: Any, axis: int = -1) -> Any:
    r"""Exact entmax-1.5 by sorting, in the dtype of ``z``.

    With :math:`x = (z-\max z)/2` the answer is :math:`p_j=[x_j-\tau]_+^2`.  The
    support is found by the sort rule of Peters et al.; :math:`\tau` is then
    recomputed on the support from centred moments,
    :math:`\tau = \bar x - \sqrt{1/k - \operatorname{var}(x_S)}`, and ``p`` is
    normalised.  Entries with :math:`x\le-1` are never in the support
    (:math:`\tau\ge-1`), so clamping ``x`` at ``-2`` (removes ``-inf``) changes nothing.
    """
    zl = _to_last(z, xp, axis)
    x = _shift(zl, xp) / 2.0
    x = xp.maximum(x, xp.full_like(x, -2.0))
    mask, size = _sparse_threshold_support(x, xp, "2")
    zero = xp.zeros_like(x)
    mean = xp.sum(xp.where(mask, x, zero), axis=-1, keepdims=True) / size
    dev = xp.where(mask, x - mean, zero)
    var = xp.sum(dev * dev, axis=-1, keepdims=True) / size
    rad = 1.0 / size - var
    tau = mean - xp.sqrt(xp.maximum(rad, xp.zeros_like(rad)))
    p = xp.where(mask, xp.maximum(x - tau, zero), zero)
    p = p * p
    p = p / xp.sum(p, axis=-1, keepdims=True)
    return _from_last(p, xp, axis)


def _sparsemax(z: Any, xp: Any, axis: int = -1) -> Any:
    r"""Exact sparsemax by sorting, in the dtype of ``z``: :math:`p=[x-\tau]_+`, :math:`x=z-\max z`."""
    zl = _to_last(z, xp, axis)
    x = _shift(zl, xp)
    x = xp.maximum(x, xp.full_like(x, -2.0))
    mask, size = _sparse_threshold_support(x, xp, "1")
    zero = xp.zeros_like(x)
    tau = (xp.sum(xp.where(mask, x, zero), axis=-1, keepdims=True) - 1.0) / size
    p = xp.where(mask, xp.maximum(x - tau, zero), zero)
    p = p / xp.sum(p, axis=-1, keepdims=True)
    return _from_last(p, xp, axis)


def _entmax_bisect(z: Any, xp: Any, axis: int = -1, alpha: float = 1.5,
                   n_iter: int | None = None) -> Any:
    r"""entmax-alpha by bisection on :math:`\tau`, in the dtype of ``z``.

    :math:`x=(\alpha-1)(z-\max z)` clamped at ``-2``; :math:`p_j=[x_j-\tau]_+^{1/(\alpha-1)}`,
    :math:`\tau\in[-1, -K^{-(\alpha-1)}]` bracketed, :math:`f(\tau)=\sum_jp_j-1` is
    decreasing.  With ``n_iter=None`` the bisection runs until ``lo`` and ``hi`` are
    adjacent floats in every row (at most 2000 halvings), then ``p`` is normalised.
    ``alpha == 1`` is the softmax.
    """
    if alpha == 1.0:
        return _softmax(z, xp, axis)
    zl = _to_last(z, xp, axis)
    am1 = alpha - 1.0
    x = _shift(zl, xp) * am1
    x = xp.maximum(x, xp.full_like(x, -2.0))
    k = x.shape[-1]
    inv = 1.0 / am1
    zero = xp.zeros_like(x)
    lo = xp.full_like(x[..., :1], -1.0)
    hi = xp.full_like(x[..., :1], -(float(k) ** (-am1)))
    max_iter = 2000 if n_iter is None else int(n_iter)
    for _ in range(max_iter):
        mid = lo + (hi - lo) / 2.0
        if n_iter is None:
            still = (mid > lo) & (mid < hi)
            if not bool(xp.any(still)):
                break
        p = xp.pow(xp.maximum(x - mid, zero), inv)
        f = xp.sum(p, axis=-1, keepdims=True) - 1.0
        pos = f >= 0.0  # tau too small -> move lo up
        lo = xp.where(pos, mid, lo)
        hi = xp.where(pos, hi, mid)
    p = xp.pow(xp.maximum(x - lo, zero), inv)
    p = p / xp.sum(p, axis=-1, keepdims=True)
    return _from_last(p, xp, axis)


# ---------------------------------------------------------------------------------------
# public functions


def softmax(z: Any, /, *, axis: int = -1) -> Any:
    r"""Max-shifted softmax :math:`p_j = e^{z_j-m}/\sum_l e^{z_l-m}`, :math:`m=\max_l z_l`.

    Parameters
    ----------
    z : array
        Logits (any real dtype; computed in float64).  ``-inf`` entries allowed,
        a slice entirely ``-inf``, NaN or ``+inf`` raise ``ValueError``.
    axis : int
        Axis along which the probabilities sum to one.

    Returns
    -------
    array
        float64 probabilities, same shape and namespace as ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    >>> softmax(np.array([1e300, 1e300 + 5.0]))  # offset absorbed the difference
    array([0.5, 0.5])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _softmax(z, xp, axis)


def softmax_naive(z: Any, /, *, axis: int = -1) -> Any:
    r"""Textbook softmax :math:`e^{z_j}/\sum_l e^{z_l}` **without** the max shift.

    Object of study only (KR-S36-underflow).  Input is validated like
    :func:`softmax`, but the result is NaN when some :math:`z_j > 709.78`
    (``inf/inf``) or when every :math:`z_j < -745.1` (``0/0``).

    Examples
    --------
    >>> import numpy as np
    >>> softmax_naive(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    >>> softmax_naive(np.array([-800.0, -801.0]))  # underflow: 0/0
    array([nan, nan])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp(invalid=True):  # NumPy's inf/inf, 0/0 warnings: the NaN is the point
        return _softmax_naive(z, xp, axis)


def log_sum_exp(z: Any, /, *, axis: int = -1) -> Any:
    r""":math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j-m}`, :math:`m=\max_j z_j`.

    Reduces ``axis``.  A slice entirely ``-inf`` gives ``-inf`` (exact);
    NaN or ``+inf`` raise ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> float(log_sum_exp(np.array([1000.0, 1000.0])))  # 1000 + log 2, no overflow
    1000.6931471805599
    >>> log_sum_exp(np.array([[-np.inf, -np.inf]]))
    array([-inf])
    """
    z, xp, axis = check_logits(z, axis, allow_all_neg_inf=True)
    with quiet_fp():
        return _log_sum_exp(z, xp, axis)


def entmax15(z: Any, /, *, axis: int = -1) -> Any:
    r"""1.5-entmax by the exact sort-based threshold (Peters et al. 2019).

    .. math::

        \operatorname{entmax}_{1.5}(z) = \arg\max_{p\in\Delta}\ p^\top z + H^T_{1.5}(p),
        \qquad p_j = [z_j/2 - \tau]_+^2,\ \sum_j p_j = 1.

    Exactly one-hot when the top logit gap is ``>= 2``.  Edge cases as in the
    module docstring.

    Examples
    --------
    >>> import numpy as np
    >>> entmax15(np.array([0.0, 0.0]))
    array([0.5, 0.5])
    >>> entmax15(np.array([3.0, 1.0, -5.0]))  # gap 2: one-hot
    array([1., 0., 0.])
    >>> entmax15(np.array([0.4, 0.0]))
    array([0.64, 0.36])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _entmax15(z, xp, axis)


def sparsemax(z: Any, /, *, axis: int = -1) -> Any:
    r"""Sparsemax: the Euclidean projection of ``z`` onto the simplex.

    .. math::

        \operatorname{sparsemax}(z)=\arg\min_{p\in\Delta}\lVert p-z\rVert_2^2 = [z-\tau]_+.

    One-hot when the top logit gap is ``>= 1``.

    Examples
    --------
    >>> import numpy as np
    >>> sparsemax(np.array([0.5, 0.0, -3.0]))
    array([0.75, 0.25, 0.  ])
    """
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _sparsemax(z, xp, axis)


def entmax_bisect(z: Any, /, alpha: float, *, axis: int = -1, n_iter: int | None = None) -> Any:
    r"""alpha-entmax for any ``alpha >= 1`` by bisection on the threshold.

    .. math::

        p_j = [(\alpha-1)(z_j-\max z) - \tau]_+^{1/(\alpha-1)},\qquad \sum_j p_j = 1,

    with :math:`\tau\in[-1,-K^{1-\alpha}]`.  ``alpha == 1`` returns
    :func:`softmax`; ``alpha == 2`` is sparsemax; ``alpha == 1.5`` agrees with
    :func:`entmax15` to a few ulps.  By default (``n_iter=None``) the bisection
    runs until the bracket is two adjacent floats (full float64 precision in
    :math:`\tau`), then ``p`` is normalised; an integer ``n_iter`` fixes the
    number of halvings instead.

    Examples
    --------
    >>> import numpy as np
    >>> entmax_bisect(np.array([0.4, 0.0]), 1.5)
    array([0.64, 0.36])
    >>> entmax_bisect(np.array([0.5, 0.0, -3.0]), 2.0)
    array([0.75, 0.25, 0.  ])
    """
    a = check_alpha(alpha)
    if n_iter is not None and (isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 1):
        raise ValueError(f"n_iter must be a positive int or None; got {n_iter!r}")
    z, xp, axis = check_logits(z, axis)
    with quiet_fp():
        return _entmax_bisect(z, xp, axis, alpha=a, n_iter=n_iter)


def _probability_map(alpha: float):
    """The private kernel for ``alpha`` (1 softmax, 1.5 entmax15, 2 sparsemax, else bisection)."""
    if alpha == 1.0:
        return _softmax
    if alpha == 1.5:
        return _entmax15
    if alpha == 2.0:
        return _sparsemax

    def _kernel(z: Any, xp: Any, axis: int = -1) -> Any:
        return _entmax_bisect(z, xp, axis, alpha=alpha)

    return _kernel

