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
from .obligations import Computed, Identity, NumericCheck
from .spotcheck import DPS, numeric_sign_check, uniform_sampler

__all__ = ["entmax15_jacobian", "entmax_one_hot", "mp_entmax_bisect"]


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


@functools.lru_cache(maxsize=None)
def entmax_one_hot() -> Derivation:
    r"""Exact one-hot condition: :math:`\operatorname{entmax}_\alpha(z)=e_1` iff :math:`z_1-z_j\ge1/(\alpha-1)` for all :math:`j\ne1`."""
    alpha = sp.Symbol("alpha", positive=True)
    a1 = sp.Symbol("a", positive=True)  # a = alpha - 1 > 0
    z1, zj, g = sp.symbols("z_1 z_j g", real=True)
    D = Derivation(
        "KR-T5 (sharper): exact one-hot condition for alpha-entmax",
        r"For $\alpha>1$: $\operatorname{entmax}_\alpha(z)=e_1$ iff $z_1-z_j\ge1/(\alpha-1)$ for every $j\ne1$. With "
        r"$z=-d/\sigma$: exactly one-hot at the unique argmin iff $\sigma\le(\alpha-1)(d_{(2)}-d_{(1)})$.",
    )
    tau = a1 * z1 - 1
    D.step(r"Support $\{1\}$ forces $((\alpha-1)z_1-\tau)^{1/(\alpha-1)}=1$, i.e.", sp.Eq(sp.Symbol("tau"), tau))
    D.oblige(Identity("p_1 = 1 at tau = (alpha-1) z_1 - 1", (a1 * z1 - tau) ** (1 / a1), sp.Integer(1),
                      sampler=uniform_sampler({a1: (0, 3), z1: (-3, 3)})))

    def condition():
        # p_j = 0 iff (alpha-1) z_j - tau <= 0 iff g = z_1 - z_j >= 1/(alpha-1)
        expr = (a1 * zj - tau).subs(zj, z1 - g)
        sol = sp.solve_univariate_inequality(sp.simplify(expr) <= 0, g, relational=False)
        ok = sol == sp.Interval(1 / a1, sp.oo)
        return ok, f"(alpha-1) z_j - tau <= 0 iff z_1 - z_j in {sol}", None if ok else f"solution set {sol}"

    D.oblige(Computed("p_j = 0 iff gap >= 1/(alpha-1)", r"(\alpha-1)z_j-\tau\le0\iff z_1-z_j\ge\tfrac1{\alpha-1}", condition,
                      method="solve_univariate_inequality"))
    sig, t = sp.symbols("sigma t", positive=True)
    D.oblige(Identity("logit gap of z = -d/sigma", (-(0) / sig) - (-(t) / sig), t / sig,
                      statement=r"z_1-z_j=(d_j-d_1)/\sigma=t/\sigma"))

    def sigma_cond():
        sol = sp.solve_univariate_inequality(t / sig >= 1 / a1, sig, relational=False)
        ok = sol == sp.Interval.Lopen(0, a1 * t)
        return ok, f"t/sigma >= 1/(alpha-1) iff sigma in {sol}", None if ok else f"solution set {sol}"

    D.oblige(Computed("one-hot iff sigma <= (alpha-1) t", r"t/\sigma\ge\tfrac1{\alpha-1}\iff0<\sigma\le(\alpha-1)t", sigma_cond,
                      method="solve_univariate_inequality"))

    def numeric(rg: random.Random, n: int) -> tuple[int, str | None]:
        with mpmath.workdps(DPS):
            for m in range(n):
                al = 1 + mpmath.mpf(rg.randrange(100, 2000)) / 1000
                gap = 1 / (al - 1)
                z = [mpmath.mpf(0), -gap * (1 + mpmath.mpf(rg.randrange(1, 500)) / 1000), -3 * gap]
                p_in = mp_entmax_bisect(z, al)
                z2 = [mpmath.mpf(0), -gap * (1 - mpmath.mpf(rg.randrange(1, 500)) / 1000), -3 * gap]
                p_out = mp_entmax_bisect(z2, al)
                if abs(p_in[0] - 1) > mpmath.mpf(10) ** -40 or not p_out[1] > 0:
                    return m + 1, f"alpha = {al}: gap just above -> {p_in}; just below -> {p_out}"
        return n, None

    D.oblige(NumericCheck("bisection: one-hot just above the gap, not just below", r"\text{threshold }1/(\alpha-1)\text{ is sharp}",
                          numeric))
    D.data = {"alpha": str(alpha)}
    D.conclusion = (r"For $\alpha>1$ the output is exactly one-hot iff the top logit gap is $\ge1/(\alpha-1)$; for $z=-d/\sigma$ "
                    r"this holds for all $\sigma\le(\alpha-1)\min_{j\ne1}(d_j-d_1)$ (1.5-entmax: $\sigma\le\Delta/2$), so the limit "
                    r"$\sigma\to0$ is reached at a positive temperature.")
    return D
