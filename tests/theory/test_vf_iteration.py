"""Tests of :mod:`kmrbf.theory.vf_iteration`: VF-S34-oscill's derivations have their known outcomes.

Known truths: the log-ratio of eq. 10 has slope s = -lambda_kl/(lambda_e - lambda_kl) (-1/9 at the paper's
lambdas, 0 without KL), so the KL term introduces a zig-zag; along lambda_e^(t) = 5 e^{-t/50} the first step
with |s_t| >= 1 is t = 81 (lambda_e^(81) = 0.9894 < 1 = 2 lambda_kl), the temperature turns negative at
t = 116; (instead) the iteration contracts iff lambda_e > 2 lambda_kl, crossing at t = 50 ln 5 = 80.47; the
proximal update has slope b = lambda_kl/(lambda_e + lambda_kl) in [0, 1).
"""

from __future__ import annotations

import math

import pytest
import sympy as sp

from kmrbf.theory import vf_iteration, vfkm

EXPECTED_FAILURES = {"vf_s34_oscill": {vf_iteration.OSC_NO_ZIGZAG, vf_iteration.OSC_MITIGATES, vf_iteration.OSC_STABLE}}
BUILDERS = [vf_iteration.vf_s34_oscill, vf_iteration.vf_s34_oscill_dynamics, vf_iteration.vf_s34_oscill_proximal]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, EXPECTED_FAILURES.get(builder.__name__, set()))


def test_paper_derivation_values():
    D = vf_iteration.vf_s34_oscill()
    assert D.data["slope_at_paper_lambdas"] == "-1/9" and D.data["slope_without_kl"] == "0"
    assert D.data["first_unstable_step"] == 81 and D.data["first_step_with_negative_temperature"] == 116
    assert D.data["largest_abs_slope_step"] == 115
    res = D.run(n_points=1)
    assert "-0.02146" in res.by_name(vf_iteration.OSC_STABLE).counterexample  # 1 - |s_81|
    c = res.derivation.conclusion
    assert "from $t=81$ on" in c and "from $t=116$ on" in c and "(alternating in sign at $t=81$)" in c and "introduces the oscillation" in c


def test_annealed_lambda_e_is_the_schedule():
    assert vf_iteration.annealed_lambda_e(0) == 5
    assert math.isclose(float(vf_iteration.annealed_lambda_e(81)), 5 * math.exp(-0.02 * 81), rel_tol=1e-15)
    assert vf_iteration.ANNEAL_GAMMA == sp.Rational(1, 50) and vf_iteration.FIG1_STEPS == 200


def test_dynamics_crossing_times():
    D = vf_iteration.vf_s34_oscill_dynamics()
    assert math.isclose(float(D.data["t_cross_2lambda_kl"]), 50 * math.log(5), rel_tol=1e-12)
    assert math.isclose(float(D.data["t_temperature_zero"]), 50 * math.log(10), rel_tol=1e-12)
    assert D.data["convergent_rho"] == "Interval.open(0, 1/2)"


def _fresh(builder):
    return builder.__wrapped__().run(n_points=2)


def _fingerprint(res):
    return res.status, [(r.name, r.status, r.counterexample) for r in res.results], res.derivation.conclusion


def test_broken_findings_do_not_change_the_paper_status(monkeypatch):
    before = _fingerprint(_fresh(vf_iteration.vf_s34_oscill))
    monkeypatch.setattr(vf_iteration, "_fixed_point", lambda d1, d2: -(d1 - d2) / (vfkm.le - vfkm.lk))  # wrong
    monkeypatch.setattr(vf_iteration, "_convergent_ratios", lambda: sp.Interval.open(0, 1))  # wrong
    monkeypatch.setattr(vf_iteration, "_affine_map", lambda l, d1, d2: vfkm.lk / vfkm.T * l - (d1 - d2) / vfkm.T)
    monkeypatch.setattr(vf_iteration, "_proximal_fixed_point", lambda d1, d2: (d1 - d2) / vfkm.le)  # wrong sign
    dyn = _fresh(vf_iteration.vf_s34_oscill_dynamics)
    assert {vf_iteration.DYN_FIX, vf_iteration.DYN_COND, vf_iteration.DYN_MAP} <= {r.name for r in dyn.failed}
    assert _fresh(vf_iteration.vf_s34_oscill_proximal).status == "failed"
    assert _fingerprint(_fresh(vf_iteration.vf_s34_oscill)) == before


def test_conclusion_follows_the_computed_schedule(monkeypatch):
    """With lambda_kl = 1/5 the first unstable step is ceil(50 ln(5/0.4)) = 127: the conclusion says so."""
    monkeypatch.setitem(vfkm.PAPER_LAMBDAS, vfkm.lk, sp.Rational(1, 5))
    res = _fresh(vf_iteration.vf_s34_oscill)
    assert res.derivation.data["first_unstable_step"] == math.ceil(50 * math.log(5 / 0.4)) == 127
    assert "from $t=127$ on" in res.derivation.conclusion and r"- \frac{1}{24}" in res.derivation.conclusion
