"""kmrbf.evidence.sigma: sigma ranges relative to a Lloyd fixed point, and the deviations measured there."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given

from kmrbf.evidence.sigma import deviations, rel_sigmas, sigma_max
from kmrbf.numerics.lloyd_instances import from_partition


def _instance():
    X = [[Fraction(0)], [Fraction(1)], [Fraction(10)], [Fraction(11)], [Fraction(20)], [Fraction(21)]]
    return from_partition(X, [0, 0, 1, 1, 2, 2])


@given(rel_sigmas())
def test_rel_sigmas_stay_in_range(t):
    assert 1e-3 * (1 - 1e-12) <= t <= 1.0


def test_sigma_max_makes_the_global_bound_apply():
    inst = _instance()
    s = sigma_max(inst)
    assert math.isclose(s, float(inst.delta) / math.log(2 * (inst.K - 1)))
    assert (inst.K - 1) * math.exp(-float(inst.delta) / s) <= 0.5 * (1 + 1e-15)


def test_deviations_vanish_as_sigma_falls_and_match_a_direct_computation():
    inst = _instance()
    big, small = deviations(inst, sigma_max(inst)), deviations(inst, sigma_max(inst) / 50)
    assert big.shape == (inst.K,) and np.all(small <= big) and np.all(small < 1e-12)
    d = ((inst.X[:, None, :] - inst.M[None]) ** 2).sum(-1)
    r = np.exp(-(d - d.min(1, keepdims=True)) / sigma_max(inst))
    r /= r.sum(1, keepdims=True)
    c = (r.T @ inst.X) / r.sum(0)[:, None]
    assert np.allclose(big, np.sqrt(((c - inst.M) ** 2).sum(1)), rtol=1e-12, atol=1e-15)


def test_sigma_max_exact_is_inside_the_global_range_and_tight():
    """A rational sigma with sigma ln(2(K-1)) <= Delta for certain (decided in arb), within 2^-48 of the edge."""
    from flint import arb, ctx

    from kmrbf.evidence.sigma import sigma_max_exact

    for X, lab in (([[0.0], [1.0]], [0, 1]), ([[0.0], [1.0], [10.0], [11.0], [20.0], [21.0]], [0, 0, 1, 1, 2, 2])):
        inst = from_partition(np.array(X), lab)
        s = sigma_max_exact(inst)
        assert isinstance(s, Fraction)
        with ctx.workprec(256):
            edge = arb(inst.delta.numerator) / inst.delta.denominator / arb(max(2, 2 * (inst.K - 1))).log()
            assert arb(s.numerator) / s.denominator <= edge
            assert ((edge - arb(s.numerator) / s.denominator) / edge) < 2.0**-48


# ---------------------------------------------------------------------------- mutation-testing gaps
def test_rel_sigmas_reach_both_ends_of_the_range():
    """The strategy covers all of [1e-3, 1]: its two ends are drawn (a shrunken range would pass the test above)."""
    from hypothesis import find, settings

    s = settings(derandomize=True, max_examples=2000, database=None)
    assert find(rel_sigmas(), lambda t: t >= 1.0 - 1e-12, settings=s) == 1.0
    assert math.isclose(find(rel_sigmas(), lambda t: t <= 1e-3 * (1 + 1e-9), settings=s), 1e-3, rel_tol=1e-12)


def test_sigma_max_for_two_centroids_is_delta_over_ln2_and_attains_one_half():
    """K = 2: Delta / ln 2, where (K - 1) e^{-Delta/sigma} = 1/2 exactly (the edge of the global range)."""
    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    assert inst.K == 2
    s = sigma_max(inst)
    assert s == float(inst.delta) / math.log(2)
    assert math.isclose((inst.K - 1) * math.exp(-float(inst.delta) / s), 0.5, rel_tol=4 * 2.0**-53)


def test_sigma_max_exact_is_within_the_stated_rounding_of_the_edge():
    r"""The gap to the edge is what the construction gives, no more and no less: with h half an ulp of
    ln v (math.log is correctly rounded here), ell - ln v lies in [2^-50 - h, 2^-50 + h], so
    (edge - sigma)/edge = (ell - ln v)/ell lies in [(2^-50 - h)/(ln v + 2^-49), (2^-50 + h)/ln v].
    A doubled or halved offset is still a valid sigma but breaks this."""
    from flint import arb, ctx

    from kmrbf.evidence.sigma import sigma_max_exact

    for X, lab in (([[0.0], [1.0]], [0, 1]), ([[0.0], [1.0], [10.0], [11.0], [20.0], [21.0]], [0, 0, 1, 1, 2, 2])):
        inst = from_partition(np.array(X), lab)
        v = max(2, 2 * (inst.K - 1))
        h = arb(math.ulp(math.log(v))) / 2
        s = sigma_max_exact(inst)
        with ctx.workprec(256):
            lnv = arb(v).log()
            edge = arb(inst.delta.numerator) / inst.delta.denominator / lnv
            gap = (edge - arb(s.numerator) / s.denominator) / edge
            assert (arb(2) ** -50 - h) / (lnv + arb(2) ** -49) < gap < (arb(2) ** -50 + h) / lnv, (v, gap.str(5))
