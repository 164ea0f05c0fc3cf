"""Declarative parameter validation (scikit-learn style) shared by the estimators of
:mod:`kmrbf.numerics.fuzzy`, and the common input checks (data, initial centroids)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

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


class Options:
    def __init__(self, *options: str) -> None:
        self.options = options

    def __call__(self, v: Any) -> bool:
        return isinstance(v, str) and v in self.options

    def __str__(self) -> str:
        return f"one of {set(self.options)!r}"


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


def check_X(X: Any, n_clusters: int) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype == bool or not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"X must have a real numeric dtype; got {X.dtype}")
    X = X.astype(np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite; found NaN or inf")
    if X.shape[0] < n_clusters:
        raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={n_clusters}.")
    return X


def initial_centroids(X: np.ndarray, n_clusters: int, init: Any, random_state: Any) -> np.ndarray:
    """``init``: an array, ``"k-means"`` (sklearn KMeans warm start, n_init=10) or ``"k-means++"``."""
    if isinstance(init, np.ndarray):
        if init.shape != (n_clusters, X.shape[1]):
            raise ValueError(f"init must have shape (n_clusters, n_features)="
                             f"{(n_clusters, X.shape[1])}; got {init.shape}")
        return np.array(init, dtype=np.float64)
    from sklearn.cluster import KMeans, kmeans_plusplus

    if init == "k-means":
        return KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state).fit(X).cluster_centers_
    return kmeans_plusplus(X, n_clusters, random_state=random_state)[0]

