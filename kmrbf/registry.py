"""The claim registry: one entry per SPEC claim id, consumed by tests and the report.

A :class:`Claim` holds what the paper says (``statement``) and what we check
(``precise``).  Evidence modules attach :class:`Evidence` objects to claims with
:func:`register_evidence`.  Running a piece of evidence returns an
:class:`EvidenceResult`; :func:`aggregate_verdict` turns the results of one claim
into its verdict.  No verdict is ever written by hand: it is computed here, from
what the evidence reported when it ran.

Roles
-----
Each piece of evidence plays one role towards its claim:

``paper``
    checks the claim exactly as the paper states it;
``sharper``
    checks a statement strictly stronger than the paper's;
``hypothesis``
    checks whether the claim's hypothesis can hold at all (failing = the claim is vacuous);
``condition``
    checks the claim under an extra condition we identified (used when the
    paper's own statement fails).

Statuses
--------
``passed``, ``failed`` (with a counterexample), ``conditional`` (the statement
holds only under ``EvidenceResult.condition``), ``undecided`` (e.g. an ``arb``
comparison that could not decide), ``error`` (the evidence itself crashed),
``skipped`` (an optional backend is absent).

Verdict rule (:func:`aggregate_verdict`), first match wins:

1. no decisive result, or any ``error``            -> ``inconclusive``
2. a ``hypothesis`` evidence ``failed``             -> ``vacuous``
3. a ``paper`` evidence ``failed``: ``conditional`` if a ``condition`` evidence
   passed and none failed (they name the condition under which the failed
   statement holds), else
   ``refuted`` -- a statement that fails everywhere is not rescued by *another*
   statement of the claim holding conditionally
4. a ``paper`` evidence ``conditional``              -> ``conditional``
5. every ``paper`` evidence passed and a ``sharper`` evidence passed -> ``verified_sharper``
6. every ``paper`` evidence passed                   -> ``verified``
"""

from __future__ import annotations

import hashlib
import inspect
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from .profiles import Profile

__all__ = [
    "KINDS",
    "ROLES",
    "STATUSES",
    "VERDICTS",
    "Claim",
    "Evidence",
    "EvidenceResult",
    "ClaimResult",
    "RunContext",
    "Table",
    "REGISTRY",
    "register_claim",
    "register_evidence",
    "get_claim",
    "all_claims",
    "aggregate_verdict",
    "run_evidence",
    "run_claim",
]

Kind = Literal["symbolic", "property", "certified", "experiment"]
Role = Literal["paper", "sharper", "hypothesis", "condition"]
Status = Literal["passed", "failed", "conditional", "undecided", "error", "skipped"]
Verdict = Literal["verified", "verified_sharper", "conditional", "refuted", "vacuous", "inconclusive"]

KINDS: tuple[str, ...] = ("symbolic", "property", "certified", "experiment")
ROLES: tuple[str, ...] = ("paper", "sharper", "hypothesis", "condition")
STATUSES: tuple[str, ...] = ("passed", "failed", "conditional", "undecided", "error", "skipped")
VERDICTS: tuple[str, ...] = (
    "verified", "verified_sharper", "conditional", "refuted", "vacuous", "inconclusive",
)


@dataclass(frozen=True)
class Claim:
    """One claim of a paper, identified by its SPEC id.

    Attributes
    ----------
    id : str
        Stable SPEC id, e.g. ``"KR-T3"``.
    paper : str
        ``"KR"`` or ``"VF"`` (SPEC §2/§3).
    location : str
        Section / equation / theorem in the paper, e.g. ``"Thm 3"``.
    title : str
        A short plain-text name.
    statement : str
        The claim as the paper states it (LaTeX math allowed inside ``$...$``).
    precise : str
        The precise statement we check (LaTeX), with conventions made explicit.
    conventions : tuple of str
        Conventions the check depends on (e.g. "sigma divides squared distances").
    """

    id: str
    paper: str
    location: str
    title: str
    statement: str
    precise: str
    conventions: tuple[str, ...] = ()


@dataclass
class Table:
    """A small result table: ``columns`` names, ``rows`` of plain values, a caption."""

    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""


