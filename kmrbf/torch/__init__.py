r"""kmrbf.torch: soft / entmax K-means as a differentiable PyTorch layer (KR §5).

An optional part of kmrbf: it needs PyTorch (``pip install 'kmrbf[torch]'``), and no other
module of kmrbf imports it.

* :class:`RBFClustering` -- an ``nn.Module`` with the centres as a ``Parameter``;
  ``forward(z)`` returns the responsibilities
  :math:`r=\operatorname{entmax}_\alpha(-(d-\min d)/\sigma)`, :meth:`~RBFClustering.centroid_loss`
  the weighted distortion :math:`\sum_{ik}r_{ik}d_{ik}` (KR eq. 13) for joint training;
* :func:`entmax`, :func:`sq_distances`, :func:`responsibilities`, :func:`centroid_loss` --
  the same as functions.

Gradients are exact (closed-form entmax Jacobian, :mod:`kmrbf.torch._kernels`).

Examples
--------
>>> import torch
>>> from kmrbf.torch import RBFClustering
>>> _ = torch.manual_seed(0)
>>> layer = RBFClustering(n_clusters=3, n_features=2, alpha=1.5, sigma=0.5)
>>> z = torch.randn(8, 2, requires_grad=True)
>>> loss = layer.centroid_loss(z)            # add lambda * loss to the task loss
>>> loss.backward()
>>> layer(z).sum(dim=1).allclose(torch.ones(8)), z.grad.shape, layer.centroids.grad.shape
(True, torch.Size([8, 2]), torch.Size([3, 2]))
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # tests/torch/test_init.py simulates this
    raise ImportError(
        "kmrbf.torch needs PyTorch, which is not installed: pip install 'kmrbf[torch]' "
        "(or install torch for your platform from https://pytorch.org)"
    ) from exc

from .functional import centroid_loss, entmax, responsibilities, sq_distances
from .layer import RBFClustering

__all__ = ["RBFClustering", "centroid_loss", "entmax", "responsibilities", "sq_distances"]
