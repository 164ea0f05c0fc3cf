r"""Squared Euclidean distances by GEMM with a cancellation guard, processed in row chunks.

The kernel computes, for a block of rows,

.. math::

    \hat d_{ik} = \lVert x_i - c\rVert^2 - 2 (x_i - c)^\top(\mu_k - c) + \lVert \mu_k - c\rVert^2,

clamped at 0, where :math:`c` is the mean of the centroids (distances are
translation invariant; centring removes most of the cancellation for data far
from the origin).

**Cancellation rule.**  Write :math:`\tilde x=\mathrm{fl}(x-c)`,
:math:`\tilde\mu=\mathrm{fl}(\mu-c)` (unit roundoff :math:`u=2^{-53}`,
:math:`\gamma_n=nu/(1-nu)`).  The GEMM form has absolute error at most
:math:`2\gamma_{D+2}(\lVert\tilde x\rVert^2+\lVert\tilde\mu\rVert^2)`, and the
centring perturbs the distance by at most :math:`2u\sqrt d\,(\lVert\tilde x\rVert
+\lVert\tilde\mu\rVert)+O(u^2)`.  Every entry with

.. math::

    \hat d_{ik} \le \tfrac18\,(\lVert\tilde x_i\rVert^2+\lVert\tilde\mu_k\rVert^2)

is **recomputed directly** from the original coordinates as
:math:`\sum_j (x_{ij}-\mu_{kj})^2` (relative error :math:`\le\gamma_{D+2}`).  For the
others :math:`\lVert\tilde x\rVert+\lVert\tilde\mu\rVert\le4\sqrt d`, so **every
returned entry has relative error at most** :math:`16\gamma_{D+2}+9u` (to first
order); coincident points give exact zeros.  The recomputation runs in pieces of
at most ``chunk_size * K`` floats.
"""

from __future__ import annotations

from typing import Any

from .validation import check_chunk_size, check_instance

__all__ = ["sq_distances", "iter_sq_distance_blocks", "RECOMPUTE_FRACTION"]

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


def sq_distances(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`, shape (N, K), float64.

    Parameters
    ----------
    X : array (N, D)
        Data; validated (finite, 2-D, ...; see :mod:`kmrbf.numerics.validation`).
        Integer / float16 / float32 inputs are computed in float64.
    M : array (K, D)
        Centroids, ``1 <= K <= N``.
    chunk_size : int, optional
        Rows per block (default 4096); intermediates never exceed
        ``chunk_size * K`` floats besides the (N, K) result itself.

    Returns
    -------
    array (N, K)
        float64, same namespace and device as ``X``.  Every entry has relative
        error at most :math:`16\gamma_{D+2}+9u` (module docstring); exact
        zeros for coincident points.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> sq_distances(X, np.array([[0.0, 0.0]]))
    array([[ 0.],
           [25.]])
    >>> sq_distances(np.array([[1e8 + 1.0, 0.0]]), np.array([[1e8, 0.0]]))  # no cancellation
    array([[1.]])
    """
    X, M, xp = check_instance(X, M)
    return _sq_distances(X, M, xp, check_chunk_size(chunk_size))
