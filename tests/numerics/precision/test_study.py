"""Tests of :mod:`kmrbf.numerics.precision._study` (the KR-S36-underflow precision study and its verdict)."""

from __future__ import annotations

from kmrbf.numerics import precision as P


def test_small_study_and_verdict():
    st_ = P.run_study(P.StudyParams(dtypes=("float32", "float64"), logit_n=5, data_n=5,
                                    blobs_n=30, blobs_iter=50, do_thresholds=False))
    v = st_["verdict"]
    assert v["status"] in ("passed", "conditional", "failed")
    naive = [r for r in v["per"] if r["impl"] == "naive"]
    assert all(r["holds"] for r in naive)  # naive softmax gives NaN where entmax-1.5 is exact
    runs = {(r["dtype"], r["impl"]): r for r in st_["blobs"]["runs"]}
    assert runs[("float64", "naive")]["break_iter"] is not None
    assert runs[("float64", "entmax15")]["break_iter"] is None
