"""Validation at the door of :mod:`kmrbf.cluster`: the declarative parameter constraints of the
estimators, and the checks of their data and initial centroids.

Every check raises naming the parameter and the offending value (arrays: the first bad index).
A parameter that violates its constraint raises :class:`InvalidParameterError`, a subclass of both
``ValueError`` and ``TypeError`` (as scikit-learn's): a wrong value and a wrong type are reported
alike, and ``except ValueError`` / ``except TypeError`` both catch it.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__: list[str] = []


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter violates its constraint (raised by ``fit``, never by ``__init__``)."""


class Interval:
    """A real (``kind=float``) or integer (``kind=int``) interval; ``closed`` in
    {"both", "left", "right", "neither"}; ``None`` bounds are infinite.  NaN, inf and bool never
    satisfy it."""

    def __init__(self, kind: type, left: float | None, right: float | None, closed: str) -> None:
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def __call__(self, v: Any) -> bool:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            return False
        if self.kind is int and not isinstance(v, numbers.Integral):
            return False
        if not math.isfinite(float(v)):
            return False
        lo_ok = self.left is None or (v >= self.left if self.closed in ("both", "left") else v > self.left)
        hi_ok = self.right is None or (v <= self.right if self.closed in ("both", "right") else v < self.right)
        return lo_ok and hi_ok

    def __str__(self) -> str:
        lb = "[" if self.closed in ("both", "left") else "("
        rb = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.left is None else self.left
        hi = "inf" if self.right is None else self.right
        return f"{'an int' if self.kind is int else 'a finite real number'} in {lb}{lo}, {hi}{rb}"


class Options:
    """One of the given strings."""

    def __init__(self, *options: str) -> None:
        self.options = options

    def __call__(self, v: Any) -> bool:
        return isinstance(v, str) and v in self.options

    def __str__(self) -> str:
        return f"one of {set(self.options)!r}"


class NoneValue:
    """``None``."""

    def __call__(self, v: Any) -> bool:
        return v is None

    def __str__(self) -> str:
        return "None"


class Boolean:
    """``True`` or ``False`` (Python or NumPy bool)."""

    def __call__(self, v: Any) -> bool:
        return isinstance(v, (bool, np.bool_))

    def __str__(self) -> str:
        return "a bool"


class RandomState:
    """``None``, an int in [0, 2**32 - 1] or a ``numpy.random.RandomState`` (scikit-learn's seeds)."""

    def __call__(self, v: Any) -> bool:
        return v is None or isinstance(v, np.random.RandomState) or (
            isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and 0 <= v < 2**32)

    def __str__(self) -> str:
        return "None, an int in [0, 2**32 - 1] or a numpy RandomState"


class ArrayLike:
    """A 2-D array or nested sequence (an explicit matrix of initial centroids; shape checked in fit)."""

    def __call__(self, v: Any) -> bool:
        return isinstance(v, (np.ndarray, list, tuple)) and np.ndim(v) == 2

    def __str__(self) -> str:
        return "a 2-D (n_clusters, n_features) array"


class Callable:
    """A callable ``init(X, n_clusters, random_state) -> (n_clusters, n_features) array``."""

    def __call__(self, v: Any) -> bool:
        return callable(v)

    def __str__(self) -> str:
        return "a callable"


POS_INT = Interval(int, 1, None, "left")
TOL = Interval(float, 0.0, None, "left")
POSITIVE = Interval(float, 0.0, None, "neither")
NON_NEGATIVE = Interval(float, 0.0, None, "left")
CHUNK_SIZE = [NoneValue(), POS_INT]
VERBOSE = [Interval(int, 0, None, "left"), Boolean()]


def validate_parameters(estimator: Any) -> None:
    """Check every parameter of ``estimator`` against its class's ``_parameter_constraints`` table.

    Raises
    ------
    InvalidParameterError
        For the first parameter (in table order) that satisfies none of its constraints, naming
        the parameter, what it must be and the value.
    """
    name = type(estimator).__name__
    for p, constraints in estimator._parameter_constraints.items():
        v = getattr(estimator, p)
        if not any(c(v) for c in constraints):
            allowed = " or ".join(str(c) for c in constraints)
            raise InvalidParameterError(f"The {p!r} parameter of {name} must be {allowed}; got {p}={v!r}.")


def first_bad(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first ``True`` entry of ``mask`` (C order)."""
    return tuple(int(i[0]) for i in np.nonzero(mask))


def check_finite(A: np.ndarray, name: str) -> None:
    """``ValueError`` naming ``name``, the value and the index of the first NaN or infinite entry."""
    if not np.isfinite(A).all():
        idx = first_bad(~np.isfinite(A))
        raise ValueError(f"{name} must be finite (no NaN or inf); found {A[idx]} at index {idx}")


def check_real_dtype(A: np.ndarray, name: str) -> None:
    """``TypeError`` unless ``A`` has an integer or floating dtype (bool, complex, object rejected)."""
    if A.dtype.kind not in "iuf":
        raise TypeError(f"{name} must have a real numeric dtype; got {A.dtype}")


def check_centroids(M: Any, n_clusters: int, n_features: int, name: str = "init") -> np.ndarray:
    """Initial centroids: real, shape ``(n_clusters, n_features)``, finite; a float64 copy."""
    M = np.asarray(M)
    check_real_dtype(M, name)
    if M.shape != (n_clusters, n_features):
        raise ValueError(f"{name} must have shape (n_clusters, n_features)={(n_clusters, n_features)}; "
                         f"got {M.shape}")
    M = np.array(M, dtype=np.float64)
    check_finite(M, name)
    return M
