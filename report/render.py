r"""Render claim results into ``verification.tex`` and ``run-info.tex``.

``verification.tex`` depends only on the results, the run profile and the
(static) software environment, so the same commit and profile give the same
bytes.  Everything volatile -- dates, durations (per evidence and in total),
the host, the command line, cache statistics -- goes to ``run-info.tex``,
which ``verification.tex`` reads with ``\InputIfFileExists``.

The Jinja environment uses LaTeX-safe delimiters (``\VAR{...}``,
``\BLOCK{...}``, ``\#{...}``) and escapes every printed value unless it is a
:class:`~kmrbf.report.latex.Latex` string built by :mod:`kmrbf.report.latex`.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2

from kmrbf.claims import get_claim
from kmrbf.claims.catalog import Chart, EvidenceFigure
from kmrbf.evidence.model import EvidenceResult, Table
from kmrbf.profiles import Profile
from kmrbf.verdict import VERDICTS, ClaimResult, weak_support

from .charts import chart_file, draw_chart
from .errata import errata_entries, errata_markdown
from .findings import FilledFinding, FindingError, fill_finding, finding_for
from .graph import draw_graph, layered_layout
from .latex import Latex, escape, format_value, verbatim
from .rawlatex import auto, math_block, mixed, provisions
from .structured import BULKY_ROWS, data_tables, data_values

__all__ = [
    "render_verification",
    "render_run_info",
    "render_figures",
    "render_errata",
    "collect_environment",
    "template_env",
    "claim_results_from_json",
    "graph_file",
    "volatile_tables",
    "fill_findings",
    "VERDICT_LABELS",
    "PAPERS",
]

TEMPLATES = Path(__file__).parent / "templates"

#: verdict -> text used in the report (SPEC §4)
VERDICT_LABELS = {
    "verified": "verified",
    "verified_sharper": "verified (sharper)",
    "conditional": "holds with conditions",
    "refuted": "refuted",
    "vacuous": "vacuous",
    "inconclusive": "inconclusive",
}

#: the papers verified (SPEC, papers/README)
PAPERS = (
    {"key": "KR", "title": "K-Means as a Radial Basis Function Network: a Variational and "
     "Gradient-based Equivalence", "where": "arXiv 2603.04625v1 (2026)"},
    {"key": "VF", "title": "Variational Fuzzy K-Means: A Free Energy-Based Approach",
     "where": "A. Sharma, 2025 (no arXiv id)"},
)

_PACKAGES = ("kmrbf", "numpy", "scipy", "sympy", "mpmath", "hypothesis", "python-flint",
             "scikit-learn", "array-api-compat", "jinja2", "matplotlib", "torch")
_FIGURE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\.(pdf|png|jpg|jpeg)")


def template_env() -> jinja2.Environment:
    """The Jinja environment: LaTeX-safe delimiters, strict undefined, escape by default."""

    def finalize(value: Any) -> str:
        if isinstance(value, Latex):
            return value
        return escape(value)

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
    )
    # table row: cells are escaped one by one, then joined with the column separator
    env.filters["cells"] = lambda xs: Latex(" & ".join(finalize(x) for x in xs))
    env.filters["sentence"] = lambda x: Latex(_sentence(finalize(x)))
    return env


def _sentence(tex: str) -> str:
    """``tex`` ending with exactly one full stop (none added after ``.``, ``!``, ``?``, ``:``).

    >>> _sentence("done"), _sentence("{done.}"), _sentence("a (b).")
    ('done.', '{done.}', 'a (b).')
    """
    core = tex.rstrip().rstrip("}").rstrip()
    return tex if not core or core[-1] in ".!?:" else tex.rstrip() + "."


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=10,
                             cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def collect_environment() -> dict[str, Any]:
    """The static software environment (commit, Python and package versions).

    Same commit, same installation -> same dictionary; nothing here depends on
    the time or the host name.
    """
    packages = []
    for name in _PACKAGES:
        try:
            packages.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            packages.append((name, "not installed"))
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": _git("rev-parse", "HEAD") or "unknown (not a git checkout)",
        "dirty": bool(status) if status is not None else None,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "packages": packages,
    }


def _verdict(v: str) -> Latex:
    return Latex(r"\VD" + v.replace("_", "") + "{}")


def _status(s: str) -> Latex:
    return Latex(r"\ST" + s + "{}")


def _kinds(cr: ClaimResult) -> str:
    c = Counter(r.kind for r in cr.results)
    return ", ".join(k if n == 1 else f"{k} ×{n}" for k, n in sorted(c.items())) or "none"


def _table(t: Any, bulky: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """A table for the template; a bulky one (more than BULKY_ROWS rows) goes to the appendix."""
    columns = [escape(c) for c in t.columns]
    width = max([len(columns)] + [len(r) for r in t.rows])
    columns += [Latex("")] * (width - len(columns))
    rows = [[format_value(v) for v in r] + [Latex("")] * (width - len(r)) for r in t.rows]
    out = {"columns": columns, "rows": rows, "caption": escape(t.caption), "ncols": width,
           "long": len(rows) > 40, "nrows": len(rows), "where": escape(where)}
    if len(rows) > BULKY_ROWS:
        out["label"] = Latex(f"bulky:{len(bulky) + 1}")
        bulky.append(out)
        return {"bulky": True, **out}
    return {"bulky": False, **out}


def _figures(paths: Sequence[str], out_dir: Path | None, drawn: Collection[str] = ()) -> list[dict[str, Any]]:
    figs = []
    for p in paths:
        if not p.lower().endswith(".pdf") and any(q.lower().endswith(".pdf") and Path(q).stem == Path(p).stem
                                                  for q in paths):
            continue  # the PDF of the same figure is shown; the PNG is for people browsing the folder
        ok = bool(_FIGURE_PATH.fullmatch(p)) and ".." not in Path(p).parts
        exists = ok and (out_dir is None or p in drawn or (Path(out_dir) / p).is_file())
        figs.append({"path": Latex(p) if ok else escape(p), "ok": exists, "caption": "",
                     "why": "" if exists else ("missing" if ok else "unsafe file name")})
    return figs


def volatile_tables(r: EvidenceResult) -> list[Table]:
    """The tables of ``r`` that hold timings (``data["timings"]["tables"]``): printed in run-info.tex only."""
    timings = r.data.get("timings")
    if not isinstance(timings, Mapping):
        return []
    out = []
    for t in timings.get("tables", ()):
        if isinstance(t, Table):
            out.append(t)
        elif isinstance(t, Mapping) and {"columns", "rows"} <= set(t):
            out.append(Table(list(t["columns"]), [list(x) for x in t["rows"]], str(t.get("caption", ""))))
    return out


def _evidence(r: EvidenceResult, out_dir: Path | None, bulky: list[dict[str, Any]], cid: str) -> dict[str, Any]:
    where = f"{cid}, evidence {r.name}"
    return {
        "name": r.name,
        "kind": r.kind,
        "role": r.role,
        "status": _status(r.status),
        "status_raw": r.status,
        "description": auto(r.description),
        "summary": auto(r.summary),
        "examples": r.examples,
        "condition": auto(r.condition) if r.condition and str(r.condition).strip() else None,
        "strategy": auto(r.data.get("strategy") or ""),
        "counterexample": verbatim(_clip(str(r.counterexample))) if r.counterexample else None,
        "traceback": (verbatim(_clip(str(r.data["traceback"])))
                      if r.status == "error" and r.data.get("traceback") else None),
        "latex": math_block(r.latex) if r.latex else None,
        "tables": [_table(t, bulky, where) for t in r.tables],
        "data": [(escape(k), format_value(v)) for k, v in data_values(r.data)],
        "data_tables": [_table(t, bulky, where) for t in data_tables(r.data)],
        "volatile": bool(volatile_tables(r)),
        "figures": _figures(r.figures, out_dir),
    }


def _clip(text: str, *, max_lines: int = 120, max_chars: int = 12000) -> str:
    """At most ``max_lines`` lines / ``max_chars`` characters (results.json keeps the rest)."""
    lines = text[:max_chars].splitlines()
    clipped = len(text) > max_chars or len(lines) > max_lines
    lines = lines[:max_lines]
    if clipped:
        lines.append(f"... ({len(text)} characters in all; the full text is in results.json)")
    return "\n".join(lines)


def fill_findings(results: Sequence[ClaimResult]) -> dict[str, tuple[FilledFinding | None, str | None]]:
    """Every claim's finding filled from its results: ``id -> (filled, None)`` or ``(None, why not)``."""
    out: dict[str, tuple[FilledFinding | None, str | None]] = {}
    for cr in results:
        f = finding_for(cr.claim.id)
        if f is None:
            out[cr.claim.id] = (None, "the catalog states no finding for this claim")
            continue
        try:
            out[cr.claim.id] = (fill_finding(f, cr), None)
        except FindingError as exc:
            out[cr.claim.id] = (None, str(exc))
    return out


