"""``kmrbf precision``: run the precision study (KR-S36-underflow) and write its tables and figures.

``kmrbf precision [--out DIR] [--dtypes float16 float32 ...] [--grid N] [--data-grid N]
[--impls naive softmax entmax15 bisect] [--no-cache]``

Results are cached in ``DIR/precision_cache/<hash of the parameters>.json``; a rerun with
the same parameters only redraws the tables and figures.  Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kmrbf.cli import SUBCOMMANDS

from .precision import DTYPES, IMPLEMENTATIONS, StudyParams, run_study, write_figures, write_tables

__all__ = ["add_arguments", "cmd_precision"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``kmrbf precision``."""
    d = StudyParams()
    p.add_argument("--out", type=Path, default=Path("report") / "build" / "precision",
                   help="directory for tables (CSV, JSON) and figures (PDF, PNG)")
    p.add_argument("--dtypes", nargs="+", choices=DTYPES, default=list(d.dtypes))
    p.add_argument("--impls", nargs="+", choices=IMPLEMENTATIONS, default=list(d.impls))
    p.add_argument("--grid", type=int, default=d.logit_n, help="logit grid is GRID x GRID")
    p.add_argument("--data-grid", type=int, default=d.data_n, help="(sigma, Delta) grid size")
    p.add_argument("--blobs", type=int, default=d.blobs_n, help="blobs sample size")
    p.add_argument("--no-cache", action="store_true", help="recompute even if cached")


def cmd_precision(args: argparse.Namespace) -> int:
    """Run the precision study (softmax underflow vs entmax-1.5, per dtype and implementation)."""
    if args.grid < 2 or args.data_grid < 2:
        raise ValueError(f"--grid={args.grid} and --data-grid={args.data_grid} must be >= 2")
    params = StudyParams(dtypes=tuple(args.dtypes), impls=tuple(args.impls), logit_n=args.grid,
                         data_n=args.data_grid, blobs_n=args.blobs)
    t0 = time.perf_counter()

    def progress(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:7.1f}s] {msg}", file=sys.stderr, flush=True)

    cache = args.out / "precision_cache" / f"{params.key()}.json"
    if cache.exists() and not args.no_cache:
        progress(f"cached: {cache}")
        study = json.loads(cache.read_text())
    else:
        study = run_study(params, progress=progress)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(study, default=str))
    files = write_tables(study, args.out) + write_figures(study, args.out)
    v = study["verdict"]
    print(f"KR-S36-underflow: {v['status']}" + (f" [{v['condition']}]" if v["condition"] else ""))
    for r in study["thresholds"]:
        if r["threshold"] in ("nan_scale", "saturation_gap", "underflow_gap"):
            print(f"  {r['dtype']:8s} {r['impl']:8s} {r['threshold']:15s} "
                  f"predicted {r['predicted']:.6g}  measured {r['measured']:.6g}")
    print(f"wrote {len(files)} files to {args.out}")
    return 0


SUBCOMMANDS["precision"] = (add_arguments, cmd_precision)
