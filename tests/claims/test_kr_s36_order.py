"""kmrbf.claims.kr_s36_order: entmax-1.5 keeps the order of the logits (ties included) and the Voronoi cells."""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.claims.kr_s36_order import check_entmax_order, check_voronoi


@pytest.mark.parametrize("z", [np.array([0.0, 0.0, -1.0]), np.array([3.0, -50.0, 2.999, 3.0]), np.array([1e300, 1e300])])
def test_order_kept_on_ties_and_near_ties(z):
    check_entmax_order(z)


def test_voronoi_regions_on_a_hand_instance():
    X = np.array([[0.0, 0.0], [4.0, 0.0], [2.1, 0.0]])
    check_voronoi((X, np.array([[0.0, 0.0], [4.0, 0.0]])), 0.05)
