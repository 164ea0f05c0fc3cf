"""The compiled (numba) kernels of :mod:`kmrbf.numerics.compiled` against the array-API reference.

Accuracy against the mpmath oracles is tested where the public functions are tested: the
modules ``test_kmeans.py`` and ``test_training.py`` run every test on both backends
(fixture ``each_backend``).  Here: bitwise determinism across runs and thread counts, the
statistics of :func:`kmrbf.numerics.soft_stats` against the reference on sizes with many
blocks and groups, adversarial inputs (ties, far offsets, K = 1, subnormal and huge sigma,
more than 128 centroids), the dense / sparse accumulation branches, and validation that does
not copy ``X``.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import kmrbf.numerics as kn
from kmrbf.evidence.roundoff import U, entmax_map_bound, gamma
from kmrbf.numerics._compat import array_namespace
from kmrbf.numerics.validation import check_instance
from kmrbf.numerics._kernels import _soft_stats_reference
from kmrbf.numerics.backends._kernels import _use_backend
from kmrbf.numerics.compiled._kernels import (BLOCK, ROWS_PER_TASK, _centroid_stats_compiled,
                                               _extremes_compiled, _hard_stats_compiled,
                                               _limit_threads, _soft_stats_compiled,
                                               n_groups)

ALPHAS = [1.0, 1.5, 2.0, 1.25, 3.0, 1.125]  # 1.25, 1.125: whole beta 4, 8 (weights by products)


def _data(n, d, k, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) + offset
    return X, X[rng.choice(n, size=k, replace=False)] + 0.01


@pytest.mark.parametrize("alpha", ALPHAS)
def test_bitwise_the_same_for_any_thread_count_and_run(alpha):
    X, M = _data(170 * BLOCK + 17, 6, 9, seed=1)
    assert n_groups(*X.shape[:1], 9, 6) == 11  # 171 blocks in groups of 16, the last one short
    runs = [_soft_stats_compiled(X, M, 2.0, alpha, threads=t) for t in (1, 2, 3, 1, 4)]
    for S, T, W, F0, G in runs[1:]:
        np.testing.assert_array_equal(S, runs[0][0])
        np.testing.assert_array_equal(T, runs[0][1])
        assert (W, F0, G) == runs[0][2:]


def test_hard_stats_bitwise_the_same_for_any_thread_count():
    X, M = _data(60 * BLOCK, 4, 7, seed=2)  # 4 groups
    runs = [_hard_stats_compiled(X, M, threads=t) for t in (1, 2, 5)]
    for S, T, labels, F0 in runs[1:]:
        np.testing.assert_array_equal(S, runs[0][0])
        np.testing.assert_array_equal(T, runs[0][1])
        np.testing.assert_array_equal(labels, runs[0][2])
        assert F0 == runs[0][3]


def test_groups_depend_on_shapes_only():
    assert n_groups(1, 1, 1) == 1
    assert n_groups(BLOCK * 3, 8, 2) == 1
    assert n_groups(BLOCK * 9, 8, 2) == 1
    assert n_groups(BLOCK * 48, 8, 2) == 3
    assert n_groups(10**7, 8, 2) == 64
    # memory cap: n_groups * K * (D + 1) <= 2**21 floats
    assert n_groups(10**7, 512, 256) * 512 * 257 <= 2**21
    assert n_groups(10**7, 4096, 4096) == 1


def _stats_bound(X, M, sigma, alpha):
    """|compiled - reference| for S_k, T_k, W, F0 (both from the same formulas, same rounding
    model): each path's responsibilities are within e of the exact ones, where e is bounded
    below by the distance error (relative 16 gamma(D+2) + 9u, numerics.distances) turned into
    a logit error (d_ik + d_i(1))(rel + 2u)/sigma, times the Jacobian bound 2 max over the
    row (q <= 1), plus the kernels' own rounding (entmax_impl_bound-type (K+1)(2K^2+8K+11)u,
    softmax (x_max + K + 4)u); the sums of N terms add gamma(N) of the absolute sums.  The
    difference of the two paths is at most twice one path's error."""
    n, dim = X.shape
    k = M.shape[0]
    d = ((X[:, None, :] - M[None, :, :]) ** 2).sum(-1)
    rel = 16 * gamma(dim + 2) + 9 * U
    dmin = d.min(axis=1, keepdims=True)
    logit = ((rel + 2 * U) * (d + dmin) / sigma).max(axis=1)  # per row
    x = (d - dmin) / sigma
    impl = entmax_map_bound(k, alpha) if alpha != 1.0 else (U * (2 * x.max(axis=1) + k + 4))
    e_row = np.minimum(2 * logit + impl, 1.0)  # |dr_ik| <= e_row[i] (and r in [0, 1])
    S_err = e_row.sum() + gamma(n) * n
    T_err = (e_row[:, None] * np.abs(X)).sum(axis=0) + gamma(n + 1) * np.abs(X).sum(axis=0)
    W_err = (e_row[:, None] * d).sum() + gamma(n * k + 1) * d.sum() + rel * d.sum()
    F0_err = rel * dmin.sum() + gamma(n) * dmin.sum()
    return 2 * S_err, 2 * T_err, 2 * W_err, 2 * F0_err


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("sigma", [1e-3, 0.7, 50.0])
@pytest.mark.parametrize("shape", [(3 * BLOCK + 5, 3, 5, 0.0), (700, 2, 1, 0.0), (600, 3, 130, 0.0),
                                   (3 * BLOCK, 2, 4, 1e6), (2 * BLOCK, 3, 6, -1e12),
                                   (3 * BLOCK, 6, 4, 1e6), (2 * BLOCK, 5, 6, -1e12),
                                   (2 * BLOCK + 3, 11, 13, 0.0)])
