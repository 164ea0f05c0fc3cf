"""Tests of :mod:`kmrbf.theory.entmax`: the entmax-1.5 Jacobian (KR-T2-grad) and the entmax
one-hot condition (KR-T5) are true, every obligation discharged; the paper's sufficient condition and
our finding that the threshold is sharp are separate derivations."""

from __future__ import annotations

import mpmath
import pytest

from kmrbf.theory import entmax
from kmrbf.theory.entmax import mp_entmax_bisect


@pytest.mark.parametrize("builder", [entmax.entmax15_jacobian, entmax.entmax_one_hot, entmax.entmax_one_hot_sharp],
                         ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, set())


def test_a_broken_sharpness_finding_does_not_touch_the_paper_condition(monkeypatch):
    import sympy as sp

    from kmrbf.theory.obligations import Identity

    x = sp.Symbol("x", real=True)
    monkeypatch.setattr(entmax, "_sharp_threshold_obligations",
                        lambda: [Identity("broken finding", x, x + 1, points=[{x: sp.Integer(0)}])])
    assert entmax.entmax_one_hot_sharp.__wrapped__().run(n_points=2).status == "failed"
    assert entmax.entmax_one_hot.__wrapped__().run(n_points=2).status == "passed"
    assert not any("iff" in o.name for o in entmax.entmax_one_hot.__wrapped__().obligations)


def _sparsemax(z):
    """Closed form (Martins & Astudillo 2016): tau from the sorted cumulative sums."""
    zs = sorted(z, reverse=True)
    csum, k_sup, c_sup = 0, 0, 0
    for k, v in enumerate(zs, 1):
        csum += v
        if 1 + k * v > csum:
            k_sup, c_sup = k, csum
    tau = (c_sup - 1) / k_sup
    return [max(v - tau, 0) for v in z]


def _entmax15_sort(z):
    """Exact entmax-1.5 by sorting (Peters et al. 2019, Alg. 2), on z/2."""
    zs = sorted((v / 2 for v in z), reverse=True)
    tau_star, s1, s2 = None, 0, 0
    for k, v in enumerate(zs, 1):
        s1 += v
        s2 += v * v
        mean = s1 / k
        delta = (1 - k * (s2 / k - mean**2)) / k
        if delta < 0:
            break
        tau = mean - mpmath.sqrt(delta)
        if tau <= v:
            tau_star = tau
    return [max(v / 2 - tau_star, 0) ** 2 for v in z]


def _dist(p, q):
    return max(abs(a - b) for a, b in zip(p, q))


Z_CASES = [["1", "0.5", "-1"], ["0.3", "0.1", "0.2", "-0.4"], ["2", "-2", "0", "0.25", "1.9"], ["0", "0", "0"]]


@pytest.mark.parametrize("zs", Z_CASES)
def test_mp_entmax_bisect_alpha2_is_sparsemax(zs):
    with mpmath.workdps(50):
        z = [mpmath.mpf(v) for v in zs]
        p = mp_entmax_bisect(z, mpmath.mpf(2))
        assert _dist(p, _sparsemax(z)) < mpmath.mpf(10) ** -45
        assert abs(mpmath.fsum(p) - 1) < mpmath.mpf(10) ** -45


@pytest.mark.parametrize("zs", Z_CASES)
def test_mp_entmax_bisect_alpha15_matches_sort_formula(zs):
    with mpmath.workdps(50):
        z = [mpmath.mpf(v) for v in zs]
        p = mp_entmax_bisect(z, mpmath.mpf("1.5"))
        assert _dist(p, _entmax15_sort(z)) < mpmath.mpf(10) ** -45
        assert all(x >= 0 for x in p)


def test_mp_entmax_bisect_known_values_and_one_hot():
    with mpmath.workdps(50):
        # sparsemax of (1, 0.5, -1) is (3/4, 1/4, 0)
        p = mp_entmax_bisect([mpmath.mpf(1), mpmath.mpf("0.5"), mpmath.mpf(-1)], mpmath.mpf(2))
        assert _dist(p, [mpmath.mpf(3) / 4, mpmath.mpf(1) / 4, 0]) < mpmath.mpf(10) ** -45
        # one-hot exactly when the gap is >= 1/(alpha-1) (= 2 for alpha = 1.5)
        assert mp_entmax_bisect([mpmath.mpf(0), mpmath.mpf("-2.01")], mpmath.mpf("1.5"))[1] == 0
        assert mp_entmax_bisect([mpmath.mpf(0), mpmath.mpf("-1.99")], mpmath.mpf("1.5"))[1] > 0


def test_mp_entmax_bisect_tends_to_softmax_as_alpha_to_1():
    with mpmath.workdps(50):
        z = [mpmath.mpf(v) for v in ("1", "0.5", "-1", "0.2")]
        e = [mpmath.exp(v) for v in z]
        soft = [v / mpmath.fsum(e) for v in e]
        errs = [_dist(mp_entmax_bisect(z, 1 + mpmath.mpf(10) ** -j), soft) for j in (3, 6, 9)]
        assert errs[2] < mpmath.mpf(10) ** -8
        assert errs[0] > errs[1] > errs[2]  # O(alpha - 1) convergence
        # far from the limit it is not the softmax (sparse)
        assert _dist(mp_entmax_bisect(z, mpmath.mpf(2)), soft) > mpmath.mpf("0.05")
