"""Evidence for VF-fixed (derived): the membership update iterated with centroids fixed."""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("VF-fixed")


EVIDENCE.derivation("fixed-centroid-iteration", "paper", theory.vf_fixed)
EVIDENCE.derivation("convergence-condition-and-proximal", "sharper", theory.vf_fixed_sharp)
