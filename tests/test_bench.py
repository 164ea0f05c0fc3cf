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


# ------------------------------------------------------------------ peers (kmrbf bench --peers)
def test_peers_table_with_the_installed_peers():
    # the bench extra (faiss-cpu, entmax, fast-pytorch-kmeans) is not part of `make test`:
    # every row whose peer imports runs, the others say "not installed"
    from kmrbf.bench import PEER_METHODS, format_peers, peer_available, run_peers_bench

    rows = run_peers_bench(1500, 4, 3, repeat=2, settle=0.0)
    assert [r["key"] for r in rows] == list(PEER_METHODS)
    installed = {r["key"]: peer_available(PEER_METHODS[r["key"]][1]) is None for r in rows}
    assert all((r["status"] == "ok") == installed[r["key"]] for r in rows), [(r["key"], r["status"]) for r in rows]
    assert all(r["status"].startswith("not installed") for r in rows if not installed[r["key"]])
    assert installed["sklearn-iter"] and installed["kmrbf-softmax"]  # core dependencies
    ok = [r for r in rows if r["status"] == "ok"]
    assert all(len(r["wall"]) == len(r["cpu"]) == 2 and min(r["wall"]) > 0 for r in ok)
    assert all((r["traced_bytes"] is not None) == (r["kind"] == "numpy") for r in ok)
    text = format_peers(rows)
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["method", "ms"] and len(lines) == len(rows) + 2
    if not all(installed.values()):
        assert "not installed" in text
    sk = next(line for line in lines if line.startswith("scikit-learn Lloyd iteration"))
    assert sk.split()[-5] == "1.00"  # the baseline's ratio to itself
    gemm = next(line for line in lines if line.startswith("two GEMMs alone, in 256-row blocks"))
    assert gemm.split()[-4] == "1.00"  # the floor's ratio to itself


def test_peers_table_with_a_peer_missing_and_a_private_api_gone(monkeypatch):
    import sys

    from kmrbf.bench import format_peers, peer_available, run_peers_bench

    monkeypatch.setitem(sys.modules, "faiss", None)  # import faiss -> ImportError
    monkeypatch.setitem(sys.modules, "sklearn.cluster._k_means_lloyd", None)
    assert peer_available("faiss").startswith("not installed")
    rows = run_peers_bench(800, 3, 2, repeat=1, memory=False, settle=0.0,
                           methods=("sklearn-iter", "faiss", "gemm-blocked", "kmrbf-softmax"))
    status = {r["key"]: r["status"] for r in rows}
    assert status["faiss"].startswith("not installed") and status["sklearn-iter"].startswith("unavailable")
    assert status["gemm-blocked"] == status["kmrbf-softmax"] == "ok"
    text = format_peers(rows)
    assert "not installed" in text and "unavailable: ModuleNotFoundError" in text
    soft = next(line for line in text.splitlines() if line.startswith("kmrbf soft_centroids alpha=1 (NumPy)"))
    assert soft.split()[-5] == "n/a" and float(soft.split()[-4]) > 0  # no sklearn baseline; GEMM ratio


def test_unknown_peer_method_is_refused():
    import pytest

    from kmrbf.bench import run_peers_bench

    with pytest.raises(ValueError, match="PEER_METHODS"):
        run_peers_bench(100, 2, 2, methods=("sklearn",))


def test_sweep_and_memory_tables(monkeypatch):
    import kmrbf.bench as b

    rows = b.run_sweep([(600, 2, 2), (600, 3, 4)], repeat=1, methods=("sklearn-iter", "kmrbf-lloyd"), settle=0.0)
    assert [(r["key"], r["k"]) for r in rows] == [("sklearn-iter", 2), ("kmrbf-lloyd", 2),
                                                    ("sklearn-iter", 3), ("kmrbf-lloyd", 3)]
    text = b.format_sweep(rows)
    assert "N=600,K=3,D=4" in text.splitlines()[0] and len(text.splitlines()) == 4
    mem = b.run_memory_check(20_000, 8, 4, methods=("kmrbf-softmax", "kmrbf-torch-softmax", "sklearn-iter"))
    # torch is in the test extra (torch==2.13.0), scikit-learn a core dependency
    assert all(r["status"] == "ok" for r in mem)
    numpy_row = mem[0]
    assert numpy_row["traced_bytes"] < numpy_row["nk_bytes"]  # chunked: never an N x K array
    mtext = b.format_memory(mem, target_mib=32.0)
    assert "<= 32 MiB" in mtext.splitlines()[0] and "yes" in mtext.splitlines()[1]
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    gone = b.run_memory_check(500, 2, 2, methods=("kmrbf-torch-softmax",))
    assert gone[0]["status"].startswith("not installed") and "not installed" in b.format_memory(gone)


def test_peak_memory_helpers():
    from kmrbf.bench import peak_rss, peak_traced

    assert peak_traced(lambda: np.ones(10_000)) >= 80_000
    rss = peak_rss(lambda: np.ones(2**22))  # 32 MiB touched
    assert rss is None or rss >= 0.9 * 2**25


def test_time_interleaved_wall_measures_both_clocks():
    import time as _time

    from kmrbf.bench import time_interleaved_wall

    t = time_interleaved_wall({"sleep": lambda: _time.sleep(0.003), "spin": lambda: sum(range(20_000))}, 2)
    assert min(t["sleep"]["wall"]) >= 0.003 and max(t["sleep"]["cpu"]) < min(t["sleep"]["wall"])
    assert len(t["spin"]["cpu"]) == 2


