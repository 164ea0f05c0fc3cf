"""kmrbf.evidence.concentration: the softmax row around its limit, by hand and against the exact softmax."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from kmrbf.evidence.concentration import concentration_bounds


@pytest.mark.parametrize("d", [np.array([2.0, 2.0, 3.0, 5.0]), np.array([1.0, 3.0, 1.0, 2.0])])
def test_concentration_bounds_by_hand(d):
    on, off, t = concentration_bounds(d, 0.5)   # t = 2, gap 1
    eps = math.exp(-2.0)
    assert t == 2 and math.isclose(on, 2 * eps / 4) and math.isclose(off, eps / 2)
    assert concentration_bounds(np.array([1.0, 1.0]), 1.0) == (0.0, 0.0, 2)


@pytest.mark.parametrize("d, sigma", [(np.array([0.0, 1.0]), 0.1), (np.array([0.0, 0.0, 2.0, 2.0, 2.0]), 0.5),
                                      (np.array([3.0, 1.0, 1.0]), 2.0)])
def test_bounds_hold_and_are_attained_when_every_other_entry_sits_at_the_gap(d, sigma):
    on, off, t = concentration_bounds(d, sigma)
    with mpmath.workdps(40):
        z = [mpmath.mpf(-float(v)) / sigma for v in d]
        m = max(z)
        e = [mpmath.exp(v - m) for v in z]
        r = [float(v / sum(e)) for v in e]
    tie = d == d.min()
    dev_on = max(abs(r[k] - 1 / t) for k in range(d.size) if tie[k])
    dev_off = max(r[k] for k in range(d.size) if not tie[k])
    assert dev_on <= on * (1 + 1e-12) and dev_off <= off * (1 + 1e-12)
    # every non-tied entry at the gap: the off bound is attained up to the factor t/(t + S)
    S = (d.size - t) * math.exp(-(d[~tie].min() - d.min()) / sigma)
    assert math.isclose(dev_off / off, t / (t + S), rel_tol=1e-12)
