"""kmrbf.report.render: the .tex from results -- determinism, template contents, clipping;
and (with kmrbf.report.build) the fake report compiling and failing safely.

Fake claims and results (built directly as ClaimResult objects) keep these tests
independent of the claims' evidence, and fast.  The LaTeX compile tests need
latexmk (CI installs it, see .ci/run) and are skipped with a reason otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kmrbf.report import build as build_mod
from kmrbf.report.build import LatexError, build_report, compile_pdf
from kmrbf.report.render import render_run_info, render_verification

from kmrbf.cache import write_atomic
from kmrbf.claims import all_claims
from kmrbf.evidence import EvidenceResult, Table
from kmrbf.evidence.model import Claim
from kmrbf.profiles import get_profile
from kmrbf.verdict import ClaimResult, aggregate_verdict

needs_latexmk = pytest.mark.skipif(shutil.which("latexmk") is None,
                                   reason="latexmk not installed (CI installs it: .ci/run)")


#: every character that is special to TeX, plus Unicode that pdflatex cannot typeset as is
NASTY = "50% of x_i & y #1 {z} } { ~a ^b \\c \\end{document} $d <e> |f \"g\" `h` [i] -- σ≤1 é \u2603 \x07"


ENV = {"commit": "0" * 40, "dirty": False, "python": "3.x", "implementation": "CPython",
       "packages": [("numpy", "1.0")]}


PROFILE = get_profile("ci")


def _claim(cid: str, **kw) -> Claim:
    base = dict(paper="KR", location="§9 eq. 1 & 2_%", title=f"Title {NASTY}",
                statement=r"For $\sigma\to0$: $\lVert\hat\mu_k-\mu_k^*\rVert\le Ce^{-\Delta/\sigma}$.",
                precise=r"With $\varepsilon=e^{-\Delta/\sigma}$ and $\operatorname{diag}(s)-ss^\top$.",
                conventions=(r"$\sigma$ divides squared distances", r"uses $\undefinedmacro{x}$"))
    base.update(kw)
    return Claim(cid, **base)


def _ev(status="passed", role="paper", kind="property", name="ev", **kw) -> EvidenceResult:
    r = EvidenceResult(status=status, **kw)
    r.claim_id, r.name, r.kind, r.role = "FAKE", name, kind, role
    r.description = f"Description {NASTY} with $x_i^2$ math"
    r.seconds = 1.25
    return r


def fake_results(out_dir: Path | None = None) -> list[ClaimResult]:
    """Three fake claims exercising every part of the template."""
    figs = []
    if out_dir is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        (out_dir / "figs").mkdir(parents=True, exist_ok=True)
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [1, 0])
        fig.savefig(out_dir / "figs" / "fake_fig-1.pdf")
        plt.close(fig)
        figs = ["figs/fake_fig-1.pdf"]
    long_line = "array([" + ", ".join(f"{i}.0" for i in range(200)) + "])"
    a = [
        _ev("failed", counterexample=f"Falsifying example: check(\n    inst={NASTY},\n{long_line}\n)\n\t tab",
            summary=f"AssertionError: {NASTY}", examples=17,
            data={"strategy": f"strategy {NASTY}", "ratio": 0.1 + 0.2, "n": 3, "tiny": 1e-300,
                  "flag": True, "note": NASTY, "vec": [1.5, float("nan"), float("inf")],
                  "nested": {"a": [1, 2]}, "records": [{"k": NASTY, "v": 1.5}, {"k": "b", "v": None}],
                  "per_run": {"r1": {"x": 1, "y": 2}}, "deep": {"a": {"b": {"c": [1] * 50}}},
                  "timings": {"tables": [{"columns": ["what", "seconds"], "rows": [["fit", 0.125]],
                                          "caption": "volatile"}]}}),
        _ev("passed", role="condition", name="cond", condition=r"$K=1$ and $\sigma\le\Delta$"),
        _ev("passed", role="condition", name="cond-none", summary="Ends with a stop.", condition=None),
        _ev("passed", kind="symbolic", name="sym-body",
            latex=r"\frac{\partial F}{\partial r_{ik}} &= d_{ik}+\sigma(1+\log r_{ik}) \\ "
                  r"r_{ik} &= \frac{e^{-d_{ik}/\sigma}}{\sum_j e^{-d_{ij}/\sigma}}"),
        _ev("passed", kind="symbolic", name="sym-text",
            latex=r"Hence $G_\sigma=-\sigma\sum_i\log\sum_k e^{-d_{ik}/\sigma}$ and \[W_\sigma\ge F_0.\]"),
        _ev("passed", kind="symbolic", name="sym-broken", latex=r"\frac{a}{b % \end{document}"),
        _ev("passed", kind="symbolic", name="sym-unknown", latex=r"\undefinedcs{x} + \alsoundefined"),
        _ev("passed", kind="experiment", name="exp",
            tables=[Table([f"col {NASTY}", "b_2"], [[1, 2.5, "x_y"], [None, True, NASTY]], f"cap {NASTY}"),
                    Table(["i", "v"], [[i, i / 7] for i in range(60)], "a long table")],
            figures=figs + ["figs/missing.pdf", "../escape 100%.pdf"]),
    ]
    b = [_ev("passed"), _ev("passed", role="sharper", name="sharp", summary="rate $e^{-\\Delta/\\sigma}$."),
         _ev("passed", role="instead", name="inst", summary="What holds.")]
    c = [_ev("error", name="crash", summary="ZeroDivisionError: x_i % 0",
             data={"traceback": f"Traceback (most recent call last):\n  File \"x.py\", line 1\n{NASTY}"})]
    claims = [
        _claim("FAKE-A", precise=r"broken $\frac{1}{2$ 100% \end{document}"),
        _claim("FAKE-B", uses=("FAKE-A",)),
        _claim("FAKE-C"),
        _claim("FAKE-EMPTY", title="No evidence at all"),
    ]
    out = []
    for claim, rs in zip(claims, (a, b, c, [])):
        verdict, condition = aggregate_verdict(rs)
        out.append(ClaimResult(claim, rs, verdict, condition))
    return out


def test_long_counterexample_is_clipped(tmp_path):
    r = _ev("failed", counterexample="\n".join(f"line {i}" for i in range(5000)))
    tex = render_verification([ClaimResult(_claim("FAKE-LONG"), [r], "refuted")], profile=PROFILE,
                              environment=ENV)
    assert r"line\ 119\par" in tex and r"line\ 120\par" not in tex
    assert r"full\ text\ is\ in\ results.json" in tex


def test_render_is_deterministic_and_volatile_values_stay_in_run_info(tmp_path):
    results = fake_results()
    tex1 = render_verification(results, profile=PROFILE, environment=ENV, out_dir=tmp_path)
    info1 = render_run_info(results, {"started": "2026-01-01T00:00:00+00:00", "hostname": "alpha",
                                      "wall_seconds": "12.5", "cached": {"FAKE/ev"}})
    for cr in results:  # a second run: other timings, other host, other time
        for r in cr.results:
            r.seconds *= 3.7
            r.data["seconds"] = r.seconds  # timings in data are volatile by convention
    tex2 = render_verification(results, profile=PROFILE, environment=ENV, out_dir=tmp_path)
    info2 = render_run_info(results, {"started": "2027-02-02T11:11:11+00:00", "hostname": "beta",
                                      "wall_seconds": "99.0"})
    assert tex1 == tex2
    assert info1 != info2
    for volatile in ("2026-01-01", "alpha", "12.5", "1.25", "4.62", "0.125"):
        assert volatile not in tex1
    assert "alpha" in info1 and "1.25" in info1
    # the timing tables of data["timings"] are printed in run-info.tex, never in verification.tex
    assert "Timing measurements of this run" in info1 and "0.125" in info1
    results[0].results[0].data["timings"]["tables"][0]["rows"] = [["fit", 9.75]]
    assert render_verification(results, profile=PROFILE, environment=ENV, out_dir=tmp_path) == tex1
    assert "9.75" in render_run_info(results, {})


def test_template_contents(tmp_path):
    tex = render_verification(fake_results(), profile=PROFILE, environment=ENV, out_dir=tmp_path)
    for cid in ("FAKE-A", "FAKE-B", "FAKE-C", "FAKE-EMPTY"):
        assert f"claim:{cid}" in tex
    assert "No evidence yet" in tex
    errata = tex.split(r"\section{Errata for the authors}")[1].split(r"\appendix")[0]
    # FAKE-A: paper evidence failed, condition evidence passed -> conditional (an erratum);
    # FAKE-B: verified with a sharper statement (listed as such)
    assert r"\VDconditional" in errata and "claim:FAKE-A" in errata
    assert "claim:FAKE-B" in errata.split("Sharper statements")[1]
    assert "FAKE-C" not in errata and "FAKE-EMPTY" not in errata
    # at a glance: the verdict table, the graph, and FAKE-B flagged as resting on the conditional FAKE-A
    glance = tex.split(r"\section{At a glance}")[1].split(r"\tableofcontents")[0]
    assert "claim-graph-kr.pdf" in glance and "not included" in glance  # not drawn in this test
    row_b = next(line for line in glance.splitlines() if line.startswith(r"\hyperref[claim:FAKE-B]"))
    assert r"(!)~\hyperref[claim:FAKE-A]" in row_b
    # every claim section opens with its finding (fake claims have none: said in red)
    for cid in ("FAKE-A", "FAKE-B", "FAKE-C", "FAKE-EMPTY"):
        section = tex.split(f"\\label{{claim:{cid}}}")[1]
        assert section.lstrip().startswith(r"\paragraph{Finding.}")
        assert "could not be filled" in section.split(r"\paragraph{As the paper states it.}")[0]
    assert r"\kmrbfprovide{undefinedcs}" in tex
    assert "figs/missing.pdf" in tex and "not included" in tex
    assert r"\includegraphics" not in tex  # out_dir has no figures here


def test_no_placeholder_no_none_no_doubled_stop(tmp_path):
    """Structured data renders as a table or not at all; a missing condition is not printed; a sentence
    that already ends with a stop gets no second one."""
    import re

    tex = render_verification(fake_results(), profile=PROFILE, environment=ENV, out_dir=tmp_path)
    assert "see results.json" not in tex and "(list;" not in tex and "(dict;" not in tex
    assert not re.search(r":\s*None\b", tex)
    body = re.sub(r"\\begin\{kmrbfverb\}.*?\\end\{kmrbfverb\}", "", tex, flags=re.S)
    doubled = r"[A-Za-z0-9)\]$]\.\}?\.(?=\s|$)"  # "word.." or "word.}." ending a sentence
    assert not re.search(doubled, body), re.findall(".{40}" + doubled, body)
    # the structured data of FAKE-A's first evidence: tables for the mapping, the records, the per-run
    # mapping; nothing for the deeply nested key
    assert "records" in tex and "per\\_run" in tex and "deep" not in tex.split("claim:FAKE-B")[0].split("Derivation")[0]
    assert "Condition] {$K=1$" in tex and tex.count("[Condition]") == 1


def test_bulky_tables_go_to_the_appendix(tmp_path):
    tex = render_verification(fake_results(), profile=PROFILE, environment=ENV, out_dir=tmp_path)
    body, appendix = tex.split(r"\appendix")
    assert "a long table" in appendix and "Bulky tables" in appendix
    assert r"\hyperref[bulky:1]" in body and "a long table" not in body.split("claim:FAKE-B")[0]


def test_figures_and_errata_files(tmp_path):
    from kmrbf.report.render import graph_file, render_errata, render_figures

    results = fake_results()
    figs = render_figures(results)
    assert set(figs) == {graph_file("KR")} and figs[graph_file("KR")].startswith(b"%PDF")
    assert render_figures(results) == figs
    errata = render_errata(results, profile=PROFILE, environment=ENV)
    assert set(errata) == {"errata-KR.md", "errata-VF.md"}
    assert "FAKE-A" in errata["errata-KR.md"] and "holds only under a condition" in errata["errata-KR.md"]
    tex = render_verification(results, profile=PROFILE, environment=ENV, out_dir=tmp_path, drawn=set(figs))
    assert r"\includegraphics[width=\linewidth,height=0.5\textheight,keepaspectratio]{claim-graph-kr.pdf}" in tex


def test_results_json_round_trip_renders_the_same(tmp_path):
    """claim_results_from_json reads results.json back: rendering from it gives the same bytes."""
    import json

    from kmrbf.claims import get_claim
    from kmrbf.report.render import claim_results_from_json, fill_findings, results_document, volatile_tables

    r = _ev("passed", kind="symbolic", data={"obligations": [{"name": "o", "status": "passed"}],
                                             "timings": {"tables": [{"columns": ["a"], "rows": [[1]]}]}})
    r.name = "softmax-minimiser"
    results = [ClaimResult(get_claim("KR-E12"), [r], "verified")]
    doc = results_document(results, profile=PROFILE, environment=ENV, run_info={})
    back = claim_results_from_json(json.loads(doc))
    assert render_verification(back, profile=PROFILE, environment=ENV) == render_verification(
        results, profile=PROFILE, environment=ENV)
    filled, why = fill_findings(back)["KR-E12"]
    assert why is None and "1 of the 1 proof obligations" in filled.markdown
    assert [t.columns for t in volatile_tables(back[0].results[0])] == [["a"]]


def _write_fake_report(out: Path) -> Path:
    """The fake claims plus every catalogue claim (without evidence), so the compile
    test also covers the catalogue's raw LaTeX statements."""
    from kmrbf.report.render import render_figures

    results = fake_results(out) + [ClaimResult(c, [], "inconclusive") for c in all_claims()]
    for name, data in render_figures(results).items():
        write_atomic(out / name, data)
    write_atomic(out / "run-info.tex", render_run_info(results, {"started": "now", "command": NASTY}))
    tex = out / "verification.tex"
    write_atomic(tex, render_verification(results, profile=PROFILE, environment=ENV, out_dir=out))
    return tex


