"""Evidence for KR-T1-liminf (KR Thm 1): the Γ-liminf inequality, plain and quantitative.

Tolerances are float64 rounding bounds (:mod:`kmrbf.evidence.roundoff`), nothing hand-picked.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .. import numerics as nx
from ..evidence import EvidenceList
from ..evidence.roundoff import slack, w_sigma_roundings
from ..evidence.strategies import (
    INSTANCE_AND_SIGMA,
    INSTANCE_AND_SIGMA_SUMMARY,
    coordinates,
    instances,
    sigmas,
)

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-T1-liminf")


@EVIDENCE.property(
    "W-above-F0",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_w_above_f0(inst, sigma):
    r"""$W_\sigma(M)\ge F_0(M)$ for every $M$ and $\sigma>0$ (each $W_\sigma$ term is a convex combination of the $d_{ik}$)."""
    X, M = inst
    w, f0 = nx.W_sigma(X, M, sigma), nx.F0(X, M)
    d = nx.sq_distances(X, M)
    assert w >= f0 - slack(w_sigma_roundings(X, M), float(d.max(axis=1).sum())), (w, f0)


@st.composite
def _perturbed(draw):
    X, M = draw(instances())
    delta = draw(st.lists(coordinates(bound=1.0), min_size=M.size, max_size=M.size))
    scale = draw(st.sampled_from([1e-6, 1e-3, 1e-1, 1.0]))
    return X, M, M + scale * np.asarray(delta).reshape(M.shape)


@EVIDENCE.property(
    "quantitative-liminf",
    strategies={"inst": _perturbed(), "sigma": sigmas()},
    strategy_summary="(X, M, M') with M' = M + s*delta, s in {1e-6, 1e-3, 0.1, 1}, delta in [-1, 1]; sigma log-uniform in [1e-3, 1e3].",
)
def check_quantitative_liminf(inst, sigma):
    r"""$W_\sigma(M')\ge F_0(M)-L\lVert M'-M\rVert_F$ with $L=\sum_i\max_k(\lVert x_i-\mu_k\rVert+\lVert x_i-\mu'_k\rVert)$.

    Proof: $W_\sigma(M')\ge F_0(M')$ and $\lvert d_{ik}(M')-d_{ik}(M)\rvert
    =\lvert(\mu'_k-\mu_k)\cdot(\mu'_k+\mu_k-2x_i)\rvert\le\lVert\mu'_k-\mu_k\rVert(\lVert x_i-\mu_k\rVert+\lVert x_i-\mu'_k\rVert)$,
    so $\liminf W_{\sigma_n}(M_n)\ge F_0(M)$ whenever $M_n\to M$.
    """
    X, M, Mp = inst
    dist = np.sqrt(nx.sq_distances(X, M))
    distp = np.sqrt(nx.sq_distances(X, Mp))
    L = float((dist + distp).max(axis=1).sum())
    gap = float(np.linalg.norm(Mp - M))
    w, f0 = nx.W_sigma(X, Mp, sigma), nx.F0(X, M)
    mag = float(nx.sq_distances(X, M).max(axis=1).sum() + nx.sq_distances(X, Mp).max(axis=1).sum()) + L * gap
    assert w >= f0 - L * gap - slack(w_sigma_roundings(X, M), mag), (w, f0, L, gap)
