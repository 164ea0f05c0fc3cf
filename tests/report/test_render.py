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
                  "nested": {"a": [1, 2]}}),
        _ev("passed", role="condition", name="cond", condition=r"$K=1$ and $\sigma\le\Delta$"),
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
    b = [_ev("passed"), _ev("passed", role="sharper", name="sharp", summary="rate $e^{-\\Delta/\\sigma}$")]
    c = [_ev("error", name="crash", summary="ZeroDivisionError: x_i % 0",
             data={"traceback": f"Traceback (most recent call last):\n  File \"x.py\", line 1\n{NASTY}"})]
    claims = [
        _claim("FAKE-A", precise=r"broken $\frac{1}{2$ 100% \end{document}"),
        _claim("FAKE-B"),
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
    for volatile in ("2026-01-01", "alpha", "12.5", "1.25", "4.62"):
        assert volatile not in tex1
    assert "alpha" in info1 and "1.25" in info1


def test_template_contents(tmp_path):
    tex = render_verification(fake_results(), profile=PROFILE, environment=ENV, out_dir=tmp_path)
    for cid in ("FAKE-A", "FAKE-B", "FAKE-C", "FAKE-EMPTY"):
        assert f"claim:{cid}" in tex
    assert "No evidence yet" in tex
    errata = tex.split(r"\section{Errata}")[1].split(r"\appendix")[0]
    # FAKE-A: paper evidence failed, condition evidence passed -> conditional; FAKE-B sharper
    assert r"\VDconditional" in errata and r"\VDverifiedsharper" in errata
    assert "claim:FAKE-A" in errata and "claim:FAKE-B" in errata
    assert "FAKE-C" not in errata and "FAKE-EMPTY" not in errata
    assert r"\kmrbfprovide{undefinedcs}" in tex
    assert "figs/missing.pdf" in tex and "not included" in tex
    assert r"\includegraphics" not in tex  # out_dir has no figures here


def _write_fake_report(out: Path) -> Path:
    """The fake claims plus every catalogue claim (without evidence), so the compile
    test also covers the catalogue's raw LaTeX statements."""
    results = fake_results(out) + [ClaimResult(c, [], "inconclusive") for c in all_claims()]
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
    assert {p.name for p in before} == {"verification.tex", "run-info.tex", "results.json"}

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
