"""Tests of :mod:`kmrbf.cluster._base`: the one fit loop (levels, convergence, restarts), data checks,
the single empty-cluster warning, progress lines (stderr only, silent by default), and the shared
methods on fewer rows than clusters."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from kmrbf.cluster import AnnealedSoftKMeans, SoftKMeans, VariationalFuzzyKMeans
from kmrbf.cluster._base import Progress, is_dask, nearest, pairwise_sq, quietly
from kmrbf.numerics import EmptyClusterWarning, assign, soft_centroids, sq_distances

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
RNG_X = np.random.default_rng(5).normal(size=(40, 3))


def test_fewer_rows_than_clusters_use_the_transposed_distances():
    M = RNG_X[:6]
    small = RNG_X[10:13]
    np.testing.assert_allclose(pairwise_sq(small, M, None), np.asarray(sq_distances(RNG_X, M))[10:13],
                               rtol=1e-13, atol=1e-13)
    assert nearest(small, M, None).tolist() == np.asarray(assign(RNG_X, M))[10:13].tolist()
    est = SoftKMeans(6, random_state=0).fit(RNG_X)
    assert est.predict(small).tolist() == est.predict(RNG_X)[10:13].tolist()
    assert est.predict_proba(small[:1]).shape == (1, 6) and est.transform(small[:1]).shape == (1, 6)


def test_quietly_turns_the_kernel_warning_into_a_count_and_reissues_others():
    M = np.array([[0.0, 0.5], [10.0, 0.5], [100.0, 100.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new, n_empty = quietly(soft_centroids, X4, M, 1.0, alpha=2.0)  # sparsemax: the far cluster is empty
    assert n_empty == 1 and new[2].tolist() == [100.0, 100.0]

    def noisy():
        warnings.warn("other", UserWarning)
        return 3

    with pytest.warns(UserWarning, match="other"):
        assert quietly(noisy) == (3, 0)


@pytest.mark.parametrize("update", ["soft-lloyd", "gradient"])
def test_an_empty_cluster_keeps_its_centroid_and_fit_warns_once(update):
    """Sparsemax responsibilities of a centroid far from every point are exact zeros, at every iteration:
    the centroid is kept (the numerics policy) and fit warns once, not once per iteration."""
    M0 = np.array([[0.0, 0.5], [10.0, 0.5], [100.0, 100.0]])
    with pytest.warns(EmptyClusterWarning, match="1 of K=3 clusters had zero total responsibility") as rec:
        est = SoftKMeans(3, alpha=2.0, sigma=1.0, sigma_final=0.1, n_sigma=3, update=update, tol=0.0,
                         max_iter=4, init=M0).fit(X4)
    assert sum(issubclass(w.category, EmptyClusterWarning) for w in rec) == 1
    assert est.n_iter_ >= 3 and est.cluster_centers_[2].tolist() == [100.0, 100.0]


def test_a_softmax_cluster_whose_responsibilities_underflow_is_not_empty():
    """Softmax never has an empty cluster: at sigma = 1e-3 the far centroid's responsibilities all
    underflow, and the fit takes soft_centroids' per-cluster shifted path (it moves to the nearest point)."""
    M0 = np.array([[0.0, 0.5], [10.0, 0.5], [30.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptyClusterWarning)
        est = SoftKMeans(3, sigma=1e-3, max_iter=1, init=M0).fit(X4)
    np.testing.assert_array_equal(est.cluster_centers_, soft_centroids(X4, M0, 1e-3))
    assert est.cluster_centers_[2].tolist() == [10.0, 0.0]


def test_progress_goes_to_stderr_only_and_nowhere_when_silent(capsys):
    SoftKMeans(2, sigma=4.0, sigma_final=0.1, n_sigma=3, random_state=0).fit(X4)
    VariationalFuzzyKMeans(2, max_iter=3, init=X4[[0, 2]]).fit(X4)
    assert capsys.readouterr() == ("", "")
    SoftKMeans(2, sigma=4.0, sigma_final=0.1, n_sigma=3, random_state=0, verbose=1).fit(X4)
    out, err = capsys.readouterr()
    assert out == "" and err.count("SoftKMeans: level ") == 3 and err.count("SoftKMeans: run 1/1") == 1
    m = VariationalFuzzyKMeans(2, max_iter=3, tol=0.0, init=X4[[0, 2]], verbose=2).fit(X4)
    out, err = capsys.readouterr()
    assert out == "" and err.count(", iteration ") == m.n_iter_ == 3 and "free_energy = " in err
    Progress("x", 0)(1, "never")
    assert capsys.readouterr() == ("", "")


def test_annealing_levels_run_to_convergence_one_after_the_other():
    """The loop anneals level by level from the previous level's centroids: the same as fitting each
    temperature of the geometric schedule in turn (bitwise), iterations added up."""
    M, n_iter = RNG_X[[0, 5, 9]], 0
    for s in np.geomspace(3.0, 0.05, 4):
        step = SoftKMeans(3, sigma=float(s), init=M, tol=1e-6).fit(RNG_X)
        M, n_iter = step.cluster_centers_, n_iter + step.n_iter_
    est = SoftKMeans(3, sigma=3.0, sigma_final=0.05, n_sigma=4, init=RNG_X[[0, 5, 9]], tol=1e-6).fit(RNG_X)
    np.testing.assert_array_equal(est.cluster_centers_, M)
    assert est.n_iter_ == n_iter and est.sigma_ == 0.05 and est.converged_


def test_max_iter_per_level_and_converged_flag():
    est = SoftKMeans(3, sigma=0.5, max_iter=2, tol=0.0, init=RNG_X[[0, 1, 2]]).fit(RNG_X)
    assert est.n_iter_ == 2 and not est.converged_
    est = SoftKMeans(3, sigma=0.5, sigma_final=0.2, n_sigma=3, max_iter=2, tol=0.0, init=RNG_X[[0, 1, 2]]).fit(RNG_X)
    assert est.n_iter_ == 6


def test_restarts_keep_the_lowest_final_objective():
    from sklearn.cluster import kmeans_plusplus
    rng = np.random.RandomState(3)
    inits = [kmeans_plusplus(RNG_X, 4, random_state=rng)[0] for _ in range(4)]
    singles = [SoftKMeans(4, sigma=0.3, init=M0).fit(RNG_X) for M0 in inits]
    best = SoftKMeans(4, sigma=0.3, n_init=4, random_state=3).fit(RNG_X)
    objectives = [s.objective_ for s in singles]
    assert best.objective_ == min(objectives)
    np.testing.assert_array_equal(best.cluster_centers_, singles[int(np.argmin(objectives))].cluster_centers_)
    # an explicit init runs once whatever n_init
    assert SoftKMeans(4, sigma=0.3, n_init=5, init=inits[0]).fit(RNG_X).objective_ == objectives[0]


@pytest.mark.parametrize("cls", [SoftKMeans, AnnealedSoftKMeans, VariationalFuzzyKMeans])
def test_data_checks_of_every_estimator(cls):
    with pytest.raises(ValueError, match="n_samples=4 should be >= n_clusters=5"):
        cls(5).fit(X4)
    with pytest.raises(ValueError, match="Complex data not supported"):
        cls(2).fit(X4 + 1j)
    with pytest.raises(TypeError, match="X must have a real numeric dtype; got bool"):
        cls(2).fit(X4 > 1)
    with pytest.raises(TypeError, match="masked"):
        cls(2).fit(np.ma.masked_array(X4, mask=X4 > 5))
    with pytest.raises(ValueError, match="Expected 2D array"):
        cls(2).fit(X4[:, 0])
    with pytest.raises(NotFittedError):
        cls(2).predict(X4)
    est = cls(2, init=X4[[0, 2]]).fit(X4.astype(object))   # numeric object arrays are converted
    assert est.n_features_in_ == 2 and est.labels_.dtype == np.int64
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 2 features"):
        est.transform(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="dense data is required"):
        from scipy.sparse import csr_matrix
        cls(2).fit(csr_matrix(X4))


def test_fit_transform_set_output_and_feature_names_out():
    est = SoftKMeans(2, random_state=0)
    D = est.fit_transform(X4)
    np.testing.assert_array_equal(D, est.transform(X4))
    assert est.fit_predict(X4).tolist() == est.labels_.tolist()
    assert est.set_output(transform="default") is est
    assert est.get_feature_names_out().tolist() == ["softkmeans0", "softkmeans1"]
    assert SoftKMeans().__sklearn_tags__().transformer_tags.preserves_dtype == ["float64"]


def test_feature_names_in_are_recorded_from_a_dataframe():
    pd = pytest.importorskip("pandas", reason="feature_names_in_ needs a dataframe library")
    frame = pd.DataFrame(X4, columns=["a", "b"])
    est = SoftKMeans(2, random_state=0).fit(frame)
    assert est.feature_names_in_.tolist() == ["a", "b"]


def test_numpy_data_is_not_a_dask_array():
    assert not is_dask(X4) and not is_dask(X4.tolist())


def test_k_means_init_is_the_centres_of_sklearn_kmeans_with_ten_restarts():
    """init="k-means" (VF's warm start, the author's code): KMeans(n_init=10) with the same seed."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        M0 = VariationalFuzzyKMeans(3, init="k-means")._initial_centroids(RNG_X, np.random.RandomState(7))
        expected = KMeans(3, n_init=10, random_state=7).fit(RNG_X).cluster_centers_
    np.testing.assert_array_equal(M0, expected)
