"""Symbolic evidence: a SymPy derivation of :mod:`kmrbf.theory` run as evidence.

The evidence status is the derivation's computed status (``passed`` when every
proof obligation is discharged, ``failed`` with the concrete counterexample of a
failing obligation, ``undecided`` when SymPy could not decide one); the LaTeX of
the derivation (statement, steps, obligations with their status) goes to
``EvidenceResult.latex``; ``examples`` counts obligations plus numeric spot checks.
Claim modules declare derivations with :meth:`kmrbf.evidence.EvidenceList.derivation`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import EvidenceResult, RunContext

__all__ = ["n_points_for", "derivation_evidence"]


def n_points_for(ctx: RunContext) -> int:
    """Random rational points per obligation: 5 at the ``ci`` scale, at least 3.

    Parameters
    ----------
    ctx : RunContext
        The run; its profile's ``scale`` sets the number.

    Returns
    -------
    int
        ``max(3, round(5 * scale))``.
    """
    return max(3, round(5 * ctx.profile.scale))


def derivation_evidence(builder: Callable[[], Any], ctx: RunContext) -> EvidenceResult:
    """Run the derivation ``builder()`` and turn it into an :class:`EvidenceResult`.

    Parameters
    ----------
    builder : callable
        Returns a :class:`kmrbf.theory.Derivation`.
    ctx : RunContext
        The run (seed and scale of the numeric spot checks).

    Returns
    -------
    EvidenceResult
        Status, counterexample and LaTeX of the derivation; ``data`` holds the obligations.
    """
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
