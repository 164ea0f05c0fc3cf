"""kmrbf.evidence.collect: EvidenceList, the way a claim module declares its evidence."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st

from kmrbf import theory
from kmrbf.evidence import Evidence, EvidenceList, EvidenceResult, RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import run_evidence


@pytest.fixture
def ctx(tmp_path):
    return RunContext(profile=get_profile("ci"), out_dir=tmp_path)


def test_duplicate_names_and_foreign_claims_are_rejected():
    ev = EvidenceList("KR-L1")
    ev.register(kind="experiment", name="n")(lambda ctx: None)
    with pytest.raises(ValueError, match="already declared"):
        ev.register(kind="experiment", name="n")(lambda ctx: None)
    with pytest.raises(ValueError, match="not for claim 'KR-L1'"):
        ev.add(Evidence("KR-T2", "experiment", "m", "paper", "", lambda ctx: None))
    with pytest.raises(ValueError, match="kind="):
        ev.register(kind="guess", name="g")(lambda ctx: None)
    assert [e.name for e in ev] == ["n"] and len(ev) == 1 and "KR-L1" in repr(ev)


def test_property_fraction_scales_examples_and_records_them(ctx):
    ev = EvidenceList("KR-L1")

    @ev.property("scaled", strategies={"x": st.integers(0, 10**6)}, fraction=0.1, minimum=3,
                 strategy_summary="integers")
    def _check(x):
        assert x >= 0

    res = run_evidence(ev[0], ctx)
    expected = max(3, round(0.1 * ctx.profile.max_examples))
    assert res.status == "passed" and res.examples == expected
    assert res.data == {"strategy": "integers", "max_examples": expected}
    assert ev[0].kind == "property" and ev[0].description == ""


def test_property_condition_is_reported(ctx):
    ev = EvidenceList("KR-L1")

    @ev.property("cond", strategies={"x": st.just(1)}, role="condition", condition="x = 1")
    def _check(x):
        """Checks x."""

    res = run_evidence(ev[0], ctx)
    assert (res.status, res.condition, res.role, res.description) == ("passed", "x = 1", "condition", "Checks x.")


def test_derivation_runs_the_sympy_builder(ctx):
    ev = EvidenceList("KR-L1")
    ev.derivation("gd", "paper", theory.kr_l1)
    res = run_evidence(ev[0], ctx)
    assert res.kind == "symbolic" and res.status == "passed" and res.latex and res.data["obligations"]
    assert ev[0].description == theory.kr_l1.__doc__.strip().splitlines()[0].strip()


def test_register_returns_the_function_unchanged():
    ev = EvidenceList("KR-L1")

    def run(ctx):
        return EvidenceResult(status="passed")

    assert ev.register(kind="experiment", name="r")(run) is run
