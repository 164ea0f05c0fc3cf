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
