"""kmrbf.evidence.property: Hypothesis properties run as evidence."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from kmrbf import numerics as nx
from kmrbf.evidence import EvidenceList, RunContext, Undecided
from kmrbf.evidence.strategies import instances, sigmas
from kmrbf.profiles import get_profile
from kmrbf.runner import run_evidence
from kmrbf.verdict import aggregate_verdict


@pytest.fixture
def ctx(tmp_path):
    return RunContext(profile=get_profile("ci"), out_dir=tmp_path)


def _run(ev: EvidenceList, ctx: RunContext):
    results = [run_evidence(e, ctx) for e in ev]
    return results, aggregate_verdict(results)[0]


def test_false_bound_is_refuted_with_shrunk_counterexample(ctx):
    """A deliberately false bound (W - F0 <= N sigma / 10) must be refuted, with the shrunk input shown."""
    ev = EvidenceList("KR-T1-limsup")

    @ev.property("false-bound", strategies={"inst": instances(), "sigma": sigmas()})
    def _false(inst, sigma):
        X, M = inst
        assert nx.W_sigma(X, M, sigma) - nx.F0(X, M) <= X.shape[0] * sigma / 10

    (res,), verdict = _run(ev, ctx)
    assert verdict == "refuted"
    assert res.status == "failed" and res.kind == "property"
    # Hypothesis names the shrunk input ("Falsifying example:" / "Failing test case:")
    assert "_false(" in res.counterexample and "inst=" in res.counterexample, res.counterexample
    assert res.examples >= 1


def test_true_property_passes_and_counts_examples(ctx):
    ev = EvidenceList("KR-L1")

    @ev.property("true", strategies={"x": st.floats(0, 1)})
    def _true(x):
        assert math.isfinite(x)

    (res,), verdict = _run(ev, ctx)
    assert verdict == "verified"
    assert res.examples == ctx.profile.max_examples


def test_examples_rejected_by_assume_are_not_counted(ctx):
    ev = EvidenceList("KR-L1")

    @ev.property("half-rejected", strategies={"n": st.integers(0, 1000)})
    def _half(n):
        assume(n % 2 == 0)

    (res,), verdict = _run(ev, ctx)
    assert verdict == "verified"
    assert res.examples == ctx.profile.max_examples


def test_undecided_property_is_not_a_failure(ctx):
    ev = EvidenceList("KR-L1")

    @ev.property("undecided", strategies={"n": st.integers(0, 10)})
    def _undecided(n):
        if n > 5:
            raise Undecided("ball straddles the bound")

    (res,), verdict = _run(ev, ctx)
    assert res.status == "undecided"
    assert "ball straddles" in res.summary
    assert verdict == "inconclusive"


@pytest.mark.parametrize("broken", [
    "from kmrbf.evidence import no_such_helper",
    "undefined_name + 1",
])
def test_broken_check_is_an_error_not_a_counterexample(ctx, broken):
    """An import or name error is a bug of the evidence: ``error`` (inconclusive), never ``failed``."""
    ev = EvidenceList("KR-L1")

    @ev.property("broken", strategies={"n": st.integers(0, 10)})
    def _broken(n):
        exec(broken, {})

    (res,), verdict = _run(ev, ctx)
    assert res.status == "error" and verdict == "inconclusive", res.summary


def test_run_property_runs_pinned_examples_first(ctx):
    from kmrbf.evidence import run_property

    seen: list[int] = []

    def check(n):
        seen.append(n)
        assert n != -7

    res = run_property(check, {"n": st.integers(0, 10)}, ctx, examples=[{"n": -7}])
    assert res.status == "failed" and seen[0] == -7 and "n=-7" in res.counterexample


def test_every_project_module_is_imported_before_a_property_runs():
    # Hypothesis draws constants from the local modules in sys.modules: the pool must not
    # depend on what ran before, so run_property imports the whole project first
    import sys

    from kmrbf.evidence import property as prop
    from kmrbf.importgraph import module_files

    prop._import_every_project_module()
    assert prop._POOL_READY
    missing = [m for m in module_files() if m not in sys.modules and not m.startswith("kmrbf.torch")]
    assert not missing, missing
