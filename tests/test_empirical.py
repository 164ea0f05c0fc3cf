"""Tests of the §4 discrepancy protocols (KR-S43), the benchmark (KR-S53) and their evidence."""

import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from kmrbf.bench import (entmax_sparse_step, fit_exponents, make_blobs_problem, nnz_fraction,
                         peak_memory, run_bench, run_sparsity_bench, sparse_accumulate)
from kmrbf.claims.cost import FASTER, SLOWER, compare, s53_rule, sparsity_rule
from kmrbf.numerics import EmptyClusterWarning, responsibilities, soft_centroids
from kmrbf.cli import main
from kmrbf.numerics import experiments as E
from kmrbf.profiles import Profile
from kmrbf.registry import RunContext, run_claim


# ------------------------------------------------------------------ datasets and grids
@pytest.mark.parametrize("name", E.DATASETS)
def test_datasets_seeded_and_shaped(name):
    X = E.make_dataset(name, 40, seed=7)
    assert X.shape == (40, 2) and X.dtype == np.float64 and np.isfinite(X).all()
    assert np.array_equal(X, E.make_dataset(name, 40, seed=7))
    assert not np.array_equal(X, E.make_dataset(name, 40, seed=8))


def test_unknown_dataset_is_named():
    with pytest.raises(ValueError, match="dataset='rings'"):
        E.make_dataset("rings", 10, seed=0)


def test_sigma_grid_log_spaced():
    s = E.sigma_grid(2.0, 2e-3, 4)
    assert s[0] == 2.0 and s[-1] <= 2e-3 * (1 + 1e-12) and len(s) == 13
    # constant ratio 10^(1/4) up to rounding of the power (a few ulps)
    assert np.allclose(s[:-1] / s[1:], 10 ** 0.25, rtol=1e-14, atol=0)


# ------------------------------------------------------------------ slope fits
@given(st.floats(0.25, 4.0), st.floats(1e-3, 1e3))
@example(1.0, 1.0)
def test_slopes_recover_power_laws(beta, c):
    # E = c sigma^beta: log-ratio arithmetic loses a few ulps of log(E) (|log E| <= ~40)
    # relative to log(ratio) ~ 0.5, so 1e-10 absolute is far above rounding
    s = np.logspace(1, -4, 11)
    Ev = c * s ** beta
    assert all(abs(b - beta) < 1e-10 for b in E.local_slopes(s, Ev))
    assert abs(E.global_slope(s, Ev) - beta) < 1e-10


def test_slopes_of_exponential_grow():
    # E = exp(-c/sigma): exact local slope between sigma_j > sigma_{j+1} is
    # c (1/sigma_{j+1} - 1/sigma_j) / log(sigma_j/sigma_{j+1}), increasing without bound
    c = 0.5
    s = np.logspace(0, -1.5, 7)
    Ev = np.exp(-c / s)
    b = E.local_slopes(s, Ev)
    exact = [c * (1 / s[j + 1] - 1 / s[j]) / math.log(s[j] / s[j + 1]) for j in range(6)]
    assert np.allclose(b, exact, rtol=1e-9)
    assert all(x < y for x, y in zip(b, b[1:])) and b[-1] > 10


def test_slopes_undefined_at_zero():
    b = E.local_slopes([1.0, 0.5, 0.25], [1.0, 1e-20, 0.0], floor=1e-12)
    assert b == [None, None]
    assert E.global_slope([1.0, 0.5], [1.0, 0.0]) is None


def test_monotone_violations():
    v = E.monotone_violations([4, 2, 1, 0.5], [3.0, 2.0, 2.05, 0.0], [0.1, 0.01, 0.0])
    assert [(w["sigma_j"], w["sigma_next"]) for w in v] == [(2.0, 1.0)]


# ------------------------------------------------------------------ protocols
def test_study_well_formed_on_tiny_setting():
    p = E.StudyParams(n=30, k=3, n_init=2, per_decade=2, max_decades=3.0, seed=3,
                      datasets=("blobs", "circles"))
    st_ = E.run_discrepancy_study(p)
    assert set(st_["datasets"]) == {"blobs", "circles"}
    for d in st_["datasets"].values():
        sig = d["sigmas"]
        assert all(a > b for a, b in zip(sig, sig[1:]))
        assert set(d["curves"]) == {"fixed/1", "fixed/1.5", "resampled/1", "resampled/1.5"}
        for c in d["curves"].values():
            e = np.array(c["e"])
            assert e.shape == (len(sig), 2) and (e >= 0).all()
            assert np.allclose(c["E"], e.mean(axis=1), rtol=0, atol=0)
            assert len(c["local_slopes"]) == len(sig) - 1


