r"""The two soft objectives of KR §3.2-3.3: the reduced functional :math:`G_\sigma` and the weighted distortion :math:`W_\sigma`.

.. math::

    G_\sigma(M)=-\sigma\sum_i\log\sum_ke^{-d_{ik}/\sigma},\qquad W_\sigma(M)=\sum_{ik}r_{ik}d_{ik},\qquad
    W_\sigma-G_\sigma=\sigma\sum_iH(r_i) .

Their gradients differ by the responsibility-derivative term,
:math:`\nabla_{\mu_k}(W_\sigma-G_\sigma)=\sigma\nabla_{\mu_k}\sum_iH(r_i)
=-\tfrac2\sigma\sum_ir_{ik}(d_{ik}-\bar d_i)(\mu_k-x_i)`, so :math:`\nabla G_\sigma=0` (a soft-Lloyd fixed
point, :math:`\mu_k=\sum_ir_{ik}x_i/\sum_ir_{ik}`) does not make :math:`\nabla W_\sigma` vanish.  On the
symmetric instance :math:`X=\{-1,1\}`, :math:`K=2`, :math:`M=(-m,m)`:

.. math::

    \frac{dG}{dm}=4\bigl(m-\tanh(2m/\sigma)\bigr),\qquad
    \frac{dW}{dm}-\frac{dG}{dm}=-\frac{32m}{\sigma}r(1-r)<0\quad(m>0),\ r=\frac1{1+e^{-4m/\sigma}},

so at every non-zero stationary point of :math:`G_\sigma` on this line :math:`W_\sigma` still decreases
outwards: its stationary point lies further out (KR-S32-GW's certificate finds it outside the convex hull
of the data, where no soft-Lloyd fixed point can be).

Examples
--------
>>> kr_s32_gw().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .entropic import sigma, softmax_exprs
from .obligations import Identity, LimitIs, Sign
from .spotcheck import uniform_sampler

__all__ = ["kr_s32_gw", "symmetric_pair_objectives"]

m = sp.Symbol("m", positive=True)


def symmetric_pair_objectives(mm: sp.Expr = m, s: sp.Expr = sigma) -> tuple[sp.Expr, sp.Expr]:
    r""":math:`(G_\sigma, W_\sigma)` of :math:`X=\{-1,1\}`, :math:`K=2`, at :math:`M=(-m,m)` as SymPy expressions.

    Parameters
    ----------
    mm : sympy.Expr, optional
        The half distance :math:`m` between the centroids.
    s : sympy.Expr, optional
        The temperature.

    Returns
    -------
    tuple of sympy.Expr
        :math:`G=-2\sigma\log(e^{-(1+m)^2/\sigma}+e^{-(1-m)^2/\sigma})` and
        :math:`W=2[r(1-m)^2+(1-r)(1+m)^2]`, :math:`r=1/(1+e^{-4m/\sigma})`.

    Examples
    --------
    >>> G, W = symmetric_pair_objectives(sp.Integer(1), sp.Integer(1))
    >>> float(W - G) > 0
    True
    """
    near, far = (1 - mm) ** 2, (1 + mm) ** 2
    G = -2 * s * sp.log(sp.exp(-far / s) + sp.exp(-near / s))
    r = softmax_exprs([near, far], s)[0]
    W = 2 * (r * near + (1 - r) * far)
    return G, W


@functools.lru_cache(maxsize=None)
def kr_s32_gw() -> Derivation:
    r"""KR-S32-GW: :math:`W_\sigma-G_\sigma=\sigma\sum_iH(r_i)`, the two gradients, and a stationary point of :math:`G_\sigma` that is not one of :math:`W_\sigma`."""
    D = Derivation(
        "KR-S32-GW: the reduced functional and the weighted distortion are two objectives",
        r"$W_\sigma-G_\sigma=\sigma\sum_iH(r_i)$; $\nabla_{\mu_k}G_\sigma=2\sum_ir_{ik}(\mu_k-x_i)$ while "
        r"$\nabla_{\mu_k}W_\sigma=\nabla_{\mu_k}G_\sigma-\tfrac2\sigma\sum_ir_{ik}(d_{ik}-\bar d_i)(\mu_k-x_i)$; on "
        r"$X=\{-1,1\}$, $K=2$, $M=(-m,m)$: $G'(m)=4(m-\tanh(2m/\sigma))$ and $W'(m)-G'(m)=-(32m/\sigma)r(1-r)<0$, "
        r"so no non-zero stationary point of $G_\sigma$ on this line is stationary for $W_\sigma$.",
    )
    xv = sp.Symbol("x", real=True)
    ms = list(sp.symbols("mu_1:3", real=True))
    ds = [(xv - mu) ** 2 for mu in ms]
    r = softmax_exprs(ds)
    G = -sigma * sp.log(sum(sp.exp(-dk / sigma) for dk in ds))
    W = sum(rk * dk for rk, dk in zip(r, ds))
    H = -sum(rk * sp.log(rk) for rk in r)
    dbar = W
    samp = uniform_sampler({xv: (-2, 2), **{mu: (-2, 2) for mu in ms}, sigma: (sp.Rational(1, 2), 3)})
    D.step(r"One point $x$, $K=2$, $D=1$ (every functional is a sum over points and coordinates):",
           sp.Eq(sp.Symbol("G"), G))
    D.oblige(Identity("W - G = sigma H (one point, K=2)", W - G, sigma * H, sampler=samp,
                      statement=r"W_\sigma-G_\sigma=\sigma H(r)"))
    for k in range(2):
        gG, gW = sp.diff(G, ms[k]), sp.diff(W, ms[k])
        D.oblige(Identity(f"grad G, mu_{k + 1}: 2 r (mu - x)", gG, 2 * r[k] * (ms[k] - xv), sampler=samp))
        D.oblige(Identity(f"grad W - grad G, mu_{k + 1}: the responsibility-derivative term", gW - gG,
                          -2 / sigma * r[k] * (ds[k] - dbar) * (ms[k] - xv), sampler=samp,
                          statement=rf"\partial_{{\mu_{k + 1}}}(W-G)=-\tfrac2\sigma r_{k + 1}(d_{k + 1}-\bar d)(\mu_{k + 1}-x)"))
        D.oblige(Identity(f"grad W - grad G = sigma grad H, mu_{k + 1}", gW - gG, sigma * sp.diff(H, ms[k]),
                          sampler=samp))
    # the symmetric pair
    Gp, Wp = symmetric_pair_objectives()
    rr = 1 / (1 + sp.exp(-4 * m / sigma))
    D.step(r"$X=\{-1,1\}$, $K=2$, $M=(-m,m)$, $m>0$ (by symmetry the gradient is $(-g,g)$, so "
           r"$dF/dm=0$ iff $\nabla F=0$):", sp.Eq(sp.Symbol("G"), Gp))
    sampm = uniform_sampler({m: (sp.Rational(1, 10), 3), sigma: (sp.Rational(1, 4), 3)})
    # tanh(2m/sigma) = 2r - 1, written with the exponential so that simplify decides it
    D.oblige(Identity("pair: dG/dm = 4 (m - tanh(2m/sigma))", sp.diff(Gp, m), 4 * (m - (2 * rr - 1)),
                      sampler=sampm, statement=r"G'(m)=4(m-\tanh(2m/\sigma))\ \Leftrightarrow\ "
                                               r"\text{stationary iff } m=\tanh(2m/\sigma)\text{ (soft-Lloyd)}"))
    D.oblige(Identity("pair: dW/dm - dG/dm = -(32 m/sigma) r (1 - r)", sp.diff(Wp, m) - sp.diff(Gp, m),
                      -32 * m / sigma * rr * (1 - rr), sampler=sampm))
    D.oblige(Sign("pair: dW/dm - dG/dm < 0 for m > 0", -32 * m / sigma * rr * (1 - rr), "<", sampler=sampm,
                  statement=r"W'(m)=G'(m)-\tfrac{32m}{\sigma}r(1-r)<G'(m)"))
    D.oblige(LimitIs("pair: the extra term vanishes as sigma -> 0 (fixed m > 0)", -32 * m / sigma * rr * (1 - rr),
                     sigma, 0, 0, sampler=uniform_sampler({m: (sp.Rational(1, 4), 2)})))
    D.conclusion = (r"$G_\sigma$ and $W_\sigma$ differ by $\sigma\sum_iH(r_i)>0$, and so do their gradients (by "
                    r"$\sigma\nabla\sum_iH$): soft-Lloyd fixed points ($\nabla G_\sigma=0$) are not stationary for "
                    r"$W_\sigma$, whose stationary point on the symmetric pair lies further out; the difference "
                    r"vanishes only as $\sigma\to0$.")
    return D
