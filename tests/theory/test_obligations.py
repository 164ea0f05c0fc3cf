"""Tests of :mod:`kmrbf.theory.obligations`: false identities, signs and limits fail, with a counterexample."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from kmrbf.theory.obligations import (
    Computed, Identity, LimitIs, NumericCheck, Obligation, ObligationResult, Sign, nonneg_by_monotonicity, tex_escape,
)
from kmrbf.theory.spotcheck import numeric_sign_check, rng_for, uniform_sampler


def test_identity_catches_a_false_simplification():
    x = sp.Symbol("x", positive=True)
    ob = Identity("sqrt(x^2) = -x is false", sp.sqrt(x**2), -x, sampler=uniform_sampler({x: (1, 2)}))
    res = ob.discharge(rng_for("t"), 3)
    assert res.status == "failed" and "x = " in res.counterexample


def test_sign_and_limit_obligations_fail_when_false():
    x = sp.Symbol("x", positive=True)
    assert Sign("neg", -x, ">", sampler=uniform_sampler({x: (0, 1)})).discharge(rng_for("s"), 2).status == "failed"
    lim = LimitIs("wrong limit", 1 / x, x, sp.oo, 1).discharge(rng_for("l"), 2)
    assert lim.status == "failed"


def test_tex_escape_every_special_character():
    assert tex_escape("a_b") == r"a\_b"
    assert tex_escape("{x}") == r"\{x\}"
    assert tex_escape("$5 & 10% #3") == r"\$5 \& 10\% \#3"
    assert tex_escape("p^2 ~ q") == r"p\textasciicircum{}2 \textasciitilde{} q"
    # a backslash is escaped once; the braces it introduces are not escaped again
    assert tex_escape("\\alpha") == r"\textbackslash{}alpha"
    assert tex_escape("plain text 1-2 (ok)") == "plain text 1-2 (ok)"
    # no unescaped special survives
    out = tex_escape(r"\{}$&#%_^~")
    assert not re.search(r"(?<!\\)[$&#%_]", out)


def test_obligation_result_to_latex():
    ok = ObligationResult("x_1 & y", "x \\ge 0", "passed", "SymPy 100%", True, 4)
    tex = ok.to_latex()
    assert tex.startswith(r"\item[$\checkmark$] \textbf{x\_1 \& y} (passed; SymPy 100\%; 4 numeric checks at 50 digits)")
    assert tex.endswith(r"$x \ge 0$")  # the statement is LaTeX math, not escaped
    bad = ObligationResult("n", "s", "failed", "m", False, 1, counterexample="x_0 = 1/2", detail="50% off")
    tb = bad.to_latex()
    assert r"\item[$\times$]" in tb and r"\\ 50\% off" in tb and tb.endswith(r"\\ Counterexample: x\_0 = 1/2")
    und = ObligationResult("n", "s", "undecided", "m", None, 0)
    assert und.to_latex().startswith(r"\item[$?$]") and "Counterexample" not in und.to_latex()
    with pytest.raises(KeyError):
        ObligationResult("n", "s", "maybe", "m", None, 0).to_latex()


def test_obligation_base_class_is_abstract():
    ob = Obligation()
    with pytest.raises(NotImplementedError):
        ob.discharge(rng_for("base"))
    x = sp.Symbol("x", real=True)
    assert isinstance(Identity("i", x, x), Obligation)


def test_computed_status_from_symbolic_and_numeric_parts():
    x = sp.Symbol("x", real=True)
    good_num = numeric_sign_check(x**2, ">=", uniform_sampler({x: (-2, 2)}))
    bad_num = numeric_sign_check(x, ">", uniform_sampler({x: (-2, -1)}))

    res = Computed("shown", "s", lambda: (True, "ok", None), good_num).discharge(rng_for("c1"), 3)
    assert (res.status, res.symbolic, res.numeric_checks, res.counterexample) == ("passed", True, 3, None)
    assert res.method == "computation"

    res = Computed("no numeric", "s", lambda: (True, "ok", None), method="m").discharge(rng_for("c2"), 3)
    assert (res.status, res.numeric_checks, res.method) == ("passed", 0, "m")

    res = Computed("undecided", "s", lambda: (None, "?", None), good_num).discharge(rng_for("c3"), 3)
    assert res.status == "undecided" and res.counterexample is None

    res = Computed("refuted", "s", lambda: (False, "no", "x = 0"), good_num).discharge(rng_for("c4"), 3)
    assert res.status == "failed" and res.counterexample == "x = 0"
    assert "numeric check did not see the failure" in res.detail

    res = Computed("disagree", "s", lambda: (True, "claimed", None), bad_num).discharge(rng_for("c5"), 3)
    assert res.status == "failed" and res.counterexample.startswith("x = -")
    assert "disagree" in res.detail and res.numeric_checks == 1

    res = Computed("numeric refutes", "s", lambda: (None, "?", None), bad_num).discharge(rng_for("c6"), 3)
    assert res.status == "failed" and res.counterexample.startswith("x = -")

    # refuted symbolically without a witness: the numeric counterexample is kept (regression 2026-11-28)
    res = Computed("both refute", "s", lambda: (False, "no", None), bad_num).discharge(rng_for("c7"), 3)
    assert res.status == "failed" and res.counterexample.startswith("x = -")


def test_numeric_check_passes_iff_every_check_passes():
    calls = []

    def ok(rng, n):
        calls.append(n)
        return n, None

    res = NumericCheck("cross-check", r"a=b", ok).discharge(rng_for("n1"), 4)
    assert calls == [4]
    assert (res.status, res.numeric_checks, res.symbolic, res.counterexample) == ("passed", 4, None, None)
    assert res.method == "numeric cross-check only" and res.statement == "a=b"

    res = NumericCheck("cross-check", "a=b", lambda rng, n: (2, "z = 1: 3 != 4")).discharge(rng_for("n2"), 4)
    assert (res.status, res.numeric_checks, res.counterexample) == ("failed", 2, "z = 1: 3 != 4")


def test_nonneg_by_monotonicity_true_and_false():
    x = sp.Symbol("x", nonnegative=True)
    samp = uniform_sampler({x: (0, 5)})
    ob = nonneg_by_monotonicity("x - log(1+x) >= 0", x - sp.log(1 + x), x, 0, samp)
    assert isinstance(ob, Computed)
    res = ob.discharge(rng_for("m1"), 4)
    assert (res.status, res.symbolic, res.numeric_checks) == ("passed", True, 4)
    assert r"\ge 0" in res.statement

    # value at the left end negative: refuted symbolically, with the witness
    res = nonneg_by_monotonicity("x - 1 >= 0", x - 1, x, 0, samp).discharge(rng_for("m2"), 4)
    assert res.status == "failed" and res.symbolic is False
    assert res.counterexample == "x = 0: value -1"

    # decreasing: the symbolic part cannot conclude, the numeric part finds the counterexample
    res = nonneg_by_monotonicity("1 - x >= 0", 1 - x, x, 0, uniform_sampler({x: (2, 5)})).discharge(rng_for("m3"), 4)
    assert res.status == "failed" and res.symbolic is None
    xv = sp.Rational(re.match(r"x = (\S+):", res.counterexample).group(1))
    assert 1 - xv < 0

    # true but not monotone-provable by SymPy: undecided, never passed
    ob4 = nonneg_by_monotonicity("exp(x) - 1 - x", sp.exp(x) - 1 - x, x, 0, samp, statement="e^x\\ge1+x")
    r4 = ob4.discharge(rng_for("m4"), 3)
    assert (r4.status, r4.symbolic, r4.counterexample) == ("undecided", None, None)
    assert ob4.statement == "e^x\\ge1+x"


def test_nonneg_by_monotonicity_decides_the_derivative_on_the_range_not_on_the_assumptions():
    """Regression (2026-11-28): with x declared positive, x^2 - 1/2 on x >= -1 was 'passed'
    (the derivative 2x is positive under x's assumptions, but not on [-1, 0)); x = 0 gives -1/2."""
    x = sp.Symbol("x", positive=True)
    ob = nonneg_by_monotonicity("x^2 - 1/2 >= 0 on x >= -1", x**2 - sp.Rational(1, 2), x, -1,
                                uniform_sampler({x: (2, 5)}))
    res = ob.discharge(rng_for("m5"), 4)
    assert res.status != "passed" and res.symbolic is None
