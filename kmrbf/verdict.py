"""The verdict rule: how the results of a claim's evidence become its verdict.

No verdict is ever written by hand: :func:`aggregate_verdict` computes it from
what the evidence reported when it ran (roles and statuses:
:mod:`kmrbf.evidence.model`).  The rule is the table :data:`RULES`, first match
wins; README.md prints the same table (a test keeps them equal).  A verdict rests
on decided evidence: ``undecided`` (and ``skipped``) is never a pass and never a
counterexample.

Besides the verdict, :func:`testbed_errors` lists what went wrong with *our own*
statements: an evidence that crashed, and a failed ``sharper``, ``condition`` or
``instead`` evidence.  They never make a claim look better: a failed sharper
statement means the claim cannot be ``verified_sharper``; ``kmrbf check`` exits
non-zero and the report lists them under "Testbed errors".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .evidence.model import Claim, EvidenceResult

__all__ = ["VERDICTS", "Verdict", "RULES", "Rule", "aggregate_verdict", "testbed_errors", "rules_table",
           "ClaimResult", "WEAK_VERDICTS", "weak_support"]

Verdict = Literal["verified", "verified_sharper", "conditional", "refuted", "vacuous", "inconclusive"]
VERDICTS: tuple[str, ...] = (
    "verified", "verified_sharper", "conditional", "refuted", "vacuous", "inconclusive",
)

_DECIDED = ("passed", "failed", "conditional")


def _of(results: Sequence[EvidenceResult], role: str, *statuses: str) -> list[EvidenceResult]:
    return [r for r in results if r.role == role and (not statuses or r.status in statuses)]


@dataclass(frozen=True)
class Rule:
    """One row of the verdict table: when ``applies(results)``, the verdict is ``verdict``."""

    when: str
    verdict: Verdict
    applies: Callable[[Sequence[EvidenceResult]], bool]


RULES: tuple[Rule, ...] = (
    Rule("an evidence crashed (status `error`)", "inconclusive",
         lambda rs: any(r.status == "error" for r in rs)),
    Rule("a `hypothesis` evidence failed", "vacuous",
         lambda rs: bool(_of(rs, "hypothesis", "failed"))),
    Rule("a `paper` evidence failed, a `condition` evidence passed and none failed", "conditional",
         lambda rs: bool(_of(rs, "paper", "failed")) and bool(_of(rs, "condition", "passed"))
         and not _of(rs, "condition", "failed")),
    Rule("a `paper` evidence failed", "refuted",
         lambda rs: bool(_of(rs, "paper", "failed"))),
    Rule("a `paper` evidence is undecided or skipped", "inconclusive",
         lambda rs: bool(_of(rs, "paper", "undecided", "skipped"))),
    Rule("a `paper` evidence holds only under a condition", "conditional",
         lambda rs: bool(_of(rs, "paper", "conditional"))),
    Rule("no `paper` evidence", "inconclusive",
         lambda rs: not _of(rs, "paper")),
    Rule("every `paper` evidence passed, and every `sharper` one (at least one) passed", "verified_sharper",
         lambda rs: bool(_of(rs, "sharper")) and all(r.status == "passed" for r in _of(rs, "sharper"))),
    Rule("every `paper` evidence passed", "verified",
         lambda rs: True),
)
"""The verdict rule, first match wins.  ``instead`` evidence never enters it."""


def aggregate_verdict(results: Iterable[EvidenceResult]) -> tuple[Verdict, str | None]:
    """Compute a claim's verdict from its evidence results (the first rule of :data:`RULES` that applies).

    Parameters
    ----------
    results : iterable of EvidenceResult
        The claim's evidence results (their ``role`` and ``status`` decide).

    Returns
    -------
    verdict : str
        One of :data:`VERDICTS`.
    condition : str or None
        For ``conditional``: the conditions under which the statement holds, else ``None``.

    Examples
    --------
    >>> R = lambda status, role="paper", **kw: EvidenceResult(status=status, role=role, **kw)
    >>> aggregate_verdict([R("passed")])
    ('verified', None)
    >>> aggregate_verdict([R("passed"), R("passed", "sharper")])
    ('verified_sharper', None)
    >>> aggregate_verdict([R("passed"), R("passed", "sharper"), R("failed", "sharper")])
    ('verified', None)
    >>> aggregate_verdict([R("failed"), R("passed", "condition", condition="K = 1")])
    ('conditional', 'K = 1')
    >>> aggregate_verdict([R("failed"), R("passed", "instead")])
    ('refuted', None)
    >>> aggregate_verdict([R("failed", "hypothesis"), R("passed")])
    ('vacuous', None)
    >>> aggregate_verdict([R("passed"), R("undecided")])
    ('inconclusive', None)
    """
    results = list(results)
    rule = next(r for r in RULES if r.applies(results))
    if rule.verdict != "conditional":
        return rule.verdict, None
    conditions = [r.condition for r in _of(results, "condition", "passed") if r.condition]
    conditions += [r.condition for r in _of(results, "paper", "conditional") if r.condition]
    return rule.verdict, "; ".join(conditions) or None


def testbed_errors(results: Iterable[EvidenceResult]) -> list[str]:
    """What failed among our own checks: crashed evidence, failed ``sharper``/``condition``/``instead`` evidence.

    Parameters
    ----------
    results : iterable of EvidenceResult

    Returns
    -------
    list of str
        One line per problem, ``"<name> (<role>): <status>: <summary>"``.

    Examples
    --------
    >>> testbed_errors([EvidenceResult(status="failed", role="sharper", name="rate", summary="off by 2")])
    ['rate (sharper): failed: off by 2']
    """
    out = []
    for r in results:
        if r.status == "error" or (r.status == "failed" and r.role in ("sharper", "condition", "instead")):
            out.append(f"{r.name} ({r.role}): {r.status}: {r.summary}".rstrip(": "))
    return out


testbed_errors.__test__ = False  # not a pytest test, despite its name


def rules_table() -> str:
    """The verdict rule as the Markdown table README.md prints.

    Returns
    -------
    str
        ``| # | when (first match wins) | verdict |`` and one row per rule.
    """
    rows = ["| # | when (first match wins) | verdict |", "|---|---|---|"]
    rows += [f"| {i} | {r.when} | `{r.verdict}` |" for i, r in enumerate(RULES, 1)]
    return "\n".join(rows)


@dataclass
class ClaimResult:
    """A claim, the results of all its evidence, the computed verdict, and what the evidence module declares.

    ``deviations`` are the choices the paper leaves open that the evidence makes
    (declared by the claim module, printed under "Deviations and assumptions");
    ``testbed_errors`` are computed by :func:`testbed_errors`.
    """

    claim: Claim
    results: list[EvidenceResult]
    verdict: Verdict
    condition: str | None = None
    deviations: tuple[str, ...] = ()
    testbed_errors: list[str] = field(default_factory=list)

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
            "deviations": list(self.deviations),
            "testbed_errors": list(self.testbed_errors),
            "examples": self.examples,
            "seconds": self.seconds,
            "evidence": [r.to_dict() for r in self.results],
        }


#: verdicts a claim cannot safely rest on: the paper's statement fails, never applies, holds only
#: under a condition, or is not decided
WEAK_VERDICTS: tuple[str, ...] = ("refuted", "vacuous", "conditional", "inconclusive")


def weak_support(verdicts: Mapping[str, str], uses: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """For every claim, the claims it rests on -- directly or through others -- whose verdict is weak.

    Claim ``A`` rests on ``B`` when ``B`` is in ``uses[A]`` (the paper's proof of ``A`` uses ``B``),
    or ``A`` rests on a claim that rests on ``B``.  A weak verdict (:data:`WEAK_VERDICTS`) propagates
    along these edges, also through claims that are themselves verified: a verified consequence of
    a refuted lemma is flagged, its proof in the paper does not stand as written.  A used id whose
    verdict is not in ``verdicts`` (not run) propagates nothing.

    Parameters
    ----------
    verdicts : mapping
        Claim id -> computed verdict.
    uses : mapping
        Claim id -> the ids it uses (the catalog's ``uses``).

    Returns
    -------
    dict
        Claim id (every key of ``verdicts``) -> the weak claims it rests on, in the order of
        ``verdicts``; empty when it rests on none.

    Raises
    ------
    ValueError
        If ``uses`` has a cycle through the claims of ``verdicts``.

    Examples
    --------
    >>> v = {"L1": "refuted", "T2": "verified", "T3": "verified", "T4": "verified"}
    >>> weak_support(v, {"T2": ("L1",), "T3": ("T2",), "T4": ()})
    {'L1': (), 'T2': ('L1',), 'T3': ('L1',), 'T4': ()}
    """
    order = {cid: i for i, cid in enumerate(verdicts)}
    memo: dict[str, frozenset[str]] = {}

    def below(cid: str, path: tuple[str, ...]) -> frozenset[str]:
        if cid in path:
            raise ValueError(f"uses has a cycle: {' -> '.join(path[path.index(cid):] + (cid,))}")
        if cid not in memo:
            found: set[str] = set()
            for u in uses.get(cid, ()):
                if u not in verdicts:
                    continue
                if verdicts[u] in WEAK_VERDICTS:
                    found.add(u)
                found |= below(u, path + (cid,))
            memo[cid] = frozenset(found)
        return memo[cid]

    return {cid: tuple(sorted(below(cid, ()), key=order.__getitem__)) for cid in verdicts}
