r"""The entropic relaxation of K-means (KR §3.2, Theorem 1 limsup).

Per data point (the functionals are sums over points, so every statement is per
point), with squared distances :math:`d_k` and temperature :math:`\sigma>0`:

.. math::

    F_\sigma(r) = \sum_k r_k d_k + \sigma\sum_k r_k\log r_k,\qquad
    G_\sigma = -\sigma\log\sum_k e^{-d_k/\sigma},\qquad
    W_\sigma = \sum_k r_k(\sigma) d_k .

Derivations: :func:`kr_e12` (the softmax is the unique minimiser of
:math:`F_\sigma` on the simplex, value :math:`G_\sigma`, :math:`W_\sigma-G_\sigma=\sigma H`),
:func:`kr_s32` (the :math:`\sigma\to0^+` limits and the bounds
:math:`F_0-\sigma\log K\le G_\sigma\le F_0`, :math:`0\le\sigma H\le\sigma\log K`),
:func:`kr_t1_limsup` (:math:`W_\sigma\to F_0`) and :func:`kr_t1_limsup_sharp`
(:math:`0\le W_\sigma-F_0\le(K-1)\sigma/e` per point, and for :math:`K=2` the sharp
constant :math:`W_0(1/e)`).

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

from .derivation import (
    DPS, Computed, Derivation, NumericCheck, Identity, LimitIs, Sign, nonneg_by_monotonicity, numeric_sign_check,
    uniform_sampler,
)

__all__ = ["kr_e12", "kr_s32", "kr_t1_limsup", "kr_t1_limsup_sharp", "softmax_exprs"]

sigma = sp.Symbol("sigma", positive=True)
k, j, l, K = sp.symbols("k j l K", integer=True, positive=True)
d = sp.IndexedBase("d", real=True)
r = sp.IndexedBase("r", positive=True)
nu = sp.Symbol("nu", real=True)
Z = sp.Symbol("Z", positive=True)


def _dsyms(n: int) -> list[sp.Symbol]:
    return list(sp.symbols(f"d_1:{n + 1}", real=True))


def softmax_exprs(ds: list[sp.Expr], s: sp.Expr = sigma) -> list[sp.Expr]:
    r"""Softmax responsibilities :math:`e^{-d_k/\sigma}/\sum_j e^{-d_j/\sigma}` as SymPy expressions."""
    z = sum(sp.exp(-x / s) for x in ds)
    return [sp.exp(-x / s) / z for x in ds]


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
        r"=\bigl(e^{-d_k/\sigma}/\sum_je^{-d_j/\sigma}\bigr)_k$, uniquely, with minimum $-\sigma\log\sum_ke^{-d_k/\sigma}=G_\sigma$,"
        r" and $W_\sigma-G_\sigma=\sigma H(r)$.",
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
    # W - G = sigma H (general K and K = 3)
    Hsum = -sp.Sum(sp.exp(-d[k] / sigma) / Z * logr, (k, 1, K))
    Wsum = sp.Sum(sp.exp(-d[k] / sigma) / Z * d[k], (k, 1, K))
    W3 = sum(q * x for q, x in zip(sm3, d3))
    H3e = -sum(q * sp.log(q) for q in sm3)
    D.oblige(Identity("W - G = sigma H (general K)", (Wsum + sigma * sp.log(Z)).subs(Z, Zs), (sigma * Hsum).subs(Z, Zs),
                      statement=r"W_\sigma-G_\sigma=\sigma H(r^*),\ H(r)=-\sum_kr_k\log r_k",
                      numeric_lhs=W3 + sigma * sp.log(z3), numeric_rhs=sigma * H3e, sampler=samp3))
    D.conclusion = (r"The stationary point is the softmax for every $K$; $\operatorname{diag}(\sigma/r)\succ0$ makes it the unique "
                    r"minimiser; its value is $G_\sigma$ and $W_\sigma-G_\sigma=\sigma H$.")
    return D


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
    # entropy bounds
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


def _gap_terms():
    a = sp.Symbol("a", real=True)
    t2, t3 = sp.symbols("t_2 t_3", nonnegative=True)
    sm = softmax_exprs([a, a + t2, a + t3])
    W = sm[0] * a + sm[1] * (a + t2) + sm[2] * (a + t3)
    return a, t2, t3, sm, W


def _limit_numeric(expr: sp.Expr, gaps: list[sp.Symbol]):
    """Numeric: ``expr`` (a function of gaps and sigma) decreases to 0 along sigma = 10^-1, 10^-2, 10^-3."""
    args = [*gaps, sigma]
    f = sp.lambdify(args, expr, modules="mpmath")

    def numeric(rg: random.Random, n: int) -> tuple[int, str | None]:
        with mpmath.workdps(DPS):
            for m in range(n):
                g = [mpmath.mpf(rg.randrange(100, 3000)) / 1000 for _ in gaps]
                if m % 2:
                    g[0] = mpmath.mpf(0)  # a tie with the minimum
                vals = [f(*g, mpmath.mpf(10) ** -e) for e in (1, 2, 3)]
                if not (vals[0] >= vals[1] >= vals[2] >= 0 and vals[2] < mpmath.mpf(10) ** -40):
                    return m + 1, f"gaps {g}: values {vals}"
        return n, None

    return numeric


@functools.lru_cache(maxsize=None)
def kr_t1_limsup() -> Derivation:
    r"""Theorem 1 limsup: :math:`W_\sigma(M)\to F_0(M)` for fixed :math:`M` (constant recovery sequence)."""
    D = Derivation("KR-T1-limsup: constant recovery sequence",
                   r"For fixed $M$, $W_\sigma(M)\to F_0(M)$ as $\sigma\to0^+$ (per point: $\sum_kr_kd_k\to\min_kd_k$).")
    a, t2, t3, sm, W = _gap_terms()
    tp2, tp3 = sp.symbols("t_2 t_3", positive=True)
    gap = softmax_exprs([sp.Integer(0), t2, t3])
    Wgap = gap[1] * t2 + gap[2] * t3
    D.step(r"Per point, $d=(a,a+t_2,a+t_3)$, $t_k\ge0$ (shift invariance of the softmax):",
           sp.Eq(sp.Symbol("W") - a, Wgap))
    D.oblige(Identity("W - F0 in gap form", W - a, Wgap, sampler=uniform_sampler(
        {a: (-3, 3), t2: (0, 3), t3: (0, 3), sigma: (sp.Rational(1, 4), 3)})))
    samp = uniform_sampler({tp2: (sp.Rational(1, 10), 3), tp3: (sp.Rational(1, 10), 3)})
    tp = sp.Symbol("t", positive=True)
    D.oblige(LimitIs("K=2, distinct: W -> F0", softmax_exprs([sp.Integer(0), tp])[1] * tp, sigma, 0, 0,
                     sampler=uniform_sampler({tp: (sp.Rational(1, 10), 3)})))
    D.oblige(Identity("r_k <= e^{-t_k/sigma}: r_k e^{t_k/sigma} = 1/S", gap[1] * sp.exp(t2 / sigma),
                      1 / (1 + sp.exp(-t2 / sigma) + sp.exp(-t3 / sigma)),
                      sampler=uniform_sampler({t2: (0, 3), t3: (0, 3), sigma: (sp.Rational(1, 4), 3)}),
                      statement=r"r_ke^{t_k/\sigma}=1/S\le1,\ S=1+\sum_{j\ne(1)}e^{-t_j/\sigma}"))
    D.oblige(LimitIs("squeeze term t e^{-t/sigma} -> 0 (t > 0)", tp * sp.exp(-tp / sigma), sigma, 0, 0,
                     sampler=uniform_sampler({tp: (sp.Rational(1, 10), 3)}),
                     statement=r"0\le r_kt_k\le t_ke^{-t_k/\sigma}\to0\ (t_k>0);\ r_kt_k=0\ (t_k=0)"))
    D.oblige(NumericCheck("numeric: W - F0 -> 0 (K=3, distinct and tied)", r"W_\sigma-F_0\to0",
                          _limit_numeric(Wgap, [t2, t3])))
    D.oblige(Identity("all tied: W = F0 exactly", Wgap.subs({t2: 0, t3: 0}), sp.Integer(0)))
    D.conclusion = r"$W_\sigma-F_0\to0$ pointwise for distinct and tied distances, so the constant sequence recovers $F_0$."
    return D


@functools.lru_cache(maxsize=None)
def kr_t1_limsup_sharp() -> Derivation:
    r"""Uniform bound :math:`0\le W_\sigma-F_0\le N(K-1)\sigma/e` and the sharp :math:`K=2` constant :math:`W_0(1/e)`."""
    D = Derivation("KR-T1-limsup (sharper): uniform rate and the Lambert-W constant",
                   r"$0\le W_\sigma(M)-F_0(M)\le N(K-1)\sigma/e$ for all $M$; for $K=2$, "
                   r"$\sup_M (W_\sigma-F_0)/(N\sigma)=\sup_{u>0}\frac{ue^{-u}}{1+e^{-u}}=W_0(1/e)$.")
    a, t2, t3, sm, W = _gap_terms()
    samp = uniform_sampler({a: (-3, 3), t2: (0, 3), t3: (0, 3), sigma: (sp.Rational(1, 4), 3)})
    D.oblige(Identity("W - F0 = sum of r_k t_k", W - a, sm[1] * t2 + sm[2] * t3, sampler=samp,
                      statement=r"W-d_{(1)}=\sum_{k\ne(1)}r_kt_k,\ t_k=d_k-d_{(1)}\ge0"))
    S = 1 + sp.exp(-t2 / sigma) + sp.exp(-t3 / sigma)
    D.oblige(Identity("r_k = e^{-t_k/sigma}/S", sm[1], sp.exp(-t2 / sigma) / S, sampler=samp,
                      statement=r"r_k=e^{-t_k/\sigma}/S,\ S=1+\sum_{j\ne(1)}e^{-t_j/\sigma}\ge1\Rightarrow r_k\le e^{-t_k/\sigma}"))
    tt = sp.Symbol("t", nonnegative=True)
    f = tt * sp.exp(-tt / sigma)
    crit = sp.solve(sp.diff(f, tt), tt)
    D.step(r"Per-term bound: maximise $f(t)=te^{-t/\sigma}$ on $t\ge0$; $f'(t)=0$ at", sp.Eq(tt, crit[0] if crit else sp.nan))

    def unique_max() -> tuple[bool | None, str, str | None]:
        ok = crit == [sigma]
        l0 = sp.limit(f, tt, 0, "+")
        linf = sp.limit(f, tt, sp.oo)
        val = sp.simplify(f.subs(tt, sigma))
        ok = ok and l0 == 0 and linf == 0 and sp.simplify(val - sigma / sp.E) == 0
        return ok, f"critical points {crit}; f(0+) = {l0}, f(oo) = {linf}, f(sigma) = {val}", None

    st = uniform_sampler({tt: (0, 20), sigma: (sp.Rational(1, 4), 3)})
    D.oblige(Computed("t e^{-t/sigma} <= sigma/e", r"\max_{t\ge0}te^{-t/\sigma}=f(\sigma)=\sigma/e",
                      unique_max, numeric_sign_check(sigma / sp.E - f, ">=", st),
                      method="unique critical point t = sigma, boundary limits 0, value sigma/e"))
    D.step(r"Hence $W-F_0\le\sum_i\sum_{k\ne(1)}t_{ik}e^{-t_{ik}/\sigma}\le N(K-1)\sigma/e$.")
    # K = 2 sharp constant
    u = sp.Symbol("u", positive=True)
    g = u * sp.exp(-u) / (1 + sp.exp(-u))
    t = sp.Symbol("t", positive=True)
    sm2 = softmax_exprs([a, a + t])
    D.oblige(Identity("K=2: W - F0 = sigma g(t/sigma)", sm2[1] * t, sigma * g.subs(u, t / sigma),
                      sampler=uniform_sampler({a: (-3, 3), t: (0, 3), sigma: (sp.Rational(1, 4), 3)}),
                      statement=r"W-F_0=\sigma g(t/\sigma),\ g(u)=\frac{ue^{-u}}{1+e^{-u}}"))
    h = 1 + sp.exp(-u) - u
    su = uniform_sampler({u: (0, 10)})
    D.oblige(Identity("g'(u) has the sign of 1 + e^{-u} - u", sp.diff(g, u) * (1 + sp.exp(-u)) ** 2 * sp.exp(u), h, sampler=su,
                      statement=r"g'(u)(1+e^{-u})^2e^{u}=1+e^{-u}-u"))
    D.oblige(Sign("h(u) = 1 + e^{-u} - u strictly decreasing", sp.diff(h, u), "<", sampler=su,
                  statement=r"h'(u)=-e^{-u}-1<0\Rightarrow h\ \text{has one root}\ u^*;\ g\nearrow\ \text{on}\ (0,u^*),\ \searrow\ \text{after}"))
    w = sp.Symbol("w", positive=True)
    c = sp.exp(-1)
    lw = sp.solve(w * sp.exp(w) - c, w)
    D.step(r"$W_0(1/e)$ is the root $w$ of $we^{w}=1/e$ (SymPy: " + sp.latex(lw) + r"), so $e^{-w}=w/e^{-1}$. Put $u^*=1+w$:")
    rel = {sp.exp(w): c / w}
    D.oblige(Computed("SymPy solves w e^w = 1/e by W0(1/e)", r"we^w=e^{-1}\iff w=W_0(e^{-1})",
                      lambda: (lw == [sp.LambertW(c)], f"solve -> {lw}", None)))
    D.oblige(Identity("u* = 1 + W0(1/e) solves u = 1 + e^{-u}", sp.simplify(h.subs(u, 1 + w).subs(rel)), sp.Integer(0),
                      statement=r"h(1+W_0(1/e))=0\ \text{using}\ e^{-W_0(1/e)}=e\,W_0(1/e)"))
    D.oblige(Identity("g(u*) = W0(1/e)", sp.simplify(g.subs(u, 1 + w).subs(rel)), w,
                      statement=r"g(u^*)=W_0(1/e)"))
    D.oblige(LimitIs("g(0+) = 0", g, u, 0, 0))
    D.oblige(LimitIs("g(oo) = 0", g, u, sp.oo, 0))

    def lambert_numeric(rg: random.Random, n: int) -> tuple[int, str | None]:
        with mpmath.workdps(DPS):
            us = mpmath.findroot(lambda v: 1 + mpmath.exp(-v) - v, mpmath.mpf("1.3"))
            gv = us * mpmath.exp(-us) / (1 + mpmath.exp(-us))
            wv = mpmath.lambertw(mpmath.exp(-1)).real
            checks = 2
            if abs(gv - wv) > mpmath.mpf(10) ** -45 or abs(us - 1 - wv) > mpmath.mpf(10) ** -45:
                return checks, f"u* = {us}, g(u*) = {gv}, W0(1/e) = {wv}"
            for _ in range(n):  # g(u) <= g(u*) at random u
                v = mpmath.mpf(rg.randrange(1, 20000)) / 1000
                checks += 1
                if v * mpmath.exp(-v) / (1 + mpmath.exp(-v)) > gv:
                    return checks, f"g({v}) > g(u*)"
        return checks, None

    D.oblige(NumericCheck("50-digit check: sup g = W0(1/e)", r"\sup_{u>0}g(u)=g(u^*)=W_0(1/e)\approx0.27846454276",
                          lambert_numeric))
    with mpmath.workdps(20):
        wnum = mpmath.nstr(mpmath.lambertw(mpmath.exp(-1)).real, 15)
        enum = mpmath.nstr(1 / mpmath.e, 15)
    D.data = {"lambert_w0_inv_e": wnum, "one_over_e": enum}
    D.conclusion = (rf"Per point $0\le W_\sigma-F_0\le(K-1)\sigma/e$; for $K=2$ the sharp constant is $W_0(1/e)={wnum}$ "
                    rf"$<1/e={enum}$, attained at gap $t=(1+W_0(1/e))\sigma$.")
    return D
