r"""Gradient steps on quadratic losses (KR Lemma 1, Theorem 2) and gradient identities (KR §3.4).

Per coordinate (the losses are separable across coordinates, so the scalar case
with symbolic :math:`n` is the general case):

.. math::

    L(\mu)=\tfrac12\sum_{i=1}^n w_i(x_i-\mu)^2,\qquad
    \mu^+=\mu-\eta L'(\mu),\qquad \mu^+-\bar x_w=(1-\eta S)(\mu-\bar x_w),

with :math:`S=\sum_iw_i` and :math:`\bar x_w=\sum_iw_ix_i/S`.

Examples
--------
>>> kr_l1().run(n_points=2).status
'passed'
"""

from __future__ import annotations

import functools

import sympy as sp

from .derivation import Derivation
from .obligations import Computed, Identity, LimitIs, Sign
from .spotcheck import uniform_sampler

__all__ = ["kr_l1", "kr_l1_convention", "kr_t2", "kr_t2_convention", "kr_t2_grad", "kr_t2_grad_extra_bound"]

i, n = sp.symbols("i n", integer=True, positive=True)
w = sp.IndexedBase("w", positive=True)
x = sp.IndexedBase("x", real=True)
mu, eta = sp.symbols("mu eta", real=True)
S = sp.Symbol("S", positive=True)


def _concrete(m: int, weighted: bool = True):
    xs = list(sp.symbols(f"x_1:{m + 1}", real=True))
    ws = list(sp.symbols(f"w_1:{m + 1}", positive=True)) if weighted else [sp.Integer(1)] * m
    samp = {v: (-3, 3) for v in xs}
    samp.update({v: (0, 2) for v in ws if isinstance(v, sp.Symbol)})
    samp[mu] = (-3, 3)
    return xs, ws, samp


def _contraction_range(factor: sp.Expr, bound_expected: sp.Expr) -> Computed:
    """``|1 - factor * eta| < 1`` solved for eta equals ``(0, bound_expected)``."""

    def symbolic():
        sol = sp.solve_univariate_inequality(sp.Abs(1 - factor * eta) < 1, eta, relational=False)
        ok = sol == sp.Interval.open(0, bound_expected)
        cex = None if ok else f"solution set {sol} differs from (0, {bound_expected})"
        return ok, f"|1 - {sp.sstr(factor)} eta| < 1 iff eta in {sol}", cex

    return Computed(f"contraction iff 0 < eta < {sp.sstr(bound_expected)}",
                    rf"|1-{sp.latex(factor)}\eta|<1\iff 0<\eta<{sp.latex(bound_expected)}", symbolic,
                    method="solve_univariate_inequality")


