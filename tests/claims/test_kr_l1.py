"""kmrbf.claims.kr_l1: Lemma 1's checks, and the factor convention kept apart from the paper's obligations.

A deliberately broken finding (the no-1/2 convention) must not change what the paper-role evidence
decides: the verdict stays 'verified' and the failure is a testbed error.
"""

from __future__ import annotations

import dataclasses
import numpy as np
import sympy as sp

from kmrbf.claims import evidence_for
from kmrbf.claims.kr_l1 import check_lemma1
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence
from kmrbf.theory import gradient
from kmrbf.theory.obligations import Identity
from kmrbf.verdict import aggregate_verdict, testbed_errors

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def test_lemma1_check_on_a_hand_problem():
    X = np.array([[0.0], [2.0]])
    check_lemma1((X, np.array([1.0, 3.0]), np.array([5.0])), 1.0)    # eta = 1/S: one step to 1.5


def test_a_broken_convention_finding_leaves_the_paper_status(monkeypatch, tmp_path):
    x = sp.Symbol("x", real=True)
    monkeypatch.setattr(gradient, "_no_half_obligations",
                        lambda weighted: [Identity("broken finding", x, x + 1, points=[{x: sp.Integer(0)}])])
    gradient.kr_l1_convention.cache_clear()
    try:
        ctx = RunContext(profile=_DEV, out_dir=tmp_path)
        results = [run_evidence(e, ctx) for e in evidence_for("KR-L1") if e.kind == "symbolic"]
        by_role = {r.role: r.status for r in results}
        assert by_role == {"paper": "passed", "sharper": "failed"}
        assert aggregate_verdict(results)[0] == "verified" and testbed_errors(results)
    finally:
        gradient.kr_l1_convention.cache_clear()
