"""Evidence for KR-T2 (KR Thm 2): with eta_k = 1/|C_k| one gradient step is the K-means update.

Tolerances are float64 rounding bounds (:mod:`kmrbf.evidence.roundoff`), nothing hand-picked.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from .. import numerics as nx
from .. import theory
from ..evidence import EvidenceList
from ..evidence.quadratic import gd_step
from ..evidence.roundoff import slack
from ..evidence.strategies import coordinates, instances

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-T2", deviations=(
    r"Convention: $L=\tfrac12\sum_k\sum_{i\in C_k}\lVert x_i-\mu_k\rVert^2$ carries the factor $\tfrac12$ (the "
    r"paper's $\eta_k=1/\lvert C_k\rvert$ needs it); $\eta_k=1/(2\lvert C_k\rvert)$ without it is our finding "
    r"(sharper derivation 'factor-convention').",
))


@EVIDENCE.property(
    "gd-step-is-lloyd",
    strategies={"inst": instances(), "start": st.lists(coordinates(), min_size=12, max_size=12)},
    strategy_summary="(X, M) with N <= 12, K <= 4, D <= 3; the GD start points are arbitrary points of the box (not M).",
)
def check_theorem2(inst, start):
    r"""Cells $C_k$ from $M$; from ANY start $\nu_k$, $\nu_k-\frac1{\lvert C_k\rvert}\nabla_{\nu_k}L=\operatorname{mean}(C_k)$,
    which is the library's Lloyd update."""
    X, M = inst
    labels = np.asarray(nx.assign(X, M))
    assume(len(set(labels.tolist())) == M.shape[0])  # the theorem presumes non-empty cells
    lloyd = nx.lloyd_step(X, M)
    for k in range(M.shape[0]):
        cell = X[labels == k]
        nu = np.resize(np.asarray(start), X.shape[1])
        step = gd_step(cell, np.ones(len(cell)), nu, 1.0 / len(cell))
        mag = np.abs(nu) + np.abs(cell).max(axis=0)
        tol = np.array([slack(2 * len(cell) + 8, m) for m in mag])
        assert np.all(np.abs(step - lloyd[k]) <= tol), (k, step, lloyd[k])


EVIDENCE.derivation("kmeans-step", "paper", theory.kr_t2)
EVIDENCE.derivation("factor-convention", "sharper", theory.kr_t2_convention)
