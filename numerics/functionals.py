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

import math
from typing import Any

from ._compat import device_of, quiet_fp
from ._kernels import _block_logits, _over, _probability_map, iter_sq_distance_blocks
from .validation import check_alpha, check_chunk_size, check_instance, check_sigma

__all__ = ["F0", "G_sigma", "W_sigma", "responsibilities"]


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


#: Power-of-two scale of the overflow check of :func:`_G_sigma` (exact for normal numbers).
_G_SCALE = 2.0**-128


def _G_sum(X: Any, M: Any, sigma: float, xp: Any, chunk: int, scale: float) -> Any:
    """``scale * G_sigma`` as the row-block sum of ``scale * d_i(1) - (scale * sigma) log s_i``."""
    total = _zero(X, xp)
    for _, _, d in iter_sq_distance_blocks(X, M, xp, chunk):
        dmin = xp.min(d, axis=1)
        s = xp.sum(xp.exp(_over(-(d - dmin[:, None]), sigma, xp)), axis=1)
        terms = dmin - sigma * xp.log(s) if scale == 1.0 else dmin * scale - (sigma * scale) * xp.log(s)
        total = total + xp.sum(terms)
    return total


def _G_sigma(X: Any, M: Any, sigma: float, xp: Any, chunk: int) -> Any:
    """G_sigma; a non-finite float64 sum is recomputed scaled by 2**-128 to tell a
    representable value (returned) from one beyond float64 (``ValueError``)."""
    total = _G_sum(X, M, sigma, xp, chunk, 1.0)
    if bool(xp.isfinite(total)):
        return total
    scaled = float(_G_sum(X, M, sigma, xp, chunk, _G_SCALE))
    value = scaled / _G_SCALE if abs(scaled) <= 1.7976931348623157e308 * _G_SCALE else math.inf
    if math.isfinite(value):
        return xp.asarray(value, dtype=xp.float64, device=device_of(X))
    n, k = int(X.shape[0]), int(M.shape[0])
    bound = _sci(math.log10(sigma) + math.log10(n) + math.log10(math.log(k))) if k > 1 else "0"
    raise ValueError(
        f"G_sigma is below the float64 range: about -{_sci(math.log10(abs(scaled)) + 128 * math.log10(2.0))} "
        f"(F0 - sigma*N*log(K) <= G_sigma <= F0 with sigma={sigma!r}, N={n}, K={k}: "
        f"sigma*N*log(K) = {bound}); rescale: X, M, sigma -> cX, cM, c**2 sigma multiplies G_sigma by c**2"
    )


