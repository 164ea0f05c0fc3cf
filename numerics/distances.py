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

from ._kernels import RECOMPUTE_FRACTION, _sq_distances, iter_sq_distance_blocks
from .validation import check_chunk_size, check_instance

__all__ = ["sq_distances", "iter_sq_distance_blocks", "RECOMPUTE_FRACTION"]

def sq_distances(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Squared distances :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`, shape (N, K), float64.

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated (finite, 2-D, ...; see
        :mod:`kmrbf.numerics.validation`).  Integer / float16 / float32 inputs are
        computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k` (rows), ``1 <= K <= N``, same namespace as ``X``.
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances); intermediates never exceed
        ``chunk_size * K`` floats besides the (N, K) result itself.

    Returns
    -------
    array of shape (N, K)
        float64 :math:`d_{ik}\ge0`, same namespace and device as ``X``.  Every entry has relative
        error at most :math:`16\gamma_{D+2}+9u` (module docstring); exact
        zeros for coincident points.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, or ``chunk_size`` is not an int.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, or ``chunk_size < 1``.

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
    return _sq_distances(X, M, xp, check_chunk_size(chunk_size, X, M.shape[0]))