@dataclass
class EvidenceResult:
    """What one run of one piece of evidence found.

    ``examples`` counts the examples / instances / grid points actually evaluated.
    ``counterexample`` is the (shrunk) failing input as text, or ``None``.
    ``latex`` holds rendered mathematics (symbolic evidence: the derivation).
    ``figures`` are file paths (PDF/PNG) relative to the run's output directory.
    ``data`` holds any JSON-serialisable numbers the report may print.
    """

    status: Status
    examples: int = 0
    counterexample: str | None = None
    summary: str = ""
    condition: str | None = None
    latex: str | None = None
    tables: list[Table] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    # filled in by run_evidence:
    claim_id: str = ""
    name: str = ""
    kind: str = ""
    role: str = ""
    description: str = ""
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status={self.status!r} is not one of {STATUSES}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvidenceResult:
        d = dict(d)
        d["tables"] = [Table(**t) for t in d.get("tables", [])]
        return cls(**d)


@dataclass
class RunContext:
    """Everything a piece of evidence may depend on when it runs.

    Attributes
    ----------
    profile : Profile
        Run size and seeds (:mod:`kmrbf.profiles`).
    out_dir : Path
        Where the evidence may write figures and tables (created on demand).
    progress : callable or None
        ``progress(message)`` for long evidence to report where it is.
    """

    profile: Profile
    out_dir: Path
    progress: Callable[[str], None] | None = None

    def report(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)


@dataclass(frozen=True)
class Evidence:
    """A runnable piece of evidence attached to a claim.

    ``run(ctx)`` must return an :class:`EvidenceResult` (its bookkeeping fields are
    filled in by :func:`run_evidence`).  ``version`` enters the cache key; by
    default it is a hash of ``run``'s source, so editing the evidence invalidates
    cached results.
    """

    claim_id: str
    kind: Kind
    name: str
    role: Role
    description: str
    run: Callable[[RunContext], EvidenceResult]
    version: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} is not one of {KINDS}")
        if self.role not in ROLES:
            raise ValueError(f"role={self.role!r} is not one of {ROLES}")
        if not self.version:
            object.__setattr__(self, "version", _source_hash(self.run))

    @property
    def key(self) -> str:
        return f"{self.claim_id}/{self.name}"


def _source_hash(func: Callable[..., Any]) -> str:
    try:
        src = inspect.getsource(func)
    except (OSError, TypeError):
        src = getattr(func, "__qualname__", repr(func))
    return hashlib.sha256(src.encode()).hexdigest()[:16]


@dataclass
class ClaimResult:
    """A claim, the results of all its evidence, and the computed verdict."""

    claim: Claim
    results: list[EvidenceResult]
    verdict: Verdict
    condition: str | None = None

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    @property
    def examples(self) -> int:
        return sum(r.examples for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.claim.id,
            "paper": self.claim.paper,
            "location": self.claim.location,
            "title": self.claim.title,
            "statement": self.claim.statement,
            "precise": self.claim.precise,
            "conventions": list(self.claim.conventions),
            "verdict": self.verdict,
            "condition": self.condition,
            "examples": self.examples,
            "seconds": self.seconds,
            "evidence": [r.to_dict() for r in self.results],
        }


class _Registry:
    def __init__(self) -> None:
        self.claims: dict[str, Claim] = {}
        self.evidence: dict[str, list[Evidence]] = {}

    def add_claim(self, claim: Claim) -> Claim:
        if claim.id in self.claims:
            raise ValueError(f"claim id {claim.id!r} is already registered")
        self.claims[claim.id] = claim
        self.evidence.setdefault(claim.id, [])
        return claim

    def add_evidence(self, ev: Evidence) -> Evidence:
        if ev.claim_id not in self.claims:
            raise ValueError(f"claim_id={ev.claim_id!r} is not a registered claim")
        if any(e.name == ev.name for e in self.evidence[ev.claim_id]):
            raise ValueError(f"evidence {ev.key!r} is already registered")
        self.evidence[ev.claim_id].append(ev)
        return ev


REGISTRY = _Registry()


def register_claim(claim: Claim) -> Claim:
    """Add a claim to the registry (ids are unique)."""
    return REGISTRY.add_claim(claim)


def register_evidence(
    claim_id: str, *, kind: Kind, name: str, role: Role = "paper", description: str = "",
    version: str = "",
) -> Callable[[Callable[[RunContext], EvidenceResult]], Callable[[RunContext], EvidenceResult]]:
    """Decorator: register ``run(ctx) -> EvidenceResult`` as evidence for ``claim_id``.

    Examples
    --------
    >>> from kmrbf.registry import register_evidence, EvidenceResult
    >>> @register_evidence("KR-L1", kind="experiment", name="doctest-demo", role="paper")
    ... def _demo(ctx):
    ...     return EvidenceResult(status="passed", examples=1)
    >>> _unregister("KR-L1", "doctest-demo")
    """

    def deco(run: Callable[[RunContext], EvidenceResult]) -> Callable[[RunContext], EvidenceResult]:
        _load_catalog()
        REGISTRY.add_evidence(Evidence(claim_id, kind, name, role, description or (run.__doc__ or "").strip(), run, version))
        return run

    return deco


