"""Run evidence: one claim, or many, with or without the result cache.

Data flow: :mod:`kmrbf.claims` (catalog + each claim's ``EVIDENCE``) ->
:func:`run_evidence` per piece -> :func:`kmrbf.verdict.aggregate_verdict` ->
:class:`~kmrbf.verdict.ClaimResult`.  ``kmrbf check`` and ``kmrbf report`` both
call :func:`run_check`; the tests call :func:`run_claim`.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .cache import ResultCache
from .claims import all_claims, deviations_for, evidence_for, get_claim
from .evidence.model import Evidence, EvidenceResult, RunContext
from .profiles import get_profile
from .verdict import ClaimResult, aggregate_verdict, testbed_errors

__all__ = ["DEFAULT_OUT", "run_evidence", "run_claim", "run_check", "results_to_json", "format_table",
           "progress_printer"]

DEFAULT_OUT = Path("report") / "build"
"""Where figures, tables and the report go unless told otherwise."""


def progress_printer(stream: Any = None) -> Callable[[str], None]:
    """A ``progress(message)`` callback printing ``[elapsed s] message`` to ``stream``.

    Parameters
    ----------
    stream : file-like, optional
        Default: standard error.

    Returns
    -------
    callable
        The callback.
    """
    t0 = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - t0:7.1f}s] {message}", file=stream or sys.stderr, flush=True)

    return progress


def run_evidence(ev: Evidence, ctx: RunContext, cache: ResultCache | None = None) -> EvidenceResult:
    """Run one piece of evidence, timing it; a crash becomes an ``error`` result.

    Parameters
    ----------
    ev : Evidence
        What to run.
    ctx : RunContext
        Profile, output directory, progress callback.
    cache : ResultCache, optional
        Return the stored result if its key (:mod:`kmrbf.cache`) still matches, else
        run and store the new one (``error`` and ``skipped`` results are not stored).

    Returns
    -------
    EvidenceResult
        With its bookkeeping fields (claim id, name, kind, role, description, seconds) filled in.
    """
    if cache is None:
        return _run(ev, ctx)
    res = cache.load(ev, ctx.profile, ctx.out_dir)
    if res is not None:
        cache.hits.append(ev.key)
        ctx.report(f"{ev.key}: {ev.kind} {res.status} (cached)")
        return res
    ctx.report(f"{ev.key}: {ev.kind} running")
    res = _run(ev, ctx)
    cache.misses.append(ev.key)
    cache.store(ev, ctx.profile, ctx.out_dir, res)
    ctx.report(f"{ev.key}: {ev.kind} {res.status} ({res.seconds:.1f}s)")
    return res


def _run(ev: Evidence, ctx: RunContext) -> EvidenceResult:
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        res = ev.run(ctx)
        if not isinstance(res, EvidenceResult):
            raise TypeError(f"evidence {ev.key} returned {type(res).__name__}, not EvidenceResult")
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # the evidence is broken: report it, never hide it
        res = EvidenceResult(
            status="error",
            summary=f"{type(exc).__name__}: {exc}",
            data={"traceback": traceback.format_exc()},
        )
    res.seconds = time.perf_counter() - t0
    res.claim_id, res.name, res.kind, res.role = ev.claim_id, ev.name, ev.kind, ev.role
    res.description = ev.description
    return res


def run_claim(claim_id: str, ctx: RunContext, cache: ResultCache | None = None) -> ClaimResult:
    """Run every piece of evidence of one claim and compute its verdict.

    Parameters
    ----------
    claim_id : str
        A SPEC id.
    ctx : RunContext
        Profile, output directory, progress callback.
    cache : ResultCache, optional
        Supplies stored results whose key still matches and stores new ones.

    Returns
    -------
    ClaimResult
        The claim, its evidence results in declaration order, and the verdict.
    """
    claim = get_claim(claim_id)
    results = []
    for ev in evidence_for(claim_id):
        if cache is None:
            ctx.report(f"{claim_id}: {ev.kind} {ev.name}")
        results.append(run_evidence(ev, ctx, cache))
    verdict, condition = aggregate_verdict(results)
    return ClaimResult(claim, results, verdict, condition, deviations_for(claim_id), testbed_errors(results))


def run_check(
    ids: Sequence[str] | None = None,
    *,
    profile: str | None = "ci",
    out_dir: Path = DEFAULT_OUT,
    progress: Callable[[str], None] | None = None,
    cache: ResultCache | None = None,
) -> list[ClaimResult]:
    """Run the evidence of ``ids`` (all claims, in catalog order, when empty).

    Parameters
    ----------
    ids : sequence of str, optional
        SPEC ids.
    profile : str, optional
        ``"dev"``, ``"ci"`` or ``"thorough"`` (``None``: the default profile).
    out_dir : Path
        Where evidence writes figures and tables.
    progress : callable, optional
        ``progress(message)``, called as each claim starts and ends.
    cache : ResultCache, optional
        As for :func:`run_claim`; ``None`` runs everything.

    Returns
    -------
    list of ClaimResult
    """
    claims = [get_claim(i) for i in ids] if ids else all_claims()
    ctx = RunContext(profile=get_profile(profile), out_dir=Path(out_dir), progress=progress)
    results = []
    for n, claim in enumerate(claims, 1):
        ctx.report(f"({n}/{len(claims)}) {claim.id}")
        res = run_claim(claim.id, ctx, cache)
        ctx.report(f"({n}/{len(claims)}) {claim.id}: {res.verdict}")
        results.append(res)
    return results


def results_to_json(results: Sequence[ClaimResult], *, profile: str) -> dict[str, Any]:
    """The JSON document written by ``kmrbf check --json`` and ``kmrbf report``.

    Parameters
    ----------
    results : sequence of ClaimResult
    profile : str
        The profile's name, recorded in the document.

    Returns
    -------
    dict
        ``{"profile": ..., "claims": [...]}``.
    """
    return {"profile": profile, "claims": [r.to_dict() for r in results]}


def format_table(results: Sequence[ClaimResult]) -> str:
    """A plain-text verdict table: id, verdict, evidence kinds, examples, seconds.

    Parameters
    ----------
    results : sequence of ClaimResult

    Returns
    -------
    str
        The table, followed by the conditions of conditional verdicts.
    """
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
    errors = [f"{r.claim.id}: {e}" for r in results for e in r.testbed_errors]
    if errors:
        lines += ["", "testbed errors (our own checks failed; the verdict does not rest on them):", *errors]
    return "\n".join(lines)
