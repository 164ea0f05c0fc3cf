"""kmrbf.bench: the timing and sparsity kernels behind kmrbf bench and KR-S53."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st
from kmrbf.numerics import EmptyClusterWarning, responsibilities, soft_centroids

from kmrbf.bench import (
    entmax_sparse_step,
    fit_exponents,
    make_blobs_problem,
    nnz_fraction,
    peak_memory,
    run_bench,
    sparse_accumulate,
)


def test_fit_exponents_recovers_known():
    rows = [{"n": n, "k": k, "d": d, "method": "m", "seconds": 3e-9 * n ** 1.0 * k ** 2 * d ** 0.7}
            for n in (100, 400) for k in (2, 8) for d in (4, 16)]
    f = fit_exponents(rows)["m"]
    assert abs(f["n"] - 1) < 1e-9 and abs(f["k"] - 2) < 1e-9 and abs(f["d"] - 0.7) < 1e-9


def test_run_bench_tiny():
    rows = run_bench([50, 100], [2], [3], repeat=1)
    assert len(rows) == 8 and all(r["seconds"] >= 0 for r in rows)


def test_peak_memory_is_chunked():
    m = peak_memory(8192, 8, 16, chunk_size=1024)
    assert m["peak_bytes"] < m["nkd_bytes"] / 4


def test_nnz_fraction_hand_example():
    # x = 0, 1, 4, 6 against centres 0, 6: gaps d_(2) - d_(1) = 36, 24, 12, 36; entmax-1.5
    # row i is one-hot iff gap_i / sigma >= 2, so at sigma = 10 only x = 4 has 2 nonzeros
    X = np.array([[0.0], [1.0], [4.0], [6.0]])
    M = np.array([[0.0], [6.0]])
    assert nnz_fraction(np.asarray(responsibilities(X, M, 10.0, alpha=1.5))) == 5 / 8
    assert nnz_fraction(np.asarray(responsibilities(X, M, 1.0, alpha=1.5))) == 4 / 8


@given(st.integers(0, 2**31 - 1), st.sampled_from([0.05, 0.3, 0.6, 1.0, 3.0]))
@example(0, 0.6)
def test_nnz_fraction_direct_count(seed, f):
    X, M, g = make_blobs_problem(30, 4, 3, seed=seed)
    P = np.asarray(responsibilities(X, M, f * g, alpha=1.5))
    count = sum(1 for row in P.tolist() for p in row if p != 0.0)
    assert nnz_fraction(P) == count / (30 * 4)


@given(st.integers(0, 2**31 - 1), st.sampled_from([0.05, 0.5, 0.75, 1.0, 4.0]),
       st.sampled_from([(50, 3, 2), (200, 8, 16), (64, 16, 5)]))
@example(0, 0.75, (200, 8, 16))
@example(9628, 0.05, (64, 16, 5))  # a cluster with no point: S_k = 0
def test_sparse_accumulation_equals_dense(seed, f, shape):
    n, k, d = shape
    X, M, g = make_blobs_problem(n, k, d, seed=seed)
    P = np.asarray(responsibilities(X, M, f * g, alpha=1.5))
    # Both products sum the same N terms p_ik x_id (the sparse one skips exact zeros, which add
    # exactly 0); each is within gamma_N * sum_i |p_ik x_id| of the exact sum
    # (gamma_N = N u / (1 - N u), any summation order, FMA or not), so they differ by at most twice that.
    from kmrbf.evidence.roundoff import U as u
    from kmrbf.evidence.roundoff import gamma as gamma_n

    gamma = gamma_n(n)
    A = np.abs(P).T @ np.abs(X)
    assert np.all(np.abs(sparse_accumulate(P, X) - P.T @ X) <= 2 * gamma * A)
    # one step: mu = T / S with T, S within gamma_N of exact, |T| <= A, division adds u:
    # |mu_hat - mu| <= (2 gamma_N / (1 - gamma_N) + u) A / S for each, twice that between them
    # (clusters with no mass, S_k = 0 exactly in both, keep mu_k: equal exactly)
    S = P.sum(axis=0)
    empty = S == 0
    bound = 2 * (2 * gamma / (1 - gamma) + u) * A / np.where(empty, 1.0, S)[:, None]
    bound[empty] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyClusterWarning)
        ref = np.asarray(soft_centroids(X, M, f * g, alpha=1.5))
    assert np.all(np.abs(entmax_sparse_step(X, M, f * g) - ref) <= bound)


def test_run_ratio_bench_tiny_sparsity_grows_with_sigma():
    from kmrbf.bench import run_ratio_bench

    rows = run_ratio_bench([300], [3], [2], [0.1, 4.0], repeat=2)
    assert len(rows) == 2 and rows[0]["nnz_fraction"] < rows[1]["nnz_fraction"]
    assert all(len(r["times"][c]) == 2 and min(r["times"][c]) > 0 for r in rows
               for c in ("acc_dense", "acc_sparse", "lloyd", "entmax_sparse", "entmax_dense"))


def test_make_problem_is_seeded_and_draws_centroids_from_the_data():
    from kmrbf.bench import make_problem

    X, M, sigma = make_problem(50, 4, 3, seed=1)
    X2, M2, _ = make_problem(50, 4, 3, seed=1)
    assert X.shape == (50, 3) and M.shape == (4, 3) and sigma == 0.1 * 3
    assert np.array_equal(X, X2) and np.array_equal(M, M2)
    assert all(any(np.array_equal(m, x) for x in X) for m in M)


def test_time_call_is_the_minimum_after_a_warm_up():
    from kmrbf.bench import time_call

    calls = []
    t = time_call(lambda: calls.append(1), repeat=3)
    assert len(calls) == 4 and 0 <= t < 0.1


def test_formatted_tables_carry_every_row():
    from kmrbf.bench import format_bench, format_sparsity

    rows = run_bench([200], [2], [2], repeat=1, methods=("lloyd", "softmax"))
    text = format_bench(rows, fit_exponents(rows))
    assert "lloyd [ms]" in text and "softmax [ms]" in text and "fitted exponents" in text
    from kmrbf.bench import run_ratio_bench

    srows = run_ratio_bench([200], [3], [2], [0.5], repeat=2)
    stext = format_sparsity(srows)
    assert len(stext.splitlines()) == 1 + len(srows) + 1 and "nnz" in stext.splitlines()[0]


def test_time_interleaved_rotates_the_order_and_batches_short_calls():
    from kmrbf.bench import time_interleaved

    calls = []
    t = time_interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, 3, floor=0.0)
    assert {k: len(v) for k, v in t.items()} == {"a": 3, "b": 3}
    # warm-up a, b; then rounds a b | b a | a b
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    batched = []
    time_interleaved({"x": lambda: batched.append(1)}, 2, floor=1e-3)
    assert len(batched) > 3  # a call far shorter than 1 ms is repeated to fill the floor
    import pytest

    with pytest.raises(ValueError):
        time_interleaved({"x": lambda: None}, 0)


def test_ratio_band_by_hand_and_its_classification():
    import pytest

    from kmrbf.bench import classify_ratio, ratio_band

    # min 2, median 2.2 (u = 0.1) over min 1, median 1.05 (u = 0.05): band [2/1.1, 2 * 1.05]
    b = ratio_band([2.4, 2.0, 2.2], [1.0, 1.05, 1.3])
    assert b["ratio"] == 2.0 and b["lo"] == pytest.approx(2 / 1.1) and b["hi"] == pytest.approx(2.1)
    assert classify_ratio(b) == "above" and classify_ratio(b, threshold=2.05) == "undecided"
    assert classify_ratio(ratio_band([1.0, 1.0], [2.0, 2.0])) == "below"
    with pytest.raises(ValueError):
        ratio_band([0.0, 1.0], [1.0])


def test_run_ratio_bench_tiny():
    from kmrbf.bench import run_ratio_bench

    rows = run_ratio_bench([300], [3], [2], [0.1, 4.0], repeat=2)
    assert len(rows) == 2 and rows[0]["nnz_fraction"] < rows[1]["nnz_fraction"]
    names = {"lloyd", "entmax_sparse", "entmax_dense", "acc_dense", "acc_sparse"}
    assert all(set(r["times"]) == names and all(len(v) == 2 and min(v) > 0 for v in r["times"].values())
               for r in rows)
