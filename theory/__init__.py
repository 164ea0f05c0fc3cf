"""SymPy derivations of the papers' minimisers and identities (SymPy and mpmath only).

Each public builder returns a :class:`~kmrbf.theory.derivation.Derivation` whose
proof obligations are discharged by computation when it is ``run()``; the claim
evidence in :mod:`kmrbf.claims.symbolic` registers them on the SPEC claims.

Examples
--------
>>> from kmrbf.theory import DERIVATIONS
>>> sorted(DERIVATIONS)[:3]
['KR-C1', 'KR-E12', 'KR-L1']
"""

from .coercivity import kr_c1
from .derivation import Derivation, DerivationResult
from .entmax import entmax15_jacobian, entmax_one_hot
from .entropic import kr_e12, kr_s32
from .gradient import kr_l1, kr_t2, kr_t2_grad
from .limsup import kr_t1_limsup, kr_t1_limsup_sharp
from .vf_iteration import vf_fixed, vf_fixed_sharp
from .vfkm import vf_e4, vf_e10, vf_s34_anchor

__all__ = [
    "Derivation", "DerivationResult", "DERIVATIONS",
    "kr_e12", "kr_s32", "kr_t1_limsup", "kr_t1_limsup_sharp", "kr_c1", "kr_l1", "kr_t2", "kr_t2_grad",
    "entmax15_jacobian", "entmax_one_hot",
    "vf_e4", "vf_e10", "vf_s34_anchor", "vf_fixed", "vf_fixed_sharp",
]

DERIVATIONS = {
    # claim id: [(evidence name, role, builder), ...]
    "KR-E12": [("softmax-minimiser", "paper", kr_e12)],
    "KR-S32": [("zero-temperature-limits", "paper", kr_s32)],
    "KR-T1-limsup": [("recovery-sequence", "paper", kr_t1_limsup),
                     ("uniform-rate-lambert-w", "sharper", kr_t1_limsup_sharp)],
    "KR-C1": [("coercivity-witness", "hypothesis", kr_c1)],
    "KR-L1": [("gd-weighted-quadratic", "paper", kr_l1)],
    "KR-T2": [("kmeans-step", "paper", kr_t2)],
    "KR-T2-grad": [("gradient-identities", "paper", kr_t2_grad),
                   ("entmax15-jacobian", "paper", entmax15_jacobian)],
    "KR-T5": [("entmax-exact-one-hot", "sharper", entmax_one_hot)],
    "VF-E4": [("centroid-minimiser", "paper", vf_e4)],
    "VF-E10": [("stationarity-audit", "paper", vf_e10)],
    "VF-S34-anchor": [("anchor-sign", "paper", vf_s34_anchor)],
    "VF-fixed": [("fixed-centroid-iteration", "paper", vf_fixed),
                 ("convergence-condition-and-proximal", "sharper", vf_fixed_sharp)],
}
"""Which derivation backs which claim, in which role (consumed by :mod:`kmrbf.claims.symbolic`)."""
