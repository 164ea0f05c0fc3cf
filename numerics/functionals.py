r"""Responsibilities and the functionals :math:`F_0`, :math:`G_\sigma`, :math:`W_\sigma` (SPEC §1).

Temperature convention: :math:`\sigma` divides **squared** distances, logits
:math:`z_{ik}=-d_{ik}/\sigma` (a Gaussian width ``s`` is ``sigma = 2 s**2``).

Numerical scheme: everything is computed per row block (at most ``chunk_size``
rows, so at most ``chunk_size * K`` floats at a time) from the guarded distances
of :mod:`kmrbf.numerics.distances`.  Logits are shifted **in the distance domain**
before dividing by sigma, :math:`z_{ik} = -(d_{ik}-d_{i(1)})/\sigma`, so the best
entry of every row is exactly 0 (never ``-inf`` even when ``d/sigma`` overflows),
and :math:`G_\sigma` uses

.. math::

    G_\sigma(M) = \sum_i \Bigl[d_{i(1)} - \sigma\log\sum_k e^{-(d_{ik}-d_{i(1)})/\sigma}\Bigr],

whose inner sum lies in :math:`[1, K]` (no overflow, no underflow to ``log 0``).
Scalar results are returned as 0-d float64 arrays of the input namespace (use
``float(...)``).
"""

from __future__ import annotations

from typing import Any

from ._compat import quiet_fp
from .activations import _probability_map
from .distances import iter_sq_distance_blocks
from .validation import check_alpha, check_chunk_size, check_instance, check_sigma

__all__ = ["F0", "G_sigma", "W_sigma", "responsibilities"]


def _block_logits(d: Any, sigma: float, xp: Any) -> Any:
    dmin = xp.min(d, axis=1, keepdims=True)
    return -(d - dmin) / sigma


def _block_resp(d: Any, sigma: float, alpha: float, xp: Any) -> Any:
    return _probability_map(alpha)(_block_logits(d, sigma, xp), xp, -1)


def _responsibilities(X: Any, M: Any, sigma: float, alpha: float, xp: Any, chunk: int) -> Any:
    blocks = [_block_resp(d, sigma, alpha, xp) for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk)]
    return blocks[0] if len(blocks) == 1 else xp.concat(blocks, axis=0)


def _zero(X: Any, xp: Any) -> Any:
    return xp.sum(X[:0, 0])


def _F0(X: Any, M: Any, xp: Any, chunk: int) -> Any:
    total = _zero(X, xp)
    for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk):
        total = total + xp.sum(xp.min(d, axis=1))
    return total


def _G_sigma(X: Any, M: Any, sigma: float, xp: Any, chunk: int) -> Any:
    total = _zero(X, xp)
    for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk):
        dmin = xp.min(d, axis=1)
        s = xp.sum(xp.exp(-(d - dmin[:, None]) / sigma), axis=1)
        total = total + xp.sum(dmin - sigma * xp.log(s))
    return total


def _W_sigma(X: Any, M: Any, sigma: float, alpha: float, xp: Any, chunk: int) -> Any:
    total = _zero(X, xp)
    for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk):
        r = _block_resp(d, sigma, alpha, xp)
        total = total + xp.sum(r * d)
    return total


def responsibilities(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
                     chunk_size: int | None = None) -> Any:
    r"""Responsibilities :math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k`, shape (N, K).

    ``alpha = 1`` is the softmax :math:`e^{-d_{ik}/\sigma}/\sum_j e^{-d_{ij}/\sigma}`,
    ``alpha = 1.5`` the exact sort-based entmax-1.5, ``alpha = 2`` sparsemax, any
    other ``alpha >= 1`` entmax by bisection.  Rows sum to one; float64.

    Parameters
    ----------
    X : array (N, D)
    M : array (K, D)
    sigma : float
        ``0 < sigma < inf``.
    alpha : float
        ``1 <= alpha < inf``.
    chunk_size : int, optional
        Rows per block (default 4096).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0]])
    >>> M = np.array([[0.0], [1.0]])
    >>> responsibilities(X, M, 1.0 / np.log(3.0))
    array([[0.75, 0.25],
           [0.25, 0.75]])
    >>> responsibilities(X, M, 0.5, alpha=1.5)  # gap 1/sigma = 2 -> one-hot
    array([[1., 0.],
           [0., 1.]])
    """
    X, M, xp = check_instance(X, M)
    s, a = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        return _responsibilities(X, M, s, a, xp, check_chunk_size(chunk_size))


def F0(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Hard distortion :math:`F_0(M)=\sum_i\min_k\lVert x_i-\mu_k\rVert^2` (KR eq. 2/10).

    Returns a 0-d float64 array of the input namespace.

    Examples
    --------
    >>> import numpy as np
    >>> float(F0(np.array([[0.0], [1.0], [5.0]]), np.array([[0.0], [4.0]])))
    2.0
    """
    X, M, xp = check_instance(X, M)
    return _F0(X, M, xp, check_chunk_size(chunk_size))


def G_sigma(X: Any, M: Any, sigma: float, *, chunk_size: int | None = None) -> Any:
    r"""Reduced (free-energy) functional :math:`G_\sigma(M)=-\sigma\sum_i\log\sum_k e^{-d_{ik}/\sigma}`.

    Computed as :math:`\sum_i[d_{i(1)}-\sigma\log\sum_k e^{-(d_{ik}-d_{i(1)})/\sigma}]`
    (module docstring), so it is finite for every valid input; it satisfies
    :math:`F_0-\sigma N\log K\le G_\sigma\le F_0`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0]])
    >>> float(G_sigma(X, np.array([[0.5], [0.5]]), 1.0))  # 0.5 - 2 log 2
    -0.8862943611198906
    """
    X, M, xp = check_instance(X, M)
    s = check_sigma(sigma)
    with quiet_fp():
        return _G_sigma(X, M, s, xp, check_chunk_size(chunk_size))


def W_sigma(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
            chunk_size: int | None = None) -> Any:
    r"""Weighted distortion :math:`W_\sigma(M)=\sum_{ik}r_{ik}(M,\sigma)\,d_{ik}` (KR eq. 13).

    ``alpha`` selects the responsibilities (see :func:`responsibilities`):
    :math:`W^{(\alpha)}_\sigma`.  Always :math:`W_\sigma\ge F_0`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0]])
    >>> M = np.array([[0.0], [1.0]])
    >>> float(W_sigma(X, M, 1.0 / np.log(3.0)))  # 2 * (0.25 * 1)
    0.5
    >>> float(W_sigma(X, M, 0.5, alpha=1.5))  # one-hot: equals F0
    0.0
    """
    X, M, xp = check_instance(X, M)
    s, a = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        return _W_sigma(X, M, s, a, xp, check_chunk_size(chunk_size))
