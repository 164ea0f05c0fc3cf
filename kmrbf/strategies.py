"""Hypothesis strategies: the one module every property draws its inputs from.

All strategies take keyword-only parameters; the documented ranges are the
ranges the properties (and hence the verdicts) cover.  Data are returned as
float64 numpy arrays; coordinates are bounded so that squared distances stay far
from overflow (documented per strategy).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = [
    "coordinates",
    "datasets",
    "instances",
    "sigmas",
    "logit_vectors",
    "logit_matrices",
    "weights",
]


def coordinates(*, bound: float = 10.0) -> st.SearchStrategy[float]:
    """Finite floats in ``[-bound, bound]`` (default ±10), subnormals excluded.

    Values are rounded to multiples of ``2**-20`` so distinct points are not
    separated only by a few ulps (which would make every distance comparison a
    rounding question rather than a question about the claim).
    """
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False).map(lambda v: round(v * 2**20) / 2**20)


def datasets(*, min_n: int = 1, max_n: int = 12, min_d: int = 1, max_d: int = 3,
             bound: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """Data ``X`` of shape (N, D), ``min_n <= N <= max_n`` (default 1..12), ``1 <= D <= 3``,
    coordinates in ``[-bound, bound]``; duplicates allowed."""
    return st.tuples(st.integers(min_n, max_n), st.integers(min_d, max_d)).flatmap(
        lambda nd: hnp.arrays(np.float64, nd, elements=coordinates(bound=bound))
    )


@st.composite
def instances(draw: st.DrawFn, *, max_n: int = 12, max_k: int = 4, max_d: int = 3,
              bound: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """A pair ``(X, M)``: data (N, D) and centroids (K, D) with ``1 <= K <= min(N, max_k)``.

    Centroids are drawn from the same box as the data (so ties between centroids,
    coincident centroids and centroids on data points all occur).
    """
    X = draw(datasets(min_n=1, max_n=max_n, max_d=max_d, bound=bound))
    n, d = X.shape
    k = draw(st.integers(1, min(n, max_k)))
    M = draw(hnp.arrays(np.float64, (k, d), elements=coordinates(bound=bound)))
    return X, M


def sigmas(*, min_value: float = 1e-3, max_value: float = 1e3) -> st.SearchStrategy[float]:
    """Temperatures, log-uniform in ``[min_value, max_value]`` (default 1e-3..1e3)."""
    lo, hi = np.log(min_value), np.log(max_value)
    return st.floats(lo, hi).map(lambda t: float(np.exp(t)))


def logit_vectors(*, min_size: int = 1, max_size: int = 8, bound: float = 50.0,
                  offset: bool = True) -> st.SearchStrategy[np.ndarray]:
    """1-D logits with entries in ``[-bound, bound]`` (default ±50).

    With ``offset=True`` a common offset from ``{0, ±1e3, ±1e300}`` is added: every
    max-shifted kernel must be invariant to it (the offset is applied after the
    rounding; at ``±1e300`` the differences are absorbed and the row becomes constant).
    """
    base = hnp.arrays(np.float64, st.integers(min_size, max_size),
                      elements=coordinates(bound=bound))
    if not offset:
        return base
    return st.tuples(base, st.sampled_from([0.0, 1e3, -1e3, 1e300, -1e300])).map(
        lambda t: t[0] + t[1]
    )


def logit_matrices(*, max_rows: int = 6, max_cols: int = 8,
                   bound: float = 50.0) -> st.SearchStrategy[np.ndarray]:
    """2-D logits (rows, cols), ``1 <= rows <= 6``, ``1 <= cols <= 8``, entries in ``[-bound, bound]``."""
    return st.tuples(st.integers(1, max_rows), st.integers(1, max_cols)).flatmap(
        lambda shape: hnp.arrays(np.float64, shape, elements=coordinates(bound=bound))
    )


def weights(n: int, *, max_value: float = 10.0) -> st.SearchStrategy[np.ndarray]:
    """Non-negative weights of length ``n`` in ``[0, max_value]`` with a positive sum."""
    return hnp.arrays(
        np.float64, n, elements=st.floats(0.0, max_value, allow_subnormal=False)
    ).filter(lambda w: float(w.sum()) > 1e-6)
