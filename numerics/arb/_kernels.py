r"""The kernel layer of :mod:`kmrbf.numerics.arb`: private helpers shared by its modules.

The precision check (:func:`_check_prec`) and the entmax Jacobian weights
(:func:`_jacobian_weights`).  Exact conversion lives in :mod:`.convert`.
Import rule: see :mod:`kmrbf.numerics._kernels` (underscore names are imported only from
a ``_kernels`` module).
"""

from __future__ import annotations


from flint import arb, fmpq

__all__: list[str] = []  # nothing public: a private layer, imported by name


def _check_prec(prec: int) -> None:
    if not isinstance(prec, int) or prec < 16:
        raise ValueError(f"prec={prec!r} must be an integer number of bits >= 16")


def _jacobian_weights(p: list[arb], a: fmpq) -> list[arb]:
    r""":math:`s_j=p_j^{2-\alpha}` on the support, 0 off it (:math:`s=p` for softmax); call inside ``workprec``."""
    if a == 1:
        return p
    e = arb(2 - a)
    return [arb(0) if x.is_zero() else (x.log() * e).exp() for x in p]
