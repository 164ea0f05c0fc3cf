"""The verdict rule: how the results of a claim's evidence become its verdict.

No verdict is ever written by hand: :func:`aggregate_verdict` computes it from
what the evidence reported when it ran (roles and statuses:
:mod:`kmrbf.evidence.model`).

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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .evidence.model import ROLES, Claim, EvidenceResult

__all__ = ["VERDICTS", "Verdict", "aggregate_verdict", "ClaimResult"]

Verdict = Literal["verified", "verified_sharper", "conditional", "refuted", "vacuous", "inconclusive"]
VERDICTS: tuple[str, ...] = (
    "verified", "verified_sharper", "conditional", "refuted", "vacuous", "inconclusive",
)


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
            "uses": list(self.claim.uses),
            "verdict": self.verdict,
            "condition": self.condition,
            "examples": self.examples,
            "seconds": self.seconds,
            "evidence": [r.to_dict() for r in self.results],
        }
