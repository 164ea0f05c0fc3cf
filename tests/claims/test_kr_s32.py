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
