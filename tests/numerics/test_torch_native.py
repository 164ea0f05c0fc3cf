"""The torch-native kernels of :mod:`kmrbf.numerics.torch_native` against the array-API reference.

The torch-native kernels run the reference's operations in the reference's order, so on the
same tensors they give the **same bits** as the reference kernels run on torch (S, T,
distances, labels, responsibilities); ``W``, ``F0``, ``G`` are summed in another fixed order
and are compared with a rounding bound.  Besides: the error bound against the mpmath
oracle, the NumPy path on the same data, adversarial inputs (ties, coincident centroids,
far offsets, subnormal and huge sigma, -inf logits, K = 1, clusters whose responsibilities
underflow), the reruns when a plan does not suffice, determinism (runs, thread counts), no
host synchronisation inside the chunk loops (counted), and memory (peak RSS).
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import kmrbf.numerics as kn  # noqa: E402
from kmrbf.evidence.roundoff import U, gamma  # noqa: E402
from kmrbf.evidence.strategies import instances, logit_matrices, sigmas  # noqa: E402
from kmrbf.numerics import oracles as O  # noqa: E402
from kmrbf.numerics._compat import array_namespace  # noqa: E402
from kmrbf.numerics._kernels import (  # noqa: E402
    _entmax15_base,
    _hard_stats,
    _max_abs,
    _means_keep_empty,
    _over,
    _shifted_soft_stats,
    _soft_stats_reference,
    _sparsemax_base,
    _sq_distances,
)
from kmrbf.numerics.torch_native import _kernels as tk  # noqa: E402

ALPHAS = [1.0, 1.5, 2.0, 1.25, 1.05, 3.0]
SYNC_METHODS = ("item", "tolist", "nonzero", "cpu", "numpy", "__bool__", "__float__", "__int__",
                "__index__")


#: The devices the bit-for-bit, bound and determinism tests run on: the CPU, and a CUDA
#: device where torch sees one (benchmarks/gpu.sh runs this module on a lent GPU).
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
on_devices = pytest.mark.parametrize("device", DEVICES)


def _t(a, device="cpu"):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)).to(device)


def _data(n, d, k, seed=0, offset=0.0, scale=1.0, device="cpu"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * scale + offset
    return _t(X, device), _t(X[rng.choice(n, size=k, replace=False)] + 0.01 * scale, device)


def _reference_centroids(X, M, sigma, alpha, chunk):
    """The reference's soft-centroid step on torch: one-pass statistics, the per-cluster
    shifted statistics for clusters below the underflow guard, empty clusters kept."""
    xp = array_namespace(X)
    S, T, _, _, _ = _soft_stats_reference(X, M, sigma, alpha, xp, chunk)
    s = _max_abs(X, xp)
    scale = min(1.0, s) if s > 0.0 else 1.0
    weak = S * scale < float(X.shape[0]) * tk.UNDERFLOW_GUARD
    if bool(xp.any(weak)):
        S2, T2 = _shifted_soft_stats(X, M, sigma, alpha, xp, chunk)
        S = xp.where(weak, S2, S)
        T = xp.where(weak[:, None], T2, T)
    return _means_keep_empty(S, T, M, xp)


def _sum_bound(terms_abs_sum, n):
    """|two sums of the same n terms in different orders| <= 2 gamma(n) sum |terms|."""
    return 2 * gamma(n) * terms_abs_sum


def _assert_stats_match_reference(X, M, sigma, alpha, chunk):
    xp = array_namespace(X)
    Sr, Tr, Wr, F0r, Gr = _soft_stats_reference(X, M, sigma, alpha, xp, chunk)
    S, T, W, F0, G = tk._soft_stats_torch(X, M, sigma, alpha, chunk)
    assert torch.equal(S, Sr) and torch.equal(T, Tr), (alpha, (S - Sr).abs().max(), (T - Tr).abs().max())
    n, k = int(X.shape[0]), int(M.shape[0])
    # W, F0, G: the same per-entry / per-row terms (same bits), summed in another order
    assert abs(float(W) - float(Wr)) <= _sum_bound(float(Wr), n * k)  # terms r d >= 0
    assert abs(float(F0) - float(F0r)) <= _sum_bound(float(F0r), n)  # terms d_i(1) >= 0
    assert (G is None) == (Gr is None) == (alpha != 1.0)
    if G is not None:
        d = _sq_distances(X, M, xp, chunk)
        dmin = torch.amin(d, dim=1)
        # _over: a plain "/ sigma" multiplies by 1/sigma on a GPU (NaN for a subnormal sigma)
        terms = dmin - sigma * torch.log(torch.sum(torch.exp(_over(-(d - dmin[:, None]), sigma, xp)), dim=1))
        assert abs(float(G) - float(Gr)) <= _sum_bound(float(torch.sum(torch.abs(terms))), n)
    return S, T


# ----------------------------------------------------------------------------- the reference's bits

SHAPES = [  # n, d, k, offset, scale: offsets and tiny spreads make cancelling GEMM entries
    (300, 3, 5, 0.0, 1.0), (250, 2, 40, 0.0, 1.0), (200, 1, 7, 0.0, 1.0), (200, 33, 9, 0.0, 1.0),
    (300, 8, 64, 0.0, 1.0), (133, 4, 1, 0.0, 1.0), (250, 3, 6, 1e8, 1.0), (300, 5, 4, -1e12, 1e-3),
    (256, 6, 12, 3.0, 1e-9),
]


@on_devices
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{s[0]}x{s[1]}k{s[2]}o{s[3]:g}" for s in SHAPES])
@pytest.mark.parametrize("chunk", [64, 4096])
def test_distances_are_the_reference_bits(shape, chunk, device):
    n, d, k, offset, scale = shape
    X, M = _data(n, d, k, seed=1, offset=offset, scale=scale, device=device)
    ref = _sq_distances(X, M, array_namespace(X), chunk)
    assert torch.equal(tk._sq_distances_torch(X, M, chunk), ref)
    # the candidate path with one candidate per row (reruns where a row has more flagged
    # entries) and the all-entries path give the same bits
    for rec in (1, 0):
        assert torch.equal(tk._sq_distances_torch(X, M, chunk, tk.Plan(rec, k, 1)), ref)


def test_flagged_entries_exist_where_the_candidates_matter():
    # not vacuous: the offset data has rows with several flagged (recomputed) entries, and a
    # plan with one candidate per row records them (and is revised)
    X, M = _data(450, 3, 6, seed=1, offset=1e8)
    dist = tk.Distances(X, M, 1)
    rec = tk.Records(X.device)
    dist.block(0, 450, rec)
    assert int(rec.flagged) >= 2
    assert rec.revise(tk.Plan(1, 6, 1), 6) == tk.Plan(0 if 2 * int(rec.flagged) >= 6 else int(rec.flagged), 6, 1)


@on_devices
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{s[0]}x{s[1]}k{s[2]}o{s[3]:g}" for s in SHAPES])
def test_soft_stats_are_the_reference_bits(alpha, shape, device):
    n, d, k, offset, scale = shape
    X, M = _data(n, d, k, seed=2, offset=offset, scale=scale, device=device)
    _assert_stats_match_reference(X, M, 0.3 * d * scale * scale, alpha, 128)


@on_devices
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("sigma", [5e-324, 1e-3, 1e300])
def test_extreme_sigmas_are_the_reference_bits(alpha, sigma, device):
    # subnormal sigma: every off-minimum logit is -inf (one-hot rows); 1e300: every logit 0
    X, M = _data(300, 3, 6, seed=3, device=device)
    S, T = _assert_stats_match_reference(X, M, sigma, alpha, 100)
    if sigma == 5e-324:
        Sh, Th, _ = _hard_stats(X, M, array_namespace(X), 100)
        assert torch.equal(S, Sh)
    if sigma == 1e300:
        assert torch.all(torch.abs(S - 300 / 6) <= 4 * gamma(300) * 300 / 6)


@on_devices
@pytest.mark.parametrize("alpha", ALPHAS)
def test_ties_and_coincident_centroids(alpha, device):
    # every point equidistant from two coincident centroids: equal totals; Lloyd: lowest index
    X = _t(np.random.default_rng(7).normal(size=(300, 2)), device)
    M = _t(np.array([[0.5, 0.5], [0.5, 0.5], [9.0, 9.0]]), device)
    S, _ = _assert_stats_match_reference(X, M, 0.01, alpha, 64)
    assert S[0] == S[1]
    _, _, labels, _ = tk._hard_stats_torch(X, M, 64)
    assert set(labels.tolist()) <= {0, 2}


@on_devices
def test_k_equal_one_and_integer_grid_ties(device):
    X = _t(np.arange(12.0).reshape(6, 2), device)
    for alpha in ALPHAS:
        S, T, _, _, _ = tk._soft_stats_torch(X, X[:1], 0.5, alpha, 4)
        assert S.tolist() == [6.0] and torch.equal(T[0], torch.sum(X, dim=0))
    # x = 1 lies halfway between 0 and 2: Lloyd ties go to the lowest index
    S, T, labels, F0 = tk._hard_stats_torch(_t([[0.0], [1.0], [2.0]], device), _t([[0.0], [2.0]], device), 2)
    assert labels.tolist() == [0, 0, 1] and S.tolist() == [2.0, 1.0] and float(F0) == 1.0


@on_devices
@pytest.mark.parametrize("chunk", [64, 4096])
def test_hard_stats_are_the_reference_bits(chunk, device):
    for shape in SHAPES:
        n, d, k, offset, scale = shape
        X, M = _data(n, d, k, seed=4, offset=offset, scale=scale, device=device)
        Sr, Tr, lr = _hard_stats(X, M, array_namespace(X), chunk)
        S, T, labels, F0 = tk._hard_stats_torch(X, M, chunk)
        assert torch.equal(S, Sr) and torch.equal(T, Tr) and torch.equal(labels, lr), shape
        dmin = torch.amin(_sq_distances(X, M, array_namespace(X), chunk), dim=1)
        assert abs(float(F0) - float(torch.sum(dmin))) <= _sum_bound(float(torch.sum(dmin)), n)


# a cluster far from every point: at small sigma all its responsibilities underflow and the
# soft centroid comes from the per-cluster shifted statistics (the reference's audit instance)
FAR_X = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 4.0], [0.3517, -3.5]])
FAR_M = np.array([[8.875, 0.45898438], [-1.875, 0.0]])


@on_devices
@pytest.mark.parametrize("alpha", [1.0, 1.0 + 1e-12, 1.5, 2.0, 1.25])
@pytest.mark.parametrize("sigma", [0.05, 0.0975, 0.5])
def test_soft_centroids_are_the_reference_bits(alpha, sigma, device):
    X, M = _t(FAR_X, device), _t(FAR_M, device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new, n_empty = tk._soft_centroids_torch(X, M, sigma, alpha, 3)
        ref, ref_empty = _reference_centroids(X, M, sigma, alpha, 3)
    assert torch.equal(new, ref) and n_empty == ref_empty
    if alpha == 1.0 and sigma <= 0.0975:  # not vacuous: the far cluster took the shifted route
        S = tk._soft_stats_torch(X, M, sigma, alpha, 3)[0]
        assert float(S[0]) < 4 * tk.UNDERFLOW_GUARD and torch.all(torch.isfinite(new))


@on_devices
@pytest.mark.parametrize("alpha", ALPHAS)
def test_soft_centroids_of_many_blocks_are_the_reference_bits(alpha, device):
    X, M = _data(1000, 4, 7, seed=5, device=device)
    new, n_empty = tk._soft_centroids_torch(X, M, 0.5, alpha, 128)
    ref, ref_empty = _reference_centroids(X, M, 0.5, alpha, 128)
    assert torch.equal(new, ref) and n_empty == ref_empty == 0


# ----------------------------------------------------------------------------- against the oracle

@on_devices
@given(instances(), sigmas(), st.sampled_from([1.0, 1.5, 2.0, 1.25, 1.05]))
@example((np.array([[8.0, -3.25], [-5.25, 6.5]]), np.array([[1.75, -0.5], [-5.0, -8.5]])), 0.109, 1.0)
def test_soft_stats_within_the_oracle_bound(bounds, device, inst, sigma, alpha):
    # one-pass statistics from the kernel's responsibilities r, |r - p| <= dp (the
    # per-entry bound of bounds.resp_abs_bound, p the 50-digit oracle): a sum of N terms
    # in any order is within gamma(N) of its absolute sum (products included), so
    # |S_k - sum p| <= sum dp + gamma(N) sum(p + dp) and |T_kj - sum p x| <= sum dp|x| +
    # gamma(N) sum (p + dp)|x|; the oracle's values rounded to float64 and summed with fsum
    # (exact sum of rounded products) add 3u sum p|x| + u|exact|; underflow adds at most
    # 2**-1074 per r_ik and per product (N K (1 + |x|) 2**-1073 in all)
    X, M = inst
    p, _, dp = bounds.resp_abs_bound(X, M, sigma, alpha)
    S, T, _, _, _ = tk._soft_stats_torch(_t(X, device), _t(M, device), sigma, alpha, 5)
    n = X.shape[0]
    ax = np.abs(X)
    eta = 2.0**-1073 * n * (1 + ax.max())
    S_exact = np.array([math.fsum(p[:, j]) for j in range(p.shape[1])])
    T_exact = np.array([[math.fsum(p[:, j] * X[:, c]) for c in range(X.shape[1])] for j in range(p.shape[1])])
    bS = dp.sum(axis=0) + (gamma(n) + 3 * U) * (p + dp).sum(axis=0) + eta
    bT = dp.T @ ax + (gamma(n) + 3 * U) * ((p + dp).T @ ax) + eta
    bounds.assert_within(S.cpu().numpy(), S_exact, bS, f"S (alpha={alpha}, sigma={sigma})")
    bounds.assert_within(T.cpu().numpy(), T_exact, bT, f"T (alpha={alpha}, sigma={sigma})")


@on_devices
@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
def test_the_numpy_path_agrees_within_the_oracle_bound(bounds, alpha, device):
    # the torch step and the public NumPy step on the NumPy copy (compiled or reference
    # kernels) both take responsibilities within dp of the oracle's p (bounds.resp_abs_bound)
    # and, with every S_k far above the underflow guard, the one-pass route:
    # |mu_kj - exact| <= [sum_i dp_ik (|x_ij| + |mu_kj|) + gamma(N+1) sum_i p_ik (|x_ij| + |mu_kj|)] / S_k
    rng = np.random.default_rng(8)
    Xn = np.concatenate([rng.normal(size=(20, 2)), rng.normal(size=(20, 2)) + 3.0])
    Mn = Xn[[0, 25, 5]] + 0.2
    sigma = 0.8
    exact = bounds.f64(O.mp_soft_centroids(Xn, Mn, sigma, alpha=alpha))
    p, _, dp = bounds.resp_abs_bound(Xn, Mn, sigma, alpha)
    S = p.sum(axis=0)
    assert S.min() > 1.0  # far above the guard: the one-pass route
    mag = np.abs(Xn)[:, None, :] + np.abs(exact)[None, :, :]
    bound = (np.einsum("ik,ikd->kd", dp, mag) + gamma(41) * np.einsum("ik,ikd->kd", p, mag)) / S[:, None]
    new, n_empty = tk._soft_centroids_torch(_t(Xn, device), _t(Mn, device), sigma, alpha, 16)
    assert n_empty == 0
    bounds.assert_within(new.cpu().numpy(), exact, bound, f"torch-native soft centroids (alpha={alpha})")
    bounds.assert_within(kn.soft_centroids(Xn, Mn, sigma, alpha=alpha, chunk_size=16), exact, bound,
                         f"NumPy soft centroids (alpha={alpha})")


# ----------------------------------------------------------------------------- sort rule and bisection

@given(logit_matrices(max_rows=6, max_cols=12), st.sampled_from([0.0, 1e300, -1e300]),
       st.sampled_from([1.5, 2.0]), st.integers(0, 3))
@example(np.array([[0.0, -2.0, -2.0, -2.0 + 1e-12, -1.0, -1.0]]), 0.0, 1.5, 0)
@example(np.array([[0.0, -1.0, -1.0 - 1e-15, -1.0 + 1e-15]]), 0.0, 2.0, 0)
def test_support_from_the_largest_entries_is_the_sort_rule(z, offset, alpha, extra):
    # entmax-1.5 / sparsemax bases from the `sup` largest entries equal the reference's
    # full-sort bases bit for bit whenever no row has more than `sup` candidates
    # x >= -CANDIDATE_BOUND; with fewer, the shortfall is recorded (the pass is rerun)
    zt = _t(z + offset)
    if zt.shape[1] > 1:
        zt[0, -1] = -math.inf  # -inf logits: probability exactly 0
    xp = array_namespace(zt)
    ref = _entmax15_base(zt, xp) if alpha == 1.5 else _sparsemax_base(zt, xp)
    probe = tk.Records(zt.device)
    k = int(zt.shape[1])
    tk._sparse_base(zt, xp, alpha, k, probe)
    need = int(probe.cand)
    sup = max(1, min(k, need + extra))  # every row has its maximum as a candidate
    rec = tk.Records(zt.device)
    assert torch.equal(tk._sparse_base(zt, xp, alpha, sup, rec), ref)
    assert int(rec.cand) == need
    if need > 1:
        short = tk.Records(zt.device)
        tk._sparse_base(zt, xp, alpha, need - 1, short)
        assert short.revise(tk.Plan(1, need - 1, 1), k) == tk.Plan(1, need, 1)


@pytest.mark.parametrize("alpha", [1.05, 1.1, 1.25, 3.0, 7.0])
@pytest.mark.parametrize("k", [1, 2, 64, 700])
def test_bisection_bound_suffices_and_is_not_vacuous(alpha, k):
    # logits that make the bisections long: a row of equal logits, one of spread ones, one
    # with a single tiny gap; the reference stops within bisection_steps in every row
    rng = np.random.default_rng(k)
    z = np.stack([np.zeros(k), -np.abs(rng.normal(size=k)) * 30, np.r_[0.0, np.full(k - 1, -1e-9)][:k]])
    zt = _t(z)
    xp = array_namespace(zt)
    steps = tk.bisection_steps(alpha, k)
    rec = tk.Records(zt.device)
    zero = torch.zeros_like(zt[:, :1])
    p = tk._probabilities(-zt, zero, 1.0, xp, alpha, tk.Plan(1, k, steps), rec)  # z = -(d - 0) / 1
    assert bool(rec.done)
    assert torch.equal(p, kn.entmax_bisect(zt, alpha=alpha))
    if k > 1:  # too few halvings: recorded, and the plan is revised to the reference's cap
        few = tk.Records(zt.device)
        tk._probabilities(-zt, zero, 1.0, xp, alpha, tk.Plan(1, k, 5), few)
        assert not bool(few.done)
        assert few.revise(tk.Plan(1, k, 5), k) == tk.Plan(1, k, 10)
        assert few.revise(tk.Plan(1, k, 1999), k) == tk.Plan(1, k, tk.MAX_HALVINGS)


def _record_plans(monkeypatch):
    """The plans every pass ran under (one per host read after a loop), in order."""
    plans = []
    real_revise = tk.Records.revise

    def revise(self, plan, k):
        plans.append(plan)
        return real_revise(self, plan, k)

    monkeypatch.setattr(tk.Records, "revise", revise)
    return plans


@on_devices
@pytest.mark.parametrize("alpha", [1.5, 2.0, 1.25, 1.05])
def test_insufficient_plans_are_rerun_to_the_reference_bits(monkeypatch, alpha, device):
    # a first plan that cannot suffice (one recompute candidate, two support candidates,
    # three halvings): the loop records it, the pass reruns, the bits are the reference's
    X, M = _data(300, 3, 20, seed=9, offset=1e7, device=device)
    plans = _record_plans(monkeypatch)
    monkeypatch.setattr(tk, "first_plan", lambda *a: tk.Plan(1, 2, 3))
    _assert_stats_match_reference(X, M, 2.0, alpha, 128)
    assert len(plans) >= 2 and plans[0] == tk.Plan(1, 2, 3)
    assert plans[-1].rec != 1 and (alpha in (1.5, 2.0)) == (plans[-1].sup > 2)
    assert (alpha in (1.5, 2.0)) == (plans[-1].steps == 3)


def test_a_subnormal_sigma_plans_its_tied_minima_in_one_pass(monkeypatch):
    # sigma = 5e-324: (alpha - 1) / sigma = inf, and a row's minima have gap 0 * inf = NaN;
    # counted as candidates, three tied minima fit the first plan (no rerun)
    X = _t(np.random.default_rng(7).normal(size=(200, 2)))
    M = _t(np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [9.0, 9.0]]))
    plans = _record_plans(monkeypatch)
    for alpha in (1.5, 2.0):
        plans.clear()
        _assert_stats_match_reference(X, M, 5e-324, alpha, 64)
        assert len(plans) == 1 and plans[0].sup >= 3, plans


# ----------------------------------------------------------------------------- determinism

def _all_outputs(X, M, alphas=ALPHAS):
    out = []
    for alpha in alphas:
        S, T, W, F0, G = tk._soft_stats_torch(X, M, 0.4, alpha, 4000)
        out += [S, T, W, F0] + ([G] if G is not None else [])
    return out + list(tk._hard_stats_torch(X, M, 4000))


@on_devices
def test_bitwise_the_same_twice(device):
    X, M = _data(5000, 5, 9, seed=10, device=device)
    a, b = _all_outputs(X, M), _all_outputs(X, M)
    assert all(torch.equal(u, v) for u, v in zip(a, b))


def test_bitwise_the_same_for_any_thread_count():
    # everything but MKL's GEMM has a fixed reduction order by construction; MKL does not
    # document thread-count invariance (its CNR mode is off), so first check the GEMMs of
    # the kernels' own block shapes (4000 rows; a 1000-row check passed on a 16-core host
    # where the kernels were not invariant), then require the whole kernels to be invariant
    X, M = _data(9000, 5, 9, seed=11)  # blocks of 4000 x 9 = 36000 > 32768: torch's parallel paths
    R = torch.rand(4000, 9, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    before = torch.get_num_threads()
    try:
        runs, gemms = [], []
        for t in (1, 2, 3):
            torch.set_num_threads(t)
            gemms.append((X[:4000] @ M.T, R.T @ X[:4000]))
            runs.append(_all_outputs(X, M, (1.0, 1.5, 2.0, 1.25)))
    finally:
        torch.set_num_threads(before)
    if not all(torch.equal(g[0], gemms[0][0]) and torch.equal(g[1], gemms[0][1]) for g in gemms):
        pytest.skip("this MKL's GEMM depends on the thread count; only run-to-run determinism holds")
    for run in runs[1:]:
        assert all(torch.equal(u, v) for u, v in zip(run, runs[0]))


def test_long_sums_have_a_fixed_order():
    # a full torch reduction above the parallel grain (32768 elements) is split over the
    # threads; _sum1d sums pieces of SERIAL_SUM left to right
    v = torch.rand(300_000, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    before = torch.get_num_threads()
    try:
        sums = []
        for t in (1, 2, 3, 4):
            torch.set_num_threads(t)
            sums.append(tk._sum1d(v))
    finally:
        torch.set_num_threads(before)
    assert all(torch.equal(s, sums[0]) for s in sums)
    assert abs(float(sums[0]) - math.fsum(v.tolist())) <= gamma(300_000) * float(sums[0])


# ----------------------------------------------------------------------------- no host synchronisation

def _count_syncs(monkeypatch, fn):
    counts = {"n": 0}

    def wrap(orig):
        def counted(*a, **kw):
            counts["n"] += 1
            return orig(*a, **kw)
        return counted

    with monkeypatch.context() as m:
        for name in SYNC_METHODS:
            m.setattr(torch.Tensor, name, wrap(getattr(torch.Tensor, name)))
        m.setattr(torch, "nonzero", wrap(torch.nonzero))
        fn()
    return counts["n"]


@pytest.mark.parametrize("alpha", ALPHAS)
def test_no_host_sync_inside_the_chunk_loop(monkeypatch, alpha):
    # the number of host reads does not grow with the number of blocks (10 vs 100): one
    # before the loop (the plan), one after it (the records); the centroid step adds the
    # underflow test, the empty count, and for a weak cluster the shifted pass's records
    X, M = _data(300, 3, 6, seed=12, offset=1e6)
    passes = _record_plans(monkeypatch)
    for chunk in (100, 10):
        for fn, extra in ((lambda: tk._soft_stats_torch(X, M, 0.5, alpha, chunk), 0),
                          (lambda: tk._hard_stats_torch(X, M, chunk), 0),
                          (lambda: tk._soft_centroids_torch(X, M, 0.5, alpha, chunk), 2)):
            passes.clear()
            assert _count_syncs(monkeypatch, fn) == 1 + len(passes) + extra
            assert 1 <= len(passes) <= 3
    Xf, Mf = _t(np.tile(FAR_X, (10, 1))), _t(FAR_M)
    for chunk in (20, 2):  # the far cluster is weak (entmax: exact zeros): the shifted pass runs
        passes.clear()
        n = _count_syncs(monkeypatch, lambda: tk._soft_centroids_torch(Xf, Mf, 0.05, alpha, chunk))
        assert len(passes) == 2 and n == 1 + len(passes) + 2


def test_the_sync_counter_sees_a_sync(monkeypatch):
    v = torch.ones(3)
    assert _count_syncs(monkeypatch, lambda: (bool(v[0]), v.item() if v.numel() == 1 else v.tolist())) == 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("alpha", ALPHAS)
def test_no_sync_inside_the_loops_on_cuda(alpha):
    X, M = (t.cuda() for t in _data(5000, 8, 33, seed=13, offset=1e4))
    plan = tk.first_plan(X, M, 0.5, alpha, 512)
    rec = tk.Records(X.device)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        out = tk._soft_pass(X, M, 0.5, alpha, 512, plan, rec)
        tk._hard_pass(X, M, 512, plan, rec)
        tk._shifted_pass(X, M, 0.5, alpha, 512, plan, rec)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    # the same operations on the same device: the reference's bits (the reference syncs)
    Sr, Tr, _, _, _ = _soft_stats_reference(X, M, 0.5, alpha, array_namespace(X), 512)
    S, T, _, _, _ = tk._soft_stats_torch(X, M, 0.5, alpha, 512)
    assert torch.equal(S, Sr) and torch.equal(T, Tr)
    if rec.revise(plan, 33) is None:  # the first plan sufficed: the pass above was final
        assert torch.equal(out[0], Sr) and torch.equal(out[1], Tr)


# ----------------------------------------------------------------------------- memory

def _rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
def test_peak_memory_is_a_few_blocks():
    # N x K floats would be 8 N K bytes; the kernels hold a few chunk x K blocks
    import ctypes
    import gc

    X, M = _data(100_000, 2, 64, seed=14)
    tk._soft_stats_torch(X, M, 0.4, 1.5, 512)  # warm up
    nk = 8 * 100_000 * 64  # 51 MB; a block of 512 x 64 floats is 0.26 MB
    for fn in (lambda: tk._soft_stats_torch(X, M, 0.4, 1.0, 512),
               lambda: tk._soft_stats_torch(X, M, 0.4, 1.5, 512),
               lambda: tk._hard_stats_torch(X, M, 512)):
        gc.collect()
        ctypes.CDLL(None).malloc_trim(0)
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # resets the peak resident set (VmHWM)
        except OSError:
            pytest.skip("cannot reset the peak RSS here")
        base = _rss_kib("VmRSS")
        fn()
        peak = (_rss_kib("VmHWM") - base) * 1024
        assert peak < nk / 4, (peak, nk)


# ----------------------------------------------------------------------------- on a CUDA device

cuda_only = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@cuda_only
def test_bitwise_the_same_twice_at_scale_on_cuda():
    # blocks of 65536 x 64: the card's reductions and GEMMs split over many thread blocks;
    # the same launch twice gives the same bits (every alpha, and Lloyd)
    X, M = _data(200_000, 32, 64, seed=15, device="cuda")
    a = [tk._soft_centroids_torch(X, M, 3.2, alpha, 65536)[0] for alpha in (1.0, 1.5, 2.0, 1.25)]
    b = [tk._soft_centroids_torch(X, M, 3.2, alpha, 65536)[0] for alpha in (1.0, 1.5, 2.0, 1.25)]
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    h1, h2 = tk._hard_stats_torch(X, M, 65536), tk._hard_stats_torch(X, M, 65536)
    assert all(torch.equal(u, v) for u, v in zip(h1, h2))


@cuda_only
@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
def test_peak_device_memory_is_a_few_blocks(alpha):
    # N x K floats would be 8 N K bytes (51 MB); blocks of 4096 x 64 floats are 2 MB each
    X, M = _data(100_000, 2, 64, seed=14, device="cuda")
    tk._soft_centroids_torch(X, M, 0.4, alpha, 4096)  # warm up
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    tk._soft_centroids_torch(X, M, 0.4, alpha, 4096)
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - base
    assert 0 < peak < 8 * 100_000 * 64 / 2, peak


def test_a_float_divisor_goes_to_the_device_as_a_tensor():
    # on a GPU torch divides by a host scalar c as x * fl(1/c) (two roundings; 0 * inf = NaN
    # for a subnormal sigma, seen on an H200): off the CPU the kernels divide by a 0-d tensor
    # filled on the device instead (the "meta" device stands in for one here)
    from kmrbf.numerics._kernels import _divisor

    xp = array_namespace(torch.zeros(1))
    c = _divisor(5e-324, torch.empty(3, dtype=torch.float64, device="meta"), xp)
    assert isinstance(c, torch.Tensor) and c.device.type == "meta" and c.shape == () and c.dtype == torch.float64
    assert _divisor(5e-324, torch.zeros(3, dtype=torch.float64), xp) == 5e-324  # the CPU divides exactly
    assert _over(torch.tensor([0.0, 1.0], dtype=torch.float64), 5e-324, xp).tolist() == [0.0, math.inf]


def test_default_blocks_on_an_accelerator_hold_about_2_24_distances():
    from kmrbf.numerics.validation import DEFAULT_CHUNK_SIZE, DEVICE_BLOCK_ENTRIES, check_chunk_size, on_accelerator

    meta = torch.empty(10, 2, device="meta")
    assert on_accelerator(meta) and not on_accelerator(torch.zeros(1)) and not on_accelerator(np.zeros(1))
    assert not on_accelerator(3.0)  # not an array: on no device
    xs = pytest.importorskip("array_api_strict")
    assert not on_accelerator(xs.asarray([1.0], device=xs.Device("device1")))  # simulated: host memory
    assert check_chunk_size(None, meta, 64) == DEVICE_BLOCK_ENTRIES // 64 == 262_144
    assert check_chunk_size(None, meta, 10**6) == DEFAULT_CHUNK_SIZE  # never below the CPU's
    wide = torch.empty(10, 512, device="meta")  # D > K: the block's copies of X count
    assert check_chunk_size(None, wide, 2) == DEVICE_BLOCK_ENTRIES // 512
    assert check_chunk_size(None, torch.zeros(10, 2), 64) == DEFAULT_CHUNK_SIZE
    assert check_chunk_size(100, meta, 64) == 100  # an explicit chunk_size is kept
