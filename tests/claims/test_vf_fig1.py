"""kmrbf.claims.vf_fig1: the free-energy trace evidence, its mpmath re-evaluation, and its rounding tolerance.

Tolerance of the free energy: the bound e_t of :func:`~kmrbf.claims.vf_fig1.fig1_tolerance`
(Higham's summation bound over the 3NK terms), checked here against the mpmath free energy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kmrbf.numerics import sq_distances
from kmrbf.numerics.fuzzy._kernels import _consistent_log, _free_energy_log

from kmrbf.claims import evidence_for
from kmrbf.claims.vf_fig1 import fig1_datasets, fig1_tolerance, mp_free_energy
from kmrbf.evidence import RunContext
from kmrbf.evidence.roundoff import U
from kmrbf.evidence.strategies import instances
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim, run_evidence


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


def test_fig1_datasets_follow_the_profile():
    ci = fig1_datasets(get_profile("ci"))
    assert list(ci) == [f"blobs(seed={get_profile('ci').seed + s})" for s in range(2)] + ["iris", "wine",
                                                                                         "breast_cancer"]
    assert [k for _, k in ci.values()] == [4, 4, 3, 3, 2]
    X, _ = ci["iris"]
    assert abs(X.mean()) < 1e-12
    assert "digits" in fig1_datasets(get_profile("thorough"))


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
