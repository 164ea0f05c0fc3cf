r"""Geometry of a configuration: margin, Lloyd fixed-point test, diameter, centroid discrepancy.

All distances come from the guarded GEMM kernel of :mod:`kmrbf.numerics.distances`
(relative error :math:`\le 16\gamma_{D+2}+9u` per entry).
"""

from __future__ import annotations

import math
from typing import Any

from scipy.optimize import linear_sum_assignment

from ._compat import array_namespace, asarray_in, device_of, is_array, to_numpy
from ._kernels import _hard_stats, _sq_distances, iter_sq_distance_blocks
from .validation import check_array_float64, check_chunk_size, check_data, check_instance, check_tolerance

__all__ = ["centroid_discrepancy", "diameter", "is_lloyd_fixed_point", "margin"]


def margin(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Margin :math:`\Delta=\min_i\,(d_{i(2)}-d_{i(1)})` in squared distances (SPEC §1).

    :math:`d_{i(1)}\le d_{i(2)}` are the two smallest squared distances of
    :math:`x_i` to the centroids.  ``K = 1`` has no second distance: the margin is
    ``+inf`` (by convention: no point is ever near a boundary).  Coincident
    centroids give 0.  Returns a 0-d float64 array.

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    chunk_size : int or None, optional
        Rows per block (None: 4096).

    Returns
    -------
    0-d array
        float64 margin :math:`\Delta\ge0` in units of squared distance, input
        namespace (``inf`` for K = 1).

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
    >>> X = np.array([[0.0], [1.0], [4.0], [6.0]])
    >>> float(margin(X, np.array([[0.5], [5.0]])))  # x=4: 12.25 - 1
    11.25
    >>> float(margin(X, np.array([[2.75]])))
    inf
    """
    X, M, xp = check_instance(X, M)
    if int(M.shape[0]) == 1:
        return xp.asarray(math.inf, dtype=xp.float64, device=device_of(X))
    best = None
    for _, _, d in iter_sq_distance_blocks(X, M, xp, check_chunk_size(chunk_size, X, M.shape[0])):
        ds = xp.sort(d, axis=1)
        gap = xp.min(ds[:, 1] - ds[:, 0])
        best = gap if best is None else xp.minimum(best, gap)
    return best


def is_lloyd_fixed_point(X: Any, M: Any, *, rtol: float = 1e-12,
                         chunk_size: int | None = None) -> bool:
    r"""Whether ``M`` is a Lloyd fixed point of ``X`` (SPEC §1), up to ``rtol``.

    True iff every Voronoi cell :math:`C_k` (ties to the lowest index) is
    non-empty and :math:`\lVert\mu_k-\operatorname{mean}(C_k)\rVert_\infty\le
    \mathrm{rtol}\cdot s` for every ``k``, with :math:`s=\max_{ij}|x_{ij}|`
    (``s = 1`` if ``X = 0``).  Positivity of the margin is **not** required (test
    it with :func:`margin`).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    rtol : float, optional
        Tolerance on the max-norm of :math:`\mu_k-\operatorname{mean}(C_k)`, relative
        to :math:`\max_{ij}|x_{ij}|`; finite and ``>= 0``.
    chunk_size : int or None, optional
        Rows per block (None: 4096).

    Returns
    -------
    bool
        True iff every cell is non-empty and every centroid is within the tolerance
        of its cell mean (a Python bool).

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, ``chunk_size`` is not an int, or ``rtol`` is not a
        real number.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, or ``chunk_size < 1``, or ``rtol`` is negative, NaN or infinite.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [4.0], [6.0]])
    >>> is_lloyd_fixed_point(X, np.array([[0.5], [5.0]]))
    True
    >>> is_lloyd_fixed_point(X, np.array([[0.0], [5.0]]))
    False
    """
    X, M, xp = check_instance(X, M)
    rtol = check_tolerance(rtol, "rtol")
    S, T, _ = _hard_stats(X, M, xp, check_chunk_size(chunk_size, X, M.shape[0]))
    if bool(xp.any(S <= 0.0)):
        return False
    means = T / S[:, None]
    scale = float(xp.max(xp.abs(X))) or 1.0
    return float(xp.max(xp.abs(means - M))) <= rtol * scale


def diameter(X: Any, *, chunk_size: int | None = None) -> Any:
    r""":math:`\operatorname{diam}(X)=\max_{i,j}\lVert x_i-x_j\rVert` (Euclidean, not squared).

    :math:`O(N^2D)` work in blocks of ``min(chunk_size, max(1, 2**22 // N))`` rows
    (so at most ``max(N, 2**22)`` squared distances at a time).  One point: 0.
    Returns a 0-d float64 array.

    Parameters
    ----------
    X : array of shape (N, D)
        Points :math:`x_i` (rows); validated like data, computed in float64.
    chunk_size : int or None, optional
        Rows per block (None: 4096).

    Returns
    -------
    0-d array
        float64 :math:`\operatorname{diam}(X)\ge0`, input namespace.

    Raises
    ------
    TypeError
        If ``X`` has a bool/complex/non-numeric dtype, or ``chunk_size`` is not an int.
    ValueError
        If ``X`` is not 2-D, empty, non-finite, has entries whose squares overflow
        float64, or ``chunk_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> float(diameter(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])))
    5.0
    """
    X, xp = check_data(X)
    n = int(X.shape[0])
    rows = min(check_chunk_size(chunk_size), max(1, 2**22 // n))
    best = None
    for _, _, d in iter_sq_distance_blocks(X, X, xp, rows):
        m = xp.max(d)
        best = m if best is None else xp.maximum(best, m)
    return xp.sqrt(best)


def centroid_discrepancy(A: Any, B: Any) -> tuple[float, Any]:
    r"""Mean distance between two centroid sets under the optimal matching.

    .. math::

        E(A,B)=\min_{\pi\in S_K}\frac1K\sum_{k=1}^K\lVert a_k-b_{\pi(k)}\rVert ,

    solved exactly by the Hungarian method (``scipy.optimize.linear_sum_assignment``)
    on the Euclidean (not squared) cost matrix.

    Parameters
    ----------
    A : array of shape (K, D)
        First centroid set (rows :math:`a_k`); validated like data, float64.
    B : array of shape (K, D)
        Second centroid set (rows :math:`b_k`), same shape and namespace as ``A`` (a
        non-array ``B``, e.g. a list, is converted into the namespace of ``A``).

    Returns
    -------
    value : float
        :math:`E(A,B)\ge0`, a mean Euclidean (not squared) distance, as a Python float.
    perm : array of shape (K,), int64
        The optimal matching: ``A[k]`` is matched with ``B[perm[k]]`` (namespace and
        device of ``A``).

    Raises
    ------
    TypeError
        If ``A`` or ``B`` has a bool/complex/non-numeric dtype, or ``A`` and ``B`` are
        arrays of different namespaces.
    ValueError
        If ``A`` or ``B`` is not 2-D, empty, non-finite or too large (squares
        overflow), or their shapes differ.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0.0, 0.0], [10.0, 0.0]])
    >>> B = np.array([[10.0, 1.0], [0.0, 3.0]])
    >>> value, perm = centroid_discrepancy(A, B)
    >>> value, perm.tolist()
    (2.0, [1, 0])
    """
    if is_array(A) and is_array(B):
        try:
            array_namespace(A, B)
        except TypeError as exc:
            raise TypeError(
                f"A and B must come from the same array namespace; got {type(A).__name__} and "
                f"{type(B).__name__}"
            ) from exc
    A, xp = check_data(A, name="A")
    if not is_array(B):
        B = asarray_in(check_array_float64(B, "B")[0], xp, device=device_of(A))
    B, _ = check_data(B, name="B")
    if tuple(A.shape) != tuple(B.shape):
        raise ValueError(f"A and B must have the same shape (K, D); got {tuple(A.shape)} and {tuple(B.shape)}")
    cost = to_numpy(xp.sqrt(_sq_distances(A, B, xp, check_chunk_size(None))))
    rows, cols = linear_sum_assignment(cost)
    value = float(cost[rows, cols].mean())
    return value, asarray_in(cols.astype("int64"), xp, device=device_of(A))
