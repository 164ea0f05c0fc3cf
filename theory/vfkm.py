r"""Audit of the membership and centroid updates of Variational Fuzzy K-Means (VF eqs. 3-10).

Per data point, with squared distances :math:`d_k`, previous memberships
:math:`p_k=u^{prev}_k` and :math:`T=\lambda_e-\lambda_{kl}`, the Lagrangian of VF
eq. 8 is

.. math::

    \mathcal L_i=\sum_ku_kd_k-\lambda_e\sum_ku_k\log u_k
      +\lambda_{kl}\sum_ku_k\log\frac{u_k}{p_k}-\zeta\Bigl(\sum_ku_k-1\Bigr),

and eq. 10 is :math:`u_k\propto p_k^{-\lambda_{kl}/T}e^{-d_k/T}`.

Each claim has a ``paper`` builder, whose obligations are the paper's own
statements and steps (nothing of ours can make them fail), and builders for our
own findings (role ``instead`` or ``sharper`` in the claim module), so that a slip
in a finding can never refute a paper claim:

* VF-E4: :func:`vf_e4` (paper: the weighted mean minimises :math:`\mathcal L` in
  :math:`\mu_k`), :func:`vf_e4_sharp` (sharper: the exact decrease
  :math:`\mathcal L_k(\mu)-\mathcal L_k(\hat\mu)=S\lVert\mu-\hat\mu\rVert^2`);
* VF-E10: :func:`vf_e10` (paper: each line of the paper's algebra, stationarity of
  eq. 10 for eq. 8, the second-order condition, a vertex comparison),
  :func:`vf_e10_stationary_point` (instead: the true stationary point of eq. 8 and
  its concavity), :func:`vf_e10_minimised_objective` (instead: the objective eq. 10
  does minimise);
* VF-S34-anchor: :func:`vf_s34_anchor` (paper: the exponent on :math:`u^{prev}` pulls,
  a larger :math:`\lambda_{kl}` anchors more), :func:`vf_s34_anchor_instead` (instead:
  the sign for every :math:`\lambda_e>\lambda_{kl}`, and the proximal update that does anchor).

No conclusion is typed in: every builder attaches a function that writes the
conclusion from the discharged obligations (their status) and the quantities the
builder computed (exponents, residuals, curvatures).  Iterating eq. 10 with the
centroids fixed is in :mod:`kmrbf.theory.vf_iteration`; the entropy term of §3.1 in
:mod:`kmrbf.theory.vf_entropy`.  Both share the symbols and helpers defined here.

Examples
--------
>>> vf_e10().run(n_points=2).status
'failed'
>>> vf_e10_minimised_objective().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import sympy as sp

from .derivation import Derivation, DerivationResult
from .obligations import Identity, Sign, tex_escape
from .spotcheck import uniform_sampler

__all__ = ["vf_e4", "vf_e4_sharp", "vf_e10", "vf_e10_stationary_point", "vf_e10_minimised_objective",
           "vf_s34_anchor", "vf_s34_anchor_instead", "PAPER_LAMBDAS"]

le, lk = sp.symbols("lambda_e lambda_kl", positive=True)
zeta = sp.Symbol("zeta", real=True)
k, j, K = sp.symbols("k j K", integer=True, positive=True)
u = sp.IndexedBase("u", positive=True)
p = sp.IndexedBase("p", positive=True)  # u^prev
d = sp.IndexedBase("d", real=True)
Z = sp.Symbol("Z", positive=True)
# one generic index j as plain symbols (numeric spot checks evaluate plain symbols only)
uj = sp.Symbol("u_j", positive=True)
pj = sp.Symbol("p_j", positive=True)
dj = sp.Symbol("d_j", real=True)
PAPER_LAMBDAS = {le: sp.Integer(5), lk: sp.Rational(1, 2)}
"""The paper's settings lambda_entropy = 5, lambda_kl = 0.5."""

T = le - lk


@dataclasses.dataclass
class _Concluded(Derivation):
    """A derivation whose conclusion is written, when it is run, from its discharged obligations."""

    conclude: Callable[[DerivationResult], str] | None = None

    def run(self, *, seed: int = 20260304, n_points: int = 5) -> DerivationResult:
        res = super().run(seed=seed, n_points=n_points)
        if self.conclude is None:
            return res
        return DerivationResult(dataclasses.replace(self, conclusion=self.conclude(res)), res.results)


def _says(res: DerivationResult, name: str, if_passed: str, if_failed: str) -> str:
    """``if_passed`` / ``if_failed`` by the status of obligation ``name`` (undecided said as such)."""
    status = res.by_name(name).status
    if status == "passed":
        return if_passed
    if status == "failed":
        return if_failed
    return rf"[undecided: {tex_escape(name)}]"


def _failed_names(res: DerivationResult, names: list[str] | None = None) -> str:
    """The failed obligations' names (all, or those among ``names``), comma-separated and TeX-escaped."""
    return ", ".join(tex_escape(r.name) for r in res.failed if names is None or r.name in names)


def _rel(x: sp.Expr, y: sp.Expr) -> str:
    """LaTeX relation between two real numbers, computed."""
    dx = sp.N(x - y, 30)
    return "<" if dx < 0 else ">" if dx > 0 else "="