@functools.lru_cache(maxsize=None)
def kr_l1() -> Derivation:
    r"""Lemma 1: GD on the weighted quadratic converges to the weighted mean iff :math:`0<\eta<2/S`."""
    D = Derivation(
        "KR-L1: soft centroid as the gradient-descent fixed point",
        r"$L(\mu)=\tfrac12\sum_iw_i\lVert x_i-\mu\rVert^2$, $S=\sum_iw_i>0$: $\mu\leftarrow\mu-\eta\nabla L$ converges to "
        r"$\bar x_w=\sum_iw_ix_i/S$ from every start iff $0<\eta<2/S$, and $\eta=1/S$ lands on $\bar x_w$ in one step.",
    )
    L = sp.Sum(w[i] * (x[i] - mu) ** 2, (i, 1, n)) / 2
    Ssum, Tsum = sp.Sum(w[i], (i, 1, n)), sp.Sum(w[i] * x[i], (i, 1, n))
    grad = sp.diff(L, mu)
    D.step(r"Loss (general $n$, one coordinate):", sp.Eq(sp.Symbol("L"), L))
    D.step(r"Gradient:", sp.Eq(sp.Derivative(sp.Symbol("L"), mu), sp.factor_terms(sp.expand(grad).doit())))
    xs, ws, rng = _concrete(3)
    samp = uniform_sampler({**rng, eta: (0, 2)})
    L3 = sum(wk * (xk - mu) ** 2 for wk, xk in zip(ws, xs)) / 2
    S3, T3 = sum(ws), sum(wk * xk for wk, xk in zip(ws, xs))
    D.oblige(Identity("gradient = S mu - sum w x (general n)", sp.expand(grad), mu * Ssum - Tsum,
                      numeric_lhs=sp.diff(L3, mu), numeric_rhs=mu * S3 - T3, sampler=samp,
                      statement=r"\nabla L(\mu)=S\mu-\sum_iw_ix_i"))
    xbar = Tsum / Ssum
    step = mu - eta * (mu * Ssum - Tsum)
    D.step(r"The step is affine with slope $1-\eta S$ about the weighted mean:",
           sp.Eq(sp.Symbol(r"\mu^+") - sp.Symbol(r"\bar x_w"), (1 - eta * S) * (mu - sp.Symbol(r"\bar x_w"))))
    D.oblige(Identity("affine error map (general n)", step - xbar, (1 - eta * Ssum) * (mu - xbar),
                      numeric_lhs=mu - eta * sp.diff(L3, mu) - T3 / S3, numeric_rhs=(1 - eta * S3) * (mu - T3 / S3),
                      sampler=samp, statement=r"\mu^+-\bar x_w=(1-\eta S)(\mu-\bar x_w)"))
    D.oblige(_contraction_range(S, 2 / S))
    D.oblige(Identity("eta = 1/S: one step lands on the weighted mean (general n)",
                      step.subs(eta, 1 / Ssum), xbar,
                      numeric_lhs=(mu - eta * sp.diff(L3, mu)).subs(eta, 1 / S3), numeric_rhs=T3 / S3,
                      sampler=uniform_sampler(rng), statement=r"\mu-\tfrac1S\nabla L(\mu)=\bar x_w\ \text{for every}\ \mu"))
    D.conclusion = (r"Convergence from every start iff $0<\eta<2/S$ (factor $|1-\eta S|^t$); $\eta=1/S$ is exact in one step "
                    r"(with the $\tfrac12$ in $L$; the convention without it is our finding, "
                    r"a separate derivation).")
    return D


def _no_half_obligations(weighted: bool) -> list:
    r"""Our finding on the factor convention (SPEC KR-L1/KR-T2): without the :math:`\tfrac12` the
    gradient doubles, so convergence needs :math:`0<\eta<1/S` and one step lands at :math:`\eta=1/(2S)`
    (:math:`\eta=1/(2n)` for unit weights).  Kept apart from the paper's obligations so that a slip
    here cannot refute the paper's lemma."""
    m = 3 if weighted else 4
    xs, ws, rng = _concrete(m, weighted=weighted)
    Lm = sum(wk * (xk - mu) ** 2 for wk, xk in zip(ws, xs)) / 2
    Sm, Tm = sum(ws), sum(wk * xk for wk, xk in zip(ws, xs))
    g2 = sp.diff(2 * Lm, mu)
    if weighted:
        return [_contraction_range(2 * S, 1 / S),
                Identity("no 1/2: one step at eta = 1/(2S)", mu - g2 / (2 * Sm), Tm / Sm, sampler=uniform_sampler(rng))]
    return [Identity("without the 1/2: eta = 1/(2n)", mu - g2 / (2 * m), Tm / m, sampler=uniform_sampler(rng))]


@functools.lru_cache(maxsize=None)
def kr_l1_convention() -> Derivation:
    r"""Factor convention of Lemma 1 (ours): without the :math:`\tfrac12`, :math:`0<\eta<1/S` and one step at :math:`1/(2S)`."""
    D = Derivation(
        "KR-L1 (sharper): the factor convention",
        r"For $L(\mu)=\sum_iw_i\lVert x_i-\mu\rVert^2$ (no $\tfrac12$) the gradient doubles: GD converges iff "
        r"$0<\eta<1/S$, and $\eta=1/(2S)$ lands on $\bar x_w$ in one step -- every step size of Lemma 1 halves.",
    )
    D.step(r"Without the factor $\tfrac12$ the gradient doubles: slope $1-2\eta S$.")
    D.oblige(*_no_half_obligations(True))
    D.conclusion = r"Without the $\tfrac12$ every step size halves: $0<\eta<1/S$, one step at $\eta=1/(2S)$."
    return D


