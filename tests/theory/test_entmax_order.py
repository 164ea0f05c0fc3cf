"""Tests of :mod:`kmrbf.theory.entmax_order`: both derivations are true (every obligation discharged),
the closed form agrees with the library's entmax-1.5, and the orders agree with arb evaluations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from kmrbf.numerics import entmax15
from kmrbf.theory.entmax_order import ORDERS, entmax15_p2, kr_s6_smooth_jacobian, kr_t4_rate_order


def test_derivation_outcome_rate(derivation_outcome):
    derivation_outcome(kr_t4_rate_order, set())


def test_derivation_outcome_smoothness(derivation_outcome):
    derivation_outcome(kr_s6_smooth_jacobian, set())


@pytest.mark.parametrize("d", [0.0, 0.3, 1.0, 1.7, 1.99])
def test_closed_form_is_the_library_entmax15(d):
    p = np.asarray(entmax15(np.array([0.0, -d])))
    # entmax15 is exact up to a few roundings of values <= 1
    assert abs(float(entmax15_p2(sp.Float(d))) - p[1]) <= 8 * 2.0**-53
    assert entmax15_p2(2) == 0 and np.asarray(entmax15(np.array([0.0, -2.0])))[1] == 0.0


@pytest.mark.parametrize("alpha", list(ORDERS), ids=str)
def test_orders_match_arb_two_logit_entmax(alpha):
    """p_2(delta_th - eta) / eta^q -> c_alpha, measured in arb at eta = 1e-6 (relative error O(eta))."""
    from flint import arb, ctx

    from kmrbf.numerics.arb import arb_entmax

    q, c = ORDERS[alpha]
    a = sp.Rational(alpha)
    eta = sp.Rational(1, 10**6)
    d = 1 / (a - 1) - eta
    with ctx.workprec(200):
        p2 = arb_entmax([0, f"-{sp.N(d, 60)}"], str(a), prec=200)[1]
        ratio = float((p2 / arb(str(sp.N(eta**q, 60)))).mid())
    assert math.isclose(ratio, float(c), rel_tol=1e-4), (alpha, ratio, c)
