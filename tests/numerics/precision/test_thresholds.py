"""Tests of :mod:`kmrbf.numerics.precision._thresholds` (predicted and measured underflow / overflow thresholds)."""

from __future__ import annotations

import math

import pytest

from kmrbf.numerics import precision as P


def test_predicted_thresholds_from_dtype_limits():
    t = P.predicted_thresholds("float64")
    assert t["naive"]["nan_scale"] == pytest.approx(-math.log(2.0**-1074) + math.log(2), rel=1e-15)
    assert t["naive"]["nan_scale"] == pytest.approx(745.1332191019412, rel=1e-12)
    assert t["softmax"]["saturation_gap"] == pytest.approx(53 * math.log(2), rel=1e-15)
    assert t["softmax"]["gap_lost_scale"] == 2.0**53 - 0.5
    assert P.predicted_thresholds("float16")["softmax"]["nan_scale"] == 65504.0


@pytest.mark.parametrize("dtype", P.available_dtypes())
def test_measured_thresholds_match_derived(dtype):
    rows = P.thresholds([dtype])
    bad = [r for r in rows if not r["agrees"]]
    assert not bad, bad
    m = {(r["impl"], r["threshold"]): r["measured"] for r in rows}
    # entmax-1.5 never gives NaN for finite or -inf logits; naive always does, at finite scale
    assert m[("entmax15", "nan_scale")] == math.inf
    assert math.isfinite(m[("naive", "nan_scale")])
