"""Variational Fuzzy K-Means (numerics/fuzzy/) and the VF-Fig1 / VF-T2 evidence.

Tolerances: u = 2**-53, gamma_n = n u / (1 - n u).  A log-membership
log u = z - logsumexp(z), z = (c log u_prev - d) / tau, is computed with absolute error at most
gamma_{K+8} (2 max|z| + 1) (each z entry: 3 roundings of terms bounded by max|z|, then the
max-shifted log-sum-exp: K exps and a log) plus the propagated distance error
(16 gamma_{D+2} + 9u) max d / |tau| (numerics/distances.py); the relative error of u is the
absolute error of log u to first order.  Free-energy tolerances are the bound e_t of
kmrbf.claims.vf_fig1 (Higham's summation bound over the 3NK terms).
"""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrbf.claims.vf_fig1 import fig1_tolerance, mp_free_energy
from kmrbf.numerics import sq_distances
from kmrbf.numerics.fuzzy import (
    AnnealedSoftKMeans,
    SoftKMeans,
    VariationalFuzzyKMeans,
    _consistent_log,
    _free_energy_log,
    consistent_log_update,
    free_energy,
    published_log_update,
)
from kmrbf.profiles import get_profile
from kmrbf.registry import RunContext, evidence_for, run_claim, run_evidence
from kmrbf.strategies import instances

U = 2.0**-53


def gamma(n):
    return n * U / (1 - n * U)


X4 = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])


# ---------------------------------------------------------------- parameter validation
@pytest.mark.parametrize("cls, param, value", [
    (VariationalFuzzyKMeans, "n_clusters", 0),
    (VariationalFuzzyKMeans, "n_clusters", 2.5),
    (VariationalFuzzyKMeans, "lambda_e", -1.0),
    (VariationalFuzzyKMeans, "lambda_e", float("nan")),
    (VariationalFuzzyKMeans, "lambda_kl", -0.5),
    (VariationalFuzzyKMeans, "gamma", float("inf")),
    (VariationalFuzzyKMeans, "update", "eq10"),
    (VariationalFuzzyKMeans, "max_iter", 0),
    (VariationalFuzzyKMeans, "tol", -1e-3),
    (VariationalFuzzyKMeans, "init", "random"),
    (VariationalFuzzyKMeans, "random_state", -3),
    (SoftKMeans, "T", 0.0),
    (SoftKMeans, "T", True),
    (AnnealedSoftKMeans, "T_end", -0.5),
    (AnnealedSoftKMeans, "max_iter", "100"),
])
def test_bad_parameter_names_parameter_and_value(cls, param, value):
    est = cls(2, **{param: value}) if param != "n_clusters" else cls(value)
    assert getattr(est, param) is value  # __init__ only stores
    with pytest.raises(ValueError, match=rf"'{param}' parameter of {cls.__name__}.*{param}="):
        est.fit(X4)


def test_published_undefined_at_equal_lambdas_and_bad_data():
    with pytest.raises(ValueError, match="lambda_e == lambda_kl"):
        VariationalFuzzyKMeans(2, lambda_e=0.5, lambda_kl=0.5).fit(X4)
    with pytest.raises(ValueError, match="n_samples=4 should be >= n_clusters=5"):
        VariationalFuzzyKMeans(5).fit(X4)
    with pytest.raises(ValueError, match="init must have shape"):
        VariationalFuzzyKMeans(2, init=np.zeros((3, 2))).fit(X4)


def test_get_set_params_roundtrip():
    est = VariationalFuzzyKMeans(3, update="consistent")
    assert est.get_params()["update"] == "consistent"
    assert est.set_params(gamma=0.0).gamma == 0.0
    with pytest.raises(ValueError, match="'sigma' is not a parameter"):
        est.set_params(sigma=1.0)


# ---------------------------------------------------------------- updates vs mpmath
def _mp_update(D, u_prev, le, lk, *, published):
    tau = le - lk if published else le + lk
    c = -lk / tau if published else lk / tau
    with mpmath.workdps(40):
        out = []
        for drow, prow in zip(D, u_prev):
            w = [mpmath.mpf(float(p)) ** c * mpmath.exp(-mpmath.mpf(float(d)) / tau) for d, p in zip(drow, prow)]
            s = mpmath.fsum(w)
            out.append([float(x / s) for x in w])
    return np.array(out)


