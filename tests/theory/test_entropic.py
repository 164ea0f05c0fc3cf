"""Tests of :mod:`kmrbf.theory.entropic`: KR-E12 (the softmax minimiser) and KR-S32 (the
zero-temperature limits) are true, every obligation discharged."""

from __future__ import annotations

import pytest
import sympy as sp

from kmrbf.theory import entropic


@pytest.mark.parametrize("builder", [entropic.kr_e12, entropic.kr_s32], ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, set())


def test_softmax_exprs_equal_explicit_expressions_at_rational_points():
    d1, d2, d3 = sp.symbols("d_1:4", real=True)
    s = sp.Symbol("s", positive=True)
    p = entropic.softmax_exprs([d1, d2, d3], s)
    assert len(p) == 3
    den = sp.exp(-d1 / s) + sp.exp(-d2 / s) + sp.exp(-d3 / s)
    explicit = [sp.exp(-d1 / s) / den, sp.exp(-d2 / s) / den, sp.exp(-d3 / s) / den]
    for pt in ({d1: sp.Rational(1, 2), d2: sp.Rational(-3, 4), d3: sp.Integer(2), s: sp.Rational(2, 3)},
               {d1: sp.Integer(0), d2: sp.Integer(0), d3: sp.Rational(7, 5), s: sp.Integer(3)}):
        vals = [e.subs(pt) for e in p]
        for v, w in zip(vals, explicit):
            assert abs(sp.N(v - w.subs(pt), 40)) < sp.Float("1e-35")
        assert abs(sp.N(sum(vals) - 1, 40)) < sp.Float("1e-35")
        # log-ratios are the distance differences over the temperature
        assert sp.simplify(sp.log(vals[0] / vals[1]) - (pt[d2] - pt[d1]) / pt[s]) == 0
    # equal distances: uniform; a known value: softmax(-(0, log 2)) = (1/3, 2/3)
    assert [sp.simplify(e.subs({d1: 1, d2: 1, d3: 1})) for e in p] == [sp.Rational(1, 3)] * 3
    q = entropic.softmax_exprs([sp.Integer(0), -sp.log(2)], sp.Integer(1))
    assert [sp.simplify(e) for e in q] == [sp.Rational(1, 3), sp.Rational(2, 3)]


def test_softmax_exprs_default_temperature_and_zero_temperature_limit():
    d1, d2 = sp.symbols("d_1 d_2", real=True)
    p = entropic.softmax_exprs([d1, d2])
    assert entropic.sigma in p[0].free_symbols  # the module's temperature symbol by default
    at = {d1: sp.Integer(1), d2: sp.Integer(3)}
    # sigma -> 0+: the responsibilities become one-hot at the smallest distance
    assert sp.limit(p[0].subs(at), entropic.sigma, 0, "+") == 1
    assert sp.limit(p[1].subs(at), entropic.sigma, 0, "+") == 0


def test_w_minus_g_identity_belongs_to_kr_s32_not_kr_e12(monkeypatch):
    """W - G = sigma H is KR-S32's statement: breaking it fails kr_s32 and leaves kr_e12 (the minimiser) alone."""
    from kmrbf.theory.obligations import Identity

    assert not any("W - G" in o.name for o in entropic.kr_e12().obligations)
    x = sp.Symbol("x", real=True)
    monkeypatch.setattr(entropic, "_w_minus_g_identity",
                        lambda: Identity("W - G = sigma H (broken)", x, x + 1, points=[{x: sp.Integer(0)}]))
    assert entropic.kr_s32.__wrapped__().run(n_points=2).status == "failed"
    assert entropic.kr_e12.__wrapped__().run(n_points=2).status == "passed"
