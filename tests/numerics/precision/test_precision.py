"""Tests of :mod:`kmrbf.numerics.precision` (small runs of every part of the study)."""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.numerics import precision as P


def test_dtype_limits_match_numpy_finfo():
    for name in ("float16", "float32", "float64"):
        fi = np.finfo(name)
        L = P.dtype_limits(name)
        assert (L["eps"], L["tiny"], L["max"], L["p"]) == (float(fi.eps), float(fi.tiny), float(fi.max),
                                                           fi.nmant + 1)
        assert L["smin"] == float(fi.smallest_subnormal)


@pytest.mark.parametrize("impl", ["naive", "softmax", "entmax15", "bisect"])
def test_kernel_preserves_dtype(impl):
    from kmrbf.numerics._compat import array_namespace

    z = np.array([[0.0, -1.0, -3.0]], dtype=np.float32)
    p = P.kernel(impl)(z, array_namespace(z))
    assert p.dtype == np.float32 and float(p.sum()) == pytest.approx(1.0, rel=1e-6)


def test_sigma_schedule_and_threshold_tolerance():
    s = P.sigma_schedule(6)
    assert list(s) == [8.0, 8.0, 4.0, 4.0, 2.0, 2.0]
    assert P.threshold_tolerance("float64", "nan_scale", float("inf")) == 0.0
    assert P.threshold_tolerance("float64", "nan_scale", 745.13) > 0


def test_small_grids_examples_and_outputs(tmp_path):
    dts, impls = ["float32", "float64"], ["softmax", "entmax15"]
    lg = P.logit_grid(dts, impls, n=2)
    dg = P.data_grid(dts, impls, n=2)
    pe = P.paper_example(dts, impls)
    bl = P.blobs_schedule(dts, impls, n_samples=12, n_iter=4)
    assert len(lg) == len(dg) == 2 * 2 * 4 and len(pe) == 4 and len(bl["runs"]) == 4
    mt = P.measured_thresholds("float32", "softmax")
    assert set(mt) <= set(P.predicted_thresholds("float32")["softmax"]) | set(mt)
    study = P.run_study(P.StudyParams(dtypes=("float64",), impls=("softmax",), logit_n=2, data_n=2,
                                      blobs_n=12, blobs_iter=4, do_thresholds=False))
    names = P.write_tables(study, tmp_path)
    assert names and all((tmp_path / n).exists() for n in names)
    figs = P.write_figures(study, tmp_path)
    assert all((tmp_path / n).exists() for n in figs)