@pytest.mark.parametrize("le, lk", [(5.0, 0.5), (1.3, 1.0), (1e-5, 0.5), (2.0, 0.0)])
@pytest.mark.parametrize("published", [True, False])
def test_update_matches_eq10_in_mpmath(le, lk, published):
    rng = np.random.default_rng(7)
    X, M = rng.normal(size=(6, 3)) * 2, rng.normal(size=(3, 3))
    u_prev = rng.dirichlet(np.ones(3), size=6)
    D = np.asarray(sq_distances(X, M))
    # the oracle's d: exact squared distances of the float inputs (mpmath)
    with mpmath.workdps(40):
        Dm = [[float(mpmath.fsum((mpmath.mpf(float(a)) - mpmath.mpf(float(b))) ** 2 for a, b in zip(x, m)))
               for m in M] for x in X]
    upd = published_log_update if published else consistent_log_update
    got = np.exp(upd(D, np.log(u_prev), le, lk))
    want = _mp_update(Dm, u_prev, le, lk, published=published)
    tau = abs(le - lk) if published else le + lk
    c = lk / tau
    zmax = float(np.max(c * np.abs(np.log(u_prev)) + D / tau))
    K, Dd = M.shape[0], X.shape[1]
    # log(u_prev) itself is rounded (relative u), scaled by c
    tol = gamma(K + 8) * (2 * zmax + 1) + (16 * gamma(Dd + 2) + 9 * U) * float(D.max()) / tau \
        + 2 * U * c * float(np.max(np.abs(np.log(u_prev))))
    np.testing.assert_allclose(got, want, rtol=tol, atol=0)


def test_consistent_update_is_the_argmin():
    """Among random simplex points none beats the consistent update on its per-row objective."""
    rng = np.random.default_rng(3)
    D = rng.uniform(0, 10, size=(5, 4))
    lu_prev = np.log(rng.dirichlet(np.ones(4), size=5))
    le, lk = 2.0, 0.7
    lu = consistent_log_update(D, lu_prev, le, lk)

    def row_obj(lr, i):
        return _consistent_log(D[i:i + 1], lr[None, :], lu_prev[i:i + 1], le, lk)

    for i in range(5):
        best = row_obj(lu[i], i)
        for _ in range(200):
            q = np.log(rng.dirichlet(np.ones(4) * 0.5))
            assert row_obj(q, i) >= best - 1e-12 * (1 + abs(best))


# ---------------------------------------------------------------- free energy vs mpmath
@settings(max_examples=25)
@given(inst=instances(max_n=6, max_k=4, max_d=3), seed=st.integers(0, 2**16),
       le=st.floats(1e-3, 10.0), lk=st.floats(0.0, 10.0))
def test_free_energy_matches_mpmath(inst, seed, le, lk):
    X, M = inst
    rng = np.random.default_rng(seed)
    n, k = X.shape[0], M.shape[0]
    lu = np.log(rng.dirichlet(np.ones(k), size=n))
    lp = np.log(rng.dirichlet(np.ones(k), size=n))
    D = np.asarray(sq_distances(X, M))
    got = _free_energy_log(D, lu, lp, le, lk)
    want = float(mp_free_energy(X, M, lu, lp, le, lk))
    assert abs(got - want) <= fig1_tolerance(X, M, lu, lp, le, lk) + 4 * U * abs(want)
    got_c = _consistent_log(D, lu, lp, le, lk)
    want_c = float(mp_free_energy(X, M, lu, lp, le, lk, consistent=True))
    assert abs(got_c - want_c) <= fig1_tolerance(X, M, lu, lp, le, lk) + 4 * U * (abs(want_c) + le * n * math.log(k))


def test_free_energy_conventions():
    X, M = np.array([[0.0], [2.0]]), np.array([[0.0], [2.0]])
    U0 = np.array([[1.0, 0.0], [0.5, 0.5]])
    assert free_energy(X, M, U0, U0, lambda_e=5.0, lambda_kl=0.5) == pytest.approx(2 + 5 * math.log(2), rel=4 * U)
    Up = np.array([[0.5, 0.5], [1.0, 0.0]])  # u > 0 = u_prev: KL is +inf
    assert free_energy(X, M, U0, Up, lambda_e=5.0, lambda_kl=0.5) == math.inf
    assert free_energy(X, M, U0, Up, lambda_e=5.0, lambda_kl=0.0) == pytest.approx(2 + 5 * math.log(2), rel=4 * U)


def test_log_domain_no_overflow_at_tiny_temperature():
    D = np.array([[0.0, 1e3, 2e3]])
    lu = consistent_log_update(D, np.full((1, 3), -math.log(3)), 1e-6, 0.0)
    assert np.all(np.isfinite(lu[:, 0])) and lu[0, 0] == 0.0 and np.exp(lu[0, 1]) == 0.0


