r"""The entropic relaxation of K-means (KR eq. 12, §3.2).

Per data point (the functionals are sums over points, so every statement is per
point), with squared distances :math:`d_k` and temperature :math:`\sigma>0`:

.. math::

    F_\sigma(r) = \sum_k r_k d_k + \sigma\sum_k r_k\log r_k,\qquad
    G_\sigma = -\sigma\log\sum_k e^{-d_k/\sigma},\qquad
    W_\sigma = \sum_k r_k(\sigma) d_k .

Derivations: :func:`kr_e12` (the softmax is the unique minimiser of
:math:`F_\sigma` on the simplex, value :math:`G_\sigma`, :math:`W_\sigma-G_\sigma=\sigma H`) and
:func:`kr_s32` (the :math:`\sigma\to0^+` limits and the bounds
:math:`F_0-\sigma\log K\le G_\sigma\le F_0`, :math:`0\le\sigma H\le\sigma\log K`).
The Theorem 1 limsup derivations (:math:`W_\sigma\to F_0`, uniform rate and
the Lambert-W constant) are in :mod:`kmrbf.theory.limsup`; they share
:data:`sigma` and :func:`softmax_exprs` from here.

Examples
--------
>>> res = kr_e12().run(n_points=2)
>>> res.status
'passed'
"""

from __future__ import annotations

import functools
import random

import mpmath
import sympy as sp

from .derivation import Derivation
from .obligations import Identity, LimitIs, NumericCheck, Sign, nonneg_by_monotonicity
from .spotcheck import DPS, numeric_sign_check, uniform_sampler

__all__ = ["kr_e12", "kr_s32", "softmax_exprs"]

sigma = sp.Symbol("sigma", positive=True)
k, j, l, K = sp.symbols("k j l K", integer=True, positive=True)
d = sp.IndexedBase("d", real=True)
r = sp.IndexedBase("r", positive=True)
nu = sp.Symbol("nu", real=True)
Z = sp.Symbol("Z", positive=True)


def _dsyms(n: int) -> list[sp.Symbol]:
    return list(sp.symbols(f"d_1:{n + 1}", real=True))


def softmax_exprs(ds: list[sp.Expr], sigma: sp.Expr = sigma) -> list[sp.Expr]:
    r"""Softmax responsibilities :math:`e^{-d_k/\sigma}/\sum_j e^{-d_j/\sigma}` as SymPy expressions."""
    z = sum(sp.exp(-x / sigma) for x in ds)
    return [sp.exp(-x / sigma) / z for x in ds]


def _d_sampler(ds: list[sp.Symbol], extra: dict | None = None):
    rng = {x: (-3, 3) for x in ds}
    rng[sigma] = (sp.Rational(1, 4), 3)
    rng.update(extra or {})
    return uniform_sampler(rng)


def _simplex_min_numeric(n: int):
    """Numeric check: F at the softmax is <= F at random simplex points (50 digits)."""

    def numeric(rg: random.Random, npts: int) -> tuple[int, str | None]:
        checks = 0
        with mpmath.workdps(DPS):
            for _ in range(npts):
                dv = [mpmath.mpf(rg.randrange(-3000, 3000)) / 1000 for _ in range(n)]
                s = mpmath.mpf(rg.randrange(250, 3000)) / 1000
                z = mpmath.fsum(mpmath.exp(-x / s) for x in dv)
                rstar = [mpmath.exp(-x / s) / z for x in dv]
                f = lambda q: mpmath.fsum(qk * dk + s * qk * mpmath.log(qk) for qk, dk in zip(q, dv))  # noqa: E731
                fstar = f(rstar)
                if abs(fstar + s * mpmath.log(z)) > mpmath.mpf(10) ** -40 * (1 + abs(fstar)):
                    return checks + 1, f"d = {dv}, sigma = {s}: F(r*) = {fstar} != G = {-s * mpmath.log(z)}"
                for _ in range(10):
                    w = [mpmath.mpf(rg.randrange(1, 1000)) for _ in range(n)]
                    q = [x / mpmath.fsum(w) for x in w]
                    checks += 1
                    if f(q) < fstar:
                        return checks, f"d = {dv}, sigma = {s}: F({q}) = {f(q)} < F(r*) = {fstar}"
        return checks, None

    return numeric


