"""Tests of :mod:`kmrbf.cluster._vf` (:class:`VariationalFuzzyKMeans`), moved from
``tests/numerics/fuzzy/test_vfkm.py`` with the estimator, plus the methods of the shared base.

Tolerances: ``u = 2**-53`` (:mod:`kmrbf.evidence.roundoff`); the soft leak of far points is
bounded in closed form in the test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kmrbf.cluster import AnnealedSoftKMeans, SoftKMeans, VariationalFuzzyKMeans
from kmrbf.cluster._vf import weighted_centroids
from kmrbf.evidence.roundoff import U
from kmrbf.numerics import EmptyClusterWarning, sq_distances
from kmrbf.numerics.fuzzy import (consistent_log_update, consistent_objective, free_energy, lambda_e_schedule,
                                  published_log_update)

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
    np.testing.assert_allclose(est.predict_proba(X4).sum(axis=1), 1.0, rtol=8 * U)


def test_one_iteration_is_the_numerics_update_and_free_energy():
    """The estimator's first iterate is eq. 4 then the public update of kmrbf.numerics.fuzzy, and its trace
    entry is the public free energy / consistent objective (oracles: the public functions)."""
    M0 = np.array([[1.0, 0.0], [9.0, 1.0]])
    for update, step, objective in (("published", published_log_update, free_energy),
                                    ("consistent", consistent_log_update, consistent_objective)):
        m = VariationalFuzzyKMeans(2, update=update, gamma=0.0, max_iter=1, init=M0).fit(X4)
        lu0 = step(sq_distances(X4, M0), np.full((4, 2), -math.log(2)), 5.0, 0.5)
        np.testing.assert_array_equal(m.log_u_init_, lu0)
        M1 = np.exp(lu0).T @ X4 / np.exp(lu0).sum(axis=0)[:, None]
        np.testing.assert_allclose(m.cluster_centers_, M1, rtol=0, atol=64 * U * 10)
        lu1 = step(sq_distances(X4, m.cluster_centers_), lu0, 5.0, 0.5)
        np.testing.assert_array_equal(m.log_memberships_, lu1)
        L = objective(X4, m.cluster_centers_, np.exp(lu1), np.exp(lu0), lambda_e=5.0, lambda_kl=0.5)
        np.testing.assert_allclose(m.free_energy_, [L], rtol=64 * U)
        assert m.objective_ == m.free_energy_[-1]
        assert m.objective_name_ == ("free_energy" if update == "published" else "consistent_objective")


def test_annealing_schedule_and_trace_lengths():
    m = VariationalFuzzyKMeans(2, max_iter=30, tol=0.0, init=X4[[0, 2]]).fit(X4)
    assert m.n_iter_ == 30 == len(m.free_energy_) == len(m.lambda_e_)
    np.testing.assert_allclose(m.lambda_e_, 5.0 * np.exp(-0.02 * np.arange(30)), rtol=4 * U)
    assert m.stop_reason_ == "max_iter" and not m.converged_


def test_subnormal_temperature_is_one_hot_not_a_crash():
    """Before issue 11: lambda_e = 5e-324 made every logit -inf, u NaN, and eq. 4 crashed ("M must be finite")."""
    for update in ("published", "consistent"):
        m = VariationalFuzzyKMeans(2, lambda_e=5e-324, lambda_kl=0.0, update=update,
                                   init=np.array([[0.0, 0.2], [10.0, 0.3]])).fit(X4)
        assert m.memberships_.tolist() == [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
        assert m.cluster_centers_.tolist() == [[0.0, 0.5], [10.0, 0.5]]
        assert m.stop_reason_ == "converged" and m.converged_


def test_a_cluster_with_only_zero_memberships_keeps_its_centroid_and_warns_once():
    init = np.array([[0.0, 0.5], [10.0, 0.5], [100.0, 100.0]])   # the third centroid is nobody's
    with pytest.warns(EmptyClusterWarning, match="1 of K=3 clusters had only zero memberships") as rec:
        m = VariationalFuzzyKMeans(3, lambda_e=5e-324, lambda_kl=0.0, init=init, tol=0.0, max_iter=5).fit(X4)
    assert len([w for w in rec if issubclass(w.category, EmptyClusterWarning)]) == 1  # not one per iteration
    assert m.n_iter_ == 5
    assert m.cluster_centers_[2].tolist() == [100.0, 100.0]
    assert np.all(np.isfinite(m.memberships_))


def test_weighted_centroids_counts_the_kept_clusters():
    with np.errstate(divide="ignore"):
        log_u = np.log(np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]))
    M = np.array([[7.0], [8.0], [9.0]])
    new, n_empty = weighted_centroids(np.array([[0.0], [2.0]]), log_u, M)
    assert n_empty == 1 and new.tolist() == [[2.0 / 3.0], [2.0], [9.0]]


def test_temperature_floor_runs_the_no_entropy_ablation_as_the_authors_code():
    """lambda_e = 1e-5 < lambda_kl = 0.5: eq. 10 as printed has tau = -0.49999 (points go to the *far*
    centroid); the author's clamp runs it at tau = 1e-8 (hard assignments) with log(u_prev + 1e-10)."""
    init = np.array([[0.0, 0.5], [10.0, 0.5]])
    literal = VariationalFuzzyKMeans(2, lambda_e=1e-5, lambda_kl=0.5, gamma=0.0, init=init, max_iter=1).fit(X4)
    assert literal.log_u_init_.argmax(axis=1).tolist() == [1, 1, 0, 0]
    author = VariationalFuzzyKMeans(2, lambda_e=1e-5, lambda_kl=0.5, gamma=0.0, init=init,
                                    temperature_floor=1e-8, prev_offset=1e-10).fit(X4)
    assert author.log_u_init_.argmax(axis=1).tolist() == [0, 0, 1, 1]
    assert np.all(np.isfinite(author.log_memberships_)) and author.stop_reason_ in ("converged", "max_iter")
    np.testing.assert_allclose(author.cluster_centers_, init, rtol=0, atol=21 * math.exp(-99 / 5.5))