def test_cli_flags_run_the_peer_tables(monkeypatch, capsys, tmp_path):
    import argparse
    import json

    import kmrbf.bench as b

    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json")
    b.add_bench_arguments(p)
    assert b.run_peers_command(p.parse_args([])) is None  # no flag: the ordinary bench runs
    monkeypatch.setattr(b, "SWEEP_SIZES", ((400, 2, 2),))
    monkeypatch.setattr(b, "PEER_METHODS", {k: v for k, v in b.PEER_METHODS.items()
                                            if k in ("sklearn-iter", "kmrbf-lloyd", "kmrbf-torch-softmax")})
    monkeypatch.setattr(b, "SWEEP_METHODS", ("sklearn-iter", "kmrbf-lloyd"))
    monkeypatch.setattr(b, "MEMORY_METHODS", ("kmrbf-lloyd",))
    out = tmp_path / "peers.json"
    args = p.parse_args(["--peers", "--sweep", "--memory", "--size", "500", "3", "2", "--torch-chunk", "64",
                         "--json", str(out)])
    assert b.run_peers_command(args) == 0
    text = capsys.readouterr().out
    assert "scikit-learn Lloyd iteration" in text and "N=400,K=2,D=2" in text and "<= 32 MiB" in text
    doc = json.loads(out.read_text())
    assert set(doc) >= {"peers", "sweep", "memory"} and doc["torch_chunk"] == 64
    import pytest

    with pytest.raises(ValueError, match="--torch-chunk"):
        b.run_peers_command(p.parse_args(["--peers", "--torch-chunk", "0"]))


def test_settling_rests_and_calls_once_untimed_before_each_batch():
    # with settle, every timed batch follows a rest and one untimed call (which wakes the
    # row's own pools); without, only the warm-up call precedes the batches
    import time

    from kmrbf.bench import time_interleaved_wall

    calls = {"a": 0, "b": 0}

    def make(key):
        def fn():
            calls[key] += 1
            time.sleep(0.003)  # longer than the 2 ms floor: one call per batch
        return fn

    t0 = time.perf_counter()
    out = time_interleaved_wall({"a": make("a"), "b": make("b")}, 3, settle=0.02)
    assert calls == {"a": 1 + 3 * 2, "b": 1 + 3 * 2}  # warm-up, then (untimed + timed) per round
    assert time.perf_counter() - t0 >= 6 * 0.02
    assert all(min(v["wall"]) >= 0.003 for v in out.values())
    calls.update(a=0, b=0)
    time_interleaved_wall({"a": make("a"), "b": make("b")}, 3)
    assert calls == {"a": 1 + 3, "b": 1 + 3}


def test_peers_on_a_device(monkeypatch):
    # --device: the torch rows only (DEVICE_METHODS), each call waiting for the device, /2GEMM
    # against the two GEMMs on that device; on the CPU the device string runs the same code
    import pytest
    import torch

    import kmrbf.bench as b

    rows = b.run_peers_bench(1200, 4, 3, repeat=1, device="cpu",
                             methods=("gemm-torch", "torch-softmax", "kmrbf-torch-softmax"))
    assert [r["key"] for r in rows] == ["gemm-torch", "torch-softmax", "kmrbf-torch-softmax"]
    assert all(r["status"] == "ok" and r["device"] == "cpu" and r["rss_bytes"] is not None for r in rows)
    lines = b.format_peers(rows).splitlines()
    assert lines[1].split()[-4] == "1.00"  # the GEMMs against themselves
    assert set(b.DEVICE_METHODS) <= set(b.PEER_METHODS)
    assert all(b.PEER_METHODS[k][2] == "native" for k in b.DEVICE_METHODS)  # no NumPy row on a device
    # as rows measured on a card read (device name, the device allocator's peak)
    for r in rows:
        r["device"], r["device_bytes"] = "NVIDIA H200", 3 * 2**20
    text = b.format_peers(rows)
    assert "device MiB" in text.splitlines()[0] and "RSS" not in text.splitlines()[0]
    assert "on NVIDIA H200" in text and text.splitlines()[1].split()[-2] == "3.0"
    assert b.peak_device(lambda: None, "cpu") is None and b.device_name("cpu") == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            b.check_device("cuda")
    with pytest.raises(ValueError, match="'cpu', 'cuda' or 'cuda:N'"):
        b.check_device("nowhere")
    with pytest.raises(ValueError, match="'cpu', 'cuda' or 'cuda:N'"):
        b.check_device("meta")
    assert "two GEMMs X.M^T, R^T.X alone on torch" in b.format_peers(b.run_peers_bench(
        500, 2, 2, repeat=1, memory=False, device="cpu", methods=("gemm-torch",)))
    import argparse

    p = argparse.ArgumentParser()
    b.add_bench_arguments(p)
    with pytest.raises(ValueError, match="--peers only"):
        b.run_peers_command(p.parse_args(["--sweep", "--device", "cpu"]))


def test_device_rows_wait_for_the_card(monkeypatch):
    # on CUDA every timed call ends with a synchronisation (else wall time counts launches
    # only); on the CPU nothing waits
    import torch

    import kmrbf.bench as b

    waits = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda dev=None: waits.append(dev))
    assert b._synchronised(lambda: 7, "cuda:0")() == 7 and waits == [torch.device("cuda:0")]
    assert b._synchronised(lambda: 8, "cpu")() == 8 and len(waits) == 1
