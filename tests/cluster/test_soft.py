"""Tests of :mod:`kmrbf.cluster._soft` (:class:`SoftKMeans`, :class:`AnnealedSoftKMeans`).

Oracles: the public kernels of :mod:`kmrbf.numerics` iterated by hand (the estimators must be those
loops, bitwise on one-chunk data), the functionals ``F0`` / ``G_sigma`` / ``W_sigma``, scikit-learn
``KMeans`` for the zero-temperature limit.  Exact expectations where float64 is exact (one-hot rows,
uniform ties at a subnormal sigma); otherwise tolerances derived in the test.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from kmrbf.cluster import AnnealedSoftKMeans, SoftKMeans
from kmrbf.cluster._soft import soft_terms
from kmrbf.evidence.roundoff import U
from kmrbf.numerics import (F0, G_sigma, W_sigma, rbf_gradient_step, responsibilities, soft_centroids,
                            sq_distances)

X4 = np.array([[0.0], [1.0], [10.0], [11.0]])
M0 = np.array([[0.2], [10.3]])
BLOBS = np.random.default_rng(11).normal(size=(120, 2)) + np.repeat([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]], 40, axis=0)


@pytest.mark.parametrize("est", [SoftKMeans(2, sigma=5e-324, init=M0),
                                 SoftKMeans(2, sigma=5.0, sigma_final=5e-324, init=M0),
                                 AnnealedSoftKMeans(2, sigma_start=5e-324, sigma_end=5e-324, init=M0),
                                 AnnealedSoftKMeans(2, sigma_start=5.0, sigma_end=5e-324, init=M0)],
                         ids=["soft", "soft-annealed-to-subnormal", "annealed-subnormal", "annealed-to-subnormal"])
def test_subnormal_sigma_gives_one_hot_responsibilities(est):
    """Before issue 11 the memberships were all NaN for sigma = 5e-324 (-d/sigma = -inf in every entry)."""
    est.fit(X4)
    assert est.sigma_ == 5e-324
    assert est.predict_proba(X4).tolist() == [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]
    assert est.labels_.tolist() == [0, 0, 1, 1]
    assert est.cluster_centers_.tolist() == [[0.5], [10.5]]


def test_tied_point_gets_uniform_responsibilities_at_subnormal_sigma():
    X = np.array([[-1.0], [0.0], [1.0]])
    est = SoftKMeans(2, sigma=5e-324, max_iter=1, init=np.array([[-1.0], [1.0]])).fit(X)
    # the middle point splits 1/2 - 1/2 and pulls both centroids to -2/3, 2/3: it stays equidistant
    assert est.predict_proba(X)[1].tolist() == [0.5, 0.5]
    assert np.all(np.isfinite(est.predict_proba(X)))


def test_vf_soft_baseline_is_softkmeans_alpha_1():
    """VF's Soft-KMeans baseline (iterate soft_centroids at T = sigma until the largest centroid move is
    below tol) is SoftKMeans(alpha=1) with the same max_iter and tol: the same iterates, bitwise."""
    M, n = BLOBS[[0, 1, 2]], 0
    for n in range(1, 101):
        new = np.asarray(soft_centroids(BLOBS, M, 1.0))
        shift = float(np.max(np.linalg.norm(new - M, axis=1)))
        M = new
        if shift < 1e-4:
            break
    est = SoftKMeans(3, sigma=1.0, max_iter=100, tol=1e-4, init=BLOBS[[0, 1, 2]]).fit(BLOBS)
    np.testing.assert_array_equal(est.cluster_centers_, M)
    assert est.n_iter_ == n < 100 and est.converged_


def test_annealed_baseline_is_the_linear_schedule_one_step_each():
    M = BLOBS[[0, 1, 2]]
    for s in np.linspace(5.0, 0.5, 30):
        M = np.asarray(soft_centroids(BLOBS, M, float(s)))
    est = AnnealedSoftKMeans(3, sigma_start=5.0, sigma_end=0.5, max_iter=30, init=BLOBS[[0, 1, 2]]).fit(BLOBS)
    np.testing.assert_array_equal(est.cluster_centers_, M)
    assert est.n_iter_ == 30 and est.sigma_ == 0.5 and est.objective_name_ == "G_sigma"


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0])
def test_gradient_update_iterates_rbf_gradient_step(alpha):
    """update="gradient" is KR's Algorithm 2: rbf_gradient_step at each level until the move is <= tol."""
    M, n = BLOBS[[0, 50, 100]], 0
    for n in range(1, 21):
        new = np.asarray(rbf_gradient_step(BLOBS, M, 2.0, alpha=alpha))
        shift = float(np.max(np.linalg.norm(new - M, axis=1)))
        M = new
        if shift <= 1e-8:
            break
    est = SoftKMeans(3, alpha=alpha, sigma=2.0, update="gradient", max_iter=20, tol=1e-8,
                     init=BLOBS[[0, 50, 100]]).fit(BLOBS)
    np.testing.assert_array_equal(est.cluster_centers_, M)
    assert est.n_iter_ == n and est.objective_name_ == "W_sigma"