def test_overflow_stop_when_eq10_meets_an_exact_zero_membership():
    """tau = lambda_e - lambda_kl = 1.1e-15: the anchor exponent -lambda_kl/tau = -4.5e14 multiplies |log u|
    at every step until a membership underflows to exactly 0; eq. 10 then needs 0 to a negative power: the
    run stops with "overflow" and keeps the previous (finite) state, no NaN."""
    m = VariationalFuzzyKMeans(2, lambda_e=0.5 + 1e-15, lambda_kl=0.5, gamma=0.0,
                               init=np.array([[0.0, 0.5], [10.0, 0.5]])).fit(X4)
    assert m.stop_reason_ == "overflow" and not m.converged_
    assert np.all(~np.isnan(m.log_memberships_)) and np.all(np.isfinite(m.cluster_centers_))
    assert m.n_iter_ == len(m.free_energy_) > 0 and m.objective_ == m.free_energy_[-1]


def test_undefined_stop_when_the_published_temperature_reaches_zero():
    """gamma = ln 2: lambda_e^(1) = fl(e^(-fl(ln 2))) = 0.5 = lambda_kl exactly, so eq. 10 is undefined at
    t = 1: one iteration is kept, then the run stops."""
    assert lambda_e_schedule(1.0, math.log(2.0), 1) == 0.5   # the premise, in float64
    m = VariationalFuzzyKMeans(2, lambda_e=1.0, lambda_kl=0.5, gamma=math.log(2.0), tol=0.0,
                               init=X4[[0, 2]]).fit(X4)
    assert m.stop_reason_ == "undefined" and m.n_iter_ == 1 and not m.converged_


def test_keep_history_records_every_iterate():
    m = VariationalFuzzyKMeans(2, max_iter=7, tol=0.0, init=X4[[0, 2]], keep_history=True).fit(X4)
    assert len(m.history_) == m.n_iter_ + 1 == 8
    np.testing.assert_array_equal(m.history_[0][0], X4[[0, 2]])
    np.testing.assert_array_equal(m.history_[0][1], m.log_u_init_)
    np.testing.assert_array_equal(m.history_[-1][0], m.cluster_centers_)
    np.testing.assert_array_equal(m.history_[-1][1], m.log_memberships_)
    short = VariationalFuzzyKMeans(2, max_iter=3, tol=0.0, init=X4[[0, 2]]).fit(X4)
    np.testing.assert_array_equal(short.cluster_centers_, m.history_[3][0])   # the history is the iteration
    assert not hasattr(short, "history_")
    with pytest.raises(ValueError, match="'keep_history' parameter .* must be a bool"):
        VariationalFuzzyKMeans(2, keep_history="yes").fit(X4)


def test_predict_transform_score_use_the_final_centroids():
    m = VariationalFuzzyKMeans(2, update="consistent", init=X4[[0, 2]]).fit(X4)
    Xn = np.array([[1.0, 0.0], [8.0, 2.0], [4.0, 4.0]])
    D = np.asarray(sq_distances(Xn, m.cluster_centers_))
    np.testing.assert_array_equal(m.transform(Xn), D)
    assert m.predict(Xn).tolist() == np.argmin(D, axis=1).tolist()
    assert m.score(Xn) == -float(np.sum(np.min(D, axis=1)))
    assert m.inertia_ == pytest.approx(-m.score(X4), rel=16 * U)
    assert m.fit_predict(X4).tolist() == m.labels_.tolist()
