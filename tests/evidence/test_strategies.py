"""kmrbf.evidence.strategies: every strategy draws what its docstring promises."""

from __future__ import annotations

import math
from fractions import Fraction

import kmrbf.numerics as nx
import numpy as np
import pytest
from hypothesis import given, settings

from kmrbf.evidence.strategies import (
    coordinates,
    datasets,
    lloyd_fixed_points,
    near_tied_distance_rows,
    small_clustering_data,
    tied_distance_rows,
    voronoi_instances,
    weights,
)


def _exact_d(x, m):
    return sum(((a - b) ** 2 for a, b in zip(x, m)), Fraction(0))


@settings(max_examples=40)
@given(inst=lloyd_fixed_points(max_k=6, max_d=4, max_per_cell=10))
def test_lloyd_fixed_points_are_exact_fixed_points(inst):
    K, N = inst.K, inst.N
    assert 2 <= K <= 6 and N <= 60 and np.abs(inst.X).max() <= 10
    lab = inst.labels
    # every cell non-empty and its centroid the exact mean of the cell (independent recomputation)
    for k in range(K):
        cell = [inst.X_exact[i] for i in range(N) if lab[i] == k]
        assert cell, f"cell {k} empty"
        mean = tuple(sum(col, Fraction(0)) / len(cell) for col in zip(*cell))
        assert mean == inst.M_exact[k]
        # grid data: the float64 cell mean is bit-for-bit the rounded exact mean
        assert np.array_equal(inst.X[lab == k].mean(0), inst.M[k])
        assert np.array_equal(inst.M[k], np.array([float(v) for v in mean]))
    # strictly nearest own centroid: exact margin > 0, equal to the reported one
    gaps = []
    for i, x in enumerate(inst.X_exact):
        d = [_exact_d(x, m) for m in inst.M_exact]
        own = d[lab[i]]
        gaps += [dj - own for j, dj in enumerate(d) if j != lab[i]]
    assert min(gaps) == inst.delta > 0
    assert all(dk >= inst.delta for dk in inst.delta_k)
    assert nx.is_lloyd_fixed_point(inst.X, inst.M)


@settings(max_examples=30)
@given(vi=voronoi_instances())
def test_voronoi_instances_have_positive_margin(vi):
    X, M, labels, delta = vi
    assert delta > 0
    d = ((X[:, None, :] - M[None]) ** 2).sum(-1)
    assert np.array_equal(d.argmin(1), labels)
    assert set(labels.tolist()) == set(range(M.shape[0]))


@settings(max_examples=50)
@given(row=tied_distance_rows())
def test_tied_rows(row):
    d, ties, gap = row
    assert int((d == d.min()).sum()) == ties
    rest = d[d != d.min()]
    assert (rest.size == 0 and math.isinf(gap)) or rest.min() - d.min() == gap > 0


@settings(max_examples=50)
@given(row=near_tied_distance_rows())
def test_near_tied_rows(row):
    d, delta = row
    s = np.sort(d)
    assert s[1] - s[0] == delta > 0 and delta <= s[0] * 2.0**-10


@settings(max_examples=30)
@given(data=small_clustering_data(max_n=8))
def test_small_clustering_data(data):
    X, K = data
    assert K + 1 <= X.shape[0] <= 8 and len({tuple(r) for r in X.tolist()}) == X.shape[0]


@pytest.mark.parametrize("m", [1, 3, 1023, 1025, 32769, 51199, 51200])
@pytest.mark.parametrize("e", [10, 25, 38, 40])
def test_near_tie_gap_is_exact(m, e):
    """Regression (dev profile, 2026-11-28): b = 32769/1024, e = 38 gave b + b*2**-38 rounded."""
    from kmrbf.evidence.strategies import _near_tie_gap

    b = m / 1024.0
    gap = _near_tie_gap(b, e)
    assert (b + gap) - b == gap and 2.0 ** -(e + 1) < gap / b <= 2.0**-e


@settings(max_examples=50)
@given(v=coordinates(bound=3.0))
def test_coordinates_are_on_the_grid_and_in_the_box(v):
    assert -3.0 <= v <= 3.0 and v * 2**20 == round(v * 2**20)


@settings(max_examples=30)
@given(X=datasets(min_n=2, max_n=5, max_d=2))
def test_datasets_shape_and_range(X):
    assert X.dtype == np.float64 and 2 <= X.shape[0] <= 5 and 1 <= X.shape[1] <= 2
    assert np.all(np.abs(X) <= 10.0)


@settings(max_examples=30)
@given(w=weights(4, max_value=2.0))
def test_weights_nonnegative_with_positive_sum(w):
    assert w.shape == (4,) and np.all((0 <= w) & (w <= 2.0)) and w.sum() > 1e-6
