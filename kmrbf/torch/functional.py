r"""Differentiable entmax responsibilities and the centroid loss of KR §5, for PyTorch tensors.

Conventions of kmrbf (SPEC §1): the temperature :math:`\sigma` divides **squared**
distances, logits :math:`z_{ik}=-\lVert x_i-\mu_k\rVert^2/\sigma` (a Gaussian width ``s`` is
``sigma = 2 s**2``); :math:`\operatorname{entmax}_\alpha` follows Peters et al. (2019),
:math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`, :math:`\alpha=1` the softmax,
:math:`\alpha=2` sparsemax.

Unlike :mod:`kmrbf.numerics` (which converts to float64 and checks every value), these
functions keep the dtype and device of their input, check shapes, dtypes and parameters
only (no device synchronisation for value checks), and are differentiable with the exact
closed-form entmax Jacobian (:mod:`kmrbf.torch._kernels`).  NaN in the input gives NaN in
the output, as everywhere in :mod:`torch.nn`.

Distances are formed in the input dtype and shifted **gap-first**:
:math:`-(d_{ik}-\min_jd_{ij})/\sigma`, so the best entry of every row is exactly 0 even
when :math:`d/\sigma` overflows (float32 at small :math:`\sigma`).
"""

from __future__ import annotations

import torch

from kmrbf.numerics.validation import check_alpha, check_sigma

from ._kernels import _entmax, _gap_logits, _sq_distances
from ._validation import check_pair, check_reduction, check_tensor

__all__ = ["centroid_loss", "entmax", "responsibilities", "sq_distances"]


def entmax(z: torch.Tensor, alpha: float = 1.5, *, dim: int = -1) -> torch.Tensor:
    r""":math:`\operatorname{entmax}_\alpha(z)` along ``dim``, with the exact closed-form gradient.

    .. math::

        \operatorname{entmax}_\alpha(z)=\arg\max_{p\in\Delta}\;p^\top z
        +\frac{1}{\alpha(\alpha-1)}\sum_j(p_j-p_j^\alpha),\qquad
        p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}.

    ``alpha = 1`` is the softmax, ``1.5`` the exact sort-based entmax-1.5, ``2`` sparsemax,
    any other :math:`\alpha>1` bisection on :math:`\tau`.  The backward pass is
    :math:`J^\top g=s\odot g-s\,(s^\top g)/\sum_js_j`, :math:`s_j=p_j^{2-\alpha}` on the support
    (``p``, ``sqrt(p)``, the support indicator), computed from the output in :math:`O(K)`
    per slice; it is exact wherever the support is locally constant (ties, one-hot
    slices and :math:`-\infty` entries included).  Once differentiable.

    Parameters
    ----------
    z : torch.Tensor
        Logits, real floating dtype; ``-inf`` entries get probability exactly 0 (a slice
        that is entirely ``-inf`` gives NaN).
    alpha : float, optional
        :math:`1\le\alpha<\infty`; default 1.5.
    dim : int, optional
        The axis that sums to one.

    Returns
    -------
    torch.Tensor
        Probabilities, same shape, dtype and device as ``z``.

    Raises
    ------
    TypeError
        If ``z`` is not a real floating tensor or ``alpha`` not a real number.
    ValueError
        If ``alpha`` is not in ``[1, inf)``, ``dim`` is out of range, or ``z`` is empty.

    References
    ----------
    B. Peters, V. Niculae, A. F. T. Martins, "Sparse Sequence-to-Sequence Models", ACL 2019,
    arXiv:1905.05702.

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([[1.0, 0.5, -2.0]], dtype=torch.float64, requires_grad=True)
    >>> p = entmax(z, 1.5)
    >>> p.detach()
    tensor([[0.6740, 0.3260, 0.0000]], dtype=torch.float64)
    >>> p[0, 0].backward()
    >>> z.grad  # diag(s) - s s^T / sum(s), s = sqrt(p): the third entry is off the support
    tensor([[ 0.3368, -0.3368,  0.0000]], dtype=torch.float64)
    """
    check_tensor(z, "z")
    alpha = check_alpha(alpha)
    if not isinstance(dim, int) or isinstance(dim, bool) or not -z.ndim <= dim < z.ndim:
        raise ValueError(f"dim must be an int in [{-z.ndim}, {z.ndim}) for z of shape {tuple(z.shape)}; "
                         f"got {dim!r}")
    if dim % z.ndim == z.ndim - 1:
        return _entmax(z, alpha)
    return _entmax(z.movedim(dim, -1), alpha).movedim(-1, dim)


