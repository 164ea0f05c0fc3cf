"""Tests of :mod:`kmrbf.theory.spotcheck`: 50-digit evaluation, exact re-evaluation, sign tests
and the counterexample a failing sign check reports."""

from __future__ import annotations

import re

import mpmath
import pytest
import sympy as sp

from kmrbf.theory.spotcheck import (
    DPS, exact_value, fmt_point, free_args, mp_eval, mp_lambdify, numeric_sign_check, rng_for, sign_holds,
    uniform_sampler,
)

x, y = sp.symbols("x y", real=True)
d = sp.IndexedBase("d")


def test_fmt_point_lists_name_equals_value_in_order():
    pt = {x: sp.Rational(1, 3), d[1]: sp.Integer(-2), y: sp.Rational(7, 2)}
    assert fmt_point(pt) == "x = 1/3, d[1] = -2, y = 7/2"
    assert fmt_point({}) == ""


def test_free_args_symbols_and_indexed_without_labels_sorted():
    got = free_args(x * d[1] + d[2] ** 2, sp.sin(y))
    assert got == [x, y, d[1], d[2]]
    assert d.label not in got  # the label of an indexed object is not an argument
    # union over several expressions, no duplicates; constants contribute nothing
    assert free_args(x + 1, x * y, sp.Integer(3)) == [x, y]
    assert free_args(sp.pi + sp.Integer(2)) == []


def test_mp_lambdify_matches_high_precision_evalf():
    expr = sp.exp(x) * sp.sin(y) + sp.sqrt(x) * sp.log(1 + y**2) - sp.atan(x / y)
    f = mp_lambdify([x, y], expr)
    pt = {x: sp.Rational(3, 7), y: sp.Rational(-5, 11)}
    ref = expr.subs(pt).evalf(70)
    with mpmath.workdps(60):
        got = f(mpmath.mpf(3) / 7, mpmath.mpf(-5) / 11)
        assert abs(got - mpmath.mpf(str(ref))) < mpmath.mpf(10) ** -55
    # argument order is the order of ``args``
    g = mp_lambdify([y, x], x - 2 * y)
    assert g(1, 5) == 3


def test_mp_eval_is_50_digit_accurate_at_rational_points():
    expr = sp.exp(x) / y + sp.sqrt(2 * x) - sp.cos(d[1])
    args = free_args(expr)
    f = mp_lambdify(args, expr)
    pt = {x: sp.Rational(1, 3), y: sp.Rational(2, 7), d[1]: sp.Rational(-9, 10)}
    v = mp_eval(f, args, pt)
    ref = expr.subs(pt).evalf(80)
    with mpmath.workdps(70):
        err = abs(v - mpmath.mpf(str(ref)))
    # 15-digit (double) evaluation, or 1/3 rounded to a float, would be off by ~1e-16
    assert err < mpmath.mpf(10) ** -(DPS - 5)
    assert mpmath.mp.dps == 15  # the precision is scoped


def test_exact_value_against_rational_arithmetic_and_nsimplify():
    pt = {x: sp.Rational(2, 3), y: sp.Rational(-5, 4)}
    v = exact_value((x**2 + y) / 3, pt)
    exact = (sp.Rational(2, 3) ** 2 + sp.Rational(-5, 4)) / 3  # = -29/108
    assert isinstance(v, sp.Float)
    assert abs(v - exact) < sp.Rational(1, 10**29)
    assert sp.nsimplify(v, rational=True) == exact
    w = exact_value(sp.sqrt(x) + y, {x: sp.Integer(2), y: sp.Rational(1, 3)})
    assert abs(w - (sp.sqrt(2) + sp.Rational(1, 3)).evalf(50)) < sp.Float("1e-28")
    assert sp.nsimplify(w - sp.Rational(1, 3), [sp.sqrt(2)]) == sp.sqrt(2)


@pytest.mark.parametrize("v,rel,expected", [
    (mpmath.mpf(1), ">", True), (mpmath.mpf(-1), ">", False), (mpmath.mpf(0), ">", False),
    (mpmath.mpf(0), ">=", True), (mpmath.mpf(-1), ">=", False),
    (mpmath.mpf(-2), "<", True), (mpmath.mpf(2), "<", False),
    (mpmath.mpf(0), "<=", True), (mpmath.mpf(3), "<=", False),
    # within 1e-40 of 0 counts as 0
    (mpmath.mpf("1e-45"), ">", False), (mpmath.mpf("-1e-45"), ">=", True), (mpmath.mpf("1e-45"), "<=", True),
    # just outside the tolerance it does not
    (mpmath.mpf("1e-39"), ">", True), (mpmath.mpf("-1e-39"), ">=", False),
])
def test_sign_holds(v, rel, expected):
    assert sign_holds(v, rel) is expected


def test_numeric_sign_check_passes_a_true_statement():
    check = numeric_sign_check((x - 1) ** 2, ">=", uniform_sampler({x: (-3, 3)}))
    assert check(rng_for("true"), 7) == (7, None)
    pos = numeric_sign_check(x**2 + y**2 + sp.Rational(1, 10), ">", uniform_sampler({x: (-1, 1), y: (-1, 1)}))
    assert pos(rng_for("true2"), 5) == (5, None)


def test_numeric_sign_check_fails_a_false_statement_with_a_counterexample():
    # x^2 - 2 > 0 is false on (0, 1): the first point refutes it
    n, cex = numeric_sign_check(x**2 - 2, ">", uniform_sampler({x: (0, 1)}))(rng_for("false"), 5)
    assert n == 1 and cex is not None
    m = re.fullmatch(r"x = (-?\d+(?:/\d+)?): value = (\S+)", cex)
    assert m, cex
    xv = sp.Rational(m.group(1))
    assert 0 < xv < 1
    assert abs(sp.Float(m.group(2)) - (xv**2 - 2)) < 1e-12  # the reported value is the value at the point
    # false only on part of the domain: found after some passing points, and the point really violates
    n2, cex2 = numeric_sign_check(x - sp.Rational(9, 10), ">=", uniform_sampler({x: (0, 1)}))(rng_for("f2"), 200)
    assert cex2 is not None and 1 <= n2 <= 200
    assert sp.Rational(cex2.split(":")[0].split("= ")[1]) < sp.Rational(9, 10)


def test_numeric_sign_check_rejects_an_unknown_relation():
    with pytest.raises(ValueError):
        numeric_sign_check(x, "!=", uniform_sampler({x: (0, 1)}))