def test_soft_stats_agree_with_the_reference(alpha, sigma, shape):
    # the offsets put the data far from the origin: cancelling GEMM entries are recomputed
    n, dim, k, offset = shape
    X, M = _data(n, dim, k, seed=3, offset=offset)
    xp = array_namespace(X)
    S, T, W, F0, G = _soft_stats_compiled(X, M, sigma, alpha)
    Sr, Tr, Wr, F0r, Gr = _soft_stats_reference(X, M, sigma, alpha, xp, 4096)
    bS, bT, bW, bF0 = _stats_bound(X, M, sigma, alpha)
    assert np.all(np.abs(S - Sr) <= bS), np.abs(S - Sr).max()
    assert np.all(np.abs(T - Tr) <= bT[None, :]), np.abs(T - Tr).max()
    assert abs(W - float(Wr)) <= bW
    assert abs(F0 - float(F0r)) <= bF0
    assert (G is None) == (Gr is None) == (alpha != 1.0)
    if G is not None:  # G = sum_i [d_i(1) - sigma log s_i], s_i in [1, K]: per row the
        # distance error and (K + 2)u sigma log K for the sum and log
        bG = 2 * (bF0 + n * (k + 3) * U * sigma * max(np.log(k), 1.0) + gamma(n) * abs(float(Gr)))
        assert abs(G - float(Gr)) <= bG
    # the bound is not vacuous: it is far below the size of what it bounds.  Above alpha = 2
    # the map is only Hoelder and the derived scalar bound (roundoff.entmax_map_bound, of
    # order (K u)^(beta^2)) is weak: 0.5-50 % of S here; only that it beats the trivial
    # bound is asserted.  The per-entry bound that is tight away from the support's edge
    # (conftest.entmax_edge_bound) needs the exact probabilities: the oracle tests of
    # test_kmeans / test_activations use it on both backends; the witness of the Hoelder
    # error is pinned in test_activations
    small = 1e-6 if alpha <= 2.0 else 1.0
    assert bS < small * n and np.all(bT < small * np.abs(X).sum(axis=0))
    assert np.all(np.isfinite(T / S[:, None]))


def test_k_equal_one_is_the_mean():
    X, M = _data(5 * BLOCK, 3, 1, seed=4)
    for alpha in ALPHAS:
        S, T, W, F0, G = _soft_stats_compiled(X, M, 0.3, alpha)
        assert S.tolist() == [float(X.shape[0])]  # every r_i1 = 1 exactly
        np.testing.assert_allclose(T[0] / S[0], X.mean(axis=0), rtol=0,
                                   atol=gamma(X.shape[0]) * np.abs(X).sum(axis=0).max() / X.shape[0])


