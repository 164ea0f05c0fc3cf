"""Tests of :mod:`kmrbf.theory.gradient`: KR-L1, KR-T2 and KR-T2-grad are true, every
obligation discharged."""

from __future__ import annotations

import pytest

from kmrbf.theory import gradient


@pytest.mark.parametrize("builder", [gradient.kr_l1, gradient.kr_t2, gradient.kr_t2_grad], ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, set())
