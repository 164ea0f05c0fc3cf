"""Proof obligations: statements checked symbolically by SymPy and numerically by mpmath.

Each obligation's :meth:`~Obligation.discharge` returns an :class:`ObligationResult`:

* :class:`Identity` -- ``simplify(lhs - rhs) == 0``;
* :class:`Sign` -- ``expr REL 0`` decided by SymPy's assumption system;
* :class:`LimitIs` -- a :func:`sympy.limit`;
* :class:`Computed` -- a custom symbolic computation (e.g. a solved inequality);
  :func:`nonneg_by_monotonicity` builds one;
* :class:`NumericCheck` -- a numeric cross-check only.

The numeric half (50-digit evaluations at random rational points, with the
tolerance of the error analysis in :mod:`kmrbf.theory.spotcheck`) guards each
symbolic check.  An obligation is ``passed`` when both agree that it holds,
``failed`` when a concrete point shows it false (the point is the counterexample;
it is also re-evaluated exactly with SymPy at 30 digits), and ``undecided`` when
SymPy could not discharge it although every numeric check passed.  A
disagreement between the symbolic and the numeric check is reported as
``failed`` with the reason, never hidden.

Examples
--------
>>> import sympy as sp
>>> from kmrbf.theory.spotcheck import rng_for, uniform_sampler
>>> x = sp.Symbol("x", positive=True)
>>> ob = Identity("log-exp", sp.log(sp.exp(x)), x, sampler=uniform_sampler({x: (0, 5)}))
>>> res = ob.discharge(rng_for("doc"), n_points=3)
>>> res.status, res.numeric_checks
('passed', 3)
>>> bad = Identity("wrong", sp.sin(x) ** 2, x, sampler=uniform_sampler({x: (1, 2)}))
>>> r = bad.discharge(rng_for("doc"), n_points=3)
>>> r.status
'failed'
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from .spotcheck import (
    DPS, Point, Sampler, exact_value, fmt_point, free_args, mp_eval, mp_lambdify, numeric_sign_check, sign_holds,
)

__all__ = [
    "ObligationResult",
    "Obligation",
    "Identity",
    "Sign",
    "LimitIs",
    "Computed",
    "NumericCheck",
    "nonneg_by_monotonicity",
    "tex_escape",
]


@dataclass
class ObligationResult:
    """Outcome of discharging one obligation."""

    name: str
    statement: str
    status: str  # passed | failed | undecided
    method: str
    symbolic: bool | None
    numeric_checks: int
    counterexample: str | None = None
    detail: str = ""

    def to_latex(self) -> str:
        mark = {"passed": r"\checkmark", "failed": r"\times", "undecided": "?"}[self.status]
        s = rf"\item[${mark}$] \textbf{{{tex_escape(self.name)}}} ({self.status}; {tex_escape(self.method)}; "
        s += rf"{self.numeric_checks} numeric checks at {DPS} digits): ${self.statement}$"
        if self.detail:
            s += rf"\\ {tex_escape(self.detail)}"
        if self.counterexample:
            s += rf"\\ Counterexample: {tex_escape(self.counterexample)}"
        return s


_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
}


def tex_escape(s: str) -> str:
    r"""Escape every LaTeX special of a plain-text name or detail.

    >>> print(tex_escape("u* ~ p^{-1} & 5% of x_i"))
    u* \textasciitilde{} p\textasciicircum{}\{-1\} \& 5\% of x\_i
    """
    return "".join(_TEX_SPECIALS.get(c, c) for c in s)


class Obligation:
    """Base class: a named statement with a symbolic and a numeric check."""

    name: str
    statement: str

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:  # pragma: no cover
        raise NotImplementedError


@dataclass
class Identity(Obligation):
    r"""``lhs == rhs`` identically on the sampler's domain.

    Symbolic: ``simplify(lhs - rhs) == 0`` (then ``(lhs - rhs).equals(0)``).
    Numeric: ``|lhs - rhs| <= 1e-40 (1 + |lhs| + |rhs|)`` at ``n_points`` random
    rational points, tried after the explicit ``points``.
    """

    name: str
    lhs: sp.Expr
    rhs: sp.Expr
    sampler: Sampler | None = None
    points: Sequence[Point] = ()
    statement: str = ""
    numeric_lhs: sp.Expr | None = None  # concrete stand-ins for numeric checks (e.g. K = 3)
    numeric_rhs: sp.Expr | None = None
    numeric_sampler: Sampler | None = None

    def __post_init__(self) -> None:
        if not self.statement:
            self.statement = f"{sp.latex(self.lhs)} = {sp.latex(self.rhs)}"

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:
        diff = sp.simplify(self.lhs - self.rhs)
        sym_ok: bool | None = diff == 0
        if not sym_ok:
            eq = (self.lhs - self.rhs).equals(0)
            sym_ok = True if eq else None
        method = "simplify(lhs - rhs) = 0" if sym_ok else f"simplify(lhs - rhs) = {sp.sstr(diff)}"
        lhs_n = self.numeric_lhs if self.numeric_lhs is not None else self.lhs
        rhs_n = self.numeric_rhs if self.numeric_rhs is not None else self.rhs
        sampler = self.numeric_sampler or self.sampler
        args = free_args(lhs_n, rhs_n)
        fl, fr = mp_lambdify(args, lhs_n), mp_lambdify(args, rhs_n)
        pts = list(self.points) + ([sampler(rng) for _ in range(n_points)] if sampler else [])
        checks, cex, detail = 0, None, ""
        for pt in pts:
            a, b = mp_eval(fl, args, pt), mp_eval(fr, args, pt)
            checks += 1
            with mpmath.workdps(DPS):
                ok = abs(a - b) <= mpmath.mpf(10) ** -40 * (1 + abs(a) + abs(b))
            if not ok:
                exact = exact_value(lhs_n - rhs_n, pt)
                cex = (f"{fmt_point(pt)}: lhs = {mpmath.nstr(a, 15)}, rhs = {mpmath.nstr(b, 15)}, "
                       f"lhs - rhs = {sp.sstr(exact)} (SymPy, 30 digits)")
                break
        if cex is not None:
            status = "failed"
            if sym_ok:
                detail = "simplify() claimed an identity that the numeric check refutes (simplification bug)"
        elif sym_ok:
            status = "passed"
        else:
            status = "undecided"
            detail = "SymPy could not reduce lhs - rhs to 0; every numeric check passed"
        return ObligationResult(self.name, self.statement, status, method, sym_ok, checks, cex, detail)


_SYMBOLIC_SIGN = {">": lambda e: e.is_positive,
                  ">=": lambda e: e.is_nonnegative,
                  "<": lambda e: e.is_negative,
                  "<=": lambda e: e.is_nonpositive}
"""SymPy's assumption-system query for ``expr REL 0`` (``None`` when undecided)."""


