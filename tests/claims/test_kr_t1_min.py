"""kmrbf.claims.kr_t1_min: the bound N(K-1)sigma/e on min W_sigma - min F0 and its measured ratio."""

from __future__ import annotations

import dataclasses
import math

import pytest

from kmrbf.claims import evidence_for, kr_t1_min
from kmrbf.claims.kr_t1_min import min_gap_bound
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def _run(name, tmp_path):
    ev = {e.name: e for e in evidence_for("KR-T1-min")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


def test_min_gap_bound_formula():
    assert min_gap_bound(5, 3, 0.5) == 5 * 2 * 0.5 / math.e


def test_bound_ratio_stays_below_the_sharper_cap(tmp_path):
    """The ratio is recorded and lies in [0, e W0((K-1)/e)/(K-1)] < 1: the paper's constant is a worst case."""
    res = _run("bound-ratio", tmp_path)
    assert res.status == "passed", res.counterexample
    assert 0 < res.data["max_ratio"] < 1


def test_a_tightened_bound_is_caught(monkeypatch, tmp_path):
    """Halving the bound pushes some ratio above the sharper cap: the ratio evidence can fail."""
    monkeypatch.setattr(kr_t1_min, "min_gap_bound", lambda n, k, s: min_gap_bound(n, k, s) / 4)
    assert _run("bound-ratio", tmp_path).status == "failed"


@pytest.mark.parametrize("seed", [_DEV.seed, 12])   # seed 12: the very first draw repeats a point (D = 1, N = 7)
def test_bound_ratio_runs_every_instance_it_draws(tmp_path, seed):
    """max(2, round(4 scale)) instances with distinct points (a draw with a repeated point is redrawn, not the
    end of the loop), three sigmas each."""
    ev = {e.name: e for e in evidence_for("KR-T1-min")}["bound-ratio"]
    res = run_evidence(ev, RunContext(profile=dataclasses.replace(_DEV, seed=seed), out_dir=tmp_path))
    assert res.status == "passed", res.counterexample
    assert res.examples == 3 * max(2, round(4 * _DEV.scale)) == len(res.tables[0].rows)
