"""Tests of :mod:`kmrbf.numerics.arb.kmeans` (clustering functionals in arb ball arithmetic)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from flint import arb

from kmrbf.numerics import arb as A
from kmrbf.numerics import oracles as O
from kmrbf.numerics.arb import arb_G_sigma, arb_to_float

PREC = 128
ORACLE_DPS = 80  # 2^-128 ~ 3e-39: the oracle is 40 digits more accurate than the ball


def _mpf(x: arb) -> mpmath.mpf:
    """The exact value of an exact arb (a midpoint or a radius) as an mpf."""
    man, exp = (int(v) for v in x.man_exp())
    with mpmath.workprec(max(man.bit_length(), 1) + 8):
        return mpmath.ldexp(mpmath.mpf(man), exp)


def _assert_ball_contains(ball: arb, ref: mpmath.mpf, dps: int) -> None:
    """``ref`` (correct to ``dps`` digits) lies in ``ball``, and the ball is tight at ``PREC`` bits.

    Containment allows only the oracle's own error, ``|ref| 10^(3-dps)``; tightness: the radius
    is at most ``2^(20-PREC) |ref|`` (a few hundred ulps of the working precision after the
    N-term sum and the logs).
    """
    with mpmath.workdps(dps + 10):
        mid, rad = _mpf(ball.mid()), _mpf(ball.rad())
        slack = abs(ref) * mpmath.mpf(10) ** (3 - dps)
        assert abs(mid - ref) <= rad + slack
        assert rad <= abs(ref) * mpmath.mpf(2) ** (20 - PREC)


@pytest.mark.parametrize("sigma", ["1", "0.25", "1e-3", "37.5"])
def test_arb_G_sigma_contains_the_mpmath_oracle(sigma):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(9, 2)).tolist()
    M = rng.normal(size=(3, 2)).tolist()
    ball = arb_G_sigma(X, M, sigma, prec=PREC)
    with mpmath.workdps(ORACLE_DPS):
        ref = O.mp_G_sigma(X, M, mpmath.mpf(sigma), dps=ORACLE_DPS)
        _assert_ball_contains(ball, ref, ORACLE_DPS)


def test_arb_G_sigma_closed_form():
    """Two points, one centre at their mean: ``G = 2 (d - sigma log 1) = 0.5`` for K = 1, and
    with the centre duplicated ``G = 0.5 - 2 sigma log 2`` (the float64 doctest of G_sigma)."""
    X, M1 = [[0.0], [1.0]], [[0.5]]
    assert arb_G_sigma(X, M1, 1, prec=PREC).contains(arb("0.5"))
    g = arb_G_sigma(X, [[0.5], [0.5]], 1, prec=PREC)
    assert g.overlaps(arb("0.5") - 2 * arb(2).log())
    assert arb_to_float(g) == pytest.approx(-0.8862943611198906, rel=2**-52)


def test_arb_G_sigma_rejects_bad_sigma():
    with pytest.raises(ValueError, match="sigma"):
        arb_G_sigma([[0.0]], [[0.0]], 0)


def test_arb_responsibilities_and_soft_centroids_contain_mpmath():
    from kmrbf.numerics.arb import arb_responsibilities, arb_soft_centroids

    X = [[0.0, 1.0], [2.0, -1.0], [0.5, 0.5], [3.0, 3.0]]
    M = [[0.0, 0.0], [2.5, 1.0]]
    sigma = "0.75"
    r = arb_responsibilities(X, M, sigma, prec=PREC)
    c = arb_soft_centroids(X, M, sigma, prec=PREC)
    with mpmath.workdps(ORACLE_DPS):
        r_ref = O.mp_responsibilities(X, M, mpmath.mpf(sigma), dps=ORACLE_DPS)
        c_ref = O.mp_soft_centroids(X, M, mpmath.mpf(sigma), dps=ORACLE_DPS)
        for row, ref_row in zip(r + c, r_ref + c_ref):
            for ball, ref in zip(row, ref_row):
                _assert_ball_contains(ball, ref, ORACLE_DPS)


def test_arb_grad_matches_finite_difference():
    from flint import arb, ctx, fmpq
    X = [[0.1, 0.2], [1.0, -0.3], [0.7, 0.9], [2.0, 1.0]]
    M = [[0.3, 0.1], [1.2, 0.8]]
    for alpha in (1, "1.5", "1.8"):
        g = A.arb_grad_W_sigma(X, M, 0.7, alpha=alpha, prec=256)
        h = fmpq(1, 10**30)
        Mp = [[A.exact_rational(v) for v in r] for r in M]
        Mm = [[A.exact_rational(v) for v in r] for r in M]
        Mp[1][0] += h
        Mm[1][0] -= h
        with ctx.workprec(256):
            fd = (A.arb_W_sigma(X, Mp, 0.7, alpha=alpha, prec=256)
                  - A.arb_W_sigma(X, Mm, 0.7, alpha=alpha, prec=256)) / (2 * arb(h))
        # central difference error O(h^2) = 1e-60, far below the float comparison
        assert abs(A.arb_to_float(g[1][0]) - A.arb_to_float(fd)) <= 1e-15 * abs(A.arb_to_float(fd))
