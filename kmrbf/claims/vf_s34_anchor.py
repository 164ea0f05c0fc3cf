"""Evidence for VF-S34-anchor (VF §3.4): does the KL term anchor memberships to the previous ones?"""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("VF-S34-anchor")


EVIDENCE.derivation("anchor-sign", "paper", theory.vf_s34_anchor)
