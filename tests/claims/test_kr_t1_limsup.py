"""kmrbf.claims.kr_t1_limsup: the sharp per-point constant W0((K-1)/e), against mpmath and attained; the uniform
bound N(K-1)sigma/e is a worst case (ratio e W0((K-1)/e)/(K-1) at the extremal instance); loosened bounds and
undecided comparisons are caught."""

from __future__ import annotations

import dataclasses
import math

import mpmath
import numpy as np
import pytest

from kmrbf import numerics as nx
from kmrbf.claims import evidence_for, kr_t1_limsup
from kmrbf.claims.kr_t1_limsup import sharp_limsup_bound, sharp_limsup_constant, uniform_limsup_bound
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 10, 100])
def test_sharp_constant_is_lambert_w_and_below_the_paper_constant(k):
    with mpmath.workdps(30):
        exact = float(mpmath.lambertw((k - 1) / mpmath.e).real)
    assert math.isclose(sharp_limsup_constant(k), exact, rel_tol=1e-14, abs_tol=1e-300)
    assert sharp_limsup_constant(k) <= (k - 1) / math.e


@pytest.mark.parametrize("k", [2, 3, 6])
def test_sharp_constant_is_attained_by_equal_gaps(k):
    """K points at 0 (the kernels want K <= N), one centroid at 0, K - 1 at squared distance sigma (1 + c):
    every point's excess is sigma c."""
    sigma, c = 0.5, sharp_limsup_constant(k)
    q = math.sqrt(sigma * (1 + c))
    X = np.zeros((k, 1))
    M = np.array([[0.0]] + [[q]] * (k - 1))
    excess = nx.W_sigma(X, M, sigma) - nx.F0(X, M)
    assert math.isclose(excess / (k * sigma), c, rel_tol=1e-12)
    for g in (0.5, 0.9, 1.1, 2.0):      # any other common gap gives less
        M2 = np.array([[0.0]] + [[math.sqrt(g * sigma * (1 + c))]] * (k - 1))
        assert nx.W_sigma(X, M2, sigma) - nx.F0(X, M2) < excess


# ---------------------------------------------------------------------------- both directions


def _run(name, tmp_path):
    ev = {e.name: e for e in evidence_for("KR-T1-limsup")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


def test_bound_functions():
    assert uniform_limsup_bound(4, 3, 0.5) == 4 * 2 * 0.5 / math.e
    assert sharp_limsup_bound(4, 3, 0.5) == 4 * 0.5 * sharp_limsup_constant(3)


def test_arb_extremal_instance_records_the_uniform_ratio(tmp_path):
    """The sharp constant is attained; the uniform bound's ratio there is e W0((K-1)/e)/(K-1) < 1."""
    res = _run("arb-sharp-constant", tmp_path)
    assert res.status == "passed", res.summary
    assert math.isclose(res.data["uniform_ratio_at_extremal"]["K=2"], math.e * sharp_limsup_constant(2), rel_tol=1e-12)


@pytest.mark.parametrize("name", ["uniform_limsup_bound", "sharp_limsup_bound"])
def test_a_loosened_float_bound_is_caught(monkeypatch, tmp_path, name):
    orig = getattr(kr_t1_limsup, name)
    monkeypatch.setattr(kr_t1_limsup, name, lambda n, k, s: 2 * orig(n, k, s))
    assert _run("sharp-constant-attained", tmp_path).status == "failed"


def test_a_loosened_certified_bound_is_caught(monkeypatch, tmp_path):
    """certify_limsup and the extremal evidence share limsup_bound: doubling it breaks the measured ratio."""
    from kmrbf.numerics import certify

    orig = certify.limsup_bound
    monkeypatch.setattr(certify, "limsup_bound", lambda n, k, s: 2 * orig(n, k, s))
    assert _run("arb-certificates", tmp_path).status == "passed"       # a looser bound is still proved ...
    assert _run("arb-sharp-constant", tmp_path).status == "failed"     # ... but no longer at the right ratio


def test_undecided_comparisons_are_undecided_never_failed_or_passed(monkeypatch, tmp_path):
    from kmrbf.numerics import certify
    from kmrbf.numerics.certify import Decision

    monkeypatch.setattr(certify, "decide_le",
                        lambda compute, name, **kw: Decision(name, "undecided", 64, "?", "?", float("nan")))
    assert _run("arb-sharp-constant", tmp_path).status == "undecided"
    assert _run("arb-certificates", tmp_path).status == "undecided"


# ---------------------------------------------------------------------------- mutation-testing gaps
def test_arb_extremal_instance_covers_the_stated_k_and_summarises_the_largest_ratio(tmp_path):
    """The description says K in {2, 3, 4, 6}; the passing summary names the largest uniform ratio (at K = 2:
    e W0(1/e) = 0.7569, the ratio falls with K)."""
    res = _run("arb-sharp-constant", tmp_path)
    ratios = res.data["uniform_ratio_at_extremal"]
    assert set(ratios) == {"K=2", "K=3", "K=4", "K=6"}
    assert res.summary.startswith("sharp constant W0((K-1)/e) attained") and res.summary.endswith(
        f"(max {ratios['K=2']:.6f}, at K=2)")


def test_sharp_constant_attained_draws_k_up_to_6_as_the_summary_states(monkeypatch):
    from hypothesis import find, settings

    from kmrbf.evidence import EvidenceResult, collect

    seen = {}
    monkeypatch.setattr(collect, "run_property",
                        lambda check, strategies, ctx, examples=(): seen.update(strategies) or EvidenceResult("passed"))
    ev = {e.name: e for e in evidence_for("KR-T1-limsup")}["sharp-constant-attained"]
    assert "K in 2..6" in ev.run(RunContext(profile=_DEV, out_dir=None)).data["strategy"]
    s = settings(derandomize=True, database=None, max_examples=200)
    assert find(seen["k"], lambda k: k >= 6, settings=s) == 6
    assert find(seen["k"], lambda k: k <= 2, settings=s) == 2
