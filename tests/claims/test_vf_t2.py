"""kmrbf.claims.vf_t2: the Table 2 reproduction evidence, its cell rule and its observation comparisons.

Every comparison the evidence makes can decide both ways: for each cell and each §5.2 comparison of
the real run, synthetic fold scores are built that make it agree / hold and disagree / be
contradicted at the evidence's own family size.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kmrbf.claims.vf_t2 import (
    MATCH_MARGIN,
    OBSERVATIONS,
    cell_comparison,
    n_observation_comparisons,
    table2_cells,
    table2_observations,
    table2_outcome,
)
from kmrbf.evidence import RunContext
from kmrbf.evidence.vf_tables import CLASSIC, DATASETS, METRICS, PAPER_TABLE2, SOFT, run_table2
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim

NOISE = np.array([0.01, -0.01, 0.02, -0.02, 0.0])


@pytest.fixture(scope="module")
def runs():
    return {d: run_table2(d) for d in DATASETS}


@pytest.fixture(scope="module")
def family(runs):
    return len(METRICS) * len(CLASSIC + SOFT) * len(runs) + n_observation_comparisons(runs)


def test_cell_comparison_agrees_disagrees_or_stays_unresolved():
    p, m = 0.5021, 91
    assert cell_comparison(p + NOISE, p, n_comparisons=m)["outcome"] == "agrees"
    assert cell_comparison(p + 4e-5 + NOISE, p, n_comparisons=m)["outcome"] == "agrees"
    assert cell_comparison(p + 2e-4 + NOISE, p, n_comparisons=m)["outcome"] == "unresolved"
    r = cell_comparison(p + 0.5 + NOISE, p, n_comparisons=m)
    assert r["outcome"] == "disagrees" and r["disagree_tol"] < 0.5
    se = float(np.std(NOISE, ddof=1) / math.sqrt(5))
    assert r["disagree_tol"] == pytest.approx(0.5e-4 + r["c"] * math.sqrt(2) * se)
    nan = np.array([p, p, np.nan, p, p])
    assert cell_comparison(nan, p, n_comparisons=m)["outcome"] == "unresolved"


def test_every_cell_of_the_run_can_agree_and_disagree(runs, family):
    for c in table2_cells(runs, family):
        p = c["paper"]
        agree = cell_comparison(p + NOISE * 1e-3, p, n_comparisons=family)["outcome"]
        dis = cell_comparison(p + 0.9 + NOISE * 1e-3, p, n_comparisons=family)["outcome"]
        assert (agree, dis) == ("agrees", "disagrees"), (c["dataset"], c["model"], c["metric"])


def test_every_observation_comparison_can_hold_and_be_contradicted(runs, family):
    from scipy.stats import t as student_t

    from kmrbf.claims.vf_t2 import observation_specs
    from kmrbf.evidence.vf_tables import paired_comparison

    c1, cm = student_t.ppf(0.95, 4), student_t.ppf(1 - 0.05 / family, 4)
    se = float(np.std(NOISE, ddof=1) / math.sqrt(5))
    specs = observation_specs(runs)
    assert {s[0] for s in specs} == set(OBSERVATIONS)
    for oid, dname, met, a, kind, b in specs:
        margin = MATCH_MARGIN if kind == ">=" else 0.0
        base = np.full(5, 0.4)
        up = paired_comparison(base + NOISE + 1.01 * c1 * se - margin, base, kind, margin=margin,
                               n_comparisons=family)["outcome"]
        down = paired_comparison(base + NOISE - 1.01 * cm * se - margin, base, kind, margin=margin,
                                 n_comparisons=family)["outcome"]
        assert (up, down) == ("holds", "contradicted"), (oid, dname, met, a, kind, b)


def test_observations_and_outcome_rule(runs, family):
    obs = table2_observations(runs, family)
    assert len(obs) == n_observation_comparisons(runs)
    assert all(o["outcome"] in ("holds", "contradicted", "unresolved") for o in obs)
    assert all(o["paper"] for o in obs), "the paper's own table has every relation it states"
    cells = table2_cells(runs, family)
    assert sum(not c["counted"] for c in cells) == 3 * len(runs)   # eq. 10 as printed: shown, not counted
    fake = [dict(cells[0], outcome="agrees")]
    assert table2_outcome(fake, [])["status"] == "passed"
    assert table2_outcome([dict(cells[0], outcome="unresolved")], [])["status"] == "undecided"
    bad = table2_outcome([dict(cells[0], outcome="disagrees")], [])
    assert bad["status"] == "failed" and "paper" in bad["counterexample"]
    contra = table2_outcome(fake, [dict(obs[0], outcome="contradicted")])
    assert contra["status"] == "failed" and OBSERVATIONS[obs[0]["id"]] in contra["counterexample"]
    # an uncounted disagreement (the literal eq. 10 row) never decides
    assert table2_outcome(fake + [dict(cells[0], outcome="disagrees", counted=False)], [])["status"] == "passed"


def test_t2_evidence(tmp_path):
    res = run_claim("VF-T2", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    (r,) = res.results
    assert r.role == "paper" and r.status in ("passed", "failed", "undecided")
    k = r.data["counts"]
    assert k["cells_agree"] + k["cells_disagree"] + k["cells_unresolved"] == 3 * len(CLASSIC + SOFT) * 2
    # the author's protocol reproduces most cells to the printed digit (all of KMeans, GMM, Agglomerative)
    agree = {(c["dataset"], c["model"]) for c in r.data["cells"] if c["outcome"] == "agrees"}
    assert {(d, m) for d in DATASETS for m in CLASSIC} <= agree
    # eq. 10 as printed (negative temperature) is far from the paper's No Entropy row on Digits
    lit = next(c for c in r.data["cells"] if not c["counted"] and c["dataset"] == "Digits" and c["metric"] == "ARI")
    assert lit["outcome"] == "disagrees" and lit["mean"] < 0.1 < PAPER_TABLE2["Digits"]["VFKM (No Entropy)"][0]
    assert "USPS and MNIST: not reproduced" in r.tables[0].caption