def _num(x: sp.Expr, digits: int = 6) -> str:
    """LaTeX of a real number standing alone: exact, with its decimal value when not rational (decimal only if long)."""
    x = sp.nsimplify(x) if x.is_Float else x
    if x.is_Integer or x.is_Rational:
        return sp.latex(x)
    approx = sp.latex(sp.N(x, digits))
    exact = sp.latex(x)
    return rf"{exact}\approx{approx}" if len(exact) <= 40 else approx


def _val(x: sp.Expr, digits: int = 6) -> str:
    """LaTeX ``= value`` (or ``\\approx value`` when only the decimal is shown) to follow a symbol."""
    x = sp.nsimplify(x) if x.is_Float else x
    if x.is_Integer or x.is_Rational or len(sp.latex(x)) <= 40:
        return "=" + _num(x, digits)
    return r"\approx" + sp.latex(sp.N(x, digits))


def _plain(expr: sp.Expr) -> sp.Expr:
    """Indexed ``u[j], p[j], d[j]`` as the plain symbols ``u_j, p_j, d_j``."""
    return expr.subs({u[j]: uj, p[j]: pj, d[j]: dj})


def _lagrangian() -> sp.Expr:
    return (sp.Sum(u[k] * d[k] - le * u[k] * sp.log(u[k]) + lk * u[k] * sp.log(u[k] / p[k]), (k, 1, K))
            - zeta * (sp.Sum(u[k], (k, 1, K)) - 1))


def _index_derivative(expr: sp.Expr) -> sp.Expr:
    """:math:`\\partial/\\partial u_j` of an indexed sum over k, as an expression in plain ``u_j, p_j, d_j``."""
    g = sp.simplify(sp.diff(expr, u[j]).doit())
    if isinstance(g, sp.Piecewise):
        g = next(e for e, c in g.args if c != sp.true)
    return _plain(sp.expand(sp.expand_log(g, force=True)))


def _k2() -> tuple[sp.Symbol, sp.Symbol, sp.Symbol, list[sp.Expr]]:
    """K = 2 concrete symbols: distances, previous memberships."""
    d1, d2 = sp.symbols("d_1 d_2", real=True)
    p1 = sp.Symbol("p_1", positive=True)
    return d1, d2, p1, [p1, 1 - p1]


def _eq8_objective(us, ds, ps, lam_e=le, lam_kl=lk):
    return sum(uu * dd - lam_e * uu * sp.log(uu) + lam_kl * uu * sp.log(uu / pp) for uu, dd, pp in zip(us, ds, ps))


def _eq10(ds, ps, lam_e=le, lam_kl=lk):
    """VF eq. 10 as printed: :math:`u_k\\propto p_k^{-\\lambda_{kl}/T}e^{-d_k/T}`, normalised."""
    t = lam_e - lam_kl
    ws = [pp ** (-lam_kl / t) * sp.exp(-dd / t) for dd, pp in zip(ds, ps)]
    z = sum(ws)
    return [w / z for w in ws]


def _j_sampler(extra=None):
    """Sampler of the per-index symbols u_j, p_j, d_j, Z, zeta and lambda_e > lambda_kl > 0."""
    return _lam_sampler({uj: (0, 1), pj: (0, 1), dj: (-2, 2), Z: (sp.Rational(1, 2), 3), zeta: (-2, 2), **(extra or {})})


def _lam_sampler(extra):
    # lambda_e > lambda_kl > 0 (the regime in which eq. 10 is defined with T > 0)
    rng = {le: (2, 6), lk: (0, 1)}
    rng.update(extra)
    return uniform_sampler(rng)


# --------------------------------------------------------------------------------------------
# VF-E10
# --------------------------------------------------------------------------------------------

E10_DERIVATIVE = "the paper's derivative of eq. 8"
E10_REARRANGED = "the paper's rearranged line is the same equation"
E10_SOLVED = "the paper's solution for log u(j) solves its rearranged line"
E10_STATIONARY = "eq. 10 satisfies the stationarity of eq. 8 (K=2)"
E10_SECOND_ORDER = "second-order condition for a minimum at the paper's lambdas (5, 1/2)"
E10_VERTEX = "eq. 10 is no worse than the vertex (1, 0) (d=(0,1), uniform previous memberships)"


