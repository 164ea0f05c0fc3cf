"""kmrbf.cluster.dask: E-step statistics of a dask array on a distributed LocalCluster.

The dask statistics and the NumPy statistics of the same rows are sums of the same terms
(each r_ik, r_ik x_ij, r_ik d_ik, min_k d_ik, G-term is computed from one row; the row
blocks below start at multiples of 256 rows, the block of the compiled kernels and a
multiple of ``chunk_size`` = 128 of the reference path, so the same GEMM calls produce the
distances) added in a different order.  Any summation order of n terms t_i errs by at most
gamma_n * sum |t_i| (Higham, Accuracy and Stability, §4.2), so two orders differ by at most
2 gamma_n sum |t_i|: that is the tolerance, computed from the data, never a fixed rtol.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="dask is an optional extra: pip install 'kmrbf[dask]'")
distributed = pytest.importorskip("distributed", reason="distributed is an optional extra: pip install 'kmrbf[dask]'")

import dask  # noqa: E402

from kmrbf import numerics as nx  # noqa: E402
from kmrbf.cluster.dask import (  # noqa: E402
    check_dask_data,
    dask_assign,
    dask_responsibilities,
    dask_sample_rows,
    dask_soft_stats,
    dask_sq_distances,
    is_dask_array,
)
from kmrbf.evidence.roundoff import U, gamma  # noqa: E402
from kmrbf.numerics import soft_stats  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as c:
        yield c


# ------------------------------------------------------------------------------- data
CHUNK = 128
BLOCK = 256     # kmrbf.numerics.compiled's rows per GEMM; a multiple of CHUNK


def _blobs(n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 1.0], [0.0, 5.0, -1.0], [4.0, 5.0, 2.0]])
    label = rng.integers(0, 4, n)
    X = centres[label] + rng.normal(scale=0.8, size=(n, 3))
    M0 = np.array([X[label == c][0] for c in range(4)])      # one point of each blob
    return X, M0


def _two_gamma(n: int, magnitude: Any) -> Any:
    """2 gamma_n * magnitude, the magnitude computed in float64 from n terms (1 - gamma_n slack)."""
    g = gamma(n)
    return 2.0 * g * np.asarray(magnitude) / (1.0 - g)


def _assert_within_order_bound(st, ref, X, M, sigma, alpha):
    """|dask - numpy| <= 2 gamma_n sum |terms| for every statistic (module docstring); sum_i r_ik |x_ij|
    from the reference responsibilities, which agree with the kernel's to a few ulps."""
    n, k = X.shape[0], M.shape[0]
    R = nx.responsibilities(X, M, sigma, alpha=alpha, chunk_size=CHUNK)
    A = R.T @ np.abs(X)                                       # sum_i r_ik |x_ij|
    assert np.all(np.abs(st.S - ref.S) <= _two_gamma(n, ref.S))
    assert np.all(np.abs(st.T - ref.T) <= _two_gamma(n, A))
    assert abs(st.W - ref.W) <= _two_gamma(n * k, ref.W)
    assert abs(st.F0 - ref.F0) <= _two_gamma(n, ref.F0)
    if alpha == 1.0:
        assert abs(st.G - ref.G) <= _two_gamma(n, ref.F0 + sigma * n * math.log(k))
    else:
        assert st.G is None and ref.G is None


# ------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0])
def test_stats_equal_numpy_stats_within_the_summation_order_bound(client, alpha):
    X, M = _blobs()
    sigma = 1.5
    Xd = da.from_array(X, chunks=(BLOCK, 3))                  # 8 blocks, the last of 208 rows
    st = dask_soft_stats(Xd, M, sigma, alpha=alpha, chunk_size=CHUNK, split_every=2)
    ref = soft_stats(X, M, sigma, alpha=alpha, chunk_size=CHUNK)
    assert isinstance(st.S, np.ndarray) and st.S.shape == (4,) and st.T.shape == (4, 3)
    assert type(st).__name__ == type(ref).__name__ and st._fields == ("S", "T", "W", "F0", "G")
    _assert_within_order_bound(st, ref, X, M, sigma, alpha)
    # the bound is tight enough to see a lost or doubled row: one row moves S by >= its r_ik
    assert np.all(_two_gamma(X.shape[0], ref.S) < 1e-9 * ref.S)


def test_bits_depend_on_the_chunks_not_on_the_scheduler(client):
    X, M = _blobs(seed=1)
    Xd = da.from_array(X, chunks=(CHUNK, 3))
    on_cluster = dask_soft_stats(Xd, M, 1.0, chunk_size=CHUNK)
    with dask.config.set(scheduler="synchronous"):
        serial = dask_soft_stats(Xd, M, 1.0, chunk_size=CHUNK)
    for a, b in zip(on_cluster, serial):
        np.testing.assert_array_equal(a, b)
    # one block: exactly the numpy call
    one = dask_soft_stats(da.from_array(X, chunks=X.shape), M, 1.0, chunk_size=CHUNK)
    ref = soft_stats(X, M, 1.0, chunk_size=CHUNK)
    for a, b in zip(one, ref):
        np.testing.assert_array_equal(a, np.asarray(b))