@dataclass
class Sign(Obligation):
    r"""``expr REL 0`` on the sampler's domain, ``REL`` in ``>, >=, <, <=``.

    Symbolic: SymPy's assumption system on ``factor(simplify(expr))`` (symbol
    assumptions encode the domain).  Numeric: the sign at random rational points
    (at 50 digits; a value within ``1e-40`` of 0 counts as 0).
    """

    name: str
    expr: sp.Expr
    rel: str
    sampler: Sampler | None = None
    points: Sequence[Point] = ()
    statement: str = ""

    def __post_init__(self) -> None:
        if self.rel not in _SYMBOLIC_SIGN:
            raise ValueError(f"rel={self.rel!r} is not one of {list(_SYMBOLIC_SIGN)}")
        if not self.statement:
            rel = {">": ">", ">=": r"\ge", "<": "<", "<=": r"\le"}[self.rel]
            self.statement = f"{sp.latex(self.expr)} {rel} 0"

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:
        sym_check = _SYMBOLIC_SIGN[self.rel]
        simp = sp.factor(sp.simplify(self.expr))
        decided = sym_check(simp)
        sym_ok = None if decided is None else bool(decided)
        method = (f"SymPy assumptions on {sp.sstr(simp)}: "
                  f"{'undecided by the assumptions' if decided is None else decided}")
        args = free_args(self.expr)
        f = mp_lambdify(args, self.expr)
        pts = list(self.points) + ([self.sampler(rng) for _ in range(n_points)] if self.sampler else [])
        checks, cex = 0, None
        for pt in pts:
            v = mp_eval(f, args, pt)
            checks += 1
            if not sign_holds(v, self.rel):
                where = f"{fmt_point(pt)}: " if pt else ""
                cex = f"{where}value = {sp.sstr(exact_value(self.expr, pt))}"
                break
        detail = ""
        if cex is not None:
            status = "failed"
            if sym_ok:
                detail = "the assumption system and the numeric check disagree"
        elif sym_ok is False:
            status, detail = "failed", "SymPy decided the opposite sign"
        elif sym_ok:
            status = "passed"
        else:
            status, detail = "undecided", "SymPy could not decide the sign; every numeric check passed"
        return ObligationResult(self.name, self.statement, status, method, sym_ok, checks, cex, detail)


