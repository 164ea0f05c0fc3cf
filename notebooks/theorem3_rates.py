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
# # How fast do softmax soft centroids reach the K-means centroids, and where does float64 stop telling the truth?
#
# **KR Theorem 3 (claim KR-T3).** At a Lloyd fixed point $M^*$ (every centroid the mean of its
# Voronoi cell $C_k$, margin $\Delta=\min_i(d_{i(2)}-d_{i(1)})>0$ in squared distance) the softmax
# soft centroids
# $\hat\mu_k(\sigma)=\sum_ir_{ik}x_i/\sum_ir_{ik}$, $r_i=\operatorname{softmax}(-d_i/\sigma)$, obey
# $\lVert\hat\mu_k-\mu^*_k\rVert\le\varepsilon A_k/(n_k(1-(K-1)\varepsilon))$ with
# $\varepsilon=e^{-\Delta/\sigma}$: they converge exponentially, at rate $\Delta$.
#
# Three questions:
# 1. What is the *true* rate? We compute $\lVert\hat\mu_k-\mu^*_k\rVert$ in `arb` ball arithmetic
#    (python-flint), far below float64's underflow, and measure
#    $\sigma\log\lVert\hat\mu_k-\mu^*_k\rVert$ as $\sigma\to0$. The prediction (SPEC, KR-T3 sharper):
#    it tends to $-\Delta_k$, the smallest gap that touches cell $k$ ($\Delta_k\ge\Delta$).
# 2. How far below float64 does the deviation go?
# 3. Down to which $\sigma$ does the float64 kernel (`kmrbf.numerics.soft_centroids`) tell the truth?

# %% tags=["parameters"]
# Parameters (the test suite runs this notebook with smaller values)
GRID = 48          # points of the log grid of Delta/sigma in [1, DEEPEST]
DEEPEST = 20000    # Delta/sigma at the smallest sigma (exp(-20000) ~ 1e-8686)
F64_GRID = 120     # points of the log grid of Delta/sigma in [1, 1000] for the float64 comparison
PREC = 128         # arb working precision in bits (the deviation is computed without cancellation)

# %%
import math
from fractions import Fraction

import matplotlib.pyplot as plt
import numpy as np
from flint import ctx
from IPython.display import Markdown, display

from kmrbf import numerics as nx
from kmrbf.numerics.arb import exact_matrix, to_arb
from kmrbf.numerics.certify import deviation_sq_fixed_point, t3_bound_balls
from kmrbf.numerics.lloyd_instances import certified_instances

LN10 = math.log(10)
instances = certified_instances()
for name, inst in instances:
    print(f"{name:12s} N={inst.N} K={inst.K} D={inst.D}  Delta={inst.delta} = {float(inst.delta):.4f}  "
          f"Delta_k={[str(v) for v in inst.delta_k]}  n_k={inst.counts}")

# %% [markdown]
# ## 1. The deviation in arb
#
# The direct difference $\hat\mu_k-\mu^*_k$ cancels: it needs about $1.45\,\Delta/\sigma$ bits.
# `kmrbf.numerics.certify.deviation_sq_fixed_point` uses the exact identity
# $\sum_ir_{ik}(x_i-\mu^*_k)=-\sum_{i\in C_k}(1-r_{ik})(x_i-\mu^*_k)+\sum_{i\notin C_k}r_{ik}(x_i-\mu^*_k)$
# with $1-r_{ik}$ formed from the exact gaps, so every term keeps its relative accuracy and
# 128 bits suffice at any $\sigma$. Each $\sigma$ is a float64 number, taken as the exact rational it
# is, so that arb and the float64 kernel below see the same $\sigma$.

# %%
ratios = np.geomspace(1.0, DEEPEST, GRID)          # Delta / sigma


def sigma_of(inst, r):
    """float64 sigma = Delta / r and the exact rational it is."""
    s = float(inst.delta) / float(r)
    return s, Fraction(s)


def log_dev(inst, sigma_q, k):
    """Ball of log ||mu_hat_k - mu*_k|| (natural log) and the ball of the deviation itself."""
    Xq, Mq = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact)
    with ctx.workprec(PREC):
        d2 = deviation_sq_fixed_point(Xq, Mq, [int(v) for v in inst.labels], sigma_q, k, PREC)
        assert d2 > 0, "the deviation must be proved positive"
        return d2.log() / 2, d2.sqrt()


