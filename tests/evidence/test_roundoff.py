"""kmrbf.evidence.roundoff: the float64 rounding bounds behind the tolerances.

Each bound is checked against an independent oracle in both directions: that it
holds (float64 vs mpmath at 50 digits) and that it is not vacuous (the error it
bounds is a non-trivial fraction of it on inputs built to cancel, or the bound
is the exact closed form).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kmrbf import numerics as nx
from kmrbf.evidence.roundoff import U, centroid_tol, entmax_threshold_slack, gamma, slack, w_sigma_roundings
from kmrbf.evidence.sigma import rel_sigmas, sigma_max
from kmrbf.evidence.strategies import lloyd_fixed_points
from kmrbf.numerics.oracles import mp_soft_centroids


def test_unit_roundoff_is_half_an_ulp_of_one():
    assert U == np.finfo(np.float64).eps / 2 and 1.0 + U == 1.0 and 1.0 + 2 * U > 1.0


@given(st.integers(1, 10**12))
def test_gamma_and_slack_are_the_exact_closed_form(n):
    exact = Fraction(n) * Fraction(U) / (1 - Fraction(n) * Fraction(U))
    assert abs(Fraction(gamma(n)) - exact) <= 4 * Fraction(U) * exact
    assert slack(n, 3.0) == n * U / (1.0 - n * U) * 3.0
    assert math.isclose(slack(n, 1.0), gamma(n), rel_tol=4 * U)


def test_w_sigma_roundings_counts_every_stage():
    X, M = np.zeros((7, 3)), np.zeros((2, 3))
    assert w_sigma_roundings(X, M) == 4 * 3 + 4 * 2 + 7 + 16


def test_entmax_threshold_slack_formula():
    assert entmax_threshold_slack(10.0, 2.0) == 8 * U * (10.0 / 2.0 + 2)
    assert entmax_threshold_slack(1.0, 1.0) < 1e-14


def _soft_centroid_error(X, M, sigma):
    got = np.asarray(nx.soft_centroids(X, M, sigma))
    with mpmath.workdps(50):
        ref = mp_soft_centroids(X, M, sigma)
        return max(float(mpmath.sqrt(sum((mpmath.mpf(float(got[k, j])) - ref[k][j]) ** 2
                                         for j in range(X.shape[1])))) for k in range(M.shape[0]))


@settings(max_examples=40, deadline=None)
@given(inst=lloyd_fixed_points(max_k=3, max_d=2, max_per_cell=5), t=rel_sigmas())
def test_centroid_tol_bounds_the_float64_soft_centroid_error_where_it_is_used(inst, t):
    """Its scope: soft centroids at an exact Lloyd fixed point, sigma <= Delta / ln(2(K-1)) (KR-T3, KR-T4)."""
    sigma = t * sigma_max(inst)
    assert _soft_centroid_error(inst.X, inst.M, sigma) <= centroid_tol(inst.X, inst.K)


def test_centroid_tol_does_not_hold_for_arbitrary_centroids():
    """Outside that scope the responsibilities' relative error grows with the logits d/sigma and
    the bound fails (found by the dev profile, 2026-11-28): the bound is not used there."""
    X = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 4.0], [0.3517, -3.5]])
    M = np.array([[8.875, 0.45898438], [-1.875, 0.0]])   # centroid 0 far from every point
    assert _soft_centroid_error(X, M, 1.5) > 2 * centroid_tol(X, 2)


def test_centroid_tol_is_not_vacuous():
    """Against one rounding of the largest coordinate, the bound is within a factor ~N+K+9."""
    X = np.array([[1.0 + 2**-30], [3.0]])
    tol = centroid_tol(X, 1)
    assert U * 3.0 <= tol <= (X.shape[0] + 1 + 10) * U * 3.0 * 1.01
