r"""The internal kernel layer of :mod:`kmrbf.numerics`: private kernels shared by several modules.

Kernels here assume valid input (the public functions validate at the door, see
:mod:`kmrbf.numerics.validation`) and compute in the dtype of their arguments.
They are the array-API reference path:

* probability maps on logits, dtype-preserving, along ``axis``: :func:`_softmax`,
  :func:`_softmax_naive`, :func:`_log_sum_exp`, :func:`_entmax15`, :func:`_sparsemax`,
  :func:`_entmax_bisect` and the dispatcher :func:`_probability_map` (used by
  :mod:`~kmrbf.numerics.activations`, :mod:`~kmrbf.numerics.functionals`,
  :mod:`~kmrbf.numerics.kmeans`, the fuzzy estimators and the precision study);
* the guarded GEMM squared distances in row blocks, :func:`iter_sq_distance_blocks` and
  :func:`_sq_distances` (the scheme and its error bound: :mod:`kmrbf.numerics.distances`);
* gap-first logits :math:`z_{ik}=-(d_{ik}-\min_j d_{ij})/\sigma` of a distance block
  (:func:`_block_logits`);
* the cluster statistics :math:`S_k=\sum_iw_{ik}`, :math:`T_k=\sum_iw_{ik}x_i` with hard
  (:func:`_hard_stats`) or soft (:func:`_soft_stats`) weights, the update that keeps empty
  clusters (:func:`_means_keep_empty`, :func:`_soft_centroids`) and its warning
  (:class:`EmptyClusterWarning`, :func:`_warn_empty`).

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

import warnings
from typing import Any

from ._compat import device_of

__all__: list[str] = []  # nothing public: a private layer, imported by name


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


def _block_logits(d: Any, sigma: float, xp: Any) -> Any:
    dmin = xp.min(d, axis=1, keepdims=True)
    return -(d - dmin) / sigma


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
    pmap = _probability_map(alpha)
    S = xp.zeros_like(M[:, 0])
    T = xp.zeros_like(M)
    for start, stop, d in iter_sq_distance_blocks(X, M, xp, chunk):
        r = pmap(_block_logits(d, sigma, xp), xp, -1)
        S = S + xp.sum(r, axis=0)
        T = T + xp.matrix_transpose(r) @ X[start:stop, :]
    return S, T


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


def _soft_centroids(X, M, sigma, alpha, xp, chunk):
    S, T = _soft_stats(X, M, sigma, alpha, xp, chunk)
    return _means_keep_empty(S, T, M, xp)
