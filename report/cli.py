"""``kmrbf report``: the subcommand, registered in :data:`kmrbf.cli.SUBCOMMANDS`.

``kmrbf report [ID ...] [--profile dev|ci|thorough] [--out DIR] [--no-pdf] [--fresh]
[--cache-dir DIR]``
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from kmrbf.cache import DEFAULT_CACHE_DIR
from kmrbf.cli import DEFAULT_OUT, SUBCOMMANDS, _progress_printer, format_table
from kmrbf.profiles import PROFILES

from .build import TEX_INSTALL_HINT, LatexError, build_report

__all__ = ["add_arguments", "handle"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="claim ids (default: all)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci",
                   help="run size (default: ci, deterministic)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"output directory (default: {DEFAULT_OUT})")
    p.add_argument("--no-pdf", action="store_true", help="write the .tex only, skip latexmk")
    p.add_argument("--fresh", action="store_true", help="ignore cached evidence results")
    p.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                   help=f"result cache (default: {DEFAULT_CACHE_DIR})")


def _command(args: argparse.Namespace) -> str:
    parts = ["kmrbf", "report", *args.ids, "--profile", args.profile, "--out", str(args.out)]
    if args.no_pdf:
        parts.append("--no-pdf")
    if args.fresh:
        parts.append("--fresh")
    if args.cache_dir != DEFAULT_CACHE_DIR:
        parts += ["--cache-dir", str(args.cache_dir)]
    return shlex.join(parts)


def handle(args: argparse.Namespace) -> int:
    """Run the evidence and write the LaTeX verification report (and its PDF)."""
    progress = _progress_printer()
    try:
        out = build_report(args.ids, profile=args.profile, out_dir=args.out, pdf=not args.no_pdf,
                           fresh=args.fresh, cache_dir=args.cache_dir, progress=progress,
                           command=_command(args))
    except LatexError as exc:
        print(f"kmrbf report: LaTeX failed\n{exc}", file=sys.stderr)
        return 1
    print(format_table(out.results))
    errors = [f"{r.claim.id}/{e.name}: {e.summary}" for r in out.results for e in r.results
              if e.status == "error"]
    for line in errors:
        print(f"error: evidence crashed (the report shows its traceback): {line}", file=sys.stderr)
    print(f"\n{len(out.computed)} evidence computed, {len(out.cached)} from the cache; "
          f"{out.seconds:.1f} s")
    print(f"wrote {out.json}, {out.tex}, {out.run_info}")
    if out.pdf is not None:
        print(f"wrote {out.pdf} (latexmk {out.latex_seconds:.1f} s)")
    elif not args.no_pdf:
        print(TEX_INSTALL_HINT, file=sys.stderr)
    # the report is written either way; a crashed evidence still fails the command,
    # as it does for `kmrbf check`
    return 1 if errors else 0


SUBCOMMANDS["report"] = (add_arguments, handle)