@needs_latexmk
def test_nasty_report_compiles_with_halt_on_error(tmp_path):
    tex = _write_fake_report(tmp_path)
    assert r"\includegraphics" in tex.read_text()
    compiled = compile_pdf(tex)
    assert compiled is not None
    pdf, _ = compiled
    assert pdf.read_bytes().startswith(b"%PDF")
    log = (tmp_path / ".latex" / "verification.log").read_text(errors="replace")
    assert "undefined command 'undefinedcs'" in log


@needs_latexmk
def test_latex_error_fails_loudly_and_keeps_previous_pdf(tmp_path):
    tex = _write_fake_report(tmp_path)
    pdf, _ = compile_pdf(tex)
    before = pdf.read_bytes()
    tex.write_text(tex.read_text().replace(r"\end{document}", r"\undefinedinbody \end{document}"))
    with pytest.raises(LatexError, match="Undefined control sequence"):
        compile_pdf(tex)
    assert pdf.read_bytes() == before


def test_failing_render_leaves_previous_report_intact(tmp_path, monkeypatch):
    results = fake_results()
    monkeypatch.setattr(build_mod, "run_check", lambda *a, **k: results)
    build_report(profile="ci", out_dir=tmp_path, pdf=False, cache_dir=tmp_path / "cache")
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert {p.name for p in before} == {"verification.tex", "run-info.tex", "results.json", "claim-graph-kr.pdf",
                                        "errata-KR.md", "errata-VF.md"}

    def broken(*a, **k):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(build_mod, "render_verification", broken)
    with pytest.raises(RuntimeError, match="exploded"):
        build_report(profile="ci", out_dir=tmp_path, pdf=False, cache_dir=tmp_path / "cache")
    after = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before