arb_log = {}     # name -> array (GRID, K) of log10 deviation (midpoints of tight balls)
bound_log = {}   # name -> array (GRID, K) of log10 of Theorem 3's instance bound (nan where it does not apply)
worst_rad = 0.0
for name, inst in instances:
    L, B = np.empty((GRID, inst.K)), np.full((GRID, inst.K), np.nan)
    for g, r in enumerate(ratios):
        s, sq = sigma_of(inst, r)
        for k in range(inst.K):
            ld, _ = log_dev(inst, sq, k)
            worst_rad = max(worst_rad, float(ld.rad()))
            L[g, k] = float(ld.mid()) / LN10
            if (inst.K - 1) * math.exp(-float(r)) < 1:
                with ctx.workprec(PREC):
                    B[g, k] = float(t3_bound_balls(inst, sq, k)["instance"].log().mid()) / LN10
    arb_log[name], bound_log[name] = L, B
assert worst_rad < 1e-20, worst_rad
print(f"largest radius of a log-deviation ball: {worst_rad:.1e}")
for name, inst in instances:
    print(f"{name:12s} at sigma = Delta/{DEEPEST}: log10 ||mu_hat_k - mu*_k|| =",
          [f"{v:.1f}" for v in arb_log[name][-1]])

# %%
fig, axes = plt.subplots(1, len(instances), figsize=(4.2 * len(instances), 3.6), sharey=False)
for ax, (name, inst) in zip(axes, instances):
    for k in range(inst.K):
        line, = ax.plot(ratios, arb_log[name][:, k], lw=1.5, label=f"k={k}, $\\Delta_k/\\Delta$={float(inst.delta_k[k] / inst.delta):.3g}")
        ax.plot(ratios, bound_log[name][:, k], ls="--", lw=0.8, color=line.get_color())
    ax.axhline(math.log10(5e-324), color="k", ls=":", lw=0.8)
    ax.text(ratios[-1], math.log10(5e-324), "float64 smallest subnormal", fontsize=7, va="bottom", ha="right")
    ax.set_xlabel(r"$\Delta/\sigma$ (straight lines: $\log_{10}\Vert\hat\mu_k-\mu^*_k\Vert\approx"
                  r"-(\Delta_k/\Delta)(\Delta/\sigma)/\ln 10$)", fontsize=8)
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=7)
axes[0].set_ylabel(r"$\log_{10}\Vert\hat\mu_k-\mu^*_k\Vert$ (arb); dashed: Theorem 3's bound")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 2. The rate: $\sigma\log\lVert\hat\mu_k-\mu^*_k\rVert\to-\Delta_k$
#
# Plotted in units of $\Delta$: each cell's curve levels off at its own $-\Delta_k/\Delta$ (dotted),
# which is below $-1$ (the theorem's rate) whenever the smallest gap touching the cell is larger
# than the global margin. The slope of $\log\lVert\hat\mu_k-\mu^*_k\rVert$ against $1/\sigma$
# between the two smallest $\sigma$ of the grid measures the rate directly (computed in arb).

# %%
fig, axes = plt.subplots(1, len(instances), figsize=(4.2 * len(instances), 3.4))
for ax, (name, inst) in zip(axes, instances):
    delta = float(inst.delta)
    for k in range(inst.K):
        line, = ax.plot(1 / ratios, arb_log[name][:, k] * LN10 / ratios, label=f"k={k}")
        ax.axhline(-float(inst.delta_k[k]) / delta, color=line.get_color(), ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel(r"$\sigma/\Delta$")
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=7)
axes[0].set_ylabel(r"$\sigma\log\Vert\hat\mu_k-\mu^*_k\Vert\ /\ \Delta$")
fig.tight_layout()
plt.show()

