r"""Which kernel serves a call: compiled (numba) for NumPy, torch-native for torch, else the reference.

The array-API kernels of :mod:`kmrbf.numerics._kernels` are the reference; the compiled
kernels (:mod:`kmrbf.numerics.compiled`) and the torch-native ones
(:mod:`kmrbf.numerics.torch_native`) compute the same statistics faster.  This module
picks one per call (:func:`_fast_soft_stats`, :func:`_fast_hard_stats`) and holds the soft
centroid step built on them (:func:`_soft_centroids`: the fast one-pass statistics, then
the reference's per-cluster shifted pass for clusters whose responsibilities underflow).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from typing import Any

from .._compat import is_numpy_namespace, is_torch_namespace, on_accelerator
from .._kernels import (LOG1P_ALPHA_GAP, UNDERFLOW_GUARD, _entmax15, _hard_stats, _max_abs, _means_keep_empty,
                        _shifted_soft_stats, _soft_stats_reference, _sparsemax)

__all__: list[str] = []  # nothing public: a private layer, imported by name


#: NumPy calls with at least this many distances (``N * K``) take the compiled kernels
#: (below it the Python glue of the compiled path costs more than it saves).
COMPILED_MIN_WORK = 1 << 15

#: Rows per block of the torch-native kernels on the CPU at most (as fast as 4096 there, and
#: entmax-1.5 stays within 32 MiB above the input at N = 10**6, K = 64: benchmarks/README.md).
#: On an accelerator ``chunk_size`` is taken as given: each block there is a few dozen kernel
#: launches, so small blocks leave the card idle (measured on an H200: benchmarks/README.md).
TORCH_CHUNK = 2048

_BACKEND: contextvars.ContextVar[str] = contextvars.ContextVar("kmrbf_backend", default="auto")


@contextlib.contextmanager
def _use_backend(name: str):
    """Force the kernels of NumPy calls in this context: ``"compiled"`` (where the compiled
    kernels support ``alpha``), ``"reference"`` (the array-API path) or ``"auto"``
    (:data:`COMPILED_MIN_WORK`).  For tests and benchmarks that compare the two."""
    if name not in ("auto", "compiled", "reference"):
        raise ValueError(f"backend must be 'auto', 'compiled' or 'reference'; got {name!r}")
    token = _BACKEND.set(name)
    try:
        yield
    finally:
        _BACKEND.reset(token)


def _compiled_applies(xp: Any, alpha: float, n: int, k: int) -> bool:
    """Whether the numba kernels of :mod:`kmrbf.numerics.compiled` serve this call: NumPy,
    ``alpha`` 1, 1.5, 2 or at least ``1 + LOG1P_ALPHA_GAP``, and ``n * k`` at least
    :data:`COMPILED_MIN_WORK` (or the backend forced to ``"compiled"``)."""
    backend = _BACKEND.get()
    if backend == "reference" or not is_numpy_namespace(xp):
        return False
    if not (alpha in (1.0, 1.5, 2.0) or alpha - 1.0 >= LOG1P_ALPHA_GAP):
        return False
    return backend == "compiled" or n * k >= COMPILED_MIN_WORK


def _contiguous(X: Any, M: Any) -> tuple[Any, Any]:
    import numpy as np

    return np.ascontiguousarray(X), np.ascontiguousarray(M)


def _fast_soft_stats(X: Any, M: Any, sigma: float, alpha: float, xp: Any,
                     chunk: int, objective: bool = True) -> tuple[Any, Any, Any, Any, Any]:
    """``(S, T, W, F0, G)`` of :func:`_soft_stats_reference` by the fastest kernel for ``xp``
    (compiled for NumPy, torch-native for torch, the reference otherwise).  With
    ``objective=False`` a kernel may skip ``W`` and ``G`` (returning None)."""
    if _compiled_applies(xp, alpha, int(X.shape[0]), int(M.shape[0])):
        from ..compiled._kernels import _soft_stats_compiled

        return _soft_stats_compiled(*_contiguous(X, M), sigma, alpha, objective=objective)
    if is_torch_namespace(xp) and _torch_native() is not None:
        return _torch_native()._soft_stats_torch(X, M, sigma, alpha, _torch_rows(X, chunk),
                                                 objective=objective)
    return _soft_stats_reference(X, M, sigma, alpha, xp, chunk)


def _fast_hard_stats(X: Any, M: Any, xp: Any, chunk: int) -> tuple[Any, Any, Any, Any]:
    """``(S, T, labels, F0)`` of one Lloyd step by the fastest kernel for ``xp``."""
    if _compiled_applies(xp, 1.0, int(X.shape[0]), int(M.shape[0])):
        from ..compiled._kernels import _hard_stats_compiled

        return _hard_stats_compiled(*_contiguous(X, M))
    if is_torch_namespace(xp) and _torch_native() is not None:
        return _torch_native()._hard_stats_torch(X, M, _torch_rows(X, chunk))
    S, T, labels = _hard_stats(X, M, xp, chunk)
    return S, T, labels, None


def _fast_sparse_map(z: Any, xp: Any, axis: int, alpha: float) -> Any:
    """entmax-1.5 (``alpha`` 1.5) or sparsemax (2) of validated float64 logits along ``axis``:
    the compiled row kernel for NumPy input of at least :data:`COMPILED_MIN_WORK` entries,
    else the reference (:func:`kmrbf.numerics._kernels._entmax15` / ``_sparsemax``)."""
    k = int(z.shape[axis])
    if _compiled_applies(xp, alpha, math.prod(int(s) for s in z.shape) // max(k, 1), k):
        import numpy as np

        from ..compiled._kernels import _sparse_rows_compiled

        zl = np.moveaxis(np.asarray(z), axis, -1)
        out = _sparse_rows_compiled(np.ascontiguousarray(zl.reshape(-1, k)), alpha)
        return np.moveaxis(out.reshape(zl.shape), -1, axis)
    return (_entmax15 if alpha == 1.5 else _sparsemax)(z, xp, axis)


def _torch_rows(X: Any, chunk: int) -> int:
    """Rows per block of the torch-native kernels for ``X``: ``chunk`` capped at
    :data:`TORCH_CHUNK` on the CPU, ``chunk`` as given on any other device.

    >>> import torch
    >>> _torch_rows(torch.zeros(1), 4096), _torch_rows(torch.zeros(1), 100)
    (2048, 100)
    """
    return chunk if on_accelerator(X) else min(chunk, TORCH_CHUNK)


def _torch_native() -> Any:
    """The torch-native kernel module, or None where it is not available."""
    try:
        from ..torch_native import _kernels as tk
    except ImportError:
        return None
    return tk if hasattr(tk, "_soft_stats_torch") else None


def _soft_centroids(X: Any, M: Any, sigma: float, alpha: float, xp: Any, chunk: int) -> tuple[Any, int]:
    r"""Soft centroids :math:`T_k/S_k` and the number of clusters with zero total weight (kept).

    One pass accumulates :math:`S_k,T_k` from the float64 responsibilities (the ordinary
    path).  Clusters below the underflow guard (:data:`UNDERFLOW_GUARD`) take
    :math:`S'_k,T'_k` from :func:`_shifted_soft_stats` instead; then a cluster is empty only
    when all its responsibilities are exact zeros (never for softmax).
    """
    if is_torch_namespace(xp) and _torch_native() is not None:
        return _torch_native()._soft_centroids_torch(X, M, sigma, alpha, _torch_rows(X, chunk))
    if _compiled_applies(xp, alpha, int(X.shape[0]), int(M.shape[0])):
        from ..compiled._kernels import _centroid_stats_compiled
        S, T, s = _centroid_stats_compiled(*_contiguous(X, M), sigma, alpha)
    else:
        S, T, _, _, _ = _fast_soft_stats(X, M, sigma, alpha, xp, chunk, objective=False)
        s = _max_abs(X, xp)
    scale = min(1.0, s) if s > 0.0 else 1.0
    weak = S * scale < float(X.shape[0]) * UNDERFLOW_GUARD
    if bool(xp.any(weak)):
        S2, T2 = _shifted_soft_stats(X, M, sigma, alpha, xp, chunk)
        S = xp.where(weak, S2, S)
        T = xp.where(weak[:, None], T2, T)
    return _means_keep_empty(S, T, M, xp)
