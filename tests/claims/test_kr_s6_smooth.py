"""kmrbf.claims.kr_s6_smooth: the Jacobians by hand, the exact one-hot decision at the threshold, the float64
underflow constant, and the thresholds property on pinned rows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kmrbf.claims.kr_s6_smooth import (SOFTMAX_UNDERFLOW, UNDERFLOW_MARGIN, assignment_jvp, jacobians, one_hot_rows,
                                       s6_thresholds)


def test_jacobians_by_hand():
    p = np.array([[0.64, 0.36, 0.0]])  # entmax-1.5 of (0, -0.4, -3): s = (0.8, 0.6, 0)
    J = jacobians(p, 1.5)[0]
    s = np.array([0.8, 0.6, 0.0])
    assert np.allclose(J, np.diag(s) - np.outer(s, s) / 1.4, rtol=0, atol=1e-15)
    assert np.all(jacobians(np.array([[0.0, 1.0, 0.0]]), 1.5) == 0)
    Js = jacobians(np.array([[0.75, 0.25]]), 1.0)[0]
    assert np.allclose(Js, [[0.1875, -0.1875], [-0.1875, 0.1875]], rtol=0, atol=1e-16)
    # J d with d = (0, 4): (J d)_k = s_k (d_k - dbar), dbar = sum s d / sum s
    assert np.allclose(assignment_jvp(np.array([[0.75, 0.25]]), np.array([[0.0, 4.0]]), 1.0), [[-0.75, 0.75]])


def test_one_hot_rows_at_the_exact_threshold():
    # x = 1 between centroids 0 and 3: d = (1, 4), gap 3 = 2 sigma at sigma = 3/2: one-hot (>=), exactly decided
    X, M = np.array([[0.0], [1.0]]), np.array([[0.0], [3.0]])
    oh, n_exact = one_hot_rows(X, M, 1.5)
    assert oh.tolist() == [True, True] and n_exact == 1
    oh, _ = one_hot_rows(X, M, 1.5 * (1 + 2.0**-50))
    assert oh.tolist() == [True, False]


def test_float64_softmax_underflow_constant():
    assert SOFTMAX_UNDERFLOW == pytest.approx(745.1332191019412, rel=1e-15)
    assert np.exp(-SOFTMAX_UNDERFLOW * (1 + UNDERFLOW_MARGIN)) == 0.0
    assert np.exp(-SOFTMAX_UNDERFLOW * (1 - UNDERFLOW_MARGIN)) == 2.0**-1074
    assert math.exp(-SOFTMAX_UNDERFLOW * (1 - UNDERFLOW_MARGIN)) > 0


@pytest.mark.parametrize("row", [[0.0, 0.5], [3.0, 3.001, 40.0], [10.0, 60.0, 12.0, 100.0]])
def test_thresholds_property_on_pinned_rows(row):
    s6_thresholds(np.array(row))  # [0, 0.5]: J d underflows before J does; the property is about J