@dataclass
class LimitIs(Obligation):
    r"""``lim_{var -> at} expr == expected`` (one-sided with ``direction``).

    Symbolic: :func:`sympy.limit`, then ``simplify(limit - expected) == 0``.
    Numeric: at random values of the other symbols, the error ``|expr - expected|``
    evaluated along ``var = at ± 10^{-j}`` (or ``10^{j}`` when ``at`` is infinite),
    ``j`` in ``approach``, is non-increasing and its last value is below the first
    (for ``expected = oo``: ``expr`` increases and exceeds ``10^{j}``-scale values).
    """

    name: str
    expr: sp.Expr
    var: sp.Symbol
    at: Any
    expected: Any
    direction: str = "+"
    sampler: Sampler | None = None
    points: Sequence[Point] = ()
    approach: Sequence[int] = (1, 2, 3)
    statement: str = ""

    def __post_init__(self) -> None:
        if not self.statement:
            d = "" if self.at in (sp.oo, -sp.oo) else ("^{+}" if self.direction == "+" else "^{-}")
            self.statement = (rf"\lim_{{{sp.latex(self.var)}\to {sp.latex(self.at)}{d}}} {sp.latex(self.expr)} "
                              rf"= {sp.latex(self.expected)}")

    def _var_values(self) -> list[sp.Rational]:
        if self.at == sp.oo:
            return [sp.Integer(10) ** j for j in self.approach]
        if self.at == -sp.oo:
            return [-sp.Integer(10) ** j for j in self.approach]
        s = 1 if self.direction == "+" else -1
        return [self.at + s * sp.Rational(1, 10**j) for j in self.approach]

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:
        why = "sympy.limit did not evaluate"
        try:
            lim = sp.limit(self.expr, self.var, self.at, self.direction)
        except (NotImplementedError, ValueError) as exc:  # gruntz gives up: undecided, never a pass
            lim = sp.Limit(self.expr, self.var, self.at, self.direction)
            why = f"sympy.limit raised {type(exc).__name__}: undecided"
        if self.expected in (sp.oo, -sp.oo):
            sym_ok = lim == self.expected
        else:
            sym_ok = lim.is_finite is not False and sp.simplify(lim - self.expected) == 0
        method = f"sympy.limit = {sp.sstr(lim)}"
        others = [a for a in free_args(self.expr) if a != self.var]
        args = others + [self.var]
        f = mp_lambdify(args, self.expr)
        pts = list(self.points) + ([self.sampler(rng) for _ in range(n_points)] if self.sampler else [])
        if not others and not pts:
            pts = [{}]
        checks, cex = 0, None
        for pt in pts:
            vals = []
            for v in self._var_values():
                q = dict(pt)
                q[self.var] = v
                vals.append(mp_eval(f, args, q))
            checks += 1
            with mpmath.workdps(DPS):
                if self.expected in (sp.oo, -sp.oo):
                    sgn = 1 if self.expected == sp.oo else -1
                    seq = [sgn * x for x in vals]
                    ok = all(b >= a for a, b in zip(seq, seq[1:])) and seq[-1] > seq[0]
                else:
                    exp_v = mp_eval(mp_lambdify(others, sp.sympify(self.expected)), others, pt)
                    errs = [abs(x - exp_v) for x in vals]
                    tiny = mpmath.mpf(10) ** -40
                    ok = all(b <= a + tiny for a, b in zip(errs, errs[1:])) and (errs[-1] < errs[0] or errs[-1] <= tiny)
            if not ok:
                where = f"at {fmt_point(pt)}, " if pt else ""
                cex = (f"sympy.limit = {sp.sstr(lim)}; {where}{sp.sstr(self.var)} = "
                       f"{[sp.sstr(v) for v in self._var_values()]} gives {[mpmath.nstr(x, 10) for x in vals]}")
                break
        detail = ""
        if cex is not None:
            status = "failed"
        elif sym_ok:
            status = "passed"
        elif lim.has(sp.Limit) or lim is sp.nan:
            status, detail = "undecided", why
        else:
            status = "failed"
            cex = f"the limit is {sp.sstr(lim)}, not {sp.sstr(self.expected)}"
            if pts and pts != [{}]:
                cex += f" (e.g. at {fmt_point(pts[0])})"
        return ObligationResult(self.name, self.statement, status, method, bool(sym_ok), checks, cex, detail)


