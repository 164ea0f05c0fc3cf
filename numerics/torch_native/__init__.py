r"""Torch-native kernels: soft / hard K-means statistics on torch tensors of any device.

The array-API reference path (:mod:`kmrbf.numerics._kernels`) decides the guarded
distance recomputation and the bisection stops on the host, once per chunk and per
halving; on a torch tensor every such decision is a host synchronisation (on a GPU a
stall of the stream).  The kernels of :mod:`kmrbf.numerics.torch_native._kernels`
compute the same quantities, with the same operations in the same order, but decide
nothing on the host inside their chunk loops: data-dependent decisions are either made
without branching (masks, ``torch.where``, fixed shapes) or recorded on the device and
read **once after the loop**, which then reruns the pass when a recorded bound was
exceeded.  Nothing public lives here; the dispatch of :mod:`kmrbf.numerics.kmeans`
calls the kernels by name.
"""

from __future__ import annotations

__all__: list[str] = []