@pytest.mark.parametrize("alpha", ALPHAS)
def test_subnormal_sigma_gives_the_hard_assignment(alpha):
    # sigma = 2**-1074: every logit off the row minimum is -inf (or clamped): one-hot rows;
    # the soft statistics are the Lloyd statistics
    X, M = _data(4 * BLOCK, 2, 6, seed=5)
    S, T, W, F0, G = _soft_stats_compiled(X, M, 5e-324, alpha)
    Sh, Th, labels, F0h = _hard_stats_compiled(X, M)
    np.testing.assert_array_equal(S, Sh)
    np.testing.assert_allclose(T, Th, rtol=0, atol=gamma(X.shape[0]) * np.abs(X).sum())
    assert F0 == F0h and W == pytest.approx(F0h, rel=gamma(X.shape[0] * 6))


@pytest.mark.parametrize("alpha", ALPHAS)
def test_huge_sigma_gives_uniform_weights_and_dense_accumulation(alpha):
    # sigma = 1e300: every logit is 0 (a full support: the GEMM branch of the accumulation)
    X, M = _data(3 * BLOCK, 3, 4, seed=6)
    S, T, _, _, _ = _soft_stats_compiled(X, M, 1e300, alpha)
    np.testing.assert_allclose(S, X.shape[0] / 4, rtol=4 * gamma(X.shape[0]))
    np.testing.assert_allclose(T / S[:, None], np.broadcast_to(X.mean(axis=0), (4, 3)), rtol=0,
                               atol=8 * gamma(X.shape[0]) * np.abs(X).max())