def sq_distances(z: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    r"""Squared distances :math:`d_{\cdot k}=\lVert z-\mu_k\rVert^2`, shape (..., K), differentiable.

    Formed in the input dtype by GEMM on data centred at the mean of the centroids,
    clamped at 0, and recomputed directly where cancellation could cost more than a few
    ulps (entries :math:`\hat d\le(\lVert z-c\rVert^2+\lVert\mu-c\rVert^2)/8`): the scheme of
    :func:`kmrbf.numerics.sq_distances`.  The gradient is exact,
    :math:`\partial d_k/\partial z=2(z-\mu_k)`, :math:`\partial d_k/\partial\mu_k=2(\mu_k-z)`.
    Finding the recomputed entries synchronises with the device once per call.

    Parameters
    ----------
    z : torch.Tensor
        Points, shape (..., D).
    centroids : torch.Tensor
        Centroids :math:`\mu_k`, shape (K, D), same dtype and device.

    Returns
    -------
    torch.Tensor
        Shape ``z.shape[:-1] + (K,)``, entries :math:`\ge0`.

    Raises
    ------
    TypeError
        If an input is not a real floating tensor, or the dtypes differ.
    ValueError
        If the shapes or devices do not match.

    Examples
    --------
    >>> import torch
    >>> sq_distances(torch.tensor([[0.0, 0.0], [3.0, 4.0]]), torch.tensor([[0.0, 0.0]]))
    tensor([[ 0.],
            [25.]])
    """
    z, centroids = check_pair(z, centroids)
    d = _sq_distances(z.reshape(-1, z.shape[-1]), centroids)
    return d.reshape(*z.shape[:-1], centroids.shape[0])


def responsibilities(z: torch.Tensor, centroids: torch.Tensor, sigma: float, *,
                     alpha: float = 1.5) -> torch.Tensor:
    r"""Responsibilities :math:`r_k=\operatorname{entmax}_\alpha(-(d-\min_jd_j)/\sigma)_k`, differentiable.

    With :math:`d_k=\lVert z-\mu_k\rVert^2` (:func:`sq_distances`); subtracting the row
    minimum changes nothing mathematically (entmax is shift invariant) and makes the best
    logit exactly 0.  Equals :func:`kmrbf.numerics.responsibilities` up to rounding.

    Parameters
    ----------
    z : torch.Tensor
        Points, shape (..., D).
    centroids : torch.Tensor
        Centroids, shape (K, D), same dtype and device.
    sigma : float
        Temperature, :math:`0<\sigma<\infty`, divides squared distances.
    alpha : float, optional
        entmax parameter, :math:`1\le\alpha<\infty`; default 1.5.

    Returns
    -------
    torch.Tensor
        Shape ``z.shape[:-1] + (K,)``, rows summing to one.

    Raises
    ------
    TypeError
        If an input is not a real floating tensor, the dtypes differ, or ``sigma`` /
        ``alpha`` is not a real number.
    ValueError
        If the shapes or devices do not match, ``sigma`` is not in ``(0, inf)`` or
        ``alpha`` not in ``[1, inf)``.

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([[0.0], [0.4]], dtype=torch.float64)
    >>> M = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    >>> responsibilities(z, M, 0.5, alpha=1.5)  # gap 1/sigma = 2 in the first row: one-hot
    tensor([[1.0000, 0.0000],
            [0.6400, 0.3600]], dtype=torch.float64)
    """
    z, centroids = check_pair(z, centroids)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    return _entmax(_gap_logits(sq_distances(z, centroids), sigma), alpha)


def centroid_loss(z: torch.Tensor, centroids: torch.Tensor, sigma: float, *, alpha: float = 1.5,
                  reduction: str = "mean") -> torch.Tensor:
    r"""The centroid loss of KR §5: the weighted distortion (KR eq. 13) of points ``z``.

    .. math::

        \mathcal L_{\mathrm{cent}}(z,M)=\sum_i\sum_k r_{ik}(z,M)\,\lVert z_i-\mu_k\rVert^2,
        \qquad r_i=\operatorname{entmax}_\alpha(-d_i/\sigma),

    i.e. :math:`W^{(\alpha)}_\sigma` of SPEC §1 with the data replaced by the embedding
    :math:`z_i=f_\theta(x_i)`.  KR §5 adds it to the task loss,
    :math:`\mathcal L=\mathcal L_{\mathrm{task}}+\lambda\mathcal L_{\mathrm{cent}}`, and trains
    :math:`\theta` and :math:`M` jointly.  The gradient flows through the distances **and**
    the responsibilities (the full gradient of :math:`W_\sigma`, KR-T2-grad:
    :math:`\nabla_{\mu_k}=2\sum_ir_{ik}(\mu_k-z_i)[1-(d_{ik}-\bar d_i)/\sigma]` for softmax).
    As :math:`\sigma\to0` it tends to the K-means distortion :math:`F_0` (KR Thm 1).

    Parameters
    ----------
    z : torch.Tensor
        Embedded points, shape (..., D).
    centroids : torch.Tensor
        Centroids, shape (K, D), same dtype and device.
    sigma : float
        Temperature, :math:`0<\sigma<\infty`.
    alpha : float, optional
        entmax parameter, :math:`1\le\alpha<\infty`; default 1.5.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'sum'`` is :math:`\mathcal L_{\mathrm{cent}}` (KR eq. 13) exactly, ``'mean'`` divides
        it by the number of points (a weight :math:`\lambda` that does not depend on the
        batch size), ``'none'`` returns the per-point terms :math:`\sum_kr_{ik}d_{ik}`.

    Returns
    -------
    torch.Tensor
        A scalar, or shape ``z.shape[:-1]`` for ``'none'``.

    Raises
    ------
    TypeError
        If an input is not a real floating tensor, the dtypes differ, or ``sigma`` /
        ``alpha`` is not a real number.
    ValueError
        If the shapes or devices do not match, ``sigma`` or ``alpha`` is out of range, or
        ``reduction`` is not one of the three.

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([[0.0], [0.4]], dtype=torch.float64)
    >>> M = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    >>> centroid_loss(z, M, 0.5, reduction="sum")  # 1 * 0 + 0.64 * 0.16 + 0.36 * 0.36
    tensor(0.2320, dtype=torch.float64)
    """
    reduction = check_reduction(reduction)
    z, centroids = check_pair(z, centroids)
    sigma, alpha = check_sigma(sigma), check_alpha(alpha)
    d = sq_distances(z, centroids)
    terms = (_entmax(_gap_logits(d, sigma), alpha) * d).sum(-1)
    if reduction == "none":
        return terms
    return terms.sum() if reduction == "sum" else terms.mean()
