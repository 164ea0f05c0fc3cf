"""Tests of :mod:`kmrbf.numerics.fuzzy._params` (parameter constraints of the fuzzy estimators, get/set_params)."""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.numerics.fuzzy import AnnealedSoftKMeans, SoftKMeans, VariationalFuzzyKMeans

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
    (SoftKMeans, "sigma", 0.0),
    (SoftKMeans, "sigma", True),
    (AnnealedSoftKMeans, "sigma_end", -0.5),
    (AnnealedSoftKMeans, "max_iter", "100"),
])
def test_bad_parameter_names_parameter_and_value(cls, param, value):
    est = cls(2, **{param: value}) if param != "n_clusters" else cls(value)
    assert getattr(est, param) is value  # __init__ only stores
    with pytest.raises(ValueError, match=rf"'{param}' parameter of {cls.__name__}.*{param}="):
        est.fit(X4)


def test_get_set_params_roundtrip():
    est = VariationalFuzzyKMeans(3, update="consistent")
    assert est.get_params()["update"] == "consistent"
    assert est.set_params(gamma=0.0).gamma == 0.0
    with pytest.raises(ValueError, match="'sigma' is not a parameter"):
        est.set_params(sigma=1.0)


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
    assert VariationalFuzzyKMeans(2).get_params()["temperature_floor"] is None


def test_data_errors_name_the_index():
    X = X4.copy()
    X[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"X must be finite; found inf at index \(2, 1\)"):
        VariationalFuzzyKMeans(2).fit(X)
    with pytest.raises(ValueError, match="X must have at least one feature"):
        SoftKMeans(1).fit(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"init must be finite; found nan at index \(0, 1\)"):
        VariationalFuzzyKMeans(2, init=np.array([[0.0, np.nan], [10.0, 0.5]])).fit(X4)
