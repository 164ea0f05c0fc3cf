"""The LaTeX verification report (``kmrbf report``).

Renders every claim of the catalog, its evidence and its computed verdict into
``report/build/verification.tex`` (and ``verification.pdf`` with latexmk).

Modules: :mod:`.latex` (escaping plain text), :mod:`.rawlatex` (the safety rules
for the claims' raw LaTeX fields), :mod:`.render` (Jinja2 templates -> ``verification.tex``, and the
volatile ``run-info.tex``), :mod:`.build` (cached evidence run, atomic writes,
latexmk).  The subcommand is in :mod:`kmrbf.cli`.
"""

from .build import BuildResult, LatexError, build_report, compile_pdf
from .latex import Latex, escape, verbatim
from .rawlatex import auto, check_raw, math_block, mixed
from .render import collect_environment, render_run_info, render_verification

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
]