# ---------------------------------------------------------------- estimators
def test_estimators_recover_two_blobs():
    M0 = np.array([[0.0, 0.5], [10.0, 0.5]])
    for est in (VariationalFuzzyKMeans(2, init=M0), VariationalFuzzyKMeans(2, update="consistent", init=M0),
                SoftKMeans(2, init=M0), AnnealedSoftKMeans(2, init=M0)):
        est.fit(X4)
        assert est.labels_.tolist() == [0, 0, 1, 1]
        # exact soft leak: far points (squared-distance gap >= 99) carry weight <= e^{-99/tau},
        # tau <= lambda_e + lambda_kl = 5.5, times |x| <= 10.05, for 2 points: <= 21 e^{-18}
        np.testing.assert_allclose(est.cluster_centers_, M0, rtol=0, atol=21 * math.exp(-99 / 5.5))
        np.testing.assert_allclose(est.memberships_.sum(axis=1), 1.0, rtol=8 * U)


def test_annealing_schedule_and_trace_lengths():
    m = VariationalFuzzyKMeans(2, max_iter=30, tol=0.0, init=X4[[0, 2]]).fit(X4)
    assert m.n_iter_ == 30 == len(m.free_energy_) == len(m.lambda_e_)
    np.testing.assert_allclose(m.lambda_e_, 5.0 * np.exp(-0.02 * np.arange(30)), rtol=4 * U)
    assert m.stop_reason_ == "max_iter"


# ---------------------------------------------------------------- registered evidence
@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return RunContext(profile=get_profile("ci"), out_dir=tmp_path_factory.mktemp("vf"))


def test_consistent_property_evidence_passes(ctx):
    ev = next(e for e in evidence_for("VF-Fig1") if e.name == "consistent-objective-monotone")
    res = run_evidence(ev, ctx)
    assert res.status == "passed", res.counterexample


def test_fig1_evidence_runs(ctx):
    res = run_claim("VF-Fig1", ctx)
    assert not [r for r in res.results if r.status == "error"], [r.summary for r in res.results]
    pub = next(r for r in res.results if r.name == "published-free-energy-trace")
    assert (ctx.out_dir / pub.figures[0]).exists()
    if pub.status == "failed":  # the increase is real: re-evaluated in mpmath
        assert pub.data["counterexample_confirmed_in_mpmath"]


def test_t2_evidence_runs(ctx):
    res = run_claim("VF-T2", ctx)
    assert not [r for r in res.results if r.status == "error"], [r.summary for r in res.results]
    r = res.results[0]
    assert r.status in ("passed", "failed", "conditional")
    assert any("not reproduced" in str(row) for row in r.tables[1].rows)


def test_t2_comparison_rule_can_hold_contradict_and_stay_unresolved():
    """The VF-T2 paired t rule: t > t_{0.95,4} holds, t < -t_{1-0.05/m,4} contradicts, else unresolved."""
    from scipy.stats import t as student_t

    from kmrbf.claims.vf_table2 import _compare

    def res(a, b):
        return {"D": {"folds": {"a": [[x, 0.0, 0.0] for x in a], "b": [[x, 0.0, 0.0] for x in b]}}}

    b = [0.5] * 5
    noise = np.array([0.01, -0.01, 0.02, -0.02, 0.0])  # mean 0, sd 0.0158, se 0.00707
    se = float(np.std(noise, ddof=1) / math.sqrt(5))
    t95, t_bonf = student_t.ppf(0.95, 4), student_t.ppf(1 - 0.05 / 15, 4)
    up = (0.5 + noise + 1.01 * t95 * se).tolist()          # t just above 2.13
    down = (0.5 + noise - 1.01 * t_bonf * se).tolist()     # t just below -5.17
    mid = (0.5 + noise - 0.99 * t_bonf * se).tolist()      # t just above -5.17
    assert _compare(res(up, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "holds"
    assert _compare(res(down, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "contradicted"
    assert _compare(res(down, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "contradicted"
    assert _compare(res(mid, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "unresolved"
    assert _compare(res(mid, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "holds"
    assert _compare(res(b, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "unresolved"  # se = 0, d = 0
    assert _compare(res([0.4] * 5, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "contradicted"  # se = 0
    nan = [0.5, 0.5, float("nan"), 0.5, 0.5]
    assert _compare(res(nan, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "unresolved"
