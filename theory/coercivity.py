r"""Can the hard distortion :math:`F_0(M)=\sum_i\min_k\lVert x_i-\mu_k\rVert^2` be coercive (KR Cor. 1)?

Coercive means :math:`F_0(M)\to\infty` whenever :math:`\lVert M\rVert\to\infty`.
For :math:`K\ge2` the witness path :math:`\mu_1` fixed, :math:`\mu_K=t\,v`
(:math:`\lVert v\rVert=1`, :math:`t\to\infty`) keeps :math:`F_0` bounded: once
:math:`\lVert x_i-tv\rVert^2>\lVert x_i-\mu_1\rVert^2` for every :math:`i` the far
centroid is nobody's nearest one, so :math:`F_0` no longer depends on :math:`t`.

Examples
--------
>>> kr_c1().run(n_points=2).status
'failed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .obligations import Computed, Identity, LimitIs
from .spotcheck import uniform_sampler

__all__ = ["kr_c1", "WITNESS"]

t = sp.Symbol("t", positive=True)
WITNESS = {
    "X": [(0, 0), (1, 0), (0, 1)],
    "mu_1": (0, 0),
    "mu_2(t)": ("t", 0),
}
"""The concrete witness: N = 3 points in the plane, K = 2, mu_1 = 0, mu_2 = (t, 0)."""


@functools.lru_cache(maxsize=None)
def kr_c1() -> Derivation:
    r"""Hypothesis check for KR Cor. 1: :math:`F_0` coercive on :math:`\mathbb R^{DK}` (fails for every :math:`K\ge2`)."""
    D = Derivation(
        "KR-C1: is F_0 coercive for K >= 2?",
        r"Hypothesis of Cor. 1: $\lVert M\rVert\to\infty\Rightarrow F_0(M)\to\infty$. "
        r"Checked along the witness path $\mu_1$ fixed, $\mu_2=(t,0)$, $t\to\infty$.",
    )
    # general data (D = 2, one generic point) : the far centroid stops being the nearest one
    a, b, c1, c2 = sp.symbols("a b c_1 c_2", real=True)
    gap = ((a - t) ** 2 + b**2) - ((a - c1) ** 2 + (b - c2) ** 2)
    D.step(r"Generic point $x=(a,b)$, $\mu_1=(c_1,c_2)$, $\mu_2=(t,0)$: "
           r"$\lVert x-\mu_2\rVert^2-\lVert x-\mu_1\rVert^2=$", sp.expand(gap))
    D.oblige(LimitIs("the far centroid loses every point", gap, t, sp.oo, sp.oo,
                     sampler=uniform_sampler({a: (-5, 5), b: (-5, 5), c1: (-5, 5), c2: (-5, 5)}),
                     statement=r"\lim_{t\to\infty}\bigl(\lVert x-\mu_2(t)\rVert^2-\lVert x-\mu_1\rVert^2\bigr)=\infty"))
    tstar = sp.solve(sp.Eq(gap, 0), t)
    D.step(r"so $\min_k d_{ik}=\lVert x_i-\mu_1\rVert^2$ for $t>t_0$, the largest root of the gap:",
           sp.Eq(sp.Symbol("t_0"), tstar[-1] if tstar else sp.nan))
    # concrete witness
    X = [sp.Matrix(p) for p in WITNESS["X"]]
    m1 = sp.Matrix(WITNESS["mu_1"])
    m2 = sp.Matrix([t, 0])
    d1 = [(xi - m1).dot(xi - m1) for xi in X]
    d2 = [(xi - m2).dot(xi - m2) for xi in X]
    F0_far = sum(d1)  # value of F0 once mu_2 is nobody's nearest centroid
    norm2 = m1.dot(m1) + m2.dot(m2)

    def eventually_constant():
        # t_0 for the witness data: every point prefers mu_1 when t > t_0
        t0s = [max(sp.solve(sp.Eq(b2, a1), t) or [sp.Integer(0)]) for a1, b2 in zip(d1, d2)]
        t0 = max(t0s)
        margin_ok = all(sp.simplify(b2 - a1).subs(t, t0 + 1).is_positive for a1, b2 in zip(d1, d2))
        # on t > t0 the difference is increasing, hence stays positive
        mono = all(sp.diff(b2 - a1, t).subs(t, t0 + sp.Symbol("s", positive=True)).is_positive is True
                   for a1, b2 in zip(d1, d2))
        ok = bool(margin_ok and mono)
        return ok, f"for t > t_0 = {t0} every point is nearest to mu_1, so F0 = {F0_far}", None

    D.oblige(Computed("F0 is eventually constant on the witness path",
                      r"t>t_0\Rightarrow F_0(M(t))=\sum_i\lVert x_i-\mu_1\rVert^2", eventually_constant,
                      method="solve the crossing points, sign after the last one"))
    D.oblige(LimitIs("||M|| -> oo along the path", norm2, t, sp.oo, sp.oo))
    F0_path = sum(sp.Min(a1, b2) for a1, b2 in zip(d1, d2))
    F0_abs = sum((a1 + b2 - sp.Abs(a1 - b2)) / 2 for a1, b2 in zip(d1, d2))
    D.step(r"On the path ($\min(p,q)=\tfrac12(p+q-|p-q|)$):", sp.Eq(sp.Symbol("F_0"), F0_abs))
    pp, qq = sp.symbols("p q", real=True)
    D.oblige(Identity("min(p, q) = (p + q - |p - q|)/2", sp.Min(pp, qq).rewrite(sp.Piecewise),
                      ((pp + qq - sp.Abs(pp - qq)) / 2).rewrite(sp.Piecewise),
                      numeric_lhs=F0_path, numeric_rhs=F0_abs, numeric_sampler=uniform_sampler({t: (0, 10)}),
                      points=[{t: sp.Integer(10) ** 6}], statement=r"\min(p,q)=\tfrac12(p+q-|p-q|)"))
    D.oblige(LimitIs("hypothesis: F0 -> oo along the path", F0_abs, t, sp.oo, sp.oo,
                     statement=r"\lim_{t\to\infty}F_0(\mu_1,\mu_2(t))=\infty\ \text{(coercivity along the witness path)}"))
    D.data = {"witness": {k: [str(v) for v in val] if isinstance(val, (list, tuple)) else str(val)
                          for k, val in WITNESS.items()}, "F0_limit": str(F0_far)}
    D.conclusion = (rf"Along $\mu_1=0$, $\mu_2=(t,0)$ with $X=\{{(0,0),(1,0),(0,1)\}}$: $\lVert M\rVert\to\infty$ while "
                    rf"$F_0\to{sp.latex(F0_far)}<\infty$. The same holds for every data set and every $K\ge2$ (the generic "
                    r"gap $\to\infty$), so $F_0$ is never coercive for $K\ge2$: the hypothesis of Cor. 1 is vacuous.")
    return D
