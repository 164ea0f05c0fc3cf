r"""A derivation: a statement, its steps, and the proof obligations that decide it.

A :class:`Derivation` is a statement (LaTeX), a list of derivation steps (LaTeX,
rendered with :func:`sympy.latex`) and a list of proof obligations
(:mod:`kmrbf.theory.obligations`), each checked symbolically by SymPy and
numerically at 50 digits (:mod:`kmrbf.theory.spotcheck`).  :meth:`Derivation.run`
discharges every obligation with its own seeded generator and returns a
:class:`DerivationResult`: its status (``failed`` if any obligation failed, else
``undecided`` if any is, else ``passed``), the counterexamples of the failed
obligations, a one-line summary and the LaTeX rendering of the whole derivation.

Examples
--------
>>> import sympy as sp
>>> from kmrbf.theory.obligations import Identity
>>> x = sp.Symbol("x", real=True)
>>> D = Derivation("demo", "$x + x = 2x$").oblige(Identity("double", x + x, 2 * x))
>>> res = D.run(n_points=1)
>>> res.status, res.summary()
('passed', 'demo: 1/1 obligations passed')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .obligations import Obligation, ObligationResult, tex_escape
from .spotcheck import rng_for

__all__ = ["Derivation", "DerivationResult"]


@dataclass
class DerivationResult:
    """Discharged obligations of one derivation."""

    derivation: Derivation
    results: list[ObligationResult]

    @property
    def status(self) -> str:
        """``failed`` if any obligation failed, else ``undecided`` if any is, else ``passed``."""
        st = [r.status for r in self.results]
        if "failed" in st:
            return "failed"
        if "undecided" in st:
            return "undecided"
        return "passed"

    @property
    def failed(self) -> list[ObligationResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def examples(self) -> int:
        """Number of obligations plus numeric spot checks."""
        return len(self.results) + sum(r.numeric_checks for r in self.results)

    @property
    def counterexample(self) -> str | None:
        f = self.failed
        return "; ".join(f"[{r.name}] {r.counterexample}" for r in f if r.counterexample) or None

    def by_name(self, name: str) -> ObligationResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"no obligation named {name!r}; have {[r.name for r in self.results]}")

    def summary(self) -> str:
        n_ok = sum(r.status == "passed" for r in self.results)
        s = f"{self.derivation.title}: {n_ok}/{len(self.results)} obligations passed"
        if self.failed:
            s += "; failed: " + ", ".join(r.name for r in self.failed)
        und = [r.name for r in self.results if r.status == "undecided"]
        if und:
            s += "; undecided: " + ", ".join(und)
        if self.derivation.conclusion:
            s += ". " + self.derivation.conclusion
        return s

    def to_latex(self) -> str:
        d = self.derivation
        parts = [rf"\textbf{{{tex_escape(d.title)}.}}", rf"\textit{{Statement.}} {d.statement}"]
        if d.steps:
            parts.append(r"\begin{enumerate}")
            for text, math in d.steps:
                item = rf"\item {text}"
                if math:
                    item += rf" \[ {math} \]"
                parts.append(item)
            parts.append(r"\end{enumerate}")
        parts.append(r"\textit{Proof obligations.}")
        parts.append(r"\begin{itemize}")
        parts.extend(r.to_latex() for r in self.results)
        parts.append(r"\end{itemize}")
        if d.conclusion:
            parts.append(rf"\textit{{Conclusion.}} {d.conclusion}")
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.derivation.title, "status": self.status, "examples": self.examples,
                "obligations": [{"name": r.name, "status": r.status, "method": r.method,
                                 "numeric_checks": r.numeric_checks, "counterexample": r.counterexample,
                                 "detail": r.detail} for r in self.results]}


@dataclass
class Derivation:
    """A statement, its derivation steps, and the obligations that prove (or refute) it.

    ``steps`` is a list of ``(text, latex_math)`` pairs (``latex_math`` may be empty).
    ``conclusion`` is the computed conclusion in words/LaTeX (filled by the builder
    from computed quantities, never from the obligations' expected outcome).
    """

    title: str
    statement: str
    steps: list[tuple[str, str]] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    conclusion: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def step(self, text: str, math: Any = "") -> Derivation:
        """Append a step; ``math`` is a LaTeX string or a SymPy object (rendered with ``sympy.latex``)."""
        if not isinstance(math, str):
            math = sp.latex(math)
        self.steps.append((text, math))
        return self

    def oblige(self, *obs: Obligation) -> Derivation:
        self.obligations.extend(obs)
        return self

    def run(self, *, seed: int = 20260304, n_points: int = 5) -> DerivationResult:
        """Discharge every obligation (each with its own seeded generator)."""
        results = [ob.discharge(rng_for(f"{self.title}/{ob.name}", seed), n_points) for ob in self.obligations]
        return DerivationResult(self, results)