@functools.lru_cache(maxsize=None)
def kr_e12() -> Derivation:
    r"""KR eq. 12: :math:`\arg\min_{r\in\Delta}F_\sigma(r)` is the softmax, unique, with value :math:`G_\sigma`."""
    D = Derivation(
        "KR-E12: softmax minimises the entropic functional",
        r"For $\sigma>0$ and any $d\in\mathbb R^K$, $\arg\min_{r\in\Delta^{K-1}}\sum_k r_kd_k+\sigma\sum_kr_k\log r_k"
        r"=\bigl(e^{-d_k/\sigma}/\sum_je^{-d_j/\sigma}\bigr)_k$, uniquely, with minimum $-\sigma\log\sum_ke^{-d_k/\sigma}=G_\sigma$.",
    )
    Lag = sp.Sum(r[k] * d[k] + sigma * r[k] * sp.log(r[k]), (k, 1, K)) + nu * (sp.Sum(r[k], (k, 1, K)) - 1)
    D.step(r"Lagrangian for one point (general $K$, indexed sums):", sp.Eq(sp.Symbol(r"\mathcal{L}"), Lag))
    grad_raw = sp.simplify(sp.diff(Lag, r[j]).doit())
    stat = next(e for e, c in grad_raw.args if c != sp.true) if isinstance(grad_raw, sp.Piecewise) else grad_raw
    D.step(r"Differentiate w.r.t. a generic $r_j$ ($\partial r_k/\partial r_j=\delta_{jk}$, $1\le j\le K$):",
           sp.Eq(sp.Derivative(sp.Symbol(r"\mathcal{L}"), r[j]), stat))
    sol_log = sp.solve(sp.Eq(stat, 0), r[j])
    D.step(r"Solve the stationarity equation for $r_j$:", sp.Eq(r[j], sol_log[0]))
    rstar_j = sp.exp(-d[j] / sigma) / Z
    nu_star = sigma * sp.log(Z) - sigma
    D.step(r"Normalisation $\sum_k r_k=1$ fixes $e^{-1-\nu/\sigma}=1/Z$, $Z=\sum_k e^{-d_k/\sigma}$:",
           sp.Eq(nu, nu_star))
    Zs = sp.Sum(sp.exp(-d[k] / sigma), (k, 1, K))
    d3 = _dsyms(3)
    sm3 = softmax_exprs(d3)
    z3 = sum(sp.exp(-x / sigma) for x in d3)
    samp3 = _d_sampler(d3)
    # general-K obligations; numeric stand-ins at K = 3 (d_j = d_1)
    D.oblige(Identity(
        "KKT stationarity (general K)", stat.subs({r[j]: rstar_j, nu: nu_star}), sp.Integer(0),
        statement=r"\partial_{r_j}\mathcal L\big|_{r_j=e^{-d_j/\sigma}/Z,\ \nu=\sigma\log Z-\sigma}=0",
        numeric_lhs=(d3[0] + sigma * sp.log(sm3[0]) + sigma + sigma * sp.log(z3) - sigma), numeric_rhs=sp.Integer(0),
        sampler=samp3))
    D.oblige(Identity(
        "normalisation (general K)", sp.Sum(sp.exp(-d[k] / sigma) / Z, (k, 1, K)).subs(Z, Zs), sp.Integer(1),
        statement=r"\sum_{k=1}^K e^{-d_k/\sigma}/Z=1", numeric_lhs=sum(sm3), numeric_rhs=sp.Integer(1), sampler=samp3))
    logr = -d[k] / sigma - sp.log(Z)
    Fstar = sp.Sum(sp.exp(-d[k] / sigma) / Z * (d[k] + sigma * logr), (k, 1, K))
    F3 = sum(q * x + sigma * q * sp.log(q) for q, x in zip(sm3, d3))
    D.oblige(Identity(
        "log of the softmax", sp.expand_log(sp.log(rstar_j), force=True), -d[j] / sigma - sp.log(Z),
        statement=r"\log r^*_j=-d_j/\sigma-\log Z"))
    D.oblige(Identity(
        "minimum value is G (general K)", Fstar.subs(Z, Zs), -sigma * sp.log(Zs),
        statement=r"F_\sigma(r^*)=-\sigma\log\sum_{k=1}^Ke^{-d_k/\sigma}=G_\sigma",
        numeric_lhs=F3, numeric_rhs=-sigma * sp.log(z3), sampler=samp3))
    hess = sp.diff(stat, r[l])
    D.step(r"Second derivatives (general $K$):", sp.Eq(sp.Derivative(sp.Symbol(r"\mathcal{L}"), r[j], r[l]), hess))
    D.oblige(Identity("Hessian is diag(sigma/r) (general K)", hess, sigma * sp.KroneckerDelta(j, l) / r[j],
                      statement=r"\partial^2_{r_jr_l}\mathcal L=\sigma\,\delta_{jl}/r_j"))
    D.oblige(Sign("Hessian diagonal positive", sigma / r[j], ">",
                  statement=r"\sigma/r_j>0\ (r_j>0,\sigma>0)\Rightarrow \operatorname{diag}(\sigma/r)\succ0,"
                            r"\ F_\sigma\ \text{strictly convex on}\ \Delta^{K-1}"))
    # concrete K = 2 (parametrise r = (p, 1 - p)) and K = 3
    p = sp.Symbol("p", positive=True)
    d2 = _dsyms(2)
    F2 = p * d2[0] + (1 - p) * d2[1] + sigma * (p * sp.log(p) + (1 - p) * sp.log(1 - p))
    sol2 = sp.solve(sp.diff(F2, p), p)
    D.step(r"$K=2$, $r=(p,1-p)$: $\partial_pF=0$ gives", sp.Eq(p, sol2[0]))
    sm2 = softmax_exprs(d2)
    samp2 = _d_sampler(d2)
    D.oblige(Identity("K=2: stationary point is the softmax", sol2[0], sm2[0], sampler=samp2))
    D.oblige(Identity("K=2: second derivative", sp.diff(F2, p, 2), sigma / (p * (1 - p)),
                      statement=r"\partial_p^2F=\sigma/(p(1-p))>0\ \text{on}\ (0,1)"))
    D.oblige(Identity("K=2: minimum value is G", F2.subs(p, sm2[0]), -sigma * sp.log(sum(sp.exp(-x / sigma) for x in d2)),
                      sampler=samp2))
    r1, r2 = sp.symbols("r_1 r_2", positive=True)
    F3p = r1 * d3[0] + r2 * d3[1] + (1 - r1 - r2) * d3[2] + sigma * (
        r1 * sp.log(r1) + r2 * sp.log(r2) + (1 - r1 - r2) * sp.log(1 - r1 - r2))
    sub3 = {r1: sm3[0], r2: sm3[1]}
    for v in (r1, r2):
        D.oblige(Identity(f"K=3: dF/d{v} = 0 at the softmax", sp.diff(F3p, v).subs(sub3), sp.Integer(0), sampler=samp3))
    H3 = sp.hessian(F3p, (r1, r2))
    r3 = 1 - r1 - r2
    D.step(r"$K=3$, $r=(r_1,r_2,1-r_1-r_2)$: reduced Hessian", H3)
    D.oblige(Identity("K=3: det of reduced Hessian", sp.factor(H3.det()), sigma**2 / (r1 * r2 * r3),
                      statement=r"\det H=\sigma^2/(r_1r_2r_3)>0,\ \operatorname{tr}H>0\Rightarrow H\succ0"))
    r3s = sp.Symbol("r_3", positive=True)
    D.oblige(Sign("K=3: trace of reduced Hessian", H3.subs(1 - r1 - r2, r3s).trace(), ">"))
    D.oblige(NumericCheck("numeric minimality on the simplex (K=3)",
                          r"F_\sigma(r^*)=G_\sigma\le F_\sigma(q)\ \text{at random}\ q\in\Delta^2",
                          _simplex_min_numeric(3)))
    D.conclusion = (r"The stationary point is the softmax for every $K$; $\operatorname{diag}(\sigma/r)\succ0$ makes it the unique "
                    r"minimiser; its value is $G_\sigma$ (the identity $W_\sigma-G_\sigma=\sigma H$ belongs to KR-S32).")
    return D


