"""kmrbf.claims.kr_t1_limsup: the sharp per-point constant W0((K-1)/e), against mpmath and attained."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from kmrbf import numerics as nx
from kmrbf.claims.kr_t1_limsup import sharp_limsup_constant


@pytest.mark.parametrize("k", [1, 2, 3, 5, 10, 100])
def test_sharp_constant_is_lambert_w_and_below_the_paper_constant(k):
    with mpmath.workdps(30):
        exact = float(mpmath.lambertw((k - 1) / mpmath.e).real)
    assert math.isclose(sharp_limsup_constant(k), exact, rel_tol=1e-14, abs_tol=1e-300)
    assert sharp_limsup_constant(k) <= (k - 1) / math.e


@pytest.mark.parametrize("k", [2, 3, 6])
def test_sharp_constant_is_attained_by_equal_gaps(k):
    """K points at 0 (the kernels want K <= N), one centroid at 0, K - 1 at squared distance sigma (1 + c):
    every point's excess is sigma c."""
    sigma, c = 0.5, sharp_limsup_constant(k)
    q = math.sqrt(sigma * (1 + c))
    X = np.zeros((k, 1))
    M = np.array([[0.0]] + [[q]] * (k - 1))
    excess = nx.W_sigma(X, M, sigma) - nx.F0(X, M)
    assert math.isclose(excess / (k * sigma), c, rel_tol=1e-12)
    for g in (0.5, 0.9, 1.1, 2.0):      # any other common gap gives less
        M2 = np.array([[0.0]] + [[math.sqrt(g * sigma * (1 + c))]] * (k - 1))
        assert nx.W_sigma(X, M2, sigma) - nx.F0(X, M2) < excess