def test_one_compute_per_call(client, monkeypatch):
    X, M = _blobs(n=600)
    calls = []
    real = dask.compute

    def counting(*args, **kwargs):
        calls.append(len(args))
        return real(*args, **kwargs)

    monkeypatch.setattr(dask, "compute", counting)
    dask_soft_stats(da.from_array(X, chunks=(100, 3)), M, 1.0)
    assert calls == [1]


def _soft_lloyd_loop(stats, M, n_iter):
    shifts = []
    for _ in range(n_iter):
        st = stats(M)
        new = st.T / st.S[:, None]
        shifts.append(float(np.max(np.linalg.norm(new - M, axis=1))))
        M = new
    return M, shifts


def test_soft_lloyd_loop_on_dask_equals_the_numpy_loop(client):
    X, M0 = _blobs(n=1500, seed=2)
    sigma, n_iter, n = 1.0, 10, X.shape[0]
    Xd = da.from_array(X, chunks=(2 * BLOCK, 3))
    M_np, shifts = _soft_lloyd_loop(lambda M: soft_stats(X, M, sigma, chunk_size=CHUNK), M0, n_iter)
    M_dk, _ = _soft_lloyd_loop(lambda M: dask_soft_stats(Xd, M, sigma, chunk_size=CHUNK), M0, n_iter)
    # Per step, mu = T/S from statistics within the order bound differs by at most
    # delta = 2 gamma_N (A + |T|) / S / (1 - gamma_N)^2 + 2u|mu| (A = sum_i r_ik |x_i|; the
    # division rounds once on each side).  On this data the step contracts (the numpy loop's
    # shifts decrease: checked), so the differences add at most linearly: sum_t delta_t.
    assert all(b <= a for a, b in zip(shifts, shifts[1:])) and shifts[-1] < 1e-6 * shifts[0]
    total = np.zeros_like(M0)
    M = M0
    for _ in range(n_iter):
        ref = soft_stats(X, M, sigma, chunk_size=CHUNK)
        A = nx.responsibilities(X, M, sigma, chunk_size=CHUNK).T @ np.abs(X)
        mu = ref.T / ref.S[:, None]
        g = gamma(n)
        total += 2 * g * (A + np.abs(ref.T)) / ref.S[:, None] / (1 - g) ** 2 + 2 * U * np.abs(mu)
        M = mu
    assert np.all(np.abs(M_dk - M_np) <= total)
    # one block: the same bits, step after step
    one = da.from_array(X, chunks=X.shape)
    M_one, _ = _soft_lloyd_loop(lambda M: dask_soft_stats(one, M, sigma, chunk_size=CHUNK), M0, n_iter)
    np.testing.assert_array_equal(M_one, M_np)


def test_lazy_predict_proba_transform_equal_numpy(client):
    X, M = _blobs(n=700, seed=3)
    Xd = da.from_array(X, chunks=(BLOCK, 3))
    labels = dask_assign(Xd, M, chunk_size=CHUNK)
    assert is_dask_array(labels) and labels.dtype == np.int64 and labels.shape == (700,)
    np.testing.assert_array_equal(labels.compute(), nx.assign(X, M, chunk_size=CHUNK))
    R = dask_responsibilities(Xd, M, 1.0, alpha=1.5, chunk_size=CHUNK)
    assert R.shape == (700, 4) and R.chunks[1] == (4,)
    np.testing.assert_array_equal(R.compute(), nx.responsibilities(X, M, 1.0, alpha=1.5, chunk_size=CHUNK))
    D2 = dask_sq_distances(Xd, M, chunk_size=CHUNK)
    np.testing.assert_array_equal(D2.compute(), nx.sq_distances(X, M, chunk_size=CHUNK))


def test_layout_casts_gathers_columns_and_merges_short_blocks():
    X = np.arange(40, dtype=np.int32).reshape(10, 4)
    Xd = check_dask_data(da.from_array(X, chunks=((3, 1, 4, 2), (2, 2))), 3)
    assert Xd.dtype == np.float64 and Xd.chunks == ((3, 7), (4,))    # 1 joins 4; the short tail joins them
    np.testing.assert_array_equal(Xd.compute(), X.astype(np.float64))


def test_short_trailing_block_and_integer_data_give_the_float_stats(client):
    X = np.random.default_rng(4).integers(-5, 6, size=(23, 2))
    M = np.array([[0.0, 0.0], [3.0, 3.0], [-3.0, 1.0], [2.0, -4.0], [1.0, 1.0]])
    st = dask_soft_stats(da.from_array(X, chunks=(10, 1)), M, 2.0)   # blocks 10, 10, 3 < K = 5
    ref = soft_stats(X.astype(np.float64), M, 2.0)
    _assert_within_order_bound(st, ref, X.astype(np.float64), M, 2.0, 1.0)


