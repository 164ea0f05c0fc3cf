"""kmrbf.claims.kr_s53_cheaper: the decision rules on hand-made timings, and the evidence on a tiny profile."""

from __future__ import annotations

import json

import pytest

from kmrbf.claims.kr_s53_cheaper import SPARSE, decide_sparse_points, fastest_entmax, fmt_band
from kmrbf.evidence import RunContext
from kmrbf.profiles import Profile
from kmrbf.runner import run_claim


def _row(nnz, num, den):
    """A grid point whose repeats are ``num`` and ``den`` (lists of seconds)."""
    return dict(n=100, k=8, d=4, sigma_factor=0.1, nnz_fraction=nnz,
                times={"x": list(num), "y": list(den), "entmax_sparse": list(num), "entmax_dense": [9.0] * len(num),
                       "lloyd": list(den)})


FLAT = [1.0, 1.0, 1.0]


def test_fmt_band_keeps_three_significant_digits():
    assert fmt_band({"ratio": 1.0912, "lo": 1.0511, "hi": 1.1234}) == "1.09 [1.05, 1.12]"
    assert fmt_band({"ratio": 1.3, "lo": 1.2, "hi": 1.31}) == "1.30 [1.20, 1.31]"


def test_fastest_entmax_picks_the_smaller_minimum():
    assert fastest_entmax({"entmax_sparse": [3.0, 1.0], "entmax_dense": [1.5, 1.5]}) == "entmax_sparse"
    assert fastest_entmax({"entmax_sparse": [3.0, 2.0], "entmax_dense": [1.5, 1.5]}) == "entmax_dense"


def test_all_below_rule():
    below, above = _row(0.1, [0.5] * 3, FLAT), _row(0.1, [2.0] * 3, FLAT)
    assert decide_sparse_points([below, below], "x", "y", rule="all-below")["status"] == "passed"
    d = decide_sparse_points([below, above], "x", "y", rule="all-below")
    assert d["status"] == "failed" and d["counterexample_timed"].endswith("time ratio 2.00 [2.00, 2.00] (above 1)")
    # the counterexample printed in the report names the point and its class, never a time
    assert d["counterexample"].endswith("time ratio above 1 beyond its noise band") and "2.00" not in d["counterexample"]
    # a dense point (nnz > SPARSE) never decides
    assert decide_sparse_points([below, _row(0.9, [2.0] * 3, FLAT)], "x", "y", rule="all-below")["status"] == "passed"
    # a band that contains 1 is undecided, not a pass
    noisy = _row(0.1, [0.98, 1.02, 1.1], [1.0, 1.05, 1.1])
    assert decide_sparse_points([below, noisy], "x", "y", rule="all-below")["status"] == "undecided"


def test_often_below_rule_counts_undecided_points_as_possibly_below():
    below, above = _row(0.1, [0.5] * 3, FLAT), _row(0.1, [2.0] * 3, FLAT)
    noisy = _row(0.1, [0.98, 1.02, 1.1], [1.0, 1.05, 1.1])
    assert decide_sparse_points([below, above], "x", "y", rule="often-below")["status"] == "passed"
    assert decide_sparse_points([noisy, above, above], "x", "y", rule="often-below")["status"] == "failed"
    assert decide_sparse_points([noisy, above], "x", "y", rule="often-below")["status"] == "undecided"
    # num=None: the faster entmax-1.5 iteration of each row over "lloyd"
    d = decide_sparse_points([above, above], None, "lloyd", rule="often-below")
    assert d["status"] == "failed" and {p["method"] for p in d["points"]} == {"entmax_sparse"}


def test_none_above_rule_accepts_the_noise_band_as_negligible():
    noisy = _row(0.1, [0.98, 1.02, 1.1], [1.0, 1.05, 1.1])
    assert decide_sparse_points([noisy], "x", "y", rule="none-above")["status"] == "passed"
    d = decide_sparse_points([noisy, _row(SPARSE, [1.5] * 3, FLAT)], "x", "y", rule="none-above")
    assert d["status"] == "failed" and d["counts"] == {"below": 0, "above": 1, "undecided": 1}
    with pytest.raises(ValueError):
        decide_sparse_points([noisy], "x", "y", rule="sometimes")


def test_evidence_runs_on_a_tiny_profile(tmp_path):
    ctx = RunContext(Profile("tiny", max_examples=5, derandomize=True, scale=0.2), tmp_path)
    res = run_claim("KR-S53-cheaper", ctx)
    assert res.results and all(r.status in ("passed", "failed", "undecided") for r in res.results), \
        [(r.name, r.status, r.summary) for r in res.results]
    for r in res.results:
        if r.kind == "experiment":
            rows = r.data["timings"]["rows"]
            assert r.examples == len(rows) == len(r.tables[0].rows) == len(r.data["timings"]["tables"][0]["rows"]) == 12
            # times live in data["timings"] only: the printed table holds outcomes, no ratio
            assert all("[" not in str(cell) for row in r.tables[0].rows for cell in row)
            assert all(1 / row["k"] <= row["nnz_fraction"] <= 1 for row in rows)
            assert any(row["nnz_fraction"] <= SPARSE for row in rows)
            json.dumps(r.data, allow_nan=False)
        else:
            assert r.kind == "symbolic" and r.role == "instead" and r.status == "passed"
