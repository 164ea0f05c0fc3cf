"""The ``kmrbf`` command line.

``kmrbf check [ID ...] [--profile dev|ci|thorough] [--json PATH]``
    run the evidence of the named claims (all by default), print a verdict table,
    optionally write the results as JSON.

Other subcommands (``report``, ``precision``, ``bench``) register themselves in
:data:`SUBCOMMANDS` from their own modules.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .profiles import PROFILES, get_profile
from .registry import ClaimResult, RunContext, all_claims, get_claim, run_claim

__all__ = ["main", "run_check", "results_to_json", "format_table", "SUBCOMMANDS"]

#: name -> (add_arguments(parser), handler(args) -> exit code).  Modules extend this.
SUBCOMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}

DEFAULT_OUT = Path("report") / "build"


def _progress_printer(stream: Any = sys.stderr) -> Callable[[str], None]:
    t0 = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - t0:7.1f}s] {message}", file=stream, flush=True)

    return progress


def run_check(
    ids: Sequence[str] | None = None,
    *,
    profile: str | None = "ci",
    out_dir: Path = DEFAULT_OUT,
    progress: Callable[[str], None] | None = None,
    cache: Any = None,
) -> list[ClaimResult]:
    """Run the evidence of ``ids`` (all claims when empty) and return their results.

    ``cache`` (a :class:`kmrbf.cache.ResultCache`) supplies stored results where
    their content hash still matches and stores the new ones; ``None`` runs
    everything.
    """
    claims = [get_claim(i) for i in ids] if ids else all_claims()
    ctx = RunContext(profile=get_profile(profile), out_dir=Path(out_dir), progress=progress)
    results = []
    for n, claim in enumerate(claims, 1):
        ctx.report(f"({n}/{len(claims)}) {claim.id}")
        if cache is None:
            res = run_claim(claim.id, ctx)
        else:
            from .cache import run_claim_cached

            res = run_claim_cached(claim.id, ctx, cache)
        ctx.report(f"({n}/{len(claims)}) {claim.id}: {res.verdict}")
        results.append(res)
    return results


def results_to_json(results: Sequence[ClaimResult], *, profile: str) -> dict[str, Any]:
    """The JSON document written by ``kmrbf check --json``."""
    return {"profile": profile, "claims": [r.to_dict() for r in results]}


def format_table(results: Sequence[ClaimResult]) -> str:
    """A plain-text verdict table: id, verdict, evidence kinds, examples, seconds."""
    rows = [("claim", "verdict", "evidence", "examples", "seconds")]
    notes = []
    for r in results:
        kinds = ",".join(sorted({f"{e.kind}:{e.status}" for e in r.results})) or "-"
        verdict = r.verdict
        if r.condition:
            notes.append(f"[{len(notes) + 1}] {r.claim.id}: {r.condition}")
            verdict += f" [{len(notes)}]"
        rows.append((r.claim.id, verdict, kinds, str(r.examples), f"{r.seconds:.1f}"))
    widths = [max(len(row[c]) for row in rows) for c in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if notes:
        lines += ["", "conditions:", *notes]
    return "\n".join(lines)


def _write_json_atomic(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
    tmp.replace(path)


def _add_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", metavar="ID", help="claim ids (default: all)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    p.add_argument("--json", type=Path, metavar="PATH", help="write the results as JSON")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for figures and tables")


def _cmd_check(args: argparse.Namespace) -> int:
    results = run_check(args.ids, profile=args.profile, out_dir=args.out, progress=_progress_printer())
    print(format_table(results))
    for r in results:
        for e in r.results:
            if e.counterexample:
                print(f"\n{r.claim.id} / {e.name}: counterexample\n{e.counterexample}")
            if e.status == "error":
                print(f"\n{r.claim.id} / {e.name}: ERROR {e.summary}")
    if args.json:
        _write_json_atomic(args.json, results_to_json(results, profile=args.profile))
        print(f"\nwrote {args.json}")
    return 1 if any(e.status == "error" for r in results for e in r.results) else 0


SUBCOMMANDS["check"] = (_add_check, _cmd_check)


def _load_subcommands() -> None:
    # modules that add subcommands; absent ones are simply not offered
    import importlib

    for mod in ("kmrbf.report.cli", "kmrbf.numerics.precision_cli", "kmrbf.bench"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    _load_subcommands()
    parser = argparse.ArgumentParser(prog="kmrbf", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (add_args, handler) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=(handler.__doc__ or name).strip().splitlines()[0])
        add_args(p)
        p.set_defaults(_handler=handler)
    args = parser.parse_args(argv)
    try:
        return args._handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ValueError as exc:
        parser.exit(2, f"kmrbf {args.command}: error: {exc}\n")


if __name__ == "__main__":
    sys.exit(main())