@pytest.mark.parametrize("alpha, update", [(1.0, "soft-lloyd"), (1.5, "soft-lloyd"), (2.0, "soft-lloyd"),
                                           (1.3, "soft-lloyd"), (1.0, "gradient")])
def test_objective_inertia_score_and_probabilities_are_the_numerics_functionals(alpha, update):
    est = SoftKMeans(3, alpha=alpha, sigma=1.5, update=update, random_state=1).fit(BLOBS)
    M, s = est.cluster_centers_, est.sigma_
    rel = 64 * U * BLOBS.shape[0]
    assert est.inertia_ == pytest.approx(float(F0(BLOBS, M)), rel=rel)
    if est.objective_name_ == "G_sigma":
        assert (alpha, update) == (1.0, "soft-lloyd")
        assert est.objective_ == pytest.approx(float(G_sigma(BLOBS, M, s)), rel=rel)
    else:
        assert est.objective_ == pytest.approx(float(W_sigma(BLOBS, M, s, alpha=alpha)), rel=rel)
    assert est.score(BLOBS) == pytest.approx(-est.objective_, rel=rel)
    P = est.predict_proba(BLOBS)
    np.testing.assert_allclose(P, np.asarray(responsibilities(BLOBS, M, s, alpha=alpha)), rtol=0, atol=64 * U)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=16 * U)
    np.testing.assert_array_equal(est.transform(BLOBS), np.asarray(sq_distances(BLOBS, M)))
    assert est.labels_.tolist() == est.predict(BLOBS).tolist() == np.argmin(est.transform(BLOBS), axis=1).tolist()


@pytest.mark.parametrize("alpha", [1.0, 1.3])
def test_soft_terms_are_the_responsibilities_and_g_sigma(alpha):
    """soft_terms (predict_proba, score on any number of rows): responsibilities and G_sigma of a
    distance matrix, against kmrbf.numerics.responsibilities and G_sigma."""
    M = BLOBS[[3, 60, 90]]
    R, G = soft_terms(np.asarray(sq_distances(BLOBS, M)), 0.7, alpha)
    np.testing.assert_allclose(R, np.asarray(responsibilities(BLOBS, M, 0.7, alpha=alpha)), rtol=0, atol=64 * U)
    assert (G is None) == (alpha != 1.0)
    if alpha == 1.0:
        assert G == pytest.approx(float(G_sigma(BLOBS, M, 0.7)), rel=64 * U * BLOBS.shape[0])


def test_soft_lloyd_never_increases_g_sigma():
    """EM on G_sigma: no soft-Lloyd step increases G_sigma (objective_ after t steps, t = 1..30), up to
    the rounding of its evaluation, 64 N u |G|."""
    G = [SoftKMeans(3, sigma=1.0, tol=0.0, max_iter=t, init=BLOBS[[0, 1, 2]]).fit(BLOBS).objective_
         for t in range(1, 31)]
    slack = 64 * BLOBS.shape[0] * U * max(abs(g) for g in G)
    assert all(b <= a + slack for a, b in zip(G, G[1:]))
    assert G[-1] < G[0] - 1.0  # and it does descend


@pytest.mark.parametrize("alpha", [1.0, 1.5])
def test_annealed_result_is_a_lloyd_fixed_point_kmeans_does_not_move(alpha):
    """Zero-temperature limit: with sigma_final below the margin condition (sigma <= Delta / ln(2(K-1)),
    KR-T3 bound <= u max|x|; entmax: sigma <= (alpha - 1) Delta, KR-T4, exact), the annealed centroids
    are a Lloyd fixed point: scikit-learn's KMeans started from them keeps every label and stops at
    its first iteration."""
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from annealing_study import lloyd_check
    finally:
        sys.path.pop(0)
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler
    X = StandardScaler().fit_transform(load_iris().data)
    est = SoftKMeans(3, alpha=alpha, sigma=1.0, sigma_final=1e-4, n_sigma=20, random_state=0).fit(X)
    chk = lloyd_check(X, est.cluster_centers_, est.sigma_)
    assert chk["condition"] and chk["t3_bound"] <= U * float(np.max(np.abs(X)))
    if alpha > 1.0:
        assert est.sigma_ <= (alpha - 1.0) * chk["margin"]
    assert chk["fixed_point"] and chk["kmeans_iter"] == 1
    assert chk["kmeans_moved"] <= 64 * U * X.shape[0] * float(np.max(np.abs(X)))


