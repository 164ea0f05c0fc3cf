"""kmrbf.claims.vf_t2: the Table 2 evidence and its paired-t comparison rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kmrbf.evidence import RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return RunContext(profile=get_profile("ci"), out_dir=tmp_path_factory.mktemp("vf"))


def test_t2_evidence_runs(ctx):
    res = run_claim("VF-T2", ctx)
    assert not [r for r in res.results if r.status == "error"], [r.summary for r in res.results]
    r = res.results[0]
    assert r.status in ("passed", "failed", "conditional")
    assert any("not reproduced" in str(row) for row in r.tables[1].rows)


def test_t2_comparison_rule_can_hold_contradict_and_stay_unresolved():
    """The VF-T2 paired t rule: t > t_{0.95,4} holds, t < -t_{1-0.05/m,4} contradicts, else unresolved."""
    from scipy.stats import t as student_t

    from kmrbf.claims.vf_t2 import _compare

    def res(a, b):
        return {"D": {"folds": {"a": [[x, 0.0, 0.0] for x in a], "b": [[x, 0.0, 0.0] for x in b]}}}

    b = [0.5] * 5
    noise = np.array([0.01, -0.01, 0.02, -0.02, 0.0])  # mean 0, sd 0.0158, se 0.00707
    se = float(np.std(noise, ddof=1) / math.sqrt(5))
    t95, t_bonf = student_t.ppf(0.95, 4), student_t.ppf(1 - 0.05 / 15, 4)
    up = (0.5 + noise + 1.01 * t95 * se).tolist()          # t just above 2.13
    down = (0.5 + noise - 1.01 * t_bonf * se).tolist()     # t just below -5.17
    mid = (0.5 + noise - 0.99 * t_bonf * se).tolist()      # t just above -5.17
    assert _compare(res(up, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "holds"
    assert _compare(res(down, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "contradicted"
    assert _compare(res(down, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "contradicted"
    assert _compare(res(mid, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "unresolved"
    assert _compare(res(mid, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "holds"
    assert _compare(res(b, b), "D", "ARI", "a", "b", ">", 15)["outcome"] == "unresolved"  # se = 0, d = 0
    assert _compare(res([0.4] * 5, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "contradicted"  # se = 0
    nan = [0.5, 0.5, float("nan"), 0.5, 0.5]
    assert _compare(res(nan, b), "D", "ARI", "a", "b", ">=", 15)["outcome"] == "unresolved"


def test_load_local_openml_npz_reads_X_and_y(tmp_path):
    from kmrbf.claims.vf_t2 import load_local_openml_npz

    path = tmp_path / "usps.npz"
    np.savez(path, X=np.arange(6, dtype=np.uint8).reshape(3, 2), y=np.array([0, 1, 0]))
    X, y = load_local_openml_npz(str(path))
    assert X.dtype == np.float64 and X.tolist() == [[0, 1], [2, 3], [4, 5]] and y.tolist() == [0, 1, 0]


def test_table2_statements_cover_every_observation():
    from kmrbf.claims.vf_t2 import run_table2, table2_statements

    rows = table2_statements(run_table2(0.2, 0, 200))
    assert {r["id"] for r in rows} == {"B1", "B2", "D1", "D2", "A1"}
    assert all(r["outcome"] in ("holds", "contradicted", "unresolved") for r in rows)
