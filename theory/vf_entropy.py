r"""The entropy term of the VF objective, with the sign as printed (VF §3.1, eq. 3/6).

VF minimises :math:`\mathcal L=\sum ud-\lambda_e\sum u\log u+\dots` and says (§3.1): "In a
minimization objective, this term inherently discourages confident (low-entropy)
assignments".  Per point the term is

.. math::

    E(u)=-\lambda_e\sum_ku_k\log u_k=\lambda_eH(u)\ \ge0,

zero at a one-hot :math:`u` and :math:`\lambda_e\log K` at the uniform one.  A minimised
term that discourages confident assignments must cost more at a confident :math:`u`
than at a spread one, be convex along the simplex and grow when :math:`u` moves from
the uniform point towards a vertex.

* :func:`vf_s31_entropy` (paper): those three requirements, computed for the term as
  printed;
* :func:`vf_s31_entropy_instead` (instead): the printed term is strictly concave
  (Hessian :math:`\operatorname{diag}(-\lambda_e/u)`); with the sign reversed,
  :math:`+\lambda_e\sum u\log u=\lambda_e(\mathrm{KL}(u\Vert\tfrac1K\mathbf 1)-\log K)` is strictly
  convex, minimised at the uniform assignment, and penalises one-hot ones by
  :math:`\lambda_e\log K`.

Conclusions are written from the discharged obligations (:mod:`kmrbf.theory.vfkm`).

Examples
--------
>>> vf_s31_entropy().run(n_points=2).status
'failed'
>>> vf_s31_entropy_instead().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation, DerivationResult
from .obligations import Identity, Sign
from .spotcheck import uniform_sampler
from .vfkm import K, _Concluded, _failed_names, _index_derivative, _num, _rel, _says, k, le, u, uj

__all__ = ["vf_s31_entropy", "vf_s31_entropy_instead"]

m = sp.Symbol("m", integer=True, nonnegative=True)  # K = m + 2 >= 2 clusters
q = sp.Symbol("q", positive=True)  # K = 2: u = (q, 1 - q), 0 < q < 1
s = sp.Symbol("s", positive=True)  # K = 2: u = (1/2 + s, 1/2 - s), 0 < s < 1/2


def _term(us, sign=-1):
    """:math:`\\mathrm{sign}\\cdot\\lambda_e\\sum_ku_k\\log u_k` with :math:`0\\log0=0` (a computed limit)."""
    x = sp.Symbol("x", positive=True)
    zero = sp.limit(x * sp.log(x), x, 0, "+")
    return sign * le * sum(zero if uu == 0 else uu * sp.log(uu) for uu in us)


def _one_hot_and_uniform(sign=-1):
    """The term at a one-hot and at the uniform membership of K = m + 2 clusters."""
    Kc = m + 2
    one_hot = _term([sp.Integer(1)], sign) + (Kc - 1) * _term([sp.Integer(0)], sign)
    uniform = sp.simplify(Kc * _term([1 / Kc], sign))
    return sp.simplify(one_hot), sp.expand_log(uniform, force=True)


ENT_VALUE = "the term costs more at a one-hot assignment than at the uniform one"
ENT_CONVEX = "the term is convex along the simplex (K=2)"
ENT_DIRECTION = "moving from the uniform assignment towards a vertex increases the term (K=2)"


@functools.lru_cache(maxsize=None)
def vf_s31_entropy() -> Derivation:
    r"""VF §3.1: does :math:`-\lambda_e\sum u\log u`, minimised, discourage confident (low-entropy) assignments?"""
    D = _Concluded(
        "VF-S31-entropy (paper): does the entropy term, as printed, discourage confident assignments?",
        r"VF §3.1: in the minimised objective $\mathcal L=\sum ud-\lambda_e\sum u\log u+\dots$ the term "
        r"$-\lambda_e\sum u\log u$ ``inherently discourages confident (low-entropy) assignments''.",
    )
    one_hot, uniform = _one_hot_and_uniform()
    D.step(r"The term at a one-hot and at the uniform membership of $K=m+2\ge2$ clusters ($0\log0=0$, a limit):",
           sp.Eq(sp.Tuple(sp.Symbol(r"E(e_1)"), sp.Symbol(r"E(\tfrac1K\mathbf 1)")), sp.Tuple(one_hot, uniform)))
    gap = sp.simplify(one_hot - uniform)
    D.oblige(Sign(ENT_VALUE, gap, ">", points=[{le: sp.Integer(5), m: sp.Integer(0)}, {le: sp.Integer(5), m: sp.Integer(1)}],
                  statement=r"E(e_1)-E(\tfrac1K\mathbf 1)>0\quad(K\ge2)"))
    e2 = _term([q, 1 - q])
    h2 = sp.simplify(sp.diff(e2, q, 2))
    D.step(r"$K=2$, $u=(q,1-q)$: curvature of the term along the simplex:", h2)
    h_half = sp.simplify(h2.subs({q: sp.Rational(1, 2), le: sp.Integer(5)}))
    D.oblige(Sign(ENT_CONVEX, h2, ">", points=[{q: sp.Rational(1, 2), le: sp.Integer(5)}],
                  sampler=uniform_sampler({q: (0, 1), le: (0, 10)}),
                  statement=r"\partial_q^2E(q,1-q)>0"))
    es = _term([sp.Rational(1, 2) + s, sp.Rational(1, 2) - s])
    slope = sp.simplify(sp.diff(es, s))
    D.step(r"$K=2$, $u=(\tfrac12+s,\tfrac12-s)$, $0<s<\tfrac12$ (from uniform towards $e_1$):", sp.Eq(sp.Symbol(r"\partial_sE"), slope))
    slope_pt = sp.simplify(slope.subs({s: sp.Rational(1, 4), le: sp.Integer(5)}))
    D.oblige(Sign(ENT_DIRECTION, slope, ">", points=[{s: sp.Rational(1, 4), le: sp.Integer(5)}],
                  sampler=uniform_sampler({s: (0, sp.Rational(1, 2)), le: (0, 10)}),
                  statement=r"\partial_sE(\tfrac12+s,\tfrac12-s)>0\ \text{for}\ 0<s<\tfrac12"))
    gap2 = sp.simplify(gap.subs({le: sp.Integer(5), m: sp.Integer(0)}))
    D.data = {"one_hot_minus_uniform": str(gap), "at_lambda_e_5_K_2": str(gap2),
              "curvature_at_q_half_lambda_e_5": str(h_half), "slope_at_s_quarter_lambda_e_5": str(sp.N(slope_pt, 15))}

    def conclude(res: DerivationResult) -> str:
        failed = [r.name for r in res.failed]
        return (rf"$E(e_1)-E(\tfrac1K\mathbf 1)={sp.latex(gap)}$ (${_num(gap2, 5)}{_rel(gap2, 0)}0$ at $\lambda_e=5,K=2$): the term "
                + _says(res, ENT_VALUE, "costs more at a confident assignment", "costs less at a confident assignment")
                + rf"; its curvature along the simplex is ${sp.latex(h2)}$ (${_num(h_half)}$ at $q=\tfrac12$, $\lambda_e=5$), "
                + _says(res, ENT_CONVEX, "convex", "concave")
                + rf"; moving from uniform towards a vertex its slope is ${sp.latex(slope)}$ (${_num(slope_pt, 5)}$ at $s=\tfrac14$) "
                + _says(res, ENT_DIRECTION, "so confidence is penalised. ", "so confidence is rewarded. ")
                + ("As a minimised term, $-\\lambda_e\\sum u\\log u$ therefore rewards confident (low-entropy) assignments "
                   "(failed: " + _failed_names(res) + ")." if failed else
                   "Every requirement of 'discourages confident assignments' holds."))

    D.conclude = conclude
    return D


def _reversed_term_kl(us):
    r"""Finding: :math:`\lambda_e\sum_ku_k\log u_k=\lambda_e(\mathrm{KL}(u\Vert\tfrac1K\mathbf 1)-\log K)`."""
    n = len(us)
    return le * (sum(uu * sp.log(uu * n) for uu in us) - sp.log(n))


ENTI_HESSIAN = "Hessian of the printed term is diag(-lambda e/u) (general K)"
ENTI_CONCAVE = "the printed term is strictly concave on the simplex"
ENTI_KL = "with the sign reversed: lambda e sum u log u = lambda e (KL(u || uniform) - log K) (K=3)"
ENTI_VALUE = "with the sign reversed, a one-hot assignment costs lambda e log K more than the uniform one"
ENTI_CURVATURE = "with the sign reversed the curvature along the simplex is lambda e/(q(1-q)) (K=2)"
ENTI_CONVEX = "with the sign reversed the term is strictly convex along the simplex (K=2)"


@functools.lru_cache(maxsize=None)
def vf_s31_entropy_instead() -> Derivation:
    r"""Our finding: the printed term is strictly concave; with the sign reversed it discourages confident assignments."""
    D = _Concluded(
        "VF-S31-entropy (instead): what the printed term does, and the sign that discourages confidence",
        r"$-\lambda_e\sum_ku_k\log u_k$ has Hessian $\operatorname{diag}(-\lambda_e/u)$: strictly concave, maximal at the "
        r"uniform assignment, minimal at the vertices. With the sign reversed, $\lambda_e\sum_ku_k\log u_k="
        r"\lambda_e(\mathrm{KL}(u\Vert\tfrac1K\mathbf 1)-\log K)$ is strictly convex and minimal at the uniform assignment.",
    )
    E = sp.Sum(-le * u[k] * sp.log(u[k]), (k, 1, K))
    hess = sp.diff(_index_derivative(E), uj)
    D.oblige(Identity(ENTI_HESSIAN, hess, -le / uj, sampler=uniform_sampler({uj: (0, 1), le: (0, 10)})))
    D.oblige(Sign(ENTI_CONCAVE, -le / uj, "<"))
    u1, u2 = sp.symbols("u_1 u_2", positive=True)
    u3 = [u1, u2, 1 - u1 - u2]
    D.oblige(Identity(ENTI_KL, _term(u3, +1), _reversed_term_kl(u3),
                      sampler=uniform_sampler({u1: (0, sp.Rational(1, 2)), u2: (0, sp.Rational(1, 2)), le: (0, 10)})))
    one_hot, uniform = _one_hot_and_uniform(sign=+1)
    gap = sp.simplify(one_hot - uniform)
    D.oblige(Sign(ENTI_VALUE, gap, ">", points=[{le: sp.Integer(5), m: sp.Integer(0)}]))
    h2 = sp.simplify(sp.diff(_term([q, 1 - q], +1), q, 2))
    r = sp.Symbol("r", positive=True)  # r = 1 - q
    D.oblige(Identity(ENTI_CURVATURE, h2, le / (q * (1 - q)), sampler=uniform_sampler({q: (0, 1), le: (0, 10)})))
    D.oblige(Sign(ENTI_CONVEX, le / (q * r), ">", statement=r"\lambda_e/(q(1-q))>0\ \text{for}\ 0<q<1"))

    def conclude(res: DerivationResult) -> str:
        return (_says(res, ENTI_CONCAVE, rf"The printed term has Hessian $\operatorname{{diag}}({sp.latex(-le / uj)})$: strictly "
                                         r"concave, so as a minimised term it drives $u$ to the vertices (one-hot). ",
                      "The printed term is not shown to be concave. ")
                + _says(res, ENTI_KL, r"With the sign reversed the term is $\lambda_e(\mathrm{KL}(u\Vert\tfrac1K\mathbf 1)-\log K)$, ",
                        "The reversed term is not shown to be a KL divergence, ")
                + _says(res, ENTI_CONVEX, rf"strictly convex (curvature ${sp.latex(h2)}$ along the simplex for $K=2$), ", "not shown convex, ")
                + _says(res, ENTI_VALUE, rf"and a one-hot assignment costs ${sp.latex(gap)}$ more than the uniform one: "
                                         r"that sign discourages confident assignments.", "."))

    D.conclude = conclude
    return D
