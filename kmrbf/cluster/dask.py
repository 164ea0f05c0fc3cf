r"""Soft / entmax K-means on a row-chunked :mod:`dask.array`: one round trip per iteration.

An E-step needs only the sufficient statistics of the data under the current centroids
:math:`M` (K, D), with :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2` and
:math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k`:

.. math::

    S_k=\sum_i r_{ik},\qquad T_k=\sum_i r_{ik}x_i,\qquad W=\sum_{ik}r_{ik}d_{ik},\qquad
    F_0=\sum_i\min_k d_{ik},\qquad
    G_\sigma=-\sigma\sum_i\log\sum_k e^{-d_{ik}/\sigma}\ (\alpha=1),

all sums over the rows :math:`i`.  :func:`dask_soft_stats` computes them per row block with
the fast kernel :func:`kmrbf.numerics.soft_stats`, packs each block's statistics into one
vector of :math:`K+KD+3` floats, and sums the vectors with dask's tree reduction
(``sum(axis=0, split_every=...)``); one ``dask.compute`` per call, so a soft-Lloyd
iteration :math:`\mu_k\leftarrow T_k/S_k` costs one round trip and moves
:math:`O(KD)` floats per block (dask-ml's cost model).  :func:`dask_assign`,
:func:`dask_responsibilities` and :func:`dask_sq_distances` are lazy, block by block
(``predict``, ``predict_proba``, ``transform``); :func:`dask_sample_rows` draws the rows an
initialisation runs on.

Layout of ``X``
---------------
``X`` must be a 2-D :class:`dask.array.Array` with known chunk sizes.  Its columns are
gathered into one block (``X.rechunk({1: -1})``) when they are chunked, and a row block
with fewer than ``K`` rows is merged with the next one (the kernels need ``K <= rows``);
other row blocks are kept.  Integer and float16/32 data are cast to float64 block by block;
bool, complex, object data and masked blocks raise ``TypeError`` (at the call), NaN / ±inf
and entries whose squares overflow (:math:`4DNB^2` beyond float64, with the global ``N``)
raise ``ValueError`` with the global index -- when the block is computed, since a lazy
array cannot be inspected before.

What is guaranteed about the bits
---------------------------------
Each :math:`r_{ik}` and :math:`r_{ik}x_{ij}` is computed from row :math:`i` alone, so the
dask statistics and the NumPy statistics of the same rows are sums of the same terms in a
different order, provided every row block starts at a multiple of the kernel's GEMM block
(256 rows for the compiled NumPy kernels, ``chunk_size`` for the array-API reference path):
then the same GEMM calls produce the squared distances.  (Otherwise a row's distances may
come from a differently shaped GEMM and differ in the last bits; row chunks of a multiple of
256 rows avoid that.)  Any summation order of :math:`n` terms :math:`t_i` errs by at most
:math:`\gamma_{n}\sum_i|t_i|`, :math:`\gamma_n=nu/(1-nu)`, :math:`u=2^{-53}`, hence

.. math::

    |S_k^{dask}-S_k^{np}|\le2\gamma_N S_k,\qquad
    |T_{kj}^{dask}-T_{kj}^{np}|\le2\gamma_{N}\textstyle\sum_i r_{ik}|x_{ij}|,\qquad
    |W^{dask}-W^{np}|\le2\gamma_{NK}W,\\
    |F_0^{dask}-F_0^{np}|\le2\gamma_N F_0,\qquad
    |G^{dask}-G^{np}|\le2\gamma_N(F_0+\sigma N\log K).

A different chunking (or ``split_every``) gives different bits within these bounds.  For
the same chunks, ``split_every`` and kernel, the result is bit-for-bit the same on every
scheduler and any number of workers (the tree adds the blocks in index order, whatever
order they finish in); with a single row block it equals the NumPy call bit for bit.

Examples
--------
>>> import numpy as np, pytest
>>> da = pytest.importorskip("dask.array")          # the dask extra: pip install 'kmrbf[dask]'
>>> from kmrbf.cluster.dask import dask_assign, dask_soft_stats
>>> X = da.from_array(np.array([[0.0], [1.0], [10.0], [11.0]]), chunks=2)
>>> M = np.array([[0.0], [11.0]])
>>> st = dask_soft_stats(X, M, 0.5, alpha=1.5)       # one compute
>>> (st.T / st.S[:, None]).ravel().tolist()          # one soft-Lloyd step
[0.5, 10.5]
>>> dask_assign(X, M).compute().tolist()
[0, 0, 1, 1]
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from ..numerics.validation import (check_alpha, check_array_float64, check_chunk_size, check_positive_int,
                                   check_sigma)

__all__ = [
    "is_dask_array",
    "check_dask_data",
    "dask_soft_stats",
    "dask_assign",
    "dask_responsibilities",
    "dask_sq_distances",
    "dask_sample_rows",
]

_FLOAT64_MAX = 1.7976931348623157e308
#: per-block statistics packed after S (K) and T (K*D): W, F0, G
_N_SCALARS = 3


def _dask_array_module() -> Any:
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("kmrbf.cluster.dask needs dask: pip install 'kmrbf[dask]'") from exc
    return da


def is_dask_array(X: Any) -> bool:
    """Whether ``X`` is a :class:`dask.array.Array` (without importing dask).

    Parameters
    ----------
    X : object

    Returns
    -------
    bool
        ``False`` whenever dask was never imported (then ``X`` cannot be a dask array).
    """
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(X, da.Array)


def _merged_row_chunks(chunks: tuple[int, ...], k: int) -> tuple[int, ...]:
    """Row chunks with every block of at least ``k`` rows: a short block joins the next
    (the last short run joins the block before it).  Needs ``sum(chunks) >= k``."""
    out: list[int] = []
    acc = 0
    for c in chunks:
        acc += c
        if acc >= k:
            out.append(acc)
            acc = 0
    if acc:
        out[-1] += acc
    return tuple(out)


def check_dask_data(X: Any, k: int = 1, *, name: str = "X") -> Any:
    """Validate a dask array of data (N, D) and lay it out for the block kernels.

    Checks what can be checked without computing: a :class:`dask.array.Array`, 2-D, known
    chunk sizes, ``N >= max(1, k)``, ``D >= 1``, a real numeric dtype, NumPy blocks.
    Finiteness and magnitude are checked inside each block task (global indices).

    Parameters
    ----------
    X : dask.array.Array of shape (N, D)
        The data, chunked along rows.
    k : int, optional
        Number of centroids the blocks will meet: every row block gets at least ``k`` rows.
    name : str, optional
        Name of the parameter in error messages.

    Returns
    -------
    dask.array.Array of shape (N, D)
        float64 (cast lazily), columns in one block, row blocks of at least ``k`` rows
        (the other blocks unchanged).

    Raises
    ------
    TypeError
        If ``X`` is not a dask array (use :mod:`kmrbf.numerics` for in-memory arrays), has a
        bool, complex or non-numeric dtype, or its blocks are not NumPy arrays (masked,
        sparse, CuPy).
    ValueError
        If ``X`` is not 2-D, has unknown chunk sizes, no row or no column, or fewer rows
        than ``k``.
    """
    da = _dask_array_module()
    if not isinstance(X, da.Array):
        raise TypeError(f"{name} must be a dask.array.Array; got {type(X).__module__}.{type(X).__name__} "
                        f"(in-memory arrays go to kmrbf.numerics directly)")
    meta = getattr(X, "_meta", None)
    if meta is not None and type(meta) is not np.ndarray:
        raise TypeError(f"{name} must have NumPy blocks; got {type(meta).__module__}.{type(meta).__name__} "
                        f"blocks (masked blocks: X.map_blocks(np.ma.filled) or drop the masked rows)")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N, D); got shape {tuple(X.shape)}")
    if any(math.isnan(s) for s in X.shape):
        raise ValueError(f"{name} has unknown chunk sizes (shape {tuple(X.shape)}); call "
                         f"{name}.compute_chunk_sizes() first")
    dt = np.dtype(X.dtype)
    if dt.kind not in "iuf":
        raise TypeError(f"{name} must have a real numeric dtype (integer or floating); got {dt}")
    n, d = (int(s) for s in X.shape)
    if n < 1 or d < 1:
        raise ValueError(f"{name} must have at least one row and one column; got shape {(n, d)}")
    if n < k:
        raise ValueError(f"{name} has only N={n} points but K={k} centroids are asked for; "
                         f"need 1 <= K <= N")
    if dt != np.float64:
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return _with_min_rows(X, max(k, 1))


def _with_min_rows(X: Any, k: int) -> Any:
    rows = _merged_row_chunks(X.chunks[0], k)
    return X if rows == X.chunks[0] else X.rechunk({0: rows})


def _magnitude_limit(n: int, d: int) -> float:
    return math.sqrt(_FLOAT64_MAX / (4.0 * d * n))


def _check_centroids(M: Any, n: int, d: int, name: str) -> np.ndarray:
    if is_dask_array(M):
        raise TypeError(f"{name} must be an in-memory NumPy array (K, D); got a dask array "
                        f"(call {name}.compute())")
    M, _ = check_array_float64(M, name)
    if not isinstance(M, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array (K, D); got {type(M).__module__}.{type(M).__name__}")
    if M.ndim != 2:
        raise ValueError(f"{name} must be 2-D (K, D); got shape {M.shape}")
    k, dm = M.shape
    if dm != d:
        raise ValueError(f"{name} has D={dm} columns but X has D={d}; the dimensions must match")
    if not 1 <= k <= n:
        raise ValueError(f"{name} has K={k} centroids and X has N={n} points; need 1 <= K <= N")
    bad = ~np.isfinite(M)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite; found {M[idx]} at index {idx}")
    b, limit = float(np.max(np.abs(M))), _magnitude_limit(n, d)
    if b > limit:
        raise ValueError(f"{name} has an entry of magnitude {b:.6g}, whose squares overflow float64 in "
                         f"sums of squared distances (need max|entry| <= {limit:.6g} = "
                         f"sqrt(max_float / (4 D N)) for D={d}, N={n}); rescale the data")
    return M


def _check_block(xb: np.ndarray, offset: int, n: int, name: str) -> None:
    """Finiteness and magnitude of one row block, reported with global indices."""
    bad = ~np.isfinite(xb)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite; found {xb[i, j]} at index ({offset + i}, {j})")
    if xb.size:
        b, limit = float(np.max(np.abs(xb))), _magnitude_limit(n, xb.shape[1])
        if b > limit:
            i, j = (int(v) for v in np.argwhere(np.abs(xb) == b)[0])
            raise ValueError(
                f"{name} has an entry of magnitude {b:.6g} at index ({offset + i}, {j}), whose squares "
                f"overflow float64 in sums of squared distances (need max|entry| <= {limit:.6g} = "
                f"sqrt(max_float / (4 D N)) for D={xb.shape[1]}, N={n}); rescale the data")


def _offset(block_info: Any) -> int:
    return int(block_info[0]["array-location"][0][0])


def _block_stats(xb: np.ndarray, *, M: np.ndarray, sigma: float, alpha: float, chunk: int | None,
                 n: int, param: str, block_info: Any = None) -> np.ndarray:
    from ..numerics import soft_stats

    _check_block(xb, _offset(block_info), n, param)
    st = soft_stats(xb, M, sigma, alpha=alpha, chunk_size=chunk)
    k, d = M.shape
    out = np.empty((1, k + k * d + _N_SCALARS))
    out[0, :k] = np.asarray(st.S, dtype=np.float64)
    out[0, k:k + k * d] = np.asarray(st.T, dtype=np.float64).ravel()
    out[0, -3:] = (float(st.W), float(st.F0), 0.0 if st.G is None else float(st.G))
    return out


def _prepare(X: Any, M: Any, chunk_size: Any) -> tuple[Any, np.ndarray, int | None, int]:
    """Validated ``(X laid out for K, M, chunk, N)``."""
    chunk = None if chunk_size is None else check_chunk_size(chunk_size)
    X = check_dask_data(X)
    n, d = (int(s) for s in X.shape)
    M = _check_centroids(M, n, d, "M")
    return _with_min_rows(X, M.shape[0]), M, chunk, n


def dask_soft_stats(X: Any, M: Any, sigma: float, *, alpha: float = 1.0, chunk_size: int | None = None,
                    split_every: int | None = None) -> Any:
    r"""E-step sufficient statistics of a dask array, tree-reduced, in one ``dask.compute``.

    Per row block :math:`b`, :func:`kmrbf.numerics.soft_stats` gives
    :math:`(S^b,T^b,W^b,F_0^b,G^b)`; every statistic is a sum over rows, so the totals are
    :math:`S_k=\sum_bS^b_k`, :math:`T_k=\sum_bT^b_k`, ... summed by dask's tree reduction
    (module docstring: the rounding bound against the NumPy call and what is bit-for-bit).

    Parameters
    ----------
    X : dask.array.Array of shape (N, D)
        Data, chunked along rows (laid out by :func:`check_dask_data`).
    M : numpy.ndarray of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``, finite.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` (1 softmax, 1.5 entmax-1.5, 2 sparsemax).
    chunk_size : int or None, optional
        Rows per kernel chunk inside a block (None: the kernel's default).
    split_every : int or None, optional
        Fan-in of the reduction tree (None: dask's default).  Changes the bits, not the bound.

    Returns
    -------
    SoftStats
        The named tuple of :func:`kmrbf.numerics.soft_stats` with NumPy values: ``S`` (K,),
        ``T`` (K, D), ``W``, ``F0``, and ``G`` (:math:`G_\sigma`, ``None`` unless ``alpha == 1``)
        as float64 scalars.

    Raises
    ------
    TypeError
        As :func:`check_dask_data`; ``M`` not a NumPy array of real numbers; ``sigma`` or
        ``alpha`` not real numbers; ``chunk_size`` not an integer.
    ValueError
        As :func:`check_dask_data`; ``M`` not (K, D) with the data's D, ``K > N``, non-finite
        or overflowing entries; ``sigma``, ``alpha``, ``chunk_size`` out of range; NaN / ±inf /
        overflowing entries of ``X`` (raised by the compute, global index); :math:`G_\sigma`
        below the float64 range.
    """
    import dask

    from ..numerics import SoftStats

    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    X, M, chunk, n = _prepare(X, M, chunk_size)
    k, d = M.shape
    width = k + k * d + _N_SCALARS
    packed = X.map_blocks(_block_stats, M=M, sigma=sigma, alpha=alpha, chunk=chunk, n=n, param="X",
                          chunks=((1,) * X.numblocks[0], (width,)), dtype=np.float64,
                          meta=np.empty((0, 0), dtype=np.float64))
    (total,) = dask.compute(packed.sum(axis=0, split_every=split_every))
    total = np.asarray(total, dtype=np.float64)
    S, T = total[:k].copy(), total[k:k + k * d].reshape(k, d).copy()
    W, F0, G = (np.float64(v) for v in total[-3:])
    if alpha != 1.0:
        G = None
    elif not math.isfinite(G):
        raise ValueError(f"G_sigma is below the float64 range (F0 - sigma*N*log(K) <= G_sigma <= F0 with "
                         f"sigma={sigma!r}, N={n}, K={k}); rescale: X, M, sigma -> cX, cM, c**2 sigma "
                         f"multiplies G_sigma by c**2")
    return SoftStats(S, T, W, F0, G)


def _block_assign(xb: np.ndarray, *, M: np.ndarray, chunk: int | None, n: int, param: str,
                  block_info: Any = None) -> np.ndarray:
    from ..numerics import assign

    _check_block(xb, _offset(block_info), n, param)
    return np.asarray(assign(xb, M, chunk_size=chunk), dtype=np.int64)


def _block_matrix(xb: np.ndarray, *, what: str, M: np.ndarray, sigma: float, alpha: float,
                  chunk: int | None, n: int, param: str, block_info: Any = None) -> np.ndarray:
    from ..numerics import responsibilities, sq_distances

    _check_block(xb, _offset(block_info), n, param)
    if what == "responsibilities":
        return np.asarray(responsibilities(xb, M, sigma, alpha=alpha, chunk_size=chunk))
    return np.asarray(sq_distances(xb, M, chunk_size=chunk))


def dask_assign(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Lazy nearest-centroid labels :math:`\arg\min_k d_{ik}` (ties to the lowest index).

    Block by block :func:`kmrbf.numerics.assign`; nothing is computed here.

    Parameters
    ----------
    X : dask.array.Array of shape (N, D)
        Data, chunked along rows.
    M : numpy.ndarray of shape (K, D)
        Centroids, ``1 <= K <= N``.
    chunk_size : int or None, optional
        Rows per kernel chunk inside a block.

    Returns
    -------
    dask.array.Array of shape (N,)
        int64 labels in ``[0, K)``, row chunks of the laid-out ``X`` (:func:`check_dask_data`).

    Raises
    ------
    TypeError, ValueError
        As :func:`dask_soft_stats` (NaN / ±inf in ``X`` when the labels are computed).
    """
    X, M, chunk, n = _prepare(X, M, chunk_size)
    return X.map_blocks(_block_assign, M=M, chunk=chunk, n=n, param="X", drop_axis=1, dtype=np.int64,
                        meta=np.empty((0,), dtype=np.int64))


def dask_responsibilities(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
                          chunk_size: int | None = None) -> Any:
    r"""Lazy responsibilities :math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k`, (N, K).

    Block by block :func:`kmrbf.numerics.responsibilities` (``predict_proba``).

    Parameters
    ----------
    X, M, chunk_size
        As for :func:`dask_assign`.
    sigma, alpha
        As for :func:`dask_soft_stats`.

    Returns
    -------
    dask.array.Array of shape (N, K)
        float64, rows summing to one.

    Raises
    ------
    TypeError, ValueError
        As :func:`dask_soft_stats`.
    """
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    X, M, chunk, n = _prepare(X, M, chunk_size)
    return _map_matrix(X, M, "responsibilities", sigma, alpha, chunk, n)


def dask_sq_distances(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Lazy squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`, (N, K) (``transform``).

    Block by block :func:`kmrbf.numerics.sq_distances`.

    Parameters
    ----------
    X, M, chunk_size
        As for :func:`dask_assign`.

    Returns
    -------
    dask.array.Array of shape (N, K)
        float64, ``>= 0``.

    Raises
    ------
    TypeError, ValueError
        As :func:`dask_soft_stats`.
    """
    X, M, chunk, n = _prepare(X, M, chunk_size)
    return _map_matrix(X, M, "sq_distances", 1.0, 1.0, chunk, n)


