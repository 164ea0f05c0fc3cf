r"""Rigorous arbitrary-precision kernels (python-flint ``arb`` ball arithmetic).

Every function takes plain Python data — floats, ints, decimal strings,
:class:`fractions.Fraction`, ``flint.fmpq`` or ``mpmath.mpf`` scalars, lists
(or NumPy arrays) of them — and a ``prec`` keyword (bits), and returns
``flint.arb`` balls (or nested lists of them) that are guaranteed to contain
the exact value of the function *at the given inputs*.

Inputs are first converted **exactly** to rationals (a binary float is a
dyadic rational; a decimal string is parsed exactly), so squared distances
and logits :math:`z_{ik}=-d_{ik}/\sigma` are exact rationals and only
``exp``/``log``/``sqrt``/powers round, inside arb's error tracking.  Precision
is scoped with :meth:`flint.ctx.workprec`; the global context is never changed.
arb has an unbounded exponent range, so nothing underflows: ``exp(-1e10)`` is
an honest, tiny ball.

Conventions (SPEC §1): :math:`d_{ik}=\lVert x_i-\mu_k\rVert^2`, logits
:math:`z_{ik}=-d_{ik}/\sigma`; :math:`\alpha`-entmax
:math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`, :math:`\alpha=1` is softmax.

Modules
-------
:mod:`.convert`
    exact_rational, to_arb, arb_to_float, rel_error, abs_error (conversions, error measures)
:mod:`.activations`
    arb_log_sum_exp, arb_softmax, arb_entmax15, arb_entmax, arb_jvp (vector maps)
:mod:`.kmeans`
    exact_sq_distances, arb_responsibilities, arb_soft_centroids,
    arb_G_sigma, arb_W_sigma, arb_grad_W_sigma (clustering functionals and gradients)

All public names are re-exported here: ``from kmrbf.numerics.arb import arb_softmax``.

Examples
--------
>>> from kmrbf.numerics.arb import arb_softmax, arb_to_float
>>> p = arb_softmax([0.0, -1000.0], prec=128)
>>> arb_to_float(p[1])            # exp(-1000)/(1+exp(-1000)): no underflow in arb
0.0
>>> p[1] > 0 and p[1] < to_arb("1e-434")
True
>>> [round(arb_to_float(x), 15) for x in arb_entmax15([0.0, -0.4, -3.0])]
[0.64, 0.36, 0.0]
"""

from __future__ import annotations

from .activations import arb_entmax, arb_entmax15, arb_jvp, arb_log_sum_exp, arb_softmax
from .convert import (DEFAULT_PREC, abs_error, arb_to_float, exact_matrix, exact_rational, exact_vector, rel_error,
                      to_arb)
from .kmeans import (arb_G_sigma, arb_grad_W_sigma, arb_responsibilities, arb_soft_centroids,
                     arb_W_sigma, exact_sq_distances)

__all__ = [
    "DEFAULT_PREC",
    "exact_rational",
    "exact_vector",
    "exact_matrix",
    "to_arb",
    "arb_to_float",
    "arb_log_sum_exp",
    "arb_softmax",
    "arb_entmax15",
    "arb_entmax",
    "arb_jvp",
    "exact_sq_distances",
    "arb_responsibilities",
    "arb_soft_centroids",
    "arb_G_sigma",
    "arb_W_sigma",
    "arb_grad_W_sigma",
    "rel_error",
    "abs_error",
]
