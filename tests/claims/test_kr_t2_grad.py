"""kmrbf.claims.kr_t2_grad: the derived band of the RBF-step rate."""

from __future__ import annotations

from fractions import Fraction

from flint import arb
from kmrbf.numerics.lloyd_instances import certified_instances


def _shifted_line():
    name, inst = certified_instances()[0]
    Xq = [list(x) for x in inst.X_exact]
    Mq = [[v + Fraction(1, 8) for v in row] for row in inst.M_exact]
    return Xq, Mq


def test_step_rate_band_contains_the_ratio_and_needs_the_next_order_term():
    from kmrbf.claims.kr_t2_grad import _place, _step_ratio, step_rate_band

    Xq, Mq = _shifted_line()
    s = Fraction(135, 4) / 100  # Delta/100 on line-K2 (Delta = 135/4)
    bands = [step_rate_band(Xq, Mq, s, k, prec=1024) for k in range(len(Mq))]
    for band, (q, _) in zip(bands, _step_ratio(Xq, Mq, s, bands, 1024)):
        assert _place(q, band) == "in"
        # the band centred at the limit C_k alone (no O(sigma/Delta_k) term) excludes the ratio:
        # the next-order term of the derivation is real, and the check can fail
        a, b, C = float(band["a"].mid()), float(band["b"].mid()), band["C"]
        assert not C * (1 - a) / (1 + b) <= float(q.mid()) <= C * (1 + a) / (1 - b)


def test_step_rate_place_wide_and_out():
    from kmrbf.claims.kr_t2_grad import _place

    band = {"C": 1.0, "lo": arb(1), "hi": arb(2)}
    assert _place(arb(1.5, 0.1), band) == "wide"     # relative radius 0.07 >= 1e-9: never passed
    assert _place(arb(1.5), band) == "in"
    assert _place(arb(3), band) == "out"
    assert _place(arb(2), band) == "overlap"
    assert _place(arb(1.5), {"C": 0.0, "lo": None, "hi": None}) == "untested"