def _finding_figures(cr: ClaimResult, out_dir: Path | None, drawn: Collection[str]) -> list[dict[str, Any]]:
    f = finding_for(cr.claim.id)
    figs = []
    for fig in (f.figures if f else ()):
        if isinstance(fig, Chart):
            name, caption = chart_file(cr.claim.id), fig.caption
        elif isinstance(fig, EvidenceFigure):
            if not any(r.name == fig.evidence and fig.file in r.figures for r in cr.results):
                continue
            name, caption = fig.file, fig.caption
        else:
            continue
        one = _figures([name], out_dir, drawn)[0]
        one["caption"] = escape(caption)
        figs.append(one)
    return figs


def _claim(cr: ClaimResult, out_dir: Path | None, bulky: list[dict[str, Any]],
           finding: tuple[FilledFinding | None, str | None], weak: Sequence[str],
           verdicts: Mapping[str, str], drawn: Collection[str]) -> dict[str, Any]:
    c = cr.claim
    ev = [_evidence(r, out_dir, bulky, c.id) for r in cr.results]
    filled, why = finding
    return {
        "id": c.id,
        "anchor": _anchor(c.id),
        "paper": c.paper,
        "location": c.location,
        "title": c.title,
        "statement": mixed(c.statement),
        "precise": mixed(c.precise),
        "conventions": [mixed(x) for x in c.conventions],
        "verdict": _verdict(cr.verdict),
        "verdict_raw": cr.verdict,
        "condition": auto(cr.condition) if cr.condition else None,
        "examples": cr.examples,
        "kinds": _kinds(cr),
        "evidence": ev,
        "deviations": [auto(x) for x in cr.deviations],
        "testbed_errors": [auto(x) for x in cr.testbed_errors],
        "sharper": [e for e in ev if e["role"] == "sharper" and e["status_raw"] == "passed"],
        "instead": [e for e in ev if e["role"] == "instead"],
        "finding": filled.latex if filled else None,
        "finding_missing": escape(why) if why else None,
        "finding_figures": _finding_figures(cr, out_dir, drawn),
        "weak": [{"id": w, "anchor": _anchor(w), "verdict": _verdict(verdicts[w])} for w in weak],
        "uses": [{"id": u, "anchor": _anchor(u)} for u in c.uses],
        "volatile": any(e["volatile"] for e in ev),
    }


