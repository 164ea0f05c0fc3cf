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

# %% tags=["parameters"]
# Parameters (the test suite runs this notebook with smaller values)
DTYPES = ("float16", "bfloat16", "float32", "float64")
LOGIT_GRID = 16      # the logit grid is LOGIT_GRID x LOGIT_GRID
DATA_GRID = 10       # the (sigma, Delta) grid
BLOBS_N = 60         # blobs sample size

# %% [markdown]
# # Precision limits: softmax underflow vs entmax-1.5 (KR §3.6, claim KR-S36-underflow)
#
# The paper says: *at small σ softmax underflows and gradients collapse; entmax-1.5 is stable.*
# We check this per dtype and per implementation, against a rigorous arbitrary-precision
# reference (python-flint `arb`, see `kmrbf.numerics.arb`). Logits are $z_{ik}=-d_{ik}/\sigma$
# with squared distances $d$; the two axes are the **logit scale** $d_{(1)}/\sigma$ and the
# **gap** $(d_{(2)}-d_{(1)})/\sigma$.

# %%
from kmrbf.numerics import precision as P

# %matplotlib inline
dtypes = [d for d in DTYPES if d in P.available_dtypes()]

# %% [markdown]
# ## 1. Thresholds from the dtype limits
#
# * **naive NaN**: $e^{z}$ rounds to 0 once $e^{z}<s_{\min}/2$ ($s_{\min}$ the smallest
#   subnormal). When *every* logit is below $\ln(s_{\min}/2)$ the naive formula computes $0/0$.
#   In float64 that is a logit of $-745.13$.
# * **naive accuracy loss**: below $\ln(\mathrm{tiny})$ (float64: $-708.4$) $e^{z}$ is subnormal
#   and loses relative accuracy before it vanishes.
# * **saturation**: max-shifted softmax computes $1/(1+e^{-g})$; the sum rounds to 1 once
#   $e^{-g}\le\varepsilon/2$, i.e. $g\ge p\ln 2$ ($p$ significand bits; float64: 36.74).
# * **underflow of the smallest responsibility**: $g>\ln(2/s_{\min})$ (float64: 745.13).
# * **entmax-1.5 one-hot**: exactly at $g\ge 2=1/(\alpha-1)$ in every dtype. That is the
#   true value, not a rounding artefact.
# * **lost gap**: once $d_{(1)}/\sigma\gtrsim2^{p}$, a gap of 1 rounds away in the logits
#   themselves, for every implementation.

# %%
rows = P.thresholds(dtypes)
print(f"{'dtype':9s}{'impl':10s}{'threshold':17s}{'predicted':>14s}{'measured':>14s}  agrees")
for r in rows:
    print(f"{r['dtype']:9s}{r['impl']:10s}{r['threshold']:17s}{r['predicted']:14.6g}"
          f"{r['measured']:14.6g}  {r['agrees']}")

# %% [markdown]
# ## 2. Accuracy over grids
# Maximum relative error of the responsibilities on the logits $-(s, s+g)$. Yellow means
# no correct digit, or NaN. The dashed lines mark the measured NaN and subnormal thresholds.

# %%
study = P.run_study(P.StudyParams(dtypes=tuple(dtypes), logit_n=LOGIT_GRID, data_n=DATA_GRID,
                                  blobs_n=BLOBS_N))
import pathlib, tempfile
out = pathlib.Path(tempfile.mkdtemp())
files = P.write_figures(study, out)
from IPython.display import Image, display
display(Image(filename=str(out / "precision_resp_relerr.png")))

# %% [markdown]
# At the Lloyd fixed point of a two-cluster configuration (margin $\Delta$) the true
# gradient of $W_\sigma$ is exponentially small. Max-shifted softmax computes it as exactly 0
# ("gradients collapse"), but the centroid update has the full accuracy of the dtype:
# the collapsed term is smaller than the rounding of the centroid.

# %%
display(Image(filename=str(out / "precision_update_relerr.png")))
display(Image(filename=str(out / "precision_grad_relerr.png")))

# %% [markdown]
# ## 3. Real configurations
# In the §3.6 example the paper's numbers were lost in the text extraction. We use a point at
# distance 10 and σ = 0.01, so the exponent is $-10^4$.

# %%
for r in study["paper_example"]:
    print(f"{r['dtype']:9s}{r['impl']:10s} exponent {r['exponent']:.0f}  p = ({r['p1']}, {r['p2']})"
          f"  exact log10 p2 = {r['p2_exact_log10']:.1f}")

# %% [markdown]
# Blobs data along a σ schedule (σ halves every two iterations, down to $2^{-24}$): the
# relative error against the arb trajectory. A value of 10 means NaN.

# %%
display(Image(filename=str(out / "precision_blobs.png")))
for r in study["blobs"]["runs"]:
    print(r["dtype"], r["impl"], "breaks at iteration", r["break_iter"])

# %% [markdown]
# ## 4. Verdict (computed from the measurements above)

# %%
v = study["verdict"]
print(v["status"])
print(v["condition"])
