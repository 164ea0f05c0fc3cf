r"""Audit of the membership and centroid updates of Variational Fuzzy K-Means (VF eqs. 3-10).

Per data point, with squared distances :math:`d_k`, previous memberships
:math:`p_k=u^{prev}_k` and :math:`T=\lambda_e-\lambda_{kl}`, the Lagrangian of VF
eq. 8 is

.. math::

    \mathcal L_i=\sum_ku_kd_k-\lambda_e\sum_ku_k\log u_k
      +\lambda_{kl}\sum_ku_k\log\frac{u_k}{p_k}-\zeta\Bigl(\sum_ku_k-1\Bigr),

and eq. 10 is :math:`u_k\propto p_k^{-\lambda_{kl}/T}e^{-d_k/T}`.  The exact
stationary point of eq. 8 is :math:`u_k\propto p_k^{-\lambda_{kl}/T}e^{+d_k/T}`
(the paper's step from :math:`\log u_k=(\dots)/(\lambda_{kl}-\lambda_e)` to the next
line flips the sign of :math:`d_k`); eq. 10 is instead the unique minimiser of
:math:`\sum_ku_kd_k+\lambda_e\sum_ku_k\log u_k-\lambda_{kl}\sum_ku_k\log(u_k/p_k)`
when :math:`\lambda_e>\lambda_{kl}`.

Derivations: :func:`vf_e10` (eq. 10 against the stationarity and second-order
conditions of eq. 8), :func:`vf_s34_anchor` (the sign of the exponent on
:math:`u^{prev}`) and :func:`vf_e4` (the centroid update).  Iterating eq. 10 with
the centroids fixed is in :mod:`kmrbf.theory.vf_iteration`, which shares the
symbols and helpers defined here.

Examples
--------
>>> vf_e10().run(n_points=2).status
'failed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .obligations import Identity, Sign
from .spotcheck import uniform_sampler

__all__ = ["vf_e4", "vf_e10", "vf_s34_anchor", "PAPER_LAMBDAS"]

le, lk = sp.symbols("lambda_e lambda_kl", positive=True)
zeta = sp.Symbol("zeta", real=True)
k, j, K = sp.symbols("k j K", integer=True, positive=True)
u = sp.IndexedBase("u", positive=True)
p = sp.IndexedBase("p", positive=True)  # u^prev
d = sp.IndexedBase("d", real=True)
Z = sp.Symbol("Z", positive=True)
PAPER_LAMBDAS = {le: sp.Integer(5), lk: sp.Rational(1, 2)}
"""The paper's settings lambda_entropy = 5, lambda_kl = 0.5."""

T = le - lk


def _lagrangian():
    return (sp.Sum(u[k] * d[k] - le * u[k] * sp.log(u[k]) + lk * u[k] * sp.log(u[k] / p[k]), (k, 1, K))
            - zeta * (sp.Sum(u[k], (k, 1, K)) - 1))


def _index_derivative(expr):
    g = sp.simplify(sp.diff(expr, u[j]).doit())
    if isinstance(g, sp.Piecewise):
        g = next(e for e, c in g.args if c != sp.true)
    return sp.expand(sp.expand_log(g, force=True))


def _k2():
    """K = 2 concrete symbols: distances, previous memberships."""
    d1, d2 = sp.symbols("d_1 d_2", real=True)
    p1 = sp.Symbol("p_1", positive=True)
    return d1, d2, p1, [p1, 1 - p1]


def _eq8_objective(us, ds, ps, lam_e=le, lam_kl=lk):
    return sum(uu * dd - lam_e * uu * sp.log(uu) + lam_kl * uu * sp.log(uu / pp) for uu, dd, pp in zip(us, ds, ps))


def _eq10(ds, ps, lam_e=le, lam_kl=lk):
    t = lam_e - lam_kl
    ws = [pp ** (-lam_kl / t) * sp.exp(-dd / t) for dd, pp in zip(ds, ps)]
    z = sum(ws)
    return [w / z for w in ws]


def _lam_sampler(extra):
    # lambda_e > lambda_kl > 0 (the regime in which eq. 10 is defined with T > 0)
    rng = {le: (2, 6), lk: (0, 1)}
    rng.update(extra)
    return uniform_sampler(rng)