def _anchor(cid: str) -> Latex:
    return Latex(re.sub(r"[^A-Za-z0-9]", "-", cid))


def graph_file(paper: str) -> str:
    """The file name of a paper's claim dependency graph, e.g. ``claim-graph-kr.pdf``."""
    return f"claim-graph-{paper.lower()}.pdf"


def _weak(results: Sequence[ClaimResult]) -> dict[str, tuple[str, ...]]:
    verdicts = {cr.claim.id: cr.verdict for cr in results}
    return weak_support(verdicts, {cr.claim.id: cr.claim.uses for cr in results})


def render_figures(results: Sequence[ClaimResult]) -> dict[str, bytes]:
    """Every figure the report itself draws: one claim graph per paper, one chart per finding that has one.

    Deterministic in ``results`` (PDFs without time stamps).  A chart whose data is missing is
    left out (the report then says "not included"; the finding says why).

    Returns
    -------
    dict
        File name (relative to the output directory) -> PDF bytes.
    """
    verdicts = {cr.claim.id: cr.verdict for cr in results}
    weak = _weak(results)
    out: dict[str, bytes] = {}
    for p in PAPERS:
        nodes = [cr.claim.id for cr in results if cr.claim.paper == p["key"]]
        if nodes:
            layout = layered_layout(nodes, {cr.claim.id: cr.claim.uses for cr in results})
            out[graph_file(p["key"])] = draw_graph(layout, verdicts, weak, prefix=p["key"] + "-")
    for cr in results:
        f = finding_for(cr.claim.id)
        for fig in (f.figures if f else ()):
            if isinstance(fig, Chart):
                try:
                    out[chart_file(cr.claim.id)] = draw_chart(fig, cr)
                except FindingError:
                    pass
    return out


