"""Tests of :mod:`kmrbf.numerics.fuzzy._soft` (:class:`SoftKMeans`, :class:`AnnealedSoftKMeans`).

Exact expectations only: one-hot and uniform rows are exact in float64 (gap-first logits give
the nearest centroid the logit 0 and every other one ``-inf`` once the gaps overflow).
"""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.numerics.fuzzy import AnnealedSoftKMeans, SoftKMeans

X4 = np.array([[0.0], [1.0], [10.0], [11.0]])
M0 = np.array([[0.2], [10.3]])


@pytest.mark.parametrize("est", [SoftKMeans(2, sigma=5e-324, init=M0),
                                 AnnealedSoftKMeans(2, sigma_start=5e-324, sigma_end=5e-324, init=M0),
                                 AnnealedSoftKMeans(2, sigma_start=5.0, sigma_end=5e-324, init=M0)],
                         ids=["soft", "annealed-subnormal", "annealed-to-subnormal"])
def test_subnormal_sigma_gives_one_hot_memberships(est):
    """Before issue 11 memberships_ was all NaN for sigma = 5e-324 (-d/sigma = -inf in every entry)."""
    est.fit(X4)
    assert est.memberships_.tolist() == [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    assert est.labels_.tolist() == [0, 0, 1, 1]


def test_tied_point_gets_uniform_memberships_at_subnormal_sigma():
    X = np.array([[-1.0], [0.0], [1.0]])
    est = SoftKMeans(2, sigma=5e-324, max_iter=1, init=np.array([[-1.0], [1.0]])).fit(X)
    # the middle point splits 1/2 - 1/2 and pulls both centroids to -2/3, 2/3: it stays equidistant
    assert est.memberships_[1].tolist() == [0.5, 0.5]
    assert np.all(np.isfinite(est.memberships_))


def test_init_must_be_finite_and_real():
    with pytest.raises(ValueError, match=r"init must be finite; found nan at index \(1, 0\)"):
        SoftKMeans(2, init=np.array([[0.0], [np.nan]])).fit(X4)
    with pytest.raises(TypeError, match="init must have a real numeric dtype"):
        AnnealedSoftKMeans(2, init=np.array([[True], [False]])).fit(X4)
