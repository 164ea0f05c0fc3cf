r"""Dtypes of the precision study and dtype-preserving access to the kernels.

The study runs the private kernels of :mod:`kmrbf.numerics.activations` (no
validation, no float64 cast) and checks that each returns its input's dtype
(:func:`dtype_probs`); :func:`dtype_jvp` is the Jacobian-vector product of entmax-:math:`\alpha`
in the same dtype.  ``bfloat16`` arrays are torch tensors (NumPy has no bfloat16).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._kernels import _entmax15, _entmax_bisect, _softmax, _softmax_naive
from .._compat import array_namespace, quiet_fp

__all__ = [
    "DTYPES",
    "IMPLEMENTATIONS",
    "ALPHA",
    "Progress",
    "available_dtypes",
    "dtype_limits",
    "kernel",
]


DTYPES: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")
IMPLEMENTATIONS: tuple[str, ...] = ("naive", "softmax", "entmax15", "bisect")
#: entmax alpha of each implementation (1 = softmax)
ALPHA: dict[str, str] = {"naive": "1", "softmax": "1", "entmax15": "1.5", "bisect": "1.25"}

Progress = Callable[[str], None] | None


def _torch():
    try:
        import torch
    except ImportError:  # optional backend
        return None
    return torch


def available_dtypes() -> list[str]:
    """The dtypes this machine can run (bfloat16 needs torch).

    Returns
    -------
    list of str
        The names of ``DTYPES`` that can run here, in that order (``"bfloat16"``
        only when torch is importable).
    """
    return [d for d in DTYPES if d != "bfloat16" or _torch() is not None]


def dtype_limits(name: str) -> dict[str, float]:
    r"""Limits of dtype ``name``: ``eps``, ``tiny`` (smallest normal), ``smin`` (smallest
    subnormal), ``max`` and ``p`` (significand bits, :math:`\varepsilon=2^{1-p}`).

    Parameters
    ----------
    name : str
        Dtype name (one of ``DTYPES``).

    Returns
    -------
    dict of str to float
        ``eps``, ``tiny``, ``smin``, ``max``, ``p``.

    Examples
    --------
    >>> dtype_limits("float64")["p"], dtype_limits("float16")["max"]
    (53, 65504.0)
    """
    if name == "bfloat16":
        torch = _torch()
        if torch is None:
            raise ValueError("dtype='bfloat16' needs torch, which is not installed")
        fi = torch.finfo(torch.bfloat16)
        eps, tiny, mx = float(fi.eps), float(fi.tiny), float(fi.max)
    elif name in ("float16", "float32", "float64"):
        fi = np.finfo(np.dtype(name))
        eps, tiny, mx = float(fi.eps), float(fi.tiny), float(fi.max)
    else:
        raise ValueError(f"dtype={name!r} is not one of {DTYPES}")
    p = 1 - int(round(math.log2(eps)))
    return {"eps": eps, "tiny": tiny, "smin": tiny * eps, "max": mx, "p": p}


def to_dtype(a: np.ndarray, name: str) -> Any:
    """float64 NumPy array -> array of dtype ``name`` (rounded to nearest; overflow -> inf)."""
    if name == "bfloat16":
        torch = _torch()
        return torch.tensor(np.asarray(a, dtype=np.float64).tolist(), dtype=torch.float64).to(torch.bfloat16)
    with quiet_fp():
        return np.asarray(a, dtype=np.float64).astype(name)


def to_f64(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        return a.detach().to(dtype=_torch().float64).cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def kernel(impl: str) -> Callable[[Any, Any], Any]:
    """The private dtype-preserving kernel ``f(z, xp)`` (rows along the last axis).

    Parameters
    ----------
    impl : str
        Implementation (one of ``IMPLEMENTATIONS``).

    Returns
    -------
    callable
        ``f(z, xp)``, dtype-preserving.
    """
    if impl == "naive":
        return lambda z, xp: _softmax_naive(z, xp, -1)
    if impl == "softmax":
        return lambda z, xp: _softmax(z, xp, -1)
    if impl == "entmax15":
        return lambda z, xp: _entmax15(z, xp, -1)
    if impl == "bisect":
        return lambda z, xp: _entmax_bisect(z, xp, -1, alpha=float(ALPHA["bisect"]))
    raise ValueError(f"impl={impl!r} is not one of {IMPLEMENTATIONS}")


def dtype_probs(z: Any, impl: str) -> Any:
    """Responsibilities in the dtype of ``z``; raises if the kernel changed the dtype."""
    xp = array_namespace(z)
    with quiet_fp(invalid=True):
        p = kernel(impl)(z, xp)
    if p.dtype != z.dtype:
        raise TypeError(f"kernel {impl!r} returned dtype {p.dtype} for input dtype {z.dtype}")
    return p


def dtype_jvp(p: Any, v: Any, impl: str) -> Any:
    r""":math:`Jv` in the dtype of ``p``: :math:`s\odot v-s\,(s\cdot v)/\sum s`, :math:`s=p^{2-\alpha}`."""
    xp = array_namespace(p)
    a = float(ALPHA[impl])
    with quiet_fp(invalid=True):
        s = p if a == 1.0 else xp.where(p > 0, xp.pow(p, xp.asarray(2.0 - a, dtype=p.dtype)), xp.zeros_like(p))
        ssum = xp.sum(s, axis=-1, keepdims=True)
        sv = xp.sum(s * v, axis=-1, keepdims=True)
        return s * v - s * sv / ssum
