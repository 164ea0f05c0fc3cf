r"""Numeric spot checks at random rational points (mpmath at 50 digits, scoped).

Every proof obligation (:mod:`kmrbf.theory.obligations`) is checked twice:
symbolically by SymPy and numerically here.  The expression is lambdified to
mpmath and evaluated with :func:`mpmath.workdps` at :data:`DPS` digits at random
*rational* points drawn from a seeded :class:`random.Random` (:func:`rng_for`,
:func:`uniform_sampler`), so that a simplification bug cannot pass silently.  A
failing point is re-evaluated exactly by SymPy at 30 digits (:func:`exact_value`),
independently of the lambdified code.

Numeric tolerance (error analysis): the checked expressions are compositions of
at most a few dozen elementary operations, evaluated in 50-digit arithmetic on
rational inputs of moderate size (|value| <= 10), whose condition numbers are
below :math:`10^{5}`.  The rounding error is therefore below
:math:`10^{-50}\cdot 10^{2}\cdot 10^{5}` relative to the magnitude of the terms,
so we accept :math:`|\mathrm{lhs}-\mathrm{rhs}|\le 10^{-40}(1+|\mathrm{lhs}|+|\mathrm{rhs}|)`
and treat a value within :math:`10^{-40}` of 0 as 0 in sign checks; a genuine
failure at a rational point of an identity between analytic expressions shows up
at order one.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> check = numeric_sign_check(x - 1, ">", uniform_sampler({x: (2, 3)}))
>>> check(rng_for("doc"), 4)
(4, None)
>>> n, cex = numeric_sign_check(x - 1, ">", uniform_sampler({x: (0, 1)}))(rng_for("doc"), 4)
>>> n, cex.startswith("x = ")
(1, True)
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

__all__ = [
    "DPS",
    "Point",
    "Sampler",
    "SIGN_TESTS",
    "rng_for",
    "uniform_sampler",
    "fmt_point",
    "free_args",
    "mp_lambdify",
    "mp_eval",
    "exact_value",
    "sign_holds",
    "numeric_sign_check",
]

DPS = 50
"""Digits used by every numeric spot check."""

Point = dict  # mapping sympy.Symbol (or Indexed) -> sympy.Rational
Sampler = Callable[[random.Random], Point]

SIGN_TESTS: dict[str, Callable[[Any], bool]] = {
    ">": lambda v: v > 0,
    ">=": lambda v: v >= 0,
    "<": lambda v: v < 0,
    "<=": lambda v: v <= 0,
}
"""Numeric test of ``value REL 0`` for each relation ``REL``."""


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


def free_args(*exprs: sp.Expr) -> list[Any]:
    """Free symbols and indexed objects of ``exprs`` (the labels of indexed objects excluded), sorted."""
    out: set[Any] = set()
    for e in exprs:
        idx = e.atoms(sp.Indexed)
        labels = {a.base.label for a in idx}
        out |= idx | {s for s in e.free_symbols if not isinstance(s, sp.Indexed) and s not in labels}
    return sorted(out, key=sp.default_sort_key)


def mp_lambdify(args: Sequence[Any], expr: sp.Expr) -> Callable[..., Any]:
    """``expr`` as an mpmath function of ``args``."""
    return sp.lambdify(list(args), expr, modules="mpmath")


def mp_eval(func: Callable[..., Any], args: Sequence[Any], pt: Point) -> Any:
    """``func`` at the rational point ``pt`` (values of ``args``), evaluated at :data:`DPS` digits."""
    with mpmath.workdps(DPS):
        vals = [mpmath.mpf(sp.Rational(pt[a]).p) / sp.Rational(pt[a]).q for a in args]
        return func(*vals)


def exact_value(expr: sp.Expr, pt: Point) -> sp.Expr:
    """Expression at a rational point, evaluated by SymPy to 30 digits (independent of mpmath lambdify)."""
    return sp.N(expr.subs(pt), 30)


def sign_holds(v: Any, rel: str) -> bool:
    """``v REL 0`` at :data:`DPS` digits, a value within ``1e-40`` of 0 counting as 0."""
    with mpmath.workdps(DPS):
        v0 = mpmath.mpf(0) if abs(v) <= mpmath.mpf(10) ** -40 else v
        return SIGN_TESTS[rel](v0)


def numeric_sign_check(expr: sp.Expr, rel: str, sampler: Sampler) -> Callable[[random.Random, int], tuple[int, str | None]]:
    """Numeric part of a sign obligation: ``expr REL 0`` at random rational points (50 digits)."""
    if rel not in SIGN_TESTS:
        raise ValueError(f"rel={rel!r} is not one of {list(SIGN_TESTS)}")
    args = free_args(expr)
    f = mp_lambdify(args, expr)

    def numeric(rng: random.Random, n: int) -> tuple[int, str | None]:
        for m in range(n):
            pt = sampler(rng)
            v = mp_eval(f, args, pt)
            if not sign_holds(v, rel):
                with mpmath.workdps(DPS):
                    return m + 1, f"{fmt_point(pt)}: value = {mpmath.nstr(v, 15)}"
        return n, None

    return numeric