def test_fixed_protocol_reuses_inits():
    # fixed protocol at a single sigma equals the resampled one when both use the same pool
    X = E.make_dataset("moons", 40, seed=1)
    pool = E._pool(X, 3, np.random.default_rng(0), 2)
    a = E.run_curve(X, [0.1, 0.01], [pool, pool], alpha=1.5, max_iter=200)
    b = E.run_curve(X, [0.01], [pool], alpha=1.5, max_iter=200)
    assert a["e"][1] == b["e"][0]


def test_traced_soft_lloyd_matches_soft_lloyd():
    # same kernel, same stopping rule: bitwise-identical centroids and iteration count
    from kmrbf.numerics import soft_lloyd
    X = E.make_dataset("circles", 60, seed=2)
    M0 = E.forgy_init(X, 3, np.random.default_rng(5))
    for sigma, alpha in ((0.3, 1.0), (0.05, 1.5), (1e-3, 1.0)):
        ref = soft_lloyd(X, M0, sigma, alpha=alpha, max_iter=500, tol=E.SOFT_TOL)
        M, n, ok, sh = E.traced_soft_lloyd(X, M0, sigma, alpha=alpha, max_iter=500)
        assert np.array_equal(M, ref.centroids) and n == ref.n_iter and ok == ref.converged
        assert sh[-1] == ref.shift and len(sh) == min(3, n)


def test_stopping_error_bound_geometric():
    # shifts rho^t exactly: bound = delta_n rho / (1 - rho) is the geometric tail
    for rho in (0.1, 0.5, 0.99):
        sh = [rho ** t for t in (10, 11, 12)]
        r, eps = E.stopping_error_bound(sh)
        assert math.isclose(r, rho, rel_tol=1e-12)
        assert math.isclose(eps, rho ** 13 / (1 - rho), rel_tol=1e-10)
    assert E.stopping_error_bound([1.0, 2.0, 1.0])[1] == math.inf      # a growing step: not verified


def test_nonconverged_runs_excluded():
    # max_iter = 1 at a slow sigma: nothing converges, every run is excluded and counted
    X = E.make_dataset("moons", 40, seed=1)
    pool = E._pool(X, 3, np.random.default_rng(0), 3)
    c = E.run_curve(X, [0.5], [pool], alpha=1.0, max_iter=1)
    assert c["nonconverged"] == 3 and c["n_used"] == [0] and c["E"] == [None]
    assert c["floor"] == [math.inf] and E.resolved_run(c["E"], c["floor"]) == -1


# ------------------------------------------------------------------ slope uncertainty rules
def _synthetic(law, sigmas, n_seeds, noise, seed):
    """e[j, s] = law(sigma_j) (1 + noise z), z ~ N(0, 1), independent per point and seed."""
    rng = np.random.default_rng(seed)
    base = np.array([law(s) for s in sigmas])[:, None]
    return base * (1.0 + noise * rng.standard_normal((len(sigmas), n_seeds)))


_SIG = E.sigma_grid(1.0, 1e-2, 4)