def _sci(log10: float) -> str:
    """``10**log10`` in scientific notation (for values beyond float64)."""
    e = math.floor(log10)
    return f"{10.0 ** (log10 - e):.4f}e+{e}"


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
    X : array of shape (N, D)
        Data points :math:`x_i` (rows); validated, computed in float64.
    M : array of shape (K, D)
        Centroids :math:`\mu_k`, ``1 <= K <= N``.
    sigma : float
        Temperature :math:`\sigma`, ``0 < sigma < inf``; divides squared distances,
        logits :math:`z_{ik}=-\lVert x_i-\mu_k\rVert^2/\sigma`.
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` (Peters et al. 2019,
        :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`); default 1 (softmax).
    chunk_size : int or None, optional
        Rows per block (None: 4096; on an accelerator about 2**24 distances, :func:`~kmrbf.numerics.validation.check_chunk_size`).

    Returns
    -------
    array of shape (N, K)
        float64 :math:`r_{ik}\in[0,1]`, rows summing to one, input namespace.

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
    >>> M = np.array([[0.0], [1.0]])
    >>> responsibilities(X, M, 1.0 / np.log(3.0))
    array([[0.75, 0.25],
           [0.25, 0.75]])
    >>> responsibilities(X, M, 0.5, alpha=1.5)  # gap 1/sigma = 2 -> one-hot
    array([[1., 0.],
           [0., 1.]])
    """
    X, M, xp = check_instance(X, M)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        return _responsibilities(X, M, sigma, alpha, xp, check_chunk_size(chunk_size, X, M.shape[0]))


def F0(X: Any, M: Any, *, chunk_size: int | None = None) -> Any:
    r"""Hard distortion :math:`F_0(M)=\sum_i\min_k\lVert x_i-\mu_k\rVert^2` (KR eq. 2/10).

    Returns a 0-d float64 array of the input namespace.

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
    0-d array
        float64 scalar :math:`F_0(M)`, input namespace.

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
    >>> float(F0(np.array([[0.0], [1.0], [5.0]]), np.array([[0.0], [4.0]])))
    2.0
    """
    X, M, xp = check_instance(X, M)
    return _F0(X, M, xp, check_chunk_size(chunk_size, X, M.shape[0]))


def G_sigma(X: Any, M: Any, sigma: float, *, chunk_size: int | None = None) -> Any:
    r"""Reduced (free-energy) functional :math:`G_\sigma(M)=-\sigma\sum_i\log\sum_k e^{-d_{ik}/\sigma}`.

    Computed as :math:`\sum_i[d_{i(1)}-\sigma\log\sum_k e^{-(d_{ik}-d_{i(1)})/\sigma}]`
    (module docstring), :math:`d_{i(1)}=\min_k d_{ik}`, so no term over- or underflows
    for moderate :math:`\sigma`; it satisfies :math:`F_0-\sigma N\log K\le G_\sigma\le F_0`.
    :math:`F_0` is always finite (validation), but for huge :math:`\sigma` the exact value
    can lie below :math:`-\max\mathrm{float64}\approx-1.8\cdot10^{308}` (e.g. ``X = M = 0``
    gives :math:`G_\sigma=-\sigma N\log K`): then ``ValueError`` names
    :math:`\sigma`, ``N`` and ``K`` instead of returning ``-inf``.  (A non-finite float64
    sum is recomputed scaled by :math:`2^{-128}`, exactly, to decide: a representable
    value is returned.)

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
    0-d array
        float64 scalar :math:`G_\sigma(M)`, input namespace.

    Raises
    ------
    TypeError
        If an input has a bool/complex/non-numeric dtype, ``X`` and ``M`` come from
        different array namespaces, ``sigma`` is not a real number, or ``chunk_size`` is not an int.
    ValueError
        If ``X`` or ``M`` is not 2-D, empty, non-finite, has mismatched ``D``,
        ``K > N``, entries whose squares overflow float64, ``sigma`` not in ``(0, inf)``,
        ``chunk_size < 1``, or the value of :math:`G_\sigma` is below the float64 range.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0]])
    >>> float(G_sigma(X, np.array([[0.5], [0.5]]), 1.0))  # 0.5 - 2 log 2
    -0.8862943611198906
    """
    X, M, xp = check_instance(X, M)
    sigma = check_sigma(sigma)
    with quiet_fp():
        return _G_sigma(X, M, sigma, xp, check_chunk_size(chunk_size, X, M.shape[0]))


def W_sigma(X: Any, M: Any, sigma: float, *, alpha: float = 1.0,
            chunk_size: int | None = None) -> Any:
    r"""Weighted distortion :math:`W_\sigma(M)=\sum_{ik}r_{ik}(M,\sigma)\,d_{ik}` (KR eq. 13).

    ``alpha`` selects the responsibilities (see :func:`responsibilities`):
    :math:`W^{(\alpha)}_\sigma`.  Always :math:`W_\sigma\ge F_0`.

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
    0-d array
        float64 scalar :math:`W^{(\alpha)}_\sigma(M)`, input namespace.

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
    >>> M = np.array([[0.0], [1.0]])
    >>> float(W_sigma(X, M, 1.0 / np.log(3.0)))  # 2 * (0.25 * 1)
    0.5
    >>> float(W_sigma(X, M, 0.5, alpha=1.5))  # one-hot: equals F0
    0.0
    """
    X, M, xp = check_instance(X, M)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    with quiet_fp():
        return _W_sigma(X, M, sigma, alpha, xp, check_chunk_size(chunk_size, X, M.shape[0]))
