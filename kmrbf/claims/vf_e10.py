"""Evidence for VF-E10 (VF eq. 10): is the membership update the minimiser of the Lagrangian (eq. 8)?"""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("VF-E10")


EVIDENCE.derivation("stationarity-audit", "paper", theory.vf_e10)
