"""Tests of :mod:`kmrbf.numerics.geometry` (margin, diameter, centroid discrepancy): conventions and input checks."""

from __future__ import annotations

import numpy as np
import pytest

import kmrbf.numerics as kn

RNG = np.random.default_rng(11)
X = RNG.normal(size=(40, 3))


def test_margin_and_discrepancy_conventions():
    assert float(kn.margin(X, X[:1])) == np.inf  # K = 1
    assert float(kn.margin(X, np.array([[0.0] * 3, [0.0] * 3]))) == 0.0  # coincident centroids
    A = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 5.0]])
    v, perm = kn.centroid_discrepancy(A, A[[2, 0, 1]])
    assert v == 0.0 and perm.tolist() == [1, 2, 0]
    v, _ = kn.centroid_discrepancy(A, A + np.array([3.0, 4.0]))
    assert v == 5.0
    assert float(kn.diameter(np.array([[1.0, 1.0]]))) == 0.0


def test_centroid_discrepancy_shapes():
    with pytest.raises(ValueError, match=r"A and B must have the same shape"):
        kn.centroid_discrepancy(np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="A must be finite"):
        kn.centroid_discrepancy(np.array([[np.nan, 0.0]]), np.zeros((1, 2)))


def test_centroid_discrepancy_namespaces():
    # before: B of another namespace passed validation separately and failed deep inside
    # (array_api_strict: "Expected Array or Python scalar; got numpy.ndarray")
    xs = pytest.importorskip("array_api_strict", reason="array-api-strict not installed")
    A = np.array([[0.0, 0.0], [10.0, 0.0]])
    with pytest.raises(TypeError, match="A and B must come from the same array namespace"):
        kn.centroid_discrepancy(A, xs.asarray(A))
    with pytest.raises(TypeError, match="A and B must come from the same array namespace"):
        kn.centroid_discrepancy(xs.asarray(A), A)
    # a list B is converted into A's namespace
    v, perm = kn.centroid_discrepancy(xs.asarray(A), [[10.0, 1.0], [0.0, 3.0]])
    assert v == 2.0 and isinstance(perm, type(xs.asarray([0]))) and xs.all(perm == xs.asarray([1, 0]))
