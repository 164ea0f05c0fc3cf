"""Evidence for KR-E12 (KR §3.2 eq. 12): softmax minimises the entropic functional."""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-E12")


EVIDENCE.derivation("softmax-minimiser", "paper", theory.kr_e12)
