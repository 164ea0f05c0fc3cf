"""Validation at the door of :mod:`kmrbf.numerics.fuzzy`: declarative parameter constraints
(scikit-learn style) for its estimators, and the input checks of its public functions (data,
initial centroids, distance and log-membership matrices, real scalars).

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


class Interval:
    """A real (or integer) interval constraint; ``closed`` in {"both", "left", "right", "neither"}."""

    def __init__(self, kind: type, left: float | None, right: float | None, closed: str) -> None:
        self.kind, self.left, self.right, self.closed = kind, left, right, closed

    def __call__(self, v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
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


class OptionalInterval(Interval):
    """``None`` or a value in the interval."""

    def __call__(self, v: Any) -> bool:
        return v is None or super().__call__(v)

    def __str__(self) -> str:
        return f"None or {super().__str__()}"


class Options:
    def __init__(self, *options: str) -> None:
        self.options = options

    def __call__(self, v: Any) -> bool:
        return isinstance(v, str) and v in self.options

    def __str__(self) -> str:
        return f"one of {set(self.options)!r}"


class Boolean:
    """``True`` or ``False`` (Python or NumPy bool)."""

    def __call__(self, v: Any) -> bool:
        return isinstance(v, (bool, np.bool_))

    def __str__(self) -> str:
        return "a bool"


class RandomStateConstraint:
    def __call__(self, v: Any) -> bool:
        return v is None or (isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0) \
            or isinstance(v, np.random.RandomState)

    def __str__(self) -> str:
        return "None, a non-negative int or a numpy RandomState"


class _ArrayInit:
    def __call__(self, v: Any) -> bool:
        return isinstance(v, np.ndarray) and v.ndim == 2

    def __str__(self) -> str:
        return "a 2-D (n_clusters, n_features) array"


POS_INT = Interval(int, 1, None, "left")
TOL = Interval(float, 0.0, None, "left")
INIT = [Options("k-means", "k-means++"), _ArrayInit()]


class ValidatedEstimator:
    """Mixin: ``__init__`` only stores; :meth:`_validate_params` checks ``_parameter_constraints``."""

    _parameter_constraints: dict[str, list[Any]] = {}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._parameter_constraints}

    def set_params(self, **params: Any) -> Any:
        for k, v in params.items():
            if k not in self._parameter_constraints:
                raise ValueError(f"{k!r} is not a parameter of {type(self).__name__}; "
                                 f"valid: {sorted(self._parameter_constraints)}")
            setattr(self, k, v)
        return self

    def _validate_params(self) -> None:
        name = type(self).__name__
        for p, constraints in self._parameter_constraints.items():
            v = getattr(self, p)
            if not any(c(v) for c in constraints):
                allowed = " or ".join(str(c) for c in constraints)
                raise ValueError(f"The {p!r} parameter of {name} must be {allowed}; got {p}={v!r}.")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._parameter_constraints
                         if not isinstance(getattr(self, k), np.ndarray))
        return f"{type(self).__name__}({args})"


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i[0]) for i in np.nonzero(mask))


def check_X(X: Any, n_clusters: int) -> np.ndarray:
    """Data of an estimator: real, 2-D ``(N, D)`` with ``N >= n_clusters``, ``D >= 1``, finite; float64."""
    X = np.asarray(X)
    if X.dtype == bool or not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"X must have a real numeric dtype; got {X.dtype}")
    X = X.astype(np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
    if X.shape[1] < 1:
        raise ValueError(f"X must have at least one feature; got shape {X.shape}")
    if X.shape[0] < n_clusters:
        raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}.")
    bad = ~np.isfinite(X)
    if bad.any():
        idx = _first_bad(bad)
        raise ValueError(f"X must be finite; found {X[idx]} at index {idx}")
    return X


def initial_centroids(X: np.ndarray, n_clusters: int, init: Any, random_state: Any) -> np.ndarray:
    """``init``: an array, ``"k-means"`` (sklearn KMeans warm start, n_init=10) or ``"k-means++"``."""
    if isinstance(init, np.ndarray):
        if init.shape != (n_clusters, X.shape[1]):
            raise ValueError(f"init must have shape (n_clusters, n_features)="
                             f"{(n_clusters, X.shape[1])}; got {init.shape}")
        if init.dtype == bool or not (np.issubdtype(init.dtype, np.integer)
                                      or np.issubdtype(init.dtype, np.floating)):
            raise TypeError(f"init must have a real numeric dtype; got {init.dtype}")
        M = np.array(init, dtype=np.float64)
        bad = ~np.isfinite(M)
        if bad.any():
            idx = _first_bad(bad)
            raise ValueError(f"init must be finite; found {M[idx]} at index {idx}")
        return M
    from sklearn.cluster import KMeans, kmeans_plusplus

    if init == "k-means":
        return KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state).fit(X).cluster_centers_
    return kmeans_plusplus(X, n_clusters, random_state=random_state)[0]


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