def test_collect_environment_is_static():
    from kmrbf.report.render import collect_environment

    import numpy

    a, b = collect_environment(), collect_environment()
    assert a == b and {"commit", "python", "packages"} <= set(a)
    assert dict(a["packages"])["numpy"] == numpy.__version__


def test_template_env_is_strict():
    import jinja2

    from kmrbf.report.render import template_env

    env = template_env()
    with pytest.raises(jinja2.UndefinedError):
        env.from_string(r"\VAR{missing}").render()
    assert env.from_string(r"\VAR{x}").render(x="50%") == r"50\%"


TIMING_CLAIMS = ("KR-S53-cost", "KR-S53-cheaper", "VF-S2-cost", "VF-S51-usps")


@pytest.fixture(scope="module")
def timing_results(tmp_path_factory):
    """The claims that measure time, run once on a small profile."""
    from kmrbf.evidence import RunContext
    from kmrbf.profiles import Profile
    from kmrbf.runner import run_claim

    ctx = RunContext(Profile("tiny", max_examples=5, derandomize=True, scale=0.2), tmp_path_factory.mktemp("t"))
    return [run_claim(cid, ctx) for cid in TIMING_CLAIMS]


def _scale_numbers(node, factor):
    if isinstance(node, bool):
        return node
    if isinstance(node, (int, float)):
        return node * factor
    if isinstance(node, str):  # formatted measurements ("1.97 [1.90, 2.07]") change too
        return node + " (other run)" if any(c.isdigit() for c in node) else node
    if isinstance(node, dict):
        return {k: _scale_numbers(v, factor) for k, v in node.items()}
    if isinstance(node, list):
        return [_scale_numbers(v, factor) for v in node]
    return node