@functools.lru_cache(maxsize=None)
def vf_e10() -> Derivation:
    r"""VF eq. 10 against the stationarity and second-order conditions of eq. 8."""
    D = Derivation(
        "VF-E10: is eq. 10 the minimiser of the Lagrangian (eq. 8)?",
        r"VF §3.4: $u_{ik}\propto(u^{prev}_{ik})^{-\lambda_{kl}/(\lambda_e-\lambda_{kl})}e^{-d_{ik}/(\lambda_e-\lambda_{kl})}$ "
        r"(eq. 10) is the analytical solution that minimises eq. 8 for fixed centroids.",
    )
    L = _lagrangian()
    D.step(r"Lagrangian of eq. 8 for one point (general $K$):", sp.Eq(sp.Symbol(r"\mathcal L_i"), L))
    g = _index_derivative(L)
    D.step(r"$\partial\mathcal L_i/\partial u_j$ (generic index $j$, $\partial u_k/\partial u_j=\delta_{jk}$):", g)
    paper_line = d[j] - le * (sp.log(u[j]) + 1) + lk * (sp.log(u[j]) - sp.log(p[j]) + 1) - zeta
    D.oblige(Identity("the paper's derivative of eq. 8 is right", g, paper_line,
                      statement=r"\partial_{u_j}\mathcal L_i=d_j-\lambda_e(\log u_j+1)+\lambda_{kl}(\log\tfrac{u_j}{p_j}+1)-\zeta"))
    logu = sp.Symbol(r"\ell_j")
    sol = sp.solve(sp.Eq(g.subs(sp.log(u[j]), logu), 0), logu)[0]
    D.step(r"Solving $\partial_{u_j}\mathcal L_i=0$ for $\ell_j=\log u_j$ (correct algebra):", sp.Eq(logu, sp.simplify(sol)))
    # correct stationary point u*_j = p_j^{-lk/T} e^{+d_j/T} / Z
    log_star = -lk / T * sp.log(p[j]) + d[j] / T - sp.log(Z)
    log_eq10 = -lk / T * sp.log(p[j]) - d[j] / T - sp.log(Z)
    g_of = lambda lu: g.subs(sp.log(u[j]), lu) + zeta  # noqa: E731  (the j-dependent part, zeta removed)
    D.step(r"At $\log u_j=-\frac{\lambda_{kl}}{T}\log p_j+\frac{d_j}{T}-\log Z$ ($T=\lambda_e-\lambda_{kl}$) the residual is",
           sp.simplify(g_of(log_star)))
    D.oblige(Identity("exact stationary point u* ~ p^{-lk/T} e^{+d/T}", sp.simplify(g_of(log_star)), T * sp.log(Z) - T,
                      statement=r"\partial_{u_j}\mathcal L_i+\zeta\big|_{u^*}=T\log Z-T\ \text{(independent of }j\text{)}"))
    res10 = sp.expand(g_of(log_eq10))
    D.step(r"At eq. 10 the residual depends on $j$:", res10)
    D.oblige(Identity("residual of eq. 10 (general K)", res10, 2 * d[j] + T * sp.log(Z) - T,
                      statement=r"\partial_{u_j}\mathcal L_i+\zeta\big|_{\text{eq. }10}=2d_j+T\log Z-T"))
    # concrete K = 2: stationarity needs g_1 = g_2 (one multiplier zeta)
    d1, d2, p1, ps = _k2()
    u10 = _eq10([d1, d2], ps)
    gk = [dd - le * (sp.log(uu) + 1) + lk * (sp.log(uu / pp) + 1) for dd, uu, pp in zip([d1, d2], u10, ps)]
    cex = {d1: sp.Integer(0), d2: sp.Integer(1), p1: sp.Rational(1, 2), **PAPER_LAMBDAS}
    D.oblige(Identity("eq. 10 satisfies the stationarity of eq. 8 (K=2)", gk[0] - gk[1], sp.Integer(0),
                      points=[cex], sampler=_lam_sampler({d1: (-2, 2), d2: (-2, 2), p1: (0, 1)}),
                      statement=r"\partial_{u_1}\mathcal L_i=\partial_{u_2}\mathcal L_i\ \text{at eq. 10}"))
    # second-order condition on the simplex, K = 2, u = (q, 1 - q)
    q = sp.Symbol("q", positive=True)
    f2 = _eq8_objective([q, 1 - q], [d1, d2], ps)
    h2 = sp.simplify(sp.diff(f2, q, 2))
    D.step(r"$K=2$, $u=(q,1-q)$: second derivative of eq. 8 along the simplex:", h2)
    D.oblige(Identity("curvature along the simplex", h2, (lk - le) / (q * (1 - q)),
                      statement=r"\partial_q^2\mathcal L_i=(\lambda_{kl}-\lambda_e)/(q(1-q))"))
    D.oblige(Sign("second-order condition for a minimum at lambda_e=5, lambda_kl=1/2", h2.subs(PAPER_LAMBDAS), ">",
                  points=[{q: sp.Rational(1, 2)}], sampler=uniform_sampler({q: (0, 1)}),
                  statement=r"\partial_q^2\mathcal L_i>0\ \text{at}\ \lambda_e=5,\lambda_{kl}=\tfrac12"))
    # eq. 10 versus a vertex of the simplex, paper's lambdas
    ucx = [x.subs(cex) for x in u10]
    val10 = _eq8_objective(ucx, [0, 1], [sp.Rational(1, 2)] * 2, *PAPER_LAMBDAS.values())
    vertex = 0 + PAPER_LAMBDAS[lk] * sp.log(2)  # u = e_1: sum u d = 0, u log u -> 0, KL = log(1/p_1)
    D.oblige(Sign("eq. 10 beats the vertex e_1 (d=(0,1), u_prev=(1/2,1/2))", vertex - val10, ">=", points=[{}],
                  statement=r"\mathcal L_i(e_1)\ge\mathcal L_i(u^{\text{eq.}10})"))
    # what eq. 10 does minimise
    J = sp.Sum(u[k] * d[k] + le * u[k] * sp.log(u[k]) - lk * u[k] * sp.log(u[k] / p[k]), (k, 1, K)) - zeta * (
        sp.Sum(u[k], (k, 1, K)) - 1)
    gJ = _index_derivative(J)
    D.step(r"Eq. 10 is the Gibbs form of the objective with both regularisers' signs flipped:",
           sp.Eq(sp.Symbol(r"\mathcal J_i"), J))
    D.oblige(Identity("eq. 10 is stationary for J", sp.simplify(gJ.subs(sp.log(u[j]), log_eq10) + zeta), T - T * sp.log(Z),
                      statement=r"\partial_{u_j}\mathcal J_i+\zeta\big|_{\text{eq. }10}=T-T\log Z\ \text{(independent of }j\text{)}"))
    Tp = sp.Symbol("T", positive=True)
    D.oblige(Identity("Hessian of J is diag((lambda_e - lambda_kl)/u)", sp.diff(gJ, u[j]), T / u[j]))
    D.oblige(Sign("J strictly convex when lambda_e > lambda_kl", Tp / u[j], ">",
                  statement=r"(\lambda_e-\lambda_{kl})/u_j>0\ \text{for}\ \lambda_e>\lambda_{kl}"))
    D.data = {"counterexample_point": {str(kk): str(v) for kk, v in cex.items()},
              "residual_difference_at_counterexample": str(sp.simplify((gk[0] - gk[1]).subs(cex))),
              "L_eq10": str(sp.N(val10, 15)), "L_vertex": str(sp.N(vertex, 15)),
              "objective_minimised_by_eq10": r"\sum_k u_kd_k+\lambda_e\sum_ku_k\log u_k-\lambda_{kl}\sum_ku_k\log(u_k/u^{prev}_k)"}
    D.conclusion = (
        r"The exact stationary point of eq. 8 is $u_k\propto(u^{prev}_k)^{-\lambda_{kl}/T}e^{+d_k/T}$, $T=\lambda_e-\lambda_{kl}$; "
        r"at eq. 10 the residual is $2d_j+\mathrm{const}$, so eq. 10 is stationary only when all $d_k$ are equal. For "
        r"$\lambda_e>\lambda_{kl}$ eq. 8 is strictly concave on the simplex (curvature $(\lambda_{kl}-\lambda_e)/(q(1-q))$): its "
        r"stationary point is a maximum and the minimum sits at a vertex. Eq. 10 is the unique minimiser of "
        r"$\mathcal J_i=\sum_ku_kd_k+\lambda_e\sum_ku_k\log u_k-\lambda_{kl}\sum_ku_k\log(u_k/u^{prev}_k)$ "
        r"(entropy and KL signs flipped; strictly convex for $\lambda_e>\lambda_{kl}$)."
    )
    return D