rate_rows = []
for name, inst in instances:
    (sa, qa), (sb, qb) = sigma_of(inst, ratios[-2]), sigma_of(inst, ratios[-1])
    for k in range(inst.K):
        la, _ = log_dev(inst, qa, k)
        lb, _ = log_dev(inst, qb, k)
        with ctx.workprec(PREC):
            slope = (la - lb) / (to_arb(1 / qa, prec=PREC) - to_arb(1 / qb, prec=PREC))
        rate_rows.append(dict(instance=name, k=k, delta=float(inst.delta), delta_k=float(inst.delta_k[k]),
                              delta_k_exact=inst.delta_k[k], slope=float(slope.mid())))
print(f"{'instance':12s} k  {'Delta':>10s} {'Delta_k':>10s} {'measured rate':>15s}  |rate - Delta_k|/Delta_k")
for r in rate_rows:
    print(f"{r['instance']:12s} {r['k']}  {r['delta']:10.5f} {r['delta_k']:10.5f} {-r['slope']:15.9f}  "
          f"{abs(r['slope'] + r['delta_k']) / r['delta_k']:.1e}")

# %% [markdown]
# ## 3. Where float64 stops telling the truth
#
# The same $\sigma$ (a float64 number), now on a finer grid of $\Delta/\sigma\in[1,1000]$: the float64
# kernel `nx.soft_centroids` against the arb deviation. A float64 soft centroid is a weighted mean
# of the data, so its rounding error is at most about $(N+K+8)\sqrt D\,u\max_i\lVert x_i\rVert_\infty$
# ($u=2^{-53}$; Higham §4.2), and $M$ (the float64 centroids, the correctly rounded means) adds
# $u\lVert\mu^*_k\rVert$: the float64 deviation $\lVert\mathrm{fl}(\hat\mu_k)-M_k\rVert$ is within
# $e_{64}=(N+K+9)\sqrt D\,u\max_i\lVert x_i\rVert_\infty$ of the truth, at every $\sigma$. It is
# therefore right while the deviation is well above $e_{64}$ and rounding noise (or 0) below it.
# Once every logit gap exceeds $\ln 2^{1075}=745.13$ ($\Delta/\sigma>745.13$) every foreign
# $e^{-g/\sigma}$ underflows, the responsibilities are exactly one-hot, and float64 reports
# $\hat\mu=M^*$ exactly.

# %%
U = 2.0 ** -53
UNDERFLOW = 1075 * math.log(2)      # exp(-x) rounds to 0 in float64 for x > 745.1332...
fine = np.geomspace(1.0, 1000.0, F64_GRID)
f64 = {}
for name, inst in instances:
    e64 = (inst.N + inst.K + 9) * math.sqrt(inst.D) * U * float(np.abs(inst.X).max())
    rows = []
    for r in fine:
        s, sq = sigma_of(inst, r)
        c = np.asarray(nx.soft_centroids(inst.X, inst.M, s))
        R = np.asarray(nx.responsibilities(inst.X, inst.M, s))
        one_hot = bool(np.all((R == 0) | (R == 1)))
        dev64 = np.sqrt(((c - inst.M) ** 2).sum(axis=1))
        for k in range(inst.K):
            ld, dev = log_dev(inst, sq, k)
            with ctx.workprec(PREC):
                err = abs(to_arb(float(dev64[k]), prec=PREC) - dev)
                rows.append(dict(r=float(r), k=k, dev64=float(dev64[k]), ln_dev=float(ld.mid()),
                                 err=float(err.upper()), rel=float((err / dev).mid()), one_hot=one_hot))
    f64[name] = dict(e64=e64, rows=rows)

