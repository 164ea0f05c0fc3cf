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
* **Empty clusters** (Lloyd: no point assigned; soft versions: total weight
  :math:`S_k = 0`, which happens for entmax, or for softmax when every
  :math:`r_{ik}` underflows): the centroid is **kept unchanged** and an
  :class:`EmptyClusterWarning` is issued (``stacklevel=2``, once per call).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

from ._compat import device_of, quiet_fp
from .activations import _probability_map
from .distances import iter_sq_distance_blocks
from .functionals import _block_logits
from .validation import check_alpha, check_chunk_size, check_instance, check_sigma

__all__ = [
    "EmptyClusterWarning",
    "LloydResult",
    "SoftLloydResult",
    "assign",
    "grad_G_sigma",
    "grad_W_sigma",
    "lloyd",
    "lloyd_step",
    "rbf_gradient_step",
    "soft_centroids",
    "soft_lloyd",
]


class EmptyClusterWarning(UserWarning):
    """A cluster received no point (Lloyd) or zero total weight (soft updates); its centroid was kept."""


@dataclass(frozen=True)
class LloydResult:
    """Result of :func:`lloyd`.

    Attributes
    ----------
    centroids : array (K, D)
    labels : array (N,)
        Assignment to ``centroids`` (ties to the lowest index).
    n_iter : int
        Lloyd steps performed.
    converged : bool
        ``max_k ||mu_k^new - mu_k|| <= tol`` was reached (``tol = 0``: an exact fixed point).
    """

    centroids: Any
    labels: Any
    n_iter: int
    converged: bool


@dataclass(frozen=True)
class SoftLloydResult:
    """Result of :func:`soft_lloyd`.

    Attributes
    ----------
    centroids : array (K, D)
    n_iter : int
        Soft-centroid steps performed.
    converged : bool
        The last step moved no centroid by more than ``tol * scale`` (Euclidean norm).
    shift : float
        ``max_k ||mu_k^new - mu_k||`` of the last step.
    """

    centroids: Any
    n_iter: int
    converged: bool
    shift: float


# ----------------------------------------------------------------------------- kernels


def _assign(X: Any, M: Any, xp: Any, chunk: int) -> Any:
    labels = [xp.argmin(d, axis=1) for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk)]
    return labels[0] if len(labels) == 1 else xp.concat(labels)


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


def _grad_W_stats(X: Any, M: Any, sigma: float, alpha: float, xp: Any, chunk: int):
    """``G_k = sum_i g_ik``, ``Tg_k = sum_i g_ik x_i``, ``S_k = sum_i p_ik`` with
    ``g_ik = p_ik - s_ik (d_ik - dbar_i) / sigma`` (module :func:`grad_W_sigma`)."""
    pmap = _probability_map(alpha)
    G = xp.zeros_like(M[:, 0])
    S = xp.zeros_like(M[:, 0])
    Tg = xp.zeros_like(M)
    for start, stop, d in iter_sq_distance_blocks(X, M, xp, chunk):
        dd = d - xp.min(d, axis=1, keepdims=True)
        p = pmap(-dd / sigma, xp, -1)
        zero = xp.zeros_like(p)
        pos = p > 0.0
        if alpha == 1.0:
            s = p
        elif alpha == 2.0:
            s = xp.astype(pos, p.dtype)
        else:
            s = xp.where(pos, xp.pow(xp.where(pos, p, xp.ones_like(p)), 2.0 - alpha), zero)
        dbar = xp.sum(s * dd, axis=1, keepdims=True) / xp.sum(s, axis=1, keepdims=True)
        g = p - xp.where(pos, s * (dd - dbar) / sigma, zero)
        G = G + xp.sum(g, axis=0)
        S = S + xp.sum(p, axis=0)
        Tg = Tg + xp.matrix_transpose(g) @ X[start:stop, :]
    return G, Tg, S


# ----------------------------------------------------------------------------- public


