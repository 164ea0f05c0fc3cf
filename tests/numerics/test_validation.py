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
                                       check_instance, check_logits, check_positive_int, check_sigma,
                                       check_tolerance)


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




# ----------------------------------------------------------------------------- integers, tolerances, masked arrays

def test_check_positive_int_and_tolerance():
    assert check_positive_int(np.int64(3), "max_iter") == 3 and type(check_positive_int(np.uint8(1), "n")) is int
    for bad in (2.0, np.float64(2.0), True, np.bool_(True), "3", None):
        with pytest.raises(TypeError, match="max_iter must be a positive int"):
            check_positive_int(bad, "max_iter")
    with pytest.raises(ValueError, match="max_iter must be >= 1; got 0"):
        check_positive_int(np.int32(0), "max_iter")
    assert check_tolerance(np.float32(0.5), "tol") == 0.5 and check_tolerance(0, "rtol") == 0.0
    for bad in ("1e-3", True, 1j, np.zeros(2)):
        with pytest.raises(TypeError, match="tol must be a real"):
            check_tolerance(bad, "tol")
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="rtol must be finite and >= 0"):
            check_tolerance(bad, "rtol")


@pytest.mark.parametrize("call", [
    lambda **kw: kn.lloyd(X, M, **kw),
    lambda **kw: kn.soft_lloyd(X, M, 1.0, **kw),
], ids=["lloyd", "soft_lloyd"])
def test_max_iter_and_tol_types(call):
    # NumPy integers are integers (chunk_size already accepted them); bool and float are not.
    assert call(max_iter=np.int64(2)).n_iter <= 2
    call(max_iter=3, tol=np.float64(1e-3), chunk_size=np.int64(2))
    for bad in (2.0, True):
        with pytest.raises(TypeError, match=re.escape(f"max_iter must be a positive int; got {bad!r}")):
            call(max_iter=bad)
    with pytest.raises(ValueError, match="max_iter must be >= 1; got 0"):
        call(max_iter=0)
    with pytest.raises(TypeError, match="tol must be a real number; got 'a'"):
        call(tol="a")
    with pytest.raises(ValueError, match="tol must be finite and >= 0; got -1.0"):
        call(tol=-1)


def test_entmax_bisect_n_iter_and_fixed_point_rtol_types():
    z = np.array([0.3, -1.0, 2.0])
    np.testing.assert_array_equal(kn.entmax_bisect(z, 1.3, n_iter=np.int64(30)), kn.entmax_bisect(z, 1.3, n_iter=30))
    for bad in (30.0, True):
        with pytest.raises(TypeError, match="n_iter must be a positive int"):
            kn.entmax_bisect(z, 1.3, n_iter=bad)
    with pytest.raises(ValueError, match="n_iter must be >= 1"):
        kn.entmax_bisect(z, 1.3, n_iter=0)
    with pytest.raises(TypeError, match="rtol must be a real number; got 'x'"):
        kn.is_lloyd_fixed_point(X, M, rtol="x")


MASKED = np.ma.array(X, mask=[[0, 0], [0, 1], [0, 0]])


@call_ids
def test_masked_arrays_rejected_naming_the_parameter(name):
    # before: "operands could not be broadcast together" from deep inside the kernels
    with pytest.raises(TypeError, match="X is a numpy masked array"):
        CALLS[name](MASKED, M, 1.0)
    with pytest.raises(TypeError, match=f"{_m0(name)} is a numpy masked array"):
        CALLS[name](X, np.ma.array(M), 1.0)


def test_masked_logits_and_points_rejected():
    # before: softmax silently returned a masked result, diameter a broadcast error
    with pytest.raises(TypeError, match="z is a numpy masked array"):
        kn.softmax(np.ma.array([1.0, 2.0], mask=[0, 1]))
    with pytest.raises(TypeError, match="X is a numpy masked array"):
        kn.diameter(MASKED)
    with pytest.raises(TypeError, match="B is a numpy masked array"):
        kn.centroid_discrepancy(M, np.ma.array(M))
    with pytest.raises(TypeError, match="X is a numpy masked array"):
        check_array_float64(MASKED, "X")
    # the documented way out: fill, or drop the masked rows
    assert float(kn.F0(MASKED.filled(0.0), M)) == float(kn.F0(np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]]), M))
    assert kn.F0(MASKED[~MASKED.mask.any(axis=1)].data, M) == 0.0
