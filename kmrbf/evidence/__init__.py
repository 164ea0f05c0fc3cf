"""What every claim module builds on: the data model, the ways to declare evidence, shared helpers.

=================================  ==========================================================================================
:mod:`~kmrbf.evidence.model`       ``Claim``, ``Evidence``, ``EvidenceResult``, ``RunContext``, ``Table``
:mod:`~kmrbf.evidence.collect`     ``EvidenceList``: a claim module's evidence, in order
:mod:`~kmrbf.evidence.property`    Hypothesis properties as evidence (``run_property``, ``Undecided``)
:mod:`~kmrbf.evidence.symbolic`    SymPy derivations of :mod:`kmrbf.theory` as evidence
:mod:`~kmrbf.evidence.strategies`  every Hypothesis strategy, with its documented ranges
:mod:`~kmrbf.evidence.roundoff`    float64 rounding bounds behind every tolerance
:mod:`~kmrbf.evidence.sigma`       σ ranges relative to a Lloyd fixed point's margin
:mod:`~kmrbf.evidence.concentration`  how close a softmax row is to its zero-temperature limit
:mod:`~kmrbf.evidence.datasets`    bundled scikit-learn data sets, standardised
:mod:`~kmrbf.evidence.vf_tables`   VF Tables 1/2 as published, the author-protocol 5-fold runner, the paired-fold rule
:mod:`~kmrbf.evidence.certificate` the arb certificates evidence writes (re-verified by :mod:`kmrbf.recheck`)
=================================  ==========================================================================================

Imports run one way: this package imports :mod:`kmrbf.numerics`, :mod:`kmrbf.theory`
and :mod:`kmrbf.profiles`, never :mod:`kmrbf.claims` or anything above it.
"""

from .collect import EvidenceList
from .model import (
    KINDS,
    ROLES,
    STATUSES,
    Claim,
    Evidence,
    EvidenceResult,
    RunContext,
    Table,
    source_hash,
)
from .property import Undecided, run_property

__all__ = [
    "KINDS", "ROLES", "STATUSES", "Claim", "Evidence", "EvidenceList", "EvidenceResult", "RunContext",
    "Table", "Undecided", "run_property", "source_hash",
]
