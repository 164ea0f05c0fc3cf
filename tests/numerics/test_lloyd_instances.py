"""Tests of :mod:`kmrbf.numerics.lloyd_instances` (exactly verified Lloyd fixed points).

``from_partition`` / ``lloyd_fixed_point`` accept only exact fixed points with strict margin;
the certified instances are Lloyd fixed points.
"""

from __future__ import annotations

import numpy as np

import kmrbf.numerics as nx
from kmrbf.numerics import is_lloyd_fixed_point, margin
from kmrbf.numerics.lloyd_instances import LloydInstance, certified_instances, from_partition, lloyd_fixed_point


def test_certified_instances_are_lloyd_fixed_points_with_positive_margin():
    for _, inst in certified_instances():
        assert isinstance(inst, LloydInstance)
        assert inst.delta > 0 and is_lloyd_fixed_point(inst.X, inst.M, rtol=0.0)
        assert float(margin(inst.X, inst.M)) > 0


def test_from_partition_rejects_ties_and_non_fixed_points():
    assert from_partition(np.array([[0.0], [2.0], [3.0]]), [0, 0, 1]) is None  # x=2 equidistant
    assert from_partition(np.array([[0.0], [1.0], [10.0]]), [0, 1, 1]) is None  # 1 is nearer 0
    assert from_partition(np.array([[0.0], [1.0], [10.0]]), [0, 0, 1]) is not None
    assert lloyd_fixed_point(np.array([[0.0], [1.0], [10.0]]), np.array([[0.0], [1.0]])).counts == (2, 1)


def test_certified_instances_are_fixed_points():
    for _, inst in certified_instances():
        assert inst.delta > 0 and nx.is_lloyd_fixed_point(inst.X, inst.M)
