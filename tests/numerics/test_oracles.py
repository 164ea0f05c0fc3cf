"""Tests of :mod:`kmrbf.numerics.oracles`: the mpmath oracles checked against each other and against
finite differences (50 digits)."""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mpmath import mp

from kmrbf.numerics import oracles as O
from kmrbf.evidence.strategies import instances, logit_vectors, sigmas

# At dps = 50 every oracle is accurate to ~1e-50 relative (plus a few guard digits);
# comparing two independent routes to 1e-40 leaves 10 digits for the K-term sums and
# the conditioning of the threshold (|f'(tau)| >= 1/(alpha-1), see tests/numerics/conftest.py).
TOL = mpmath.mpf("1e-40")


@given(logit_vectors(offset=False))
def test_entmax15_exact_sort_equals_bisection(z):
    with mp.workdps(60):
        a = O.mp_entmax(z, "1.5")
        p = O._entmax_bisect([(mp.mpf(v) - max(mp.mpf(w) for w in z)) / 2 for v in z], mp.mpf("1.5"))
        assert max(abs(x - y) for x, y in zip(a, p)) < TOL
        assert abs(mp.fsum(a) - 1) < TOL


@given(logit_vectors(offset=False))
def test_sparsemax_exact_sort_equals_bisection(z):
    with mp.workdps(60):
        a = O.mp_entmax(z, 2)
        m = max(mp.mpf(w) for w in z)
        p = O._entmax_bisect([mp.mpf(v) - m for v in z], mp.mpf(2))
        assert max(abs(x - y) for x, y in zip(a, p)) < TOL


def test_entmax_alpha_to_one_approaches_softmax():
    z = [0.3, -1.0, 2.0]
    with mp.workdps(60):
        s = O.mp_softmax(z)
        e = O.mp_entmax(z, mp.mpf(1) + mp.mpf("1e-8"))
        assert max(abs(x - y) for x, y in zip(s, e)) < 1e-6


def _assert_central_differences(f, g, M):
    """``g`` is the gradient of ``f`` at ``M`` (evaluated at 60 digits): central differences
    with step 1e-25 have truncation error O(h^2) ~ 1e-50 (times a third derivative) and
    rounding error ~ 1e-60/h = 1e-35, far below the 1e-20 relative tolerance."""
    h = mp.mpf("1e-25")
    Mm = [[mp.mpf(float(v)) for v in row] for row in M]
    scale = 1 + max(abs(v) for row in g for v in row)
    for k in range(len(Mm)):
        for j in range(len(Mm[0])):
            Mp = [list(row) for row in Mm]
            Mq = [list(row) for row in Mm]
            Mp[k][j] += h
            Mq[k][j] -= h
            fd = (f(Mp) - f(Mq)) / (2 * h)
            assert abs(fd - g[k][j]) < mpmath.mpf("1e-20") * scale, (k, j, fd, g[k][j])


@settings(max_examples=25)
@given(instances(max_n=6, max_k=3, max_d=2), sigmas(min_value=0.1, max_value=10.0),
       st.sampled_from([1, "1.5", 2, "1.3"]))
def test_grad_W_formula_equals_finite_differences(inst, sigma, alpha):
    """The entmax-Jacobian gradient formula against central differences of mp_W_sigma.

    h = 1e-25 at 60 digits: truncation O(h^2 |W'''|) ~ 1e-50, rounding ~1e-60/h = 1e-35
    relative to W; compared at 1e-30 times the gradient scale.  Points within 1e-20 of
    a support change (where W is not differentiable) are skipped.
    """
    X, M = inst
    with mp.workdps(60):
        r = O.mp_responsibilities(X, M, sigma, alpha=alpha, dps=60)
        if alpha != 1:
            # distance of each entry from the support boundary: p_ik^(alpha-1) is the margin
            assume(all(v == 0 or v > mpmath.mpf("1e-15") for row in r for v in row))
            d = O.mp_sq_distances(X, M, dps=60)
            a = mp.mpf(alpha)
            for row, drow in zip(r, d):
                tau_gap = [(a - 1) * (-dv / mp.mpf(sigma)) for dv in drow]
                sup = [t for t, v in zip(tau_gap, row) if v > 0]
                off = [t for t, v in zip(tau_gap, row) if v == 0]
                if off:
                    thr = min(sup) - min(v for v in row if v > 0) ** (a - 1)
                    assume(thr - max(off) > mpmath.mpf("1e-15"))
        g = O.mp_grad_W_sigma(X, M, sigma, alpha=alpha, dps=60)
        _assert_central_differences(lambda Mx: O.mp_W_sigma(X, Mx, sigma, alpha=alpha, dps=60), g, M)


@settings(max_examples=25)
@given(instances(max_n=6, max_k=3, max_d=2), sigmas(min_value=0.1, max_value=10.0))
def test_grad_G_formula_and_free_energy_identity(inst, sigma):
    X, M = inst
    with mp.workdps(60):
        g = O.mp_grad_G_sigma(X, M, sigma, dps=60)
        _assert_central_differences(lambda Mx: O.mp_G_sigma(X, Mx, sigma, dps=60), g, M)
        # W - G = sigma sum_i H(r_i)  (SPEC §1: G = min_R F_sigma)
        r = O.mp_responsibilities(X, M, sigma, dps=60)
        H = -mp.fsum(v * mp.log(v) for row in r for v in row if v > 0)
        lhs = O.mp_W_sigma(X, M, sigma, dps=60) - O.mp_G_sigma(X, M, sigma, dps=60)
        assert abs(lhs - mp.mpf(sigma) * H) < mpmath.mpf("1e-40") * (1 + abs(lhs))


def test_oracles_see_below_float64_underflow():
    # sigma = 1e-4 and a gap of 1: r = e^{-10^4} / (1 + ...) ~ 1e-4343, far below float64
    r = O.mp_responsibilities([[0.0]], [[0.0], [1.0]], "1e-4")
    assert r[0][1] > 0 and mpmath.log10(r[0][1]) < -4342


def test_precision_is_scoped():
    before = mp.dps
    O.mp_entmax([1, 2, 3], "1.7", dps=80)
    O.mp_soft_centroids(np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]]), 1, dps=30)
    assert mp.dps == before


def test_rational_inputs_are_not_rounded_through_float():
    # before: Fraction / Decimal / fmpq / longdouble went through float() (rounded to 53 bits)
    from decimal import Decimal
    from fractions import Fraction

    from flint import fmpq

    with mp.workdps(60):
        third = mp.mpf(1) / 3
        tenth = mp.mpf(1) / 10
        for v, exact in [(Fraction(1, 3), third), (fmpq(1, 3), third), (Decimal("0.1"), tenth),
                         (Fraction(-7, 2), mp.mpf(-3.5)), (np.int64(7), mp.mpf(7)), (2**80 + 1, mp.mpf(2**80 + 1))]:
            got = O.mp_softmax([v, 0])[0]
            ref = O.mp_softmax([exact, 0])[0]
            assert abs(got - ref) < mpmath.mpf("1e-55"), (v, got, ref)
        # binary floats of every width stay exact: longdouble 0.1 is not float64 0.1
        ld = np.longdouble("0.1")
        p_ld = O.mp_entmax(np.array([ld, np.longdouble(0)]), 2)[0]
        num, den = ld.as_integer_ratio()
        assert p_ld == (1 + mp.mpf(num) / den) / 2
        if np.finfo(np.longdouble).nmant > 52:  # x87 / quad: the float64 rounding differs
            assert p_ld != (1 + mp.mpf(0.1)) / 2
        assert O.mp_softmax([Decimal("-Infinity"), 0.0])[0] == 0
