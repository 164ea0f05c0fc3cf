"""Declaring evidence: one :class:`EvidenceList` per claim module.

A claim's evidence lives in one module of :mod:`kmrbf.claims`, named after the
claim id (``KR-T3`` -> ``kmrbf/claims/kr_t3.py``).  The module builds a list::

    EVIDENCE = EvidenceList("KR-T3")

    @EVIDENCE.property("float64-bounds", strategies={...})
    def t3_float64(inst, t): ...            # a Hypothesis property

    @EVIDENCE.register(kind="certified", name="arb-certificates")
    def _t3_certified(ctx): ...             # any runnable check -> EvidenceResult

    EVIDENCE.derivation("softmax-minimiser", "paper", theory.kr_e12)   # a SymPy derivation

Nothing registers itself anywhere: :mod:`kmrbf.claims` imports the module named
after each catalog id, in catalog order, and reads its ``EVIDENCE``.  The order
of declaration is the order of the evidence in the report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from .certificate import recording
from .model import Evidence, EvidenceResult, Kind, Role, RunContext, source_hash
from .property import run_property
from .symbolic import derivation_evidence

__all__ = ["EvidenceList"]

Check = Callable[..., Any]
Runner = Callable[[RunContext], EvidenceResult]


class EvidenceList(Sequence[Evidence]):
    """The evidence of one claim, in declaration order.

    Parameters
    ----------
    claim_id : str
        The SPEC id of the claim every item of this list is evidence for.
    deviations : sequence of str
        Every choice the paper leaves open that this evidence makes (data sets,
        initialisations, grids, protocols), and every departure from the paper's
        protocol, each one sentence (LaTeX math in ``$...$`` allowed).  The report
        prints them under "Deviations and assumptions".

    Examples
    --------
    >>> ev = EvidenceList("KR-L1")
    >>> @ev.register(kind="experiment", name="demo")
    ... def _demo(ctx):
    ...     "A demonstration."
    ...     return EvidenceResult(status="passed", examples=1)
    >>> [(e.key, e.role, e.description) for e in ev]
    [('KR-L1/demo', 'paper', 'A demonstration.')]
    """

    def __init__(self, claim_id: str, *, deviations: Sequence[str] = ()) -> None:
        self.claim_id = claim_id
        self.deviations = tuple(deviations)
        self._items: list[Evidence] = []

    def __getitem__(self, i: Any) -> Any:
        return self._items[i]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Evidence]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"EvidenceList({self.claim_id!r}, {[e.name for e in self._items]})"

    def add(self, ev: Evidence) -> Evidence:
        """Append ``ev``; its claim id must be this list's and its name new."""
        if ev.claim_id != self.claim_id:
            raise ValueError(f"evidence {ev.key!r} is not for claim {self.claim_id!r}")
        if any(e.name == ev.name for e in self._items):
            raise ValueError(f"evidence {ev.key!r} is already declared")
        self._items.append(ev)
        return ev

    def register(self, *, kind: Kind, name: str, role: Role = "paper", description: str = "",
                 version: str = "") -> Callable[[Runner], Runner]:
        """Decorator: declare ``run(ctx) -> EvidenceResult`` as evidence; returns ``run`` unchanged.

        The description defaults to the first paragraph of ``run``'s docstring;
        ``version`` (cache key) defaults to a hash of ``run``'s source.
        """

        def deco(run: Runner) -> Runner:
            self.add(Evidence(self.claim_id, kind, name, role,
                              description or (run.__doc__ or "").strip(), run, version))
            return run

        return deco

    def property(self, name: str, *, strategies: Mapping[str, st.SearchStrategy[Any]],
                 role: Role = "paper", description: str = "", strategy_summary: str = "",
                 examples: Sequence[Mapping[str, Any]] = (), condition: str | None = None,
                 fraction: float | None = None, minimum: int = 5) -> Callable[[Check], Check]:
        """Decorator: declare ``check(**drawn)`` as a Hypothesis ``property`` evidence.

        Parameters
        ----------
        name, role, description
            As for :meth:`register`; the description defaults to the check's docstring.
        strategies : mapping
            Keyword strategies for ``check``.
        strategy_summary : str
            One sentence on what the strategies generate (printed in the report).
        examples : sequence of mappings
            Pinned regression examples (found counterexamples), run before the search.
        condition : str, optional
            For ``role="condition"``: the extra condition under which the claim holds.
        fraction : float, optional
            For properties whose single example is expensive (arb, multistart
            optimisation): run ``max(minimum, round(fraction * max_examples))``
            examples of the profile's ``max_examples``.
        minimum : int
            Lower bound on the scaled number of examples.

        Returns
        -------
        callable
            A decorator returning the undecorated ``check`` (tests may call it directly).
        """

        def deco(check: Check) -> Check:
            def run(ctx: RunContext) -> EvidenceResult:
                if fraction is not None:
                    scaled = max(minimum, round(fraction * ctx.profile.max_examples))
                    ctx = dataclasses.replace(
                        ctx, profile=dataclasses.replace(ctx.profile, max_examples=scaled))
                with recording(ctx, self.claim_id, name) as certs:   # what the check records (arb decisions)
                    res = run_property(check, strategies, ctx, examples=examples)
                if certs is not None and certs.entries:
                    res.data["certificates"] = certs.entries
                res.data["strategy"] = strategy_summary
                if fraction is not None:
                    res.data["max_examples"] = ctx.profile.max_examples
                res.condition = condition
                return res

            # the cache key follows the check's source, not this wrapper's
            self.register(kind="property", name=name, role=role,
                          description=description or (check.__doc__ or "").strip(),
                          version=source_hash(check))(run)
            return check

        return deco

    def derivation(self, name: str, role: Role, builder: Callable[[], Any]) -> Evidence:
        """Declare the SymPy derivation ``builder()`` (:mod:`kmrbf.theory`) as ``symbolic`` evidence."""

        def run(ctx: RunContext) -> EvidenceResult:
            return derivation_evidence(builder, ctx)

        description = ((builder.__doc__ or "").strip().splitlines() or [""])[0].strip()
        return self.add(Evidence(self.claim_id, "symbolic", name, role, description, run,
                                 source_hash(builder)))