@functools.lru_cache(maxsize=None)
def kr_t2() -> Derivation:
    r"""Theorem 2: one GD step with :math:`\eta_k=1/|C_k|` on the cluster loss is the K-means update."""
    D = Derivation(
        "KR-T2: the K-means update is one gradient step",
        r"$L(M)=\tfrac12\sum_k\sum_{i\in C_k}\lVert x_i-\mu_k\rVert^2$: $\mu_k-\frac1{|C_k|}\nabla_{\mu_k}L=\operatorname{mean}(C_k)$ "
        r"from every $\mu_k$.",
    )
    Lk = sp.Sum((x[i] - mu) ** 2, (i, 1, n)) / 2
    D.step(r"Cluster $k$ with $n=|C_k|$ points, one coordinate ($L$ is separable over clusters and coordinates):",
           sp.Eq(sp.Symbol("L_k"), Lk))
    grad = sp.factor_terms(sp.expand(sp.diff(Lk, mu)).doit())
    D.step(r"Gradient:", sp.Eq(sp.Derivative(sp.Symbol("L_k"), mu), grad))
    mean = sp.Sum(x[i], (i, 1, n)) / n
    xs, _, rng = _concrete(4, weighted=False)
    L4 = sum((xk - mu) ** 2 for xk in xs) / 2
    D.oblige(Identity("gradient = n mu - sum x (general n)", grad, n * mu - sp.Sum(x[i], (i, 1, n)),
                      numeric_lhs=sp.diff(L4, mu), numeric_rhs=4 * mu - sum(xs), sampler=uniform_sampler(rng)))
    D.oblige(Identity("eta = 1/n: one step is the mean (general n, any start)", mu - grad / n, mean,
                      numeric_lhs=mu - sp.diff(L4, mu) / 4, numeric_rhs=sum(xs) / 4, sampler=uniform_sampler(rng),
                      statement=r"\mu_k-\tfrac1{n}\nabla_{\mu_k}L=\tfrac1n\sum_{i\in C_k}x_i"))
    # vector form, D = 2, two clusters of sizes 2 and 3
    X = sp.Matrix(5, 2, list(sp.symbols("x_1:6_1:3", real=True)))
    M = sp.Matrix(2, 2, list(sp.symbols("m_1:3_1:3", real=True)))
    cells = [[0, 1], [2, 3, 4]]
    Lv = sum(((X.row(a) - M.row(c)).dot(X.row(a) - M.row(c))) for c, cell in enumerate(cells) for a in cell) / 2
    vs = {s: (-3, 3) for s in list(X) + list(M)}
    for c, cell in enumerate(cells):
        for dim in range(2):
            m = M[c, dim]
            D.oblige(Identity(f"vector case (D=2, K=2): cluster {c + 1}, coordinate {dim + 1}",
                              m - sp.diff(Lv, m) / len(cell), sum(X[a, dim] for a in cell) / len(cell),
                              sampler=uniform_sampler(vs)))
    D.conclusion = (r"One step with $\eta_k=1/|C_k|$ on $\tfrac12\sum\lVert x_i-\mu_k\rVert^2$ gives $\operatorname{mean}(C_k)$ "
                    r"exactly, from any $\mu_k$, for every $n$.")
    return D


@functools.lru_cache(maxsize=None)
def kr_t2_convention() -> Derivation:
    r"""Factor convention of Theorem 2 (ours): without the :math:`\tfrac12`, :math:`\eta_k=1/(2|C_k|)`."""
    D = Derivation(
        "KR-T2 (sharper): the factor convention",
        r"The paper's $\eta_k=1/|C_k|$ needs the factor $\tfrac12$ in $L$; for "
        r"$L=\sum_k\sum_{i\in C_k}\lVert x_i-\mu_k\rVert^2$ one step gives $\operatorname{mean}(C_k)$ at $\eta_k=1/(2|C_k|)$.",
    )
    D.oblige(*_no_half_obligations(False))
    D.conclusion = r"Without the $\tfrac12$ the K-means step size is $\eta_k=1/(2|C_k|)$."
    return D


