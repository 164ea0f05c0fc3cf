"""Tests of :mod:`kmrbf.numerics.validation` (validation at the door).

The checkers directly, and bad input through every public function of ``(X, M[, sigma])``:
each case gives a clear error naming the parameter and the value, or a documented result.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import kmrbf.numerics as kn
from kmrbf.numerics.validation import (check_alpha, check_array_float64, check_chunk_size, check_data,
                                       check_instance, check_logits, check_sigma)


def test_check_sigma_and_alpha():
    assert check_sigma(np.float32(0.5)) == 0.5 and type(check_sigma(2)) is float
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="sigma"):
            check_sigma(bad)
    with pytest.raises(TypeError, match="sigma"):
        check_sigma(True)
    assert check_alpha(1) == 1.0
    with pytest.raises(ValueError, match="alpha"):
        check_alpha(0.999)


def test_check_chunk_size():
    assert check_chunk_size(None) == 4096 and check_chunk_size(7) == 7
    for bad in (0, -3, 2.5, True):
        with pytest.raises((ValueError, TypeError), match="chunk_size"):
            check_chunk_size(bad)


def test_check_array_float64_data_instance_logits():
    x, xp = check_array_float64(np.arange(3, dtype=np.int32), "x")
    assert x.dtype == np.float64 and x.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="x"):
        check_array_float64(np.array([1 + 2j]), "x")
    X, _ = check_data([[0.0, 1.0], [2.0, 3.0]])
    assert X.shape == (2, 2)
    with pytest.raises(ValueError, match="X"):
        check_data(np.array([[np.nan, 0.0]]))
    X, M, _ = check_instance(np.zeros((3, 2)), [[1.0, 1.0]])
    assert M.dtype == np.float64 and M.shape == (1, 2)
    with pytest.raises(ValueError, match="K=3"):
        check_instance(np.zeros((2, 2)), np.zeros((3, 2)))
    z, _, axis = check_logits(np.zeros((2, 3)), -1)
    assert axis == 1 and z.dtype == np.float64
    with pytest.raises(ValueError):
        check_logits(np.array([-np.inf, -np.inf]), -1)
    check_logits(np.array([-np.inf, -np.inf]), -1, allow_all_neg_inf=True)


# ----------------------------------------------------------------------------- bad input, every public function

X = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
M = np.array([[0.0, 0.0], [5.0, 5.0]])

#: every public function of (X, M[, sigma]) and how to call it
CALLS = {
    "sq_distances": lambda X, M, s: kn.sq_distances(X, M),
    "responsibilities": lambda X, M, s: kn.responsibilities(X, M, s),
    "responsibilities15": lambda X, M, s: kn.responsibilities(X, M, s, alpha=1.5),
    "F0": lambda X, M, s: kn.F0(X, M),
    "G_sigma": lambda X, M, s: kn.G_sigma(X, M, s),
    "W_sigma": lambda X, M, s: kn.W_sigma(X, M, s),
    "assign": lambda X, M, s: kn.assign(X, M),
    "lloyd_step": lambda X, M, s: kn.lloyd_step(X, M),
    "lloyd": lambda X, M, s: kn.lloyd(X, M),
    "soft_centroids": lambda X, M, s: kn.soft_centroids(X, M, s),
    "soft_lloyd": lambda X, M, s: kn.soft_lloyd(X, M, s, max_iter=3),
    "grad_G_sigma": lambda X, M, s: kn.grad_G_sigma(X, M, s),
    "grad_W_sigma": lambda X, M, s: kn.grad_W_sigma(X, M, s, alpha=1.5),
    "rbf_gradient_step": lambda X, M, s: kn.rbf_gradient_step(X, M, s),
    "margin": lambda X, M, s: kn.margin(X, M),
    "is_lloyd_fixed_point": lambda X, M, s: kn.is_lloyd_fixed_point(X, M),
}
SIGMA_CALLS = {k: v for k, v in CALLS.items() if k in {
    "responsibilities", "responsibilities15", "G_sigma", "W_sigma", "soft_centroids", "soft_lloyd",
    "grad_G_sigma", "grad_W_sigma", "rbf_gradient_step"}}
call_ids = pytest.mark.parametrize("name", sorted(CALLS))
sigma_ids = pytest.mark.parametrize("name", sorted(SIGMA_CALLS))


def _m0(name):  # lloyd / soft_lloyd call the centroids M0
    return "M0" if name in {"lloyd", "soft_lloyd"} else "M"


@call_ids
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_X(name, bad):
    Xb = X.copy()
    Xb[1, 1] = bad
    with pytest.raises(ValueError, match=r"X must be finite; found (nan|inf|-inf) at index \(1, 1\)"):
        CALLS[name](Xb, M, 1.0)


@call_ids
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_M(name, bad):
    Mb = M.copy()
    Mb[0, 1] = bad
    with pytest.raises(ValueError, match=rf"{_m0(name)} must be finite; found (nan|inf) at index \(0, 1\)"):
        CALLS[name](X, Mb, 1.0)


@call_ids
def test_empty_X(name):
    with pytest.raises(ValueError, match=r"X must have at least one row; got shape \(0, 2\)"):
        CALLS[name](np.zeros((0, 2)), M, 1.0)


@call_ids
def test_one_dimensional_X(name):
    with pytest.raises(ValueError, match=r"X must be 2-D \(N, D\); got shape \(3,\)"):
        CALLS[name](np.zeros(3), M, 1.0)


@call_ids
def test_mismatched_D(name):
    with pytest.raises(ValueError, match=rf"{_m0(name)} has D=3 columns but X has D=2"):
        CALLS[name](X, np.zeros((2, 3)), 1.0)


@call_ids
def test_K_zero(name):
    with pytest.raises(ValueError, match=rf"{_m0(name)} must have at least one centroid; got K=0"):
        CALLS[name](X, np.zeros((0, 2)), 1.0)


@call_ids
def test_K_greater_than_N(name):
    with pytest.raises(ValueError, match=rf"{_m0(name)} has K=4 centroids but X has only N=3 points"):
        CALLS[name](X, np.zeros((4, 2)), 1.0)


@sigma_ids
@pytest.mark.parametrize("sigma", [0.0, -1.0, np.nan, np.inf, -0.0])
def test_bad_sigma(name, sigma):
    with pytest.raises(ValueError, match=r"sigma must satisfy 0 < sigma < inf; got"):
        SIGMA_CALLS[name](X, M, sigma)


@sigma_ids
@pytest.mark.parametrize("sigma", [True, "1.0", 1j, np.array([1.0, 2.0])])
def test_sigma_wrong_type(name, sigma):
    with pytest.raises(TypeError, match="sigma must be a real"):
        SIGMA_CALLS[name](X, M, sigma)


@pytest.mark.parametrize("alpha", [0.5, 0.999, np.nan, np.inf, -2.0])
def test_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must satisfy 1 <= alpha < inf"):
        kn.W_sigma(X, M, 1.0, alpha=alpha)
    with pytest.raises(ValueError, match="alpha must satisfy 1 <= alpha < inf"):
        kn.entmax_bisect(np.array([1.0, 2.0]), alpha)


@call_ids
def test_squares_overflow(name):
    # B = 1e154: 4 D N B^2 = 2.4e309 > max float -> error naming X and the value
    Xb = X.copy()
    Xb[2, 0] = 1e154
    with pytest.raises(ValueError, match=r"X has an entry of magnitude 1e\+154 at index \(2, 0\), whose squares overflow"):
        CALLS[name](Xb, M, 1.0)
    # just below the limit every result is finite
    lim = np.sqrt(np.finfo(np.float64).max / (4 * 2 * 3)) * 0.999
    Xo = np.array([[lim, -lim], [-lim, lim], [0.0, 0.0]])
    out = CALLS[name](Xo, np.array([[lim, -lim], [-lim, lim]]), 1.0)
    for v in (out if isinstance(out, tuple) else [getattr(out, "centroids", out)]):
        if isinstance(v, (np.ndarray, np.floating)):
            assert np.all(np.isfinite(v)) or name == "margin"


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.float16, np.float32])
def test_integer_and_low_precision_are_computed_in_float64(dtype):
    Xi, Mi = X.astype(dtype), M.astype(dtype)
    ref = kn.sq_distances(Xi.astype(np.float64), Mi.astype(np.float64))
    out = kn.sq_distances(Xi, Mi)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, ref)
    for f in (kn.softmax, kn.entmax15, kn.sparsemax, kn.log_sum_exp):
        z = np.array([1, 2, 3], dtype=dtype)
        assert f(z).dtype == np.float64
        np.testing.assert_array_equal(f(z), f(z.astype(np.float64)))
    assert kn.W_sigma(Xi, Mi, 1.0).dtype == np.float64


@pytest.mark.parametrize("bad", [np.array([[True, False]]), np.array([[1 + 1j, 0j]])])
def test_bool_and_complex_rejected(bad):
    with pytest.raises(TypeError, match="X must have a real numeric dtype"):
        kn.sq_distances(bad, np.zeros((1, 2)))
    with pytest.raises(TypeError, match="z must have a real numeric dtype"):
        kn.softmax(bad[0])


def test_chunk_size_validation():
    with pytest.raises(ValueError, match="chunk_size must be >= 1; got 0"):
        kn.F0(X, M, chunk_size=0)
    with pytest.raises(TypeError, match="chunk_size must be a positive int"):
        kn.F0(X, M, chunk_size=2.5)


def test_messages_state_the_value():
    with pytest.raises(ValueError, match=re.escape("sigma must satisfy 0 < sigma < inf; got -2.0")):
        kn.G_sigma(X, M, -2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kn.softmax(np.array([1e308, -1e308]))  # intended overflow: no RuntimeWarning leaks


