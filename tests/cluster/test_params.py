"""Tests of :mod:`kmrbf.cluster._params`: the constraint table of every estimator (moved from
``tests/numerics/fuzzy/test_params.py``), get/set_params, and the checks of data and initial centroids."""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.cluster import AnnealedSoftKMeans, InvalidParameterError, SoftKMeans, VariationalFuzzyKMeans
from kmrbf.cluster._params import Interval, check_centroids, validate_parameters

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])


@pytest.mark.parametrize("cls, param, value", [
    (VariationalFuzzyKMeans, "n_clusters", 0),
    (VariationalFuzzyKMeans, "n_clusters", 2.5),
    (VariationalFuzzyKMeans, "lambda_e", -1.0),
    (VariationalFuzzyKMeans, "lambda_e", float("nan")),
    (VariationalFuzzyKMeans, "lambda_kl", -0.5),
    (VariationalFuzzyKMeans, "gamma", float("inf")),
    (VariationalFuzzyKMeans, "update", "eq10"),
    (VariationalFuzzyKMeans, "max_iter", 0),
    (VariationalFuzzyKMeans, "tol", -1e-3),
    (VariationalFuzzyKMeans, "init", "random"),
    (VariationalFuzzyKMeans, "random_state", -3),
    (VariationalFuzzyKMeans, "verbose", -1),
    (SoftKMeans, "n_clusters", True),
    (SoftKMeans, "sigma", 0.0),
    (SoftKMeans, "sigma", True),
    (SoftKMeans, "sigma_final", -1.0),
    (SoftKMeans, "n_sigma", 1),
    (SoftKMeans, "alpha", 0.99),
    (SoftKMeans, "alpha", float("inf")),
    (SoftKMeans, "update", "full-gradient"),
    (SoftKMeans, "n_init", 0),
    (SoftKMeans, "max_iter", 2.0),
    (SoftKMeans, "tol", float("nan")),
    (SoftKMeans, "chunk_size", 0),
    (SoftKMeans, "init", "k-means"),
    (SoftKMeans, "init", np.zeros(3)),
    (SoftKMeans, "random_state", 2**32),
    (SoftKMeans, "verbose", "yes"),
    (AnnealedSoftKMeans, "sigma_end", -0.5),
    (AnnealedSoftKMeans, "max_iter", "100"),
])
def test_bad_parameter_names_parameter_and_value(cls, param, value):
    est = cls(2, **{param: value}) if param != "n_clusters" else cls(value)
    assert getattr(est, param) is value  # __init__ only stores
    with pytest.raises(InvalidParameterError, match=rf"'{param}' parameter of {cls.__name__}.*{param}="):
        est.fit(X4)


def test_invalid_parameter_error_is_a_value_and_a_type_error():
    """A wrong value and a wrong type are reported alike (as scikit-learn's InvalidParameterError)."""
    for bad in (dict(max_iter=0), dict(max_iter="100")):
        with pytest.raises(ValueError):
            SoftKMeans(2, **bad).fit(X4)
        with pytest.raises(TypeError):
            SoftKMeans(2, **bad).fit(X4)


@pytest.mark.parametrize("cls, good", [
    (SoftKMeans, dict(sigma=5e-324, sigma_final=1e300, chunk_size=np.int64(3), random_state=np.random.RandomState(0),
                      verbose=False, init=[[0.0, 0.0], [10.0, 1.0]], n_sigma=np.int32(2), alpha=np.float32(1.5))),
    (AnnealedSoftKMeans, dict(init="k-means++", random_state=2**32 - 1)),
    (VariationalFuzzyKMeans, dict(lambda_e=0.0, lambda_kl=1.0, temperature_floor=None, keep_history=np.bool_(True))),
])
def test_edge_values_within_the_constraints_are_accepted(cls, good):
    validate_parameters(cls(2, **good))


def test_interval_rejects_bool_nan_and_non_integers_and_prints_itself():
    c = Interval(int, 1, 5, "right")
    assert [c(v) for v in (True, 1, 2, 5, 6, 2.0, np.int8(3))] == [False, False, True, True, False, False, True]
    assert str(c) == "an int in (1, 5]"
    assert not Interval(float, None, None, "neither")(float("nan"))


def test_get_set_params_roundtrip():
    est = VariationalFuzzyKMeans(3, update="consistent")
    assert est.get_params()["update"] == "consistent"
    assert est.set_params(gamma=0.0).gamma == 0.0
    with pytest.raises(ValueError, match="Invalid parameter 'sigma'"):
        est.set_params(sigma=1.0)
    assert set(SoftKMeans().get_params()) == {"n_clusters", "alpha", "sigma", "sigma_final", "n_sigma", "init",
                                              "n_init", "update", "max_iter", "tol", "chunk_size", "random_state",
                                              "verbose"}


@pytest.mark.parametrize("param, value", [("temperature_floor", 0.0), ("temperature_floor", -1e-8),
                                          ("temperature_floor", float("nan")), ("prev_offset", -1e-10),
                                          ("prev_offset", float("inf"))])
def test_author_code_options_are_validated(param, value):
    est = VariationalFuzzyKMeans(2, **{param: value})
    with pytest.raises(ValueError, match=rf"'{param}' parameter of VariationalFuzzyKMeans.*{param}="):
        est.fit(X4)


def test_author_code_options_apply_to_the_published_update_only():
    with pytest.raises(ValueError, match="apply to update='published' only"):
        VariationalFuzzyKMeans(2, update="consistent", temperature_floor=1e-8).fit(X4)
    with pytest.raises(ValueError, match="apply to update='published' only"):
        VariationalFuzzyKMeans(2, update="consistent", prev_offset=1e-10).fit(X4)
    with pytest.raises(ValueError, match="needs lambda_e \\+ lambda_kl > 0"):
        VariationalFuzzyKMeans(2, update="consistent", lambda_e=0.0, lambda_kl=0.0).fit(X4)
    assert VariationalFuzzyKMeans(2).get_params()["temperature_floor"] is None


@pytest.mark.parametrize("cls", [SoftKMeans, AnnealedSoftKMeans, VariationalFuzzyKMeans])
def test_data_and_init_errors_name_the_parameter_and_index(cls):
    X = X4.copy()
    X[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"X must be finite \(no NaN or inf\); found inf at index \(2, 1\)"):
        cls(2).fit(X)
    with pytest.raises(ValueError, match="0 feature"):
        cls(1).fit(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"init must be finite \(no NaN or inf\); found nan at index \(0, 1\)"):
        cls(2, init=np.array([[0.0, np.nan], [10.0, 0.5]])).fit(X4)
    with pytest.raises(TypeError, match="init must have a real numeric dtype"):
        cls(2, init=np.array([[True, False], [False, True]])).fit(X4)
    with pytest.raises(ValueError, match=r"init\(X, n_clusters, random_state\) must have shape .*\(2, 2\); got \(3, 2\)"):
        cls(2, init=lambda X, k, random_state: X[:3]).fit(X4)


def test_check_centroids_returns_a_float64_copy():
    M = np.array([[1, 2], [3, 4]])
    out = check_centroids(M, 2, 2)
    assert out.dtype == np.float64 and out.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    out[0, 0] = 9.0
    assert M[0, 0] == 1
