"""kmrbf.claims.kr_t3: Theorem 3's bounds, the leading coefficient and the rate band, on a hand instance.

Instance: cells {0, 1} and {10, 11} on a line, M* = (0.5, 10.5); every gap touching a
cell is 90 (points 1 and 10), so Delta_k = 90 and
c_0 = (10 - 0.5) - (1 - 0.5) = 9, the leading coefficient ||c_0|| / n_0 = 4.5.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pytest

from kmrbf.claims.kr_t3 import leading_coefficient, rate_band, t3_bounds
from kmrbf.evidence.sigma import deviations
from kmrbf.numerics.lloyd_instances import from_partition
from kmrbf.profiles import PROFILES

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


@pytest.fixture(scope="module")
def inst():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    out = from_partition(X, [0, 0, 1, 1])
    assert out is not None and out.delta_k == (Fraction(90), Fraction(90))
    return out


def test_leading_coefficient_by_hand(inst):
    assert leading_coefficient(inst, 0) == 4.5 and leading_coefficient(inst, 1) == 4.5


@pytest.mark.parametrize("sigma", [90 / 5, 90 / 10, 90 / 20])
def test_bounds_hold_and_the_per_cell_one_is_the_sharpest(inst, sigma):
    dev = deviations(inst, sigma)
    b = t3_bounds(inst, sigma)
    assert np.all(dev <= b["per_cell"]) and np.all(b["per_cell"] <= b["instance"] * (1 + 1e-15))
    assert np.all(b["instance"] <= b["global"])


def test_rate_band_contains_the_ratio_and_shrinks_to_one(inst):
    """rho measured in arb (at t = 30 the deviation is 4e-13: float64 would carry 1e-4 relative error)."""
    from flint import arb, ctx

    from kmrbf.numerics.arb import arb_soft_centroids

    widths = []
    for t in (10, 20, 30):
        sigma = Fraction(90, t)
        lo, hi = rate_band(inst, 0, sigma)
        with ctx.workprec(256):
            c0 = arb_soft_centroids(inst.X_exact, inst.M_exact, sigma, prec=256)[0][0]
            rho = (c0 - arb(1) / 2) * arb(t).exp() / arb(leading_coefficient(inst, 0))
        assert arb(lo) < rho < arb(hi), (t, lo, rho.str(10), hi)
        widths.append(hi - lo)
    assert widths[0] > widths[1] > widths[2] and widths[2] < 1e-2   # the band closes on 1 in the limit


def test_rate_band_is_nan_when_the_leading_terms_cancel():
    """Middle cell {-1, 1} between {-11, -10} and {10, 11}: its two points pull with equal gaps
    in opposite directions, so c_1 = -[(-1) + 1] = 0 and the rate is faster than predicted."""
    X = np.array([[-11.0], [-10.0], [-1.0], [1.0], [10.0], [11.0]])
    inst = from_partition(X, [0, 0, 1, 1, 2, 2])
    assert inst is not None
    assert [k for k in range(inst.K) if leading_coefficient(inst, k) == 0] == [1]
    assert all(math.isnan(v) for v in rate_band(inst, 1, Fraction(1)))
    assert not any(math.isnan(v) for v in rate_band(inst, 0, Fraction(1)))


# ---------------------------------------------------------------------------- both directions
def _run(name, tmp_path):
    from kmrbf.claims import evidence_for
    from kmrbf.evidence import RunContext
    from kmrbf.runner import run_evidence

    ev = {e.name: e for e in evidence_for("KR-T3")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


def test_bounds_attained_passes_and_records_the_ratios(tmp_path):
    res = _run("bounds-attained", tmp_path)
    assert res.status == "passed", res.counterexample
    assert res.data["max_ratio"]["dev/instance"] > 1 - 1e-12        # (1-eps)/(1+eps) at sigma = Delta/1000
    assert 0.249 < res.data["max_ratio"]["dev/global"] <= 0.25       # 1/(4(1+eps)): a worst-case constant


def test_a_loosened_certified_bound_is_caught(monkeypatch, tmp_path):
    """certify_t3 and bounds-attained share t3_bound_balls: a doubled bound is still proved, but not attained."""
    from kmrbf.numerics import certify

    orig = certify.t3_bound_balls
    monkeypatch.setattr(certify, "t3_bound_balls",
                        lambda inst, s, k: {key: 2 * v for key, v in orig(inst, s, k).items()})
    assert _run("arb-certificates", tmp_path).status == "passed"
    assert _run("bounds-attained", tmp_path).status == "failed"


def test_a_loosened_float_bound_is_caught(monkeypatch, tmp_path):
    from kmrbf.claims import kr_t3

    monkeypatch.setattr(kr_t3, "t3_bounds", lambda inst, s: {key: 2 * v for key, v in t3_bounds(inst, s).items()})
    assert _run("float64-bounds", tmp_path).status == "passed"
    assert _run("bounds-attained", tmp_path).status == "failed"


def test_an_undecided_global_range_gives_undecided_rows_never_passed():
    """sigma within 2^-200 of Delta/ln 2: at 64 bits the range of the global bound cannot be decided; its rows
    are reported undecided (they used to be silently dropped, so the certificate passed)."""
    from flint import arb, ctx

    from kmrbf.claims.kr_t3 import _fixed_rows
    from kmrbf.numerics.certify import certify_t3

    inst = from_partition(np.array([[0.0], [1.0]]), [0, 1])
    with ctx.workprec(300):
        ln2 = Fraction(arb(2).log().mid().str(90, radius=False))   # ln 2 to 90 digits
    res = certify_t3(inst, inst.delta / ln2, max_prec=64)
    assert res["global_range"].status == "undecided"
    glob = [d for d in res["decisions"] if "2diam" in d.name]
    assert len(glob) == inst.K and all(d.status == "undecided" for d in glob)
    assert _fixed_rows([("pair", inst, Fraction(1), res)])[1] == "undecided"
    # decided at full precision: the range is disproved or proved, never left open
    assert certify_t3(inst, inst.delta / ln2)["global_range"].status in ("proved", "disproved")


# ---------------------------------------------------------------------------- mutation-testing gaps
def test_rate_band_equals_its_closed_form_by_hand(inst):
    r"""Cell 0 of {0, 1} | {10, 11}: the only first-order terms with gap g > Delta_0 = 90 are points 0 and 11
    (g = 110, ||x - mu*_0|| = 0.5 and 10.5), so T = 11 e^{-20/sigma}; A_0 = (K-1)(0.5 + 0.5) + 9.5 + 10.5 = 21,
    E_2 = e^{-90/sigma} A_0, ||c_0|| = 9; b = ((K-1) n_0 + N - n_0) e^{-90/sigma} / n_0 = 2 e^{-90/sigma}."""
    assert float(inst.A()[0]) == 21.0
    for t in (2, 10, 30):
        sigma = Fraction(90, t)
        a = (11 * math.exp(-20 / float(sigma)) + 21 * math.exp(-90 / float(sigma))) / 9
        b = 2 * math.exp(-90 / float(sigma))
        lo, hi = rate_band(inst, 0, sigma)
        assert math.isclose(lo, (1 - a) / (1 + b), rel_tol=1e-13) and math.isclose(hi, (1 + a) / (1 - b), rel_tol=1e-13)


def test_rate_band_upper_end_is_infinite_from_b_equal_one(inst):
    """At e^{-Delta_0/sigma} = 1/2 exactly (b = 2 * 1/2 = 1) the weight-sum bound gives no upper end."""
    sigma = Fraction(90) / Fraction(math.log(2))
    assert math.exp(-float(inst.delta_k[0] / sigma)) == 0.5
    lo, hi = rate_band(inst, 0, sigma)
    a = (11 * 2.0 ** (-20 / 90) + 21 * 0.5) / 9
    assert hi == math.inf and math.isclose(lo, (1 - a) / 2, rel_tol=1e-13)


@pytest.mark.parametrize("name, grid", [("true-rate", {"1/10", "1/100", "1/1000"}),
                                        ("arb-certificates", {"1/2", "1/10", "1/100", "1/1000"}),
                                        ("arb-per-cell-certificates", {"1/2", "1/10", "1/100", "1/1000"})])
def test_evidence_runs_the_sigma_grid_its_description_states(name, grid, tmp_path):
    res = _run(name, tmp_path)
    assert res.status == "passed", res.counterexample
    assert {row[1 if name.startswith("arb") else 3] for row in res.tables[0].rows} == grid


def _rate_instances():
    """The cancelling middle cell (c_1 = 0), the 2-cell line and the same scaled by 1/16 (||c_0||/n_0 = 9/32 < 1)."""
    mid = from_partition(np.array([[-11.0], [-10.0], [-1.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1, 2, 2])
    line = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    small = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]) / 16, [0, 0, 1, 1])
    return [("mid", mid), ("line", line), ("small", small)] * 2   # 6 >= 3 + 5 * scale(dev): no random ones


def test_true_rate_checks_every_cell_with_a_leading_term_and_skips_c_k_zero(monkeypatch, tmp_path):
    """On instances with c_k = 0 and with ||c_k||/n_k < 1 the evidence passes; a band that excludes every
    ratio flags exactly the (cell, sigma) pairs with c_k != 0 (3 sigmas x (2 + 2 + 2) cells x 2), the
    c_k = 0 cell never (its rate is faster than predicted)."""
    from kmrbf.claims import kr_t3
    from kmrbf.numerics import lloyd_instances

    insts = _rate_instances()
    assert leading_coefficient(insts[2][1], 0) == 9 / 32
    monkeypatch.setattr(lloyd_instances, "certified_instances", lambda: list(insts))
    res = _run("true-rate", tmp_path)
    assert res.status == "passed", res.counterexample
    assert res.examples == 3 * (3 + 2 + 2) * 2
    monkeypatch.setattr(kr_t3, "rate_band", lambda inst, k, s: (2.0, 3.0))
    res = _run("true-rate", tmp_path)
    assert res.status == "failed" and res.counterexample.count("outside") == 3 * (2 + 2 + 2) * 2
    assert "mid k=1" not in res.counterexample
