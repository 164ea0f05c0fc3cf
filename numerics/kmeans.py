r"""Lloyd, soft centroids, soft-Lloyd and gradient steps (SPEC §1, KR Thm 2, KR-T2-grad).

All updates accumulate per row block (``chunk_size`` rows, at most
``chunk_size * K`` floats at a time) the cluster statistics

.. math::

    S_k=\sum_i w_{ik},\qquad T_k=\sum_i w_{ik}x_i ,

with hard weights (one-hot of the assignment) for Lloyd and responsibilities
(softmax ``alpha = 1`` or entmax-``alpha``) for the soft versions.

Policies
--------
* **Ties** in the assignment go to the **lowest centroid index** (of the computed
  float64 squared distances).
* **Empty clusters** (Lloyd: no point assigned; :func:`soft_centroids` /
  :func:`soft_lloyd`: exact total weight :math:`S_k = 0`, which happens only for
  entmax / sparsemax, whose responsibilities have exact zeros;
  :func:`rbf_gradient_step`: float64 total :math:`S_k=0`, which also happens when every
  softmax :math:`r_{ik}` underflows): the centroid is **kept unchanged** and an
  :class:`EmptyClusterWarning` is issued (``stacklevel=2``, once per call).
* **Underflowing responsibilities.**  A soft centroid :math:`T_k/S_k` is invariant to a
  common factor of cluster ``k``'s weights.  When :math:`S_k` is so small that float64
  underflow could matter (:math:`S_k\min(1,\max|x_{ij}|)<N\,2^{-967}`), the cluster is
  recomputed with its weights shifted per cluster before exponentiating (largest weight
  1; the softmax in the distance domain,
  :math:`e^{-(d_{ik}-d_{i(1)}-g_k)/\sigma}/\sum_je^{-(d_{ij}-d_{i(1)})/\sigma}`,
  :math:`g_k=\min_i(d_{ik}-d_{i(1)})`).  A softmax soft centroid is therefore always
  defined and accurate, e.g. for a cluster far from every point at a small
  :math:`\sigma` (it is then essentially the nearest point); ordinary inputs take the
  one-pass path, bit for bit as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from ._compat import quiet_fp
from ._kernels import (
    EmptyClusterWarning,
    _grad_W_terms,
    _max_abs,
    _means_keep_empty,
    _soft_stats,
    _warn_empty,
    iter_sq_distance_blocks,
)
from .backends._kernels import _fast_hard_stats, _fast_soft_stats, _soft_centroids
from .functionals import G_sigma
from .validation import (check_alpha, check_chunk_size, check_instance, check_positive_int, check_sigma,
                         check_tolerance)

__all__ = [
    "EmptyClusterWarning",
    "LloydResult",
    "SoftLloydResult",
    "SoftStats",
    "assign",
    "grad_G_sigma",
    "grad_W_sigma",
    "lloyd",
    "lloyd_step",
    "rbf_gradient_step",
    "soft_centroids",
    "soft_lloyd",
    "soft_stats",
]


@dataclass(frozen=True)
class LloydResult:
    """Result of :func:`lloyd`.

    Parameters
    ----------
    centroids : array of shape (K, D)
        float64 final centroids, namespace of the input data.
    labels : array of shape (N,), int64
        Assignment of every point to ``centroids`` (ties to the lowest index).
    n_iter : int
        Lloyd steps performed, ``1 <= n_iter <= max_iter``.
    converged : bool
        Whether the last step moved no centroid by more than ``tol`` (Euclidean
        norm); with ``tol = 0``, whether an exact fixed point was reached.
    """

    centroids: Any
    labels: Any
    n_iter: int
    converged: bool


@dataclass(frozen=True)
class SoftLloydResult:
    r"""Result of :func:`soft_lloyd`.

    Parameters
    ----------
    centroids : array of shape (K, D)
        float64 final centroids, namespace of the input data.
    n_iter : int
        Soft-centroid steps performed, ``1 <= n_iter <= max_iter``.
    converged : bool
        Whether the last step moved no centroid by more than ``tol * s`` (Euclidean
        norm), :math:`s=\max_{ij}|x_{ij}|` (1 if ``X = 0``).
    shift : float
        :math:`\max_k\lVert\mu_k^{new}-\mu_k\rVert` of the last step (Euclidean,
        absolute, not divided by ``s``).
    """

    centroids: Any
    n_iter: int
    converged: bool
    shift: float


# ----------------------------------------------------------------------------- kernels


def _assign(X: Any, M: Any, xp: Any, chunk: int) -> Any:
    labels = [xp.argmin(d, axis=1) for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk)]
    return labels[0] if len(labels) == 1 else xp.concat(labels)



def _grad_W_stats(X: Any, M: Any, sigma: float, alpha: float, xp: Any, chunk: int):
    """``G_k = sum_i g_ik``, ``Tg_k = sum_i g_ik x_i``, ``S_k = sum_i p_ik`` with
    ``g_ik = p_ik - s_ik (d_ik - dbar_i) / sigma`` (module :func:`grad_W_sigma`)."""
    G = xp.zeros_like(M[:, 0])
    S = xp.zeros_like(M[:, 0])
    Tg = xp.zeros_like(M)
    for start, stop, d in iter_sq_distance_blocks(X, M, xp, chunk):
        p, g = _grad_W_terms(d, sigma, alpha, xp)
        G = G + xp.sum(g, axis=0)
        S = S + xp.sum(p, axis=0)
        Tg = Tg + xp.matrix_transpose(g) @ X[start:stop, :]
    return G, Tg, S


# ----------------------------------------------------------------------------- public


def assign(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Nearest-centroid labels :math:`\arg\min_k d_{ik}` (ties to the lowest index), int64 (N,).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    array of shape (N,)
        int64 labels in ``[0, K)``, input namespace.

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
    >>> assign(np.array([[0.0], [1.0], [2.0]]), np.array([[0.0], [2.0]]))  # x=1 ties -> 0
    array([0, 0, 1])
    """
    X, M, xp = check_instance(X, M)
    return _assign(X, M, xp, check_chunk_size(chunk_size, X, M.shape[0]))


