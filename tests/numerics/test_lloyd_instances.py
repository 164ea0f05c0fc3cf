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


def test_random_lloyd_instances_are_exact_fixed_points_on_the_grid_and_seeded():
    from kmrbf.numerics.lloyd_instances import random_lloyd_instances

    a = random_lloyd_instances(np.random.default_rng(3), 4, max_k=4, max_d=3, spread=128, max_per_cell=8)
    b = random_lloyd_instances(np.random.default_rng(3), 4, max_k=4, max_d=3, spread=128, max_per_cell=8)
    assert len(a) == 4 and [x.X.tolist() for x in a] == [x.X.tolist() for x in b]
    for inst in a:
        assert 2 <= inst.K <= 4 and 1 <= inst.D <= 3 and inst.delta > 0
        assert np.all(inst.X * 64 == np.round(inst.X * 64))
        assert from_partition(inst.X, inst.labels) is not None
    assert random_lloyd_instances(np.random.default_rng(0), 0) == []
