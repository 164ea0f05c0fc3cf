"""Symbolic evidence: every derivation of :mod:`kmrbf.theory` registered on its claim.

The evidence status is the derivation's computed status (``passed`` when every
proof obligation is discharged, ``failed`` with the concrete counterexample of a
failing obligation, ``undecided`` when SymPy could not decide one); the LaTeX of
the derivation (statement, steps, obligations with their status) goes to
``EvidenceResult.latex``; ``examples`` counts obligations plus numeric spot checks.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable

from .. import theory
from ..registry import EvidenceResult, RunContext, register_evidence

__all__ = ["n_points_for", "derivation_evidence"]


def n_points_for(ctx: RunContext) -> int:
    """Random rational points per obligation: 5 at the ``ci`` scale, at least 3."""
    return max(3, round(5 * ctx.profile.scale))


def derivation_evidence(builder: Callable[[], theory.Derivation], ctx: RunContext) -> EvidenceResult:
    """Run one derivation and turn it into an :class:`EvidenceResult`."""
    res = builder().run(seed=ctx.profile.seed, n_points=n_points_for(ctx))
    # the LaTeX lists every obligation with its status; data keeps them machine-readable
    # (title, status and examples are already fields of the result)
    data = {"obligations": res.to_dict()["obligations"], **res.derivation.data}
    return EvidenceResult(
        status=res.status,
        examples=res.examples,
        counterexample=res.counterexample,
        summary=res.summary(),
        latex=res.to_latex(),
        data=data,
    )


_ENGINE = ("kmrbf.theory.derivation", "kmrbf.theory.obligations", "kmrbf.theory.spotcheck")
"""The modules of the derivation engine (the derivation, its obligations, the numeric spot checks)."""


def _version(builder: Callable[[], theory.Derivation]) -> str:
    """Cache key: the source of the builder's module and of the derivation engine."""
    src = "".join(inspect.getsource(sys.modules[m]) for m in (builder.__module__, *_ENGINE))
    return hashlib.sha256(src.encode()).hexdigest()[:16]


def _register(claim_id: str, name: str, role: str, builder: Callable[[], theory.Derivation]) -> None:
    def run(ctx: RunContext) -> EvidenceResult:
        return derivation_evidence(builder, ctx)

    run.__doc__ = (builder.__doc__ or "").strip().splitlines()[0]
    register_evidence(claim_id, kind="symbolic", name=name, role=role, version=_version(builder))(run)


for _claim_id, _entries in theory.DERIVATIONS.items():
    for _name, _role, _builder in _entries:
        _register(_claim_id, _name, _role, _builder)
