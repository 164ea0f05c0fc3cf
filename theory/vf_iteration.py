r"""Iterating the membership update of VF eq. 10 with the centroids fixed (VF §3.4).

With :math:`d` fixed, eq. 10 maps the previous memberships to
:math:`u^{(t+1)}_k\propto(u^{(t)}_k)^{-a}e^{-d_k/T}`, :math:`a=\lambda_{kl}/T`,
:math:`T=\lambda_e-\lambda_{kl}`.  For :math:`K=2` the log-ratio
:math:`\ell=\log(u_1/u_2)` evolves by the affine map

.. math::

    \ell^{+}=-a\,\ell-\frac{d_1-d_2}{T},

whose fixed point is :math:`\operatorname{softmax}(-d/\lambda_e)` and whose
slope decides convergence.  Derivations: :func:`vf_fixed` (the paper's
:math:`\lambda_e=5,\lambda_{kl}=\tfrac12`) and :func:`vf_fixed_sharp` (the exact convergence condition
:math:`\lambda_e>2\lambda_{kl}` and the consistent proximal update).  Symbols
and helpers come from :mod:`kmrbf.theory.vfkm`.

Examples
--------
>>> vf_fixed().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .obligations import Computed, Identity, Sign
from .spotcheck import uniform_sampler
from .vfkm import PAPER_LAMBDAS, K, T, Z, _index_derivative, _lam_sampler, d, j, k, le, lk, p, u, zeta

__all__ = ["vf_fixed", "vf_fixed_sharp"]


def _logratio_map(update_exponent, temperature):
    """K = 2: log-ratio l = log(u_1/u_2) after one update u_k ~ p_k^a e^{-d_k/temperature}."""
    d1, d2 = sp.symbols("d_1 d_2", real=True)
    l = sp.Symbol("ell", real=True)
    ps = [sp.exp(l) / (1 + sp.exp(l)), 1 / (1 + sp.exp(l))]  # previous memberships with log-ratio l
    w = [pp**update_exponent * sp.exp(-dd / temperature) for pp, dd in zip(ps, (d1, d2))]
    new_l = sp.log(w[0] / w[1])
    return d1, d2, l, new_l


@functools.lru_cache(maxsize=None)
def vf_fixed() -> Derivation:
    r"""Iterating eq. 10 with fixed centroids at the paper's lambdas: converges, to :math:`\mathrm{softmax}(-d/\lambda_e)`."""
    D = Derivation(
        "VF-fixed: iterating eq. 10 with centroids fixed",
        r"With $d$ fixed, $u^{(t+1)}_k\propto(u^{(t)}_k)^{-a}e^{-d_k/T}$, $a=\lambda_{kl}/T$, $T=\lambda_e-\lambda_{kl}$. "
        r"At $\lambda_e=5,\lambda_{kl}=\tfrac12$: does it converge, and to what?",
    )
    a = lk / T
    d1, d2, l, new_l = _logratio_map(-a, T)
    affine = -a * l - (d1 - d2) / T
    samp = _lam_sampler({d1: (-2, 2), d2: (-2, 2), l: (-3, 3)})
    D.step(r"In the log-ratio $\ell=\log(u_1/u_2)$ ($K=2$; each ratio $u_k/u_K$ behaves the same) the update is affine:",
           sp.Eq(sp.Symbol(r"\ell^{+}"), affine))
    D.oblige(Identity("log-ratio map of eq. 10", sp.expand_log(new_l, force=True), affine, sampler=samp,
                      numeric_lhs=new_l, statement=r"\ell^+=-\tfrac{\lambda_{kl}}{T}\ell-\tfrac{d_1-d_2}{T}"))
    fix = sp.solve(sp.Eq(l, affine), l)[0]
    D.step(r"Fixed point:", sp.Eq(sp.Symbol(r"\ell^*"), sp.simplify(fix)))
    D.oblige(Identity("fixed point is softmax(-d/lambda_e)", fix, -(d1 - d2) / le, sampler=samp,
                      statement=r"\ell^*=-(d_1-d_2)/\lambda_e\iff u^*=\operatorname{softmax}(-d/\lambda_e)"))
    D.oblige(Identity("the limit does not depend on lambda_kl", sp.diff(fix, lk), sp.Integer(0)))
    D.oblige(Sign("contraction at lambda_e=5, lambda_kl=1/2: 1 - |slope| > 0", (1 - sp.Abs(a)).subs(PAPER_LAMBDAS), ">",
                  points=[{}], statement=r"1-|\lambda_{kl}/T|=1-\tfrac19>0"))
    D.oblige(Identity("error map: ell+ - ell* = -a (ell - ell*)", affine - fix, -a * (l - fix), sampler=samp))
    D.data = {"slope_at_paper_lambdas": str((-a).subs(PAPER_LAMBDAS))}
    D.conclusion = (r"At the paper's $\lambda$s the log-ratio error is multiplied by $-\tfrac19$ per iteration: the iteration "
                    r"converges (oscillating) to $\operatorname{softmax}(-d/\lambda_e)$, a limit independent of $\lambda_{kl}$.")
    return D


