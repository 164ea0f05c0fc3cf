r"""Evidence for VF-E10 (VF §3.3-3.4 eq. 10): is the membership update the minimiser of the Lagrangian (eq. 8)?

``paper-derivation-audit`` (paper, symbolic): the paper's three lines of algebra, and what "eq. 10
minimises eq. 8" implies (stationarity, second-order condition, a vertex comparison), each computed
from eq. 8 and eq. 10 as printed.  Our findings are separate, so that a slip in them cannot refute
the paper: ``eq8-stationary-point`` (instead: the true stationary point
:math:`u\propto(u^{prev})^{-\lambda_{kl}/T}e^{+d/T}`, a maximum) and ``objective-of-eq10`` (instead: the
objective eq. 10 does minimise).
"""

from __future__ import annotations

from .. import theory
from ..evidence import EvidenceList

__all__: list[str] = []

EVIDENCE = EvidenceList("VF-E10", deviations=(
    r"The paper's algebra and stationarity are checked for a general number $K$ of clusters; the stationarity "
    r"counterexample, the second-order condition and the vertex comparison at $K=2$ with $d=(0,1)$ and uniform "
    r"$u^{prev}$ (one instance of the paper's general statement suffices to refute it).",
    r"The paper's $\lambda_e=5$, $\lambda_{kl}=0.5$ are used where a value is needed; the algebra is checked for all "
    r"$\lambda_e>\lambda_{kl}>0$ (where eq. 10 is defined with a positive temperature).",
))


EVIDENCE.derivation("paper-derivation-audit", "paper", theory.vf_e10)
EVIDENCE.derivation("eq8-stationary-point", "instead", theory.vf_e10_stationary_point)
EVIDENCE.derivation("objective-of-eq10", "instead", theory.vf_e10_minimised_objective)