@functools.lru_cache(maxsize=None)
def vf_e10() -> Derivation:
    r"""VF eq. 10 against the paper's own algebra and the first- and second-order conditions of eq. 8.

    Every obligation is the paper's: its three lines of algebra (derivative,
    rearrangement, solution for :math:`\log u_j`), and what "eq. 10 minimises eq. 8"
    implies: stationarity (one multiplier for all :math:`k`, :math:`K=2`), a positive
    curvature along the simplex at :math:`\lambda_e=5,\lambda_{kl}=\tfrac12`, and a value
    no larger than at a vertex of the simplex.
    """
    D = _Concluded(
        "VF-E10 (paper): is eq. 10 the minimiser of the Lagrangian (eq. 8)?",
        r"VF §3.3-3.4: $u_{ik}\propto(u^{prev}_{ik})^{-\lambda_{kl}/(\lambda_e-\lambda_{kl})}e^{-d_{ik}/(\lambda_e-\lambda_{kl})}$ "
        r"(eq. 10) is the analytical solution that minimises eq. 8 for fixed centroids; the paper derives it in three lines.",
    )
    L = _lagrangian()
    D.step(r"Lagrangian of eq. 8 for one point (general $K$):", sp.Eq(sp.Symbol(r"\mathcal L_i"), L))
    g = _index_derivative(L)
    D.step(r"$\partial\mathcal L_i/\partial u_j$ computed by SymPy (generic index $j$):", g)
    paper1 = dj - le * (sp.log(uj) + 1) + lk * (sp.log(uj) - sp.log(pj) + 1) - zeta
    D.oblige(Identity(E10_DERIVATIVE, g, paper1,
                      statement=r"\partial_{u_j}\mathcal L_i=d_j-\lambda_e(\log u_j+1)+\lambda_{kl}(\log\tfrac{u_j}{p_j}+1)-\zeta"))
    lhs2 = (lk - le) * sp.log(uj)
    rhs2 = -dj + le - lk + lk * sp.log(pj) + zeta
    D.oblige(Identity(E10_REARRANGED, g, lhs2 - rhs2,
                      statement=r"\partial_{u_j}\mathcal L_i=(\lambda_{kl}-\lambda_e)\log u_j-"
                                r"\bigl(-d_j+\lambda_e-\lambda_{kl}+\lambda_{kl}\log p_j+\zeta\bigr)"))
    paper3 = -dj / T - 1 - lk * sp.log(pj) / T - zeta / T
    res3 = (lhs2 - rhs2).subs(sp.log(uj), paper3)
    res3_simpl = sp.simplify(res3)
    D.step(r"The paper's third line, $\log u_j=-\frac{d_j}{T}-1-\frac{\lambda_{kl}\log p_j}{T}-\frac{\zeta}{T}$ "
           r"($T=\lambda_e-\lambda_{kl}$), substituted into its second line leaves", res3_simpl)
    D.oblige(Identity(E10_SOLVED, res3, sp.Integer(0),
                      points=[{dj: sp.Integer(1), pj: sp.Rational(1, 2), zeta: sp.Integer(0), **PAPER_LAMBDAS}],
                      sampler=_lam_sampler({dj: (-2, 2), pj: (0, 1), zeta: (-2, 2)}),
                      statement=r"(\lambda_{kl}-\lambda_e)\log u_j-(-d_j+\lambda_e-\lambda_{kl}+\lambda_{kl}\log p_j+\zeta)=0"
                                r"\ \text{at the paper's}\ \log u_j"))
    # concrete K = 2: stationarity needs g_1 = g_2 (one multiplier zeta)
    d1, d2, p1, ps = _k2()
    u10 = _eq10([d1, d2], ps)
    gk = [dd - le * (sp.log(uu) + 1) + lk * (sp.log(uu / pp) + 1) for dd, uu, pp in zip([d1, d2], u10, ps)]
    cex = {d1: sp.Integer(0), d2: sp.Integer(1), p1: sp.Rational(1, 2), **PAPER_LAMBDAS}
    gap = sp.simplify((gk[0] - gk[1]).subs(cex))
    D.oblige(Identity(E10_STATIONARY, gk[0] - gk[1], sp.Integer(0),
                      points=[cex], sampler=_lam_sampler({d1: (-2, 2), d2: (-2, 2), p1: (0, 1)}),
                      statement=r"\partial_{u_1}\mathcal L_i=\partial_{u_2}\mathcal L_i\ \text{at eq. 10}"))
    # second-order condition on the simplex, K = 2, u = (q, 1 - q), computed directly from eq. 8
    q = sp.Symbol("q", positive=True)
    h2 = sp.simplify(sp.diff(_eq8_objective([q, 1 - q], [d1, d2], ps), q, 2))
    D.step(r"$K=2$, $u=(q,1-q)$: second derivative of eq. 8 along the simplex, computed by SymPy:", h2)
    h_half = sp.simplify(h2.subs(PAPER_LAMBDAS).subs(q, sp.Rational(1, 2)))
    D.oblige(Sign(E10_SECOND_ORDER, h2.subs(PAPER_LAMBDAS), ">",
                  points=[{q: sp.Rational(1, 2)}], sampler=uniform_sampler({q: (0, 1)}),
                  statement=r"\partial_q^2\mathcal L_i>0\ \text{at}\ \lambda_e=5,\lambda_{kl}=\tfrac12"))
    # eq. 10 versus a vertex of the simplex, paper's lambdas
    ucx = [x.subs(cex) for x in u10]
    val10 = sp.simplify(_eq8_objective(ucx, [0, 1], [sp.Rational(1, 2)] * 2, *PAPER_LAMBDAS.values()))
    # u = e_1: sum u d = d_1 = 0, 0 log 0 = 0 (a limit), KL = log(1/p_1)
    zero_log_zero = sp.limit(q * sp.log(q), q, 0, "+")
    vertex = 0 - PAPER_LAMBDAS[le] * zero_log_zero + PAPER_LAMBDAS[lk] * sp.log(2)
    D.oblige(Sign(E10_VERTEX, vertex - val10, ">=", points=[{}],
                  statement=r"\mathcal L_i(e_1)\ge\mathcal L_i(u^{\text{eq.}10})"))
    D.data = {"counterexample_point": {str(kk): str(v) for kk, v in cex.items()},
              "paper_step_residual": str(res3_simpl),
              "residual_difference_at_counterexample": str(gap),
              "curvature_at_q_half": str(h_half),
              "L_eq10": str(sp.N(val10, 15)), "L_vertex": str(sp.N(vertex, 15))}

    def conclude(res: DerivationResult) -> str:
        algebra = (_says(res, E10_DERIVATIVE, "The paper's derivative of eq. 8 is right", "The paper's derivative of eq. 8 is wrong")
                   + _says(res, E10_REARRANGED, " and its rearranged line is the same equation", " and its rearranged line is not")
                   + _says(res, E10_SOLVED, "; its solution for $\\log u_j$ solves that line. ",
                           f"; its solution for $\\log u_j$ does not: substituted back it leaves ${sp.latex(res3_simpl)}$. "))
        stat = _says(res, E10_STATIONARY, "Eq. 10 is stationary for eq. 8", "Eq. 10 is not stationary for eq. 8") + (
            rf" ($d=(0,1)$, $u^{{prev}}$ uniform: $\partial_{{u_1}}\mathcal L_i-\partial_{{u_2}}\mathcal L_i{_val(gap)}$). ")
        curv = (rf"The curvature of eq. 8 along the simplex at $q=\tfrac12$ and the paper's $\lambda$s is ${_num(h_half)}"
                rf"{_rel(h_half, 0)}0$" + _says(res, E10_SECOND_ORDER, ". ", ": the second-order condition for a minimum fails. "))
        vert = (rf"$\mathcal L_i(\text{{eq. 10}}){_val(val10)}$ {_rel(val10, vertex)} "
                rf"$\mathcal L_i(e_1){_val(vertex)}$. ")
        minimiser = [E10_STATIONARY, E10_SECOND_ORDER, E10_VERTEX]
        failed = [n for n in minimiser if res.by_name(n).status == "failed"]
        end = ("So eq. 10 is not the minimiser of eq. 8 (failed: " + _failed_names(res, failed) + ")." if failed
               else "Every consequence of 'eq. 10 minimises eq. 8' checked here holds.")
        return algebra + stat + curv + vert + end

    D.conclude = conclude
    return D


