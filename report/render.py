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
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2

from kmrbf.profiles import Profile
from kmrbf.evidence.model import EvidenceResult
from kmrbf.verdict import VERDICTS, ClaimResult

from .latex import Latex, escape, format_value, verbatim
from .rawlatex import auto, math_block, mixed, provisions

__all__ = [
    "render_verification",
    "render_run_info",
    "collect_environment",
    "template_env",
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
ERRATA_VERDICTS = ("refuted", "vacuous", "conditional", "verified_sharper")

#: the papers verified (SPEC, papers/README)
PAPERS = (
    {"key": "KR", "title": "K-Means as a Radial Basis Function Network: a Variational and "
     "Gradient-based Equivalence", "where": "arXiv 2603.04625v1 (2026)"},
    {"key": "VF", "title": "Variational Fuzzy K-Means: A Free Energy-Based Approach",
     "where": "A. Sharma, 2025 (no arXiv id)"},
)

_PACKAGES = ("kmrbf", "numpy", "scipy", "sympy", "mpmath", "hypothesis", "python-flint",
             "scikit-learn", "array-api-compat", "jinja2", "matplotlib", "torch")
#: data keys not printed in verification.tex: shown elsewhere (strategy, traceback) or
#: volatile by convention (timings belong in run-info.tex, never in the deterministic .tex;
#: results.json keeps them all)
_DATA_HIDDEN = ("strategy", "traceback", "seconds", "timings", "elapsed", "wall_seconds")
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
    return env


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


def _table(t: Any) -> dict[str, Any]:
    columns = [escape(c) for c in t.columns]
    width = max([len(columns)] + [len(r) for r in t.rows])
    columns += [Latex("")] * (width - len(columns))
    rows = [[format_value(v) for v in r] + [Latex("")] * (width - len(r)) for r in t.rows]
    return {"columns": columns, "rows": rows, "caption": escape(t.caption), "ncols": width,
            "long": len(rows) > 40}


def _figures(paths: Sequence[str], out_dir: Path | None) -> list[dict[str, Any]]:
    figs = []
    for p in paths:
        ok = bool(_FIGURE_PATH.fullmatch(p)) and ".." not in Path(p).parts
        exists = ok and (out_dir is None or (Path(out_dir) / p).is_file())
        figs.append({"path": Latex(p) if ok else escape(p), "ok": exists,
                     "why": "" if exists else ("missing" if ok else "unsafe file name")})
    return figs


def _data_items(data: Mapping[str, Any]) -> list[tuple[Latex, Latex]]:
    items = []
    for k in sorted(data):
        if k in _DATA_HIDDEN:
            continue
        v = data[k]
        if isinstance(v, (int, float, str, bool)) or v is None:
            text = format_value(v) if not isinstance(v, str) else escape(v[:300])
        elif isinstance(v, (list, tuple)) and len(v) <= 12 and all(
                isinstance(x, (int, float, str, bool)) or x is None for x in v):
            text = Latex(", ".join(format_value(x) for x in v))
        else:
            text = escape(f"({type(v).__name__}; see results.json)")
        items.append((escape(k), Latex(text)))
    return items


def _clip(text: str, *, max_lines: int = 120, max_chars: int = 12000) -> str:
    """At most ``max_lines`` lines / ``max_chars`` characters (results.json keeps the rest)."""
    lines = text[:max_chars].splitlines()
    clipped = len(text) > max_chars or len(lines) > max_lines
    lines = lines[:max_lines]
    if clipped:
        lines.append(f"... ({len(text)} characters in all; the full text is in results.json)")
    return "\n".join(lines)


def _evidence(r: EvidenceResult, out_dir: Path | None) -> dict[str, Any]:
    return {
        "name": r.name,
        "kind": r.kind,
        "role": r.role,
        "status": _status(r.status),
        "status_raw": r.status,
        "description": auto(r.description),
        "summary": auto(r.summary),
        "examples": r.examples,
        "condition": auto(r.condition) if r.condition else None,
        "strategy": auto(r.data.get("strategy") or ""),
        "counterexample": verbatim(_clip(str(r.counterexample))) if r.counterexample else None,
        "traceback": (verbatim(_clip(str(r.data["traceback"])))
                      if r.status == "error" and r.data.get("traceback") else None),
        "latex": math_block(r.latex) if r.latex else None,
        "tables": [_table(t) for t in r.tables],
        "figures": _figures(r.figures, out_dir),
        "data": _data_items(r.data),
    }


def _claim(cr: ClaimResult, out_dir: Path | None) -> dict[str, Any]:
    c = cr.claim
    ev = [_evidence(r, out_dir) for r in cr.results]
    return {
        "id": c.id,
        "anchor": Latex(re.sub(r"[^A-Za-z0-9]", "-", c.id)),
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
        "witnesses": [e for e in ev if e["status_raw"] == "failed" and e["role"] in ("paper", "hypothesis")],
        "conditions": [e for e in ev if e["role"] == "condition" and e["status_raw"] == "passed"],
    }


def _raw_fields(results: Sequence[ClaimResult]) -> list[str]:
    fields: list[str] = []
    for cr in results:
        fields += [cr.claim.statement, cr.claim.precise, *cr.claim.conventions, cr.condition or "",
                   *cr.deviations, *cr.testbed_errors]
        for r in cr.results:
            fields += [r.latex or "", r.condition or "", r.description, r.summary,
                       str(r.data.get("strategy") or "")]
    return fields


def render_verification(
    results: Sequence[ClaimResult],
    *,
    profile: Profile,
    environment: Mapping[str, Any],
    out_dir: Path | None = None,
) -> str:
    """The text of ``verification.tex`` (deterministic in its arguments).

    Parameters
    ----------
    results : claim results, in report order.
    profile : the run profile (printed in the reproducibility appendix).
    environment : :func:`collect_environment` (static versions and commit).
    out_dir : where the figures live (to check that they exist); ``None`` skips the check.
    """
    claims = [_claim(cr, out_dir) for cr in results]
    counts = Counter(cr.verdict for cr in results)
    env = template_env()
    return env.get_template("verification.tex.j2").render(
        claims=claims,
        errata=[c for c in claims if c["verdict_raw"] in ERRATA_VERDICTS],
        testbed_errors=[c for c in claims if c["testbed_errors"]],
        verdict_counts=[(_verdict(v), VERDICT_LABELS[v], counts.get(v, 0)) for v in VERDICTS],
        n_claims=len(claims),
        n_evidence=sum(len(cr.results) for cr in results),
        n_examples=sum(cr.examples for cr in results),
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
    env = template_env()
    shown = {k: v for k, v in info.items() if k != "cached"}
    return env.get_template("run-info.tex.j2").render(
        info=shown, rows=rows, n_cached=len(cached),
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


def machine_info() -> dict[str, Any]:
    """Host facts for ``run-info.tex`` (volatile by nature)."""
    import os

    return {
        "hostname": platform.node(),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu_count": os.cpu_count(),
        "python_executable": sys.executable,
    }
