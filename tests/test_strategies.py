"""The Lloyd / tie strategies produce what they promise; partitions and the optimiser kernel are right."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kmrbf.numerics as nx
from kmrbf.numerics.lloyd_instances import certified_instances, from_partition, lloyd_fixed_point
from kmrbf.numerics.partitions import W_and_grad, kmeans_optimum, labelings
from kmrbf.strategies import (lloyd_fixed_points, near_tied_distance_rows, small_clustering_data,
                              tied_distance_rows, voronoi_instances)


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


def test_from_partition_rejects_ties_and_non_fixed_points():
    assert from_partition(np.array([[0.0], [2.0], [3.0]]), [0, 0, 1]) is None  # x=2 equidistant
    assert from_partition(np.array([[0.0], [1.0], [10.0]]), [0, 1, 1]) is None  # 1 is nearer 0
    assert from_partition(np.array([[0.0], [1.0], [10.0]]), [0, 0, 1]) is not None
    assert lloyd_fixed_point(np.array([[0.0], [1.0], [10.0]]), np.array([[0.0], [1.0]])).counts == (2, 1)


def test_certified_instances_are_fixed_points():
    for _, inst in certified_instances():
        assert inst.delta > 0 and nx.is_lloyd_fixed_point(inst.X, inst.M)


def test_labelings_count_is_stirling():
    # S(n, k) for (n, k) = (5, 2), (6, 3), (8, 3), (10, 3)
    for (n, k), s in {(5, 2): 15, (6, 3): 90, (8, 3): 966, (10, 3): 9330}.items():
        lab = labelings(n, k)
        assert lab.shape == (s, n)
        assert len({tuple(r) for r in lab.tolist()}) == s


def test_kmeans_optimum_against_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(5):
        X = np.round(rng.normal(size=(7, 2)) * 8) / 8
        for k in (2, 3):
            opt = kmeans_optimum(X, k)
            Xq = [[Fraction(float(v)) for v in r] for r in X]
            best = None
            for lab in itertools.product(range(k), repeat=7):  # every labelling, independent of labelings()
                if len(set(lab)) < k:
                    continue
                cost = Fraction(0)
                for b in range(k):
                    rows = [Xq[i] for i in range(7) if lab[i] == b]
                    m = [sum(c, Fraction(0)) / len(rows) for c in zip(*rows)]
                    cost += sum(_exact_d(r, m) for r in rows)
                best = cost if best is None or cost < best else best
            assert opt.value == best
            assert float(nx.F0(X, opt.centroids[0])) == pytest.approx(float(best), rel=1e-12)


def test_optimiser_kernel_matches_library():
    rng = np.random.default_rng(4)
    X, M = rng.normal(size=(9, 2)), rng.normal(size=(3, 2))
    for sigma in (0.05, 1.0, 10.0):
        w, g = W_and_grad(M.ravel(), X, 3, sigma)
        # two float64 implementations of the same sums (N*K terms): agree to ~1e-12 relative
        assert w == pytest.approx(float(nx.W_sigma(X, M, sigma)), rel=1e-12)
        np.testing.assert_allclose(g.reshape(3, 2), np.asarray(nx.grad_W_sigma(X, M, sigma)),
                                   rtol=1e-9, atol=1e-12)
