"""Backends (NumPy, array-api-strict, torch CPU) and the documented policies of the K-means kernels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import kmrbf.numerics as kn
from kmrbf.numerics import activations as act
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


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_private_kernels_preserve_dtype(dtype):
    torch = pytest.importorskip("torch", reason="torch not installed")
    from kmrbf.numerics._compat import array_namespace

    for z in (np.linspace(-3, 3, 6).astype(dtype), torch.linspace(-3, 3, 6, dtype=getattr(torch, dtype))):
        xp = array_namespace(z)
        for f in (act._softmax, act._softmax_naive, act._entmax15, act._sparsemax, act._log_sum_exp):
            assert f(z, xp, -1).dtype == z.dtype
        assert act._entmax_bisect(z, xp, -1, alpha=1.5).dtype == z.dtype


def test_lloyd_ties_go_to_lowest_index():
    Xt = np.array([[0.0], [1.0], [2.0]])
    np.testing.assert_array_equal(kn.assign(Xt, np.array([[0.0], [2.0]])), [0, 0, 1])
    np.testing.assert_array_equal(kn.assign(Xt, np.array([[1.0], [1.0]])), [0, 0, 0])


def test_empty_cluster_policy_keeps_centroid_and_warns():
    Xe = np.array([[0.0], [1.0], [2.0]])
    Me = np.array([[1.0], [100.0]])
    with pytest.warns(kn.EmptyClusterWarning, match="1 of K=2 clusters") as rec:
        new = kn.lloyd_step(Xe, Me)
    assert rec[0].filename == __file__  # stacklevel points at the caller
    np.testing.assert_array_equal(new, [[1.0], [100.0]])
    with pytest.warns(kn.EmptyClusterWarning):
        res = kn.lloyd(Xe, Me)
    assert res.converged and res.centroids[1, 0] == 100.0
    # entmax: a far centroid gets zero weight -> kept, warned
    with pytest.warns(kn.EmptyClusterWarning, match="zero total responsibility") as rec:
        sc = kn.soft_centroids(Xe, Me, 1.0, alpha=1.5)
    assert rec[0].filename == __file__
    np.testing.assert_array_equal(sc, [[1.0], [100.0]])
    with pytest.warns(kn.EmptyClusterWarning):
        step = kn.rbf_gradient_step(Xe, Me, 1.0, alpha=1.5)
    assert step[1, 0] == 100.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kn.lloyd_step(Xe, np.array([[0.0], [2.0]]))  # no empty cluster: no warning


def test_lloyd_reaches_exact_fixed_point():
    res = kn.lloyd(X, M)
    assert res.converged
    np.testing.assert_array_equal(kn.lloyd_step(X, res.centroids), res.centroids)
    assert kn.is_lloyd_fixed_point(X, res.centroids, rtol=0.0) or kn.is_lloyd_fixed_point(X, res.centroids)
    assert not kn.is_lloyd_fixed_point(X, M)


def test_soft_lloyd_fixed_point_and_entmax_exactness():
    Xs = np.array([[0.0], [1.0], [10.0], [11.0]])
    res = kn.soft_lloyd(Xs, np.array([[0.0], [11.0]]), 1.0)
    assert res.converged
    again = kn.soft_centroids(Xs, res.centroids, 1.0)
    assert np.abs(again - res.centroids).max() <= 1e-12 * 11
    # entmax-1.5 at sigma <= (alpha - 1) * Delta: exactly the Lloyd centroids (KR-T4/T5)
    Ms = np.array([[0.5], [10.5]])
    delta = float(kn.margin(Xs, Ms))
    np.testing.assert_array_equal(kn.soft_centroids(Xs, Ms, 0.5 * delta, alpha=1.5), Ms)


def test_margin_and_discrepancy_conventions():
    assert float(kn.margin(X, X[:1])) == np.inf  # K = 1
    assert float(kn.margin(X, np.array([[0.0] * 3, [0.0] * 3]))) == 0.0  # coincident centroids
    A = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 5.0]])
    v, perm = kn.centroid_discrepancy(A, A[[2, 0, 1]])
    assert v == 0.0 and perm.tolist() == [1, 2, 0]
    v, _ = kn.centroid_discrepancy(A, A + np.array([3.0, 4.0]))
    assert v == 5.0
    assert float(kn.diameter(np.array([[1.0, 1.0]]))) == 0.0


def test_chunking_does_not_change_results():
    for f in (lambda c: kn.W_sigma(X, M, 0.3, alpha=1.5, chunk_size=c),
              lambda c: kn.grad_W_sigma(X, M, 0.3, chunk_size=c),
              lambda c: kn.soft_centroids(X, M, 0.3, chunk_size=c)):
        np.testing.assert_allclose(f(1), f(None), rtol=64 * 40 * 2**-52, atol=64 * 40 * 2**-52)
    np.testing.assert_array_equal(kn.assign(X, M, chunk_size=3), kn.assign(X, M))
