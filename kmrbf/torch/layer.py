r"""The differentiable clustering layer of KR §5: :class:`RBFClustering`.

K-means as an RBF network (KR §3.3): trainable centres :math:`\mu_k`, responsibilities
:math:`r_{ik}=\operatorname{entmax}_\alpha(-d_i/\sigma)_k` of the squared distances
:math:`d_{ik}=\lVert z_i-\mu_k\rVert^2`, and the weighted distortion
:math:`W^{(\alpha)}_\sigma=\sum_{ik}r_{ik}d_{ik}` (KR eq. 13) as the centroid loss that KR §5
adds to a network's task loss to learn the representation and the clusters jointly.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from kmrbf.numerics.validation import check_alpha, check_positive_int, check_sigma

from ._kernels import _entmax, _gap_logits
from ._validation import check_pair
from .functional import centroid_loss, sq_distances

__all__ = ["RBFClustering"]


class RBFClustering(nn.Module):
    r"""Soft / entmax K-means as a layer: ``forward(z)`` returns the responsibilities.

    .. math::

        r_{ik} = \operatorname{entmax}_\alpha\!\Bigl(-\frac{d_{i\cdot}-\min_jd_{ij}}{\sigma}\Bigr)_k,
        \qquad d_{ik}=\lVert z_i-\mu_k\rVert^2,

    :math:`\sigma` dividing **squared** distances (SPEC §1; a Gaussian RBF of width ``s``
    is ``sigma = 2 s**2``).  ``alpha = 1`` gives softmax responsibilities (the RBF network of
    KR eq. 12), ``1.5`` entmax-1.5 (KR §3.6: exactly one-hot once the gap
    :math:`d_{i(2)}-d_{i(1)}\ge2\sigma`), ``2`` sparsemax, other :math:`\alpha>1` bisection.
    As :math:`\sigma\to0` the responsibilities become the K-means assignment and
    :meth:`centroid_loss` the K-means distortion (KR Thm 1, Thm 5).

    Gradients with respect to ``z`` and :attr:`centroids` are exact: the closed-form entmax
    Jacobian :math:`\operatorname{diag}(s)-ss^\top/\sum s`, :math:`s=p^{2-\alpha}` on the
    support (see :func:`kmrbf.torch.entmax`).  Computation happens in the dtype and on
    the device of the module (``module.double()``, ``module.to("cuda")``).

    Parameters
    ----------
    n_clusters : int
        Number of centres :math:`K\ge1`.
    n_features : int
        Dimension :math:`D\ge1` of the points.
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty`; default 1.5.
    sigma : float, optional
        Temperature :math:`0<\sigma<\infty`; default 1.  May be reassigned (annealing).
    centroids : tensor or array of shape (n_clusters, n_features), optional
        Initial centres, copied and converted to ``dtype`` (default: torch's default dtype)
        and ``device``; default: standard normal draws (``torch.randn``, seeded with
        ``torch.manual_seed``).
    device, dtype : optional
        Where and in which floating dtype the centres live (``torch.nn`` factory arguments).

    Attributes
    ----------
    centroids : torch.nn.Parameter of shape (n_clusters, n_features)
        The centres :math:`\mu_k`.

    Raises
    ------
    TypeError
        If ``n_clusters`` / ``n_features`` is not an int, ``alpha`` / ``sigma`` not a real
        number, or ``dtype`` not a floating dtype.
    ValueError
        If ``n_clusters`` or ``n_features`` is below 1, ``alpha`` is not in ``[1, inf)``,
        ``sigma`` not in ``(0, inf)``, or ``centroids`` has the wrong shape or is not finite.

    Examples
    --------
    >>> import torch
    >>> layer = RBFClustering(2, 1, alpha=1.5, sigma=0.5,
    ...                       centroids=torch.tensor([[0.0], [1.0]]), dtype=torch.float64)
    >>> layer(torch.tensor([[0.0], [0.4]], dtype=torch.float64)).detach()
    tensor([[1.0000, 0.0000],
            [0.6400, 0.3600]], dtype=torch.float64)
    >>> layer.predict(torch.tensor([[0.0], [0.4]], dtype=torch.float64))
    tensor([0, 0])
    """

    def __init__(self, n_clusters: int, n_features: int, *, alpha: float = 1.5, sigma: float = 1.0,
                 centroids: Any = None, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.n_clusters = check_positive_int(n_clusters, "n_clusters")
        self.n_features = check_positive_int(n_features, "n_features")
        self.alpha = alpha
        self.sigma = sigma
        if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise TypeError(f"dtype must be a floating torch.dtype; got {dtype!r}")
        shape = (self.n_clusters, self.n_features)
        if centroids is None:
            init = torch.randn(shape, device=device, dtype=dtype)
        else:
            init = torch.as_tensor(centroids).detach().to(
                device=device, dtype=dtype or torch.get_default_dtype()).clone()
            if tuple(init.shape) != shape:
                raise ValueError(f"centroids must have shape (n_clusters, n_features) = {shape}; "
                                 f"got {tuple(init.shape)}")
            if not bool(torch.isfinite(init).all()):
                raise ValueError("centroids must be finite; found "
                                 f"{init[~torch.isfinite(init)][0].item()!r}")
        self.centroids = nn.Parameter(init)

    @property
    def alpha(self) -> float:
        """The entmax parameter (validated on assignment)."""
        return self._alpha

    @alpha.setter
    def alpha(self, value: float) -> None:
        self._alpha = check_alpha(value)

    @property
    def sigma(self) -> float:
        """The temperature (validated on assignment; reassign it to anneal)."""
        return self._sigma

    @sigma.setter
    def sigma(self, value: float) -> None:
        self._sigma = check_sigma(value)

    def distances(self, z: torch.Tensor) -> torch.Tensor:
        r"""Squared distances :math:`d_{\cdot k}=\lVert z-\mu_k\rVert^2`, shape (..., K) (:func:`~kmrbf.torch.sq_distances`)."""
        return sq_distances(z, self.centroids)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        r"""Responsibilities :math:`r=\operatorname{entmax}_\alpha(-(d-\min d)/\sigma)`, shape (..., K)."""
        check_pair(z, self.centroids)
        return _entmax(_gap_logits(self.distances(z), self._sigma), self._alpha)

    def centroid_loss(self, z: torch.Tensor, *, reduction: str = "mean") -> torch.Tensor:
        r"""KR §5's centroid loss :math:`\sum_{ik}r_{ik}d_{ik}` (:func:`kmrbf.torch.centroid_loss`)."""
        return centroid_loss(z, self.centroids, self._sigma, alpha=self._alpha, reduction=reduction)

    @torch.no_grad()
    def predict(self, z: torch.Tensor) -> torch.Tensor:
        r"""Hard assignment :math:`\arg\min_kd_{\cdot k}`, shape (...); equal computed distances go
        to the lowest index."""
        return self.distances(z).argmin(dim=-1)

    def extra_repr(self) -> str:
        return (f"n_clusters={self.n_clusters}, n_features={self.n_features}, "
                f"alpha={self._alpha}, sigma={self._sigma}")
