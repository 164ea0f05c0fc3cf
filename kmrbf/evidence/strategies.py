"""Hypothesis strategies: the one module every property draws its inputs from.

All strategies take keyword-only parameters; the documented ranges are the
ranges the properties (and hence the verdicts) cover.  Data are returned as
float64 numpy arrays; coordinates are bounded so that squared distances stay far
from overflow (documented per strategy).
"""

from __future__ import annotations

import math

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
    "lloyd_fixed_points",
    "voronoi_instances",
    "tied_distance_rows",
    "near_tied_distance_rows",
    "small_clustering_data",
    "ENTMAX_ALPHAS",
    "INSTANCE_AND_SIGMA",
    "INSTANCE_AND_SIGMA_SUMMARY",
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



# ---------------------------------------------------------------------------------------
# Lloyd fixed points, ties and near-ties (Theorems 3-5; added by the theorems helper)
# ---------------------------------------------------------------------------------------
#: grid of the Lloyd-instance coordinates: multiples of 2**-6, |coordinate| <= 9, so every
#: cell sum of <= 60 points is an exact float64 (< 20 significant bits) and the float64
#: cell mean is the correctly rounded exact mean.
LLOYD_GRID = 2.0**-6


def _grid_points(n: int, d: int, half_width: float) -> st.SearchStrategy[np.ndarray]:
    """``n x d`` multiples of :data:`LLOYD_GRID` in ``[-half_width, half_width]``."""
    lim = int(half_width / LLOYD_GRID)
    return hnp.arrays(np.int64, (n, d), elements=st.integers(-lim, lim)).map(
        lambda a: a.astype(np.float64) * LLOYD_GRID)


@st.composite
def lloyd_fixed_points(draw: st.DrawFn, *, min_k: int = 2, max_k: int = 4, max_d: int = 3,
                       max_per_cell: int = 8):
    r"""Exact Lloyd fixed points :math:`(X, M^*)` with margin :math:`\Delta>0` and non-empty cells.

    Returns a :class:`kmrbf.numerics.lloyd_instances.LloydInstance` (float64 ``X``, ``M``,
    exact rational ``X_exact``, ``M_exact``, ``delta``, ``delta_k``, ``labels``, ``counts``).

    Construction: ``min_k <= K <= max_k`` (default 2..4; at most 6 keeps N <= 60),
    ``1 <= D <= max_d`` (default 1..3, at most 4), ``K`` seed centres on the grid
    :data:`LLOYD_GRID` in ``[-5, 5]^D``, a spread ``s`` from ``{1/4, 1/2, 1, 2, 4}``, and
    ``1 <= n_k <= max_per_cell`` (default 8, so ``N <= 32``; 10 with K=6 gives N <= 60)
    points per seed on the grid within ``s`` of it in every coordinate (so ``|x| <= 9``).
    Lloyd (float64) runs from the seeds; the limit partition is verified in exact
    rational arithmetic by :func:`~kmrbf.numerics.lloyd_instances.from_partition`
    (exact means, exact re-assignment, every gap exactly > 0).  The limit may differ
    from the seeding partition; it is a fixed point all the same.

    Rejection (``hypothesis.reject``): Lloyd empties a cell, does not settle in 100
    steps, or its limit has an exact tie.  Measured (500 accepted examples each,
    derandomized and random): 9-10 % of draws are rejected with the defaults, 10-11 %
    with ``max_k=6, max_d=4, max_per_cell=10``.  In 3000 uniform (non-Hypothesis) draws
    of the same construction 1.7 % were rejected: 50 emptied cells, 1 exact tie, no
    non-convergence.  Seeds are drawn distinct (coincident seeds, Hypothesis's favourite
    simple input, emptied a cell in 40 % of draws before that).
    """
    from hypothesis import reject

    from ..numerics.lloyd_instances import lloyd_fixed_point

    if not (1 <= min_k <= max_k <= 6) or not (1 <= max_d <= 4) or not (1 <= max_per_cell <= 10):
        raise ValueError(f"need 1 <= min_k={min_k} <= max_k={max_k} <= 6, 1 <= max_d={max_d} <= 4, "
                         f"1 <= max_per_cell={max_per_cell} <= 10")
    k = draw(st.integers(min_k, max_k), label="K")
    d = draw(st.integers(1, max_d), label="D")
    lim = int(5.0 / LLOYD_GRID)
    seeds = np.array(draw(st.lists(st.tuples(*[st.integers(-lim, lim)] * d), min_size=k,
                                   max_size=k, unique=True), label="seeds"),
                     dtype=np.float64) * LLOYD_GRID  # distinct seeds
    spread = draw(st.sampled_from([0.25, 0.5, 1.0, 2.0, 4.0]), label="spread")
    blocks = []
    for c in range(k):
        n_c = draw(st.integers(1, max_per_cell), label=f"n_{c}")
        blocks.append(seeds[c] + draw(_grid_points(n_c, d, spread), label=f"offsets_{c}"))
    X = np.concatenate(blocks, axis=0)
    inst = lloyd_fixed_point(X, seeds)
    if inst is None:
        reject()
    return inst