def assign(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Nearest-centroid labels :math:`\arg\min_k d_{ik}` (ties to the lowest index), int64 (N,).

    Examples
    --------
    >>> import numpy as np
    >>> assign(np.array([[0.0], [1.0], [2.0]]), np.array([[0.0], [2.0]]))  # x=1 ties -> 0
    array([0, 0, 1])
    """
    X, M, xp = check_instance(X, M)
    return _assign(X, M, xp, check_chunk_size(chunk_size))


def lloyd_step(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""One Lloyd step: :math:`\mu_k\leftarrow\operatorname{mean}\{x_i: i\in C_k\}`.

    Empty cells keep their centroid (:class:`EmptyClusterWarning`).

    Examples
    --------
    >>> import numpy as np
    >>> lloyd_step(np.array([[0.0], [1.0], [4.0], [6.0]]), np.array([[0.0], [6.0]]))
    array([[0.5],
           [5. ]])
    """
    X, M, xp = check_instance(X, M)
    S, T, _ = _hard_stats(X, M, xp, check_chunk_size(chunk_size))
    new, n_empty = _means_keep_empty(S, T, M, xp)
    _warn_empty(n_empty, "no assigned point", int(M.shape[0]))
    return new


def lloyd(X: Any, M0: Any, *, max_iter: int = 300, tol: float = 0.0,
          chunk_size: int | None = None) -> LloydResult:
    r"""Lloyd's algorithm from ``M0`` until :math:`\max_k\lVert\mu_k^{new}-\mu_k\rVert\le` ``tol``.

    With the default ``tol = 0`` it stops at an exact fixed point of
    :func:`lloyd_step` (reached in finitely many steps: the assignment stabilises).

    Examples
    --------
    >>> import numpy as np
    >>> res = lloyd(np.array([[0.0], [1.0], [4.0], [6.0]]), np.array([[0.0], [1.0]]))
    >>> res.centroids.tolist(), res.labels.tolist(), res.converged
    ([[0.5], [5.0]], [0, 0, 1, 1], True)
    """
    X, M, xp = check_instance(X, M0, m_name="M0")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive int; got {max_iter!r}")
    if not (tol >= 0.0 and math.isfinite(tol)):
        raise ValueError(f"tol must be finite and >= 0; got {tol!r}")
    chunk = check_chunk_size(chunk_size)
    total_empty = 0
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        S, T, _ = _hard_stats(X, M, xp, chunk)
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

    Clusters with :math:`\sum_i r_{ik}=0` keep :math:`\mu_k` (:class:`EmptyClusterWarning`).

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
    s, a = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        new, n_empty = _soft_centroids(X, M, s, a, xp, check_chunk_size(chunk_size))
    _warn_empty(n_empty, "zero total responsibility", int(M.shape[0]))
    return new


def soft_lloyd(X: Any, M0: Any, sigma: float, *, alpha: float = 1.0, max_iter: int = 1000,
               tol: float = 1e-12, chunk_size: int | None = None) -> SoftLloydResult:
    r"""Iterate :func:`soft_centroids` from ``M0`` to a fixed point :math:`M=\hat M(M,\sigma)`.

    Stops when :math:`\max_k\lVert\mu^{new}_k-\mu_k\rVert\le \mathrm{tol}\cdot s`,
    :math:`s=\max_{ij}|x_{ij}|` (``s = 1`` if ``X = 0``), or after ``max_iter`` steps
    (``converged=False``; no warning).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> res = soft_lloyd(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5)
    >>> res.centroids.tolist(), res.converged
    ([[0.5], [10.5]], True)
    """
    X, M, xp = check_instance(X, M0, m_name="M0")
    s, a = check_sigma(sigma), check_alpha(alpha)
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive int; got {max_iter!r}")
    if not (tol >= 0.0 and math.isfinite(tol)):
        raise ValueError(f"tol must be finite and >= 0; got {tol!r}")
    chunk = check_chunk_size(chunk_size)
    scale = float(xp.max(xp.abs(X))) or 1.0
    total_empty, converged, shift, n_iter = 0, False, math.inf, 0
    with quiet_fp():
        for n_iter in range(1, max_iter + 1):
            new, n_empty = _soft_centroids(X, M, s, a, xp, chunk)
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

    Computed as :math:`2(S_k\mu_k-T_k)` from the softmax statistics.

    Examples
    --------
    >>> import numpy as np
    >>> grad_G_sigma(np.array([[0.0], [2.0]]), np.array([[1.0]]), 1.0)
    array([[0.]])
    """
    X, M, xp = check_instance(X, M)
    s = check_sigma(sigma)
    with quiet_fp():
        S, T = _soft_stats(X, M, s, 1.0, xp, check_chunk_size(chunk_size))
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
    s, a = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        G, Tg, _ = _grad_W_stats(X, M, s, a, xp, check_chunk_size(chunk_size))
    return 2.0 * (G[:, None] * M - Tg)


def rbf_gradient_step(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
                      chunk_size: int | None = None) -> Any:
    r"""One full-gradient step on :math:`W^{(\alpha)}_\sigma` with :math:`\eta_k=1/(2\sum_ir_{ik})`.

    .. math::

        \mu_k \leftarrow \mu_k - \frac{\nabla_{\mu_k}W^{(\alpha)}_\sigma(M)}{2\sum_i r_{ik}}
        \qquad\text{(SPEC KR-T2-grad)}.

    Clusters with :math:`\sum_i r_{ik}=0` keep :math:`\mu_k` (:class:`EmptyClusterWarning`).
    The same step on :math:`G_\sigma` would be exactly :func:`soft_centroids`; on
    :math:`W_\sigma` it differs by the responsibility-derivative term.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> rbf_gradient_step(X, np.array([[0.0], [11.0]]), 0.5, alpha=1.5)
    array([[ 0.5],
           [10.5]])
    """
    X, M, xp = check_instance(X, M)
    s, a = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        G, Tg, S = _grad_W_stats(X, M, s, a, xp, check_chunk_size(chunk_size))
    grad = 2.0 * (G[:, None] * M - Tg)
    empty = S <= 0.0
    safe = xp.where(empty, xp.ones_like(S), S)
    new = xp.where(empty[:, None], M, M - grad / (2.0 * safe[:, None]))
    _warn_empty(int(xp.sum(xp.astype(empty, xp.int64))), "zero total responsibility", int(M.shape[0]))
    return new