def _eq8_stationary_log() -> sp.Expr:
    r"""Finding: :math:`\log u^*_j=-\frac{\lambda_{kl}}{T}\log p_j+\frac{d_j}{T}-\log Z` is the stationary point of eq. 8."""
    return -lk / T * sp.log(pj) + dj / T - sp.log(Z)


def _eq10_log() -> sp.Expr:
    r"""Eq. 10 in logs: :math:`\log u_j=-\frac{\lambda_{kl}}{T}\log p_j-\frac{d_j}{T}-\log Z`."""
    return -lk / T * sp.log(pj) - dj / T - sp.log(Z)


E10I_STATIONARY = "the stationary point of eq. 8 is eq. 10 with the sign of d flipped"
E10I_RESIDUAL = "residual of eq. 10 in eq. 8 (general K)"
E10I_HESSIAN = "Hessian of eq. 8 is diag(-T/u), T = lambda e - lambda kl"
E10I_CONCAVE = "eq. 8 strictly concave when lambda e > lambda kl"
E10I_CURVATURE = "curvature along the simplex (K=2)"


@functools.lru_cache(maxsize=None)
def vf_e10_stationary_point() -> Derivation:
    r"""Our finding: the stationary point of eq. 8 is :math:`u_j\propto p_j^{-\lambda_{kl}/T}e^{+d_j/T}`, a maximum."""
    D = _Concluded(
        "VF-E10 (instead): the stationary point of eq. 8 and its nature",
        r"The stationary point of eq. 8 is $u_j\propto(u^{prev}_j)^{-\lambda_{kl}/T}e^{+d_j/T}$, $T=\lambda_e-\lambda_{kl}$ "
        r"(eq. 10 with the sign of $d$ flipped); at eq. 10 the residual is $2d_j+\mathrm{const}$; for $\lambda_e>\lambda_{kl}$ "
        r"eq. 8 is strictly concave, so its stationary point is its maximum on the simplex and its minimum lies on the boundary.",
    )
    L = _lagrangian()
    g = _index_derivative(L)
    ell = sp.Symbol(r"\ell_j", real=True)
    sol = sp.solve(sp.Eq(g.subs(sp.log(uj), ell), 0), ell)[0]
    D.step(r"Solving $\partial_{u_j}\mathcal L_i=0$ for $\ell_j=\log u_j$:", sp.Eq(ell, sp.simplify(sol)))
    def resid(lu):
        return sp.simplify(g.subs(sp.log(uj), lu) + zeta)  # the j-dependent part (zeta removed)

    r_star = resid(_eq8_stationary_log())
    D.oblige(Identity(E10I_STATIONARY, r_star, T * sp.log(Z) - T, sampler=_j_sampler(),
                      statement=r"\partial_{u_j}\mathcal L_i+\zeta\big|_{u^*}=T\log Z-T\ \text{(independent of }j\text{)}"))
    r10 = sp.expand(resid(_eq10_log()))
    D.step(r"At eq. 10 the residual depends on $j$:", r10)
    D.oblige(Identity(E10I_RESIDUAL, r10, 2 * dj + T * sp.log(Z) - T, sampler=_j_sampler(),
                      statement=r"\partial_{u_j}\mathcal L_i+\zeta\big|_{\text{eq. }10}=2d_j+T\log Z-T"))
    hess = sp.diff(g, uj)
    D.oblige(Identity(E10I_HESSIAN, hess, -T / uj, sampler=_j_sampler(),
                      statement=r"\partial^2_{u_j}\mathcal L_i=-(\lambda_e-\lambda_{kl})/u_j,\ \partial_{u_j}\partial_{u_k}\mathcal L_i=0"))
    Tp = sp.Symbol("T", positive=True)
    D.oblige(Sign(E10I_CONCAVE, -Tp / uj, "<", statement=r"-T/u_j<0\ \text{for}\ T=\lambda_e-\lambda_{kl}>0"))
    d1, d2, p1, ps = _k2()
    q = sp.Symbol("q", positive=True)
    h2 = sp.simplify(sp.diff(_eq8_objective([q, 1 - q], [d1, d2], ps), q, 2))
    D.oblige(Identity(E10I_CURVATURE, h2, (lk - le) / (q * (1 - q)), sampler=_lam_sampler({q: (0, 1)}),
                      statement=r"\partial_q^2\mathcal L_i=(\lambda_{kl}-\lambda_e)/(q(1-q))"))
    D.data = {"stationary_log_u": str(_eq8_stationary_log()), "eq10_residual": str(r10)}

    def conclude(res: DerivationResult) -> str:
        return (_says(res, E10I_STATIONARY, rf"The stationary point of eq. 8 is $\log u_j={sp.latex(_eq8_stationary_log())}$. ",
                      "The claimed stationary point of eq. 8 is wrong. ")
                + _says(res, E10I_RESIDUAL, rf"At eq. 10 the residual is ${sp.latex(r10)}$, which depends on $j$ through $d_j$. ",
                        "The residual of eq. 10 is not as stated. ")
                + _says(res, E10I_HESSIAN, rf"The Hessian of eq. 8 is $\operatorname{{diag}}({sp.latex(-T / uj)})$", "The Hessian is not as stated")
                + _says(res, E10I_CONCAVE, r", negative definite for $\lambda_e>\lambda_{kl}$: the stationary point is the maximum "
                                          r"of eq. 8 on the simplex and its minimum lies on the boundary.", "."))

    D.conclude = conclude
    return D