def _w_minus_g_identity() -> Identity:
    r""":math:`W_\sigma-G_\sigma=\sigma H(r)` per point, general :math:`K` (indexed sums), numeric stand-in at :math:`K=3`."""
    logr = -d[k] / sigma - sp.log(Z)
    Zs = sp.Sum(sp.exp(-d[k] / sigma), (k, 1, K))
    Hsum = -sp.Sum(sp.exp(-d[k] / sigma) / Z * logr, (k, 1, K))
    Wsum = sp.Sum(sp.exp(-d[k] / sigma) / Z * d[k], (k, 1, K))
    d3 = _dsyms(3)
    sm3 = softmax_exprs(d3)
    z3 = sum(sp.exp(-x / sigma) for x in d3)
    W3 = sum(q * x for q, x in zip(sm3, d3))
    H3e = -sum(q * sp.log(q) for q in sm3)
    return Identity("W - G = sigma H (general K)", (Wsum + sigma * sp.log(Z)).subs(Z, Zs), (sigma * Hsum).subs(Z, Zs),
                    statement=r"W_\sigma-G_\sigma=\sigma H(r),\ H(r)=-\sum_kr_k\log r_k",
                    numeric_lhs=W3 + sigma * sp.log(z3), numeric_rhs=sigma * H3e, sampler=_d_sampler(d3))


