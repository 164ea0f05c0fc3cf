"""kmrbf.claims.kr_s32_gw: the minimisers of G and W on the symmetric pair (by hand), the branch and bound
in both directions, and the paper-role property on a one-hot and a soft instance.

Symmetric pair X = {-1, 1}, K = 2, sigma = 1, M = (-m, m): G is stationary iff m = tanh(2m) (m_G = 0.95750);
W's stationary point solves m = tanh(2m) + 8m r(1 - r), r = 1/(1 + e^{-4m}) (m_W = 1.08461 > 1: outside the
data's hull).  The infimum of W over the hull [-1, 1]^2 is W(-1, 1) = 8/(1 + e^4) = 0.14391.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb

from kmrbf import numerics as nx
from kmrbf.claims.kr_s32_gw import gw_equal, gw_gamma_both, hull_lower_bound, multistart_minimiser

PAIR = np.array([[-1.0], [1.0]])


def test_pair_minimisers_by_hand():
    MG, g = multistart_minimiser(PAIR, 2, 1.0, "G")
    MW, w = multistart_minimiser(PAIR, 2, 1.0, "W")
    mg, mw = MG[1, 0], MW[1, 0]
    assert MG[0, 0] == pytest.approx(-mg) and MW[0, 0] == pytest.approx(-mw)
    assert abs(mg - math.tanh(2 * mg)) < 1e-12
    r = 1 / (1 + math.exp(-4 * mw))
    assert abs(mw - math.tanh(2 * mw) - 8 * mw * r * (1 - r)) < 1e-10
    assert mw > 1 > mg
    assert w == pytest.approx(nx.W_sigma(PAIR, MW, 1.0)) and w < nx.W_sigma(PAIR, MG, 1.0)
    assert g < nx.G_sigma(PAIR, MW, 1.0)


def test_hull_bound_proves_below_the_corner_value_and_not_above():
    corner = 8 / (1 + math.exp(4))
    X = [Fraction(-1), Fraction(1)]
    res = hull_lower_bound(X, 2, Fraction(1), arb(corner) * arb("0.98"))
    assert res["status"] == "proved" and res["lower"] <= corner
    # the accepted boxes tile the hull [-1, 1]^2 (what the certificate hands to kmrbf.recheck), and the
    # smallest lower bound is attained by `lowest`
    leaves = res["leaves"]
    assert sum((b[0][1] - b[0][0]) * (b[1][1] - b[1][0]) for b in leaves) == 4 and res["lowest"] in leaves
    assert float(res["lower_ball"].mid()) == res["lower"] and len(leaves) <= res["boxes"]
    # above the infimum nothing can be proved: the search gives up instead of passing
    res = hull_lower_bound(X, 2, Fraction(1), arb(corner) * arb("1.02"), max_boxes=300)
    assert res["status"] == "undecided" and res["boxes"] == 301


def test_paper_property_fails_exactly_when_some_row_is_soft():
    X = np.array([[0.0], [10.0]])
    gw_equal((X, np.array([[0.0]])), 1.0)  # K = 1: G = W = F0
    with pytest.raises(AssertionError, match="W - G = 1.38629"):
        gw_equal((np.zeros((2, 1)), np.zeros((2, 1))), 1.0)  # r = (1/2, 1/2): sigma sum H = 2 log 2
    gw_gamma_both((np.zeros((2, 1)), np.zeros((2, 1))), 1.0)
    gw_gamma_both((X, np.array([[1.0], [9.0]])), 0.5)
