# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # When do entmax soft centroids become exactly the K-means centroids, and what does that do to training?
#
# **KR Theorem 4 (claims KR-T4, KR-T5, KR-S6-smooth).** With $\alpha$-entmax responsibilities
# $r_i=\operatorname{entmax}_\alpha(-d_i/\sigma)$, $p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}$, the paper
# proves $\lVert\hat\mu_k-\mu^*_k\rVert\le C\sigma$ at a Lloyd fixed point $M^*$ with margin $\Delta$.
# Much more is true: a row is one-hot exactly when its top logit gap is at least $1/(\alpha-1)$, and
# at $M^*$ every gap is at least $\Delta/\sigma$. So for $\sigma\le(\alpha-1)\Delta$ every
# responsibility is exactly one-hot and the soft centroids **are** $M^*$.
#
# Questions:
# 1. Is $(\alpha-1)\Delta$ the exact threshold (exact below, moved just above), for
#    $\alpha=1.25,1.5,2,3$? We decide it in exact rational arithmetic and `arb`, and check the
#    float64 kernel.
# 2. The Jacobian of the responsibilities, $J=\operatorname{diag}(s)-ss^\top/\sum_js_j$ with
#    $s=p^{2-\alpha}$ on the support, is then exactly 0. What does that mean for training by
#    gradient descent on $W^{(\alpha)}_\sigma(M)=\sum_{ik}r_{ik}d_{ik}$?

# %% tags=["parameters"]
# Parameters (the test suite runs this notebook with smaller values)
ALPHAS = (1.25, 1.5, 2.0, 3.0)
INSTANCES = ("line-K2", "triangle-K3", "tetra-K4")   # of kmrbf.numerics.lloyd_instances.certified_instances()
GRID = 60          # points of the log grid of sigma/Delta in [0.01, 10] for the deviation plot
PREC = 256         # arb working precision in bits

# %%
from fractions import Fraction

import matplotlib.pyplot as plt
import numpy as np
from flint import arb, ctx
from IPython.display import Markdown, display

from kmrbf import numerics as nx
from kmrbf import theory
from kmrbf.numerics.arb import (arb_grad_W_sigma, arb_jvp, arb_responsibilities, exact_matrix,
                                exact_sq_distances, to_arb)
from kmrbf.numerics.certify import (certify_entmax_exact, certify_t4, decide_le, deviation_sq,
                                    deviation_sq_fixed_point)
from kmrbf.numerics.lloyd_instances import certified_instances

instances = [(name, inst) for name, inst in certified_instances() if name in INSTANCES]
alphas = [Fraction(a) for a in ALPHAS]
for name, inst in instances:
    print(f"{name:12s} N={inst.N} K={inst.K} D={inst.D}  Delta={inst.delta} = {float(inst.delta):.4f}")

# %% [markdown]
# ## 1. The threshold $(\alpha-1)\Delta$, decided exactly
#
# For every instance and $\alpha$, at $\sigma/((\alpha-1)\Delta)\in\{10^{-3},\tfrac12,1\}$ (below or at
# the threshold) and $\{1+2^{-30},\tfrac98,2\}$ (above), all exact rationals:
# `certify_entmax_exact` decides the one-hot condition $(\alpha-1)(d_{ij}-d_{i,c(i)})\ge\sigma$ for every
# $i$ and $j\ne c(i)$ in rational arithmetic and checks that the arb responsibilities off the own cell
# are the exact ball 0 (so $\hat\mu=M^*$ exactly). Above the threshold `certify_t4` proves Theorem 4's
# bound $\lVert\hat\mu_k-\mu^*_k\rVert\le C\sigma$, $C=\operatorname{diam}(X)/((\alpha-1)\Delta)$, and
# decides whether a centroid moved. The float64
# kernel `nx.soft_centroids` is compared bit for bit with $M$ (away from the threshold by more than its
# rounding: at $t\le\tfrac12$ and $t\ge\tfrac98$).

