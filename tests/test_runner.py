"""kmrbf.runner: running evidence, claims and the whole catalog."""

from __future__ import annotations

import io

import pytest

from kmrbf.evidence import Evidence, RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import format_table, progress_printer, results_to_json, run_check, run_claim, run_evidence


@pytest.fixture
def ctx(tmp_path):
    return RunContext(profile=get_profile("ci"), out_dir=tmp_path)


def test_crashing_evidence_is_an_error_not_a_pass(ctx):
    def crash(ctx):
        raise RuntimeError("boom")

    res = run_evidence(Evidence("KR-L1", "experiment", "crash", "paper", "d", crash), ctx)
    assert res.status == "error" and "boom" in res.summary and "Traceback" in res.data["traceback"]
    assert (res.claim_id, res.name, res.kind, res.role, res.description) == ("KR-L1", "crash", "experiment",
                                                                              "paper", "d")


def test_evidence_must_return_a_result(ctx):
    res = run_evidence(Evidence("KR-L1", "experiment", "none", "paper", "", lambda ctx: None), ctx)
    assert res.status == "error" and "returned NoneType" in res.summary


def test_run_check_runs_in_catalog_order_and_reports_progress(tmp_path):
    messages: list[str] = []
    results = run_check(["VF-E4", "KR-E12"], profile="dev", out_dir=tmp_path, progress=messages.append)
    assert [r.claim.id for r in results] == ["VF-E4", "KR-E12"]
    assert [r.verdict for r in results] == ["verified_sharper", "verified"]
    assert messages[0] == "(1/2) VF-E4" and messages[-1] == "(2/2) KR-E12: verified"
    doc = results_to_json(results, profile="dev")
    assert doc["profile"] == "dev" and [c["id"] for c in doc["claims"]] == ["VF-E4", "KR-E12"]
    with pytest.raises(ValueError, match="unknown"):
        run_check(["NOPE"], profile="dev", out_dir=tmp_path)


def test_format_table_lists_conditions(ctx):
    res = run_claim("VF-E4", ctx)
    res.verdict, res.condition = "conditional", "only on blobs"
    table = format_table([res])
    assert table.splitlines()[0].split() == ["claim", "verdict", "evidence", "examples", "seconds"]
    assert "conditional [1]" in table and "[1] VF-E4: only on blobs" in table


def test_progress_printer_prefixes_elapsed_time():
    out = io.StringIO()
    progress_printer(out)("hello")
    assert out.getvalue().rstrip().endswith("s] hello")
