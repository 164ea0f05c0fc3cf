"""kmrbf.claims.kr_s32: the sandwich and concentration bounds, both directions.

The bounds hold on hand instances and are attained where the mathematics says so; a loosened
bound (the mutation the paper-role properties cannot see) makes ``bounds-attained`` fail.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kmrbf import numerics as nx
from kmrbf.claims import evidence_for, kr_s32
from kmrbf.claims.kr_s32 import sandwich_bound
from kmrbf.evidence.concentration import concentration_bounds
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def _run(name, tmp_path):
    ev = {e.name: e for e in evidence_for("KR-S32")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


def test_sandwich_bound_is_sigma_n_log_k_and_attained_by_equidistant_centroids():
    assert sandwich_bound(3, 4, 0.5) == 0.5 * 3 * math.log(4) and sandwich_bound(5, 1, 2.0) == 0.0
    X, M = np.zeros((4, 4)), np.eye(4)   # every d_ik = 1 (K <= N)
    f0, g, w = float(nx.F0(X, M)), float(nx.G_sigma(X, M, 0.5)), float(nx.W_sigma(X, M, 0.5))
    assert math.isclose(f0 - g, sandwich_bound(4, 4, 0.5), rel_tol=1e-14)
    assert math.isclose(w - g, sandwich_bound(4, 4, 0.5), rel_tol=1e-14)


def test_bounds_attained_passes_and_records_the_ratios(tmp_path):
    res = _run("bounds-attained", tmp_path)
    assert res.status == "passed", res.counterexample
    assert abs(res.data["max_ratio"]["(F0-G)/bound"] - 1) < 1e-13


@pytest.mark.parametrize("name,loosened", [
    ("sandwich_bound", lambda n, k, s: 2 * s * n * math.log(k)),
    ("concentration_bounds", lambda d, s: tuple(2 * v if i < 2 else v
                                                for i, v in enumerate(concentration_bounds(d, s)))),
])
def test_a_loosened_bound_is_caught(monkeypatch, tmp_path, name, loosened):
    """The paper-role properties still pass with a doubled bound (it still holds); the other direction fails."""
    monkeypatch.setattr(kr_s32, name, loosened)
    assert _run("bounds-attained", tmp_path).status == "failed"
    assert _run("G-sandwich", tmp_path).status == "passed"


# ---------------------------------------------------------------------------- mutation-testing gaps
def test_sandwich_tolerance_sums_each_points_largest_distance():
    r"""slack over the path's roundings times \sum_i \max_k d_ik + sigma N log K + sigma N: three points,
    two centroids (d = [[0, 1], [4, 1], [9, 4]]: row maxima 1, 4, 9, column maxima 9, 4)."""
    from kmrbf.evidence.roundoff import slack, w_sigma_roundings

    X, M = np.array([[0.0], [2.0], [3.0]]), np.array([[0.0], [1.0]])
    mag = (1 + 4 + 9) + 0.5 * 3 * math.log(2) + 0.5 * 3
    assert kr_s32._sandwich_tol(X, M, 0.5) == slack(w_sigma_roundings(X, M), mag)


def test_concentration_draws_sigma_down_to_1e_3_as_the_summary_states(monkeypatch):
    from hypothesis import find, settings

    from kmrbf.evidence import EvidenceResult, collect

    seen = {}
    monkeypatch.setattr(collect, "run_property",
                        lambda check, strategies, ctx, examples=(): seen.update(strategies) or EvidenceResult("passed"))
    ev = {e.name: e for e in evidence_for("KR-S32")}["concentration-on-argmin"]
    assert "sigma log-uniform in [1e-3, 10]" in ev.run(RunContext(profile=_DEV, out_dir=None)).data["strategy"]
    s = settings(derandomize=True, database=None, max_examples=300)
    assert find(seen["sigma"], lambda v: v <= 1.001e-3, settings=s) <= 1.001e-3