def test_bad_input_names_the_parameter_and_the_value():
    X, M = _blobs(n=50)
    Xd = da.from_array(X, chunks=(20, 3))
    with pytest.raises(TypeError, match="X must be a dask.array.Array; got numpy.ndarray"):
        dask_soft_stats(X, M, 1.0)
    with pytest.raises(TypeError, match="real numeric dtype.*bool"):
        dask_assign(da.from_array(X > 0, chunks=20), M)
    with pytest.raises(TypeError, match="complex"):
        dask_sq_distances(Xd.astype(np.complex128), M)
    with pytest.raises(TypeError, match="NumPy blocks.*MaskedArray"):
        dask_assign(da.ma.masked_greater(Xd, 100.0), M)
    with pytest.raises(ValueError, match=r"2-D \(N, D\); got shape \(50,\)"):
        dask_assign(Xd[:, 0], M)
    unknown = Xd[Xd[:, 0] > -100]
    with pytest.raises(ValueError, match="unknown chunk sizes.*compute_chunk_sizes"):
        dask_assign(unknown, M)
    with pytest.raises(ValueError, match="M has D=2 columns but X has D=3"):
        dask_soft_stats(Xd, M[:, :2], 1.0)
    with pytest.raises(ValueError, match="K=51 centroids and X has N=50"):
        dask_soft_stats(Xd, np.zeros((51, 3)), 1.0)
    with pytest.raises(ValueError, match=r"M must be finite; found nan at index \(1, 2\)"):
        dask_soft_stats(Xd, np.where(np.arange(12).reshape(4, 3) == 5, np.nan, M), 1.0)
    with pytest.raises(TypeError, match="M must be an in-memory NumPy array"):
        dask_soft_stats(Xd, da.from_array(M), 1.0)
    with pytest.raises(ValueError, match="sigma"):
        dask_soft_stats(Xd, M, 0.0)
    with pytest.raises(ValueError, match="alpha"):
        dask_responsibilities(Xd, M, 1.0, alpha=0.5)
    with pytest.raises(TypeError, match="chunk_size"):
        dask_soft_stats(Xd, M, 1.0, chunk_size=2.0)


def test_non_finite_and_overflowing_data_raise_at_compute_with_the_global_index(client):
    X, M = _blobs(n=60)
    X[47, 1] = np.inf
    Xd = da.from_array(X, chunks=(20, 3))
    labels = dask_assign(Xd, M)                               # lazy: nothing raised yet
    with pytest.raises(ValueError, match=r"X must be finite; found inf at index \(47, 1\)"):
        labels.compute()
    with pytest.raises(ValueError, match=r"X must be finite; found inf at index \(47, 1\)"):
        dask_soft_stats(Xd, M, 1.0)
    X[47, 1] = 1e153                                          # 4 * 3 * 60 * 1e306 > float64 max
    with pytest.raises(ValueError, match=r"magnitude 1e\+153 at index \(47, 1\).*D=3, N=60"):
        dask_soft_stats(da.from_array(X, chunks=(20, 3)), M, 1.0)


def test_sample_rows_depends_on_the_seed_not_the_chunks():
    X, _ = _blobs(n=300)
    a = dask_sample_rows(da.from_array(X, chunks=(50, 3)), 7, random_state=11)
    b = dask_sample_rows(da.from_array(X, chunks=(128, 3)), 7, random_state=11)
    idx = np.random.default_rng(11).choice(300, 7, replace=False)
    np.testing.assert_array_equal(a, X[idx])
    np.testing.assert_array_equal(b, X[idx])
    with pytest.raises(ValueError, match="n_samples=301 exceeds the N=300 rows"):
        dask_sample_rows(da.from_array(X), 301)
    X[idx[3], 2] = np.nan
    with pytest.raises(ValueError, match=rf"found nan at index \({idx[3]}, 2\)"):
        dask_sample_rows(da.from_array(X, chunks=(50, 3)), 7, random_state=11)


def test_is_dask_array():
    assert is_dask_array(da.zeros((2, 2)))
    assert not is_dask_array(np.zeros((2, 2)))



def test_G_below_the_float64_range_raises_instead_of_minus_inf():
    X, M = _blobs(n=60)
    Xd = da.from_array(X, chunks=(20, 3))     # each block's G ~ -sigma * 20 * log 4 is finite, the sum is not
    with dask.config.set(scheduler="synchronous"), np.errstate(over="ignore"):
        with pytest.raises(ValueError, match=r"G_sigma is below the float64 range .*sigma=5e\+306, N=60, K=4"):
            dask_soft_stats(Xd, M, 5e306)
        assert dask_soft_stats(Xd, M, 5e306, alpha=1.5).G is None   # no G for entmax: nothing to overflow
