"""Tests of :mod:`kmrbf.theory.trajectory`: the derivation is true (every obligation discharged), and its
symbolic soft steps are the library's float64 steps."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from kmrbf import numerics as nx
from kmrbf.theory.trajectory import kr_t2_traj_limits, soft_step


def test_derivation_outcome(derivation_outcome):
    derivation_outcome(kr_t2_traj_limits, set())


@pytest.mark.parametrize("X,M", [([-1, 0, 1], [-1, 1]), ([0, 1, 3], [0, 3, 10])])
@pytest.mark.parametrize("sigma", [0.5, 2.0, 7.0])
def test_symbolic_steps_are_the_library_steps(X, M, sigma):
    Xa, Ma = np.array(X, float)[:, None], np.array(M, float)[:, None]
    soft = np.asarray(nx.soft_centroids(Xa, Ma, sigma)).ravel()
    rbf = np.asarray(nx.rbf_gradient_step(Xa, Ma, sigma)).ravel()
    s = sp.Float(sigma, 30)
    for k in range(len(M)):
        # float64 steps on values <= 10 carry a few hundred roundings at most
        assert abs(float(soft_step(X, M, k, "soft-lloyd", s)) - soft[k]) <= 1e-12 * max(1.0, abs(soft[k]))
        assert abs(float(soft_step(X, M, k, "rbf", s)) - rbf[k]) <= 1e-12 * max(1.0, abs(rbf[k]))
    with pytest.raises(ValueError):
        soft_step(X, M, 0, "newton")
