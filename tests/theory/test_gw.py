"""Tests of :mod:`kmrbf.theory.gw`: the derivation is true (every obligation discharged), and its symmetric
pair objectives are the library's G_sigma and W_sigma."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from kmrbf import numerics as nx
from kmrbf.theory.gw import kr_s32_gw, symmetric_pair_objectives


def test_derivation_outcome(derivation_outcome):
    derivation_outcome(kr_s32_gw, set())


@pytest.mark.parametrize("m,sigma", [(0.5, 1.0), (0.9575, 1.0), (1.3, 0.25)])
def test_pair_objectives_are_the_library_functionals(m, sigma):
    G, W = symmetric_pair_objectives(sp.Float(m, 30), sp.Float(sigma, 30))
    X, M = np.array([[-1.0], [1.0]]), np.array([[-m], [m]])
    # the library's G and W carry a few roundings on values of size <= 10 (kmrbf.evidence.roundoff)
    assert math.isclose(float(G), nx.G_sigma(X, M, sigma), rel_tol=0, abs_tol=1e-13)
    assert math.isclose(float(W), nx.W_sigma(X, M, sigma), rel_tol=0, abs_tol=1e-13)
