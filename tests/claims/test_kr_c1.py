"""kmrbf.claims.kr_c1: the hypothesis 'F0 coercive' fails, with a witness that shows the magnitudes."""

from __future__ import annotations

import dataclasses
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrbf.claims import evidence_for
from kmrbf.claims.kr_c1 import c1_coercive
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def test_float_path_to_infinity_keeps_f0_bounded():
    X, M = np.array([[0.0], [1.0], [3.0]]), np.array([[0.0], [2.0]])
    run = settings(max_examples=1, database=None)(given(st.just((X, M)))(c1_coercive))
    with pytest.raises(AssertionError, match="not coercive"):
        run()


def test_exact_witness_fails_the_hypothesis_with_the_values(tmp_path):
    ev = {e.name: e for e in evidence_for("KR-C1")}["exact-witness"]
    res = run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))
    assert res.status == "failed" and "10^j" in res.counterexample
    # every row: F0 along the path equals F0 without the last centroid (the level), at ||M_t|| = 10^300
    for K, level, vals, _ in res.tables[0].rows:
        assert vals.split(", ")[-1] == level
