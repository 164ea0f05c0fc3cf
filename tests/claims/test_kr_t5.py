"""kmrbf.claims.kr_t5: the exactness threshold (alpha-1) t^(alpha-1) g is attained in float64, the softmax
bounds are attained as sigma -> 0; a moved threshold or a loosened bound is caught."""

from __future__ import annotations

import dataclasses

import pytest

from kmrbf.claims import evidence_for, kr_t5
from kmrbf.claims.kr_t5 import exact_threshold
from kmrbf.evidence.concentration import concentration_bounds
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def _run(name, tmp_path):
    ev = {e.name: e for e in evidence_for("KR-T5")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


def test_threshold_by_hand():
    assert exact_threshold(1.5, 1, 2.0) == 1.0 and exact_threshold(3.0, 4, 0.5) == 2 * 4**2 * 0.5


def test_threshold_measured_passes(tmp_path):
    res = _run("threshold-measured", tmp_path)
    assert res.status == "passed", res.counterexample
    assert res.data["worst_deviation_in_bands"] <= 1


@pytest.mark.parametrize("name,changed", [
    ("exact_threshold", lambda a, t, g: 0.9 * exact_threshold(a, t, g)),     # a threshold 10 % too low
    ("concentration_bounds", lambda d, s: tuple(2 * v if i < 2 else v for i, v in enumerate(concentration_bounds(d, s)))),
])
def test_a_moved_threshold_or_loosened_bound_is_caught(monkeypatch, tmp_path, name, changed):
    monkeypatch.setattr(kr_t5, name, changed)
    assert _run("threshold-measured", tmp_path).status == "failed"


def test_a_threshold_too_high_fails_the_sharp_property(monkeypatch, tmp_path):
    monkeypatch.setattr(kr_t5, "exact_threshold", lambda a, t, g: 1.3 * exact_threshold(a, t, g))
    assert _run("float64-sharp-threshold-ties", tmp_path).status == "failed"


def test_a_broken_sharpness_finding_leaves_the_paper_status(monkeypatch, tmp_path):
    import sympy as sp

    from kmrbf.theory import entmax
    from kmrbf.theory.obligations import Identity
    from kmrbf.verdict import aggregate_verdict, testbed_errors

    x = sp.Symbol("x", real=True)
    monkeypatch.setattr(entmax, "_sharp_threshold_obligations",
                        lambda: [Identity("broken finding", x, x + 1, points=[{x: sp.Integer(0)}])])
    entmax.entmax_one_hot_sharp.cache_clear()
    try:
        ctx = RunContext(profile=_DEV, out_dir=tmp_path)
        results = [run_evidence(e, ctx) for e in evidence_for("KR-T5") if e.kind == "symbolic"]
        assert [(r.role, r.status) for r in results] == [("paper", "passed"), ("sharper", "failed")]
        assert aggregate_verdict(results)[0] == "verified" and testbed_errors(results)
    finally:
        entmax.entmax_one_hot_sharp.cache_clear()


# ---------------------------------------------------------------------------- mutation-testing gaps
@pytest.mark.parametrize("which", [0, 1])   # 0: the bound on T ("on"), 1: the bound off T ("off")
def test_a_bound_off_by_one_part_in_a_billion_is_caught(monkeypatch, tmp_path, which):
    """Each softmax row compares measured/bound with the prediction within the rounding band (~1e-14 relative),
    not a looser constant: either bound moved by 1e-9 relative already fails."""
    monkeypatch.setattr(kr_t5, "concentration_bounds",
                        lambda d, s: tuple((1 + 1e-9) * v if i == which else v
                                           for i, v in enumerate(concentration_bounds(d, s))))
    res = _run("threshold-measured", tmp_path)
    assert res.status == "failed"
    assert ("p_off / (eps/t)" if which else "|p_tie - 1/t|") in res.counterexample


def test_ties_demand_exact_zeros_for_every_alpha_above_one(monkeypatch):
    """For alpha in (1, 2] as for alpha > 2 the off-tie entries must be exactly 0 below the threshold: a mass of
    1e-300 (far inside the softmax bound) is reported."""
    import numpy as np

    d = np.array([0.0, 0.0, 1.0])
    orig = kr_t5._entmax
    kr_t5.t5_ties((d, 2, 1.0), 1.5, 0.5)
    monkeypatch.setattr(kr_t5, "_entmax", lambda z, a: orig(z, a) + np.where(z < z.max(), 1e-300, 0.0))
    for alpha in (1.25, 1.5, 2.0, 3.0):
        with pytest.raises(AssertionError, match="off-tie mass"):
            kr_t5.t5_ties((d, 2, 1.0), alpha, 0.5)


def test_near_ties_draw_softmax_as_the_summary_states(monkeypatch):
    """The strategy summary says alpha in {1, 1.25, 1.5, 2, 3}: the alpha strategy reaches 1 (softmax)."""
    from hypothesis import find, settings

    from kmrbf.evidence import EvidenceResult, collect

    seen = {}
    monkeypatch.setattr(collect, "run_property",
                        lambda check, strategies, ctx, examples=(): seen.update(strategies) or EvidenceResult("passed"))
    ev = {e.name: e for e in evidence_for("KR-T5")}["float64-near-ties"]
    ev.run(RunContext(profile=_DEV, out_dir=None))
    s = settings(derandomize=True, database=None, max_examples=200)
    assert "alpha in {1, 1.25, 1.5, 2, 3}" in ev.run(RunContext(profile=_DEV, out_dir=None)).data["strategy"]
    assert find(seen["alpha"], lambda a: a == 1.0, settings=s) == 1.0
