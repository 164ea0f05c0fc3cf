"""Parameter and tensor checks of :mod:`kmrbf.torch` (private module; names without underscore).

Shapes, dtypes, devices and parameters are checked at the door; tensor *values* are not
(that would synchronise with the device on every call).  Messages name the parameter and
its value.
"""

from __future__ import annotations

from typing import Any

import torch

_REDUCTIONS = ("mean", "sum", "none")


def check_tensor(x: Any, name: str, *, min_ndim: int = 1) -> torch.Tensor:
    """A real floating tensor with at least ``min_ndim`` dimensions and no empty axis, else raise.

    Parameters
    ----------
    x : torch.Tensor
        The tensor to check.
    name : str
        Its parameter name, used in the messages.
    min_ndim : int, optional
        Least number of dimensions.

    Returns
    -------
    torch.Tensor
        ``x`` itself.

    Raises
    ------
    TypeError
        If ``x`` is not a tensor or its dtype is not real floating.
    ValueError
        If ``x`` has fewer than ``min_ndim`` dimensions or an empty axis.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(x).__name__} "
                        "(use torch.as_tensor, or kmrbf.numerics for NumPy arrays)")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{name} must have a real floating dtype; got {x.dtype}")
    if x.ndim < min_ndim or 0 in x.shape:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s) and no empty axis; "
                         f"got shape {tuple(x.shape)}")
    return x


def check_pair(z: Any, centroids: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate points ``z`` of shape (..., D) and ``centroids`` of shape (K, D): same D, dtype, device.

    Parameters
    ----------
    z : torch.Tensor
        Points, shape (..., D).
    centroids : torch.Tensor
        Centroids, shape (K, D).

    Returns
    -------
    tuple of torch.Tensor
        ``(z, centroids)``.

    Raises
    ------
    TypeError
        If either is not a real floating tensor, or their dtypes differ.
    ValueError
        If ``centroids`` is not 2-D, a shape is empty, the last dimensions differ, or
        the devices differ.
    """
    check_tensor(z, "z")
    check_tensor(centroids, "centroids", min_ndim=2)
    if centroids.ndim != 2:
        raise ValueError(f"centroids must be 2-D (K, D); got shape {tuple(centroids.shape)}")
    if z.shape[-1] != centroids.shape[1]:
        raise ValueError(f"z must have shape (..., D) with D = centroids.shape[1] = {centroids.shape[1]}; "
                         f"got shape {tuple(z.shape)}")
    if z.dtype != centroids.dtype:
        raise TypeError(f"z has dtype {z.dtype} but centroids have dtype {centroids.dtype}; "
                        "convert one (z.to(centroids.dtype), or module.to(z.dtype))")
    if z.device != centroids.device:
        raise ValueError(f"z is on device {z.device} but centroids are on {centroids.device}")
    return z, centroids


def check_reduction(reduction: Any) -> str:
    """Validate a loss reduction: one of ``'mean'``, ``'sum'``, ``'none'``.

    Parameters
    ----------
    reduction : str
        The reduction.

    Returns
    -------
    str
        ``reduction``.

    Raises
    ------
    ValueError
        If ``reduction`` is not one of the three.
    """
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}; got {reduction!r}")
    return reduction
