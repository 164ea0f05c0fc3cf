r"""The internal kernel layer of :mod:`kmrbf.numerics`: private kernels shared by several modules.

Kernels here assume valid input (the public functions validate at the door, see
:mod:`kmrbf.numerics.validation`) and compute in the dtype of their arguments.
They are the array-API reference path:

* probability maps on logits, dtype-preserving, along ``axis``: :func:`_softmax`,
  :func:`_softmax_naive`, :func:`_log_sum_exp`, :func:`_entmax15`, :func:`_sparsemax`,
  :func:`_entmax_bisect` (bisection on :math:`\tau`, or on :math:`\lambda` in log1p form for
  :math:`\alpha-1<` :data:`LOG1P_ALPHA_GAP`) and the dispatcher :func:`_probability_map` (used by
  :mod:`~kmrbf.numerics.activations`, :mod:`~kmrbf.numerics.functionals`,
  :mod:`~kmrbf.numerics.kmeans`, the fuzzy estimators and the precision study);
* the guarded GEMM squared distances in row blocks, :func:`iter_sq_distance_blocks` and
  :func:`_sq_distances` (the scheme and its error bound: :mod:`kmrbf.numerics.distances`);
* gap-first logits :math:`z_{ik}=-(d_{ik}-\min_j d_{ij})/\sigma` of a distance block
  (:func:`_block_logits`);
* the cluster statistics :math:`S_k=\sum_iw_{ik}`, :math:`T_k=\sum_iw_{ik}x_i` with hard
  (:func:`_hard_stats`) or soft (:func:`_soft_stats`) weights, the update that keeps empty
  clusters (:func:`_means_keep_empty`; the soft centroid step is
  :func:`kmrbf.numerics.backends._kernels._soft_centroids`) and its warning
  (:class:`EmptyClusterWarning`, :func:`_warn_empty`);
* the per-cluster shifted soft statistics for clusters whose responsibilities underflow
  (:func:`_shifted_soft_stats`, below :data:`UNDERFLOW_GUARD`), built on the bases of the
  maps (:func:`_entmax15_base`, :func:`_sparsemax_base`, :func:`_entmax_tau_base`,
  :func:`_entmax_log1p_logw`; :func:`_weight_parts`).

Import rule (checked by ``tests/numerics/test_layering.py``)
-----------------------------------------------------------
A module of :mod:`kmrbf.numerics` imports an underscore-prefixed name (``from M import
_name``, or ``alias._name`` on an imported module) **only from a module named**
``_kernels``: this one, or a subpackage's own kernel layer (``arb/_kernels.py``).  Every
other underscore name is private to the module that defines it.  Helpers shared inside a
subpackage that are not kernels (parameter checks, dtype conversions) live in that
subpackage's private modules (``fuzzy/_params.py``, ``precision/_dtypes.py``) under names
**without** a leading underscore: the module's own underscore already marks them private,
and they are not re-exported in the subpackage's ``__all__``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ._compat import device_of, on_accelerator

__all__: list[str] = []  # nothing public: a private layer, imported by name

_U = 2.0**-53  # unit roundoff of float64


# ---------------------------------------------------------------------------------------
# warnings


class EmptyClusterWarning(UserWarning):
    """A cluster received no point (Lloyd) or zero total weight (soft updates); its centroid was kept."""


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


def _entmax15_base(zl: Any, xp: Any) -> Any:
    r"""The base :math:`b_j=[x_j-\tau]_+` of entmax-1.5 on the last axis (:math:`p\propto b^2`).

    With :math:`x = (z-\max z)/2` the answer is :math:`p_j=[x_j-\tau]_+^2`.  The
    support is found by the sort rule of Peters et al.; :math:`\tau` is then
    recomputed on the support from centred moments,
    :math:`\tau = \bar x - \sqrt{1/k - \operatorname{var}(x_S)}`.  Entries with
    :math:`x\le-1` are never in the support (:math:`\tau\ge-1`), so clamping ``x`` at
    ``-2`` (removes ``-inf``) changes nothing.
    """
    x = _shift(zl, xp) / 2.0
    x = xp.maximum(x, xp.full_like(x, -2.0))
    mask, size = _sparse_threshold_support(x, xp, "2")
    zero = xp.zeros_like(x)
    mean = xp.sum(xp.where(mask, x, zero), axis=-1, keepdims=True) / size
    dev = xp.where(mask, x - mean, zero)
    var = xp.sum(dev * dev, axis=-1, keepdims=True) / size
    rad = 1.0 / size - var
    tau = mean - xp.sqrt(xp.maximum(rad, xp.zeros_like(rad)))
    return xp.where(mask, xp.maximum(x - tau, zero), zero)


def _entmax15(z: Any, xp: Any, axis: int = -1) -> Any:
    r"""Exact entmax-1.5 by sorting, in the dtype of ``z``: :math:`p = b^2/\sum b^2`,
    :math:`b` from :func:`_entmax15_base`."""
    p = _entmax15_base(_to_last(z, xp, axis), xp)
    p = p * p
    p = p / xp.sum(p, axis=-1, keepdims=True)
    return _from_last(p, xp, axis)


def _sparsemax_base(zl: Any, xp: Any) -> Any:
    r"""The base :math:`b=[x-\tau]_+`, :math:`x=z-\max z`, of sparsemax on the last axis (:math:`p\propto b`)."""
    x = _shift(zl, xp)
    x = xp.maximum(x, xp.full_like(x, -2.0))
    mask, size = _sparse_threshold_support(x, xp, "1")
    zero = xp.zeros_like(x)
    tau = (xp.sum(xp.where(mask, x, zero), axis=-1, keepdims=True) - 1.0) / size
    return xp.where(mask, xp.maximum(x - tau, zero), zero)


def _sparsemax(z: Any, xp: Any, axis: int = -1) -> Any:
    r"""Exact sparsemax by sorting, in the dtype of ``z``: :math:`p=[x-\tau]_+`, :math:`x=z-\max z`."""
    p = _sparsemax_base(_to_last(z, xp, axis), xp)
    p = p / xp.sum(p, axis=-1, keepdims=True)
    return _from_last(p, xp, axis)


#: ``alpha - 1`` below which :func:`_entmax_bisect` bisects on :math:`\lambda` (log1p form)
#: instead of :math:`\tau`.  The :math:`\tau` form's error grows like :math:`u/(\alpha-1)`; at
#: the switch it is at most ``1 / LOG1P_ALPHA_GAP = 8`` times the log1p form's (derivation:
#: :func:`kmrbf.numerics.entmax_bisect`); keeping it above the switch keeps established
#: results (``alpha`` in {1.25, 3}) bit for bit.
LOG1P_ALPHA_GAP = 0.125


def _entmax_tau_base(zl: Any, xp: Any, alpha: float, n_iter: int | None) -> Any:
    r"""The base :math:`b_j=[x_j-\tau]_+` of entmax-alpha by bisection on :math:`\tau` (last axis).

    :math:`x=(\alpha-1)(z-\max z)` clamped at ``-2``; :math:`p_j\propto b_j^{1/(\alpha-1)}`,
    :math:`\tau\in[-1, -K^{-(\alpha-1)}]` bracketed, :math:`f(\tau)=\sum_jb_j^{1/(\alpha-1)}-1` is
    decreasing.  With ``n_iter=None`` the bisection runs until ``lo`` and ``hi`` are
    adjacent floats in every row (at most 2000 halvings); ``b`` is taken at ``lo``
    (:math:`f(lo)\ge0`).
    """
    x, inv, zero, lo, hi = _entmax_tau_bracket(zl, xp, alpha)
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
    return xp.maximum(x - lo, zero)


def _entmax_tau_bracket(zl: Any, xp: Any, alpha: float) -> tuple[Any, float, Any, Any, Any]:
    r"""Set-up of the :math:`\tau`-form (:func:`_entmax_tau_base`, and the torch-native copy of
    its loop): ``x`` :math:`=\max((\alpha-1)(z-\max z),-2)`, the exponent
    :math:`1/(\alpha-1)`, zeros like ``x``, and the bracket ``lo = -1``,
    ``hi`` :math:`=-K^{-(\alpha-1)}` per row."""
    am1 = alpha - 1.0
    x = _shift(zl, xp) * am1
    x = xp.maximum(x, xp.full_like(x, -2.0))
    k = x.shape[-1]
    lo = xp.full_like(x[..., :1], -1.0)
    hi = xp.full_like(x[..., :1], -(float(k) ** (-am1)))
    return x, 1.0 / am1, xp.zeros_like(x), lo, hi


def _entmax_log1p_bracket(zl: Any, xp: Any, alpha: float) -> tuple[Any, Any, Any]:
    r"""Set-up of the :math:`\lambda`-form (:func:`_entmax_log1p_logw`, and the torch-native copy
    of its loop): the log-weights ``logw(lam)`` :math:`=\operatorname{log1p}(\varepsilon(y+
    \lambda))/\varepsilon` of :math:`y=\max(z-\max z,-2/\varepsilon)`, and the bracket
    ``lo`` :math:`=-\log K`, ``hi = 0`` per row."""
    eps = alpha - 1.0
    y = _shift(zl, xp)
    y = xp.maximum(y, xp.full_like(y, -2.0 / eps))
    neg1 = xp.full_like(y, -1.0)

    def logw(lam: Any) -> Any:
        return _over(xp.log1p(xp.maximum(eps * (y + lam), neg1)), eps, xp)

    return logw, xp.full_like(y[..., :1], -math.log(y.shape[-1])), xp.zeros_like(y[..., :1])


def _entmax_log1p_logw(zl: Any, xp: Any, alpha: float, n_iter: int | None) -> Any:
    r"""Log-weights :math:`L_j=\log p_j` (before normalisation) of entmax-alpha, :math:`\alpha-1<1/8`.

    Reparametrisation :math:`\tau=-1-\varepsilon\lambda`, :math:`\varepsilon=\alpha-1`,
    :math:`y=z-\max z`: :math:`p_j=(1+\varepsilon(y_j+\lambda))_+^{1/\varepsilon}
    =\exp(\operatorname{log1p}(\varepsilon(y_j+\lambda))/\varepsilon)`, with
    :math:`\lambda\in[-\log K,0]` the root of the increasing
    :math:`g(\lambda)=\sum_jp_j-1` (:math:`g(0)\ge0`; :math:`g(-\log K)\le0` because
    :math:`(1+t)^{1/\varepsilon}\le e^{t/\varepsilon}`).  ``y`` is clamped at
    :math:`-2/\varepsilon` (entries with :math:`y\le-1/\varepsilon` are never in the
    support since :math:`\lambda\le0`).  With ``n_iter=None`` the bisection stops when every
    row's bracket is two adjacent floats or narrower than :math:`u=2^{-53}` (an absolute
    error :math:`\delta` in :math:`\lambda` moves :math:`\log p_j` by :math:`\delta/b_j`,
    :math:`b_j=1+\varepsilon(y_j+\lambda)\le1`); ``L`` is taken at ``lo`` (:math:`g(lo)\le0`)
    and the caller normalises.  :math:`L_j=-\infty` off the support.
    """
    logw, lo, hi = _entmax_log1p_bracket(zl, xp, alpha)
    max_iter = 2000 if n_iter is None else int(n_iter)
    for _ in range(max_iter):
        mid = lo + (hi - lo) / 2.0
        if n_iter is None:
            still = (mid > lo) & (mid < hi) & (hi - lo > _U)
            if not bool(xp.any(still)):
                break
        g = xp.sum(xp.exp(logw(mid)), axis=-1, keepdims=True) - 1.0
        neg = g <= 0.0  # lambda too small -> move lo up
        lo = xp.where(neg, mid, lo)
        hi = xp.where(neg, hi, mid)
    return logw(lo)


def _entmax_bisect(z: Any, xp: Any, axis: int = -1, alpha: float = 1.5,
                   n_iter: int | None = None) -> Any:
    r"""entmax-alpha by bisection, in the dtype of ``z``; ``alpha == 1`` is the softmax.

    :math:`\alpha-1\ge` :data:`LOG1P_ALPHA_GAP`: bisection on :math:`\tau`
    (:func:`_entmax_tau_base`), :math:`p=b^{1/(\alpha-1)}/\sum b^{1/(\alpha-1)}`; below it:
    bisection on :math:`\lambda` (:func:`_entmax_log1p_logw`), :math:`p=e^{L}/\sum e^{L}`,
    whose error stays :math:`O(u)` as :math:`\alpha\to1`.
    """
    if alpha == 1.0:
        return _softmax(z, xp, axis)
    zl = _to_last(z, xp, axis)
    if alpha - 1.0 < LOG1P_ALPHA_GAP:
        p = xp.exp(_entmax_log1p_logw(zl, xp, alpha, n_iter))
    else:
        p = xp.pow(_entmax_tau_base(zl, xp, alpha, n_iter), 1.0 / (alpha - 1.0))
    p = p / xp.sum(p, axis=-1, keepdims=True)
    return _from_last(p, xp, axis)


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


# ---------------------------------------------------------------------------------------
# squared distances (guarded GEMM; scheme in kmrbf.numerics.distances)

#: Entries with ``d_hat <= RECOMPUTE_FRACTION * (|x-c|^2 + |mu-c|^2)`` are recomputed directly.
RECOMPUTE_FRACTION = 0.125


def _block_sq_distances(Xb: Any, M: Any, center: Any, Mc: Any, mn: Any, xp: Any,
                        budget: int) -> Any:
    """Guarded GEMM distances of a block ``Xb`` to the centroids ``M``.

    ``Mc = M - center`` and ``mn`` its squared norms (shape (K,)).  Flagged entries
    are recomputed from the original ``Xb`` and ``M``; ``budget`` bounds the number of
    floats of the direct recomputation per piece.
    """
    Xc = Xb - center
    xn = xp.sum(Xc * Xc, axis=1)
    scale = xn[:, None] + mn[None, :]
    d = scale - 2.0 * (Xc @ xp.matrix_transpose(Mc))
    d = xp.maximum(d, xp.zeros_like(d))
    bad = d <= RECOMPUTE_FRACTION * scale
    if bool(xp.any(bad)):
        rows, cols = xp.nonzero(bad)
        n_bad = int(rows.shape[0])
        dim = int(Xc.shape[1])
        step = max(1, budget // max(dim, 1))
        pieces = []
        for start in range(0, n_bad, step):
            stop = min(start + step, n_bad)
            r = rows[start:stop]
            c = cols[start:stop]
            diff = xp.take(Xb, r, axis=0) - xp.take(M, c, axis=0)
            pieces.append(xp.sum(diff * diff, axis=1))
        exact = pieces[0] if len(pieces) == 1 else xp.concat(pieces)
        d[bad] = exact
    return d


def iter_sq_distance_blocks(X: Any, M: Any, xp: Any, chunk_size: int):
    """Yield ``(start, stop, D_block)`` for row blocks of at most ``chunk_size`` rows.

    Private-kernel helper (no validation): ``X`` (N, D), ``M`` (K, D) float64 arrays of
    namespace ``xp``.  Each block is computed by the guarded GEMM of the module
    docstring.

    Parameters
    ----------
    X : array (N, D)
        float64 data, already validated.
    M : array (K, D)
        float64 centroids, already validated.
    xp : namespace
        The array-API namespace of ``X`` and ``M``.
    chunk_size : int
        Rows per block.

    Yields
    ------
    start, stop : int
        Row range of the block.
    D_block : array (stop - start, K)
        Guarded squared distances of the block.
    """
    n = int(X.shape[0])
    k = int(M.shape[0])
    center = xp.mean(M, axis=0)
    Mc = M - center
    mn = xp.sum(Mc * Mc, axis=1)
    budget = max(chunk_size * k, 1)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        yield start, stop, _block_sq_distances(X[start:stop, :], M, center, Mc, mn, xp, budget)


def _sq_distances(X: Any, M: Any, xp: Any, chunk_size: int) -> Any:
    blocks = [blk for _, _, blk in iter_sq_distance_blocks(X, M, xp, chunk_size)]
    return blocks[0] if len(blocks) == 1 else xp.concat(blocks, axis=0)


# ---------------------------------------------------------------------------------------
# logits and cluster statistics


def _over(x: Any, c: Any, xp: Any) -> Any:
    r""":math:`x/c` rounded once, on the CPU and on CUDA alike (``c`` a float or an array;
    ``x`` a floating array: the kernels' float64).

    torch's CUDA kernels divide by a host scalar as :math:`x\cdot\mathrm{fl}(1/c)`: two
    roundings, and :math:`0\cdot\infty=` NaN where :math:`1/c` overflows (a subnormal
    :math:`\sigma`; found on an H200, benchmarks/README.md).  There a float ``c`` goes in as
    a 0-d array on ``x``'s device, which takes the division kernel; everywhere else (NumPy,
    torch on the CPU, CuPy, array ``c``) this is ``x / c``.

    >>> import numpy as np
    >>> _over(np.array([0.0, 1.0]), 4.0, np)
    array([0.  , 0.25])
    """
    return x / _divisor(c, x, xp)


def _divisor(c: Any, x: Any, xp: Any) -> Any:
    """``c`` ready to divide ``x`` (:func:`_over`): a float becomes a 0-d array on ``x``'s
    device where ``x`` is a floating torch tensor on an accelerator (filled there by a
    kernel: ``asarray`` would copy from the host, a synchronisation); anything else is
    returned as it is (CuPy divides by a scalar exactly)."""
    if isinstance(c, float) and on_accelerator(x) and getattr(x.dtype, "is_floating_point", False):
        return xp.full((), c, dtype=x.dtype, device=device_of(x))
    return c


def _block_logits(d: Any, sigma: float, xp: Any) -> Any:
    dmin = xp.min(d, axis=1, keepdims=True)
    return _over(-(d - dmin), sigma, xp)


def _hard_stats(X: Any, M: Any, xp: Any, chunk: int) -> tuple[Any, Any, Any]:
    k = int(M.shape[0])
    ks = xp.arange(k, device=device_of(X))
    S = xp.zeros_like(M[:, 0])
    T = xp.zeros_like(M)
    labels = []
    for start, stop, d in iter_sq_distance_blocks(X, M, xp, chunk):
        lab = xp.argmin(d, axis=1)
        labels.append(lab)
        w = xp.astype(lab[:, None] == ks[None, :], X.dtype)
        S = S + xp.sum(w, axis=0)
        T = T + xp.matrix_transpose(w) @ X[start:stop, :]
    lab = labels[0] if len(labels) == 1 else xp.concat(labels)
    return S, T, lab


def _soft_stats(X: Any, M: Any, sigma: float, alpha: float, xp: Any, chunk: int) -> tuple[Any, Any]:
    S, T, _, _, _ = _soft_stats_reference(X, M, sigma, alpha, xp, chunk)
    return S, T


def _soft_stats_reference(X: Any, M: Any, sigma: float, alpha: float, xp: Any,
                          chunk: int) -> tuple[Any, Any, Any, Any, Any]:
    r"""The array-API reference of one soft step's statistics ``(S, T, W, F0, G)``.

    :math:`S_k=\sum_ir_{ik}`, :math:`T_k=\sum_ir_{ik}x_i`, :math:`W=\sum_{ik}r_{ik}d_{ik}`,
    :math:`F_0=\sum_id_{i(1)}` and, for ``alpha == 1``,
    :math:`G_\sigma=\sum_i[d_{i(1)}-\sigma\log\sum_ke^{-(d_{ik}-d_{i(1)})/\sigma}]` (else
    None), accumulated per row block; scalars are 0-d arrays of ``xp``.
    """
    pmap = _probability_map(alpha)
    S = xp.zeros_like(M[:, 0])
    T = xp.zeros_like(M)
    W = xp.sum(S[:0])
    F0 = xp.sum(S[:0])
    G = xp.sum(S[:0]) if alpha == 1.0 else None
    for start, stop, d in iter_sq_distance_blocks(X, M, xp, chunk):
        dmin = xp.min(d, axis=1)
        z = _over(-(d - dmin[:, None]), sigma, xp)
        r = pmap(z, xp, -1)
        S = S + xp.sum(r, axis=0)
        T = T + xp.matrix_transpose(r) @ X[start:stop, :]
        W = W + xp.sum(r * d)
        F0 = F0 + xp.sum(dmin)
        if G is not None:
            G = G + xp.sum(dmin - sigma * xp.log(xp.sum(xp.exp(z), axis=1)))
    return S, T, W, F0, G


def _max_abs(X: Any, xp: Any) -> float:
    r""":math:`\max_{ij}|x_{ij}|` from ``max`` and ``min`` (no temporary of the size of ``X``)."""
    return max(abs(float(xp.max(X))), abs(float(xp.min(X))))


def _means_keep_empty(S: Any, T: Any, M: Any, xp: Any) -> tuple[Any, int]:
    empty = S <= 0.0
    safe = xp.where(empty, xp.ones_like(S), S)
    new = xp.where(empty[:, None], M, T / safe[:, None])
    return new, int(xp.sum(xp.astype(empty, xp.int64)))


def _warn_empty(n_empty: int, what: str, k: int) -> None:
    if n_empty:
        warnings.warn(
            f"{n_empty} of K={k} clusters had {what}; their centroids were kept unchanged",
            EmptyClusterWarning, stacklevel=3,
        )


# ---------------------------------------------------------------------------------------
# soft centroids whose responsibilities underflow: per-column (per-cluster) shift

#: A soft centroid :math:`T_k/S_k` accumulated from float64 responsibilities is recomputed
#: with per-cluster shifted weights when :math:`S_k\min(1,s)<N\cdot` ``UNDERFLOW_GUARD``,
#: :math:`s=\max_{ij}|x_{ij}|`.  Above it, underflow (at most :math:`2^{-1073}` per
#: :math:`r_{ik}`, :math:`2^{-1075}` per product :math:`r_{ik}x_{ij}`) perturbs the centroid by
#: at most :math:`N 2^{-1071}/(S_k\min(1,s))\cdot s\le 2^{-104}s = 4u^2 s`: second order.
def _grad_W_terms(d: Any, sigma: Any, alpha: float, xp: Any) -> tuple[Any, Any]:
    r"""Per-entry terms of :math:`\nabla W_\sigma` along the last axis of a distance block ``d``.

    With :math:`\delta_{ik}=d_{ik}-\min_jd_{ij}`, :math:`p=\operatorname{entmax}_\alpha(-\delta/\sigma)`,
    :math:`s=p^{2-\alpha}` on the support (the Jacobian weights: :math:`s=p` for softmax, the
    support indicator for sparsemax) and :math:`\bar\delta_i=\sum_ks_{ik}\delta_{ik}/\sum_ks_{ik}`,
    returns ``(p, g)`` with :math:`g_{ik}=p_{ik}-s_{ik}(\delta_{ik}-\bar\delta_i)/\sigma`, so that
    :math:`\nabla_{\mu_k}W_\sigma=2\sum_ig_{ik}(\mu_k-x_i)`.  ``sigma`` broadcasts against ``d``
    (a scalar, or one value per leading batch entry).  Shared by :func:`kmrbf.numerics.kmeans.grad_W_sigma`
    / ``rbf_gradient_step`` and the batched trainer of :mod:`kmrbf.numerics.training` (same
    operations in the same order, so both give the same bits).
    """
    dd = d - xp.min(d, axis=-1, keepdims=True)
    p = _probability_map(alpha)(_over(-dd, sigma, xp), xp, -1)
    zero = xp.zeros_like(p)
    pos = p > 0.0
    if alpha == 1.0:
        s = p
    elif alpha == 2.0:
        s = xp.astype(pos, p.dtype)
    else:
        s = xp.where(pos, xp.pow(xp.where(pos, p, xp.ones_like(p)), 2.0 - alpha), zero)
    dbar = xp.sum(s * dd, axis=-1, keepdims=True) / xp.sum(s, axis=-1, keepdims=True)
    return p, p - xp.where(pos, _over(s * (dd - dbar), sigma, xp), zero)


UNDERFLOW_GUARD = 2.0**-967


def _weight_parts(d: Any, sigma: float, alpha: float, xp: Any) -> tuple[str, Any, Any, float]:
    r"""Per-row parts of the responsibilities of a distance block, for a per-column shift.

    Returns ``(kind, v, nrm, beta)`` with :math:`r_{ik}=\omega(v_{ik})/n_i`, ``nrm`` the
    row normaliser :math:`n_i` (shape (B, 1), :math:`\ge 1/K`, never underflows):

    * ``"gap"`` (softmax): :math:`v_{ik}=d_{ik}-\min_jd_{ij}`, :math:`\omega=e^{-v/\sigma}`;
    * ``"exp"`` (entmax, :math:`\alpha-1<` :data:`LOG1P_ALPHA_GAP`): :math:`v=L`, :math:`\omega=e^{v}`;
    * ``"pow"`` (entmax-1.5, sparsemax, entmax by :math:`\tau`): :math:`v=b`, :math:`\omega=v^{\beta}`.
    """
    if alpha == 1.0:
        v = d - xp.min(d, axis=1, keepdims=True)
        return "gap", v, xp.sum(xp.exp(_over(-v, sigma, xp)), axis=1, keepdims=True), 1.0
    z = _block_logits(d, sigma, xp)
    if alpha == 1.5:
        b, beta = _entmax15_base(z, xp), 2.0
    elif alpha == 2.0:
        b, beta = _sparsemax_base(z, xp), 1.0
    elif alpha - 1.0 < LOG1P_ALPHA_GAP:
        L = _entmax_log1p_logw(z, xp, alpha, None)
        return "exp", L, xp.sum(xp.exp(L), axis=1, keepdims=True), 1.0
    else:
        b, beta = _entmax_tau_base(z, xp, alpha, None), 1.0 / (alpha - 1.0)
    return "pow", b, xp.sum(xp.pow(b, beta), axis=1, keepdims=True), beta


def _shifted_weights(kind: str, v: Any, c: Any, sigma: float, beta: float, xp: Any) -> Any:
    r""":math:`\omega(v_{ik})/\omega(c_k)`: the weights of cluster ``k`` scaled so that the
    largest over all points is 1 (``c`` the column extremum of ``v``; a column of exact
    zeros stays zero)."""
    if kind == "gap":
        return xp.exp(_over(-(v - c), sigma, xp))
    if kind == "exp":
        return xp.exp(v - xp.where(c > -math.inf, c, xp.zeros_like(c)))
    return xp.pow(v / xp.where(c > 0.0, c, xp.ones_like(c)), beta)


def _shifted_soft_stats(X: Any, M: Any, sigma: float, alpha: float, xp: Any,
                        chunk: int) -> tuple[Any, Any]:
    r""":math:`S'_k=c_k\sum_ir_{ik}`, :math:`T'_k=c_k\sum_ir_{ik}x_i` with the per-cluster scale
    :math:`c_k=1/\max_i\omega(v_{ik})` (two passes: column extrema, then accumulation).

    :math:`T'_k/S'_k=T_k/S_k` exactly; the largest weight of every cluster is
    :math:`1/n_i\ge1/K`, so :math:`S'_k=0` only for a cluster whose responsibilities are
    all exact zeros (entmax, sparsemax: :math:`b_{ik}=0` or :math:`L_{ik}=-\infty`).
    """
    ext = None
    for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk):
        kind, v, _, _ = _weight_parts(d, sigma, alpha, xp)
        col = xp.min(v, axis=0) if kind == "gap" else xp.max(v, axis=0)
        if ext is None:
            ext = col
        else:
            ext = xp.minimum(ext, col) if kind == "gap" else xp.maximum(ext, col)
    S = xp.zeros_like(M[:, 0])
    T = xp.zeros_like(M)
    for start, stop, d in iter_sq_distance_blocks(X, M, xp, chunk):
        kind, v, nrm, beta = _weight_parts(d, sigma, alpha, xp)
        w = _shifted_weights(kind, v, ext[None, :], sigma, beta, xp) / nrm
        S = S + xp.sum(w, axis=0)
        T = T + xp.matrix_transpose(w) @ X[start:stop, :]
    return S, T
