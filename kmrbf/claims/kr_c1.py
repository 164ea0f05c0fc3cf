"""Evidence for KR-C1 (KR Cor. 1): can F0 be coercive on the whole space?  (It cannot for K >= 2.)"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import assume

from .. import theory
from ..evidence import EvidenceList, EvidenceResult, RunContext, Table
from ..evidence.strategies import instances

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-C1")


EVIDENCE.derivation("coercivity-witness", "hypothesis", theory.kr_c1)


@EVIDENCE.property("float64-coercivity", fraction=0.5, role="hypothesis",
                   strategies={"inst": instances(max_n=12, max_k=4, max_d=3)},
                   strategy_summary="data and centroids from the base instance strategy with K >= 2; the last "
                                    "centroid is sent along the first axis, |t| up to 1e12")
def c1_coercive(inst: tuple[np.ndarray, np.ndarray]) -> None:
    r"""The hypothesis 'F0 is coercive': along :math:`M_t=(\mu_1,\dots,\mu_{K-1},\mu_K+te_1)`,
    :math:`\lVert M_t\rVert\to\infty`, so coercivity demands :math:`F_0(M_t)\to\infty`; the check
    asserts :math:`F_0(M_t)` exceeds :math:`F_0^{(K-1)}+1` (the value with the last centroid dropped)
    for large t.  For K >= 2 it cannot: :math:`F_0(M_t)\le F_0^{(K-1)}`."""
    from ..numerics import F0

    X, M = inst
    assume(M.shape[0] >= 2)
    level = float(F0(X, M[:-1]))
    vals = []
    for t in (1e3, 1e6, 1e9, 1e12):
        Mt = M.copy()
        Mt[-1, 0] += t
        vals.append(float(F0(X, Mt)))
    assert vals[-1] > level + 1.0, (
        f"not coercive: F0(M_t) = {vals} stays <= F0 without the last centroid = {level!r} "
        f"while ||M_t|| -> infinity")


@EVIDENCE.register(kind="experiment", name="exact-witness", role="hypothesis",
                   description="exact rational arithmetic: F0(M_t) is constant for t >= t0 along a path "
                               "with ||M_t|| = 10^j, j up to 300, for K = 2, 3, 4")
def _c1_exact(ctx: RunContext) -> EvidenceResult:
    rows, coercive_somewhere = [], False
    X = [[Fraction(v)] for v in (0, 1, 3, 7)] + [[Fraction(-2)]]
    for K in (2, 3, 4):
        M = [[Fraction(k * 2)] for k in range(K)]
        level = sum(min((x[0] - m[0]) ** 2 for m in M[:-1]) for x in X)
        vals = []
        for j in (1, 10, 100, 300):
            Mt = [list(m) for m in M]
            Mt[-1][0] += Fraction(10) ** j
            vals.append(sum(min((x[0] - m[0]) ** 2 for m in Mt) for x in X))
        coercive_somewhere |= vals[-1] > level
        rows.append([K, str(level), ", ".join(str(v) for v in vals), "10^1 .. 10^300"])
    return EvidenceResult(
        status="passed" if coercive_somewhere else "failed", examples=len(rows),
        counterexample=None if coercive_somewhere else
        "X = (0, 1, 3, 7, -2), mu_k = 2k, last centroid + 10^j: F0 stays at F0 of the other K-1 centroids",
        summary="F0 is bounded along a path to infinity for every K >= 2: never coercive",
        tables=[Table(["K", "F0 without last centroid", "F0(M_t), t = 10^1,10^10,10^100,10^300", "t"], rows,
                      "Exact witness: F0 does not grow along M_t")])