fig, axes = plt.subplots(1, len(instances), figsize=(4.2 * len(instances), 3.4), sharey=True)
for ax, (name, inst) in zip(axes, instances):
    rows = f64[name]["rows"]
    for k in range(inst.K):
        ax.plot([r["r"] for r in rows if r["k"] == k], [max(r["rel"], 1e-18) for r in rows if r["k"] == k],
                marker=".", ms=3, lw=1, label=f"k={k}")
    ax.axvline(UNDERFLOW, color="k", ls=":", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\Delta/\sigma$ (dotted: 745.13)")
    ax.set_title(name, fontsize=9)
    ax.legend(fontsize=7)
axes[0].set_ylabel("relative error of the float64 deviation")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. The answer

# %%
faster = [r for r in rate_rows if r["delta_k"] > r["delta"]]
worst_rate = max(abs(r["slope"] + r["delta_k"]) / r["delta_k"] for r in rate_rows)
deepest = min(float(arb_log[name][-1].min()) for name, _ in instances)
within = all(r["err"] <= f64[name]["e64"] for name, _ in instances for r in f64[name]["rows"])
# per instance: the largest Delta/sigma up to which every cell is right to 1e-3, the first where one is
# off by more than 50 %, and the true deviations (natural log) there
right, wrong = {}, {}
for name, _ in instances:
    rows = f64[name]["rows"]
    bad = [r["r"] for r in rows if r["rel"] > 1e-3]
    right[name] = max(r["r"] for r in rows if r["r"] < min(bad, default=math.inf))
    off = min((r for r in rows if r["rel"] > 0.5), key=lambda r: r["r"])
    wrong[name] = (off["r"], off["ln_dev"])
one_hot_rows = [r for name, _ in instances for r in f64[name]["rows"] if r["one_hot"]]
first_one_hot = min(r["r"] for r in one_hot_rows)

table = "\n".join(f"| {r['instance']} | {r['k']} | {r['delta']:.5g} | {r['delta_k']:.5g} | {-r['slope']:.9g} |"
                  for r in rate_rows)
fl = "\n".join(f"| {name} | {f64[name]['e64']:.1e} | {right[name]:.0f} | {wrong[name][0]:.0f} | "
               f"$e^{{{wrong[name][1]:.0f}}}$ |" for name, _ in instances)
display(Markdown(f"""
**Rate.** On every cell of the three instances, $\\sigma\\log\\lVert\\hat\\mu_k-\\mu^*_k\\rVert\\to-\\Delta_k$:
the slope of $\\log\\lVert\\hat\\mu_k-\\mu^*_k\\rVert$ against $1/\\sigma$ at the two smallest $\\sigma$
(arb) equals $-\\Delta_k$ to a relative {worst_rate:.1e}. Theorem 3's rate $\\Delta=\\min_k\\Delta_k$ is the
slowest cell's; {len(faster)} of {len(rate_rows)} cells converge strictly faster ($\\Delta_k>\\Delta$).

| instance | k | $\\Delta$ | $\\Delta_k$ | measured rate |
|---|---|---|---|---|
{table}

**Far below float64.** At $\\sigma=\\Delta/{DEEPEST}$ the smallest deviation is $10^{{{deepest:.0f}}}$ (a tight
arb ball), against float64's smallest positive number $5\\cdot10^{{-324}}$.

**Where float64 stops telling the truth.** At every $\\sigma$ the float64 deviation is within
$e_{{64}}$ of the truth (checked); so it is right only while the deviation is far above $e_{{64}}$:

| instance | $e_{{64}}$ | right to $10^{{-3}}$ up to $\\Delta/\\sigma$ | off by > 50 % from $\\Delta/\\sigma$ | true deviation there |
|---|---|---|---|---|
{fl}

That is long before anything underflows. From $\\Delta/\\sigma>{UNDERFLOW:.2f}$ (first grid point
{first_one_hot:.0f}) every float64 responsibility is exactly one-hot and float64 reports
$\\hat\\mu=M^*$ **exactly** (deviation 0.0), where arb proves the deviation positive.
"""))

# the answer, checked: the measured rate is Delta_k (and resolves Delta_k from Delta); float64 is within
# e64 everywhere, so right above it and wrong below; exactly 0 (and wrong) once the responsibilities underflow
assert worst_rate < 1e-3, worst_rate
assert faster and all(abs(r["slope"] + r["delta"]) > 100 * abs(r["slope"] + r["delta_k"]) for r in faster)
assert deepest < math.log10(5e-324) - 100, deepest
assert within
assert all(r["rel"] < 1e-3 for name, _ in instances for r in f64[name]["rows"]
           if r["ln_dev"] > math.log(1e4 * f64[name]["e64"]))
assert all(r["one_hot"] == (r["r"] > UNDERFLOW) for name, _ in instances for r in f64[name]["rows"]
           if abs(r["r"] - UNDERFLOW) > 1e-6 * UNDERFLOW)
assert all(r["dev64"] == 0.0 and r["rel"] > 0.99 for r in one_hot_rows)
assert all(wrong[name][0] < UNDERFLOW / 10 for name, _ in instances)