@st.composite
def voronoi_instances(draw: st.DrawFn, *, min_k: int = 2, max_k: int = 4, max_d: int = 3,
                      max_per_cell: int = 8):
    r"""``(X, M, labels, delta)``: centroids with a positive Voronoi margin, in general *not* a fixed point.

    A :func:`lloyd_fixed_points` instance whose centroids are moved by grid offsets of
    size at most ``s`` (``s`` from ``{0, 1/64, 1/4, 1}``; ``s = 0`` or a zero offset keeps
    the fixed point itself); the Voronoi cells of the moved
    ``M`` must stay non-empty with an exact margin ``delta > 0`` (a
    :class:`fractions.Fraction`), otherwise the draw is rejected.  Measured: 9 % of
    draws rejected in all (500 accepted examples), nearly all inherited from
    :func:`lloyd_fixed_points`; the shift itself rarely breaks the margin.  ``labels`` are the Voronoi cells of ``M``.
    """
    from fractions import Fraction

    from hypothesis import reject

    inst = draw(lloyd_fixed_points(min_k=min_k, max_k=max_k, max_d=max_d,
                                   max_per_cell=max_per_cell))
    s = draw(st.sampled_from([0.0, 2.0**-6, 0.25, 1.0]), label="shift")
    M = inst.M + (draw(_grid_points(inst.K, inst.D, s)) if s > 0 else 0.0)
    Xq = inst.X_exact
    Mq = [[Fraction(float(v)) for v in row] for row in M]
    labels, delta = [], None
    for x in Xq:
        dist = sorted((sum(((a - b) ** 2 for a, b in zip(x, m)), Fraction(0)), j)
                      for j, m in enumerate(Mq))
        labels.append(dist[0][1])
        g = dist[1][0] - dist[0][0]
        delta = g if delta is None or g < delta else delta
    if delta <= 0 or len(set(labels)) < inst.K:
        reject()
    return inst.X, M, np.asarray(labels), delta


