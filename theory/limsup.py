r"""Theorem 1 limsup of the entropic relaxation: :math:`W_\sigma\to F_0` (KR Theorem 1).

Per data point, with the minimum distance :math:`a=d_{(1)}` and gaps
:math:`t_k=d_k-d_{(1)}\ge0`, the softmax responsibilities are shift invariant and

.. math::

    W_\sigma-F_0=\sum_{k\ne(1)}r_kt_k,\qquad r_k=e^{-t_k/\sigma}/S\le e^{-t_k/\sigma}.

Derivations: :func:`kr_t1_limsup` (the constant recovery sequence,
:math:`W_\sigma\to F_0`) and :func:`kr_t1_limsup_sharp`
(:math:`0\le W_\sigma-F_0\le(K-1)\sigma/e` per point, and for :math:`K=2` the sharp
constant :math:`W_0(1/e)`).  The temperature :data:`~kmrbf.theory.entropic.sigma`
and :func:`~kmrbf.theory.entropic.softmax_exprs` come from
:mod:`kmrbf.theory.entropic`.

Examples
--------
>>> kr_t1_limsup().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools
import random

import mpmath
import sympy as sp

from .derivation import Derivation
from .entropic import sigma, softmax_exprs
from .obligations import Computed, Identity, LimitIs, NumericCheck, Sign
from .spotcheck import DPS, numeric_sign_check, uniform_sampler

__all__ = ["kr_t1_limsup", "kr_t1_limsup_sharp"]


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
    gap = softmax_exprs([sp.Integer(0), t2, t3])
    Wgap = gap[1] * t2 + gap[2] * t3
    D.step(r"Per point, $d=(a,a+t_2,a+t_3)$, $t_k\ge0$ (shift invariance of the softmax):",
           sp.Eq(sp.Symbol("W") - a, Wgap))
    D.oblige(Identity("W - F0 in gap form", W - a, Wgap, sampler=uniform_sampler(
        {a: (-3, 3), t2: (0, 3), t3: (0, 3), sigma: (sp.Rational(1, 4), 3)})))
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
    D.step(r"$W_0(1/e)$ is the root $w$ of $we^{w}=1/e$ (SymPy: $" + sp.latex(lw) + r"$), so $e^{-w}=w/e^{-1}$. Put $u^*=1+w$:")
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
