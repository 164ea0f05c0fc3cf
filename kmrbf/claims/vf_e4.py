"""Evidence for VF-E4 (VF §3.2 eq. 4): the centroid update minimises the free energy."""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("VF-E4")


EVIDENCE.derivation("centroid-minimiser", "paper", theory.vf_e4)