def test_annealing_study_runs_and_its_results_are_lloyd_fixed_points():
    """The measurement script (its numbers go to the README): on three seeds every annealed result meets
    the margin condition and is a Lloyd fixed point KMeans does not move; the counts add up."""
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from annealing_study import study
    finally:
        sys.path.pop(0)
    r = study("iris", seeds=3)
    assert r["fixed_points"] == r["kmeans_still"] == r["condition_met"] == 3
    assert r["lower"] + r["higher"] <= 3 and len(r["rows"]) == 3


def test_dask_fit_matches_numpy_and_methods_take_dask_input():
    """A row-chunked dask X: statistics by kmrbf.cluster.dask.dask_soft_stats (sums in another order,
    each within 2 gamma_N of the NumPy sum), so the fits agree within float rounding; predict, transform,
    predict_proba and score take dask input lazily and equal the NumPy results."""
    da = pytest.importorskip("dask.array", reason="dask is an optional dependency (kmrbf[dask])")
    Xd = da.from_array(BLOBS, chunks=(25, 2))
    init = BLOBS[[0, 50, 100]]
    for alpha in (1.0, 1.5):
        a = SoftKMeans(3, alpha=alpha, sigma=2.0, sigma_final=0.1, n_sigma=3, init=init).fit(BLOBS)
        b = SoftKMeans(3, alpha=alpha, sigma=2.0, sigma_final=0.1, n_sigma=3, init=init).fit(Xd)
        # one step moves a centroid by <= 4 gamma_N max|x| / (1 - ...) per reordering; soft-Lloyd contracts
        # near its fixed point, and the iterates are compared after the last of them
        scale = float(np.max(np.abs(BLOBS)))
        np.testing.assert_allclose(b.cluster_centers_, a.cluster_centers_, rtol=0,
                                   atol=64 * BLOBS.shape[0] * U * scale)
        assert b.n_features_in_ == 2 and not hasattr(b, "feature_names_in_")
        assert b.labels_.compute().tolist() == a.labels_.tolist()
        assert math.isclose(b.inertia_, a.inertia_, rel_tol=64 * BLOBS.shape[0] * U)
        assert math.isclose(b.objective_, a.objective_, rel_tol=64 * BLOBS.shape[0] * U)
        assert b.predict(Xd).compute().tolist() == b.predict(BLOBS).tolist()
        np.testing.assert_allclose(b.transform(Xd).compute(), b.transform(BLOBS), rtol=64 * U, atol=0)
        np.testing.assert_allclose(b.predict_proba(Xd).compute(), b.predict_proba(BLOBS), rtol=0, atol=64 * U)
        assert math.isclose(b.score(Xd), b.score(BLOBS), rel_tol=64 * BLOBS.shape[0] * U)
    a = AnnealedSoftKMeans(3, max_iter=20, init=init).fit(BLOBS)
    b = AnnealedSoftKMeans(3, max_iter=20, init=init).fit(Xd)
    np.testing.assert_allclose(b.cluster_centers_, a.cluster_centers_, rtol=0,
                               atol=64 * BLOBS.shape[0] * U * float(np.max(np.abs(BLOBS))))


def test_dask_input_errors():
    da = pytest.importorskip("dask.array", reason="dask is an optional dependency (kmrbf[dask])")
    Xd = da.from_array(BLOBS, chunks=(50, 2))
    with pytest.raises(ValueError, match="update='soft-lloyd' only"):
        SoftKMeans(3, update="gradient").fit(Xd)
    with pytest.raises(ValueError, match="n_samples=120 should be >= n_clusters=200"):
        SoftKMeans(200).fit(Xd)
    with pytest.raises(ValueError, match=r"must be finite; found nan at index \(\d+, \d\)"):
        SoftKMeans(3, random_state=0).fit(da.from_array(np.where(BLOBS > 6, np.nan, BLOBS), chunks=(50, 2)))
    with pytest.raises(TypeError, match="real numeric dtype"):
        SoftKMeans(3).fit(da.from_array(BLOBS > 0, chunks=(50, 2)))
    est = SoftKMeans(3, random_state=0).fit(BLOBS)
    with pytest.raises(ValueError, match="expecting 2 features"):
        est.predict(da.from_array(np.zeros((4, 3)), chunks=2))
