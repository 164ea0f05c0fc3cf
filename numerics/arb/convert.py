r"""Exact conversions to rationals and ``arb`` balls, and error measures against an ``arb`` reference.

Floats are dyadic rationals and convert exactly; decimal strings are parsed exactly
(SPEC §1; package docstring of :mod:`kmrbf.numerics.arb`).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from flint import arb, ctx, fmpq

__all__ = ["DEFAULT_PREC", "exact_rational", "exact_vector", "exact_matrix", "to_arb", "arb_to_float", "abs_error",
           "rel_error"]

#: default working precision in bits (about 38 decimal digits)
DEFAULT_PREC = 128


# --------------------------------------------------------------------------- conversion
def exact_rational(x: Any) -> fmpq:
    """The exact rational value of a scalar ``x`` as ``flint.fmpq``.

    Floats (Python, NumPy float16/32/64, torch scalars via ``float``) are dyadic
    rationals and convert exactly; decimal strings are parsed exactly; an ``arb``
    ball gives the exact value of its midpoint.

    Parameters
    ----------
    x : scalar
        A real number (float, int, Fraction, decimal string, fmpq, mpf or arb).

    Returns
    -------
    flint.fmpq
        The exact rational value of ``x`` (of the midpoint for an inexact ``arb``).

    Raises
    ------
    TypeError
        If ``x`` is a bool or not convertible to a real number.
    ValueError
        If ``x`` is NaN or infinite, or a string that is not a decimal/fraction.

    Examples
    --------
    >>> exact_rational(0.5), exact_rational("0.1"), exact_rational(3)
    (1/2, 1/10, 3)
    >>> exact_rational(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: x=nan is not a finite number
    """
    if isinstance(x, fmpq):
        return x
    if isinstance(x, arb):  # an exact ball (e.g. a midpoint): its dyadic value
        if not x.is_exact():
            x = x.mid()
        man, exp = x.man_exp()
        man, exp = int(man), int(exp)
        return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))
    if isinstance(x, bool):
        raise TypeError(f"x={x!r} is a bool, not a number")
    if isinstance(x, int):
        return fmpq(x)
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    if isinstance(x, str):
        f = Fraction(x.strip())
        return fmpq(f.numerator, f.denominator)
    if hasattr(x, "man") and hasattr(x, "exp") and hasattr(x, "_mpf_"):  # mpmath.mpf
        man, exp = int(x.man), int(x.exp)
        return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))
    try:
        xf = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"x={x!r} of type {type(x).__name__} is not a real number") from None
    if xf != xf or xf in (float("inf"), float("-inf")):
        raise ValueError(f"x={xf!r} is not a finite number")
    f = Fraction(xf)
    return fmpq(f.numerator, f.denominator)


def exact_vector(z: Any) -> list[fmpq]:
    """A sequence (list, tuple, 1-D array) converted entry by entry with :func:`exact_rational`.

    Parameters
    ----------
    z : sequence or ndarray of shape (n,)
        Real numbers, rationals or decimal strings.

    Returns
    -------
    list of fmpq
        The exact values, in order.

    Raises
    ------
    TypeError
        If ``z`` is not a sequence (a string is not), or an entry cannot be converted.

    Examples
    --------
    >>> exact_vector([0.5, "1/3", 2])
    [1/2, 1/3, 2]
    """
    return [exact_rational(v) for v in _as_list(z)]


def exact_matrix(X: Any) -> list[list[fmpq]]:
    """A matrix (sequence of rows, 2-D array) converted entry by entry with :func:`exact_rational`.

    Parameters
    ----------
    X : sequence of sequences or ndarray of shape (N, D)
        Real numbers, rationals or decimal strings.

    Returns
    -------
    list of list of fmpq
        The exact values, row by row.

    Raises
    ------
    TypeError
        If ``X`` or a row is not a sequence, or an entry cannot be converted.

    Examples
    --------
    >>> exact_matrix([[0.25, 1], (3, "1/7")])
    [[1/4, 1], [3, 1/7]]
    """
    return [[exact_rational(v) for v in _as_list(row)] for row in _as_list(X)]


def _as_list(z: Any) -> list[Any]:
    if hasattr(z, "tolist"):
        z = z.tolist()
    if isinstance(z, (str, bytes)) or not isinstance(z, Sequence):
        raise TypeError(f"expected a sequence, got {type(z).__name__}")
    return list(z)


def to_arb(x: Any, *, prec: int = DEFAULT_PREC) -> arb:
    """``x`` as an arb ball at ``prec`` bits (exact when ``x`` is dyadic and fits).

    Parameters
    ----------
    x : scalar
        A real number (float, int, Fraction, decimal string, fmpq, mpf or arb).
    prec : int, optional
        Working precision in bits (default 128; not validated).  An ``arb`` input is
        returned unchanged, whatever ``prec``.

    Returns
    -------
    flint.arb
        A ball containing the exact value of ``x`` (radius 0 when it is dyadic with
        at most ``prec`` mantissa bits).

    Raises
    ------
    TypeError, ValueError
        What :func:`exact_rational` raises.
    """
    if isinstance(x, arb):
        return x
    with ctx.workprec(prec):
        return arb(exact_rational(x))


def arb_to_float(a: arb) -> float:
    """The midpoint of ``a`` rounded to a Python float (``nan`` for a nan ball).

    Parameters
    ----------
    a : flint.arb
        A ball.

    Returns
    -------
    float
        The midpoint of ``a`` rounded to the nearest float64 (the radius is
        ignored); ``nan`` for a NaN ball.
    """
    if a.is_nan():
        return float("nan")
    return float(a.mid())


# --------------------------------------------------------------------------- error measures
def abs_error(computed: Any, ref: arb, *, prec: int = DEFAULT_PREC) -> float:
    r"""``|computed - ref|`` as a float (upper end of the ball; ``nan``/``inf`` pass through).

    Parameters
    ----------
    computed : float
        The computed value (anything ``float()`` accepts, e.g. a NumPy scalar or 0-d
        array); converted exactly.
    ref : flint.arb
        The rigorous reference ball.
    prec : int, optional
        Working precision in bits of the subtraction/division (default 128).

    Returns
    -------
    float
        Upper end of the ball :math:`|\text{computed}-\text{ref}|` (so an upper bound
        on the true error), ``nan`` for NaN ``computed``, ``inf`` for infinite
        ``computed``.
    """
    c = float(computed)
    if c != c:
        return float("nan")
    if c in (float("inf"), float("-inf")):
        return float("inf")
    with ctx.workprec(prec):
        return float(abs(arb(exact_rational(c)) - ref).upper())


def rel_error(computed: Any, ref: arb, *, prec: int = DEFAULT_PREC) -> float:
    r"""``|computed - ref| / |ref|`` as a float; ``0`` if both are exactly 0, ``inf`` if only ref is.

    Parameters
    ----------
    computed : float
        The computed value (anything ``float()`` accepts, e.g. a NumPy scalar or 0-d
        array); converted exactly.
    ref : flint.arb
        The rigorous reference ball.
    prec : int, optional
        Working precision in bits of the subtraction/division (default 128).

    Returns
    -------
    float
        Midpoint of the ball :math:`|\text{computed}-\text{ref}|/|\text{ref}|` (an
        estimate, not a bound); ``0.0`` if both are exactly 0, ``inf`` if only ``ref``
        is 0 or ``computed`` is infinite, ``nan`` for NaN ``computed``.

    Examples
    --------
    >>> rel_error(0.0, to_arb("1e-500"))
    1.0
    >>> rel_error(1.0, to_arb(1))
    0.0
    """
    c = float(computed)
    if c != c:
        return float("nan")
    if c in (float("inf"), float("-inf")):
        return float("inf")
    if ref.is_zero():
        return 0.0 if c == 0 else float("inf")
    with ctx.workprec(prec):
        e = abs(arb(exact_rational(c)) - ref) / abs(ref)
        return float(e.mid())
