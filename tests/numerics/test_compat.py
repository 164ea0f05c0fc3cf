"""Tests of :mod:`kmrbf.numerics._compat` (the array-API layer): every public kernel on every backend.

Backends: NumPy, array-api-strict and torch (CPU).  Each public function given arrays of a
backend returns that backend's arrays, with the values of the NumPy run (same float64
algorithm; tolerances in the tests).
"""

from __future__ import annotations

import numpy as np
import pytest

import kmrbf.numerics as kn
from kmrbf.numerics._compat import to_numpy


def _backends():
    out = [pytest.param((np.asarray, np.asarray), id="numpy")]
    try:
        import array_api_strict as xs

        out.append(pytest.param((xs.asarray, to_numpy),
                                id="array_api_strict"))
    except ImportError:  # pragma: no cover
        out.append(pytest.param(None, id="array_api_strict",
                                marks=pytest.mark.skip(reason="array-api-strict not installed")))
    try:
        import torch

        out.append(pytest.param((torch.asarray, lambda a: a.numpy()), id="torch"))
    except ImportError:  # pragma: no cover
        out.append(pytest.param(None, id="torch", marks=pytest.mark.skip(reason="torch not installed")))
    return out


RNG = np.random.default_rng(11)
X = RNG.normal(size=(40, 3))
M = X[:4] + 0.1
Z = RNG.normal(size=(5, 6)) * 3

FUNCS = {
    "sq_distances": lambda X, M: kn.sq_distances(X, M, chunk_size=7),
    "responsibilities": lambda X, M: kn.responsibilities(X, M, 0.4, chunk_size=7),
    "responsibilities_bisect": lambda X, M: kn.responsibilities(X, M, 0.4, alpha=1.3),
    "F0": lambda X, M: kn.F0(X, M),
    "G_sigma": lambda X, M: kn.G_sigma(X, M, 0.4),
    "W_sigma15": lambda X, M: kn.W_sigma(X, M, 0.4, alpha=1.5),
    "assign": lambda X, M: kn.assign(X, M),
    "lloyd_step": lambda X, M: kn.lloyd_step(X, M),
    "lloyd": lambda X, M: kn.lloyd(X, M).centroids,
    "lloyd_labels": lambda X, M: kn.lloyd(X, M).labels,
    "soft_centroids": lambda X, M: kn.soft_centroids(X, M, 0.4),
    "soft_lloyd15": lambda X, M: kn.soft_lloyd(X, M, 0.4, alpha=1.5).centroids,
    "grad_G_sigma": lambda X, M: kn.grad_G_sigma(X, M, 0.4),
    "grad_W_sigma": lambda X, M: kn.grad_W_sigma(X, M, 0.4, alpha=2.0),
    "rbf_gradient_step": lambda X, M: kn.rbf_gradient_step(X, M, 0.4),
    "margin": lambda X, M: kn.margin(X, M),
    "diameter": lambda X, M: kn.diameter(X),
    "centroid_discrepancy_perm": lambda X, M: kn.centroid_discrepancy(M, M)[1],
}
ZFUNCS = {
    "softmax": kn.softmax, "softmax_naive": kn.softmax_naive, "log_sum_exp": kn.log_sum_exp,
    "entmax15": kn.entmax15, "sparsemax": kn.sparsemax, "entmax_bisect": lambda z: kn.entmax_bisect(z, 1.7),
    "softmax_axis0": lambda z: kn.softmax(z, axis=0),
}


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_same_namespace_and_values_as_numpy(backend, name):
    conv, back = backend
    ref = np.asarray(FUNCS[name](X, M))
    out = FUNCS[name](conv(X), conv(M))
    assert type(out).__module__.split(".")[0] == type(conv(X)).__module__.split(".")[0] or np.isscalar(out)
    # Same float64 algorithm, but BLAS (NumPy vs torch) may sum in another order:
    # agreement to the kernels' own error bound scale, 1e3 ulps of the magnitude.
    np.testing.assert_allclose(back(out), ref, rtol=1e3 * 2**-52, atol=1e3 * 2**-52 * (1 + np.abs(ref).max()))


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("name", sorted(ZFUNCS))
def test_logit_maps_on_backends(backend, name):
    conv, back = backend
    ref = np.asarray(ZFUNCS[name](Z))
    out = ZFUNCS[name](conv(Z))
    assert type(out).__module__.split(".")[0] == type(conv(Z)).__module__.split(".")[0]
    np.testing.assert_allclose(back(out), ref, rtol=64 * 2**-52, atol=64 * 2**-52)


def test_is_masked_array():
    from kmrbf.numerics._compat import is_array, is_masked_array

    m = np.ma.array([1.0, 2.0], mask=[0, 1])
    assert is_masked_array(m) and is_array(m)  # array-api-compat sees a NumPy array
    assert not is_masked_array(np.zeros(2)) and not is_masked_array([1.0])
