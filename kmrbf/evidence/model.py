"""The data model of the testbed: claims, evidence, and what evidence reports.

A :class:`Claim` holds what the paper says (``statement``), what we check
(``precise``) and the claims it rests on (``uses``).  An :class:`Evidence` is a
runnable check of one claim; running it returns an :class:`EvidenceResult`.
Evidence is declared in the claim's own module (:mod:`kmrbf.claims`) through an
:class:`kmrbf.evidence.EvidenceList`; the verdict rule is :mod:`kmrbf.verdict`.

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
    checks the paper's own statement under an extra condition we identified (a
    parameter range, an implementation), used when the statement fails as given;
    a condition narrows the statement, it never swaps in a different algorithm;
``instead``
    checks what holds in place of a refuted statement (another algorithm or
    objective): reported beside the verdict, it never changes it.

Statuses
--------
``passed``, ``failed`` (with a counterexample), ``conditional`` (the statement
holds only under ``EvidenceResult.condition``), ``undecided`` (e.g. an ``arb``
comparison that could not decide), ``error`` (the evidence itself crashed),
``skipped`` (an optional backend is absent).
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..profiles import Profile

__all__ = [
    "KINDS",
    "ROLES",
    "STATUSES",
    "Kind",
    "Role",
    "Status",
    "Claim",
    "Evidence",
    "EvidenceResult",
    "RunContext",
    "Table",
    "source_hash",
]

Kind = Literal["symbolic", "property", "certified", "experiment"]
Role = Literal["paper", "sharper", "hypothesis", "condition", "instead"]
Status = Literal["passed", "failed", "conditional", "undecided", "error", "skipped"]

KINDS: tuple[str, ...] = ("symbolic", "property", "certified", "experiment")
ROLES: tuple[str, ...] = ("paper", "sharper", "hypothesis", "condition", "instead")
STATUSES: tuple[str, ...] = ("passed", "failed", "conditional", "undecided", "error", "skipped")


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
    uses : tuple of str
        Ids of the claims this one rests on (the paper's proof uses them); the
        catalog test checks every id exists.
    """

    id: str
    paper: str
    location: str
    title: str
    statement: str
    precise: str
    conventions: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()


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
    filled in by :func:`kmrbf.runner.run_evidence`).  ``version`` enters the cache key; by
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
            object.__setattr__(self, "version", source_hash(self.run))

    @property
    def key(self) -> str:
        return f"{self.claim_id}/{self.name}"


def source_hash(func: Callable[..., Any]) -> str:
    """First 16 hex digits of the SHA-256 of ``func``'s source (its qualified name if unavailable)."""
    try:
        src = inspect.getsource(func)
    except (OSError, TypeError):
        src = getattr(func, "__qualname__", repr(func))
    return hashlib.sha256(src.encode()).hexdigest()[:16]
