"""Tests of :mod:`kmrbf.numerics.arb.convert`."""

from __future__ import annotations

from fractions import Fraction

import pytest
from flint import arb, fmpq

from kmrbf.numerics.arb import abs_error, arb_to_float, exact_rational, rel_error, to_arb


def test_to_arb_is_exact_for_dyadics_and_decimal_strings():
    assert to_arb(0.5).is_exact() and to_arb(0.5) == arb("0.5")
    assert to_arb("0.1", prec=200).overlaps(arb(fmpq(1, 10)))
    assert exact_rational(Fraction(3, 7)) == fmpq(3, 7)
    assert arb_to_float(to_arb(2.0**-1074)) == 2.0**-1074


def test_abs_and_rel_error():
    ref = to_arb("0.1", prec=200)
    assert abs_error(0.1, ref, prec=200) == pytest.approx(abs(Fraction(0.1) - Fraction(1, 10)), rel=1e-6)
    assert rel_error(0.1, ref, prec=200) == pytest.approx(float(abs(Fraction(0.1) - Fraction(1, 10)) * 10),
                                                         rel=1e-6)
    assert abs_error(float("inf"), ref) == float("inf")
    assert rel_error(0.0, to_arb(0)) == 0.0 and rel_error(1.0, to_arb(0)) == float("inf")


def test_exact_vector_and_matrix_convert_every_entry_exactly():
    import numpy as np
    from flint import fmpq

    from kmrbf.numerics.arb import exact_matrix, exact_vector

    assert exact_vector(np.array([0.1, 2.0])) == [fmpq(3602879701896397, 36028797018963968), fmpq(2)]
    assert exact_matrix([(1, "1/3"), np.array([0.5, -2])]) == [[fmpq(1), fmpq(1, 3)], [fmpq(1, 2), fmpq(-2)]]
    big = np.array([[2**60 + 1]], dtype=np.int64)
    assert exact_matrix(big) == [[fmpq(2**60 + 1)]]
    for bad in ("12", 3.0, [1.0, "x"]):
        with pytest.raises((TypeError, ValueError)):
            exact_matrix(bad) if not isinstance(bad, list) else exact_vector(bad)
