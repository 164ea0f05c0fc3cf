"""kmrbf.evidence.vf_tables: the transcribed tables, the Table 2 runner, the paired comparison rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import t as student_t

from kmrbf.evidence.vf_tables import (
    CLASSIC,
    EXTRA,
    METRICS,
    PAPER_TABLE2,
    SOFT,
    TABLE1_VFKM,
    load_local_npz,
    paired_comparison,
    run_table2,
)

NOISE = np.array([0.01, -0.01, 0.02, -0.02, 0.0])      # mean 0, sd 0.0158
SE = float(np.std(NOISE, ddof=1) / math.sqrt(5))      # 0.00707


def test_tables_are_complete():
    assert list(PAPER_TABLE2) == ["Breast Cancer", "Digits", "USPS", "MNIST"]
    for dname, rows in PAPER_TABLE2.items():
        assert list(rows) == list(CLASSIC + SOFT)
        for model, row in rows.items():
            assert row is None or (len(row) == 4 and all(-1 <= v <= 1 for v in row)), (dname, model)
    assert [m for d in PAPER_TABLE2 for m, r in PAPER_TABLE2[d].items() if r is None] == ["VFKM"]  # MNIST row lost
    assert TABLE1_VFKM["VFKM"] == (5.0, 0.5, 0.02) and TABLE1_VFKM["VFKM (No Entropy)"][0] < TABLE1_VFKM[
        "VFKM (No Entropy)"][1]


@pytest.mark.parametrize("kind, margin", [(">", 0.0), (">=", 1e-4)])
def test_paired_comparison_decides_both_ways(kind, margin):
    """Each kind can hold, be contradicted, or stay unresolved with 5 folds, at a realistic family size."""
    m = 91
    c1, cm = student_t.ppf(0.95, 4), student_t.ppf(1 - 0.05 / m, 4)
    b = np.full(5, 0.5)
    hold = b + NOISE + 1.01 * c1 * SE - margin
    contra = b + NOISE - 1.01 * cm * SE - margin
    mid = b + NOISE - margin
    assert paired_comparison(hold, b, kind, margin=margin, n_comparisons=m)["outcome"] == "holds"
    assert paired_comparison(contra, b, kind, margin=margin, n_comparisons=m)["outcome"] == "contradicted"
    assert paired_comparison(mid, b, kind, margin=margin, n_comparisons=m)["outcome"] == "unresolved"
    r = paired_comparison(hold, b, kind, margin=margin, n_comparisons=m)
    assert r["t_hold"] == pytest.approx(c1) and r["t_contradict"] == pytest.approx(cm)


def test_paired_comparison_exact_differences_are_decided_exactly():
    b = np.full(5, 0.5)
    assert paired_comparison(b, b, ">")["outcome"] == "contradicted"            # a twin does not outperform
    assert paired_comparison(b, b, ">=", margin=0.0)["outcome"] == "holds"       # but matches
    assert paired_comparison(b + 1e-3, b, ">")["outcome"] == "holds"
    assert paired_comparison(b - 2e-4, b, ">=", margin=1e-4)["outcome"] == "contradicted"
    assert paired_comparison(b - 5e-5, b, ">=", margin=1e-4)["outcome"] == "holds"


def test_paired_comparison_nan_and_bad_arguments():
    b = np.full(5, 0.5)
    a = b.copy()
    a[2] = np.nan
    assert paired_comparison(a, b, ">")["outcome"] == "unresolved"
    with pytest.raises(ValueError, match="kind must be"):
        paired_comparison(b, b, "<")
    with pytest.raises(ValueError, match="margin applies to '>=' only"):
        paired_comparison(b, b, ">", margin=1e-4)


def test_load_local_npz_reads_X_and_y(tmp_path):
    path = tmp_path / "usps.npz"
    np.savez(path, X=np.arange(6, dtype=np.uint8).reshape(3, 2), y=np.array([0, 1, 0]))
    X, y = load_local_npz(str(path))
    assert X.dtype == np.float64 and X.tolist() == [[0, 1], [2, 3], [4, 5]] and y.tolist() == [0, 1, 0]


def test_run_table2_breast_cancer_protocol():
    """Whole data set, 5 folds, every model and extra row; the baselines (no VF code involved) reproduce
    the paper's printed Breast Cancer values to all 4 decimals under the author's seeds."""
    messages = []
    r = run_table2("Breast Cancer", progress=messages.append)
    assert (r["N"], r["D"], r["K"]) == (569, 30, 2)
    assert set(r["folds"]) == set(CLASSIC + SOFT + EXTRA)
    assert all(np.asarray(f).shape == (5, len(METRICS)) for f in r["folds"].values())
    assert set(r["runs"]) == set(SOFT[2:] + EXTRA) and all(len(v) == 5 for v in r["runs"].values())
    for model in CLASSIC + ("Soft-KMeans", "Annealed-Soft-KMeans"):
        means = np.mean(np.asarray(r["folds"][model]), axis=0)
        assert np.round(means, 4).tolist() == list(PAPER_TABLE2["Breast Cancer"][model][:3]), model
    assert run_table2("Breast Cancer") is r          # computed once per process
