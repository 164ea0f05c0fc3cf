"""kmrbf.claims.vf_s34_oscill: under the paper's protocol the KL term makes the membership iteration oscillate
and diverge (paper evidence fails with magnitudes); the derived dynamics and the proximal update pass as
'instead'.  Helpers: the schedule crossing, the float64 and arb iterates, and the zig-zag detector."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from kmrbf import theory
from kmrbf.claims.vf_s34_oscill import (PAPER, arb_log_ratios, first_unstable_step, float64_log_ratios,
                                        oscill_instances, zigzags)
from kmrbf.evidence import RunContext
from kmrbf.numerics.fuzzy import lambda_e_schedule
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run_claim("VF-S34-oscill", RunContext(profile=get_profile("ci"), out_dir=tmp_path_factory.mktemp("osc")))


def test_verdict_and_roles(result):
    assert result.verdict == "refuted" and not result.testbed_errors, result.testbed_errors
    by = {r.name: r for r in result.results}
    assert [by[n].status for n in ("kl-term-and-stability", "exact-instability", "float64-iterates")] == ["failed"] * 3
    assert {by[n].role for n in ("fixed-centroid-dynamics", "proximal-update", "derived-slopes-attained")} == {"instead"}
    assert all(by[n].status == "passed" for n in ("fixed-centroid-dynamics", "proximal-update", "derived-slopes-attained"))


def test_exact_instability_magnitudes(result):
    ev = next(r for r in result.results if r.name == "exact-instability")
    assert ev.data["t0"] == 81 and ev.data["t_negative_temperature"] == 116
    rows = {row[0]: row for row in ev.tables[0].rows}
    for name in ("toy", "iris"):
        assert rows[name][4] == rows[name][1]  # every log-ratio proved alternating and growing for t = 81..115
        assert float(rows[name][5]) > 1e18  # growth factor: prod |s_t|, t = 81..115 (~9e18)
        assert rows[name][7] == "yes"  # the No-KL ablation erases the perturbation
    assert "toy, point 0" in ev.counterexample and "u_1 = 0.8802 (exact)" in ev.counterexample


def test_float64_iterates_zigzag_after_the_crossing(result):
    ev = next(r for r in result.results if r.name == "float64-iterates")
    for row in ev.tables[0].rows:
        assert row[3] > 0 and row[4] > ev.data["t0"]  # zig-zags only after lambda_e^(t) < 2 lambda_kl
        assert row[7] == 0 and row[8] == 0  # No-KL and proximal: none
        assert float(row[5]) > 1e30  # the log-ratios diverge


def test_first_unstable_step_matches_the_derivation():
    t0 = first_unstable_step()
    assert t0 == theory.vf_s34_oscill().data["first_unstable_step"] == 81
    assert lambda_e_schedule(5.0, 0.02, t0) < 1.0 <= lambda_e_schedule(5.0, 0.02, t0 - 1)
    assert first_unstable_step(lambda_e=0.9) == 0 and first_unstable_step(lambda_kl=0.01, steps=10) is None
    for t in (0, 50, 81, 199):  # theory's schedule is the implemented one
        assert math.isclose(float(theory.vf_iteration.annealed_lambda_e(t)), lambda_e_schedule(5.0, 0.02, t),
                            rel_tol=4e-16 * (1 + t))


def test_oscill_instances_follow_the_profile():
    ci = oscill_instances(get_profile("ci"))
    assert list(ci) == ["toy", "iris"] and ci["iris"].shape == (150, 3)
    assert len(oscill_instances(get_profile("thorough"))) == 5


def test_no_kl_float64_iterates_are_the_annealed_softmax():
    D = np.array([[0.0, 1.0], [2.0, 0.5]])
    ell, tol = float64_log_ratios(D, 0.0, steps=5)
    for t in range(1, 6):
        lam = lambda_e_schedule(5.0, 0.02, t - 1)
        assert np.allclose(ell[t, :, 0], -(D[:, 0] - D[:, 1]) / lam, rtol=0, atol=tol[t, :, 0].max() * 4)


def test_zigzag_detector_both_ways():
    grow = np.array([0.0, 1.0, -1.0, 2.0, -3.0, 5.0])[:, None]  # changes 1, -2, 3, -5, 8: alternating, growing
    tol = np.full_like(grow, 1e-3)
    assert zigzags(grow, tol)[:, 0].tolist() == [True, True, True]
    mono = np.cumsum(np.arange(6.0))[:, None]
    assert not zigzags(mono, tol).any()
    noise = (np.array([0, 1, -1, 2, -3, 5.0]) * 1e-6)[:, None]  # alternating and growing, but rounding-sized
    assert not zigzags(noise, tol).any()


def test_arb_iterates_contain_the_float64_ones_before_the_instability():
    D = np.array([[0.0, 1.0]])
    ell, tol = float64_log_ratios(D, PAPER["lambda_kl"], steps=40)
    balls = arb_log_ratios(D, PAPER["lambda_kl"], steps=40, prec=128)
    for t in range(41):
        # float64 error of each step is e_t; before t0 the steps contract (|s_t| < 1), so errors do not accumulate
        # beyond sum_t e_t <= 41 max e_t
        assert abs(float(balls[t][0][0].mid()) - ell[t, 0, 0]) <= 41 * tol.max() + float(balls[t][0][0].rad())
    # the perturbed copy differs by exactly 2^-53 right after t0 (log-ratio of the perturbed iterate)
    pert = arb_log_ratios(D, PAPER["lambda_kl"], steps=3, perturb_at=2, prec=128)
    diff = pert[2][0][0] - balls[2][0][0]
    assert abs(float(diff.mid()) - 2.0**-53) < 1e-30
    assert abs(float((pert[3][0][0] - balls[3][0][0]).mid()) / 2.0**-53
               - float(sp.N(-sp.Rational(1, 2) / (5 * sp.exp(-sp.Rational(2, 50)) - sp.Rational(1, 2))))) < 1e-12