# %%
T_BELOW = (Fraction(1, 1000), Fraction(1, 2), Fraction(1))
T_ABOVE = (1 + Fraction(1, 2 ** 30), Fraction(9, 8), Fraction(2))
exact_rows = []
for name, inst in instances:
    for a in alphas:
        for t in T_BELOW + T_ABOVE:
            sigma = (a - 1) * inst.delta * t
            ex = certify_entmax_exact(inst, sigma, a)
            bound = moved = None
            if t > 1:   # below, one-hot rows make the deviation exactly 0: nothing to certify
                decs = certify_t4(inst, sigma, a, max_prec=4 * PREC)
                bound = all(d.status == "proved" for d in decs if "C*sigma" in d.name)
                moved = any(d.status == "disproved" for d in decs if "did not move" in d.name)
            f64 = None
            if t <= Fraction(1, 2) or t >= Fraction(9, 8):
                c = np.asarray(nx.soft_centroids(inst.X, inst.M, float(sigma), alpha=float(a)))
                f64 = bool(np.array_equal(c, inst.M))
            exact_rows.append(dict(instance=name, alpha=a, t=t, below=t <= 1, one_hot=ex["one_hot"],
                                   one_hot_arb=ex["one_hot_in_arb"], moved=moved, bound=bound, f64_exact=f64))
print(f"{'instance':12s} alpha  sigma/((alpha-1)Delta)  one-hot(exact)  one-hot(arb)  moved(arb)  "
      "dev<=C sigma  float64 == M*")
for r in exact_rows:
    print(f"{r['instance']:12s} {str(r['alpha']):5s}  {str(r['t']):22s}  {r['one_hot']!s:14s}  "
          f"{r['one_hot_arb']!s:12s}  {r['moved']!s:10s}  {r['bound']!s:12s}  {r['f64_exact']}")

# %% [markdown]
# The deviation on a grid of $\sigma$ (the last instance, arb; exactly 0 left of each dotted line
# $\sigma=(\alpha-1)\Delta$, so not drawn there), with softmax for comparison: softmax converges
# like $e^{-\Delta_k/\sigma}$ but is never exact; entmax reaches $M^*$ at a finite $\sigma$, with a
# polynomial approach $\propto(\sigma-(\alpha-1)\Delta)^{1/(\alpha-1)}$.

# %%
name, inst = instances[-1]
Xq, Mq = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact)
lab = [int(v) for v in inst.labels]
grid = np.geomspace(0.01, 10.0, GRID)


def max_dev(sigma, a):
    """max_k ||mu_hat_k - mu*_k|| in arb (0.0 when every row is exactly one-hot), as a float."""
    if a == 1:
        with ctx.workprec(PREC):
            return max(float(deviation_sq_fixed_point(Xq, Mq, lab, sigma, k, PREC).sqrt().mid())
                       for k in range(inst.K))
    if certify_entmax_exact(inst, sigma, a)["one_hot"]:
        return 0.0
    with ctx.workprec(PREC):
        return max(float(deviation_sq(Xq, Mq, sigma, k, a, PREC).sqrt().mid()) for k in range(inst.K))


curves = {a: [max_dev(Fraction(float(g)) * inst.delta, a) for g in grid] for a in [Fraction(1)] + alphas}
fig, ax = plt.subplots(figsize=(7, 4))
for a, ys in curves.items():
    ys = np.array(ys)
    line, = ax.plot(grid[ys > 0], ys[ys > 0], marker=".", ms=3, lw=1.2,
                    label="softmax" if a == 1 else f"entmax, alpha={float(a):g}")
    if a > 1:
        ax.axvline(float(a - 1), color=line.get_color(), ls=":", lw=1)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel(r"$\sigma/\Delta$")