def _eq10_objective() -> sp.Expr:
    r"""Finding: eq. 10 minimises :math:`\sum_ku_kd_k+\lambda_e\sum_ku_k\log u_k-\lambda_{kl}\sum_ku_k\log(u_k/p_k)`."""
    return sp.Sum(u[k] * d[k] + le * u[k] * sp.log(u[k]) - lk * u[k] * sp.log(u[k] / p[k]), (k, 1, K))


E10M_STATIONARY = "eq. 10 is stationary for J"
E10M_HESSIAN = "Hessian of J is diag(T/u)"
E10M_CONVEX = "J strictly convex when lambda e > lambda kl"


@functools.lru_cache(maxsize=None)
def vf_e10_minimised_objective() -> Derivation:
    r"""Our finding: eq. 10 is the unique minimiser of eq. 8 with both regularisers' signs flipped."""
    D = _Concluded(
        "VF-E10 (instead): the objective eq. 10 does minimise",
        r"Eq. 10 is the unique minimiser on the simplex of "
        r"$\mathcal J_i=\sum_ku_kd_k+\lambda_e\sum_ku_k\log u_k-\lambda_{kl}\sum_ku_k\log(u_k/u^{prev}_k)$ "
        r"for $\lambda_e>\lambda_{kl}$ (eq. 8 with the entropy and KL signs flipped).",
    )
    J = _eq10_objective()
    D.step(r"The candidate objective:", sp.Eq(sp.Symbol(r"\mathcal J_i"), J))
    gJ = _index_derivative(J - zeta * (sp.Sum(u[k], (k, 1, K)) - 1))
    rJ = sp.simplify(gJ.subs(sp.log(uj), _eq10_log()) + zeta)
    D.oblige(Identity(E10M_STATIONARY, rJ, T - T * sp.log(Z), sampler=_j_sampler(),
                      statement=r"\partial_{u_j}\mathcal J_i+\zeta\big|_{\text{eq. }10}=T-T\log Z\ \text{(independent of }j\text{)}"))
    D.oblige(Identity(E10M_HESSIAN, sp.diff(gJ, uj), T / uj, sampler=_j_sampler()))
    Tp = sp.Symbol("T", positive=True)
    D.oblige(Sign(E10M_CONVEX, Tp / uj, ">", statement=r"(\lambda_e-\lambda_{kl})/u_j>0\ \text{for}\ \lambda_e>\lambda_{kl}"))

    def conclude(res: DerivationResult) -> str:
        ok = all(r.status == "passed" for r in res.results)
        if ok:
            return (rf"Eq. 10 is stationary for $\mathcal J_i={sp.latex(J)}$ and $\mathcal J_i$ is strictly convex for "
                    r"$\lambda_e>\lambda_{kl}$: eq. 10 is its unique minimiser on the simplex.")
        return "Eq. 10 is not shown to minimise $\\mathcal J_i$ (failed: " + _failed_names(res) + ")."

    D.conclude = conclude
    return D


# --------------------------------------------------------------------------------------------
# VF-S34-anchor
# --------------------------------------------------------------------------------------------

ANCHOR_EXPONENT = "the exponent on the previous memberships is positive (pull) at the paper's lambdas"
ANCHOR_KL = "KL(new || previous) decreases as lambda kl grows (at lambda kl = 1/2)"
ANCHOR_PULL = "the larger previous membership gets no smaller (pull)"

# K = 2, equal distances (they isolate the anchoring term), u_prev = (4/5, 1/5), lambda_e = 5
_ANCHOR_POINT_P1 = sp.Rational(4, 5)


