"""Run evidence: one claim, or many, with or without the result cache, serially or on a cluster.

Data flow: :mod:`kmrbf.claims` (catalog + each claim's ``EVIDENCE``) ->
:func:`run_evidence` per piece -> :func:`kmrbf.verdict.aggregate_verdict` ->
:class:`~kmrbf.verdict.ClaimResult`.  ``kmrbf check`` and ``kmrbf report`` both
call :func:`run_check`; the tests call :func:`run_claim`.

Parallel runs
-------------
``run_check(..., executor=ex)`` submits every piece of evidence the cache does not hold
to ``ex`` (any :class:`concurrent.futures.Executor`; ``kmrbf check/report --workers N`` or
``--scheduler ADDRESS`` make one on a Dask cluster with :func:`parallel_executor`), shows
progress as pieces finish and gathers the results in declaration order.  A piece is
independent of the others: it is looked up by claim id and name on the worker and runs with
the profile's own seeds, so a deterministic profile (``ci``) gives the same results as the
serial run; ``dev`` and ``thorough`` draw random Hypothesis examples, run to run, serial or
not.  Around each piece:

* **one piece per worker process at a time** (a process-wide lock): mpmath's context,
  pyplot and Hypothesis are not thread-safe, whatever the worker's thread count;
* **files**: the piece writes into a private directory of its worker process; every file
  it writes or references as a figure comes back with the result and is written
  (atomically) into ``out_dir`` on this machine, so the cache and the report find them;
* **same sources**: the worker returns the digest of the files its claim module reaches
  (:mod:`kmrbf.cache`); a result computed from other sources than this machine's becomes
  an ``error`` (a worker with another kmrbf install would otherwise poison the cache);
* **timing evidence** (claims whose module reaches :mod:`kmrbf.bench`) runs here, serially,
  after the parallel pieces: a time measured beside other work measures the load;
* the cache is read and written here only; a worker that dies turns its piece into an
  ``error`` result (never cached).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from pathlib import Path
from typing import Any

from .cache import ResultCache, write_atomic
from .claims import all_claims, deviations_for, evidence_for, get_claim, module_name
from .evidence.model import Claim, Evidence, EvidenceResult, RunContext
from .importgraph import digest_files, imports_of, module_files
from .profiles import Profile, get_profile
from .verdict import ClaimResult, aggregate_verdict, testbed_errors

__all__ = ["DEFAULT_OUT", "run_evidence", "run_claim", "run_check", "results_to_json", "format_table",
           "progress_printer", "add_parallel_arguments", "parallel_executor", "parallel_flags"]

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
    executor: Executor | None = None,
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
    executor : concurrent.futures.Executor, optional
        Run the pieces on it (module docstring: what is guaranteed); ``None`` runs them here,
        one after the other.

    Returns
    -------
    list of ClaimResult
        In the order of ``ids``, each claim's evidence in declaration order.
    """
    claims = [get_claim(i) for i in ids] if ids else all_claims()
    ctx = RunContext(profile=get_profile(profile), out_dir=Path(out_dir), progress=progress)
    if executor is not None:
        return _run_parallel(claims, ctx, cache, executor)
    results = []
    for n, claim in enumerate(claims, 1):
        ctx.report(f"({n}/{len(claims)}) {claim.id}")
        res = run_claim(claim.id, ctx, cache)
        ctx.report(f"({n}/{len(claims)}) {claim.id}: {res.verdict}")
        results.append(res)
    return results


# ------------------------------------------------------------------------------ parallel
# the worker side: one piece at a time per process, in a private directory per run

_PIECE_LOCK = threading.Lock()
_WORKER: dict[str, Any] = {}   # "token": the current run; "sources", "dir": its _Sources and directory


class _Sources:
    """The project modules a claim's module reaches, and their digest as :mod:`kmrbf.cache` keys
    it; files are parsed on demand, once per object (one run)."""

    def __init__(self) -> None:
        self.files = module_files()
        self.imports: dict[str, set[str]] = {}

    def reach(self, claim_id: str) -> set[str]:
        seen, todo = set(), [module_name(claim_id)]
        while todo:
            m = todo.pop()
            if m in seen:
                continue
            seen.add(m)
            if m not in self.imports:
                self.imports[m] = imports_of(m, self.files[m], self.files)
            todo.extend(self.imports[m] - seen)
        return seen

    def digest(self, claim_id: str) -> str:
        return digest_files(self.files[m] for m in self.reach(claim_id))