ax.set_ylabel(r"$\max_k\Vert\hat\mu_k-\mu^*_k\Vert$ (arb)")
ax.set_title(f"{name}: entmax deviation is exactly 0 left of its dotted line", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. The Jacobian is exactly 0
#
# On a one-hot row $s=e_{c}$ (the support is one cell, $p_c=1$), so
# $J=\operatorname{diag}(e_c)-e_ce_c^\top=0$: the responsibilities are locally constant, and their
# derivative with respect to the centroids, $\partial r_i/\partial\mu_j=J_i\,\partial z_i/\partial\mu_j$,
# vanishes too. The SymPy derivation `theory.kr_s6_smooth_jacobian` states it for entmax-1.5; below,
# arb evaluates every entry $J_i e_j$ (`arb_jvp`) at $\sigma=\tfrac12(\alpha-1)\Delta$ and
# $2(\alpha-1)\Delta$: an entry is *exactly* 0 (radius 0), *contains* 0 in a tiny ball (the own-cell
# entry $s_c-s_c^2/s_c$ when $p_c^{2-\alpha}$ is not computed exactly; it is 0 because the row is
# exactly one-hot), or *proved nonzero*. Softmax for comparison at $\sigma=\Delta/1000$ (precision raised
# until each entry is decided), where float64 computes exactly one-hot responsibilities, hence a
# Jacobian of exactly 0, because every $e^{-g/\sigma}$ underflows.

# %%
smooth = theory.kr_s6_smooth_jacobian().run()
print("kr_s6_smooth_jacobian:", smooth.status)
print(smooth.derivation.conclusion)


def jacobian_census(inst, sigma, a):
    """Counts of Jacobian entries (J_i e_j over all i, j): exact zero, tiny ball containing 0, proved nonzero."""
    d = exact_sq_distances(inst.X_exact, inst.M_exact)
    counts = {"exact 0": 0, "contains 0": 0, "nonzero": 0, "widest": 0.0}
    for row in d:
        z = [-Fraction(int(v.p), int(v.q)) / sigma for v in row]
        for j in range(len(row)):
            e = [int(j == m) for m in range(len(row))]
            if a == 1:
                dec = decide_le(lambda p, e=e, z=z, j=j: (abs(arb_jvp(z, e, 1, prec=p)[j]), arb(0)), "|J_jj| <= 0",
                                prec=PREC)
                entries = arb_jvp(z, e, 1, prec=dec.prec)
                proved = [abs(x) > 0 for x in entries]
            else:
                entries = arb_jvp(z, e, a, prec=PREC)
                proved = [not (0 in x) for x in entries]
            for x, nz in zip(entries, proved):
                if nz:
                    counts["nonzero"] += 1
                elif x.is_zero():
                    counts["exact 0"] += 1
                else:
                    counts["contains 0"] += 1
                    counts["widest"] = max(counts["widest"], float(x.rad()))
    return counts


jac_rows = []
for name, inst in instances:
    for a in alphas:
        for t in (Fraction(1, 2), Fraction(2)):
            c = jacobian_census(inst, (a - 1) * inst.delta * t, a)
            jac_rows.append(dict(instance=name, alpha=a, t=t, **c))
    c = jacobian_census(inst, inst.delta / 1000, Fraction(1))
    R = np.asarray(nx.responsibilities(inst.X, inst.M, float(inst.delta / 1000)))
    jac_rows.append(dict(instance=name, alpha=Fraction(1), t=None, **c,
                         f64_one_hot=bool(np.all((R == 0) | (R == 1)))))
print(f"{'instance':12s} alpha  sigma/((alpha-1)Delta)  exact 0  contains 0 (widest radius)  proved nonzero")
for r in jac_rows:
    where = "Delta/1000 (softmax)" if r["t"] is None else str(r["t"])
    print(f"{r['instance']:12s} {str(r['alpha']):5s}  {where:22s}  {r['exact 0']:7d}  {r['contains 0']:10d} "
          f"({r['widest']:.0e})      {r['nonzero']:7d}")

# %% [markdown]
# ## 3. What it means for training
#
# $\nabla_{\mu_k}W^{(\alpha)}_\sigma=2\sum_ig_{ik}(\mu_k-x_i)$ with $g_{ik}=p_{ik}-s_{ik}(d_{ik}-\bar d_i)/\sigma$
# (`nx.grad_W_sigma`). Where every row is one-hot, $g$ is the hard assignment, so the gradient is the
# K-means gradient with the assignment frozen, $2n_k(\mu_k-\bar x_{C_k})$: **no gradient flows through
# the responsibilities**. We move the centroids off $M^*$ by a small dyadic $H$ (still one-hot,
# checked in arb) and compare at $\sigma=\tfrac12(\alpha-1)\Delta$:
#
# * the arb gradient $\nabla W^{(\alpha)}_\sigma(M^*+H)$ minus the hard gradient $2n_kH_k$;
# * one gradient step with $\eta_k=1/(2\sum_ir_{ik})$ (`nx.rbf_gradient_step`, float64) from $M^*+H$;
# * the gradient at $M^*$ itself.
#
# Softmax at $\sigma=\Delta/10$ for comparison: its responsibility term is not 0 (it shrinks like
# $e^{-\Delta/\sigma}$ but never vanishes).

# %%
train_rows = []
for name, inst in instances:
    rng = np.random.default_rng(0)
    H = rng.choice([-1.0, 1.0], size=inst.M.shape) * 2.0 ** -7      # exact dyadic perturbation
    Mp = inst.M + H
    hard = [[to_arb(2 * inst.counts[k] * (Fraction(Mp[k, t]) - inst.M_exact[k][t]), prec=PREC)
             for t in range(inst.D)] for k in range(inst.K)]
    for a in [Fraction(1)] + alphas:
        sigma = inst.delta / 10 if a == 1 else (a - 1) * inst.delta / 2
        r = arb_responsibilities(inst.X, Mp, sigma, alpha=a, prec=PREC)
        still_one_hot = all(r[i][j].is_zero() for i in range(inst.N) for j in range(inst.K) if j != inst.labels[i])
        p = PREC if a > 1 else PREC + int(3 * float(inst.delta / sigma))
        with ctx.workprec(p):
            g = arb_grad_W_sigma(inst.X, Mp, sigma, alpha=a, prec=p)
            diff = [g[k][t] - hard[k][t] for k in range(inst.K) for t in range(inst.D)]
            exact = all(x.is_zero() for x in diff)
            nonzero = all(not (0 in x) for x in diff)
            size = max(float(abs(x).upper()) for x in diff)
            g0 = arb_grad_W_sigma(inst.X, inst.M_exact, sigma, alpha=a, prec=p)
            stationary = all(x.is_zero() for row in g0 for x in row)
        step = np.asarray(nx.rbf_gradient_step(inst.X, Mp, float(sigma), alpha=float(a)))
        train_rows.append(dict(instance=name, alpha=a, one_hot=still_one_hot, exact=exact, nonzero=nonzero,
                               size=size, stationary=stationary, lands=bool(np.array_equal(step, inst.M))))
print(f"{'instance':12s} alpha  one-hot at M*+H  grad - hard: exactly 0 / proved nonzero (size)  "
      "grad(M*) exactly 0  float64 step lands on M*")
for r in train_rows:
    print(f"{r['instance']:12s} {str(r['alpha']):5s}  {r['one_hot']!s:15s}  {r['exact']!s:5s} / {r['nonzero']!s:5s} "
          f"({r['size']:.1e})                {r['stationary']!s:18s}  {r['lands']}")

# %% [markdown]
# ## 4. The answer

# %%
below = [r for r in exact_rows if r["below"]]
above = [r for r in exact_rows if not r["below"]]
n_exact = sum(r["one_hot"] and r["one_hot_arb"] for r in below)
n_moved = sum(not r["one_hot"] and not r["one_hot_arb"] and r["moved"] for r in above)
n_bound = sum(bool(r["bound"]) for r in above)
f64_rows = [r for r in exact_rows if r["f64_exact"] is not None]
n_f64 = sum(r["f64_exact"] == r["below"] for r in f64_rows)
entmax_jac = [r for r in jac_rows if r["alpha"] > 1]
jac_below = [r for r in entmax_jac if r["t"] < 1]
jac_above = [r for r in entmax_jac if r["t"] > 1]
n_jac_zero = sum(r["nonzero"] == 0 for r in jac_below)
n_jac_alive = sum(r["nonzero"] > 0 for r in jac_above)
widest = max(r["widest"] for r in entmax_jac)
softmax_jac = [r for r in jac_rows if r["alpha"] == 1]
n_soft_alive = sum(r["exact 0"] == 0 and r["contains 0"] == 0 for r in softmax_jac)
n_soft_f64_zero = sum(r["f64_one_hot"] for r in softmax_jac)
ent_train = [r for r in train_rows if r["alpha"] > 1]
soft_train = [r for r in train_rows if r["alpha"] == 1]
n_frozen = sum(r["one_hot"] and r["exact"] and r["stationary"] and r["lands"] for r in ent_train)
n_leaks = sum(r["nonzero"] for r in soft_train)
alist = ", ".join(f"{float(a):g}" for a in alphas)


def of(n, rows):
    return f"{n} of {len(rows)}"


display(Markdown(f"""
**Exact collapse at $\\sigma\\le(\\alpha-1)\\Delta$, and the threshold is sharp.** For
$\\alpha\\in\\{{{alist}\\}}$ on {len(instances)} instances: at $\\sigma/((\\alpha-1)\\Delta)\\in\\{{10^{{-3}},\\tfrac12,1\\}}$
every row is exactly one-hot (rational arithmetic; arb's foreign responsibilities are the exact ball 0),
so $\\hat\\mu=M^*$ exactly ({of(n_exact, below)} cases); at $1+2^{{-30}}$, $\\tfrac98$ and $2$ no longer, and arb
proves that a centroid moved ({of(n_moved, above)}). There Theorem 4's bound
$\\lVert\\hat\\mu_k-\\mu^*_k\\rVert\\le C\\sigma$ is proved ({of(n_bound, above)}). The float64 kernel returns $M$
bit for bit below the threshold and moves above it ({of(n_f64, f64_rows)} cases checked).

**The Jacobian is exactly 0 there.** Below the threshold no Jacobian entry is nonzero: each is the exact
ball 0, or a ball of radius at most {widest:.0e} around 0 on a row that is exactly one-hot
({of(n_jac_zero, jac_below)} cases); above it, entries are proved nonzero ({of(n_jac_alive, jac_above)}).
Softmax's Jacobian at $\\sigma=\\Delta/1000$ has every entry proved nonzero ({of(n_soft_alive, softmax_jac)}
instances), while float64's softmax responsibilities are exactly one-hot there
({of(n_soft_f64_zero, softmax_jac)}): its Jacobian is 0 by underflow, not by mathematics.

**Training.** With every row one-hot, $W^{{(\\alpha)}}_\\sigma$ *is* the K-means cost of the frozen
partition near $M^*$: at $M^*+H$ its gradient equals the hard gradient $2n_kH_k$ exactly, $M^*$ is an exact
stationary point, and one gradient step with $\\eta_k=1/(2\\sum_ir_{{ik}})$ lands on $M^*$ bit for bit
({of(n_frozen, ent_train)} pairs of $\\alpha$ and instance). Entmax training at $\\sigma\\le(\\alpha-1)\\Delta$
therefore converges to the K-means centroids exactly, with none of softmax's $e^{{-\\Delta/\\sigma}}$ bias
(its responsibility term is proved nonzero, {of(n_leaks, soft_train)}). But the responsibilities receive
**no gradient at all**: nothing can move a point to another cell, and nothing upstream of the distances
learns from the assignment. A wrong partition stays wrong; only a larger $\\sigma$ (annealing from above
$(\\alpha-1)\\Delta$) lets assignments change.
"""))

# the answer, checked
assert n_exact == len(below) and n_moved == n_bound == len(above) and n_f64 == len(f64_rows)
assert n_jac_zero == len(jac_below) and n_jac_alive == len(jac_above) and widest < 2.0 ** -100
assert n_soft_alive == n_soft_f64_zero == len(softmax_jac)
assert n_frozen == len(ent_train) and n_leaks == len(soft_train)
