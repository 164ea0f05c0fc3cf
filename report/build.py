"""Build the verification report: run evidence (cached), write results, ``.tex`` and PDF.

Data flow: claims -> :func:`kmrbf.runner.run_check` with a
:class:`~kmrbf.cache.ResultCache` -> ``results.json`` -> Jinja2 template ->
``verification.tex`` + ``run-info.tex`` -> ``latexmk`` -> ``verification.pdf``.

Every output file is rendered completely in memory first and then written
atomically, so a failure (in the evidence, the template or the TeX run) leaves
the previous report intact.  The PDF is compiled in ``OUT/.latex/`` and moved
into place only when ``latexmk`` succeeds.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from kmrbf.cache import DEFAULT_CACHE_DIR, ResultCache, write_atomic
from kmrbf.runner import DEFAULT_OUT, run_check
from kmrbf.profiles import get_profile
from kmrbf.verdict import ClaimResult

from .render import (
    collect_environment,
    machine_info,
    render_errata,
    render_figures,
    render_run_info,
    render_verification,
    results_document,
)

__all__ = ["build_report", "compile_pdf", "BuildResult", "LatexError", "TEX_INSTALL_HINT",
           "LATEXMK_ARGS"]

TEX_INSTALL_HINT = (
    "latexmk is not on PATH, so only the .tex was written. To build the PDF install a TeX "
    "engine (from a checkout: tools/ensure-tex), e.g. on Debian/Ubuntu (about 30 s):\n"
    "  sudo apt-get install -y --no-install-recommends latexmk texlive-latex-base "
    "texlive-latex-recommended texlive-fonts-recommended lmodern\n"
    "then rerun the command (cached results make it fast)."
)
LATEXMK_ARGS = ("-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error")


_ERROR_LINE = re.compile(r"(! |\S*\.tex:\d+: )")


class LatexError(RuntimeError):
    """latexmk failed; the message holds the relevant part of the log."""


@dataclass
class BuildResult:
    """What :func:`build_report` produced."""

    results: list[ClaimResult]
    tex: Path
    run_info: Path
    json: Path
    pdf: Path | None = None
    seconds: float = 0.0
    latex_seconds: float | None = None
    cached: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)


def compile_pdf(tex: Path, *, timeout: float = 600) -> tuple[Path, float] | None:
    """Compile ``tex`` with ``latexmk -pdf -interaction=nonstopmode -halt-on-error``.

    Returns ``(pdf_path, seconds)``, or ``None`` when latexmk is not installed.
    Raises :class:`LatexError` (with the log excerpt) if LaTeX fails; the
    previous PDF is then left untouched.
    """
    latexmk = shutil.which("latexmk")
    if latexmk is None:
        return None
    tex = Path(tex).resolve()
    build = tex.parent / ".latex"
    build.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    cmd = [latexmk, *LATEXMK_ARGS, f"-outdir={build}", tex.name]
    try:
        proc = subprocess.run(cmd, cwd=tex.parent, capture_output=True, encoding="utf-8",
                              errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise LatexError(f"latexmk did not finish in {timeout:.0f} s") from exc
    seconds = time.perf_counter() - t0
    pdf = build / (tex.stem + ".pdf")
    if proc.returncode != 0 or not pdf.is_file():
        log = build / (tex.stem + ".log")
        text = log.read_text(errors="replace") if log.is_file() else proc.stdout + proc.stderr
        lines = text.splitlines()
        errs = [n for n, line in enumerate(lines) if _ERROR_LINE.match(line)]
        start = errs[0] if errs else max(0, len(lines) - 30)
        excerpt = "\n".join(lines[start:start + 30])
        raise LatexError(
            f"latexmk failed (exit {proc.returncode}) on {tex}; log {log}:\n{excerpt}")
    target = tex.with_suffix(".pdf")
    write_atomic(target, pdf.read_bytes())
    return target, seconds


def build_report(
    ids: Sequence[str] | None = None,
    *,
    profile: str = "ci",
    out_dir: Path = DEFAULT_OUT,
    pdf: bool = True,
    fresh: bool = False,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    progress: Callable[[str], None] | None = None,
    command: str | None = None,
    executor: Executor | None = None,
) -> BuildResult:
    """Run the evidence of ``ids`` (all claims by default) and write the report into ``out_dir``.

    Writes the figures the report draws (claim graphs, finding charts), ``errata-KR.md``,
    ``errata-VF.md``, ``results.json``, ``run-info.tex`` and ``verification.tex`` (atomically),
    then ``verification.pdf`` if ``pdf`` and latexmk is installed.  With an ``executor``
    (:func:`kmrbf.runner.parallel_executor`: a Dask cluster) independent evidence runs on it.
    """
    out_dir = Path(out_dir)
    prof = get_profile(profile)
    started = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)
    t0 = time.perf_counter()
    cache = ResultCache(Path(cache_dir), read=not fresh)
    results = run_check(ids, profile=prof.name, out_dir=out_dir, progress=progress, cache=cache,
                        executor=executor)
    environment = collect_environment()
    info = {
        "started": started.isoformat(),
        "command": command or f"kmrbf report --profile {prof.name}",
        "cwd": os.getcwd(),
        **machine_info(),
        "cache_dir": str(cache_dir),
        "fresh": fresh,
        "cached": set(cache.hits),
    }
    # render everything before writing anything
    info["wall_seconds"] = f"{time.perf_counter() - t0:.1f}"
    figures = render_figures(results)
    errata = render_errata(results, profile=prof, environment=environment)
    tex = render_verification(results, profile=prof, environment=environment, out_dir=out_dir,
                              drawn=set(figures))
    run_info = render_run_info(results, info)
    doc = results_document(results, profile=prof, environment=environment, run_info=info)
    for name, data in {**figures, **errata}.items():
        write_atomic(out_dir / name, data)
    paths = out_dir / "results.json", out_dir / "run-info.tex", out_dir / "verification.tex"
    for path, text in zip(paths, (doc, run_info, tex)):
        write_atomic(path, text)
    out = BuildResult(results, tex=paths[2], run_info=paths[1], json=paths[0],
                      cached=list(cache.hits), computed=list(cache.misses))
    if pdf:
        if progress:
            progress("compiling verification.tex with latexmk")
        compiled = compile_pdf(paths[2])
        if compiled is not None:
            out.pdf, out.latex_seconds = paths[2].with_suffix(".pdf"), compiled[1]
    out.seconds = time.perf_counter() - t0
    return out