def _worker_run(token: str) -> tuple[_Sources, Path]:
    """This process's view of the sources and its private directory for run ``token`` (the
    previous run's directory is removed when a new run arrives)."""
    if _WORKER.get("token") != token:
        if "dir" in _WORKER:
            shutil.rmtree(_WORKER["dir"], ignore_errors=True)
        path = Path(tempfile.mkdtemp(prefix="kmrbf-piece-"))
        atexit.register(shutil.rmtree, path, True)
        _WORKER.update(token=token, sources=_Sources(), dir=path)
    return _WORKER["sources"], _WORKER["dir"]


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in root.rglob("*") if p.is_file()}


def _run_piece(claim_id: str, name: str, profile: Profile,
               token: str) -> tuple[EvidenceResult, dict[str, bytes], str]:
    """Run the evidence ``name`` of ``claim_id`` (on a worker): ``(result, files, digest)``.

    ``files`` maps the paths (relative to the output directory) the piece wrote or names as
    figures to their contents; ``digest`` is the source digest of the claim's module here.
    """
    with _PIECE_LOCK:
        sources, out = _worker_run(token)
        found = [e for e in evidence_for(claim_id) if e.name == name]
        if not found:
            res = EvidenceResult(status="error", summary=f"this worker's {module_name(claim_id)} declares "
                                                         f"no evidence named {name!r}")
            return res, {}, sources.digest(claim_id)
        before = _snapshot(out)
        res = _run(found[0], RunContext(profile=profile, out_dir=out))
        after = _snapshot(out)
        names = {f for f, stamp in after.items() if before.get(f) != stamp}
        names |= {f for f in res.figures if f in after}
        return res, {f: (out / f).read_bytes() for f in sorted(names)}, sources.digest(claim_id)


# the client side

def _error_result(ev: Evidence, summary: str, detail: str = "") -> EvidenceResult:
    res = EvidenceResult(status="error", summary=summary, data={"traceback": detail} if detail else {})
    res.claim_id, res.name, res.kind, res.role = ev.claim_id, ev.name, ev.kind, ev.role
    res.description = ev.description
    return res


def _receive(ev: Evidence, fut: Future, out_dir: Path, expected: str) -> EvidenceResult:
    """The result of a finished piece: its files written into ``out_dir``; an ``error``
    result when the worker failed or ran other sources."""
    try:
        res, files, digest = fut.result()
    except Exception as exc:  # the worker died, or the result could not travel
        return _error_result(ev, f"the worker failed: {type(exc).__name__}: {exc}", traceback.format_exc())
    if digest != expected:
        return _error_result(ev, f"the worker ran other sources than this machine for {module_name(ev.claim_id)} "
                                 f"(digest {digest[:12]} != {expected[:12]}); install the same kmrbf on every worker")
    outside = [rel for rel in files if Path(rel).is_absolute() or ".." in Path(rel).parts]
    if outside:
        return _error_result(ev, f"the worker returned files outside the output directory: {outside}")
    for rel, data in files.items():
        target = out_dir / rel
        if not (target.is_file() and target.read_bytes() == data):
            write_atomic(target, data)
    return res


