"""kmrbf.claims.kr_t2_traj: exact Lloyd trajectories, arb soft trajectories at a tie and at an empty cell,
the limit rule, the one-step bounds and the per-step band, on hand instances.

Tie: X = {-1, 0, 1}, M0 = (-1, 1): the point 0 is tied; Lloyd gives (-1/2, 1), every soft step (-2/3, 2/3) in the
limit.  Empty cell: X = {0, 1, 3}, M0 = (0, 3, 10): nothing is nearest to 10, Lloyd keeps it; the softmax soft
centroid of cell 3 is at most 3 and the RBF step of it is about 10 + 7 (49/sigma - 1) (the point 3 at gap 49).
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from flint import arb, ctx, fmpq

from kmrbf import numerics as nx
from kmrbf.claims.kr_t2_traj import (_arb_step, arb_trajectory, limit_verdict, lloyd_trajectory, one_step_bounds,
                                     soft_step_band, traj_condition)

LINE = [[0], [1], [2], [7], [F(17, 2)]]


def test_lloyd_trajectories_by_hand():
    tie = lloyd_trajectory([[-1], [0], [1]], [[-1], [1]], 2)
    assert tie["tie"] == [True, False] and tie["M"][1] == [[F(-1, 2)], [F(1)]]
    empty = lloyd_trajectory([[0], [1], [3]], [[0], [3], [10]], 1)
    assert empty["empty"] == [True] and empty["M"][1] == [[F(1, 2)], [F(3)], [F(10)]]
    line = lloyd_trajectory(LINE, [[0], [F(5, 2)]], 3)
    assert line["margins"] == [F(5, 4), F(112, 9), F(513, 16)] and not any(line["tie"] + line["empty"])
    assert line["M"][2] == line["M"][3] == [[F(1)], [F(31, 4)]]


def test_arb_soft_steps_at_the_tie_and_the_empty_cell():
    for rbf in (False, True):
        for alpha in (F(1), F(3, 2)):
            tr = arb_trajectory([[-1], [0], [1]], [[-1], [1]], F(1, 1000), 1, alpha=alpha, rbf=rbf)
            assert abs(float(tr[0][1][0].mid()) - 2 / 3) < 1e-12, (rbf, alpha)
    sigma = F(3, 10)
    soft = arb_trajectory([[0], [1], [3]], [[0], [3], [10]], sigma, 1)[0][2][0]
    assert soft < 3 and soft > fmpq(29, 10)
    step = arb_trajectory([[0], [1], [3]], [[0], [3], [10]], sigma, 1, rbf=True)[0][2][0]
    assert abs(float(step.mid()) - (10 + 7 * (49 / 0.3 - 1))) < 1e-3 * 1143
    kept = arb_trajectory([[0], [1], [3]], [[0], [3], [10]], sigma, 1, alpha=F(3, 2))[0][2][0]
    assert kept.is_exact() and kept == 10   # entmax: no mass, the centroid is kept as Lloyd keeps it


def test_limit_rule():
    assert limit_verdict([arb("0.3"), arb("0.33")], 1.0) == "does not"
    assert limit_verdict([arb("0.3"), arb("1e-300")], 1.0) == "approaches"
    assert limit_verdict([arb("0.3"), arb("0.1")], 1.0) == "undecided"    # falls, not yet to the floor


def test_one_step_bounds_hold_for_the_library_step():
    X, M = np.array([[0.0], [1.0], [10.0], [11.0]]), np.array([[0.0], [11.0]])
    b = one_step_bounds(X, M, 2.0)
    assert b["labels"] == [0, 0, 1, 1] and b["delta"] == 99   # x = 1, 10: 100 - 1
    L = np.array([[0.5], [10.5]])
    dev = np.abs(np.asarray(nx.soft_centroids(X, M, 2.0)) - L).ravel()
    assert np.all(dev <= b["soft"]) and np.all(b["soft"] < 1e-15)
    dev = np.abs(np.asarray(nx.rbf_gradient_step(X, M, 2.0)) - L).ravel()
    assert np.all(dev <= b["rbf"] + 1e-15)


def test_soft_step_band_contains_the_arb_ratio_and_closes():
    widths = []
    for sigma in (F(1, 2), F(1, 4), F(1, 8)):
        b = soft_step_band([[0], [1], [3]], [[0], [3]], sigma, 0)
        with ctx.workprec(256):
            step = _arb_step([[F(0)], [F(1)], [F(3)]], [[F(0)], [F(3)]], sigma, F(1), False, 256)[0][0]
            rho = abs(step - fmpq(1, 2)) / (-arb(3) / arb(fmpq(sigma.numerator, sigma.denominator))).exp()
            assert b["lo"] < rho < b["hi"]
            widths.append(float((b["hi"] - b["lo"]).mid()))
    assert widths[0] > widths[1] > widths[2] and b["C"] == 0.25


def test_condition_property_on_pinned_instances():
    X = np.array([[0.0], [0.25], [5.0], [5.5], [9.0], [9.25]])
    assert not any(lloyd_trajectory(X, X[[0, 2, 4]], 3)["tie"])
    traj_condition((X, X[[0, 2, 4]].copy()), 1e-2)  # positive margins all along
    traj_condition((X, X[[1, 3, 5]].copy()), 1e-3)
