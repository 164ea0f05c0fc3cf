"""kmrbf.report.charts: a finding's chart, read from an evidence table or mapping."""

from __future__ import annotations

import pytest

from kmrbf.claims.catalog import Chart
from kmrbf.evidence import EvidenceResult, Table
from kmrbf.evidence.model import Claim
from kmrbf.report.charts import chart_file, chart_series, draw_chart
from kmrbf.report.findings import FindingError
from kmrbf.verdict import ClaimResult


def _cr() -> ClaimResult:
    r = EvidenceResult(status="passed", data={"ratio": {"K=2": 0.75, "K=4": 0.55, "K=3": 0.63}},
                       tables=[Table(["inst", "k", "s", "y"], [["a", 0, "1/10", "-3.2"], ["a", 0, "1/100", "-0.35"],
                                                               ["a", 1, "1/10", "2.0"], ["b", 0, "1/10", "-"]])])
    r.name = "ev"
    return ClaimResult(Claim("KR-X", "KR", "Thm 1", "t", "s", "p"), [r], "verified")


def test_series_from_a_table_grouped_and_absolute():
    c = Chart("ev", ("tables", 0), "s", "y", "x", "y", "cap", group=("inst", "k"), xlog=True, ylog=True,
              absolute=True)
    s = chart_series(c, _cr())
    assert s == {"a, 0": [(0.01, 0.35), (0.1, 3.2)], "a, 1": [(0.1, 2.0)]}  # "-" is no point


def test_series_from_a_mapping_reads_the_number_in_each_key():
    s = chart_series(Chart("ev", ("data", "ratio"), "key", "value", "K", "r", "cap"), _cr())
    assert s == {"": [(2.0, 0.75), (3.0, 0.63), (4.0, 0.55)]}


def test_missing_data_is_a_finding_error():
    with pytest.raises(FindingError, match="no evidence named"):
        chart_series(Chart("other", ("tables", 0), "s", "y", "x", "y", "c"), _cr())
    with pytest.raises(FindingError, match="chart columns"):
        chart_series(Chart("ev", ("tables", 0), "s", "nope", "x", "y", "c"), _cr())
    with pytest.raises(FindingError, match="no points"):
        chart_series(Chart("ev", ("tables", 0), "s", "y", "x", "y", "c", where=(("inst", "zzz"),)), _cr())


def test_chart_pdf_is_deterministic():
    c = Chart("ev", ("data", "ratio"), "key", "value", "K", "r", "cap")
    one, two = draw_chart(c, _cr()), draw_chart(c, _cr())
    assert one.startswith(b"%PDF") and one == two
    assert chart_file("KR-T1-limsup") == "finding-kr-t1-limsup.pdf"