@functools.lru_cache(maxsize=None)
def vf_s34_anchor() -> Derivation:
    r"""VF §3.4: does the KL term of eq. 10 pull the memberships towards :math:`u^{prev}`?

    The paper's statements, at its :math:`\lambda`s: the factor
    :math:`(u^{prev})^{-\lambda_{kl}/(\lambda_e-\lambda_{kl})}` "pulls the current assignments
    towards the previous ones" (exponent :math:`>0`; with equal distances the larger
    previous membership stays the larger), and "a higher :math:`\lambda_{kl}` amplifies this
    prior anchoring" (:math:`\mathrm{KL}(u^{new}\Vert u^{prev})` decreases in :math:`\lambda_{kl}`).
    """
    D = _Concluded(
        "VF-S34-anchor (paper): does eq. 10 pull towards the previous memberships?",
        r"VF §3.4: the factor $(u^{prev})^{-\lambda_{kl}/(\lambda_e-\lambda_{kl})}$ pulls $u$ towards $u^{prev}$; a larger "
        r"$\lambda_{kl}$ strengthens the anchoring.",
    )
    expo = -lk / (le - lk)
    expo_paper = sp.simplify(expo.subs(PAPER_LAMBDAS))
    D.step(r"Exponent on $u^{prev}$ in eq. 10:", expo)
    D.oblige(Sign(ANCHOR_EXPONENT, expo.subs(PAPER_LAMBDAS), ">", points=[{}],
                  statement=r"-\lambda_{kl}/(\lambda_e-\lambda_{kl})\big|_{\lambda_e=5,\,\lambda_{kl}=1/2}>0"))
    # KL(u_new || u_prev) as a function of lambda_kl; equal distances isolate the anchoring term
    d1, d2, p1, ps = _k2()
    unew = _eq10([d1, d2], ps)
    KL = sum(a * sp.log(a / b) for a, b in zip(unew, ps))
    pt = {d1: sp.Integer(0), d2: sp.Integer(0), p1: _ANCHOR_POINT_P1, le: PAPER_LAMBDAS[le]}
    D.step(r"$K=2$, equal distances, $u^{prev}=(4/5,1/5)$, $\lambda_e=5$: $u^{new}\propto(u^{prev})^{-\lambda_{kl}/(5-\lambda_{kl})}$.")
    dKL = sp.diff(KL, lk).subs(pt).subs(lk, PAPER_LAMBDAS[lk])
    D.oblige(Sign(ANCHOR_KL, dKL, "<", points=[{}],
                  statement=r"\partial_{\lambda_{kl}}\mathrm{KL}(u^{new}\Vert u^{prev})<0\ \text{at}\ \lambda_{kl}=\tfrac12"))
    unew_pt = [sp.simplify(x.subs(pt).subs(lk, PAPER_LAMBDAS[lk])) for x in unew]
    D.oblige(Sign(ANCHOR_PULL, unew_pt[0] - sp.Rational(1, 2), ">=", points=[{}],
                  statement=r"u^{new}_1\ge\tfrac12\ \text{when}\ u^{prev}_1=\tfrac45,\ d_1=d_2"))
    D.data = {"exponent_at_paper_lambdas": str(expo_paper),
              "dKL_dlambda_kl": str(sp.N(dKL, 15)),
              "u_new_equal_distances": [str(sp.N(x, 15)) for x in unew_pt]}

    def conclude(res: DerivationResult) -> str:
        return (rf"At $\lambda_e=5,\lambda_{{kl}}=\tfrac12$ the exponent on $u^{{prev}}$ is ${sp.latex(expo_paper)}"
                rf"{_rel(expo_paper, 0)}0$: eq. 10 "
                + _says(res, ANCHOR_EXPONENT, "pulls $u$ towards $u^{prev}$", "pushes $u$ away from $u^{prev}$")
                + rf"; with equal distances and $u^{{prev}}=(\tfrac45,\tfrac15)$ it gives $u^{{new}}_1{_val(unew_pt[0])}$ "
                + _says(res, ANCHOR_PULL, "(the larger previous membership stays the larger)",
                        "(the larger previous membership becomes the smaller)")
                + rf", and $\partial_{{\lambda_{{kl}}}}\mathrm{{KL}}(u^{{new}}\Vert u^{{prev}}){_val(dKL)}$: a larger $\lambda_{{kl}}$ "
                + _says(res, ANCHOR_KL, "anchors more.", "moves $u^{new}$ further from $u^{prev}$."))

    D.conclude = conclude
    return D


def _proximal_exponent() -> sp.Expr:
    r"""Finding: the consistent proximal update has exponent :math:`\lambda_{kl}/(\lambda_e+\lambda_{kl})` on :math:`u^{prev}`."""
    return lk / (le + lk)


ANCHORI_NEGATIVE = "the exponent of eq. 10 is negative whenever lambda e > lambda kl"
ANCHORI_PROX_RANGE_LO = "proximal exponent b > 0 (pull)"
ANCHORI_PROX_RANGE_HI = "proximal exponent b < 1 (a compromise between the previous memberships and the data)"
ANCHORI_KL_DERIV = "d/db KL(q(b) || previous) = (b-1) Var(log previous) under q(b) (K=2)"
ANCHORI_KL_SIGN = "KL(q(b) || previous) decreases in b on (0, 1)"
ANCHORI_B_GROWS = "b grows with lambda kl"


