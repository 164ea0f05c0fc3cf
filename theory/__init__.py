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
from .entmax import entmax15_jacobian, entmax_one_hot, entmax_one_hot_sharp
from .entmax_order import kr_s6_smooth_jacobian, kr_t4_rate_order
from .entropic import kr_e12, kr_s32
from .gradient import kr_l1, kr_l1_convention, kr_t2, kr_t2_convention, kr_t2_grad, kr_t2_grad_extra_bound
from .gw import kr_s32_gw
from .limsup import kr_t1_limsup, kr_t1_limsup_sharp
from .opcount import kr_s53_opcount
from .trajectory import kr_t2_traj_limits
from .vf_entropy import vf_s31_entropy, vf_s31_entropy_instead
from .vf_iteration import vf_s34_oscill, vf_s34_oscill_dynamics, vf_s34_oscill_proximal
from .vfkm import (vf_e4, vf_e4_sharp, vf_e10, vf_e10_minimised_objective, vf_e10_stationary_point, vf_s34_anchor,
                   vf_s34_anchor_instead)

__all__ = [
    "Derivation", "DerivationResult",
    "kr_e12", "kr_s32", "kr_t1_limsup", "kr_t1_limsup_sharp", "kr_c1", "kr_l1", "kr_t2", "kr_t2_grad",
    "entmax15_jacobian", "entmax_one_hot", "entmax_one_hot_sharp",
    "kr_l1_convention", "kr_t2_convention", "kr_t2_grad_extra_bound",
    "vf_e4", "vf_e4_sharp", "vf_e10", "vf_e10_stationary_point", "vf_e10_minimised_objective",
    "vf_s34_anchor", "vf_s34_anchor_instead", "vf_s34_oscill", "vf_s34_oscill_dynamics", "vf_s34_oscill_proximal",
    "vf_s31_entropy", "vf_s31_entropy_instead",
    "kr_s53_opcount", "kr_t4_rate_order", "kr_s6_smooth_jacobian", "kr_s32_gw", "kr_t2_traj_limits",
]