@pytest.mark.parametrize("alpha", [1.5, 2.0, 1.25])
@pytest.mark.parametrize("n_wide", [3, BLOCK // 4 + 1, (3, BLOCK // 4 + 1)])
def test_a_few_wide_rows_and_many_take_the_same_statistics(alpha, n_wide):
    # K = 8 centroids on a unit circle; at sigma = 0.1 points near one centroid have a narrow
    # support (neighbours at squared distance 0.59: logits below -1), points at the centre
    # are equidistant from all eight (a full support: a wide row).  With a few wide rows per
    # block they are added row by row, with more than a quarter by one GEMM.
    rng = np.random.default_rng(15)
    k = 8
    angles = 2 * np.pi * np.arange(k) / k
    centre = np.array([3.0, -2.0])  # not the origin: the wide rows' x_i must count in T
    M = centre + np.stack([np.cos(angles), np.sin(angles)], axis=1)
    X = M[rng.integers(k, size=2 * BLOCK)] + 0.01 * rng.normal(size=(2 * BLOCK, 2))
    # wide rows in the first block; (a, b): a in the first block (row by row), b in the second
    # at other rows (one GEMM over the block, which would count a row the first block left
    # in r twice)
    first, second = (n_wide, 0) if isinstance(n_wide, int) else n_wide
    rows = rng.permutation(BLOCK)
    X[rows[:first]] = centre
    X[BLOCK + rows[first:first + second]] = centre
    S, T, W, F0, _ = _soft_stats_compiled(X, M, 0.1, alpha)
    Sr, Tr, Wr, F0r, _ = _soft_stats_reference(X, M, 0.1, alpha, array_namespace(X), 4096)
    bS, bT, bW, bF0 = _stats_bound(X, M, 0.1, alpha)
    assert np.all(np.abs(S - Sr) <= bS) and np.all(np.abs(T - Tr) <= bT[None, :])
    assert abs(W - float(Wr)) <= bW and abs(F0 - float(F0r)) <= bF0
    # the centre points put equal weight 1/8 on every centroid
    S_c, T_c, _, _, _ = _soft_stats_compiled(np.broadcast_to(centre, (BLOCK, 2)).copy(), M, 0.1, alpha)
    np.testing.assert_allclose(S_c, BLOCK / k, rtol=4 * gamma(BLOCK))
    np.testing.assert_allclose(T_c, np.broadcast_to(centre * BLOCK / k, (k, 2)), rtol=8 * gamma(BLOCK))


def test_ties_are_split_equally_and_lloyd_ties_go_to_the_lowest_index():
    # every point equidistant from the two coincident centroids
    X = np.random.default_rng(7).normal(size=(2 * BLOCK, 2))
    M = np.array([[0.5, 0.5], [0.5, 0.5], [9.0, 9.0]])
    for alpha in ALPHAS:
        S, _, _, _, _ = _soft_stats_compiled(X, M, 0.01, alpha)
        assert S[0] == S[1]
    _, _, labels, _ = _hard_stats_compiled(X, M)
    assert set(labels.tolist()) <= {0, 2}


def test_public_functions_dispatch_by_size_and_backend():
    X, M = _data(3 * BLOCK, 3, 4, seed=9)
    xp = array_namespace(X)
    S, T, _, _, _ = _soft_stats_compiled(X, M, 0.5, 1.5)
    with _use_backend("compiled"):
        got = kn.soft_stats(X, M, 0.5, alpha=1.5)
    np.testing.assert_array_equal(got.S, S)
    np.testing.assert_array_equal(got.T, T)
    with _use_backend("reference"):
        ref = kn.soft_stats(X, M, 0.5, alpha=1.5)
    np.testing.assert_array_equal(ref.S, _soft_stats_reference(X, M, 0.5, 1.5, xp, 4096)[0])
    with pytest.raises(ValueError, match="backend"):
        with _use_backend("fast"):
            pass


def test_validation_does_not_copy_X():
    X = np.random.default_rng(10).normal(size=(200_000, 8))
    check_instance(X, X[:4])  # first call: imports (and loads) the compiled reduction
    tracemalloc.start()
    try:
        check_instance(X, X[:4])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 16, peak  # an N x D temporary (bool or float) would be >= nbytes/8
    bad = X.copy()
    bad[123, 4] = np.nan
    with pytest.raises(ValueError, match=r"X must be finite; found nan at index \(123, 4\)"):
        check_instance(bad, X[:4])
    bad[123, 4] = -np.inf
    with pytest.raises(ValueError, match="found -inf"):
        check_instance(bad, X[:4])


def test_objective_can_be_skipped_without_changing_the_statistics():
    X, M = _data(3 * BLOCK, 3, 4, seed=11)
    full = _soft_stats_compiled(X, M, 0.5, 1.0)
    lean = _soft_stats_compiled(X, M, 0.5, 1.0, objective=False)
    np.testing.assert_array_equal(lean[0], full[0])
    np.testing.assert_array_equal(lean[1], full[1])
    assert lean[2] is None and lean[4] is None and lean[3] == full[3]


@pytest.mark.parametrize("dim", [2, 6])
@pytest.mark.parametrize("alpha", [1.0, 1.5])
def test_points_on_far_centroids_have_exactly_zero_distance(alpha, dim):
    # |x - c|^2 + |mu - c|^2 ~ 2e12 while d = 0: the GEMM form cancels completely and leaves
    # rounding residue of order 1e12 u ~ 1e-4; the guarded kernel recomputes such entries
    # directly (D = 6; at D = 2 every entry is summed directly), so every point sitting on
    # a centroid has d = 0 exactly and F0 = 0
    M = np.zeros((3, dim))
    M[:, :2] = [[1e6, 0.0], [-1e6, 0.0], [0.0, 1e6]]
    X = np.repeat(M, BLOCK, axis=0)
    S, T, W, F0, G = _soft_stats_compiled(X, M, 1.0, alpha)
    assert F0 == 0.0 and W == 0.0
    np.testing.assert_array_equal(T / S[:, None], M)
    _, _, labels, F0h = _hard_stats_compiled(X, M)
    assert F0h == 0.0 and labels.tolist() == np.repeat([0, 1, 2], BLOCK).tolist()
    # points 2**-10 off the far centroids: d = 2**-20 per point, which the GEMM form would
    # bury under a residue ~1e-4; the recomputed d is within the direct bound 16 gamma(4) + 9u
    Xo = X + 2.0**-10
    _, _, _, F0o = _hard_stats_compiled(Xo, M)
    exact = Xo.shape[0] * dim * 2.0**-20
    assert abs(F0o - exact) <= (16 * gamma(dim + 2) + 9 * U + gamma(Xo.shape[0])) * exact


@pytest.mark.parametrize("alpha", [1.5, 2.0])
@pytest.mark.parametrize("offset", [0.0, 1e3, -1e300])
def test_sparse_rows_agree_with_the_reference(bounds, alpha, offset):
    # entmax-1.5 / sparsemax of a logit matrix (with -inf entries, ties, one-hot rows):
    # compiled rows against the reference within twice the implementation bound of either
    # (tests/numerics/conftest.py: entmax_impl_bound), any thread count the same bits
    from kmrbf.numerics._kernels import _entmax15, _sparsemax
    from kmrbf.numerics.compiled._kernels import ROWS_PER_TASK, _sparse_rows_compiled

    rng = np.random.default_rng(12)
    Z = rng.normal(size=(2 * ROWS_PER_TASK + 7, 13)) * 3.0 + offset
    Z[::5, 3] = -np.inf
    Z[1::7, :2] = Z[1::7, 2:3]  # ties at the top
    Z[2::11, 0] = Z[2::11].max(axis=1) + 5.0  # one-hot rows
    got = _sparse_rows_compiled(Z, alpha)
    ref = (_entmax15 if alpha == 1.5 else _sparsemax)(Z, array_namespace(Z), -1)
    assert np.all(np.abs(got - ref) <= 2 * bounds.entmax_impl_bound(13, alpha))
    assert np.all(got[Z == -np.inf] == 0.0)
    np.testing.assert_array_equal(got, _sparse_rows_compiled(Z, alpha, threads=1))
    np.testing.assert_array_equal(got, _sparse_rows_compiled(Z, alpha, threads=3))


def test_a_thread_limit_changes_the_threads_never_the_bits():
    from kmrbf.numerics.compiled._kernels import _limit_threads, _threads

    X, M = _data(20 * BLOCK, 3, 5, seed=13)
    free = _soft_stats_compiled(X, M, 0.5, 1.0)
    with _limit_threads(1):
        assert _threads() == 1
        limited = _soft_stats_compiled(X, M, 0.5, 1.0)
    assert _threads() >= 1
    np.testing.assert_array_equal(free[1], limited[1])
    assert free[2:] == limited[2:]


SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.0, -1.0, 1.7976931348623157e308,
           -1.7976931348623157e308]


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("n", [1, 7, 8, 2 * ROWS_PER_TASK + 3, 2 * ROWS_PER_TASK + 4])
def test_extremes_are_numpys_max_and_min_for_any_split(n, threads):
    # the reduction works on order keys of the bits: every sign, subnormals, the extreme
    # finite values, +-inf and NaN (propagated, as NumPy's max/min do), any split of the work
    rng = np.random.default_rng(n)
    for extra in [[], SPECIAL, [np.inf], [-np.inf], [np.inf, -np.inf], [np.nan], [-np.nan, 1.0]]:
        x = rng.normal(size=n) * 10.0 ** rng.integers(-300, 300, size=n)
        pos = rng.choice(n, size=min(len(extra), n), replace=False)
        x[pos] = extra[:len(pos)]
        with _limit_threads(threads):
            got = _extremes_compiled(x.reshape(-1, 1) if n % 2 else x)  # 2-D and 1-D
        want = (float(x.max()), float(x.min()))
        if np.isnan(want[0]):
            assert np.isnan(got[0]) and np.isnan(got[1])
        else:
            assert got == want  # (a signed zero may come back with either sign: validation
            # only needs finiteness and magnitude)


@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("dim", [2, 6])
@pytest.mark.parametrize("where", [0, 100, 20 * BLOCK + 3, -1])  # first, middle group, last (partial) block
def test_centroid_pass_reports_the_largest_magnitude(alpha, dim, where):
    X, M = _data(40 * BLOCK + 5, dim, 4, seed=14)
    X[where, 1] = -37.5  # the largest magnitude is negative
    S, T, amax = _centroid_stats_compiled(X, M, 0.7, alpha)
    assert amax == 37.5
    Sr, Tr, _, _, _ = _soft_stats_compiled(X, M, 0.7, alpha, objective=False)
    np.testing.assert_array_equal(S, Sr)
    np.testing.assert_array_equal(T, Tr)


def test_the_two_gemm_floor_does_both_products_of_every_block():
    # the benchmark's floor (kmrbf bench --peers, "two GEMMs alone") must do the work it
    # stands for: per block G = X_b M^T, then G^T X_b, summed over every block
    from kmrbf.numerics.compiled._kernels import _blocked_gemms

    X, M = _data(5 * BLOCK + 7, 3, 4, seed=16)
    want = sum((X[s:s + BLOCK] @ M.T).T @ X[s:s + BLOCK] for s in range(0, X.shape[0], BLOCK))
    np.testing.assert_allclose(_blocked_gemms(X, M), want, rtol=1e-12)
