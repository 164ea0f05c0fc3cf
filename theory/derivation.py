r"""Derivations whose proof obligations are discharged by computation.

A :class:`Derivation` is a statement (LaTeX), a list of derivation steps (LaTeX,
rendered with :func:`sympy.latex`) and a list of proof obligations.  Each
obligation is checked twice:

* **symbolically** -- ``simplify(lhs - rhs) == 0``, a sign decided by SymPy's
  assumption system, a :func:`sympy.limit`, a solved inequality;
* **numerically** -- the same expression is lambdified to mpmath and evaluated at
  50 significant digits (scoped with :func:`mpmath.workdps`) at random *rational*
  points drawn from a seeded :class:`random.Random`, so that a simplification bug
  cannot pass silently.

An obligation is ``passed`` when both agree that it holds, ``failed`` when a
concrete point shows it false (the point is the counterexample; it is also
re-evaluated exactly with SymPy at 30 digits), and ``undecided`` when SymPy could
not discharge it although every numeric check passed.  A disagreement between the
symbolic and the numeric check is reported as ``failed`` with the reason, never
hidden.

Numeric tolerance (error analysis): the checked expressions are compositions of
at most a few dozen elementary operations, evaluated in 50-digit arithmetic on
rational inputs of moderate size (|value| <= 10), whose condition numbers are
below :math:`10^{5}`.  The rounding error is therefore below
:math:`10^{-50}\cdot 10^{2}\cdot 10^{5}` relative to the magnitude of the terms,
so we accept :math:`|\mathrm{lhs}-\mathrm{rhs}|\le 10^{-40}(1+|\mathrm{lhs}|+|\mathrm{rhs}|)`;
a genuine failure at a rational point of an identity between analytic
expressions shows up at order one.

Examples
--------
>>> import sympy as sp
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

__all__ = [
    "DPS",
    "Point",
    "ObligationResult",
    "Obligation",
    "Identity",
    "Sign",
    "LimitIs",
    "Computed",
    "NumericCheck",
    "nonneg_by_monotonicity",
    "numeric_sign_check",
    "Derivation",
    "DerivationResult",
    "uniform_sampler",
    "rng_for",
    "fmt_point",
]

DPS = 50
"""Digits used by every numeric spot check."""

Point = dict  # mapping sympy.Symbol (or Indexed) -> sympy.Rational
Sampler = Callable[[random.Random], Point]


def rng_for(name: str, seed: int = 20260304) -> random.Random:
    """A seeded generator, independent per obligation name (stable across runs)."""
    return random.Random(f"{seed}:{name}")


def _rational(rng: random.Random, lo: Any, hi: Any, denom: int = 1000) -> sp.Rational:
    lo, hi = Fraction(str(lo)), Fraction(str(hi))
    q = Fraction(rng.randrange(1, denom), denom)
    v = lo + (hi - lo) * q
    return sp.Rational(v.numerator, v.denominator)


def uniform_sampler(ranges: Mapping[Any, tuple[Any, Any]], *, where: Callable[[Point], bool] | None = None) -> Sampler:
    """Sampler of random rationals, each symbol uniform on the open interval ``ranges[s]``.

    ``where`` rejects points (e.g. to impose an ordering); at most 1000 tries.
    """

    def sample(rng: random.Random) -> Point:
        for _ in range(1000):
            pt = {s: _rational(rng, lo, hi) for s, (lo, hi) in ranges.items()}
            if where is None or where(pt):
                return pt
        raise ValueError(f"sampler could not satisfy the constraint on {list(ranges)}")

    return sample


def fmt_point(pt: Mapping[Any, Any]) -> str:
    """Readable ``name = value`` list of a point."""
    return ", ".join(f"{sp.sstr(k)} = {sp.sstr(v)}" for k, v in pt.items())


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
        s = rf"\item[${mark}$] \textbf{{{_tex_escape(self.name)}}} ({self.status}; {_tex_escape(self.method)}; "
        s += rf"{self.numeric_checks} numeric checks at {DPS} digits): ${self.statement}$"
        if self.detail:
            s += rf"\\ {_tex_escape(self.detail)}"
        if self.counterexample:
            s += rf"\\ Counterexample: {_tex_escape(self.counterexample)}"
        return s


def _tex_escape(s: str) -> str:
    return s.replace("_", r"\_").replace("%", r"\%").replace("#", r"\#").replace("&", r"\&")


class Obligation:
    """Base class: a named statement with a symbolic and a numeric check."""

    name: str
    statement: str

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:  # pragma: no cover
        raise NotImplementedError


def _args(*exprs: sp.Expr) -> list[Any]:
    """Free symbols and indexed objects of ``exprs`` (the labels of indexed objects excluded), sorted."""
    out: set[Any] = set()
    for e in exprs:
        idx = e.atoms(sp.Indexed)
        labels = {a.base.label for a in idx}
        out |= idx | {s for s in e.free_symbols if not isinstance(s, sp.Indexed) and s not in labels}
    return sorted(out, key=sp.default_sort_key)


def _lambdify(args: Sequence[Any], expr: sp.Expr) -> Callable[..., Any]:
    return sp.lambdify(list(args), expr, modules="mpmath")


def _eval(func: Callable[..., Any], args: Sequence[Any], pt: Point) -> Any:
    with mpmath.workdps(DPS):
        vals = [mpmath.mpf(sp.Rational(pt[a]).p) / sp.Rational(pt[a]).q for a in args]
        return func(*vals)


def _exact_value(expr: sp.Expr, pt: Point) -> sp.Expr:
    """Expression at a rational point, evaluated by SymPy to 30 digits (independent of mpmath lambdify)."""
    return sp.N(expr.subs(pt), 30)


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
        args = _args(lhs_n, rhs_n)
        fl, fr = _lambdify(args, lhs_n), _lambdify(args, rhs_n)
        pts = list(self.points) + ([sampler(rng) for _ in range(n_points)] if sampler else [])
        checks, cex, detail = 0, None, ""
        for pt in pts:
            a, b = _eval(fl, args, pt), _eval(fr, args, pt)
            checks += 1
            with mpmath.workdps(DPS):
                ok = abs(a - b) <= mpmath.mpf(10) ** -40 * (1 + abs(a) + abs(b))
            if not ok:
                exact = _exact_value(lhs_n - rhs_n, pt)
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


_REL = {">": (lambda e: e.is_positive, lambda v: v > 0),
        ">=": (lambda e: e.is_nonnegative, lambda v: v >= 0),
        "<": (lambda e: e.is_negative, lambda v: v < 0),
        "<=": (lambda e: e.is_nonpositive, lambda v: v <= 0)}


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
        if self.rel not in _REL:
            raise ValueError(f"rel={self.rel!r} is not one of {list(_REL)}")
        if not self.statement:
            rel = {">": ">", ">=": r"\ge", "<": "<", "<=": r"\le"}[self.rel]
            self.statement = f"{sp.latex(self.expr)} {rel} 0"

    def discharge(self, rng: random.Random, n_points: int = 5) -> ObligationResult:
        sym_check, num_check = _REL[self.rel]
        simp = sp.factor(sp.simplify(self.expr))
        decided = sym_check(simp)
        sym_ok = None if decided is None else bool(decided)
        method = f"SymPy assumptions on {sp.sstr(simp)}: {decided}"
        args = _args(self.expr)
        f = _lambdify(args, self.expr)
        pts = list(self.points) + ([self.sampler(rng) for _ in range(n_points)] if self.sampler else [])
        checks, cex = 0, None
        for pt in pts:
            v = _eval(f, args, pt)
            checks += 1
            with mpmath.workdps(DPS):
                v0 = mpmath.mpf(0) if abs(v) <= mpmath.mpf(10) ** -40 else v
                ok = num_check(v0)
            if not ok:
                where = f"{fmt_point(pt)}: " if pt else ""
                cex = f"{where}value = {sp.sstr(_exact_value(self.expr, pt))}"
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
        others = [a for a in _args(self.expr) if a != self.var]
        args = others + [self.var]
        f = _lambdify(args, self.expr)
        pts = list(self.points) + ([self.sampler(rng) for _ in range(n_points)] if self.sampler else [])
        if not others and not pts:
            pts = [{}]
        checks, cex = 0, None
        for pt in pts:
            vals = []
            for v in self._var_values():
                q = dict(pt)
                q[self.var] = v
                vals.append(_eval(f, args, q))
            checks += 1
            with mpmath.workdps(DPS):
                if self.expected in (sp.oo, -sp.oo):
                    sgn = 1 if self.expected == sp.oo else -1
                    seq = [sgn * x for x in vals]
                    ok = all(b >= a for a, b in zip(seq, seq[1:])) and seq[-1] > seq[0]
                else:
                    exp_v = _eval(_lambdify(others, sp.sympify(self.expected)), others, pt)
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


@dataclass
class DerivationResult:
    """Discharged obligations of one derivation."""

    derivation: Derivation
    results: list[ObligationResult]

    @property
    def status(self) -> str:
        """``failed`` if any obligation failed, else ``undecided`` if any is, else ``passed``."""
        st = [r.status for r in self.results]
        if "failed" in st:
            return "failed"
        if "undecided" in st:
            return "undecided"
        return "passed"

    @property
    def failed(self) -> list[ObligationResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def examples(self) -> int:
        """Number of obligations plus numeric spot checks."""
        return len(self.results) + sum(r.numeric_checks for r in self.results)

    @property
    def counterexample(self) -> str | None:
        f = self.failed
        return "; ".join(f"[{r.name}] {r.counterexample}" for r in f if r.counterexample) or None

    def by_name(self, name: str) -> ObligationResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"no obligation named {name!r}; have {[r.name for r in self.results]}")

    def summary(self) -> str:
        n_ok = sum(r.status == "passed" for r in self.results)
        s = f"{self.derivation.title}: {n_ok}/{len(self.results)} obligations passed"
        if self.failed:
            s += "; failed: " + ", ".join(r.name for r in self.failed)
        und = [r.name for r in self.results if r.status == "undecided"]
        if und:
            s += "; undecided: " + ", ".join(und)
        if self.derivation.conclusion:
            s += ". " + self.derivation.conclusion
        return s

    def to_latex(self) -> str:
        d = self.derivation
        parts = [rf"\paragraph{{{_tex_escape(d.title)}}}", rf"\textit{{Statement.}} {d.statement}"]
        if d.steps:
            parts.append(r"\begin{enumerate}")
            for text, math in d.steps:
                item = rf"\item {text}"
                if math:
                    item += rf" \[ {math} \]"
                parts.append(item)
            parts.append(r"\end{enumerate}")
        parts.append(r"\textit{Proof obligations.}")
        parts.append(r"\begin{itemize}")
        parts.extend(r.to_latex() for r in self.results)
        parts.append(r"\end{itemize}")
        if d.conclusion:
            parts.append(rf"\textit{{Conclusion.}} {d.conclusion}")
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.derivation.title, "status": self.status, "examples": self.examples,
                "obligations": [{"name": r.name, "status": r.status, "method": r.method,
                                 "numeric_checks": r.numeric_checks, "counterexample": r.counterexample,
                                 "detail": r.detail} for r in self.results]}


@dataclass
class Derivation:
    """A statement, its derivation steps, and the obligations that prove (or refute) it.

    ``steps`` is a list of ``(text, latex_math)`` pairs (``latex_math`` may be empty).
    ``conclusion`` is the computed conclusion in words/LaTeX (filled by the builder
    from computed quantities, never from the obligations' expected outcome).
    """

    title: str
    statement: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    conclusion: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def step(self, text: str, math: Any = "") -> Derivation:
        """Append a step; ``math`` is a LaTeX string or a SymPy object (rendered with ``sympy.latex``)."""
        if not isinstance(math, str):
            math = sp.latex(math)
        self.steps.append((text, math))
        return self

    def oblige(self, *obs: Obligation) -> Derivation:
        self.obligations.extend(obs)
        return self

    def run(self, *, seed: int = 20260304, n_points: int = 5) -> DerivationResult:
        """Discharge every obligation (each with its own seeded generator)."""
        results = [ob.discharge(rng_for(f"{self.title}/{ob.name}", seed), n_points) for ob in self.obligations]
        return DerivationResult(self, results)


def numeric_sign_check(expr: sp.Expr, rel: str, sampler: Sampler) -> Callable[[random.Random, int], tuple[int, str | None]]:
    """Numeric part of a sign obligation: ``expr REL 0`` at random rational points (50 digits)."""
    args = _args(expr)
    f = _lambdify(args, expr)
    test = _REL[rel][1]

    def numeric(rng: random.Random, n: int) -> tuple[int, str | None]:
        for m in range(n):
            pt = sampler(rng)
            v = _eval(f, args, pt)
            with mpmath.workdps(DPS):
                v0 = mpmath.mpf(0) if abs(v) <= mpmath.mpf(10) ** -40 else v
                if not test(v0):
                    return m + 1, f"{fmt_point(pt)}: value = {mpmath.nstr(v, 15)}"
        return n, None

    return numeric


def nonneg_by_monotonicity(name: str, expr: sp.Expr, var: sp.Symbol, lower: Any, sampler: Sampler,
                           statement: str = "") -> Computed:
    r"""``expr >= 0`` for ``var >= lower``, shown by ``expr(lower) >= 0`` and ``d expr / d var >= 0``.

    Both facts are decided by SymPy (``simplify`` and the assumption system on the
    factored derivative); the numeric part samples ``expr`` itself.
    """
    statement = statement or rf"{sp.latex(expr)} \ge 0 \quad ({sp.latex(var)} \ge {sp.latex(lower)})"

    def symbolic() -> tuple[bool | None, str, str | None]:
        at0 = sp.simplify(expr.subs(var, lower))
        der = sp.factor(sp.simplify(sp.diff(expr, var)))
        a, b = at0.is_nonnegative, der.is_nonnegative
        detail = f"value at {sp.sstr(var)} = {sp.sstr(lower)}: {sp.sstr(at0)} (>= 0: {a}); derivative {sp.sstr(der)} (>= 0: {b})"
        if a is False:
            return False, detail, f"{sp.sstr(var)} = {sp.sstr(lower)}: value {sp.sstr(at0)}"
        return (True if (a and b) else None), detail, None

    return Computed(name, statement, symbolic, numeric_sign_check(expr, ">=", sampler),
                    method="value at the left end >= 0 and derivative >= 0")
