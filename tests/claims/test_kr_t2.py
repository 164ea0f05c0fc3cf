"""kmrbf.claims.kr_t2: Theorem 2's check, and the factor convention kept apart from the paper's obligations."""

from __future__ import annotations

import dataclasses
import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrbf.claims import evidence_for
from kmrbf.claims.kr_t2 import check_theorem2
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence
from kmrbf.theory import gradient
from kmrbf.theory.obligations import Identity
from kmrbf.verdict import aggregate_verdict, testbed_errors

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def test_theorem2_check_on_a_hand_instance():
    X = np.array([[0.0], [1.0], [10.0], [12.0]])
    inst = (X, np.array([[0.0], [11.0]]))
    settings(max_examples=1, database=None)(given(st.just(inst), st.just([7.0] * 12))(check_theorem2))()


def test_a_broken_convention_finding_leaves_the_paper_status(monkeypatch, tmp_path):
    x = sp.Symbol("x", real=True)
    monkeypatch.setattr(gradient, "_no_half_obligations",
                        lambda weighted: [Identity("broken finding", x, x + 1, points=[{x: sp.Integer(0)}])])
    gradient.kr_t2_convention.cache_clear()
    try:
        ctx = RunContext(profile=_DEV, out_dir=tmp_path)
        results = [run_evidence(e, ctx) for e in evidence_for("KR-T2") if e.kind == "symbolic"]
        assert {r.role: r.status for r in results} == {"paper": "passed", "sharper": "failed"}
        assert aggregate_verdict(results)[0] == "verified" and testbed_errors(results)
    finally:
        gradient.kr_t2_convention.cache_clear()