def render_errata(results: Sequence[ClaimResult], *, profile: Profile,
                  environment: Mapping[str, Any]) -> dict[str, str]:
    """``errata-KR.md`` and ``errata-VF.md``: file name -> Markdown (deterministic in the arguments)."""
    findings = {k: v[0] for k, v in fill_findings(results).items()}
    out = {}
    for p in PAPERS:
        errata, sharper = errata_entries(results, findings, p["key"])
        out[f"errata-{p['key']}.md"] = errata_markdown(p, errata, sharper, commit=str(environment.get("commit")),
                                                       profile=profile.name)
    return out


def _errata_tex(results: Sequence[ClaimResult], findings: Mapping[str, tuple[FilledFinding | None, str | None]]
                ) -> list[dict[str, Any]]:
    filled = {k: v[0] for k, v in findings.items()}
    out = []
    for p in PAPERS:
        errata, sharper = errata_entries(results, filled, p["key"])

        def item(e: Any) -> dict[str, Any]:
            c = e.result.claim
            return {"id": c.id, "anchor": _anchor(c.id), "location": c.location, "title": c.title,
                    "verdict": _verdict(e.result.verdict), "says": mixed(c.statement),
                    "true": e.finding.latex if e.finding else None,
                    "correction": e.finding.correction_latex if e.finding and e.finding.correction_latex else None,
                    "witness": verbatim(e.witness) if e.witness else None,
                    "witness_from": ", ".join(e.witness_from)}

        out.append({"key": p["key"], "title": p["title"], "errata": [item(e) for e in errata],
                    "sharper": [item(e) for e in sharper]})
    return out


def _raw_fields(results: Sequence[ClaimResult]) -> list[str]:
    fields: list[str] = []
    for cr in results:
        fields += [cr.claim.statement, cr.claim.precise, *cr.claim.conventions, cr.condition or "",
                   *cr.deviations, *cr.testbed_errors]
        for r in cr.results:
            fields += [r.latex or "", r.condition or "", r.description, r.summary,
                       str(r.data.get("strategy") or "")]
        f = finding_for(cr.claim.id)
        if f is not None:
            fields += [f.text, f.correction]
    return fields


