"""Evidence for KR-S32 (KR §3.2): the zero-temperature limit of the entropic relaxation.

Tolerances are float64 rounding bounds (:mod:`kmrbf.evidence.roundoff`), nothing hand-picked.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from .. import numerics as nx
from .. import theory
from ..evidence import EvidenceList
from ..evidence.roundoff import U, slack, w_sigma_roundings
from ..evidence.strategies import INSTANCE_AND_SIGMA, INSTANCE_AND_SIGMA_SUMMARY, sigmas

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-S32")


@st.composite
def _distance_rows(draw):
    """Squared-distance rows with a tie set of size t at the minimum and a strictly positive gap."""
    k = draw(st.integers(1, 8))
    t = draw(st.integers(1, k))
    dmin = draw(st.floats(0.0, 100.0, allow_subnormal=False))
    gap = draw(st.floats(1e-3, 100.0))
    rest = draw(st.lists(st.floats(0.0, 100.0, allow_subnormal=False), min_size=k - t, max_size=k - t))
    row = [dmin] * t + [dmin + gap + r for r in rest]
    perm = draw(st.permutations(range(k)))
    return np.asarray([row[p] for p in perm]), t


@EVIDENCE.property(
    "concentration-on-argmin",
    strategies={"row": _distance_rows(), "sigma": sigmas(min_value=1e-3, max_value=10.0)},
    strategy_summary="Distance rows, K <= 8, with t tied minima and a gap >= 1e-3 to the rest; sigma log-uniform in [1e-3, 10].",
)
def check_concentration(row, sigma):
    r"""$r_i(M,\sigma)\to$ uniform on $T=\arg\min_kd_{ik}$, quantitatively:
    $\lvert r_{ik}-1/\lvert T\rvert\rvert\le(K-\lvert T\rvert)e^{-g/\sigma}/\lvert T\rvert^2$ on $T$ and $r_{ij}\le e^{-g/\sigma}$ off $T$,
    $g$ the gap to the best non-tied entry."""
    d, t = row
    k = d.size
    r = nx.softmax(-d / sigma)
    tie = d == d.min()
    g = float(np.min(d[~tie]) - d.min()) if (~tie).any() else math.inf
    eps = math.exp(-g / sigma)
    # z = -d/sigma and the max-shift carry absolute error ~ u |z|, i.e. a relative
    # error ~ u |z| in each exponential; normalisation adds ~ (k + 4) u.
    rel = slack(4 * k + 8, 1.0) + 4 * U * float(d.max()) / sigma
    assert np.all(np.abs(r[tie] - 1.0 / t) <= (k - t) * eps / t**2 * (1 + rel) + rel), (r, t, eps)
    assert np.all(r[~tie] <= eps * (1 + rel)), (r, eps)


@EVIDENCE.property(
    "G-sandwich",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_g_sandwich(inst, sigma):
    r"""$F_0-\sigma N\log K\le G_\sigma\le F_0$ and $W_\sigma-G_\sigma=\sigma\sum_iH(r_i)\in[0,\sigma N\log K]$."""
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    f0, g, w = nx.F0(X, M), nx.G_sigma(X, M, sigma), nx.W_sigma(X, M, sigma)
    r = nx.responsibilities(X, M, sigma)
    plogp = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    ent = float(-plogp.sum())
    mag = float(nx.sq_distances(X, M).max(axis=1).sum()) + sigma * n * math.log(k) + sigma * n
    tol = slack(w_sigma_roundings(X, M), mag)
    assert f0 - sigma * n * math.log(k) - tol <= g <= f0 + tol, (f0, g)
    assert -tol <= w - g <= sigma * n * math.log(k) + tol, (w, g)
    assert abs((w - g) - sigma * ent) <= tol, (w - g, sigma * ent)


EVIDENCE.derivation("zero-temperature-limits", "paper", theory.kr_s32)