@functools.lru_cache(maxsize=None)
def kr_t2_grad() -> Derivation:
    r"""Gradient identities of :math:`G_\sigma`, :math:`W_\sigma`, and the softmax Jacobian (K = 3, D = 1; one point)."""
    from .entropic import sigma, softmax_exprs

    D = Derivation(
        "KR-T2-grad: gradients of the soft objectives",
        r"$\nabla_{\mu_k}G_\sigma=2\sum_ir_{ik}(\mu_k-x_i)$ (no responsibility-derivative term); "
        r"$\nabla_{\mu_k}W_\sigma=2\sum_ir_{ik}(\mu_k-x_i)\bigl[1-(d_{ik}-\bar d_i)/\sigma\bigr]$; "
        r"$\partial r_j/\partial z_l=r_j(\delta_{jl}-r_l)$; a step $\eta_k=1/(2\sum_ir_{ik})$ on $G_\sigma$ is the soft centroid.",
    )
    xv = sp.Symbol("x", real=True)
    ms = list(sp.symbols("mu_1:4", real=True))
    ds = [(xv - m) ** 2 for m in ms]
    r = softmax_exprs(ds)
    G = -sigma * sp.log(sum(sp.exp(-dk / sigma) for dk in ds))
    W = sum(rk * dk for rk, dk in zip(r, ds))
    dbar = W
    samp = uniform_sampler({xv: (-2, 2), **{m: (-2, 2) for m in ms}, sigma: (sp.Rational(1, 2), 3)})
    D.step(r"One point $x$, $K=3$, $D=1$ (the gradient is a sum over points and coordinates):",
           sp.Eq(sp.Symbol("G"), G))
    for kk in range(3):
        D.oblige(Identity(f"dG/dmu_{kk + 1} = 2 r_{kk + 1} (mu_{kk + 1} - x)", sp.diff(G, ms[kk]), 2 * r[kk] * (ms[kk] - xv),
                          sampler=samp))
    for kk in range(3):
        D.oblige(Identity(f"dW/dmu_{kk + 1} with the extra term", sp.diff(W, ms[kk]),
                          2 * r[kk] * (ms[kk] - xv) * (1 - (ds[kk] - dbar) / sigma), sampler=samp))
    zs = list(sp.symbols("z_1:4", real=True))
    sz = softmax_exprs([-z for z in zs], sp.Integer(1))
    sampz = uniform_sampler({z: (-3, 3) for z in zs})
    for a in range(3):
        for b in range(3):
            D.oblige(Identity(f"softmax Jacobian ({a + 1},{b + 1})", sp.diff(sz[a], zs[b]),
                              sz[a] * ((1 if a == b else 0) - sz[b]), sampler=sampz))
    # soft-centroid step on G with N = 2 points, K = 2
    x1, x2, m1, m2 = sp.symbols("x_1 x_2 m_1 m_2", real=True)
    pts = [x1, x2]
    Gs = sum(-sigma * sp.log(sp.exp(-(p - m1) ** 2 / sigma) + sp.exp(-(p - m2) ** 2 / sigma)) for p in pts)
    rs = [softmax_exprs([(p - m1) ** 2, (p - m2) ** 2]) for p in pts]
    s1 = rs[0][0] + rs[1][0]
    soft = (rs[0][0] * x1 + rs[1][0] * x2) / s1
    D.oblige(Identity("step eta = 1/(2 sum r) on G is the soft centroid (N=2, K=2)", m1 - sp.diff(Gs, m1) / (2 * s1), soft,
                      sampler=uniform_sampler({x1: (-2, 2), x2: (-2, 2), m1: (-2, 2), m2: (-2, 2), sigma: (sp.Rational(1, 2), 3)})))
    # the extra term vanishes as sigma -> 0 at positive margin (K = 2, nearest centroid 1, gap t > 0)
    t = sp.Symbol("t", positive=True)
    r2 = softmax_exprs([sp.Integer(0), t])
    extra = r2[0] * (0 - (r2[1] * t)) / sigma  # r_1 (d_1 - dbar)/sigma with d = (0, t)
    D.oblige(LimitIs("extra term r_1 (d_1 - dbar)/sigma -> 0 (margin t > 0)", extra, sigma, 0, 0,
                     sampler=uniform_sampler({t: (sp.Rational(1, 10), 3)})))
    D.oblige(LimitIs("extra term of the far centroid r_2 (d_2 - dbar)/sigma -> 0", r2[1] * (t - r2[1] * t) / sigma, sigma, 0, 0,
                     sampler=uniform_sampler({t: (sp.Rational(1, 10), 3)})))
    D.conclusion = (r"$\nabla G_\sigma$ has no responsibility-derivative term (so $\eta_k=1/(2\sum_ir_{ik})$ gives the soft centroid); "
                    r"$\nabla W_\sigma$ carries the factor $1-(d_{ik}-\bar d_i)/\sigma$, whose extra part vanishes as "
                    r"$\sigma\to0$ at margin $t>0$ (its rate, our finding, is a separate derivation).")
    return D