@functools.lru_cache(maxsize=None)
def vf_s34_anchor() -> Derivation:
    r"""VF §3.4: does the KL term of eq. 10 pull the memberships towards :math:`u^{prev}`?"""
    D = Derivation(
        "VF-S34-anchor: does eq. 10 pull towards the previous memberships?",
        r"VF §3.4: the KL term anchors $u$ to $u^{prev}$; a larger $\lambda_{kl}$ strengthens the anchoring.",
    )
    expo = -lk / (le - lk)
    D.step(r"Exponent on $u^{prev}$ in eq. 10:", expo)
    D.oblige(Sign("exponent on u_prev is positive (pull) at lambda_e=5, lambda_kl=1/2", expo.subs(PAPER_LAMBDAS), ">",
                  points=[{}], statement=r"-\lambda_{kl}/(\lambda_e-\lambda_{kl})\big|_{5,\,1/2}>0"))
    Tp = sp.Symbol("T", positive=True)
    D.oblige(Sign("exponent is negative whenever lambda_e > lambda_kl", -lk / Tp, "<",
                  statement=r"-\lambda_{kl}/T<0\ (T=\lambda_e-\lambda_{kl}>0)"))
    # KL(u_new || u_prev) as a function of lambda_kl; equal distances isolate the anchoring term
    d1, d2, p1, ps = _k2()
    unew = _eq10([d1, d2], ps)
    KL = sum(a * sp.log(a / b) for a, b in zip(unew, ps))
    dKL = sp.diff(KL, lk)
    pt = {d1: sp.Integer(0), d2: sp.Integer(0), p1: sp.Rational(4, 5), le: sp.Integer(5)}
    D.step(r"$K=2$, equal distances, $u^{prev}=(4/5,1/5)$, $\lambda_e=5$: $u^{new}\propto(u^{prev})^{-\lambda_{kl}/(5-\lambda_{kl})}$.")
    D.oblige(Sign("KL(u_new || u_prev) decreases as lambda_kl grows (at lambda_kl = 1/2)", dKL.subs(pt).subs(lk, sp.Rational(1, 2)),
                  "<", points=[{}],
                  statement=r"\partial_{\lambda_{kl}}\mathrm{KL}(u^{new}\Vert u^{prev})<0\ \text{at}\ \lambda_{kl}=\tfrac12"))
    unew_pt = [sp.nsimplify(x.subs(pt).subs(lk, sp.Rational(1, 2))) for x in unew]
    D.oblige(Sign("the larger previous membership gets no smaller (pull)", unew_pt[0] - sp.Rational(1, 2), ">=", points=[{}],
                  statement=r"u^{new}_1\ge\tfrac12\ \text{when}\ u^{prev}_1=\tfrac45,\ d_1=d_2"))
    D.data = {"exponent_at_paper_lambdas": str(expo.subs(PAPER_LAMBDAS)),
              "u_new_equal_distances": [str(sp.N(x, 15)) for x in unew_pt]}
    D.conclusion = (r"At $\lambda_e=5,\lambda_{kl}=\tfrac12$ the exponent is $" + sp.latex(expo.subs(PAPER_LAMBDAS))
                    + r"<0$: eq. 10 pushes $u$ away from $u^{prev}$ (with equal distances it moves the larger previous membership "
                      r"below $\tfrac12$), and a larger $\lambda_{kl}$ increases $\mathrm{KL}(u^{new}\Vert u^{prev})$.")
    return D


