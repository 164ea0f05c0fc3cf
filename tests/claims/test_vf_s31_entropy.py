"""kmrbf.claims.vf_s31_entropy: the printed entropy term rewards confident assignments (paper evidence fails,
with magnitudes); with the sign reversed it penalises them ('instead' evidence passes).  The float64 tolerance
of the term (entropy_term_tol) is checked against the term evaluated in 50-digit mpmath."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrbf.claims.vf_s31_entropy import confident_costs_more, entropy_term, entropy_term_tol, reversed_sign_costs_more
from kmrbf.evidence import RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


def test_vf_s31_entropy_verdict(tmp_path):
    res = run_claim("VF-S31-entropy", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    assert res.verdict == "refuted" and not res.testbed_errors
    by = {r.name: r for r in res.results}
    assert by["printed-sign"].status == "failed" and by["confident-costs-more"].status == "failed"
    assert "w=[1, 0]" in by["confident-costs-more"].counterexample
    assert "3.46574 at v" in by["confident-costs-more"].summary  # 5 log 2: the magnitude is printed
    assert by["reversed-sign"].status == by["reversed-sign-numeric"].status == "passed"
    assert by["reversed-sign-numeric"].examples >= 50  # the instead property really searched


def test_entropy_term_values():
    assert entropy_term(np.array([1.0, 0.0]), 5.0) == 0.0
    assert math.isclose(entropy_term(np.array([0.5, 0.5]), 5.0), 5 * math.log(2), rel_tol=1e-15)
    assert math.isclose(entropy_term(np.array([0.5, 0.5]), 5.0, +1), -5 * math.log(2), rel_tol=1e-15)


@pytest.mark.filterwarnings("ignore:Using `assume` outside")
def test_both_checks_are_decided_by_the_term(monkeypatch):
    """Neither property is vacuous: flipping the sign of the term flips both outcomes."""
    import kmrbf.claims.vf_s31_entropy as mod

    with pytest.raises(AssertionError, match="rewards confidence"):
        confident_costs_more([1, 0], 16, 5.0)
    reversed_sign_costs_more([3, 1], 8, 2.0)
    original = mod.entropy_term
    monkeypatch.setattr(mod, "entropy_term", lambda u, lam, sign=-1: original(u, lam, -sign))
    confident_costs_more([1, 0], 16, 5.0)  # with the sign reversed the paper's statement holds
    with pytest.raises(AssertionError):
        reversed_sign_costs_more([3, 1], 8, 2.0)


@settings(max_examples=60, deadline=None)
@given(w=st.lists(st.integers(0, 20), min_size=2, max_size=6).filter(lambda w: sum(w) > 0),
       s16=st.integers(0, 16), lam=st.floats(0.01, 10.0))
def test_entropy_term_tol_bounds_the_error(w, s16, lam):
    """|float64 term - exact term at the intended rational point| <= entropy_term_tol (module docstring)."""
    W = sum(w)
    u = np.asarray(w, dtype=np.float64) / W
    v = (1 - s16 / 16) * u + (s16 / 16) / u.size
    with mpmath.workdps(50):
        for x, exact in ((u, [mpmath.mpf(a) / W for a in w]),
                         (v, [(1 - mpmath.mpf(s16) / 16) * mpmath.mpf(a) / W + mpmath.mpf(s16) / 16 / len(w) for a in w])):
            ref = -lam * mpmath.fsum(e * mpmath.log(e) for e in exact if e > 0)
            assert abs(entropy_term(x, lam) - ref) <= entropy_term_tol(x, lam)