def render_verification(
    results: Sequence[ClaimResult],
    *,
    profile: Profile,
    environment: Mapping[str, Any],
    out_dir: Path | None = None,
    drawn: Collection[str] = (),
) -> str:
    """The text of ``verification.tex`` (deterministic in its arguments).

    Parameters
    ----------
    results : claim results, in report order.
    profile : the run profile (printed in the reproducibility appendix).
    environment : :func:`collect_environment` (static versions and commit).
    out_dir : where the figures live (to check that they exist); ``None`` skips the check.
    drawn : figure files (relative to ``out_dir``) that will be written with the ``.tex``
        (:func:`render_figures`): they count as present.
    """
    findings = fill_findings(results)
    weak = _weak(results)
    verdicts = {cr.claim.id: cr.verdict for cr in results}
    bulky: list[dict[str, Any]] = []
    claims = [_claim(cr, out_dir, bulky, findings[cr.claim.id], weak[cr.claim.id], verdicts, drawn)
              for cr in results]
    counts = Counter(cr.verdict for cr in results)
    papers = []
    for p in PAPERS:
        mine = [c for c in claims if c["paper"] == p["key"]]
        if mine:
            graph = _figures([graph_file(p["key"])], out_dir, drawn)[0]
            papers.append({**p, "claims": mine, "graph": graph,
                           "counts": Counter(c["verdict_raw"] for c in mine)})
    env = template_env()
    return env.get_template("verification.tex.j2").render(
        claims=claims,
        glance=papers,
        errata=_errata_tex(results, findings),
        testbed_errors=[c for c in claims if c["testbed_errors"]],
        verdict_counts=[(_verdict(v), VERDICT_LABELS[v], counts.get(v, 0)) for v in VERDICTS],
        n_claims=len(claims),
        n_evidence=sum(len(cr.results) for cr in results),
        n_examples=sum(cr.examples for cr in results),
        bulky=bulky,
        papers=PAPERS,
        profile=asdict(profile),
        environment=environment,
        provisions=provisions(_raw_fields(results)),
    )


def render_run_info(results: Sequence[ClaimResult], info: Mapping[str, Any]) -> str:
    """The text of ``run-info.tex``: every volatile value of a run.

    ``info`` keys (all optional): ``started``, ``wall_seconds``, ``command``,
    ``hostname``, ``machine``, ``cpu_count``, ``cache_dir``, ``fresh``,
    ``cached`` (set of evidence keys taken from the cache).
    """
    cached = set(info.get("cached", ()))
    rows = []
    for cr in results:
        for r in cr.results:
            key = f"{r.claim_id}/{r.name}"
            rows.append((r.claim_id, r.name, f"{r.seconds:.2f}", "cached" if key in cached else "run"))
    timing = []
    for cr in results:
        for r in cr.results:
            for t in volatile_tables(r):
                timing.append({"where": escape(f"{cr.claim.id}, evidence {r.name}"),
                               **_table(t, [], "")})
    env = template_env()
    shown = {k: v for k, v in info.items() if k != "cached"}
    return env.get_template("run-info.tex.j2").render(
        info=shown, rows=rows, n_cached=len(cached), timing=timing,
        evidence_seconds=f"{sum(cr.seconds for cr in results):.1f}",
    )


def results_document(results: Sequence[ClaimResult], *, profile: Profile,
                     environment: Mapping[str, Any], run_info: Mapping[str, Any]) -> str:
    """``results.json``: every claim result plus the environment and run information."""
    doc = {
        "profile": asdict(profile),
        "environment": dict(environment),
        "run": {k: (sorted(v) if isinstance(v, (set, frozenset)) else v) for k, v in run_info.items()},
        "claims": [cr.to_dict() for cr in results],
    }
    return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"


def claim_results_from_json(doc: Mapping[str, Any]) -> list[ClaimResult]:
    """Claim results back from ``results.json`` (or ``kmrbf check --json``): render without rerunning.

    The claims are the catalog's (by id); evidence results, verdicts, conditions, deviations and
    testbed errors are read as they were written.
    """
    out = []
    for c in doc["claims"]:
        out.append(ClaimResult(get_claim(c["id"]), [EvidenceResult.from_dict(e) for e in c["evidence"]],
                               c["verdict"], c.get("condition"), tuple(c.get("deviations", ())),
                               list(c.get("testbed_errors", ()))))
    return out


def machine_info() -> dict[str, Any]:
    """Host facts for ``run-info.tex`` (volatile by nature)."""
    import os

    return {
        "hostname": platform.node(),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu_count": os.cpu_count(),
        "python_executable": sys.executable,
    }