@functools.lru_cache(maxsize=None)
def kr_s32() -> Derivation:
    r"""KR §3.2: :math:`\sigma\to0^+` limits of responsibilities, :math:`G_\sigma` and :math:`\sigma H`."""
    D = Derivation(
        "KR-S32: zero-temperature limit of the entropic relaxation",
        r"As $\sigma\to0^+$, $r(\sigma)\to$ uniform on $\arg\min_kd_k$; $d_{(1)}-\sigma\log K\le G_\sigma\le d_{(1)}$ per point; "
        r"$0\le W_\sigma-G_\sigma=\sigma H(r)\le\sigma\log K$.",
    )
    a = sp.Symbol("a", real=True)
    t2, t3 = sp.symbols("t_2 t_3", positive=True)
    x, y = sp.symbols("x y", nonnegative=True)
    D.step(r"Write $d_1=a=\min_kd_k$, $d_k=a+t_k$ with gaps $t_k\ge0$.")
    samp = uniform_sampler({t2: (sp.Rational(1, 10), 3), t3: (sp.Rational(1, 10), 3)})
    shifted, gap = softmax_exprs([a, a + t2, a + t3]), softmax_exprs([sp.Integer(0), t2, t3])
    D.oblige(Identity("shift invariance of the softmax", shifted[0], gap[0], statement=r"r(a+t)=r(t)",
                      sampler=uniform_sampler({a: (-3, 3), t2: (0, 3), t3: (0, 3), sigma: (sp.Rational(1, 4), 3)})))
    D.oblige(LimitIs("distinct: r_1 -> 1", gap[0], sigma, 0, 1, sampler=samp))
    D.oblige(LimitIs("distinct: r_2 -> 0", gap[1], sigma, 0, 0, sampler=samp))
    tied = softmax_exprs([sp.Integer(0), sp.Integer(0), t3])
    D.step(r"Tie $d_1=d_2<d_3=d_1+t_3$:", sp.Eq(sp.Symbol("r_1"), sp.simplify(tied[0])))
    D.oblige(LimitIs("tied: r_1 -> 1/2", tied[0], sigma, 0, sp.Rational(1, 2), sampler=samp))
    D.oblige(LimitIs("tied: r_3 -> 0", tied[2], sigma, 0, 0, sampler=samp))
    S = 1 + sp.exp(-t2 / sigma) + sp.exp(-t3 / sigma)
    sG = uniform_sampler({a: (-3, 3), t2: (0, 3), t3: (0, 3), sigma: (sp.Rational(1, 4), 3)})
    zsum = sp.exp(-a / sigma) + sp.exp(-(a + t2) / sigma) + sp.exp(-(a + t3) / sigma)
    D.oblige(Identity("partition function factorises", zsum, sp.exp(-a / sigma) * S, sampler=sG,
                      statement=r"\sum_ke^{-d_k/\sigma}=e^{-a/\sigma}S,\ S=1+e^{-t_2/\sigma}+e^{-t_3/\sigma}"))
    D.oblige(Identity("G = d_min - sigma log S", -sigma * sp.log(sp.exp(-a / sigma) * S), a - sigma * sp.log(S),
                      sampler=sG, statement=r"G_\sigma=-\sigma\log(e^{-a/\sigma}S)=a-\sigma\log S",
                      numeric_lhs=-sigma * sp.log(zsum)))
    Sx = 1 + sp.exp(-x) + sp.exp(-y)
    sxy = uniform_sampler({x: (0, 5), y: (0, 5)})
    D.oblige(Sign("log S >= 0 (so G <= F0)", sp.log(Sx), ">=", sampler=sxy,
                  statement=r"\log\bigl(1+e^{-x}+e^{-y}\bigr)\ge0\ (x,y\ge0)"))
    D.oblige(nonneg_by_monotonicity("log K - log S >= 0 (so G >= F0 - sigma log K), one gap", 1 - sp.exp(-x), x, 0,
                                    uniform_sampler({x: (0, 5)}),
                                    statement=r"1-e^{-x}\ge0\ (x\ge0)\Rightarrow S\le K\Rightarrow\log S\le\log K"))
    D.oblige(LimitIs("G -> F0 (squeeze: 0 <= a - G <= sigma log 3)", sigma * sp.log(3), sigma, 0, 0,
                     statement=r"0\le a-G_\sigma\le\sigma\log3\to0"))
    # W - G = sigma H, then the entropy bounds
    D.oblige(_w_minus_g_identity())
    q1, q2 = sp.symbols("q_1 q_2", positive=True)
    q3 = 1 - q1 - q2
    H = -(q1 * sp.log(q1) + q2 * sp.log(q2) + q3 * sp.log(q3))
    Hh = sp.hessian(H, (q1, q2))
    third = sp.Rational(1, 3)
    for v in (q1, q2):
        D.oblige(Identity(f"H stationary at the uniform point: dH/d{v} = 0", sp.diff(H, v).subs({q1: third, q2: third}),
                          sp.Integer(0)))
    D.oblige(Identity("det of the Hessian of H (K=3)", sp.factor(Hh.det()), 1 / (q1 * q2 * q3),
                      statement=r"\det\nabla^2H=1/(q_1q_2q_3)>0,\ \operatorname{tr}<0\Rightarrow H\ \text{concave}"))
    D.oblige(Sign("trace of the Hessian of H (K=3)", Hh.subs(1 - q1 - q2, sp.Symbol("q_3", positive=True)).trace(), "<"))
    D.oblige(Identity("H(uniform) = log 3", H.subs({q1: third, q2: third}), sp.log(3)))
    qs, sv = sp.Symbol("q", positive=True), sp.Symbol("s", nonnegative=True)
    D.oblige(Identity("q = e^{-s}: -q log q = s e^{-s}", (-qs * sp.log(qs)).subs(qs, sp.exp(-sv)), sv * sp.exp(-sv),
                      sampler=uniform_sampler({sv: (0, 10)})))
    D.oblige(Sign("-q log q >= 0 on (0,1]: H >= 0", sv * sp.exp(-sv), ">=", sampler=uniform_sampler({sv: (0, 10)}),
                  statement=r"-q\log q=se^{-s}\ge0\ (q=e^{-s}\in(0,1])\Rightarrow H\ge0"))
    D.oblige(NumericCheck("numeric: H <= log 3 (K=3)", r"H(q)\le\log3",
                          numeric_sign_check(sp.log(3) - H, ">=", uniform_sampler({q1: (0, sp.Rational(1, 2)), q2: (0, sp.Rational(1, 2))}))))
    D.conclusion = (r"Distinct minimum: $r\to$ one-hot; tie: $r\to$ uniform on the tied set; "
                    r"$F_0-\sigma N\log K\le G_\sigma\le F_0$ and $0\le\sigma H\le\sigma\log K$ per point.")
    return D
