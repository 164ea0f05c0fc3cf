r"""Evidence for VF-S34-anchor (VF §3.4): does the KL term anchor memberships to the previous ones?

``anchor-sign`` (paper, symbolic): the exponent on :math:`u^{prev}` at the paper's :math:`\lambda`s, the
update of a point with equal distances, and :math:`\partial_{\lambda_{kl}}\mathrm{KL}(u^{new}\Vert u^{prev})`,
each computed from eq. 10 as printed.  ``sign-and-proximal`` (instead, symbolic): the sign for every
:math:`\lambda_e>\lambda_{kl}`, and the proximal update, which does anchor.
"""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("VF-S34-anchor", deviations=(
    r"``Pulls towards $u^{prev}$'' is read as: the exponent on $u^{prev}$ in eq. 10 is positive, and with equal "
    r"distances (which isolate the KL term) the larger previous membership stays the larger; ``a higher "
    r"$\lambda_{kl}$ amplifies this anchoring'' as $\partial_{\lambda_{kl}}\mathrm{KL}(u^{new}\Vert u^{prev})<0$.",
    r"The pinned instance is $K=2$, $d_1=d_2$, $u^{prev}=(4/5,1/5)$, $\lambda_e=5$, $\lambda_{kl}=1/2$ (the paper's values).",
))


EVIDENCE.derivation("anchor-sign", "paper", theory.vf_s34_anchor)
EVIDENCE.derivation("sign-and-proximal", "instead", theory.vf_s34_anchor_instead)
