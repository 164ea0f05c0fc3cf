"""The ``kmrbf`` command line: parses arguments and calls the runner, the report, the studies.

``kmrbf check [ID ...] [--profile dev|ci|thorough] [--json PATH] [--out DIR] [--workers N | --scheduler ADDRESS]``
    run the evidence of the named claims (all by default), print a verdict table,
    optionally write the results as JSON.
``kmrbf report [ID ...] [--profile ...] [--out DIR] [--no-pdf] [--fresh] [--cache-dir DIR] [--workers N | --scheduler ADDRESS]``
    run the evidence (cached) and write the LaTeX verification report (and its PDF);
    ``--workers``/``--scheduler`` spread independent evidence over a Dask cluster.
``kmrbf recheck CERT.json|DIR ... [-q]``
    re-verify arb certificates with python-flint alone (exit 0 only if all are accepted).
``kmrbf precision [--out DIR] [--dtypes ...] [--impls ...] [--grid N] [--data-grid N] [--no-cache]``
    the precision study of KR-S36-underflow: tables and figures.
``kmrbf bench [--n ...] [--k ...] [--d ...] [--repeat R] [--json PATH] [--sparsity]``
    time one iteration of Lloyd / soft-Lloyd and fit the scaling exponents (KR-S53).
``kmrbf bench --peers | --sweep | --memory [--size N K D] [--torch-chunk ROWS] [--device DEV]``
    the fast path side by side with its peers (scikit-learn, faiss, NumPy, torch, deep-spin
    entmax, fast-pytorch-kmeans) as ratios to scikit-learn's iteration and to the two-GEMM
    bound; the size sweep; peak memory at N = 10**6.

This module is the top of the import layers: nothing imports it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import bench, recheck
from .cache import DEFAULT_CACHE_DIR, write_atomic
from .numerics import precision
from .profiles import PROFILES
from .report.build import TEX_INSTALL_HINT, LatexError, build_report
from .runner import (DEFAULT_OUT, add_parallel_arguments, format_table, parallel_executor, parallel_flags,
                     progress_printer, results_to_json, run_check)

__all__ = ["main", "SUBCOMMANDS"]

Handler = Callable[[argparse.Namespace], int]


def _dump_json(path: Path, doc: dict) -> None:
    write_atomic(path, json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")


# ---------------------------------------------------------------------------------- check
def _add_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="claim ids (default: all)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    p.add_argument("--json", type=Path, metavar="PATH", help="write the results as JSON")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for figures and tables")
    add_parallel_arguments(p)


def _cmd_check(args: argparse.Namespace) -> int:
    """Run the evidence of the named claims and print the verdict table."""
    with parallel_executor(args) as executor:
        results = run_check(args.ids, profile=args.profile, out_dir=args.out, progress=progress_printer(),
                            executor=executor)
    print(format_table(results))
    for r in results:
        for e in r.results:
            if e.counterexample:
                print(f"\n{r.claim.id} / {e.name}: counterexample\n{e.counterexample}")
            if e.status == "error":
                print(f"\n{r.claim.id} / {e.name}: ERROR {e.summary}")
    if args.json:
        _dump_json(args.json, results_to_json(results, profile=args.profile))
        print(f"\nwrote {args.json}")
    return 1 if any(r.testbed_errors for r in results) else 0


# --------------------------------------------------------------------------------- report
def _add_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="claim ids (default: all)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci",
                   help="run size (default: ci, deterministic)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help=f"output directory (default: {DEFAULT_OUT})")
    p.add_argument("--no-pdf", action="store_true", help="write the .tex only, skip latexmk")
    p.add_argument("--fresh", action="store_true", help="ignore cached evidence results")
    p.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR,
                   help=f"result cache (default: {DEFAULT_CACHE_DIR})")
    add_parallel_arguments(p)


def _report_command(args: argparse.Namespace) -> str:
    parts = ["kmrbf", "report", *args.ids, "--profile", args.profile, "--out", str(args.out)]
    if args.no_pdf:
        parts.append("--no-pdf")
    if args.fresh:
        parts.append("--fresh")
    if args.cache_dir != DEFAULT_CACHE_DIR:
        parts += ["--cache-dir", str(args.cache_dir)]
    parts += parallel_flags(args)
    return shlex.join(parts)


def _cmd_report(args: argparse.Namespace) -> int:
    """Run the evidence and write the LaTeX verification report (and its PDF)."""
    try:
        with parallel_executor(args) as executor:
            out = build_report(args.ids, profile=args.profile, out_dir=args.out, pdf=not args.no_pdf,
                               fresh=args.fresh, cache_dir=args.cache_dir, progress=progress_printer(),
                               command=_report_command(args), executor=executor)
    except LatexError as exc:
        print(f"kmrbf report: LaTeX failed\n{exc}", file=sys.stderr)
        return 1
    print(format_table(out.results))
    errors = [f"{r.claim.id}: {e}" for r in out.results for e in r.testbed_errors]
    for line in errors:
        print(f"testbed error (the report lists it): {line}", file=sys.stderr)
    print(f"\n{len(out.computed)} evidence computed, {len(out.cached)} from the cache; "
          f"{out.seconds:.1f} s")
    print(f"wrote {out.json}, {out.tex}, {out.run_info}")
    if out.pdf is not None:
        print(f"wrote {out.pdf} (latexmk {out.latex_seconds:.1f} s)")
    elif not args.no_pdf:
        print(TEX_INSTALL_HINT, file=sys.stderr)
    # the report is written either way; a testbed error (crashed evidence, a failed check of our
    # own) still fails the command, as it does for `kmrbf check`
    return 1 if errors else 0


# ------------------------------------------------------------------------------ precision
def _add_precision(p: argparse.ArgumentParser) -> None:
    d = precision.StudyParams()
    p.add_argument("--out", type=Path, default=Path("report") / "build" / "precision",
                   help="directory for tables (CSV, JSON) and figures (PDF, PNG)")
    p.add_argument("--dtypes", nargs="+", choices=precision.DTYPES, default=list(d.dtypes))
    p.add_argument("--impls", nargs="+", choices=precision.IMPLEMENTATIONS, default=list(d.impls))
    p.add_argument("--grid", type=int, default=d.logit_n, help="logit grid is GRID x GRID")
    p.add_argument("--data-grid", type=int, default=d.data_n, help="(sigma, Delta) grid size")
    p.add_argument("--blobs", type=int, default=d.blobs_n, help="blobs sample size")
    p.add_argument("--no-cache", action="store_true", help="recompute even if cached")


def _cmd_precision(args: argparse.Namespace) -> int:
    """Run the precision study (softmax underflow vs entmax-1.5, per dtype and implementation).

    Results are cached in ``OUT/precision_cache/<hash of the parameters>.json``; a rerun with
    the same parameters only redraws the tables and figures.  Progress goes to stderr.
    """
    if args.grid < 2 or args.data_grid < 2:
        raise ValueError(f"--grid={args.grid} and --data-grid={args.data_grid} must be >= 2")
    params = precision.StudyParams(dtypes=tuple(args.dtypes), impls=tuple(args.impls),
                                   logit_n=args.grid, data_n=args.data_grid, blobs_n=args.blobs)
    progress = progress_printer()
    cache = args.out / "precision_cache" / f"{params.key()}.json"
    if cache.exists() and not args.no_cache:
        progress(f"cached: {cache}")
        study = json.loads(cache.read_text())
    else:
        study = precision.run_study(params, progress=progress)
        write_atomic(cache, json.dumps(study, default=str))
    files = precision.write_tables(study, args.out) + precision.write_figures(study, args.out)
    v = study["verdict"]
    print(f"KR-S36-underflow: {v['status']}" + (f" [{v['condition']}]" if v["condition"] else ""))
    for r in study["thresholds"]:
        if r["threshold"] in ("nan_scale", "saturation_gap", "underflow_gap"):
            print(f"  {r['dtype']:8s} {r['impl']:8s} {r['threshold']:15s} "
                  f"predicted {r['predicted']:.6g}  measured {r['measured']:.6g}")
    print(f"wrote {len(files)} files to {args.out}")
    return 0


# ---------------------------------------------------------------------------------- bench
def _add_bench(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=int, nargs="+", default=[8192, 32768],
                   help="numbers of points (multiples of the 4096-row chunk)")
    p.add_argument("--k", type=int, nargs="+", default=[8, 32], help="numbers of clusters")
    p.add_argument("--d", type=int, nargs="+", default=[32, 128], help="dimensions")
    p.add_argument("--repeat", type=int, default=5, help="repeats per point (minimum taken)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, metavar="PATH", help="write timings, fits and memory as JSON")
    p.add_argument("--sparsity", action="store_true",
                   help="instead: entmax-1.5 sparsity vs accumulation cost and vs Lloyd (blobs data)")
    p.add_argument("--sigma-factors", type=float, nargs="+", default=[0.1, 0.5, 0.75, 1.0],
                   help="with --sparsity: sigma / g, g = median gap d_(2) - d_(1) of the blobs")
    bench.add_bench_arguments(p)


def _cmd_bench(args: argparse.Namespace) -> int:
    """Time one iteration of Lloyd, soft-Lloyd (softmax, entmax-1.5, bisection) per (N, K, D)."""
    if args.repeat < 1:
        raise ValueError(f"--repeat must be >= 1; got {args.repeat}")
    for name in ("n", "k", "d"):
        if min(getattr(args, name)) < 1:
            raise ValueError(f"--{name} values must be >= 1; got {getattr(args, name)}")
    code = bench.run_peers_command(args)
    if code is not None:  # --peers / --sweep / --memory
        return code
    if args.sparsity:
        if min(args.sigma_factors) <= 0:
            raise ValueError(f"--sigma-factors must be > 0; got {args.sigma_factors}")
        srows = bench.run_ratio_bench(args.n, args.k, args.d, args.sigma_factors,
                                      repeat=args.repeat, seed=args.seed)
        print(bench.format_sparsity(srows))
        if args.json:
            _dump_json(args.json, {"sparsity": srows, "repeat": args.repeat})
            print(f"wrote {args.json}")
        return 0
    rows = bench.run_bench(args.n, args.k, args.d, repeat=args.repeat, seed=args.seed)
    fits = bench.fit_exponents(rows)
    mem = bench.peak_memory(max(args.n), max(args.k), max(args.d), seed=args.seed)
    print(bench.format_bench(rows, fits))
    print(f"\npeak memory of one entmax15 step at n={mem['n']} k={mem['k']} d={mem['d']} "
          f"(chunk {mem['chunk_size']}): {mem['peak_bytes'] / 2**20:.2f} MiB; an N*K*D float64 "
          f"array would be {mem['nkd_bytes'] / 2**20:.2f} MiB, N*K {mem['nk_bytes'] / 2**20:.2f} MiB, "
          f"N*D {mem['nd_bytes'] / 2**20:.2f} MiB")
    if args.json:
        _dump_json(args.json, {"timings": rows, "exponents": fits, "memory": mem, "repeat": args.repeat})
        print(f"wrote {args.json}")
    return 0


SUBCOMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Handler]] = {
    "check": (_add_check, _cmd_check),
    "report": (_add_report, _cmd_report),
    "precision": (_add_precision, _cmd_precision),
    "bench": (_add_bench, _cmd_bench),
    "recheck": (recheck.add_arguments, recheck.run),
}
"""name -> (add_arguments(parser), handler(args) -> exit code)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kmrbf`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 on success, 1 on a testbed error (crashed evidence, a failed
        sharper / condition / instead check) or a LaTeX failure, 2 on bad
        arguments, 130 on interruption.
    """
    parser = argparse.ArgumentParser(prog="kmrbf", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (add_args, handler) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=(handler.__doc__ or name).strip().splitlines()[0])
        add_args(p)
        p.set_defaults(_handler=handler)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    try:
        return args._handler(args)
    except KeyboardInterrupt:
        print(f"interrupted after {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        return 130
    except ValueError as exc:
        parser.exit(2, f"kmrbf {args.command}: error: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