def _unregister(claim_id: str, name: str) -> None:
    """Remove one evidence (tests use this to clean up deliberately false claims)."""
    REGISTRY.evidence[claim_id] = [e for e in REGISTRY.evidence[claim_id] if e.name != name]


def _unregister_claim(claim_id: str) -> None:
    """Remove a claim and its evidence (tests only)."""
    REGISTRY.claims.pop(claim_id, None)
    REGISTRY.evidence.pop(claim_id, None)


def _load_catalog() -> None:
    if not REGISTRY.claims:
        from .claims import catalog  # noqa: F401  (registers the claims)


def load_all() -> None:
    """Import every claim and evidence module (idempotent)."""
    _load_catalog()
    from . import claims

    claims.load_evidence_modules()


def get_claim(claim_id: str) -> Claim:
    load_all()
    try:
        return REGISTRY.claims[claim_id]
    except KeyError:
        raise ValueError(f"claim id {claim_id!r} is unknown; known: {sorted(REGISTRY.claims)}") from None


def all_claims() -> list[Claim]:
    """All registered claims in SPEC order."""
    load_all()
    return list(REGISTRY.claims.values())


def evidence_for(claim_id: str) -> list[Evidence]:
    load_all()
    get_claim(claim_id)
    return list(REGISTRY.evidence[claim_id])


def aggregate_verdict(results: Iterable[EvidenceResult]) -> tuple[Verdict, str | None]:
    """Compute a claim's verdict from its evidence results (rule in the module docstring).

    Returns ``(verdict, condition)``; ``condition`` is the condition text for
    ``conditional`` verdicts, else ``None``.

    Examples
    --------
    >>> R = lambda status, role="paper", **kw: EvidenceResult(status=status, role=role, **kw)
    >>> aggregate_verdict([R("passed")])
    ('verified', None)
    >>> aggregate_verdict([R("passed"), R("passed", "sharper")])
    ('verified_sharper', None)
    >>> aggregate_verdict([R("failed"), R("passed", "condition", condition="K = 1")])
    ('conditional', 'K = 1')
    >>> aggregate_verdict([R("failed"), R("passed", "sharper")])
    ('refuted', None)
    >>> aggregate_verdict([R("failed"), R("conditional", condition="on blobs")])
    ('refuted', None)
    >>> aggregate_verdict([R("failed"), R("passed", "condition", condition="c"), R("failed", "condition")])
    ('refuted', None)
    >>> aggregate_verdict([R("failed", "hypothesis"), R("passed")])
    ('vacuous', None)
    >>> aggregate_verdict([R("undecided", kind="certified")])
    ('inconclusive', None)
    """
    results = list(results)
    if any(r.status == "error" for r in results):
        return "inconclusive", None
    by_role = {role: [r for r in results if r.role == role] for role in ROLES}
    if any(r.status == "failed" for r in by_role["hypothesis"]):
        return "vacuous", None
    paper = [r for r in by_role["paper"] if r.status in ("passed", "failed", "conditional")]
    # a condition is established only if no condition-role evidence failed
    condition_failed = any(r.status == "failed" for r in by_role["condition"])
    rescues = [] if condition_failed else [
        r.condition for r in by_role["condition"] if r.status == "passed" and r.condition]
    partial = [r.condition for r in paper if r.status == "conditional" and r.condition]
    if any(r.status == "failed" for r in paper):
        if rescues:
            return "conditional", "; ".join(rescues + partial)
        return "refuted", None
    if any(r.status == "conditional" for r in paper):
        return "conditional", "; ".join(rescues + partial) or None
    if not paper:
        return "inconclusive", None
    if any(r.status == "passed" for r in by_role["sharper"]):
        return "verified_sharper", None
    return "verified", None


def run_evidence(ev: Evidence, ctx: RunContext) -> EvidenceResult:
    """Run one piece of evidence, timing it; a crash becomes an ``error`` result."""
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


def run_claim(claim_id: str, ctx: RunContext) -> ClaimResult:
    """Run every piece of evidence of one claim and compute its verdict."""
    claim = get_claim(claim_id)
    results = []
    for ev in evidence_for(claim_id):
        ctx.report(f"{claim_id}: {ev.kind} {ev.name}")
        results.append(run_evidence(ev, ctx))
    verdict, condition = aggregate_verdict(results)
    return ClaimResult(claim, results, verdict, condition)
