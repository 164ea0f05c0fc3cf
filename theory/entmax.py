r"""Entmax: the 1.5 threshold and Jacobian, and the exact one-hot condition for :math:`\alpha`-entmax.

:math:`\operatorname{entmax}_\alpha(z)_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}` with :math:`\tau`
fixed by :math:`\sum_jp_j=1` (Peters et al. 2019).  For :math:`\alpha=1.5`,
:math:`p_j=(z_j/2-\tau)^2` on the support :math:`S`, so :math:`\tau` solves the quadratic
:math:`|S|\tau^2-\tau\sum_{S}z_j+\tfrac14\sum_Sz_j^2-1=0`, and with :math:`s=\sqrt p`,
:math:`\partial p/\partial z=\operatorname{diag}(s)-ss^\top/\sum_js_j`.

Examples
--------
>>> entmax_one_hot().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools
import random

import mpmath
import sympy as sp

from .derivation import Derivation
from .obligations import Computed, Identity, NumericCheck, Sign
from .spotcheck import DPS, numeric_sign_check, uniform_sampler

__all__ = ["entmax15_jacobian", "entmax_one_hot", "entmax_one_hot_sharp", "mp_entmax_bisect"]


def mp_entmax_bisect(z: list, alpha, n_iter: int = 200) -> list:
    r"""Reference :math:`\alpha`-entmax by bisection on :math:`\tau` (mpmath, caller's precision).

    :math:`\tau\in[(\alpha-1)\max z-1,\ (\alpha-1)\max z]` brackets the root of
    :math:`\sum_j[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}-1`.
    """
    a1 = alpha - 1
    zmax = max(z)
    lo, hi = a1 * zmax - 1, a1 * zmax
    f = lambda t: mpmath.fsum(max(a1 * x - t, 0) ** (1 / a1) for x in z) - 1  # noqa: E731
    for _ in range(n_iter):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    t = (lo + hi) / 2
    return [max(a1 * x - t, 0) ** (1 / a1) for x in z]


def _tau_closed_form(zs: list[sp.Expr]) -> sp.Expr:
    tau = sp.Symbol("tau", real=True)
    quad = sum((x / 2 - tau) ** 2 for x in zs) - 1
    roots = sp.solve(quad, tau)
    # the admissible root is the smaller one (z_j/2 - tau > 0 on the support); compare at z = 0
    at0 = {x: 0 for x in zs}
    root = min(roots, key=lambda r: float(r.subs(at0)))
    return root, quad, tau


@functools.lru_cache(maxsize=None)
def entmax15_jacobian() -> Derivation:
    r"""Entmax-1.5 on full support (K = 2, 3): threshold, normalisation and Jacobian."""
    D = Derivation(
        "KR-T2-grad: entmax-1.5 threshold and Jacobian",
        r"On the support, $\tau$ solves $|S|\tau^2-\tau\sum_jz_j+\tfrac14\sum_jz_j^2-1=0$ (smaller root) and "
        r"$\partial p/\partial z=\operatorname{diag}(s)-ss^\top/\sum_js_j$, $s=\sqrt p=z/2-\tau$.",
    )
    for K in (2, 3):
        zs = list(sp.symbols(f"z_1:{K + 1}", real=True))
        tau_expr, quad, tau = _tau_closed_form(zs)
        D.step(rf"$K={K}$, full support: quadratic for $\tau$ and its smaller root", sp.Eq(tau, tau_expr))
        s = [x / 2 - tau_expr for x in zs]
        pvec = [si**2 for si in s]
        samp = uniform_sampler({x: (-sp.Rational(1, 4), sp.Rational(1, 4)) for x in zs})
        D.oblige(Identity(f"K={K}: normalisation sum p = 1", sum(pvec), sp.Integer(1), sampler=samp))
        ssum = sum(s)
        for a in range(K):
            for b in range(K):
                D.oblige(Identity(f"K={K}: Jacobian ({a + 1},{b + 1})", sp.diff(pvec[a], zs[b]),
                                  (s[a] if a == b else 0) - s[a] * s[b] / ssum, sampler=samp))
        D.oblige(NumericCheck(f"K={K}: support is full on the sampled box", r"s_j=z_j/2-\tau>0",
                              numeric_sign_check(min(s, key=sp.count_ops), ">", samp)))

        def numeric(rg: random.Random, n: int, zs=zs, pvec=pvec) -> tuple[int, str | None]:
            f = sp.lambdify(zs, pvec, modules="mpmath")
            with mpmath.workdps(DPS):
                for m in range(n):
                    zv = [mpmath.mpf(rg.randrange(-250, 250)) / 1000 for _ in zs]
                    ref = mp_entmax_bisect(zv, mpmath.mpf("1.5"))
                    got = f(*zv)
                    if max(abs(x - y) for x, y in zip(ref, got)) > mpmath.mpf(10) ** -40:
                        return m + 1, f"z = {zv}: closed form {got} vs bisection {ref}"
            return n, None

        D.oblige(NumericCheck(f"K={K}: closed form agrees with bisection (50 digits)",
                              r"p(\tau_{\rm closed})=\operatorname{entmax}_{1.5}^{\rm bisect}(z)", numeric))
    D.conclusion = r"The entmax-1.5 threshold is the smaller root of the support quadratic; its Jacobian is $\operatorname{diag}(s)-ss^\top/\sum s$."
    return D


def _one_hot_symbols():
    a1 = sp.Symbol("a", positive=True)  # a = alpha - 1 > 0
    z1, zj, g = sp.symbols("z_1 z_j g", real=True)
    sig, t = sp.symbols("sigma t", positive=True)
    return a1, z1, zj, g, sig, t


def _bisect_one_hot_numeric(side: str):
    """50-digit bisection entmax at random alpha: one-hot with the runner-up just beyond the gap 1/(alpha-1)
    (``side="above"``), not one-hot just inside it (``side="below"``)."""

    def numeric(rg: random.Random, n: int) -> tuple[int, str | None]:
        with mpmath.workdps(DPS):
            for m in range(n):
                al = 1 + mpmath.mpf(rg.randrange(100, 2000)) / 1000
                gap = 1 / (al - 1)
                f = 1 + mpmath.mpf(rg.randrange(1, 500)) / 1000
                if side == "above":
                    p = mp_entmax_bisect([mpmath.mpf(0), -gap * f, -3 * gap], al)
                    if abs(p[0] - 1) > mpmath.mpf(10) ** -40:
                        return m + 1, f"alpha = {al}: gap {f} x 1/(alpha-1) -> {p}, not one-hot"
                else:
                    p = mp_entmax_bisect([mpmath.mpf(0), -gap * (2 - f), -3 * gap], al)
                    if not p[1] > 0:
                        return m + 1, f"alpha = {al}: gap {2 - f} x 1/(alpha-1) -> {p}, still one-hot"
        return n, None

    return numeric


@functools.lru_cache(maxsize=None)
def entmax_one_hot() -> Derivation:
    r"""Exact one-hot for :math:`\alpha>1` (KR-T5 as stated): :math:`z_1-z_j\ge1/(\alpha-1)\ \forall j\ne1\Rightarrow\operatorname{entmax}_\alpha(z)=e_1`."""
    a1, z1, zj, g, sig, t = _one_hot_symbols()
    D = Derivation(
        "KR-T5: exact one-hot for alpha-entmax below a positive temperature",
        r"For $\alpha>1$: if $z_1-z_j\ge1/(\alpha-1)$ for every $j\ne1$ then $\operatorname{entmax}_\alpha(z)=e_1$. With "
        r"$z=-d/\sigma$: exactly one-hot at the unique argmin once $\sigma\le(\alpha-1)(d_{(2)}-d_{(1)})$, so the limit "
        r"$\sigma\to0$ is reached at a positive temperature.",
    )
    tau = a1 * z1 - 1
    D.step(r"Support $\{1\}$ forces $((\alpha-1)z_1-\tau)^{1/(\alpha-1)}=1$, i.e.", sp.Eq(sp.Symbol("tau"), tau))
    D.oblige(Identity("p_1 = 1 at tau = (alpha-1) z_1 - 1", (a1 * z1 - tau) ** (1 / a1), sp.Integer(1),
                      sampler=uniform_sampler({a1: (0, 3), z1: (-3, 3)})))
    s = sp.Symbol("s", nonnegative=True)   # the gap's excess over 1/(alpha-1)
    excess = sp.simplify((a1 * zj - tau).subs(zj, z1 - (1 / a1 + s)))
    D.step(r"At a gap $z_1-z_j=1/(\alpha-1)+s$, $s\ge0$:", sp.Eq(sp.Symbol(r"(\alpha-1)z_j-\tau"), excess))
    D.oblige(Sign("gap >= 1/(alpha-1) => p_j = 0", excess, "<=",
                  sampler=uniform_sampler({a1: (sp.Rational(1, 10), 3), s: (0, 3)}),
                  statement=r"(\alpha-1)z_j-\tau=-(\alpha-1)s\le0\ \text{at}\ z_1-z_j=\tfrac1{\alpha-1}+s\Rightarrow p_j=0"))
    D.oblige(Identity("logit gap of z = -d/sigma", (-(0) / sig) - (-(t) / sig), t / sig,
                      statement=r"z_1-z_j=(d_j-d_1)/\sigma=t/\sigma"))
    w = sp.Symbol("w", nonnegative=True)   # sigma = (alpha-1) t/(1 + w) covers 0 < sigma <= (alpha-1) t
    margin = sp.simplify((t / sig - 1 / a1).subs(sig, a1 * t / (1 + w)))
    D.oblige(Sign("sigma <= (alpha-1) t => logit gap >= 1/(alpha-1)", margin, ">=",
                  sampler=uniform_sampler({a1: (sp.Rational(1, 10), 3), w: (0, 5), t: (sp.Rational(1, 10), 5)}),
                  statement=r"\sigma=\tfrac{(\alpha-1)t}{1+w}\ (w\ge0)\Rightarrow\tfrac t\sigma-\tfrac1{\alpha-1}=\tfrac w{\alpha-1}\ge0"))
    D.oblige(NumericCheck("bisection: one-hot just beyond the gap 1/(alpha-1)", r"z_1-z_j>\tfrac1{\alpha-1}\Rightarrow e_1",
                          _bisect_one_hot_numeric("above")))
    D.conclusion = (r"For $\alpha>1$ the output is exactly one-hot once the top logit gap is $\ge1/(\alpha-1)$; for $z=-d/\sigma$ "
                    r"this holds for all $\sigma\le(\alpha-1)\min_{j\ne1}(d_j-d_1)$ (1.5-entmax: $\sigma\le\Delta/2$), so the limit "
                    r"$\sigma\to0$ is reached at a positive temperature.")
    return D


def _sharp_threshold_obligations() -> list:
    """The 'only if' half (ours): the solution sets of p_j = 0 and of the sigma condition are exactly the
    half-lines, and just inside the gap the runner-up keeps mass (50-digit bisection)."""
    a1, z1, zj, g, sig, t = _one_hot_symbols()
    tau = a1 * z1 - 1

    def condition():
        # p_j = 0 iff (alpha-1) z_j - tau <= 0 iff g = z_1 - z_j >= 1/(alpha-1)
        expr = (a1 * zj - tau).subs(zj, z1 - g)
        sol = sp.solve_univariate_inequality(sp.simplify(expr) <= 0, g, relational=False)
        ok = sol == sp.Interval(1 / a1, sp.oo)
        return ok, f"(alpha-1) z_j - tau <= 0 iff z_1 - z_j in {sol}", None if ok else f"solution set {sol}"

    def sigma_cond():
        sol = sp.solve_univariate_inequality(t / sig >= 1 / a1, sig, relational=False)
        ok = sol == sp.Interval.Lopen(0, a1 * t)
        return ok, f"t/sigma >= 1/(alpha-1) iff sigma in {sol}", None if ok else f"solution set {sol}"

    return [
        Computed("p_j = 0 iff gap >= 1/(alpha-1)", r"(\alpha-1)z_j-\tau\le0\iff z_1-z_j\ge\tfrac1{\alpha-1}", condition,
                 method="solve_univariate_inequality"),
        Computed("one-hot iff sigma <= (alpha-1) t", r"t/\sigma\ge\tfrac1{\alpha-1}\iff0<\sigma\le(\alpha-1)t", sigma_cond,
                 method="solve_univariate_inequality"),
        NumericCheck("bisection: not one-hot just inside the gap 1/(alpha-1)", r"\text{threshold }1/(\alpha-1)\text{ is sharp}",
                     _bisect_one_hot_numeric("below")),
    ]


@functools.lru_cache(maxsize=None)
def entmax_one_hot_sharp() -> Derivation:
    r"""The one-hot threshold is sharp (ours): :math:`\operatorname{entmax}_\alpha(z)=e_1` **iff** :math:`z_1-z_j\ge1/(\alpha-1)`."""
    D = Derivation(
        "KR-T5 (sharper): the one-hot threshold is sharp",
        r"For $\alpha>1$: $\operatorname{entmax}_\alpha(z)=e_1$ iff $z_1-z_j\ge1/(\alpha-1)$ for every $j\ne1$; with "
        r"$z=-d/\sigma$: exactly one-hot iff $\sigma\le(\alpha-1)(d_{(2)}-d_{(1)})$ -- no larger temperature will do.",
    )
    D.oblige(*_sharp_threshold_obligations())
    D.conclusion = (r"The threshold is sharp: for $\sigma>(\alpha-1)(d_{(2)}-d_{(1)})$ the runner-up keeps positive mass.")
    return D
