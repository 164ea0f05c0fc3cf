r"""Evidence for VF-E4 (VF §3.2 eq. 4): the centroid update minimises the free energy.

``centroid-minimiser`` (paper, symbolic): the entropy and KL terms do not depend on :math:`M`; the
gradient of :math:`\mathcal L_k=\sum_iu_{ik}\lVert x_i-\mu_k\rVert^2` vanishes at the weighted mean and its
curvature is :math:`2\sum_iu_{ik}>0`.  ``exact-decrease`` (sharper, symbolic): the step decreases
:math:`\mathcal L` by exactly :math:`\sum_iu_{ik}\lVert\mu_k-\hat\mu_k\rVert^2`.
"""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("VF-E4", deviations=(
    r"Eq. 4 divides by $\sum_iu_{ik}$; the check assumes it is positive (VF's memberships are, eq. 10 being a softmax).",
    r"$\mathcal L$ is a sum over clusters and coordinates of $\mu_k$; the derivation treats one coordinate of one "
    r"cluster, for a general number $n$ of points.",
))


EVIDENCE.derivation("centroid-minimiser", "paper", theory.vf_e4)
EVIDENCE.derivation("exact-decrease", "sharper", theory.vf_e4_sharp)
