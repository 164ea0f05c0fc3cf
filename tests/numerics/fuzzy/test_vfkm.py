"""Tests of :mod:`kmrbf.numerics.fuzzy._vfkm` (:class:`VariationalFuzzyKMeans`), with the soft K-means baselines.

Tolerances: ``u = 2**-53`` (:mod:`kmrbf.evidence.roundoff`); the soft leak of far points is
bounded in closed form in the test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kmrbf.evidence.roundoff import U
from kmrbf.numerics.fuzzy import AnnealedSoftKMeans, SoftKMeans, VariationalFuzzyKMeans

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])


def test_published_undefined_at_equal_lambdas_and_bad_data():
    with pytest.raises(ValueError, match="lambda_e == lambda_kl"):
        VariationalFuzzyKMeans(2, lambda_e=0.5, lambda_kl=0.5).fit(X4)
    with pytest.raises(ValueError, match="n_samples=4 should be >= n_clusters=5"):
        VariationalFuzzyKMeans(5).fit(X4)
    with pytest.raises(ValueError, match="init must have shape"):
        VariationalFuzzyKMeans(2, init=np.zeros((3, 2))).fit(X4)


def test_estimators_recover_two_blobs():
    M0 = np.array([[0.0, 0.5], [10.0, 0.5]])
    for est in (VariationalFuzzyKMeans(2, init=M0), VariationalFuzzyKMeans(2, update="consistent", init=M0),
                SoftKMeans(2, init=M0), AnnealedSoftKMeans(2, init=M0)):
        est.fit(X4)
        assert est.labels_.tolist() == [0, 0, 1, 1]
        # exact soft leak: far points (squared-distance gap >= 99) carry weight <= e^{-99/tau},
        # tau <= lambda_e + lambda_kl = 5.5, times |x| <= 10.05, for 2 points: <= 21 e^{-18}
        np.testing.assert_allclose(est.cluster_centers_, M0, rtol=0, atol=21 * math.exp(-99 / 5.5))
        np.testing.assert_allclose(est.memberships_.sum(axis=1), 1.0, rtol=8 * U)


def test_annealing_schedule_and_trace_lengths():
    m = VariationalFuzzyKMeans(2, max_iter=30, tol=0.0, init=X4[[0, 2]]).fit(X4)
    assert m.n_iter_ == 30 == len(m.free_energy_) == len(m.lambda_e_)
    np.testing.assert_allclose(m.lambda_e_, 5.0 * np.exp(-0.02 * np.arange(30)), rtol=4 * U)
    assert m.stop_reason_ == "max_iter"