def _extra_term_exprs() -> tuple[sp.Symbol, dict[str, sp.Expr], sp.Expr]:
    """K = 2, one point at the nearest centroid's gap 0 and the other's gap t > 0: the two extra terms
    r_k (d_k - dbar)/sigma in magnitude, and the per-term bound (t/sigma) e^{-t/sigma}."""
    from .entropic import sigma, softmax_exprs

    t = sp.Symbol("t", positive=True)
    r2 = softmax_exprs([sp.Integer(0), t])
    terms = {"nearest": r2[0] * (r2[1] * t) / sigma,           # |r_1 (d_1 - dbar)|/sigma, d_1 - dbar = -r_2 t
             "far": r2[1] * (t - r2[1] * t) / sigma}            # r_2 (d_2 - dbar)/sigma, d_2 - dbar = r_1 t
    return t, terms, t / sigma * sp.exp(-t / sigma)


@functools.lru_cache(maxsize=None)
def kr_t2_grad_extra_bound() -> Derivation:
    r"""The bound on the extra term of :math:`\nabla W_\sigma` (ours): each term :math:`\le(t/\sigma)e^{-t/\sigma}`."""
    from .entropic import sigma

    D = Derivation(
        "KR-T2-grad (sharper): the rate of the extra term",
        r"For $K=2$ at gap $t>0$ both responsibility-derivative terms equal "
        r"$\frac{(t/\sigma)e^{-t/\sigma}}{(1+e^{-t/\sigma})^2}\le\frac t\sigma e^{-t/\sigma}$; summed over points and "
        r"centroids this is the bound $B_k=\tfrac{2(K-1)}\sigma e^{-\Delta/\sigma}\sum_i\lVert\mu_k-x_i\rVert s_i$.",
    )
    t, terms, bound = _extra_term_exprs()
    closed = bound / (1 + sp.exp(-t / sigma)) ** 2
    samp = uniform_sampler({t: (sp.Rational(1, 10), 3), sigma: (sp.Rational(1, 4), 3)})
    for name, term in terms.items():
        D.oblige(Identity(f"{name} centroid: extra term in closed form", term, closed, sampler=samp,
                          statement=r"\frac{r_k\lvert d_k-\bar d\rvert}\sigma=\frac{(t/\sigma)e^{-t/\sigma}}{(1+e^{-t/\sigma})^2}"))
    u, q = sp.symbols("u q", positive=True)   # u = t/sigma, q = e^{-u} in (0, 1)
    gap_form = u * q**2 * (q + 2) / (1 + q) ** 2
    D.oblige(Identity("bound - closed form = u q^2 (q+2)/(1+q)^2", bound - closed,
                      gap_form.subs({u: t / sigma, q: sp.exp(-t / sigma)}), sampler=samp,
                      statement=r"\frac t\sigma e^{-t/\sigma}-\frac{(t/\sigma)e^{-t/\sigma}}{(1+e^{-t/\sigma})^2}"
                                r"=\frac{uq^2(q+2)}{(1+q)^2},\ u=t/\sigma,\ q=e^{-u}"))
    D.oblige(Sign("closed form <= (t/sigma) e^{-t/sigma}", gap_form, ">=",
                  sampler=uniform_sampler({u: (sp.Rational(1, 10), 10), q: (sp.Rational(1, 100), 1)}),
                  statement=r"\frac{uq^2(q+2)}{(1+q)^2}\ge0\ (u,q>0)"))
    D.oblige(LimitIs("the bound is attained as sigma -> 0: closed form / bound -> 1", closed / bound, sigma, 0, 1,
                     sampler=uniform_sampler({t: (sp.Rational(1, 10), 3)})))
    D.conclusion = (r"Each extra term is $(t/\sigma)e^{-t/\sigma}/(1+e^{-t/\sigma})^2$: at most, and asymptotically equal to, "
                    r"$(t/\sigma)e^{-t/\sigma}$ -- the rate behind $B_k$.")
    return D
