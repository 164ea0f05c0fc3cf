"""kmrbf.claims.vf_s54_ablation: §5.4's ablation statements against the paper's Table 2 and against ours."""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.claims.vf_s54_ablation import (
    STATEMENTS,
    comparisons,
    decide,
    marginal,
    ours_comparison,
    paper_comparison,
)
from kmrbf.evidence import RunContext
from kmrbf.evidence.vf_tables import DATASETS, run_table2
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


@pytest.fixture(scope="module")
def runs():
    return {d: run_table2(d) for d in DATASETS}


def _row(comps, sid, dname, metric="ARI"):
    return next(c for c in comps if c["statement"] == sid and c["dataset"] == dname and c["metric"] == metric)


def test_comparisons_cover_every_statement():
    comps = comparisons()
    assert {c["statement"] for c in comps} == set(STATEMENTS)
    assert len(comps) == 2 * sum(len(v[1][0]) for v in STATEMENTS.values())


def test_printed_values_decide_only_beyond_their_rounding(runs):
    """Two 4-decimal values differ in order only if they differ by >= 2 units of the last digit."""
    comps = comparisons()
    s1 = paper_comparison(_row(comps, "S1 entropy", "USPS"), runs, len(comps))
    assert (s1["value_a"], s1["value_b"], s1["outcome"]) == (0.4616, 0.4596, "contradicted")
    s2 = paper_comparison(_row(comps, "S2 KL", "USPS"), runs, len(comps))
    assert s2["outcome"] == "holds"                                   # 0.4578 < 0.4596
    lost = paper_comparison(_row(comps, "S2 KL", "MNIST"), runs, len(comps))
    assert lost["outcome"] == "unresolved" and "lost" in lost["note"]
    near = dict(_row(comps, "S2 KL", "USPS"), metric="Silhouette")   # 0.1462 vs 0.1462: a tie
    assert paper_comparison(near, runs, len(comps))["outcome"] == "unresolved"


def test_marginal_can_hold_be_contradicted_or_stay_unresolved():
    assert marginal(0.001, 0.0, 0.01, 5.0) == "holds"
    assert marginal(0.001, 1e-4, 0.0011, 5.0) == "holds"
    assert marginal(0.06, 0.0, 0.01, 5.0) == "contradicted"
    assert marginal(0.02, 0.0, 0.01, 5.0) == "unresolved"
    assert marginal(0.0, 0.0, 0.0, 5.0) == "holds" and marginal(1e-3, 0.0, 0.0, 5.0) == "contradicted"
    assert marginal(float("nan"), 0.0, 0.01, 5.0) == "unresolved"


def test_ours_comparison_and_decide(runs):
    comps = comparisons()
    off = ours_comparison(_row(comps, "S1 entropy", "USPS"), runs, 8)
    assert off["outcome"] == "unresolved" and "not reproduced" in off["note"]
    on = ours_comparison(_row(comps, "S4 no entropy + no KL", "Digits", "NMI"), runs, 8)
    assert on["outcome"] in ("holds", "contradicted", "unresolved") and on["d"] is not None
    assert decide([{"outcome": "holds"}, {"outcome": "unresolved"}]) == "passed"
    assert decide([{"outcome": "holds"}, {"outcome": "contradicted"}]) == "failed"
    assert decide([{"outcome": "unresolved"}]) == "undecided"


def test_s54_evidence(tmp_path):
    res = run_claim("VF-S54-ablation", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    by = {r.name: r for r in res.results}
    paper = by["paper-table2"]
    # the paper's own Table 2 contradicts S1 and S4 on USPS: the No Entropy (+ No KL) rows beat the full VFKM
    assert paper.status == "failed" and "USPS" in paper.counterexample
    assert paper.data["statements"]["S1 entropy"] == "contradicted"
    assert paper.data["statements"]["S4 no entropy + no KL"] == "contradicted"
    assert res.verdict == "refuted"
    ours = by["our-reproduction"]
    assert ours.status in ("passed", "failed", "undecided")
    assert all(r["outcome"] == "unresolved" for r in ours.data["comparisons"] if r["dataset"] in ("USPS", "MNIST"))
    assert np.isfinite([r["d"] for r in ours.data["comparisons"] if r["dataset"] in DATASETS]).all()