@functools.lru_cache(maxsize=None)
def vf_fixed_sharp() -> Derivation:
    r"""Exact convergence condition of the eq.-10 iteration and the consistent proximal update."""
    D = Derivation(
        "VF-fixed (sharper): convergence condition and the consistent proximal update",
        r"For $\lambda_e>\lambda_{kl}>0$ the fixed-centroid iteration of eq. 10 converges iff $\lambda_e>2\lambda_{kl}$. "
        r"The proximal update $u\propto(u^{prev})^{b}e^{-d/(\lambda_e+\lambda_{kl})}$, $b=\lambda_{kl}/(\lambda_e+\lambda_{kl})$, "
        r"minimises $\sum ud+\lambda_e\sum u\log u+\lambda_{kl}\mathrm{KL}(u\Vert u^{prev})$ and converges for all "
        r"$\lambda_e>0,\lambda_{kl}\ge0$, monotonically, to the same $\operatorname{softmax}(-d/\lambda_e)$.",
    )
    rho = sp.Symbol("rho", positive=True)  # rho = lambda_kl / lambda_e in (0, 1)
    slope = rho / (1 - rho)
    D.oblige(Identity("slope in terms of rho = lambda_kl/lambda_e", (lk / (le - lk)).subs(lk, rho * le), slope))

    def cond():
        sol = sp.solve_univariate_inequality(sp.Abs(slope) < 1, rho, relational=False, domain=sp.Interval.open(0, 1))
        ok = sol == sp.Interval.open(0, sp.Rational(1, 2))
        return ok, f"|rho/(1-rho)| < 1 on (0,1) iff rho in {sol}", None if ok else f"solution set {sol}"

    D.oblige(Computed("eq. 10 iteration contracts iff lambda_e > 2 lambda_kl", r"|\lambda_{kl}/(\lambda_e-\lambda_{kl})|<1\iff"
                      r"\lambda_{kl}/\lambda_e<\tfrac12", cond, method="solve_univariate_inequality"))
    D.oblige(Identity("at lambda_e = 2 lambda_kl the slope is -1 (period-2 oscillation)", (-lk / (le - lk)).subs(le, 2 * lk),
                      sp.Integer(-1)))
    b = lk / (le + lk)
    d1, d2, l, new_l = _logratio_map(b, le + lk)
    affine = b * l - (d1 - d2) / (le + lk)
    samp = uniform_sampler({le: (0, 6), lk: (0, 6), d1: (-2, 2), d2: (-2, 2), l: (-3, 3)})
    D.oblige(Identity("log-ratio map of the proximal update", sp.expand_log(new_l, force=True), affine, sampler=samp,
                      numeric_lhs=new_l))
    fix = sp.solve(sp.Eq(l, affine), l)[0]
    D.oblige(Identity("proximal fixed point is softmax(-d/lambda_e)", fix, -(d1 - d2) / le, sampler=samp))
    D.oblige(Sign("proximal slope b >= 0 (monotone)", b, ">"))
    D.oblige(Sign("proximal slope b < 1 (always contracts)", 1 - b, ">", sampler=uniform_sampler({le: (0, 6), lk: (0, 6)})))
    # proximal update is the minimiser of the consistent objective (general K, per index)
    J = sp.Sum(u[k] * d[k] + le * u[k] * sp.log(u[k]) + lk * u[k] * sp.log(u[k] / p[k]), (k, 1, K)) - zeta * (
        sp.Sum(u[k], (k, 1, K)) - 1)
    gJ = _index_derivative(J)
    logu = b * sp.log(p[j]) - d[j] / (le + lk) - sp.log(Z)
    D.oblige(Identity("proximal update is stationary for the consistent objective", sp.simplify(gJ.subs(sp.log(u[j]), logu) + zeta),
                      le + lk - (le + lk) * sp.log(Z),
                      statement=r"\partial_{u_j}\mathcal J^{\rm prox}_i+\zeta=(\lambda_e+\lambda_{kl})(1-\log Z)\ \text{(independent of }j)"))
    D.oblige(Identity("its Hessian is diag((lambda_e + lambda_kl)/u)", sp.diff(gJ, u[j]), (le + lk) / u[j]))
    D.oblige(Sign("consistent objective strictly convex", (le + lk) / u[j], ">"))
    D.conclusion = (r"Eq. 10 iterated with fixed centroids converges iff $\lambda_e>2\lambda_{kl}$ (slope $-\lambda_{kl}/T$; "
                    r"period-2 at equality, divergent log-ratios beyond); the consistent proximal update always converges "
                    r"monotonically (slope $\lambda_{kl}/(\lambda_e+\lambda_{kl})\in[0,1)$). Both limits are "
                    r"$\operatorname{softmax}(-d/\lambda_e)$: with centroids fixed the KL term changes the path, not the limit.")
    return D
