"""The registry machinery: verdict rule, property runner, error capture."""

import math

import numpy as np
import pytest
from hypothesis import strategies as st

from kmrbf.profiles import get_profile
from kmrbf.property import property_evidence
from kmrbf.registry import (
    Claim,
    EvidenceResult,
    RunContext,
    _unregister_claim,
    aggregate_verdict,
    all_claims,
    register_claim,
    register_evidence,
    run_claim,
)


@pytest.fixture
def ctx(tmp_path):
    return RunContext(profile=get_profile("ci"), out_dir=tmp_path)


@pytest.fixture
def scratch_claim():
    claim = register_claim(Claim("TEST-X", "KR", "nowhere", "scratch", "s", "p"))
    yield claim
    _unregister_claim(claim.id)


def test_catalogue_has_every_spec_id():
    ids = {c.id for c in all_claims()}
    spec = {"KR-E12", "KR-S32", "KR-T1-liminf", "KR-T1-limsup", "KR-T1-min", "KR-C1", "KR-L1",
            "KR-T2", "KR-T2-grad", "KR-T3", "KR-T4", "KR-T5", "KR-S36-order", "KR-S36-underflow",
            "KR-S43", "KR-S53", "VF-E4", "VF-E10", "VF-S34-anchor", "VF-fixed", "VF-Fig1", "VF-T2"}
    assert spec <= ids


def test_false_bound_is_refuted_with_shrunk_counterexample(scratch_claim, ctx):
    """A deliberately false bound (W - F0 <= N sigma / 10) must be refuted, with the shrunk input shown."""
    from kmrbf import numerics as nx
    from kmrbf.strategies import instances, sigmas

    @property_evidence("TEST-X", "false-bound", strategies={"inst": instances(), "sigma": sigmas()})
    def _false(inst, sigma):
        X, M = inst
        assert nx.W_sigma(X, M, sigma) - nx.F0(X, M) <= X.shape[0] * sigma / 10

    res = run_claim("TEST-X", ctx)
    assert res.verdict == "refuted"
    (ev,) = res.results
    assert ev.status == "failed" and ev.kind == "property"
    # Hypothesis names the shrunk input ("Falsifying example:" / "Failing test case:")
    assert "_false(" in ev.counterexample and "inst=" in ev.counterexample, ev.counterexample
    assert ev.examples >= 1


def test_true_property_passes_and_counts_examples(scratch_claim, ctx):
    @property_evidence("TEST-X", "true", strategies={"x": st.floats(0, 1)})
    def _true(x):
        assert math.isfinite(x)

    res = run_claim("TEST-X", ctx)
    assert res.verdict == "verified"
    assert res.results[0].examples == ctx.profile.max_examples


def test_crashing_evidence_is_an_error_not_a_pass(scratch_claim, ctx):
    @register_evidence("TEST-X", kind="experiment", name="crash")
    def _crash(ctx):
        raise RuntimeError("boom")

    res = run_claim("TEST-X", ctx)
    assert res.verdict == "inconclusive"
    assert res.results[0].status == "error" and "boom" in res.results[0].summary


def test_duplicate_and_unknown_registrations_are_rejected(scratch_claim):
    with pytest.raises(ValueError, match="already registered"):
        register_claim(Claim("TEST-X", "KR", "", "", "", ""))
    with pytest.raises(ValueError, match="NOPE"):
        register_evidence("NOPE", kind="symbolic", name="n")(lambda ctx: None)
    with pytest.raises(ValueError, match="kind="):
        register_evidence("TEST-X", kind="guess", name="n")(lambda ctx: None)


@pytest.mark.parametrize(
    "statuses, verdict",
    [
        ([], "inconclusive"),
        ([("passed", "paper"), ("error", "paper")], "inconclusive"),
        ([("passed", "paper"), ("failed", "sharper")], "verified"),
        ([("conditional", "paper")], "conditional"),
        ([("skipped", "paper")], "inconclusive"),
        ([("passed", "paper"), ("undecided", "paper")], "verified"),
    ],
)
def test_verdict_rule(statuses, verdict):
    results = [EvidenceResult(status=s, role=r) for s, r in statuses]
    assert aggregate_verdict(results)[0] == verdict


def test_evidence_result_roundtrips_through_json():
    from kmrbf.registry import Table

    r = EvidenceResult(status="passed", examples=3, tables=[Table(["a"], [[np.float64(1.0).item()]], "c")])
    assert EvidenceResult.from_dict(r.to_dict()) == r


def test_examples_rejected_by_assume_are_not_counted(scratch_claim, ctx):
    from hypothesis import assume

    @property_evidence("TEST-X", "half-rejected", strategies={"n": st.integers(0, 1000)})
    def _half(n):
        assume(n % 2 == 0)

    res = run_claim("TEST-X", ctx)
    assert res.verdict == "verified"
    assert res.results[0].examples == ctx.profile.max_examples


def test_undecided_property_is_not_a_failure(scratch_claim, ctx):
    from kmrbf.property import Undecided

    @property_evidence("TEST-X", "undecided", strategies={"n": st.integers(0, 10)})
    def _undecided(n):
        if n > 5:
            raise Undecided("ball straddles the bound")

    res = run_claim("TEST-X", ctx)
    assert res.results[0].status == "undecided"
    assert "ball straddles" in res.results[0].summary
    assert res.verdict == "inconclusive"