def _map_matrix(X: Any, M: np.ndarray, what: str, sigma: float, alpha: float, chunk: int | None,
                n: int) -> Any:
    k = M.shape[0]
    return X.map_blocks(_block_matrix, what=what, M=M, sigma=sigma, alpha=alpha, chunk=chunk, n=n, param="X",
                        chunks=(X.chunks[0], (k,)), dtype=np.float64,
                        meta=np.empty((0, 0), dtype=np.float64))


def dask_sample_rows(X: Any, n_samples: int, *, random_state: Any = None) -> np.ndarray:
    """``n_samples`` distinct rows of ``X`` drawn uniformly, as a NumPy array (one compute).

    For initialising on a sample (k-means++ on the sample, then iterate on all of ``X``).
    The rows depend only on ``random_state`` and ``N``, not on the chunking:
    ``numpy.random.default_rng(random_state).choice(N, n_samples, replace=False)``.

    Parameters
    ----------
    X : dask.array.Array of shape (N, D)
        Data, chunked along rows.
    n_samples : int
        ``1 <= n_samples <= N``.
    random_state : None, int, numpy.random.Generator or numpy.random.SeedSequence, optional
        Seed of the draw (anything :func:`numpy.random.default_rng` takes).

    Returns
    -------
    numpy.ndarray of shape (n_samples, D)
        float64 rows, in the order drawn.

    Raises
    ------
    TypeError
        As :func:`check_dask_data`; ``n_samples`` not an integer.
    ValueError
        As :func:`check_dask_data`; ``n_samples`` outside ``[1, N]``; a drawn row with NaN / ±inf.
    """
    X = check_dask_data(X)
    n = int(X.shape[0])
    n_samples = check_positive_int(n_samples, "n_samples")
    if n_samples > n:
        raise ValueError(f"n_samples={n_samples} exceeds the N={n} rows of X")
    idx = np.random.default_rng(random_state).choice(n, n_samples, replace=False)
    order = np.argsort(idx, kind="stable")
    rows = np.empty((n_samples, int(X.shape[1])))
    rows[order] = np.asarray(X[idx[order]].compute(), dtype=np.float64)
    bad = ~np.isfinite(rows)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"X must be finite; found {rows[i, j]} at index ({int(idx[i])}, {j})")
    return rows
