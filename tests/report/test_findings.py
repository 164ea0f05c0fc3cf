"""kmrbf.report.findings: values read from results, formatted, filled into LaTeX and Markdown; never invented."""

from __future__ import annotations

import pytest

from kmrbf.claims.catalog import Finding, V
from kmrbf.evidence import EvidenceResult, Table
from kmrbf.evidence.model import Claim
from kmrbf.report.findings import (FilledFinding, FindingError, check_template, fill_finding, finding_for,
                                   format_number, leading_number, resolve, select, to_markdown)
from kmrbf.report.rawlatex import RawLatexError
from kmrbf.verdict import ClaimResult


def _result(**data) -> EvidenceResult:
    r = EvidenceResult(status="failed", examples=40, summary="s", data=data,
                       tables=[Table(["case", "ratio", "ok"], [["a", "1.97 [1.90, 2.07]", "yes"],
                                                               ["b", "0.5", "no"], ["c", "-", "yes"]], "cap")])
    r.name = "ev"
    return r


def _cr(verdict="refuted", **data) -> ClaimResult:
    return ClaimResult(Claim("X-1", "KR", "Thm 1", "t", "s", "p"), [_result(**data)], verdict)


def test_leading_number_reads_the_forms_evidence_prints():
    assert leading_number("1/10") == pytest.approx(0.1)
    assert leading_number("-3.220e+00") == pytest.approx(-3.22)
    assert leading_number("[9.64384 +/- 4.00e-6]") == pytest.approx(9.64384)
    assert leading_number("0 (exact)") == 0.0
    assert [leading_number(x) for x in ("-", "yes", None, False, [1])] == [None] * 5


def test_select_walks_dicts_tables_lists_and_filters():
    d = _result(m={"x": {"y": 3}}, l=[{"k": "a", "v": 1}, {"k": "b", "v": 2}]).to_dict()
    assert select(d, ("data", "m", "x", "y")) == 3
    assert select(d, ("tables", 0, "ratio")) == ["1.97 [1.90, 2.07]", "0.5", "-"]
    assert select(d, ("tables", 0, "ratio"), (("ok", "yes"),)) == ["1.97 [1.90, 2.07]", "-"]
    assert select(d, ("data", "l", "*", "v"), (("k", "b"),)) == [2]
    with pytest.raises(KeyError, match="no column"):
        select(d, ("tables", 0, "nope"))


@pytest.mark.parametrize("reduce, expected", [
    ("max", 1.97), ("min", 0.5), ("count", 3), ("count=yes", 2), ("count!=-", 2), ("first", "1.97 [1.90, 2.07]"),
    ("last", "-"), ("sum", 2.47), ("absmax", 1.97), ("absmin", 0.5), ("join", "1.97 [1.90, 2.07], 0.5, -"),
])
def test_reductions_over_a_table_column(reduce, expected):
    got = resolve(V("ev", "tables", 0, "ratio" if "yes" not in reduce else "ok", reduce=reduce), _cr())
    assert got == pytest.approx(expected) if isinstance(expected, float) else got == expected


def test_resolve_says_exactly_what_is_missing():
    with pytest.raises(FindingError, match="no evidence named 'other'"):
        resolve(V("other", "examples"), _cr())
    with pytest.raises(FindingError, match=r"has no \['data', 'nope'\]"):
        resolve(V("ev", "data", "nope"), _cr())
    with pytest.raises(FindingError, match="expected one value"):
        resolve(V("ev", "data", "m"), _cr(m={"a": 1}))
    with pytest.raises(FindingError, match="no key has the value"):
        resolve(V("ev", "data", "m", reduce="keys=z"), _cr(m={"a": 1}))
    with pytest.raises(ValueError, match="reduce='median'"):
        resolve(V("ev", "data", "m", reduce="median"), _cr(m={"a": 1}))
    assert resolve(V("ev", "data", "m", reduce="keys=1"), _cr(m={"a": 1, "b": 2, "c": 1})) == "a, c"
    assert resolve(V(None, "examples"), _cr()) == 40


def test_format_number_gives_math_and_plain_forms():
    assert format_number(2.449e9, ".3g") == (r"2.45\times10^{9}", "2.45e+09", r"2.45\times10^{9}")
    assert format_number(81.0, "d")[1] == "81"
    assert format_number(float("inf"))[0] == r"\infty"


def test_fill_finding_latex_and_markdown():
    f = Finding(("refuted",), r"Rises on %n% of %m% runs; ratio $r=%r%$, tiny %t%, expression $%e%$ (%name%).",
                {"n": V("ev", "tables", 0, "ok", reduce="count=yes"), "m": V("ev", "tables", 0, "ok", reduce="count"),
                 "r": V("ev", "tables", 0, "ratio", reduce="max", fmt=".2f"), "t": V("ev", "data", "t", fmt=".1e"),
                 "e": V("ev", "data", "e", fmt="sympy"), "name": V("ev", "data", "name", fmt="text")},
                correction=r"Use %n% instead.")
    filled = fill_finding(f, _cr(t=1.5e-7, e="-1/9", name="x_1 & 50%"))
    assert isinstance(filled, FilledFinding)
    assert r"\ensuremath{2}" in filled.latex and r"$r=\ensuremath{1.97}$" in filled.latex
    assert r"\ensuremath{1.5\times10^{-7}}" in filled.latex and r"\frac{1}{9}" in filled.latex
    assert r"x\_1 \& 50\%" in filled.latex  # text values are escaped
    assert filled.markdown == ("Rises on 2 of 3 runs; ratio $r=1.97$, tiny 1.5e-07, expression $- \\frac{1}{9}$ "
                               "(x_1 & 50%).")
    assert filled.correction_markdown == "Use 2 instead."


def test_fill_finding_refuses_another_verdict_and_missing_values():
    f = Finding(("verified",), "n = %n%", {"n": V("ev", "examples")})
    with pytest.raises(FindingError, match="the evidence now gives refuted"):
        fill_finding(f, _cr("refuted"))
    with pytest.raises(FindingError, match="no evidence named"):
        fill_finding(Finding(("refuted",), "n = %n%", {"n": V("gone", "examples")}), _cr())
    with pytest.raises(FindingError, match="slot %n% has no value"):
        fill_finding(Finding(("refuted",), "n = %n%", {}), _cr())


def test_templates_are_checked_as_raw_latex():
    check_template(r"ratio $%r%\le1$ on %n% runs")
    with pytest.raises(RawLatexError):
        check_template(r"x_1 outside math %r%")


def test_to_markdown_converts_text_markup_and_keeps_math():
    assert to_markdown(r"\emph{a} \textbf{b} \texttt{c} ``q'' $a--b$ --- \S 2") == "*a* **b** `c` “q” $a--b$ — §2"


def test_finding_for_reads_the_catalog():
    assert finding_for("KR-T3") is not None and finding_for("NOPE") is None