@functools.lru_cache(maxsize=None)
def vf_s34_anchor_instead() -> Derivation:
    r"""Our finding: eq. 10 pushes away for every :math:`\lambda_e>\lambda_{kl}`; the proximal update anchors."""
    D = _Concluded(
        "VF-S34-anchor (instead): the sign for every lambda e > lambda kl, and the update that does anchor",
        r"The exponent $-\lambda_{kl}/(\lambda_e-\lambda_{kl})$ of eq. 10 is negative whenever $\lambda_e>\lambda_{kl}$. The "
        r"proximal update $u\propto(u^{prev})^{b}e^{-d/(\lambda_e+\lambda_{kl})}$, $b=\lambda_{kl}/(\lambda_e+\lambda_{kl})\in(0,1)$, "
        r"pulls: with equal distances $\mathrm{KL}(u^{new}\Vert u^{prev})$ decreases as $\lambda_{kl}$ grows.",
    )
    Tp = sp.Symbol("T", positive=True)
    D.oblige(Sign(ANCHORI_NEGATIVE, -lk / Tp, "<", statement=r"-\lambda_{kl}/T<0\ (T=\lambda_e-\lambda_{kl}>0)"))
    b = _proximal_exponent()
    D.oblige(Sign(ANCHORI_PROX_RANGE_LO, b, ">"))
    D.oblige(Sign(ANCHORI_PROX_RANGE_HI, 1 - b, ">", sampler=uniform_sampler({le: (0, 6), lk: (0, 6)})))
    bs = sp.Symbol("b", positive=True)
    x1, x2 = sp.symbols("x_1 x_2", real=True)  # x_k = log u^prev_k
    w = [sp.exp(bs * x1), sp.exp(bs * x2)]
    qb = [v / sum(w) for v in w]
    KL = sum(a * (sp.log(a) - x) for a, x in zip(qb, (x1, x2)))
    var = qb[0] * qb[1] * (x1 - x2) ** 2
    D.step(r"With equal distances the proximal update is $q_b\propto(u^{prev})^b$; with $x_k=\log u^{prev}_k$:",
           sp.Eq(sp.Symbol(r"\mathrm{KL}(q_b\Vert u^{prev})"), KL))
    D.oblige(Identity(ANCHORI_KL_DERIV, sp.diff(KL, bs), (bs - 1) * var,
                      sampler=uniform_sampler({bs: (0, 1), x1: (-3, 0), x2: (-3, 0)})))
    c = sp.Symbol("c", positive=True)  # c = 1 - b
    D.oblige(Sign(ANCHORI_KL_SIGN, -c * var.subs(bs, 1 - c), "<=", statement=r"(b-1)\operatorname{Var}_{q_b}(\log u^{prev})\le0"))
    D.oblige(Sign(ANCHORI_B_GROWS, sp.diff(b, lk), ">"))

    def conclude(res: DerivationResult) -> str:
        return (_says(res, ANCHORI_NEGATIVE, r"The exponent of eq. 10 on $u^{prev}$ is negative for every $\lambda_e>\lambda_{kl}$: "
                                             r"no choice in the regime where eq. 10 is a softmax makes it pull. ",
                      "The exponent of eq. 10 is not negative throughout. ")
                + (rf"The proximal update's exponent $b={sp.latex(b)}$ lies in $(0,1)$"
                   if res.by_name(ANCHORI_PROX_RANGE_LO).status == res.by_name(ANCHORI_PROX_RANGE_HI).status == "passed"
                   else "The proximal exponent is not shown to lie in $(0,1)$")
                + _says(res, ANCHORI_KL_SIGN, r", $\mathrm{KL}(q_b\Vert u^{prev})$ decreases in $b$",
                        r", but $\mathrm{KL}(q_b\Vert u^{prev})$ is not shown to decrease in $b$")
                + _says(res, ANCHORI_B_GROWS, r" and $b$ grows with $\lambda_{kl}$: the proximal update anchors, more so for "
                                              r"larger $\lambda_{kl}$.", "."))

    D.conclude = conclude
    return D


# --------------------------------------------------------------------------------------------
# VF-E4
# --------------------------------------------------------------------------------------------

E4_GRADIENT = "gradient = 2(S mu - sum u x)"
E4_STATIONARY = "gradient vanishes at the weighted mean"
E4_SECOND = "second derivative = 2 S"
E4_CONVEX = "2 S > 0 (strictly convex)"
E4_REGULARISERS = "the entropy and KL terms do not depend on mu"


def _e4_symbols():
    i, n = sp.symbols("i n", integer=True, positive=True)
    w = sp.IndexedBase("u", positive=True)
    x = sp.IndexedBase("x", real=True)
    mu = sp.Symbol("mu", real=True)
    return i, n, w, x, mu