@dataclass
class Computed(Obligation):
    """A check whose symbolic part is a computation returning ``(holds, detail, counterexample)``.

    ``symbolic()`` returns ``True`` (shown), ``False`` (refuted; ``counterexample``
    names the concrete witness) or ``None`` (undecided).  ``numeric(rng)``
    (optional) returns ``(n_checks, counterexample or None)`` from independent
    50-digit evaluations.
    """

    name: str
    statement: str
    symbolic: Callable[[], tuple[bool | None, str, str | None]]
    numeric: Callable[[random.Random, int], tuple[int, str | None]] | None = None
    method: str = "computation"

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:
        sym_ok, detail, cex = self.symbolic()
        checks, ncex = (0, None)
        if self.numeric is not None:
            checks, ncex = self.numeric(rng, n_points)
        if sym_ok is False:
            status = "failed"
            if cex is None:  # a failure is shown with a witness: the numeric one if SymPy gave none
                cex = ncex
            if ncex is None and self.numeric is not None:
                detail += " (numeric check did not see the failure)"
        elif ncex is not None:
            status, cex = "failed", ncex
            if sym_ok:
                detail += " (symbolic and numeric checks disagree)"
        elif sym_ok:
            status = "passed"
        else:
            status = "undecided"
        return ObligationResult(self.name, self.statement, status, self.method, sym_ok, checks, cex, detail)


@dataclass
class NumericCheck(Obligation):
    """A purely numeric cross-check of facts proved by the other obligations (50-digit evaluations).

    It proves nothing by itself; it is there so that a symbolic slip that the
    other obligations share cannot pass silently.  ``passed`` iff every check passes.
    """

    name: str
    statement: str
    numeric: Callable[[random.Random, int], tuple[int, str | None]]

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:
        checks, cex = self.numeric(rng, n_points)
        status = "failed" if cex is not None else "passed"
        return ObligationResult(self.name, self.statement, status, "numeric cross-check only", None, checks, cex)


def nonneg_by_monotonicity(name: str, expr: sp.Expr, var: sp.Symbol, lower: Any, sampler: Sampler,
                           statement: str = "") -> Computed:
    r"""``expr >= 0`` for ``var >= lower``, shown by ``expr(lower) >= 0`` and ``d expr / d var >= 0``.

    Both facts are decided by SymPy (``simplify`` and the assumption system on the
    factored derivative); the numeric part samples ``expr`` itself.  The derivative's
    sign is decided on exactly the range ``var >= lower``: it is evaluated at
    ``lower + t`` with a fresh ``t >= 0``, so assumptions declared on ``var`` (say
    ``positive=True`` with ``lower = -1``) cannot stand in for the range.
    """
    statement = statement or rf"{sp.latex(expr)} \ge 0 \quad ({sp.latex(var)} \ge {sp.latex(lower)})"

    def symbolic() -> tuple[bool | None, str, str | None]:
        at0 = sp.simplify(expr.subs(var, lower))
        der = sp.factor(sp.simplify(sp.diff(expr, var)))
        t = sp.Dummy("t", nonnegative=True)
        a, b = at0.is_nonnegative, sp.factor(sp.simplify(sp.diff(expr, var).subs(var, lower + t))).is_nonnegative
        detail = f"value at {sp.sstr(var)} = {sp.sstr(lower)}: {sp.sstr(at0)} (>= 0: {a}); derivative {sp.sstr(der)} (>= 0: {b})"
        if a is False:
            return False, detail, f"{sp.sstr(var)} = {sp.sstr(lower)}: value {sp.sstr(at0)}"
        return (True if (a and b) else None), detail, None

    return Computed(name, statement, symbolic, numeric_sign_check(expr, ">=", sampler),
                    method="value at the left end >= 0 and derivative >= 0")
