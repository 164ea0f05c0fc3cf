"""Compiled (numba) kernels of one soft / hard K-means iteration on NumPy float64 arrays.

The array-API kernels of :mod:`kmrbf.numerics._kernels` are the reference; these are
the fast path that :func:`kmrbf.numerics.soft_centroids`, :func:`~kmrbf.numerics.lloyd_step`
and :func:`~kmrbf.numerics.soft_stats` take for NumPy input (tests check the two against
each other).  Nothing here validates: callers pass validated float64 C-contiguous arrays.
"""

__all__: list[str] = []  # nothing public: the kernels are private, reached through kmrbf.numerics
