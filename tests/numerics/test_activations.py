"""Tests of :mod:`kmrbf.numerics.activations` (softmax, log-sum-exp, entmax-1.5, sparsemax, entmax-alpha).

Every map against the 50-digit mpmath oracle, with tolerances from an error bound, and
the documented edge cases.  Notation for the bounds (fixture ``bounds``, tests/numerics/conftest.py):
``u = 2**-53`` (unit roundoff), ``gamma(n) = n u / (1 - n u)``.  First-order bounds (O(u^2) terms
dropped) are multiplied by ``SLACK = 1.01`` to cover the second-order terms and the rounding of
the oracle to float64 (one half-ulp, added separately as ``u * |exact|``).  No constant below was
tuned to make a test pass; each one is derived in the comment next to it.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import kmrbf.numerics as kn
from kmrbf.evidence.roundoff import U
from kmrbf.evidence.strategies import logit_matrices, logit_vectors
from kmrbf.numerics import oracles as O

#: every test here runs twice: on the array-API reference kernels and on the compiled ones
#: (entmax15 and sparsemax of NumPy input take the compiled row kernel)
pytestmark = pytest.mark.usefixtures("each_backend")


def softmax_rel_bound(z: np.ndarray) -> np.ndarray:
    """Relative error of the max-shifted softmax, per entry.

    x = z - max z has |dx_j| <= u |x_j| (one rounding; exact when Sterbenz applies);
    exp turns an absolute input error e into a relative error e, and libm's exp is
    within 1 ulp (2u relative): rel(e^x_j) <= u|x_j| + 2u.  The sum of K such terms
    adds gamma(K-1) and max_l rel(e^x_l); the division one more u:
    rel(p_j) <= u(|x_j| + max|x| + K + 4).
    """
    x = z - z.max()
    return U * (np.abs(x) + np.abs(x).max() + z.size + 4)


@given(logit_vectors())
@example(np.array([1e300, 1e300]))
@example(np.array([-5.0, 3.0]) - 1e300)
def test_softmax_matches_oracle(bounds, z):
    exact = bounds.f64(O.mp_softmax(z))
    bounds.assert_within(kn.softmax(z), exact, softmax_rel_bound(z) * exact, "softmax")


@given(logit_vectors(offset=False, bound=50.0))
def test_softmax_naive_matches_oracle_without_overflow(bounds, z):
    # |z| <= 50: no overflow/underflow, so the naive map has the same bound as the
    # shifted one with x replaced by z (rel(e^z_j) <= u|z_j| + 2u).
    exact = bounds.f64(O.mp_softmax(z))
    bound = U * (np.abs(z) + np.abs(z).max() + z.size + 4) * exact
    bounds.assert_within(kn.softmax_naive(z), exact, bound, "softmax_naive")


def test_softmax_naive_gives_nan_where_documented():
    assert np.isnan(kn.softmax_naive(np.array([710.0, 0.0]))).any()
    assert np.isnan(kn.softmax_naive(np.array([-800.0, -801.0]))).all()
    assert not np.isnan(kn.softmax(np.array([-800.0, -801.0]))).any()


@given(logit_vectors())
@example(np.array([1000.0, 1000.0]))
def test_log_sum_exp_matches_oracle(bounds, z):
    # l = m + log s, s = sum e^{x_l} in [1, K] with rel(s) <= u(max|x| + K + 2) (see softmax);
    # log turns that into an absolute error plus u|log s|; adding m costs u|l|.
    exact = O.mp_log_sum_exp(z)
    x = z - z.max()
    s = float(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in x))
    bound = U * (np.abs(x).max() + z.size + 2) + U * abs(math.log(s)) + U * abs(float(exact))
    bounds.assert_within(kn.log_sum_exp(z), float(exact), bound, "log_sum_exp")


@st.composite
def alphas(draw):
    """alpha in {1.5, 2} (exact sorts), uniform in [1.1, 3] (bisection on tau, and on lambda
    below 1 + 1/8), or 1 + 2**-e, e uniform in [3, 52] (bisection on lambda, alpha -> 1)."""
    return draw(st.one_of(st.sampled_from([1.5, 2.0]), st.floats(1.1, 3.0),
                          st.floats(3.0, 52.0).map(lambda e: 1.0 + 2.0**-e)))


@given(logit_vectors(), alphas())
@example(np.array([0.0, 0.0, 0.0]), 1.5)  # ties: uniform
@example(np.array([7.0]), 1.5)  # single entry
@example(np.array([3.0, 1.0, -5.0]), 1.5)  # gap exactly 2: one-hot
@example(np.array([0.3, -1.2, 4.0, 0.0]), 1.0 + 2.0**-52)  # audit: error 1.7e-2 before the lambda-form
@example(np.array([0.3, -1.2, 4.0, 0.0]), 1.0 + 1e-12)  # audit: error 3e-6
@example(np.array([0.0, -0.5 + 5e-11]), 3.0)  # review: Hoelder, 1.05e-8 for an exact 5e-11
def test_entmax_matches_oracle(bounds, z, alpha):
    exact = bounds.f64(O.mp_entmax(z, alpha))
    bound = bounds.entmax_bound(z, alpha, exact)
    if alpha == 1.5:
        bounds.assert_within(kn.entmax15(z), exact, bound, "entmax15 (sort)")
    if alpha == 2.0:
        bounds.assert_within(kn.sparsemax(z), exact, bound, "sparsemax (sort)")
    bounds.assert_within(kn.entmax_bisect(z, alpha), exact, bound, f"entmax_bisect({alpha!r})")


# both sides of the switch LOG1P_ALPHA_GAP = 1/8 and the alpha -> 1 end, on logits whose
# spread (8) keeps the entmax far from one-hot
NEAR_ONE = [1.0 + 2.0**-52, 1.0 + 1e-12, 1.0 + 1e-8, 1.0 + 2.0**-26, 1.0 + 1e-4, 1.01,
            1.125 - 2.0**-50, 1.125, 1.125 + 2.0**-50, 1.2]


@pytest.mark.parametrize("alpha", NEAR_ONE)
def test_entmax_bisect_near_alpha_one_is_accurate_to_a_few_ulps(bounds, alpha):
    # against the 50-digit oracle, with the derived per-entry bound (conftest: entmax_bound);
    # the bound itself is O(u) below the switch: at most 64 u for these logits (the audit's,
    # |y| <= 7.7, K = 5).  Before the lambda-form the error was 6.1e-3 at alpha = 1 + 2**-52,
    # 1.2e-6 at 1 + 1e-12, 6e-15 (33 times this bound) at 1 + 1e-4; now at most 0.2 of it.
    z = np.array([0.3, -1.2, 4.0, 0.0, -3.7])
    exact = bounds.f64(O.mp_entmax(z, alpha))
    bound = bounds.entmax_bound(z, alpha, exact)
    if alpha - 1.0 < 0.125:
        assert bound.max() <= 64 * U, bound.max() / U
    got = kn.entmax_bisect(z, alpha)
    bounds.assert_within(got, exact, bound, f"entmax_bisect({alpha!r})")
    # the softmax is no substitute above alpha - 1 ~ sqrt(u): it is O(alpha - 1) away
    if alpha - 1.0 >= 1e-4:
        assert np.abs(kn.softmax(z) - exact).max() > 1e3 * bound.max()


def test_entmax_bisect_near_one_reaches_the_clustering_maps(bounds):
    # responsibilities / W_sigma / soft_centroids use the same kernel (_probability_map):
    # at alpha = 1 + 1e-12 they match the oracle to the derived bound (conftest.resp_abs_bound)
    X = np.array([[0.0, 0.0], [1.0, 0.5], [4.0, 4.0], [5.0, 3.5]])
    M = np.array([[0.5, 0.0], [4.5, 4.0]])
    for alpha in (1.0 + 1e-12, 1.0 + 2.0**-52):
        p, _, dp = bounds.resp_abs_bound(X, M, 3.0, alpha)
        bounds.assert_within(kn.responsibilities(X, M, 3.0, alpha=alpha), p, dp, f"responsibilities({alpha!r})")


@given(logit_matrices())
def test_entmax15_sort_vs_bisect_vs_oracle(bounds, Z):
    # Three independent routes: the sort threshold, bisection at alpha = 1.5, and the
    # 50-digit sort in mpmath.  Each float route is within entmax_impl_bound of the
    # oracle, so the two float routes are within twice that of each other.
    k = Z.shape[1]
    a, b = kn.entmax15(Z), kn.entmax_bisect(Z, 1.5)
    exact = np.stack([bounds.f64(O.mp_entmax(row, "1.5")) for row in Z])
    bound = bounds.entmax_impl_bound(k, 1.5)
    bounds.assert_within(a, exact, bound, "entmax15")
    bounds.assert_within(b, exact, bound, "entmax_bisect(1.5)")
    assert np.all(np.abs(a - b) <= 2 * bounds.SLACK * bound + 2 * U)
    # along axis 0 as well
    np.testing.assert_array_equal(kn.entmax15(Z.T, axis=0), a.T)


def test_entmax_bisect_alpha_one_is_softmax():
    z = np.array([0.3, -1.2, 4.0])
    np.testing.assert_array_equal(kn.entmax_bisect(z, 1.0), kn.softmax(z))


def test_neg_inf_entries_get_zero_and_huge_gaps_no_nan():
    z = np.array([-np.inf, 0.0, -np.inf, 1.0])
    for f in (kn.softmax, kn.entmax15, kn.sparsemax, lambda v: kn.entmax_bisect(v, 1.7)):
        p = f(z)
        assert p[0] == 0.0 and p[2] == 0.0 and abs(p.sum() - 1) < 4 * U
        q = f(np.array([1e308, -1e308]))
        np.testing.assert_array_equal(q, [1.0, 0.0])
    assert float(kn.log_sum_exp(np.array([-np.inf, 2.0]))) == 2.0


# ----------------------------------------------------------------------------- documented edge cases

@pytest.mark.parametrize("f", [kn.softmax, kn.softmax_naive, kn.entmax15, kn.sparsemax,
                               lambda z, axis=-1: kn.entmax_bisect(z, 1.3, axis=axis)])
def test_logit_edge_cases(f):
    with pytest.raises(ValueError, match=r"z must not contain NaN; found nan at index \(1,\)"):
        f(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match=r"z must not contain \+inf"):
        f(np.array([0.0, np.inf]))
    with pytest.raises(ValueError, match="entirely -inf"):
        f(np.array([[0.0, 1.0], [-np.inf, -np.inf]]))
    with pytest.raises(ValueError, match="non-empty along axis"):
        f(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="at least 1-D"):
        f(np.float64(1.0))
    with pytest.raises(ValueError, match="out of range"):
        f(np.zeros(3), axis=1)
    np.testing.assert_array_equal(f(np.array([4.0])), [1.0])  # single entry
    np.testing.assert_array_equal(f(np.array([2.0, 2.0, 2.0, 2.0])), [0.25] * 4)  # ties
    if f is kn.softmax_naive:  # documented NaN: inf/inf and 0/0
        assert np.isnan(f(np.array([1.0, 2.0]) + 1e300)).all()
        assert np.isnan(f(np.array([-3.0, 1.0]) - 1e300)).all()
        return
    np.testing.assert_array_equal(f(np.array([1.0, 2.0]) + 1e300), [0.5, 0.5])  # offset absorbed
    p = f(np.array([-3.0, 1.0]) - 1e300)  # both become -1e300: uniform, no NaN
    np.testing.assert_array_equal(p, [0.5, 0.5])


def test_log_sum_exp_all_neg_inf_is_neg_inf_not_error():
    out = kn.log_sum_exp(np.array([[-np.inf, -np.inf], [0.0, 0.0]]))
    assert out[0] == -np.inf and out[1] == np.log(2.0)


def test_entmax_above_alpha_two_is_only_hoelder_at_the_edge_of_the_support(bounds):
    # both directions of roundoff.entmax_map_bound above alpha = 2 (beta = 1/2): a logit just
    # outside the support comes out with b = one ulp of tau and p = ulp**(1/2) ~ 1e-8, for an
    # exact 5e-11 -- an error 10**5 times anything Lipschitz (order K u) would allow, and
    # within the Hoelder bound (which is at most 2**17 times this worst case)
    z = np.array([0.0, -0.5 + 5e-11])
    exact = bounds.f64(O.mp_entmax(z, 3.0))
    got = kn.entmax_bisect(z, 3.0)
    err = np.abs(got - exact).max()
    assert err > 1e5 * U
    bound = bounds.entmax_impl_bound(2, 3.0)
    assert err <= bound <= 2.0**17 * err


def test_entmax_edge_bound_is_tight_away_from_the_edge_of_the_support(bounds):
    # conftest.entmax_edge_bound (alpha > 2) in both directions on 120 seeded logit vectors per
    # alpha: it holds, and the worst observed error is at least 1/256 of it (measured
    # 2026-11: 1/147 at alpha = 2.5, 1/189 at alpha = 3) -- unlike the scalar bound, which
    # must allow for an entry at the edge in every row (the witness above)
    rng = np.random.default_rng(1)
    for alpha in (2.5, 3.0):
        worst = 0.0
        for _ in range(120):
            k = int(rng.integers(2, 9))
            z = rng.normal(size=k) * rng.choice([0.1, 1.0, 10.0])
            exact = bounds.f64(O.mp_entmax(z, alpha))
            bound = bounds.entmax_edge_bound(z, alpha, exact).ravel()
            err = np.abs(kn.entmax_bisect(z, alpha) - exact)
            assert np.all(err <= bound)
            worst = max(worst, float((err[bound > 0] / bound[bound > 0]).max()))
        assert worst >= 1 / 256, (alpha, worst)
