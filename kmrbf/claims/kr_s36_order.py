"""Evidence for KR-S36-order (KR §3.6): entmax-1.5 keeps the order of the logits, hence the Voronoi regions."""

from __future__ import annotations

import numpy as np

from .. import numerics as nx
from ..evidence import EvidenceList
from ..evidence.roundoff import U
from ..evidence.strategies import instances, logit_vectors, sigmas

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-S36-order")


@EVIDENCE.property(
    "entmax15-monotone",
    strategies={"z": logit_vectors(max_size=10)},
    strategy_summary="Logit vectors of size <= 10, entries in [-50, 50], plus a common offset in {0, +-1e3, +-1e300}.",
)
def check_entmax_order(z):
    r"""$z_a\ge z_b\Rightarrow p_a\ge p_b$ for $p=\operatorname{entmax}_{1.5}(z)$: exact in floating point, since
    $p_j=[z_j/2-\tau]_+^2$ is a composition of monotone correctly rounded operations."""
    p = np.asarray(nx.entmax15(z))
    order = np.argsort(z, kind="stable")
    zs, ps = z[order], p[order]
    # sorted order gives p non-decreasing; equal logits (z_a >= z_b and z_b >= z_a) must get
    # equal mass, which the one-sided sorted comparison alone would not detect
    assert np.all(np.diff(ps) >= 0), (z, p)
    assert np.all(np.diff(ps)[np.diff(zs) == 0] == 0), ("tied logits, unequal mass", z, p)


@EVIDENCE.property(
    "voronoi-regions",
    strategies={"inst": instances(max_k=6), "sigma": sigmas()},
    strategy_summary="(X, M) with N <= 12, K <= 6, D <= 3; sigma log-uniform in [1e-3, 1e3].",
)
def check_voronoi(inst, sigma):
    r"""The entmax-1.5 decision rule $\arg\max_k p_{ik}$ selects a nearest centroid: same Voronoi cells as K-means."""
    X, M = inst
    p = np.asarray(nx.responsibilities(X, M, sigma, alpha=1.5))
    d = nx.sq_distances(X, M)
    chosen = d[np.arange(len(X)), p.argmax(axis=1)]
    # -d/sigma is one correctly rounded (monotone) division: distances within a
    # rounding of the minimum may share its logit, and argmax then picks the lowest index.
    assert np.all(chosen <= d.min(axis=1) * (1 + 4 * U)), (p, d)
