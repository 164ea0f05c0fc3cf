"""Validation at the door of :mod:`kmrbf.numerics.fuzzy`: the input checks of its public functions
(distance and log-membership matrices, real scalars).  The estimators and their parameter
constraints live in :mod:`kmrbf.cluster`.

Every check raises naming the parameter and the offending value (arrays: the first bad index),
as :mod:`kmrbf.numerics.validation` does for the rest of :mod:`kmrbf.numerics`; kernels
(:mod:`._kernels`) assume their input passed these checks."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ..validation import check_array_float64

__all__: list[str] = []


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i[0]) for i in np.nonzero(mask))


def check_real(value: Any, name: str, *, low: float | None = None, low_open: bool = False) -> float:
    """A finite real scalar (Python / NumPy real or 0-d real array; ``bool`` and strings rejected) with
    ``value >= low`` (``> low`` if ``low_open``), as a float.

    Raises ``TypeError`` for a non-real value, ``ValueError`` for NaN, inf or a value out of range.
    """
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_, str, bytes)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite; got {name}={value!r}")
    if low is not None and (v <= low if low_open else v < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}; got {name}={value!r}")
    return v


def check_distances(D: Any, name: str = "D") -> np.ndarray:
    """Squared distances: a real 2-D ``(N, K)`` array, ``N, K >= 1``, finite and ``>= 0``; float64."""
    D, _ = check_array_float64(D, name, np)
    D = np.asarray(D)
    if D.ndim != 2 or D.shape[0] < 1 or D.shape[1] < 1:
        raise ValueError(f"{name} must be a 2-D (N, K) array with N, K >= 1; got shape {D.shape}")
    bad = ~np.isfinite(D) | (D < 0)
    if bad.any():
        idx = _first_bad(bad)
        raise ValueError(f"{name} must be finite and >= 0 (squared distances); found {D[idx]} at index {idx}")
    return D


def check_log_memberships(L: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Log-memberships ``(N, K)``: no NaN, no ``+inf``, every row with a finite entry (``-inf`` = a zero
    membership); float64."""
    L, _ = check_array_float64(L, name, np)
    L = np.asarray(L)
    if L.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}; got {L.shape}")
    bad = np.isnan(L) | (L == np.inf)
    if bad.any():
        idx = _first_bad(bad)
        raise ValueError(f"{name} must contain no NaN or +inf (log-memberships); found {L[idx]} at index {idx}")
    empty = ~np.any(np.isfinite(L), axis=1)
    if empty.any():
        i = int(np.nonzero(empty)[0][0])
        raise ValueError(f"{name} row {i} is entirely -inf (all memberships zero)")
    return L
