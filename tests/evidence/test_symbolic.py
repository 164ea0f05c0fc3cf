"""kmrbf.evidence.symbolic: a SymPy derivation run as evidence."""

from __future__ import annotations

import dataclasses

from kmrbf import theory
from kmrbf.evidence import RunContext
from kmrbf.evidence.symbolic import derivation_evidence, n_points_for
from kmrbf.profiles import get_profile


def test_n_points_scale_with_the_profile(tmp_path):
    ctx = RunContext(profile=get_profile("ci"), out_dir=tmp_path)
    assert n_points_for(ctx) == 5
    tiny = dataclasses.replace(ctx, profile=dataclasses.replace(ctx.profile, scale=0.1))
    assert n_points_for(tiny) == 3


def test_derivation_evidence_carries_status_latex_and_obligations(tmp_path):
    ctx = RunContext(profile=get_profile("ci"), out_dir=tmp_path)
    passed = derivation_evidence(theory.kr_l1, ctx)
    assert passed.status == "passed" and passed.latex and passed.examples > 0
    assert all(o["status"] == "passed" for o in passed.data["obligations"])
    failed = derivation_evidence(theory.vf_e10, ctx)  # eq. 10 is not stationary for eq. 8
    assert failed.status == "failed" and failed.counterexample
