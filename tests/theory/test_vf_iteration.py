"""Tests of :mod:`kmrbf.theory.vf_iteration`: VF-fixed (the fixed-centroid iteration, its
convergence condition and the proximal form) is true, every obligation discharged."""

from __future__ import annotations

import pytest

from kmrbf.theory import vf_iteration


@pytest.mark.parametrize("builder", [vf_iteration.vf_fixed, vf_iteration.vf_fixed_sharp], ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, set())