@functools.lru_cache(maxsize=None)
def vf_e4() -> Derivation:
    r"""VF eq. 4: the weighted mean minimises :math:`\mathcal L` in :math:`\mu_k` for fixed memberships."""
    i, n, w, x, mu = _e4_symbols()
    D = _Concluded("VF-E4 (paper): the centroid update minimises the free energy in M",
                   r"For fixed $u$, $\mu_k=\sum_iu_{ik}x_i/\sum_iu_{ik}$ minimises $\mathcal L$ in $\mu_k$ (the entropy and KL "
                   r"terms do not depend on $M$).")
    Lk = sp.Sum(w[i] * (x[i] - mu) ** 2, (i, 1, n))
    reg = sp.Sum(-le * w[i] * sp.log(w[i]) + lk * w[i] * sp.log(w[i] / p[i]), (i, 1, n))
    D.step(r"The $\mu_k$-dependent part of $\mathcal L$ (one coordinate; $\mathcal L$ is a sum over coordinates and clusters):",
           sp.Eq(sp.Symbol(r"\mathcal L_k"), Lk))
    D.oblige(Identity(E4_REGULARISERS, sp.diff(Lk + reg, mu).doit(), sp.diff(Lk, mu).doit()))
    grad = sp.factor_terms(sp.expand(sp.diff(Lk, mu)).doit())
    S, Tn = sp.Sum(w[i], (i, 1, n)), sp.Sum(w[i] * x[i], (i, 1, n))
    D.oblige(Identity(E4_GRADIENT, grad, 2 * (mu * S - Tn)))
    D.oblige(Identity(E4_STATIONARY, grad.subs(mu, Tn / S), sp.Integer(0)))
    second = sp.diff(Lk, mu, 2).doit()
    D.oblige(Identity(E4_SECOND, second, 2 * S))
    s = sp.Symbol("S", positive=True)
    D.oblige(Sign(E4_CONVEX, 2 * s, ">", statement=r"2\sum_iu_{ik}>0"))

    def conclude(res: DerivationResult) -> str:
        ok = all(r.status == "passed" for r in res.results)
        if ok:
            return (rf"$\partial_\mu\mathcal L_k={sp.latex(grad)}$ vanishes at the weighted mean and "
                    rf"$\partial^2_\mu\mathcal L_k={sp.latex(second)}>0$: eq. 4 is the unique minimiser in $\mu_k$.")
        return "Eq. 4 is not shown to minimise $\\mathcal L$ in $\\mu_k$ (failed: " + _failed_names(res) + ")."

    D.conclude = conclude
    return D


def _e4_decrease(S: sp.Expr, mu: sp.Expr, mu_hat: sp.Expr) -> sp.Expr:
    r"""Finding: :math:`\mathcal L_k(\mu)-\mathcal L_k(\hat\mu)=S(\mu-\hat\mu)^2`."""
    return S * (mu - mu_hat) ** 2


E4S_DECREASE = "L(mu) - L(mean) = S (mu - mean)**2 (general n)"
E4S_DECREASE_N3 = "L(mu) - L(mean) = S (mu - mean)**2 (n = 3, explicit)"


@functools.lru_cache(maxsize=None)
def vf_e4_sharp() -> Derivation:
    r"""Sharper: the exact decrease of eq. 4, :math:`\mathcal L_k(\mu)-\mathcal L_k(\hat\mu)=S\,(\mu-\hat\mu)^2`, :math:`S=\sum_iu_{ik}`."""
    i, n, w, x, mu = _e4_symbols()
    D = _Concluded("VF-E4 (sharper): the exact decrease of the centroid step",
                   r"For fixed $u$ and any $\mu$, $\mathcal L_k(\mu)-\mathcal L_k(\hat\mu)=S\lVert\mu-\hat\mu\rVert^2$ with "
                   r"$S=\sum_iu_{ik}$ and $\hat\mu$ the weighted mean (eq. 4): the step decreases $\mathcal L$ by exactly that much.")
    S, Tn = sp.Sum(w[i], (i, 1, n)), sp.Sum(w[i] * x[i], (i, 1, n))
    mu_hat = Tn / S

    def Lk(m):
        return sp.Sum(w[i] * (x[i] - m) ** 2, (i, 1, n))

    # each summand expanded, each sum split by linearity (SymPy), nothing else assumed
    gap = (Lk(mu) - Lk(mu_hat)).replace(lambda a: isinstance(a, sp.Sum),
                                        lambda a: sp.Sum(sp.expand(a.function), *a.limits).expand())
    D.step(r"$\mathcal L_k(\mu)-\mathcal L_k(\hat\mu)$, sums split by linearity:", gap)
    D.oblige(Identity(E4S_DECREASE, gap, _e4_decrease(S, mu, mu_hat)))
    us = [sp.Symbol(f"u_{ii}", positive=True) for ii in range(1, 4)]
    xs = [sp.Symbol(f"x_{ii}", real=True) for ii in range(1, 4)]
    s3, t3 = sum(us), sum(a * b for a, b in zip(us, xs))

    def L3(m):
        return sum(a * (b - m) ** 2 for a, b in zip(us, xs))

    D.oblige(Identity(E4S_DECREASE_N3, L3(mu) - L3(t3 / s3), _e4_decrease(s3, mu, t3 / s3),
                      sampler=uniform_sampler({**{a: (0, 2) for a in us}, **{b: (-3, 3) for b in xs}, mu: (-3, 3)})))

    def conclude(res: DerivationResult) -> str:
        if all(r.status == "passed" for r in res.results):
            decrease = sp.latex(_e4_decrease(sp.Symbol("S"), mu, sp.Symbol(r"\hat\mu")))
            return (rf"$\mathcal L_k(\mu)-\mathcal L_k(\hat\mu)={decrease}$ "
                    r"per coordinate: eq. 4 decreases $\mathcal L$ by exactly $\sum_iu_{ik}\lVert\mu_k-\hat\mu_k\rVert^2$, "
                    r"zero only when $\mu_k$ is already the weighted mean.")
        return "The exact decrease is not shown (failed: " + _failed_names(res) + ")."

    D.conclude = conclude
    return D