@functools.lru_cache(maxsize=None)
def vf_e4() -> Derivation:
    r"""VF eq. 4: the weighted mean minimises :math:`\mathcal L` in :math:`\mu_k` for fixed memberships."""
    i, n = sp.symbols("i n", integer=True, positive=True)
    w = sp.IndexedBase("u", positive=True)
    x = sp.IndexedBase("x", real=True)
    mu = sp.Symbol("mu", real=True)
    D = Derivation("VF-E4: the centroid update minimises the free energy in M",
                   r"For fixed $u$, $\mu_k=\sum_iu_{ik}x_i/\sum_iu_{ik}$ minimises $\mathcal L$ in $\mu_k$ (the entropy and KL "
                   r"terms do not depend on $M$).")
    Lk = sp.Sum(w[i] * (x[i] - mu) ** 2, (i, 1, n))
    D.step(r"The $\mu_k$-dependent part of $\mathcal L$ (one coordinate; separable):", sp.Eq(sp.Symbol(r"\mathcal L_k"), Lk))
    grad = sp.factor_terms(sp.expand(sp.diff(Lk, mu)).doit())
    S, Tn = sp.Sum(w[i], (i, 1, n)), sp.Sum(w[i] * x[i], (i, 1, n))
    D.oblige(Identity("gradient = 2(S mu - sum u x)", grad, 2 * (mu * S - Tn)))
    D.oblige(Identity("gradient vanishes at the weighted mean", grad.subs(mu, Tn / S), sp.Integer(0)))
    D.oblige(Identity("second derivative = 2 S", sp.diff(Lk, mu, 2).doit(), 2 * S))
    s = sp.Symbol("S", positive=True)
    D.oblige(Sign("2 S > 0 (strictly convex)", 2 * s, ">"))
    D.conclusion = r"Stationary at the weighted mean with curvature $2\sum_iu_{ik}>0$: eq. 4 is the unique minimiser in $\mu_k$."
    return D
