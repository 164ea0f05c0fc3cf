"""Tests of :mod:`kmrbf.theory.limsup`: KR-T1-limsup (the recovery sequence and the uniform
rate with the Lambert-W constant) is true, every obligation discharged; the constant matches mpmath."""

from __future__ import annotations

import mpmath
import pytest

from kmrbf import theory
from kmrbf.theory import limsup


@pytest.mark.parametrize("builder", [limsup.kr_t1_limsup, limsup.kr_t1_limsup_sharp], ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, set())


def test_lambert_constant_matches_mpmath():
    with mpmath.workdps(30):
        w = mpmath.lambertw(1 / mpmath.e).real
        assert theory.kr_t1_limsup_sharp().data["lambert_w0_inv_e"] == mpmath.nstr(w, 15)
