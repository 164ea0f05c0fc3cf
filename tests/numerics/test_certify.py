"""Tests of :mod:`kmrbf.numerics.certify` (arb certificates).

``decide_le`` proves, disproves or leaves undecided; false inequalities are never certified;
the Theorem 3 / limsup / entmax-threshold certificates hold on the certified Lloyd instances,
also where float64 underflows.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import arb

import kmrbf.numerics as nx
from kmrbf.numerics.arb import exact_matrix
from kmrbf.numerics.certify import (Decision, certify_entmax_exact, certify_limsup, certify_t3, certify_t4,
                                    decide_le, deviation_sq)
from kmrbf.numerics.lloyd_instances import certified_instances


def test_certify_t4_proves_the_bound_on_a_certified_instance():
    name, inst = certified_instances()[0]
    out = certify_t4(inst, "0.05", "1.5", max_prec=256)
    assert all(isinstance(d, Decision) for d in out) and len(out) == 2 * len(inst.M_exact)
    bounds = [d for d in out if "C*sigma" in d.name]
    assert all(d.status == "proved" for d in bounds), (name, bounds)


def test_decide_le_both_directions_and_undecided():
    assert decide_le(lambda p: (arb(1), arb(2)), "1<=2").status == "proved"
    assert decide_le(lambda p: (arb(2), arb(1)), "2<=1").status == "disproved"
    # 1/3 <= 1/3 is true but no finite precision makes the difference ball exactly 0: never 'proved'
    d = decide_le(lambda p: (arb(1) / 3, arb(1) / 3), "1/3<=1/3", max_prec=512)
    assert d.status == "undecided" and d.prec == 512


def test_false_inequalities_are_not_certified():
    name, inst = certified_instances()[1]
    s = inst.delta / 1000  # e^{-Delta/sigma} = e^{-1000}: float64 underflows
    X, M = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact)
    # W - F0 > 0 here, so 'W - F0 <= 0' is false and must be disproved, never proved
    from kmrbf.numerics.arb import arb_W_sigma, exact_sq_distances

    f0 = sum(min(r) for r in exact_sq_distances(X, M))
    d = decide_le(lambda p: (arb_W_sigma(X, M, s, prec=p) - arb(f0), arb(0)), "W-F0<=0")
    assert d.status == "disproved" and d.prec >= 1024  # needs ~1.45*1000 bits to resolve
    # the rate e^{-Delta_k/sigma} is exact: 'dev_k <= A_k e^{-1.1 Delta_k/sigma}' is false
    k = 0
    A = float(inst.A()[k])
    d = decide_le(lambda p: (deviation_sq(X, M, s, k, 1, p),
                             (arb(A) * (-arb(11) / 10 * arb(inst.delta_k[k].numerator)
                                        / inst.delta_k[k].denominator / (arb(s.numerator) / s.denominator)).exp()) ** 2),
                  "dev <= A e^{-1.1 Delta_k/sigma}")
    assert d.status == "disproved"


def test_t3_certificate_at_underflowing_sigma():
    for name, inst in certified_instances():
        s = inst.delta / 1000
        assert float(np.exp(-float(inst.delta) / float(s))) == 0.0  # float64 cannot even form eps
        res = certify_t3(inst, s)
        for d in res["decisions"]:
            assert d.status == ("disproved" if d.name.endswith("dev<=0") else "proved"), (name, d)


def test_limsup_certificate():
    for name, inst in certified_instances():
        for fr in (Fraction(1), Fraction(1, 1000)):
            assert [d.status for d in certify_limsup(inst.X_exact, inst.M_exact, inst.delta * fr)] == \
                ["proved", "proved"]


@pytest.mark.parametrize("alpha", ["5/4", "3/2", "2", "3"])
def test_entmax_threshold_is_exact(alpha):
    a = Fraction(alpha)
    for name, inst in certified_instances():
        th = (a - 1) * inst.delta
        assert certify_entmax_exact(inst, th, a)["one_hot"]                        # at the threshold
        assert not certify_entmax_exact(inst, th * (1 + Fraction(1, 10**9)), a)["one_hot"]  # just above
        # float64: bit-for-bit M* below the threshold (rounding band 1e-9 >> kappa ~ 1e-14), moved above
        assert np.array_equal(nx.soft_centroids(inst.X, inst.M, float(th) * (1 - 1e-9), alpha=float(a)), inst.M)
        assert not np.array_equal(nx.soft_centroids(inst.X, inst.M, 1.5 * float(th), alpha=float(a)), inst.M)


def test_softmax_is_never_exact_but_exponentially_close():
    name, inst = certified_instances()[0]
    s = inst.delta / 10
    X, M = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact)
    d = decide_le(lambda p: (deviation_sq(X, M, s, 0, 1, p), arb(0)), "dev<=0")
    assert d.status == "disproved"  # mu_hat_0 != mu*_0 for softmax


def test_cancellation_free_deviation_agrees_with_direct_form():
    from flint import ctx

    from kmrbf.numerics.certify import deviation_sq_fixed_point

    for name, inst in certified_instances():
        X, M, lab = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact), [int(v) for v in inst.labels]
        for fr in (Fraction(1, 10), Fraction(1, 1000)):
            for k in range(inst.K):
                with ctx.workprec(4096):  # direct form needs ~1.45 * 1000 * Delta_k/Delta bits
                    direct = deviation_sq(X, M, inst.delta * fr, k, 1, 4096)
                stable = deviation_sq_fixed_point(X, M, lab, inst.delta * fr, k, 128)
                assert direct.overlaps(stable), (name, fr, k)


# ---------------------------------------------------------------------- the bound formulas, both directions
def test_limsup_bound_is_n_k_minus_one_sigma_over_e():
    from flint import ctx

    from kmrbf.numerics.certify import limsup_bound

    with ctx.workprec(128):
        assert limsup_bound(5, 3, Fraction(1, 7)).overlaps(arb(10) / 7 / arb.const_e())
        assert limsup_bound(5, 3, Fraction(1, 7)).rad() < 1e-35


def test_t3_bound_balls_by_hand_and_attained_on_two_singletons():
    """Cells {0}, {1}: A_k = diam = 1, n = m = 1, N = K = 2; dev = eps/(1+eps), instance bound eps/(1-eps),
    global 4 eps: dev/instance = (1-eps)/(1+eps) -> 1 (attained), dev/global = 1/(4(1+eps)) (a worst case)."""
    from flint import ctx

    from kmrbf.numerics.certify import deviation_sq_fixed_point, t3_bound_balls
    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0]]), [0, 1])
    X, M = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact)
    with ctx.workprec(256):
        for s in (Fraction(1, 4), Fraction(1, 100)):
            eps = (-arb(s.denominator) / s.numerator).exp()
            b = t3_bound_balls(inst, s, 0)
            assert b["instance"].overlaps(eps / (1 - eps)) and b["per_cell"].overlaps(eps / (1 - eps))
            assert b["global"].overlaps(4 * eps) and b["A"].overlaps(arb(1))
            dev = deviation_sq_fixed_point(X, M, [0, 1], s, 0, 256).sqrt()
            assert (dev / b["instance"]).overlaps((1 - eps) / (1 + eps))
            assert (dev / b["global"]).overlaps(1 / (4 * (1 + eps)))


def test_certify_t3_decides_the_global_range_and_never_drops_an_undecided_row():
    from flint import ctx

    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0]]), [0, 1])   # K = 2: range sigma <= Delta/ln 2
    res = certify_t3(inst, Fraction(1, 2))
    assert res["global_range"].status == "proved" and sum("2diam" in d.name for d in res["decisions"]) == 2
    res = certify_t3(inst, Fraction(3, 2))                     # 1.5 ln 2 > 1: outside, rows omitted
    assert res["global_range"].status == "disproved" and not any("2diam" in d.name for d in res["decisions"])
    with ctx.workprec(300):
        ln2 = Fraction(arb(2).log().mid().str(90, radius=False))
    res = certify_t3(inst, inst.delta / ln2, max_prec=64)      # within 1e-90 of the edge: undecided at 64 bits
    glob = [d for d in res["decisions"] if "2diam" in d.name]
    assert res["global_range"].status == "undecided" and [d.status for d in glob] == ["undecided"] * 2


def test_t4_constant_and_the_certificate_use_the_same_formula():
    from flint import ctx

    from kmrbf.numerics.certify import t4_constant

    name, inst = certified_instances()[0]
    with ctx.workprec(128):
        C = t4_constant(inst, "1.5")
        assert C.overlaps(arb(inst.diam) / (arb(inst.delta.numerator) / inst.delta.denominator / 2))
    # the certified bound is C sigma: its (C sigma/dev)^2 ratio is what Decision.ratio reports
    out = certify_t4(inst, inst.delta * 2, "1.5", max_prec=256)   # sigma = 4 (alpha-1) Delta: centroids moved
    d = next(d for d in out if "C*sigma" in d.name)
    assert d.status == "proved" and d.ratio > 1


# ---------------------------------------------------------------------------- mutation-testing gaps
def test_t3_bound_balls_by_hand_with_two_point_cells():
    """Cells {0, 1}, {10, 11}: K - 1 = 1 weighs the own-cell distances (0.5 + 0.5), the other cell adds
    9.5 + 10.5, so A_0 = 21; n_0 = m = 2, N = 4, diam = 11: instance eps*21/(2(1-eps)), global
    2*11*4*1/2*eps = 44 eps.  (Two singletons, as above, cannot tell (K-1) from (K+1), nor / m from * m.)"""
    from flint import ctx

    from kmrbf.numerics.certify import t3_bound_balls
    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    with ctx.workprec(256):
        eps = (-arb(90) / 9).exp()                  # sigma = Delta/10 = 9; Delta_0 = Delta = 90
        b = t3_bound_balls(inst, Fraction(9), 0)
        assert b["A"].overlaps(arb(21)) and b["A"].rad() < 1e-60
        for key, want in (("instance", eps * 21 / (2 * (1 - eps))), ("per_cell", eps * 21 / (2 * (1 - eps))),
                          ("global", 44 * eps)):
            assert abs(b[key] - want) < 1e-60 * want, (key, b[key].str(20), want.str(20))


def test_certify_t3_rate_encloses_sigma_log_dev_plus_delta_k():
    """rate[k] = sigma log||mu_hat_k - mu*_k|| + Delta_k (half the log of the squared deviation), against
    float64 soft centroids at sigma = Delta/10 (deviation ~ 4.5 e^{-10}, far from underflow)."""
    import math

    from kmrbf.evidence.sigma import deviations
    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    res = certify_t3(inst, Fraction(9))
    dev = deviations(inst, 9.0)
    for k in range(2):
        assert res["rate"][k] != "undecided"
        want = 9.0 * math.log(float(dev[k])) + 90.0
        got = arb(res["rate"][k])
        # the string carries 6 digits: the ball's radius (~2e-5) covers the printing; float64 adds ~1e-12
        assert abs(float(got.mid()) - want) <= float(got.rad()) + 1e-9, (k, res["rate"][k], want)
        assert float(got.rad()) < 1e-4


def test_decision_ratio_is_nan_when_lhs_contains_zero_and_balls_print_ten_digits():
    import math

    d = decide_le(lambda p: (arb(0, 1e-3), arb(1)), "ball around 0 <= 1")
    assert d.status == "proved" and math.isnan(d.ratio)          # lhs contains 0: no tightness ratio
    assert d.lhs == arb(0, 1e-3).str(10) and d.rhs == arb(1).str(10)
    d = decide_le(lambda p: (arb(2) / 3, arb(1) / 7), "2/3 <= 1/7")
    from flint import ctx

    with ctx.workprec(d.prec):
        assert d.status == "disproved" and d.lhs == (arb(2) / 3).str(10) and d.rhs == (arb(1) / 7).str(10)


def test_precision_arguments_are_keyword_only():
    import inspect

    for f, pos, kw in ((certify_t3, ("inst", "sigma"), ("max_prec",)),
                       (decide_le, ("compute", "name"), ("prec", "max_prec"))):
        params = inspect.signature(f).parameters
        assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in kw), f.__name__
        assert all(params[n].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for n in pos), f.__name__


def test_certify_t3_leaves_an_unmoved_centroid_undecided_never_disproved():
    """Middle cell {-1, 1} between {-11, -10} and {10, 11}: by symmetry mu_hat_1 = mu*_1 exactly, so 'dev<=0'
    is true and can only be proved or left undecided (a ball around 0), and its rate is 'undecided';
    the outer cells moved ('dev<=0' disproved)."""
    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[-11.0], [-10.0], [-1.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1, 2, 2])
    res = certify_t3(inst, inst.delta / 10, max_prec=256)
    pos = {d.name: d.status for d in res["decisions"] if d.name.endswith("dev<=0")}
    assert pos == {"k=0: dev<=0": "disproved", "k=1: dev<=0": "undecided", "k=2: dev<=0": "disproved"}
    assert res["rate"][1] == "undecided" and res["rate"][0] != "undecided"


def test_certify_t3_decides_the_squared_bounds_and_records_their_tightness():
    """Two singletons at sigma = 1/4: the decisions compare dev^2 with b^2, so their ratios rhs/lhs are
    ((1+eps)/(1-eps))^2 (instance and per-cell bounds) and (4(1+eps))^2 (global), eps = e^{-4}."""
    import math

    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0]]), [0, 1])
    eps = math.exp(-4.0)
    res = certify_t3(inst, Fraction(1, 4))
    for d in res["decisions"]:
        want = (0.0 if d.name.endswith("dev<=0") else (4 * (1 + eps)) ** 2 if "2diam" in d.name
                else ((1 + eps) / (1 - eps)) ** 2)
        assert d.status == ("disproved" if d.name.endswith("dev<=0") else "proved"), d.name
        assert math.isclose(d.ratio, want, rel_tol=1e-12, abs_tol=1e-300), (d.name, d.ratio, want)


def test_certify_t3_global_range_is_sigma_ln_2_k_minus_1_for_three_cells():
    """K = 3, Delta = 90: the range is sigma <= 90/ln 4 (not 90/ln 1, which would admit every sigma)."""
    import math

    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0], [20.0], [21.0]]), [0, 0, 1, 1, 2, 2])
    edge = Fraction(inst.delta) / Fraction(math.log(4))
    assert certify_t3(inst, edge * Fraction(11, 10))["global_range"].status == "disproved"
    assert certify_t3(inst, edge * Fraction(9, 10))["global_range"].status == "proved"


def test_certify_t4_moved_is_decided_against_zero():
    """Two singletons, alpha = 1.5 (threshold (alpha-1) Delta = 1/2): 'did not move' is proved at 1/4 and
    disproved at 3/4, where the deviation is far below 1 (so it is 'dev <= 0' that is decided)."""
    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0]]), [0, 1])
    for sigma, want in ((Fraction(1, 4), "proved"), (Fraction(3, 4), "disproved")):
        moved = [d.status for d in certify_t4(inst, sigma, "1.5") if "did not move" in d.name]
        assert moved == [want, want], (sigma, moved)


def test_decide_le_proves_an_exact_equality_and_prints_undecided_balls():
    from flint import ctx

    d = decide_le(lambda p: (arb(1) / 4, arb(1) / 4), "1/4 <= 1/4")    # exact balls: diff is exactly 0
    assert d.status == "proved" and d.ratio == 1.0
    d = decide_le(lambda p: (arb(1) / 3, arb(1) / 3), "1/3 <= 1/3", max_prec=128)
    with ctx.workprec(128):
        assert d.status == "undecided" and d.lhs == d.rhs == (arb(1) / 3).str(10)


def test_a_ball_touching_the_other_side_is_undecided_never_disproved():
    """rhs = [0 +/- r], lhs = r exactly: rhs - lhs = [-r +/- r] has upper end exactly 0, so lhs <= rhs may hold
    (with equality): undecided, not disproved (only a ball entirely below 0 disproves)."""
    rhs = arb(0, 0.5)
    lhs = arb(float(rhs.rad().mid()))
    diff = rhs - lhs
    assert diff <= 0 and not diff < 0 and not diff >= 0       # the edge case is really constructed
    d = decide_le(lambda p: (lhs, rhs), "touching", max_prec=128)
    assert d.status == "undecided" and d.prec == 128


def test_t3_global_bound_by_hand_with_three_cells():
    """{0, 1}, {10, 11}, {20, 21}: K - 1 = 2, N = 6, m = 2, diam = 21: global 2*21*6*2/2*eps = 252 eps
    (K = 2 instances cannot tell N (K-1) from N / (K-1))."""
    from flint import ctx

    from kmrbf.numerics.certify import t3_bound_balls
    from kmrbf.numerics.lloyd_instances import from_partition

    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0], [20.0], [21.0]]), [0, 0, 1, 1, 2, 2])
    with ctx.workprec(256):
        eps = (-arb(90) / 9).exp()
        g = t3_bound_balls(inst, Fraction(9), 1)["global"]
        assert abs(g - 252 * eps) < 1e-60 * g, g.str(20)


def test_proved_balls_and_rates_print_the_stated_digits():
    """Decision balls with 10 digits (also when proved), rates with 6 (certify_t3's docstring)."""
    import re

    from flint import ctx

    from kmrbf.numerics.lloyd_instances import from_partition

    d = decide_le(lambda p: (arb(1) / 3, arb(1)), "1/3 <= 1")
    with ctx.workprec(d.prec):
        assert d.status == "proved" and d.lhs == (arb(1) / 3).str(10) and d.rhs == arb(1).str(10)
    inst = from_partition(np.array([[0.0], [1.0], [10.0], [11.0]]), [0, 0, 1, 1])
    rate = certify_t3(inst, Fraction(9))["rate"][0]
    assert len(re.sub(r"\D", "", rate.split(" +/- ")[0])) == 6, rate


def test_decision_ratio_of_a_negative_lhs_is_rhs_over_lhs():
    d = decide_le(lambda p: (arb(-2), arb(1)), "-2 <= 1")
    assert d.status == "proved" and d.ratio == -0.5
