"""SymPy derivations of the papers' minimisers and identities (SymPy and mpmath only).

Each public builder returns a :class:`~kmrbf.theory.derivation.Derivation` whose
proof obligations are discharged by computation when it is ``run()``; each claim's
evidence module (:mod:`kmrbf.claims`) declares the derivations it rests on.

Examples
--------
>>> from kmrbf.theory import kr_l1
>>> kr_l1().run(seed=0, n_points=3).status
'passed'
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
    "Derivation", "DerivationResult",
    "kr_e12", "kr_s32", "kr_t1_limsup", "kr_t1_limsup_sharp", "kr_c1", "kr_l1", "kr_t2", "kr_t2_grad",
    "entmax15_jacobian", "entmax_one_hot",
    "vf_e4", "vf_e10", "vf_s34_anchor", "vf_fixed", "vf_fixed_sharp",
]

