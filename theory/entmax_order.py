r"""Two-logit :math:`\alpha`-entmax near its one-hot threshold: the order of the deviation (KR-T4-rate)
and the smoothness of the entmax-1.5 Jacobian (KR-S6-smooth).

Two logits :math:`z=(0,-\delta)`, :math:`\delta\ge0` (a point whose two nearest centroids differ by
the squared-distance gap :math:`g`, at temperature :math:`\sigma`: :math:`\delta=g/\sigma`).  With
:math:`a=1/(\alpha-1)` and :math:`p_j=[(\alpha-1)z_j-\tau]_+^{a}`, the second probability vanishes
exactly for :math:`\delta\ge\delta_{\rm th}=1/(\alpha-1)` (the one-hot condition of KR-T5).  Below the
threshold, parametrise by :math:`w=p_2^{1/a}\in(0,1)`: :math:`u=-\tau=(1-w^a)^{1/a}` and

.. math::

    \delta(w)=\frac{u-w}{\alpha-1},\qquad \eta(w)=\delta_{\rm th}-\delta(w)
    =\frac{1-(1-w^a)^{1/a}+w}{\alpha-1},\qquad p_2=w^a .

As :math:`w\to0^+`, :math:`\eta\sim w/(\alpha-1)` for :math:`a>1` and :math:`\eta\sim w^a/(a(\alpha-1))`
for :math:`a<1`, so :math:`p_2\sim c_\alpha\eta^{q}` with :math:`q=\max(1,1/(\alpha-1))`: order 4 for
:math:`\alpha=5/4`, **2 for entmax-1.5**, 1 for sparsemax and for :math:`\alpha=3`.  For entmax-1.5 the
closed form is :math:`p_2=\bigl((\sqrt{8-\delta^2}-\delta)/4\bigr)^2` on :math:`[0,2)`; its first
derivative tends to 0 at :math:`\delta=2` (the map is :math:`C^1`) while its second derivative tends to
:math:`1/2` from below and is 0 above: entmax-1.5 is not :math:`C^2`.  In the one-hot region the
Jacobian :math:`J=\operatorname{diag}(s)-ss^\top/\sum_js_j`, :math:`s=\sqrt p`, is exactly 0; the softmax
Jacobian entry :math:`-e^{\delta}/(1+e^{\delta})^2` is never 0, only :math:`\sim e^{-\delta}` small.

Builders: :func:`kr_t4_rate_order` (KR-T4-rate), :func:`kr_s6_smooth_jacobian` (KR-S6-smooth).

Examples
--------
>>> kr_t4_rate_order().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .obligations import Identity, LimitIs, Sign
from .spotcheck import uniform_sampler

__all__ = ["kr_t4_rate_order", "kr_s6_smooth_jacobian", "entmax15_p2", "ORDERS"]

w = sp.Symbol("w", positive=True)
delta = sp.Symbol("delta", nonnegative=True)
t = sp.Symbol("t", positive=True)

#: alpha -> (order q of p_2 in eta, constant c_alpha of p_2 ~ c eta^q)
ORDERS: dict[sp.Rational, tuple[sp.Rational, sp.Rational]] = {
    sp.Rational(5, 4): (sp.Integer(4), sp.Rational(1, 256)),
    sp.Rational(3, 2): (sp.Integer(2), sp.Rational(1, 4)),
    sp.Integer(2): (sp.Integer(1), sp.Rational(1, 2)),
    sp.Integer(3): (sp.Integer(1), sp.Integer(1)),
}


def entmax15_p2(d: sp.Expr) -> sp.Expr:
    r"""Closed form of the second entmax-1.5 probability of the logits :math:`(0,-\delta)`, :math:`0\le\delta<2`.

    .. math:: p_2(\delta)=\Bigl(\frac{\sqrt{8-\delta^2}-\delta}{4}\Bigr)^2 .

    Parameters
    ----------
    d : sympy.Expr or number
        The logit gap :math:`\delta` (the formula holds on :math:`[0,2)`; :math:`p_2=0` for :math:`\delta\ge2`).

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> entmax15_p2(0), entmax15_p2(2)
    (1/2, 0)
    """
    return ((sp.sqrt(8 - d**2) - d) / 4) ** 2


def _param(alpha: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """``(delta(w), eta(w), p2(w))`` of the parametrisation (module docstring)."""
    a = 1 / (alpha - 1)
    u = (1 - w**a) ** (1 / a)
    d = (u - w) / (alpha - 1)
    return d, 1 / (alpha - 1) - d, w**a


@functools.lru_cache(maxsize=None)
def kr_t4_rate_order() -> Derivation:
    r"""KR-T4-rate: two-logit :math:`\alpha`-entmax is exactly one-hot beyond :math:`1/(\alpha-1)` and of order :math:`\max(1,1/(\alpha-1))` just below it."""
    D = Derivation(
        "KR-T4-rate: the order of the entmax deviation at the one-hot threshold",
        r"For the logits $(0,-\delta)$: $p_2=0$ exactly for $\delta\ge1/(\alpha-1)$, and $p_2\sim c_\alpha\eta^{q}$, "
        r"$\eta=1/(\alpha-1)-\delta\to0^+$, $q=\max(1,1/(\alpha-1))$: $q=2$ for entmax-1.5 "
        r"($p_2=\eta^2/4+O(\eta^3)$; with $\delta=\Delta/\sigma$, $\sigma=(\alpha-1)\Delta(1+s)$: $p_2=s^2+O(s^3)$). "
        r"Hence a soft centroid is exactly $M^*$ below the threshold and moves at order $q$ above it, never at "
        r"first order in $\sigma$ for entmax-1.5.",
    )
    D.step(r"Parametrise by $w=p_2^{1/a}$, $a=1/(\alpha-1)$: $u=-\tau=(1-w^a)^{1/a}$ and "
           r"$p_1=u^a=1-w^a$, $p_2=w^a$, $\delta(w)=(u-w)/(\alpha-1)$, $\eta(w)=1/(\alpha-1)-\delta(w)$.")
    for alpha, (q, c) in ORDERS.items():
        d, eta, p2 = _param(alpha)
        tag = f"alpha={alpha}"
        D.oblige(LimitIs(f"{tag}: threshold delta -> 1/(alpha-1) as p2 -> 0", d, w, 0, 1 / (alpha - 1),
                         statement=rf"\alpha={sp.latex(alpha)}:\ \lim_{{w\to0^+}}\delta(w)={sp.latex(1 / (alpha - 1))}"))
        D.oblige(LimitIs(f"{tag}: p2 ~ {c} eta^{q}", p2 / eta**q, w, 0, c,
                         statement=rf"\alpha={sp.latex(alpha)}:\ \lim_{{w\to0^+}}p_2/\eta^{{{sp.latex(q)}}}={sp.latex(c)}"))
        slope = sp.simplify(eta * sp.diff(p2, w) / (p2 * sp.diff(eta, w)))
        D.oblige(LimitIs(f"{tag}: local log-log slope d log p2 / d log eta -> {q}", slope, w, 0, q,
                         statement=rf"\alpha={sp.latex(alpha)}:\ \frac{{d\log p_2}}{{d\log\eta}}\to{sp.latex(q)}"))
    # entmax-1.5: the closed form, and the order in sigma
    d15, eta15, p215 = _param(sp.Rational(3, 2))
    samp15 = uniform_sampler({w: (sp.Rational(1, 100), sp.Rational(7, 10))})
    D.oblige(Identity("alpha=3/2: closed form (4w + delta)^2 = 8 - delta^2", (4 * w + d15) ** 2, 8 - d15**2,
                      sampler=samp15, statement=r"(4w+\delta)^2=8-\delta^2,\ \text{so}\ w=(\sqrt{8-\delta^2}-\delta)/4"))
    # 4w + delta = 2(sqrt(1 - w^2) + w) > 0 on 0 < w < 1: with w = 1/(1 + y), y > 0,
    # 1 - w^2 = (y^2 + 2y)/(1 + y)^2 > 0
    y = sp.Symbol("y", positive=True)
    wy = 1 / (1 + y)
    D.oblige(Sign("alpha=3/2: 4w + delta > 0 (the positive root)", sp.sqrt(1 - wy**2) + wy, ">",
                  sampler=uniform_sampler({y: (sp.Rational(1, 100), 100)}),
                  statement=r"4w+\delta=2(\sqrt{1-w^2}+w)>0\ (0<w<1)"))
    s = sp.Symbol("s", positive=True)
    p2s = entmax15_p2(2 / (1 + s))
    D.step(r"Entmax-1.5 at $\sigma=(\alpha-1)\Delta(1+s)$, i.e. $\delta=\Delta/\sigma=2/(1+s)$:",
           sp.Eq(sp.Symbol("p_2"), p2s))
    D.oblige(LimitIs("alpha=3/2: p2 = s^2 + O(s^3) with sigma = (alpha-1) Delta (1 + s)", p2s / s**2, s, 0, 1,
                     statement=r"\lim_{s\to0^+}p_2(2/(1+s))/s^2=1"))
    D.conclusion = (r"Exactly one-hot for $\delta\ge1/(\alpha-1)$; just below, $p_2\sim c_\alpha\eta^q$ with "
                    r"$q=4,2,1,1$ for $\alpha=5/4,3/2,2,3$: entmax-1.5 soft centroids leave $M^*$ at second order in "
                    r"$\sigma/((\alpha-1)\Delta)-1$, and stay exactly at $M^*$ below; no first-order regime.")
    return D


@functools.lru_cache(maxsize=None)
def kr_s6_smooth_jacobian() -> Derivation:
    r"""KR-S6-smooth: the entmax-1.5 Jacobian is exactly 0 in the one-hot region, continuous (:math:`C^1`) but not :math:`C^2`; softmax's never vanishes."""
    D = Derivation(
        "KR-S6-smooth: where the entmax-1.5 and softmax Jacobians vanish",
        r"Two logits $(0,-\delta)$: entmax-1.5 has $p_2=((\sqrt{8-\delta^2}-\delta)/4)^2$ on $[0,2)$ and $p_2=0$ on "
        r"$[2,\infty)$; $p_2'(\delta)\to0$ and $p_2''(\delta)\to1/2$ as $\delta\to2^-$, so the map is $C^1$ with a "
        r"jump of the second derivative, and its Jacobian is identically 0 for $\delta\ge2$ (every one-hot row). "
        r"Softmax: $\partial r_2/\partial\delta=-e^{\delta}/(1+e^{\delta})^2<0$ for every $\delta$, "
        r"$\sim-e^{-\delta}$ as $\delta\to\infty$: exponentially small, never 0.",
    )
    p2 = entmax15_p2(delta)
    dp2, d2p2 = sp.diff(p2, delta), sp.diff(p2, delta, 2)
    D.step(r"Entmax-1.5, $0\le\delta<2$:", sp.Eq(sp.Symbol("p_2"), p2))
    D.oblige(LimitIs("entmax-1.5: p2 -> 0 at the threshold (continuous)", p2, delta, 2, 0, direction="-",
                     statement=r"\lim_{\delta\to2^-}p_2(\delta)=0"))
    D.oblige(LimitIs("entmax-1.5: dp2/ddelta -> 0 at the threshold (C^1)", dp2, delta, 2, 0, direction="-",
                     statement=r"\lim_{\delta\to2^-}p_2'(\delta)=0=p_2'(2^+)"))
    D.oblige(LimitIs("entmax-1.5: d2p2/ddelta2 -> 1/2 at the threshold (not C^2: 0 above)", d2p2, delta, 2,
                     sp.Rational(1, 2), direction="-",
                     statement=r"\lim_{\delta\to2^-}p_2''(\delta)=\tfrac12\ne0=p_2''(2^+)"))
    # Jacobian J = diag(s) - s s^T / sum s, s = sqrt(p) on the support: one-hot rows
    s1, s2, s3 = sp.symbols("s_1 s_2 s_3", nonnegative=True)
    sv = sp.Matrix([s1, s2, s3])
    J = sp.diag(s1, s2, s3) - sv * sv.T / (s1 + s2 + s3)
    J1 = J.subs({s1: 1, s2: 0, s3: 0})
    D.step(r"Entmax-1.5 Jacobian $J=\operatorname{diag}(s)-ss^\top/\sum_js_j$, $s=\sqrt p$ on the support "
           r"(0 off it); at a one-hot $p=e_1$:", J1)
    D.oblige(Identity("entmax-1.5: J = 0 at a one-hot row (K=3)", sp.Add(*[e**2 for e in J1]), sp.Integer(0),
                      statement=r"p=e_1\Rightarrow J=e_1e_1^\top-e_1e_1^\top/1=0"))
    # softmax
    r2 = 1 / (1 + sp.exp(delta))
    dr2 = sp.diff(r2, delta)
    sampd = uniform_sampler({delta: (0, 40)})
    D.oblige(Identity("softmax: dr2/ddelta = -e^delta/(1+e^delta)^2", dr2, -sp.exp(delta) / (1 + sp.exp(delta)) ** 2,
                      sampler=sampd))
    D.oblige(Sign("softmax: dr2/ddelta < 0 for every delta (never 0)", dr2, "<", sampler=sampd))
    D.oblige(LimitIs("softmax: dr2/ddelta ~ -e^{-delta} (exponentially small)", dr2 * sp.exp(delta), delta, sp.oo, -1,
                     statement=r"\lim_{\delta\to\infty}e^{\delta}\,\partial r_2/\partial\delta=-1"))
    D.conclusion = (r"The entmax-1.5 Jacobian is exactly 0 wherever a row is one-hot ($\delta\ge2$, i.e. "
                    r"$\sigma\le g/2$), continuous across the threshold but with a jump of its derivative; the "
                    r"softmax Jacobian is $\approx-e^{-\delta}\ne0$ for every finite $\delta$ (in float64 it rounds to "
                    r"0 only once $e^{-\delta}<2^{-1075}$, $\delta>1075\ln2\approx745.1$).")
    return D