@st.composite
def tied_distance_rows(draw: st.DrawFn, *, min_k: int = 1, max_k: int = 6, bound: float = 100.0):
    r"""``(d, ties, gap)``: a row of squared distances whose minimum is attained ``ties`` times.

    ``1 <= K <= max_k`` (default 1..6) entries on the grid ``2**-10`` in ``[0, bound]``
    (default 100): the minimum value ``b`` occupies ``1 <= ties <= K`` positions exactly
    (bit-for-bit equal), every other entry is ``b + g_j`` with ``g_j >= 2**-10``; ``gap`` is
    the smallest ``g_j`` (``inf`` when all entries tie).  Positions are shuffled.
    No rejection.
    """
    k = draw(st.integers(max(1, min_k), max_k), label="K")
    t = draw(st.integers(1, k), label="ties")
    q = 2.0**-10
    lim = int(bound / q)
    b = draw(st.integers(0, lim // 2), label="min") * q
    gaps = [draw(st.integers(1, lim // 2), label="gap") * q for _ in range(k - t)]
    row = np.array([b] * t + [b + g for g in gaps], dtype=np.float64)
    perm = draw(st.permutations(range(k)), label="perm")
    return row[list(perm)], t, (min(gaps) if gaps else float("inf"))


def _near_tie_gap(b: float, e: int) -> float:
    """``2**(floor(log2 b) - e)``: a gap below ``b`` that ``b + gap`` represents exactly (``e <= 40``)."""
    return math.ldexp(1.0, math.frexp(b)[1] - 1 - e)


@st.composite
def near_tied_distance_rows(draw: st.DrawFn, *, min_k: int = 2, max_k: int = 6):
    r"""``(d, delta)``: a row whose two smallest entries differ by a tiny ``delta > 0``.

    ``2 <= K <= max_k`` (default 2..6); the minimum ``b`` is a multiple of ``2**-10`` in
    ``[1/1024, 50]``, the runner-up is ``b + delta`` with ``delta = 2**(floor(log2 b) - e)``,
    ``10 <= e <= 40``, so ``delta / b`` lies in ``(2**-(e+1), 2**-e]`` (relative separation down
    to 5e-13) and ``b + delta`` spans at most ``e + 2 <= 42`` bits: exactly representable, the
    computed difference is ``delta`` exactly.  (Until 2026-11 ``delta = b * 2**-e``, whose sum
    with ``b`` needs up to 56 bits and was rounded.)  The other entries exceed ``b + 1``.
    Positions are shuffled.  No rejection.
    """
    k = draw(st.integers(max(2, min_k), max_k), label="K")
    b = draw(st.integers(1, 50 * 1024), label="min") / 1024.0
    e = draw(st.integers(10, 40), label="e")
    delta = _near_tie_gap(b, e)
    rest = [b + 1.0 + draw(st.integers(0, 50 * 1024), label="rest") / 1024.0 for _ in range(k - 2)]
    row = np.array([b, b + delta] + rest, dtype=np.float64)
    perm = draw(st.permutations(range(k)), label="perm")
    return row[list(perm)], delta


@st.composite
def small_clustering_data(draw: st.DrawFn, *, max_n: int = 7, max_k: int = 3, max_d: int = 2):
    r"""``(X, K)`` small enough to enumerate every partition: ``2 <= K <= max_k`` (default 2..3,
    at most 3), ``K + 1 <= N <= max_n`` (default 7, at most 10), ``1 <= D <= max_d`` (default 1..2),
    coordinates multiples of ``2**-3`` in ``[-4, 4]``, points distinct.  No rejection (distinct
    rows are drawn with ``unique=True``).
    """
    if not (2 <= max_k <= 3 and max_k + 1 <= max_n <= 10 and 1 <= max_d <= 3):
        raise ValueError(f"need 2 <= max_k={max_k} <= 3, max_k+1 <= max_n={max_n} <= 10, "
                         f"1 <= max_d={max_d} <= 3")
    k = draw(st.integers(2, max_k), label="K")
    d = draw(st.integers(1, max_d), label="D")
    n = draw(st.integers(k + 1, max_n), label="N")
    rows = draw(st.lists(st.tuples(*[st.integers(-32, 32)] * d), min_size=n, max_size=n,
                         unique=True), label="X")
    return np.array(rows, dtype=np.float64) * 2.0**-3, k


INSTANCE_AND_SIGMA = {"inst": instances(), "sigma": sigmas()}
"""The base (X, M) instance with a log-uniform sigma, the draw of most foundation properties."""
INSTANCE_AND_SIGMA_SUMMARY = (
    "(X, M) with N <= 12, K <= 4, D <= 3, coordinates in [-10, 10]; sigma log-uniform in [1e-3, 1e3]."
)

ENTMAX_ALPHAS = (1.25, 1.5, 2.0, 3.0)
"""The entmax parameters alpha > 1 that Theorems 4 and 5 are checked at (bisection, exact 1.5, sparsemax, 3)."""
