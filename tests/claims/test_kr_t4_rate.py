"""kmrbf.claims.kr_t4_rate: the pieces of the closed form above the threshold, on a hand instance,
and the paper-role certificates' counterexamples.

Instance: cells {0, 1} and {10, 11}, M* = (1/2, 21/2); the only gap at Delta = 90 is at x = 1
(own cell 0, competitor 1) and x = 10 (own 1, competitor 0), so c_0 = (10 - 1/2) - (1 - 1/2) = 9,
n_0 = 2, m_0 = m'_0 = 1: the deviation just above sigma_th = 45 is exactly 9 p / 2.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from kmrbf.claims.kr_t4_rate import ALPHA_ORDERS, EVIDENCE, closed_form_deviation, threshold_pieces
from kmrbf.evidence import RunContext
from kmrbf.numerics.lloyd_instances import from_partition
from kmrbf.profiles import get_profile
from kmrbf.theory.entmax_order import ORDERS


@pytest.fixture(scope="module")
def inst():
    out = from_partition([[0.0], [1.0], [10.0], [11.0]], [0, 0, 1, 1])
    assert out is not None and out.delta == 90
    return out


def test_pieces_by_hand(inst):
    p = threshold_pieces(inst, Fraction(1, 100))
    assert [(x["c"], x["n"], x["m"], x["m_foreign"]) for x in p] == [([9], 2, 1, 1), ([-9], 2, 1, 1)]
    # a row with a second gap below Delta (1 + s_max) makes the closed form invalid
    three = from_partition([[0.0], [1.0], [10.0], [11.0], [30.0]], [0, 0, 1, 1, 2])
    assert three is not None and threshold_pieces(three, Fraction(100)) is None


@pytest.mark.parametrize("alpha", [Fraction(3, 2), Fraction(2)], ids=str)
def test_closed_form_matches_the_arb_soft_centroid(inst, alpha):
    from flint import ctx, fmpq

    from kmrbf.numerics.arb import arb_entmax, arb_soft_centroids

    piece = threshold_pieces(inst, Fraction(1, 100))[0]
    sigma = (alpha - 1) * 90 * Fraction(1001, 1000)
    with ctx.workprec(200):
        p = arb_entmax([0, fmpq(-90 * sigma.denominator, sigma.numerator)], fmpq(alpha.numerator, alpha.denominator),
                       prec=200)[1]
        c0 = arb_soft_centroids(inst.X_exact, inst.M_exact, sigma, alpha=fmpq(alpha.numerator, alpha.denominator),
                                prec=200)[0][0]
        dev = abs(c0 - fmpq(1, 2))
        cf = closed_form_deviation(piece, p)
        assert dev.overlaps(cf) and cf > 0 and cf.rad() < 1e-40
        assert cf.overlaps(9 * p / 2)


def test_orders_are_the_derived_ones():
    assert {Fraction(str(a)): int(q) for a, (q, _) in ORDERS.items()} == ALPHA_ORDERS


def test_paper_certificates_fail_with_exact_zeros(tmp_path):
    ctx = RunContext(get_profile("dev"), tmp_path)
    ev = {e.name: e for e in EVIDENCE}
    first = ev["first-order-deviation"].run(ctx)
    assert first.status == "failed" and "= 0 exactly for every sigma <= 513/32" in first.counterexample
    faster = ev["softmax-strictly-faster"].run(ctx)
    assert faster.status == "failed"
    assert "softmax max_k ||mu_hat_k - mu*_k|| = 7.4075e-869 > 0 (arb)" in faster.counterexample