@pytest.mark.parametrize("protocol", ["resampled", "fixed"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_near_one_rule_accepts_slope_one_rejects_two(protocol, seed):
    from kmrbf.claims.discrepancy import boot_indices, near_one_rule
    # 1 % noise on 8 seeds: se(log E) ~ 0.0035 per point, chord slope over 3 steps (0.58 in
    # log sigma) has se ~ 0.01: the 95 % interval is ~ +-0.03, far from 0 and 2, and misses 1
    # for slope 2 by ~ 30 half-widths; slope 1 lies inside unless a 1-in-20 event (seeds fixed)
    S = 8
    u = np.ones((len(_SIG), S), bool)
    floor = [1e-12] * len(_SIG)
    boot = boot_indices(S, [seed, 9])
    for beta, verdict in ((1.0, "yes"), (2.0, "no")):
        e = _synthetic(lambda s: 0.3 * s ** beta, _SIG, S, 0.01, seed)
        r = near_one_rule(_SIG, e, u, floor, protocol=protocol, boot=boot)
        assert r["verdict"] == verdict, r
        assert r["window"] == [len(_SIG) - 4, len(_SIG) - 1]
        assert r["lo"] <= beta <= r["hi"] or protocol == "fixed"


def test_near_one_rule_noisy_is_unresolved():
    from kmrbf.claims.discrepancy import near_one_rule
    # 100 % noise on 3 seeds: the interval cannot separate 1 from 0 or 2
    e = np.abs(_synthetic(lambda s: s, _SIG, 3, 1.0, 4)) + 1e-3
    r = near_one_rule(_SIG, e, np.ones(e.shape, bool), [1e-12] * len(_SIG), protocol="resampled")
    assert r["verdict"] == "unresolved" and (r["lo"] <= 0.0 or r["hi"] >= 2.0), r


def test_near_one_rule_floor_window():
    from kmrbf.claims.discrepancy import near_one_rule
    # points after the first E <= floor are ignored; the window ends at the last resolved one
    e = np.array([_SIG[j] * np.ones(4) if j < 5 else np.zeros(4) for j in range(len(_SIG))])
    r = near_one_rule(_SIG, e, np.ones(e.shape, bool), [1e-9] * len(_SIG), protocol="resampled")
    assert r["window"] == [1, 4] and abs(r["est"] - 1.0) < 1e-12 and r["verdict"] == "yes"


@pytest.mark.parametrize("protocol", ["resampled", "fixed"])
def test_growth_rule(protocol):
    from kmrbf.claims.discrepancy import boot_indices, growth_rule
    S = 8
    u = np.ones((len(_SIG), S), bool)
    floor = [1e-14] * len(_SIG)
    boot = boot_indices(S, [3, 9])
    # exp(-c/sigma): exact local slopes c (1/s_{j+1} - 1/s_j)/log(ratio) increase geometrically;
    # E reaches 1e-14 near sigma = 0.05 (c = 1.5); 1 % noise -> slope se ~ 0.02, steps ~ 0.4 beta
    grow = _synthetic(lambda s: math.exp(-1.5 / s), _SIG, S, 0.01, 1)
    r = growth_rule(_SIG, grow, u, floor, protocol=protocol, boot=boot)
    assert r["verdict"] == "yes" and r["binding"]["j"] == r["L"] - 1, r["binding"]
    # a power law: all slopes equal -> the last does not exceed the others significantly
    flat = _synthetic(lambda s: s ** 2, _SIG, S, 0.01, 1)
    r = growth_rule(_SIG, flat, u, floor, protocol=protocol, boot=boot)
    assert r["verdict"] == "no" and r["binding"]["lo"] <= 0.0
    # a slope that grows and then saturates (E ~ exp(-c/(sigma + s0)): slope -> 0 as sigma -> 0)
    sat = _synthetic(lambda s: math.exp(-1.0 / (s + 0.05)), _SIG, S, 0.01, 1)
    assert growth_rule(_SIG, sat, u, floor, protocol=protocol, boot=boot)["verdict"] == "no"
    # one resolved slope only
    one = np.vstack([np.ones((2, S)), np.zeros((len(_SIG) - 2, S))])
    assert growth_rule(_SIG, one, u, floor, protocol=protocol, boot=boot)["verdict"] == "unresolved"


def test_interval_widened_by_floor():
    # exact data (no seed spread): the interval is the floor's worst case, sum |c_j| (-log(1 - f_j/E_j))
    e = np.array([[1.0, 1.0], [0.1, 0.1]])
    c = [1 / math.log(10), -1 / math.log(10)]
    est, lo, hi = E.log_linear_interval(c, e, np.ones(e.shape, bool), [0.0, 0.05], protocol="resampled")
    w = -math.log1p(-0.5) / math.log(10)
    assert math.isclose(est, 1.0) and math.isclose(hi - est, w) and math.isclose(est - lo, w)
    assert E.log_linear_interval(c, e, np.ones(e.shape, bool), [0.0, 0.1], protocol="resampled")[1] == -math.inf


# ------------------------------------------------------------------ benchmark
def test_fit_exponents_recovers_known():
    rows = [{"n": n, "k": k, "d": d, "method": "m", "seconds": 3e-9 * n ** 1.0 * k ** 2 * d ** 0.7}
            for n in (100, 400) for k in (2, 8) for d in (4, 16)]
    f = fit_exponents(rows)["m"]
    assert abs(f["n"] - 1) < 1e-9 and abs(f["k"] - 2) < 1e-9 and abs(f["d"] - 0.7) < 1e-9


def test_s53_rule_can_fail():
    good = {m: {"n": 1.0, "k": 1.0, "d": 1.0} for m in ("lloyd", "softmax", "entmax15")}
    assert all(h for _, h in s53_rule(good, 0.2, (8, 32)))
    bad = {**good, "softmax": {"n": 2.0, "k": 1.0, "d": 1.0}}
    assert [r for r, h in s53_rule(bad, 0.2, (8, 32)) if not h] == [
        "softmax: exponent in N within [0.8, 1.2]"]
    assert not all(h for _, h in s53_rule(good, 1.5, (8, 32)))


def test_run_bench_tiny():
    rows = run_bench([50, 100], [2], [3], repeat=1)
    assert len(rows) == 8 and all(r["seconds"] >= 0 for r in rows)


def test_peak_memory_is_chunked():
    m = peak_memory(8192, 8, 16, chunk_size=1024)
    assert m["peak_bytes"] < m["nkd_bytes"] / 4


def test_bench_cli(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["bench", "--n", "200", "400", "--k", "2", "4", "--d", "2", "--repeat", "1",
                 "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert {"timings", "exponents", "memory"} <= set(doc)
    assert "fitted exponents" in capsys.readouterr().out


# ------------------------------------------------------------------ evidence
@pytest.mark.parametrize("cid", ["KR-S43", "KR-S53"])
def test_evidence_runs(cid, tmp_path):
    ctx = RunContext(Profile("tiny", max_examples=5, derandomize=True, scale=0.2), tmp_path)
    res = run_claim(cid, ctx)
    assert res.results and all(r.status in ("passed", "failed", "conditional") for r in res.results), \
        [(r.name, r.status, r.summary) for r in res.results]
    if cid == "KR-S43":
        assert (tmp_path / "kr_s43_discrepancy.pdf").exists()
        mono = next(r for r in res.results if r.name == "monotone-decrease")
        runs = mono.data["runs"]
        assert runs and all(v["nonconverged"] >= 0 and len(v["n_used"]) == len(v["E"]) for v in runs.values())
        assert "non-conv./not contr." in mono.tables[0].columns
        for name in ("entmax-slope-near-1", "softmax-slope-grows"):
            r = next(r for r in res.results if r.name == name)
            assert set(r.data["rule"]) and all(v["verdict"] in ("yes", "no", "unresolved")
                                                for v in r.data["rule"].values())
            json.dumps(r.data, allow_nan=False)
    if cid == "KR-S53":
        sp = next(r for r in res.results if r.name == "sparsity-accumulation")
        nnz = sp.data["nnz_fraction"]
        assert sp.examples == len(nnz) == len(sp.tables[0].rows) > 0
        # 1/K (one-hot rows) <= nnz <= 1, and sigma = 0.1 g is mostly one-hot
        assert all(1 / r["k"] <= r["nnz_fraction"] <= 1 for r in sp.data["timings"])
        assert any(r["nnz_fraction"] < 0.5 for r in sp.data["timings"])


# ------------------------------------------------------------------ KR-S53 sparsity
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
    u = 2.0 ** -53
    gamma = n * u / (1 - n * u)
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


def _row(nnz, acc_ratio, it_ratio, k=8):
    return dict(n=100, k=k, d=4, sigma=1.0, sigma_factor=1.0, nnz_fraction=nnz, lloyd=1.0,
                acc_dense=1.0, acc_sparse=acc_ratio, acc_sparse_build=acc_ratio, entmax_sparse=it_ratio)


def test_compare_margins():
    assert [compare(r, 1.0) for r in (FASTER * 0.99, FASTER, 1.0, SLOWER, SLOWER * 1.01)] == [
        "faster", "tie", "tie", "tie", "slower"]


def test_sparsity_rule_statuses():
    assert sparsity_rule([_row(0.1, 0.5, 0.5), _row(0.2, 0.7, 0.6)])["status"] == "passed"
    r = sparsity_rule([_row(0.1, 0.5, 0.5), _row(0.9, 2.0, 1.0)])
    assert r["status"] == "conditional" and "nnz fraction <= 0.100" in r["condition"]
    assert r["pays"] == {(100, 8, 4): [0.1, 0.9]}
    # a tie (0.8 <= ratio <= 1.25) is not faster: statement (ii) never holds -> failed
    r = sparsity_rule([_row(0.1, 0.5, 0.9), _row(0.9, 2.0, 3.0)])
    assert r["status"] == "failed" and r["counterexample"].startswith(
        "entmax-1.5 (sparse) iteration faster than Lloyd nowhere; best case N=100, K=8, D=4")
    assert "nnz fraction 0.100" in r["counterexample"]


def test_run_sparsity_bench_tiny():
    rows = run_sparsity_bench([300], [3], [2], [0.1, 4.0], repeat=1)
    assert len(rows) == 2 and rows[0]["nnz_fraction"] < rows[1]["nnz_fraction"]
    assert all(r[c] > 0 for r in rows for c in ("acc_dense", "acc_sparse", "lloyd", "entmax_sparse"))


def test_bench_sparsity_cli(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["bench", "--sparsity", "--n", "200", "--k", "3", "--d", "2", "--repeat", "1",
                 "--sigma-factors", "0.1", "2", "--json", str(out)]) == 0
    assert len(json.loads(out.read_text())["sparsity"]) == 2
    assert "entmax-sparse/lloyd" in capsys.readouterr().out