def lloyd_step(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""One Lloyd step: :math:`\mu_k\leftarrow\operatorname{mean}\{x_i: i\in C_k\}`.

    Empty cells keep their centroid (:class:`EmptyClusterWarning`).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    array of shape (K, D)
        float64 updated centroids (cell means; empty cells keep :math:`\mu_k`),
        input namespace.

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
    >>> lloyd_step(np.array([[0.0], [1.0], [4.0], [6.0]]), np.array([[0.0], [6.0]]))
    array([[0.5],
           [5. ]])
    """
    X, M, xp = check_instance(X, M)
    S, T, _, _ = _fast_hard_stats(X, M, xp, check_chunk_size(chunk_size, X, M.shape[0]))
    new, n_empty = _means_keep_empty(S, T, M, xp)
    _warn_empty(n_empty, "no assigned point", int(M.shape[0]))
    return new


def lloyd(X: Any, M0: Any, *, max_iter: int = 300, tol: float = 0.0,
          chunk_size: int | None = None) -> LloydResult:
    r"""Lloyd's algorithm from ``M0`` until :math:`\max_k\lVert\mu_k^{new}-\mu_k\rVert\le` ``tol``.

    With the default ``tol = 0`` it stops at an exact fixed point of
    :func:`lloyd_step` (reached in finitely many steps: the assignment stabilises).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M0 : array of shape (K, D)
        Initial centroids, ``1 <= K <= N``.
    max_iter : int, optional
        Maximum number of Lloyd steps (a positive int).
    tol : float, optional
        Stop when no centroid moves by more than ``tol`` (absolute, Euclidean
        norm); finite, ``>= 0``.  0: exact fixed point.
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    LloydResult
        Final centroids, their labels (int64, shape (N,)), the number of steps and
        the convergence flag.  Not converging within ``max_iter`` gives
        ``converged=False`` (no warning).

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype or is a masked array, ``X`` and
        ``M0`` come from different array namespaces, ``max_iter`` or ``chunk_size`` is not
        an integer (bool and float included), or ``tol`` is not a real number.
    ValueError
        If ``X`` or ``M0`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, ``max_iter < 1``, ``tol``
        negative or non-finite, or ``chunk_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> res = lloyd(np.array([[0.0], [1.0], [4.0], [6.0]]), np.array([[0.0], [1.0]]))
    >>> res.centroids.tolist(), res.labels.tolist(), res.converged
    ([[0.5], [5.0]], [0, 0, 1, 1], True)
    """
    X, M, xp = check_instance(X, M0, m_name="M0")
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_tolerance(tol, "tol")
    chunk = check_chunk_size(chunk_size, X, M.shape[0])
    total_empty = 0
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        S, T, _, _ = _fast_hard_stats(X, M, xp, chunk)
        new, n_empty = _means_keep_empty(S, T, M, xp)
        total_empty = max(total_empty, n_empty)
        shift = float(xp.max(xp.sqrt(xp.sum((new - M) ** 2, axis=1))))
        M = new
        if shift <= tol:
            converged = True
            break
    _warn_empty(total_empty, "no assigned point in some iteration", int(M.shape[0]))
    return LloydResult(M, _assign(X, M, xp, chunk), n_iter, converged)


def soft_centroids(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
                   chunk_size: int | None = None) -> Any:
    r"""One soft-Lloyd step: :math:`\hat\mu_k=\sum_ir_{ik}x_i/\sum_ir_{ik}`, :math:`r=r^{(\alpha)}(M,\sigma)`.

    A cluster whose every responsibility underflows float64 (a cluster far from all
    points at a small :math:`\sigma`) still has a well-defined soft centroid; it is
    computed from weights shifted per cluster (module docstring, "Underflowing
    responsibilities").  Only a cluster whose responsibilities are all **exact** zeros
    (entmax / sparsemax; never softmax) keeps :math:`\mu_k`, with an
    :class:`EmptyClusterWarning`.

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` of the responsibilities (1 softmax,
        the default; 1.5 entmax-1.5; 2 sparsemax).
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    array of shape (K, D)
        float64 :math:`\hat\mu_k` (convex combinations of the data), input namespace.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, ``sigma`` or ``alpha`` is not a real number, or ``chunk_size`` is not an int.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, ``sigma`` not in ``(0, inf)``, ``alpha`` not in ``[1, inf)``, or ``chunk_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0]])
    >>> soft_centroids(X, np.array([[0.0], [1.0]]), 1.0 / np.log(3.0))
    array([[0.25],
           [0.75]])
    >>> soft_centroids(X, np.array([[0.0], [1.0]]), 0.5, alpha=1.5)  # exactly one-hot
    array([[0.],
           [1.]])
    """
    X, M, xp = check_instance(X, M)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        new, n_empty = _soft_centroids(X, M, sigma, alpha, xp, check_chunk_size(chunk_size, X, M.shape[0]))
    _warn_empty(n_empty, "zero total responsibility", int(M.shape[0]))
    return new


class SoftStats(NamedTuple):
    r"""The sufficient statistics of one soft K-means step at centroids :math:`M`.

    Parameters
    ----------
    S : array of shape (K,)
        :math:`S_k=\sum_ir_{ik}`.
    T : array of shape (K, D)
        :math:`T_k=\sum_ir_{ik}x_i` (the soft centroid is :math:`T_k/S_k`).
    W : float
        :math:`W_\sigma(M)=\sum_{ik}r_{ik}d_{ik}`.
    F0 : float
        :math:`F_0(M)=\sum_i\min_kd_{ik}` (the K-means objective, scikit-learn's inertia).
    G : float or None
        :math:`G_\sigma(M)=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma}` for ``alpha == 1``,
        else None.
    """

    S: Any
    T: Any
    W: float
    F0: float
    G: float | None


def soft_stats(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
               chunk_size: int | None = None) -> SoftStats:
    r"""One pass over ``X``: the statistics :math:`S, T, W_\sigma, F_0, G_\sigma` at ``M``.

    The E-step of soft K-means as sufficient statistics, so that a soft-Lloyd step is
    :math:`\hat\mu_k=T_k/S_k` and partial results over row blocks add up (what a
    distributed fit reduces).  NumPy input takes the compiled kernels of
    :mod:`kmrbf.numerics.compiled` (parallel over row groups, bitwise the same for any
    thread count), torch input the torch-native kernels, other namespaces the array-API
    reference; all use the guarded distances and gap-first logits
    :math:`z_{ik}=-(d_{ik}-d_{i(1)})/\sigma`.  Unlike :func:`soft_centroids` the sums are
    not rescaled per cluster: a cluster whose every :math:`r_{ik}` underflows has
    :math:`S_k=0` here.

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` (1 softmax, 1.5 entmax-1.5, 2 sparsemax).
    chunk_size : int or None, optional
        Rows per block of the reference path (None: 4096); the compiled kernels block
        by their own rule.

    Returns
    -------
    SoftStats
        ``S`` and ``T`` as float64 arrays of the input namespace, ``W``, ``F0`` and
        ``G`` (None unless ``alpha == 1``) as Python floats.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, ``sigma`` or ``alpha`` is not a real number, or
        ``chunk_size`` is not an int.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``, ``K > N``,
        entries whose squares overflow float64, ``sigma`` not in ``(0, inf)``, ``alpha``
        not in ``[1, inf)``, or ``chunk_size < 1``; or if ``alpha == 1`` and
        :math:`G_\sigma` lies below the float64 range (as :func:`G_sigma`).

    Examples
    --------
    >>> import numpy as np
    >>> st = soft_stats(np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]]), 1.0 / np.log(3.0))
    >>> st.S.tolist(), st.T.tolist(), st.F0
    ([1.0, 1.0], [[0.25], [0.75]], 0.0)
    """
    X, M, xp = check_instance(X, M)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    chunk = check_chunk_size(chunk_size, X, M.shape[0])
    with quiet_fp():
        S, T, W, F0, G = _fast_soft_stats(X, M, sigma, alpha, xp, chunk)
    if G is not None and not math.isfinite(float(G)):
        # the one-pass sum overflowed: G_sigma's scaled sum gives the value, or raises
        # ValueError when G_sigma itself lies below the float64 range
        G = G_sigma(X, M, sigma, chunk_size=chunk)
    return SoftStats(S, T, float(W), float(F0), None if G is None else float(G))


def soft_lloyd(X: Any, M0: Any, sigma: float, *, alpha: float = 1.0, max_iter: int = 1000,
               tol: float = 1e-12, chunk_size: int | None = None) -> SoftLloydResult:
    r"""Iterate :func:`soft_centroids` from ``M0`` to a fixed point :math:`M=\hat M(M,\sigma)`.

    Stops when :math:`\max_k\lVert\mu^{new}_k-\mu_k\rVert\le \mathrm{tol}\cdot s`,
    :math:`s=\max_{ij}|x_{ij}|` (``s = 1`` if ``X = 0``), or after ``max_iter`` steps
    (``converged=False``; no warning).  Each step is :func:`soft_centroids` (underflowing
    clusters included); :class:`EmptyClusterWarning` only if some step had a cluster of
    exact-zero responsibilities (entmax / sparsemax).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M0 : array of shape (K, D)
        Initial centroids, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` of the responsibilities (1 softmax,
        the default; 1.5 entmax-1.5; 2 sparsemax).
    max_iter : int, optional
        Maximum number of soft-centroid steps (a positive int).
    tol : float, optional
        Relative stopping tolerance: the shift is compared with ``tol * s``,
        :math:`s=\max_{ij}|x_{ij}|`; finite, ``>= 0``.
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    SoftLloydResult
        Final centroids, number of steps, convergence flag and the shift of the
        last step.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype or is a masked array, ``X`` and
        ``M0`` come from different array namespaces, ``sigma``, ``alpha`` or ``tol`` is not
        a real number, or ``max_iter`` or ``chunk_size`` is not an integer (bool and float
        included).
    ValueError
        If ``X`` or ``M0`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, ``sigma`` not in ``(0, inf)``, ``alpha`` not in ``[1, inf)``,
        ``max_iter < 1``, ``tol`` negative or non-finite, or ``chunk_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> res = soft_lloyd(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5)
    >>> res.centroids.tolist(), res.converged
    ([[0.5], [10.5]], True)
    """
    X, M, xp = check_instance(X, M0, m_name="M0")
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_tolerance(tol, "tol")
    chunk = check_chunk_size(chunk_size, X, M.shape[0])
    scale = _max_abs(X, xp) or 1.0
    total_empty, converged, shift, n_iter = 0, False, math.inf, 0
    with quiet_fp():
        for n_iter in range(1, max_iter + 1):
            new, n_empty = _soft_centroids(X, M, sigma, alpha, xp, chunk)
            total_empty = max(total_empty, n_empty)
            shift = float(xp.max(xp.sqrt(xp.sum((new - M) ** 2, axis=1))))
            M = new
            if shift <= tol * scale:
                converged = True
                break
    _warn_empty(total_empty, "zero total responsibility in some iteration", int(M.shape[0]))
    return SoftLloydResult(M, n_iter, converged, shift)


def grad_G_sigma(X: Any, M: Any, sigma: float, *, chunk_size: int | None = None) -> Any:
    r"""Gradient of :math:`G_\sigma`: :math:`\nabla_{\mu_k}G_\sigma=2\sum_ir_{ik}(\mu_k-x_i)`, shape (K, D).

    Here :math:`r_{ik}` are the softmax responsibilities
    (:math:`\partial G_\sigma/\partial d_{ik}=r_{ik}`).  Computed as
    :math:`2(S_k\mu_k-T_k)` with :math:`S_k=\sum_ir_{ik}`, :math:`T_k=\sum_ir_{ik}x_i`.

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    array of shape (K, D)
        float64 :math:`\nabla_MG_\sigma` (row ``k`` is :math:`\nabla_{\mu_k}G_\sigma`),
        input namespace.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, ``sigma`` is not a real number, or ``chunk_size`` is not an int.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, ``sigma`` not in ``(0, inf)``, or ``chunk_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> grad_G_sigma(np.array([[0.0], [2.0]]), np.array([[1.0]]), 1.0)
    array([[0.]])
    """
    X, M, xp = check_instance(X, M)
    sigma = check_sigma(sigma)
    with quiet_fp():
        S, T = _soft_stats(X, M, sigma, 1.0, xp, check_chunk_size(chunk_size, X, M.shape[0]))
    return 2.0 * (S[:, None] * M - T)


def grad_W_sigma(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
                 chunk_size: int | None = None) -> Any:
    r"""Gradient of :math:`W^{(\alpha)}_\sigma=\sum_{ik}p_{ik}d_{ik}`, shape (K, D).

    By the chain rule with the entmax Jacobian
    :math:`J=\operatorname{diag}(s)-ss^\top/\sum_js_j`, :math:`s=p^{2-\alpha}` on the
    support (0 off it; :math:`\alpha=1`: :math:`J=\operatorname{diag}(p)-pp^\top`),

    .. math::

        \frac{\partial W}{\partial d_{ik}} = g_{ik} = p_{ik}-\frac{s_{ik}(d_{ik}-\bar d_i)}{\sigma},
        \quad \bar d_i=\frac{\sum_js_{ij}d_{ij}}{\sum_js_{ij}},\qquad
        \nabla_{\mu_k}W = 2\sum_i g_{ik}(\mu_k-x_i).

    For ``alpha = 1`` this is SPEC KR-T2-grad:
    :math:`2\sum_ir_{ik}(\mu_k-x_i)[1-(d_{ik}-\bar d_i)/\sigma]`.  For ``alpha > 1``
    it is the gradient wherever the support is locally constant (almost everywhere).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` of the responsibilities (1 softmax,
        the default; 1.5 entmax-1.5; 2 sparsemax).
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    array of shape (K, D)
        float64 :math:`\nabla_MW^{(\alpha)}_\sigma` (row ``k`` is
        :math:`\nabla_{\mu_k}W`), input namespace.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, ``sigma`` or ``alpha`` is not a real number, or ``chunk_size`` is not an int.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, ``sigma`` not in ``(0, inf)``, ``alpha`` not in ``[1, inf)``, or ``chunk_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> grad_W_sigma(np.array([[0.0], [2.0]]), np.array([[1.0]]), 1.0)
    array([[0.]])
    >>> X = np.array([[0.0], [1.0]]); M = np.array([[0.0], [1.0]])
    >>> bool(np.all(grad_W_sigma(X, M, 0.5, alpha=1.5) == 0.0))  # one-hot, at the means
    True
    """
    X, M, xp = check_instance(X, M)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        G, Tg, _ = _grad_W_stats(X, M, sigma, alpha, xp, check_chunk_size(chunk_size, X, M.shape[0]))
    return 2.0 * (G[:, None] * M - Tg)


def rbf_gradient_step(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
                      chunk_size: int | None = None) -> Any:
    r"""One full-gradient step on :math:`W^{(\alpha)}_\sigma` with :math:`\eta_k=1/(2\sum_ir_{ik})`, :math:`r=r^{(\alpha)}(M,\sigma)`.

    .. math::

        \mu_k \leftarrow \mu_k - \frac{\nabla_{\mu_k}W^{(\alpha)}_\sigma(M)}{2\sum_i r_{ik}}
        \qquad\text{(SPEC KR-T2-grad)}.

    Clusters with float64 :math:`\sum_i r_{ik}=0` keep :math:`\mu_k` (:class:`EmptyClusterWarning`);
    unlike :func:`soft_centroids` this includes a cluster whose every responsibility
    underflows (no per-cluster shift here).
    The same step on :math:`G_\sigma` would be exactly :func:`soft_centroids`; on
    :math:`W_\sigma` it differs by the responsibility-derivative term.

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf`` (divides squared distances).
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` of the responsibilities (1 softmax,
        the default; 1.5 entmax-1.5; 2 sparsemax).
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    array of shape (K, D)
        float64 updated centroids, input namespace.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, ``sigma`` or ``alpha`` is not a real number, or
        ``chunk_size`` is not an int.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, ``sigma`` not in
        ``(0, inf)``, ``alpha`` not in ``[1, inf)``, or ``chunk_size < 1``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> rbf_gradient_step(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5)
    array([[ 0.5],
           [10.5]])
    """
    X, M, xp = check_instance(X, M)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        G, Tg, S = _grad_W_stats(X, M, sigma, alpha, xp, check_chunk_size(chunk_size, X, M.shape[0]))
    grad = 2.0 * (G[:, None] * M - Tg)
    empty = S <= 0.0
    safe = xp.where(empty, xp.ones_like(S), S)
    new = xp.where(empty[:, None], M, M - grad / (2.0 * safe[:, None]))
    _warn_empty(int(xp.sum(xp.astype(empty, xp.int64))), "zero total responsibility", int(M.shape[0]))
    return new
