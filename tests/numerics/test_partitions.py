"""Tests of :mod:`kmrbf.numerics.partitions` (exact K-means optima, W_sigma minimisation).

The labelling enumeration and the exact optimum against independent brute force (exact
rationals); the optimiser's float64 kernel ``W_and_grad`` against the library's W_sigma.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

import kmrbf.numerics as nx
from kmrbf.numerics.partitions import (KMeansOptimum, W_and_grad, distance_to_set, kmeans_optimum, labelings,
                                       minimise_W_sigma, partition_costs)


def _exact_d(x, m):
    return sum(((a - b) ** 2 for a, b in zip(x, m)), Fraction(0))


def test_partition_costs_and_optimum():
    X = np.array([[0.0], [1.0], [5.0], [6.0]])
    labs = labelings(4, 2)
    costs = partition_costs(X, labs)
    brute = [sum(float(np.sum((X[lab == c] - X[lab == c].mean(0)) ** 2)) for c in set(lab)) for lab in labs]
    assert costs.tolist() == pytest.approx(brute, rel=1e-15)
    opt = kmeans_optimum(X, 2)
    assert isinstance(opt, KMeansOptimum) and opt.value == Fraction(1)


def test_distance_to_set_is_permutation_invariant():
    A = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert distance_to_set(A[::-1], [A]) == 0.0
    assert distance_to_set(A + [[0.0, 1.0], [0.0, 0.0]], [A, A + 10]) == pytest.approx(1.0)


def test_minimise_W_sigma_near_the_kmeans_optimum_at_small_sigma():
    X = np.array([[0.0], [1.0], [5.0], [6.0]])
    value, M, n = minimise_W_sigma(X, 2, 0.05)
    assert n >= 1 and value == pytest.approx(1.0, abs=1e-6)
    assert distance_to_set(M, [np.array([[0.5], [5.5]])]) < 1e-4


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
