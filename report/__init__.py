"""The LaTeX verification report (``kmrbf report``).

Renders every claim of the catalog, its evidence and its computed verdict into
``report/build/verification.tex`` (and ``verification.pdf`` with latexmk), with the
errata for the authors (``errata-KR.md``, ``errata-VF.md``).

The report opens with "At a glance": per paper the verdict table and the claim
dependency graph (the catalog's ``uses``, coloured by verdict, weak support flagged:
:func:`kmrbf.verdict.weak_support`).  Each claim section opens with its finding, filled
from the results (:data:`kmrbf.claims.catalog.FINDINGS`), then the deviations and
assumptions, then the evidence in detail; bulky tables go to an appendix.

Modules: :mod:`.latex` (escaping plain text), :mod:`.rawlatex` (the safety rules
for the claims' raw LaTeX fields), :mod:`.findings` (findings filled from results),
:mod:`.structured` (evidence data as tables), :mod:`.graph` (the claim graph),
:mod:`.charts` (finding charts), :mod:`.errata` (errata entries and Markdown),
:mod:`.render` (Jinja2 templates -> ``verification.tex``, and the volatile
``run-info.tex`` with every time measured), :mod:`.build` (cached evidence run, atomic
writes, latexmk).  The subcommand is in :mod:`kmrbf.cli`.
"""

from .build import BuildResult, LatexError, build_report, compile_pdf
from .latex import Latex, escape, verbatim
from .rawlatex import auto, check_raw, math_block, mixed
from .render import collect_environment, render_errata, render_figures, render_run_info, render_verification

__all__ = [
    "BuildResult",
    "LatexError",
    "build_report",
    "compile_pdf",
    "Latex",
    "escape",
    "auto",
    "check_raw",
    "math_block",
    "mixed",
    "verbatim",
    "collect_environment",
    "render_run_info",
    "render_verification",
    "render_figures",
    "render_errata",
]
