r"""Evidence for the extension of Theorem 3 (KR-T3): the soft-Lloyd fixed point near :math:`M^*`
is within :math:`O(e^{-\Delta/\sigma})` (float64; shared helpers from :mod:`kmrbf.claims.theorems`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import assume

from .theorems import _LLOYD, _LLOYD_SUMMARY, _sigma_max, centroid_tol, rel_sigmas, scaled_property, t3_bounds

__all__: list[str] = []


# --------------------------------------------------------------------------- KR-T3 soft-Lloyd
@scaled_property("KR-T3", "soft-lloyd-fixed-point", fraction=0.5, role="sharper",
                 strategies={"inst": _LLOYD, "t": rel_sigmas()}, strategy_summary=_LLOYD_SUMMARY)
def t3_soft_lloyd(inst: Any, t: float) -> None:
    r"""Extension: soft-Lloyd started at :math:`M^*` stays in, and converges inside, the ball
    :math:`\max_k\lVert\mu_k-\mu^*_k\rVert\le b(\rho)`, :math:`\rho=2b_0`, where :math:`b_0` is the
    instance bound and :math:`b(\rho)` the same bound with :math:`\Delta` lowered to
    :math:`\Delta-2\rho(2D_{\max}+\rho)`; whenever :math:`b(\rho)\le\rho` the soft-centroid map sends
    that ball into itself (the proof of Theorem 3 at any :math:`M` with the same cells), so the
    soft-Lloyd fixed point is within :math:`O(e^{-\Delta/\sigma})` of :math:`M^*`."""
    from .. import numerics as nx

    sigma = t * _sigma_max(inst)
    b0 = float(t3_bounds(inst, sigma)["instance"].max())
    rho = 2 * b0 + centroid_tol(inst.X, inst.K)
    dmax = float(np.sqrt(((inst.X[:, None, :] - inst.M[None]) ** 2).sum(-1)).max())
    delta_r = float(inst.delta) - 2 * rho * (2 * dmax + rho)
    assume(delta_r > 0)
    eps = math.exp(-delta_r / sigma)
    assume((inst.K - 1) * eps < 1)
    b_rho = float((eps * inst.A() / (np.array(inst.counts) * (1 - (inst.K - 1) * eps))).max())
    assume(b_rho <= rho)
    res = nx.soft_lloyd(inst.X, inst.M, sigma, max_iter=200, tol=0.0)
    dist = float(np.sqrt(((np.asarray(res.centroids) - inst.M) ** 2).sum(1)).max())
    tol = centroid_tol(inst.X, inst.K)
    assert dist <= b_rho + tol, f"soft-Lloyd limit at {dist!r} > b(rho) = {b_rho!r}"