def test_same_results_with_other_timings_give_the_same_tex(timing_results, tmp_path):
    """Every timing (data["timings"], seconds) of the timing claims changed: verification.tex keeps its bytes,
    run-info.tex does not, and no formatted measurement of the timing tables appears in the .tex."""
    import copy
    import re

    from kmrbf.report.render import volatile_tables

    other = copy.deepcopy(timing_results)
    for cr in other:
        for r in cr.results:
            r.seconds = r.seconds * 3.1 + 0.7
            if "timings" in r.data:
                r.data["timings"] = _scale_numbers(r.data["timings"], 1.7)
    assert any(r.data.get("timings") != o.data.get("timings")
               for cr, co in zip(timing_results, other) for r, o in zip(cr.results, co.results))
    tex = render_verification(timing_results, profile=PROFILE, environment=ENV, out_dir=tmp_path)
    assert render_verification(other, profile=PROFILE, environment=ENV, out_dir=tmp_path) == tex
    info, info_other = render_run_info(timing_results, {}), render_run_info(other, {})
    assert info != info_other and "Timing measurements of this run" in info
    measured = {str(cell) for cr in timing_results for r in cr.results for t in volatile_tables(r)
                for row in t.rows for cell in row if re.search(r"\d.*(\[|\+-)", str(cell))}
    assert measured, "the timing claims print their measurements in the run information"
    leaked = [m for m in measured if m in tex or escape_text(m) in tex]
    assert not leaked, leaked


def escape_text(s: str) -> str:
    from kmrbf.report.latex import escape

    return str(escape(s))