def _run_parallel(claims: Sequence[Claim], ctx: RunContext, cache: ResultCache | None,
                  executor: Executor) -> list[ClaimResult]:
    sources = _Sources()
    expected = {c.id: sources.digest(c.id) for c in claims}
    timed = {c.id for c in claims if "kmrbf.bench" in sources.reach(c.id)}
    pieces = {c.id: list(evidence_for(c.id)) for c in claims}
    results: dict[tuple[str, str], EvidenceResult] = {}
    local: list[Evidence] = []
    remote: list[Evidence] = []
    for c in claims:
        for ev in pieces[c.id]:
            res = cache.load(ev, ctx.profile, ctx.out_dir) if cache is not None else None
            if res is not None:
                cache.hits.append(ev.key)
                results[(c.id, ev.name)] = res
            else:
                (local if c.id in timed else remote).append(ev)
    total, done = sum(len(p) for p in pieces.values()), len(results)
    ctx.report(f"{total} evidence of {len(claims)} claims: {done} cached, {len(remote)} on the cluster, "
               f"{len(local)} timing evidence here afterwards")
    finished: list[str] = []
    verdicts: dict[str, ClaimResult] = {}
    for c in claims:
        if all((c.id, ev.name) in results for ev in pieces[c.id]):
            verdicts[c.id] = _claim_result(c, pieces[c.id], results)
            ctx.report(f"{c.id}: {verdicts[c.id].verdict} (cached)")

    def settle(ev: Evidence, res: EvidenceResult) -> None:
        nonlocal done
        done += 1
        results[(ev.claim_id, ev.name)] = res
        if cache is not None:
            cache.store(ev, ctx.profile, ctx.out_dir, res)
            finished.append(ev.key)
        ctx.report(f"[{done}/{total}] {ev.key}: {ev.kind} {res.status} ({res.seconds:.1f}s)")
        if all((ev.claim_id, e.name) in results for e in pieces[ev.claim_id]):
            verdicts[ev.claim_id] = _claim_result(get_claim(ev.claim_id), pieces[ev.claim_id], results)
            ctx.report(f"{ev.claim_id}: {verdicts[ev.claim_id].verdict}")

    token = uuid.uuid4().hex
    futures = {executor.submit(_run_piece, ev.claim_id, ev.name, ctx.profile, token): ev for ev in remote}
    try:
        for fut in as_completed(futures):
            ev = futures[fut]
            settle(ev, _receive(ev, fut, ctx.out_dir, expected[ev.claim_id]))
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    for ev in local:
        ctx.report(f"{ev.key}: {ev.kind} running here (timing)")
        settle(ev, _run(ev, ctx))
    if cache is not None:  # misses in declaration order, like the serial run
        order = {ev.key: i for i, ev in enumerate(ev for c in claims for ev in pieces[c.id])}
        cache.misses.extend(sorted(finished, key=order.__getitem__))
    return [verdicts.get(c.id) or _claim_result(c, pieces[c.id], results) for c in claims]


def _claim_result(claim: Claim, pieces: Sequence[Evidence],
                  results: dict[tuple[str, str], EvidenceResult]) -> ClaimResult:
    res = [results[(claim.id, ev.name)] for ev in pieces]
    verdict, condition = aggregate_verdict(res)
    return ClaimResult(claim, res, verdict, condition, deviations_for(claim.id), testbed_errors(res))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {value}")
    return value


def add_parallel_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers N`` / ``--scheduler ADDRESS`` (mutually exclusive) to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``check`` or ``report`` subcommand's parser.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--workers", type=_positive_int, metavar="N",
                       help="run independent evidence on a local Dask cluster of N worker processes "
                            "(needs kmrbf[dask]); timing evidence still runs here, alone")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run independent evidence on the Dask cluster at ADDRESS (tcp://host:8786); "
                            "every worker needs the same kmrbf sources")


def parallel_flags(args: argparse.Namespace) -> list[str]:
    """The ``--workers`` / ``--scheduler`` flags of ``args``, for recording the command line.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by a parser that :func:`add_parallel_arguments` extended.

    Returns
    -------
    list of str
        ``["--workers", "4"]``, ``["--scheduler", ADDRESS]`` or ``[]``.
    """
    if getattr(args, "workers", None) is not None:
        return ["--workers", str(args.workers)]
    if getattr(args, "scheduler", None):
        return ["--scheduler", args.scheduler]
    return []


@contextlib.contextmanager
def parallel_executor(args: argparse.Namespace, *, timeout: float = 30.0) -> Iterator[Executor | None]:
    """The executor ``--workers`` / ``--scheduler`` ask for, closed on exit; ``None`` for neither.

    ``--workers N`` starts a local Dask cluster of ``N`` worker processes with one thread each
    (``distributed.LocalCluster(processes=True)``); ``--scheduler ADDRESS`` connects to a
    running scheduler.  Use as ``with parallel_executor(args) as ex: run_check(...,
    executor=ex)``.

    Parameters
    ----------
    args : argparse.Namespace
        With the attributes ``workers`` and ``scheduler`` (:func:`add_parallel_arguments`).
    timeout : float
        Seconds to wait for the scheduler.

    Yields
    ------
    concurrent.futures.Executor or None

    Raises
    ------
    ValueError
        When dask / distributed are not installed, or the scheduler cannot be reached.
    """
    workers, address = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None and not address:
        yield None
        return
    flag = f"--workers {workers}" if workers is not None else f"--scheduler {address}"
    try:
        import distributed
    except ImportError:
        raise ValueError(f"{flag} needs dask and distributed: pip install 'kmrbf[dask]'") from None
    with contextlib.ExitStack() as stack:
        if workers is not None:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0"))   # any free port: another cluster may hold 8787
            address = cluster.scheduler_address
        try:
            client = stack.enter_context(distributed.Client(address, timeout=timeout))
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"{flag}: cannot reach the scheduler at {address}: {exc}") from exc
        yield client.get_executor(pure=False)


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
