"""Array-API float64 kernels for soft / entmax K-means and their mpmath oracles.

Public functions validate at the door (see :mod:`kmrbf.numerics.validation`),
compute in float64 and return arrays of the input's namespace (NumPy,
array-api-strict, PyTorch).  Private kernels (``activations._softmax`` ...) keep
the input dtype and skip validation; they exist for the precision study.
The oracles live in :mod:`kmrbf.numerics.oracles` (not re-exported: they are
slow and mpmath-typed).
"""

from .activations import entmax15, entmax_bisect, log_sum_exp, softmax, softmax_naive, sparsemax
from .distances import sq_distances
from .functionals import F0, G_sigma, W_sigma, responsibilities
from .geometry import centroid_discrepancy, diameter, is_lloyd_fixed_point, margin
from .kmeans import (
    EmptyClusterWarning,
    LloydResult,
    SoftLloydResult,
    SoftStats,
    assign,
    grad_G_sigma,
    grad_W_sigma,
    lloyd,
    lloyd_step,
    rbf_gradient_step,
    soft_centroids,
    soft_lloyd,
    soft_stats,
)

__all__ = [
    "EmptyClusterWarning",
    "F0",
    "G_sigma",
    "LloydResult",
    "SoftLloydResult",
    "SoftStats",
    "W_sigma",
    "assign",
    "centroid_discrepancy",
    "diameter",
    "entmax15",
    "entmax_bisect",
    "grad_G_sigma",
    "grad_W_sigma",
    "is_lloyd_fixed_point",
    "lloyd",
    "lloyd_step",
    "log_sum_exp",
    "margin",
    "rbf_gradient_step",
    "responsibilities",
    "soft_centroids",
    "soft_lloyd",
    "soft_stats",
    "softmax",
    "softmax_naive",
    "sparsemax",
    "sq_distances",
]
