r"""Evidence for Theorem 3 (KR-T3), float64 part, and the helpers shared by the ``theorems_*`` modules.

The arb (ball arithmetic) evidence for Theorem 3 — certificates and the true rate — lives in
:mod:`kmrbf.claims.theorems_t3_arb`, the soft-Lloyd extension in :mod:`kmrbf.claims.theorems_t3_soft_lloyd`.

Tolerances (float64)
--------------------
A soft centroid :math:`\sum_iw_ix_i/\sum_iw_i` is computed from responsibilities with
a relative error of at most :math:`\gamma_{K+4}` per entry (max-shift, exp, sum,
divide), a sum of :math:`N` products and one division.  By the standard bound
:math:`\lvert\mathrm{fl}(\sum)-\sum\rvert\le\gamma_n\sum\lvert\text{terms}\rvert`
(Higham §4.2) its error is at most :math:`\gamma_{N+K+8}\max_i\lVert x_i\rVert_\infty`
per coordinate; :math:`M` itself is the correctly rounded exact mean (error
:math:`u\lvert\mu^*\rvert`).  :func:`centroid_tol` returns the Euclidean norm of that
per-coordinate bound (:math:`\sqrt D` times), nothing hand-picked.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..property import run_property
from ..registry import EvidenceResult, Role, RunContext, register_evidence, _source_hash
from ..strategies import lloyd_fixed_points

__all__ = ["U", "gamma", "centroid_tol", "scaled_property", "t3_bounds", "rel_sigmas"]

U = 2.0**-53  # unit roundoff of float64


def gamma(n: int) -> float:
    r""":math:`\gamma_n=nu/(1-nu)`, the worst-case relative error of ``n`` roundings."""
    return n * U / (1 - n * U)


def centroid_tol(X: np.ndarray, K: int) -> float:
    """Euclidean float64 error bound of one soft centroid (module docstring)."""
    N, D = X.shape
    R = float(np.abs(X).max()) if X.size else 0.0
    return math.sqrt(D) * (gamma(N + K + 8) + U) * R


def scaled_property(claim_id: str, name: str, *, strategies: Mapping[str, st.SearchStrategy[Any]],
                    fraction: float, role: Role = "paper", description: str = "",
                    strategy_summary: str = "", examples: Sequence[Mapping[str, Any]] = (),
                    minimum: int = 5) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like :func:`kmrbf.property.property_evidence`, with ``max_examples`` scaled by ``fraction``.

    For properties whose single example is expensive (arb, multistart optimisation):
    ``max(minimum, round(fraction * profile.max_examples))`` examples.
    """

    def deco(check: Callable[..., Any]) -> Callable[..., Any]:
        def run(ctx: RunContext) -> EvidenceResult:
            prof = dataclasses.replace(
                ctx.profile, max_examples=max(minimum, round(fraction * ctx.profile.max_examples)))
            sub = dataclasses.replace(ctx, profile=prof)
            res = run_property(check, strategies, sub, examples=examples)
            res.data["strategy"] = strategy_summary
            res.data["max_examples"] = prof.max_examples
            return res

        register_evidence(claim_id, kind="property", name=name, role=role,
                          description=description or (check.__doc__ or "").strip(),
                          version=_source_hash(check))(run)
        return check

    return deco


def rel_sigmas() -> st.SearchStrategy[float]:
    """``t`` log-uniform in ``[1e-3, 1]``: sigma is drawn as ``t`` times a threshold."""
    return st.floats(math.log(1e-3), 0.0).map(math.exp)


def t3_bounds(inst: Any, sigma: float) -> dict[str, np.ndarray]:
    r"""Theorem 3's bounds (float64) for every cell: ``instance``, ``per_cell`` (sharper,
    :math:`\varepsilon_k=e^{-\Delta_k/\sigma}`) and ``global``
    (:math:`2\operatorname{diam}N(K-1)/m\cdot\varepsilon`)."""
    K = inst.K
    eps = math.exp(-float(inst.delta) / sigma)
    epk = np.exp(-np.array([float(v) for v in inst.delta_k]) / sigma)
    A, n = inst.A(), np.array(inst.counts, dtype=float)
    return {
        "instance": eps * A / (n * (1 - (K - 1) * eps)),
        "per_cell": epk * A / (n * (1 - (K - 1) * epk)),
        "global": np.full(K, 2 * inst.diam * inst.N * (K - 1) / inst.m * eps),
    }


def _sigma_max(inst: Any) -> float:
    """:math:`\\Delta/\\ln(2(K-1))` (the global bound's range; it implies (K-1)eps <= 1/2)."""
    return float(inst.delta) / math.log(2 * (inst.K - 1)) if inst.K > 2 else float(inst.delta) / math.log(2)


def _deviations(inst: Any, sigma: float, alpha: float = 1.0) -> np.ndarray:
    from .. import numerics as nx

    c = np.asarray(nx.soft_centroids(inst.X, inst.M, sigma, alpha=alpha))
    return np.sqrt(((c - inst.M) ** 2).sum(1))


_LLOYD = lloyd_fixed_points(max_k=4, max_d=3, max_per_cell=8)
_LLOYD_SUMMARY = ("exact Lloyd fixed points (K=2..4, D=1..3, 1..8 points per cell on the grid 2^-6, "
                  "margin Delta>0 exact); sigma = t * Delta/ln(2(K-1)), t log-uniform in [1e-3, 1]")


# --------------------------------------------------------------------------- KR-T3 float64
@scaled_property("KR-T3", "float64-bounds", fraction=1.0, strategies={"inst": _LLOYD, "t": rel_sigmas()},
                 strategy_summary=_LLOYD_SUMMARY)
def t3_float64(inst: Any, t: float) -> None:
    r"""float64 soft centroids at a Lloyd fixed point obey Theorem 3's instance bound
    :math:`\varepsilon A_k/(n_k(1-(K-1)\varepsilon))` and the global bound
    :math:`2\operatorname{diam}N(K-1)/m\cdot e^{-\Delta/\sigma}` for :math:`\sigma\le\Delta/\ln(2(K-1))`
    (plus the float64 error of the soft centroid, module docstring)."""
    sigma = t * _sigma_max(inst)
    dev = _deviations(inst, sigma)
    b = t3_bounds(inst, sigma)
    tol = centroid_tol(inst.X, inst.K)
    for k in range(inst.K):
        assert dev[k] <= b["instance"][k] + tol, f"k={k}: {dev[k]!r} > instance bound {b['instance'][k]!r}"
        assert dev[k] <= b["global"][k] + tol, f"k={k}: {dev[k]!r} > global bound {b['global'][k]!r}"


@scaled_property("KR-T3", "float64-per-cell-bound", fraction=1.0, role="sharper",
                 strategies={"inst": _LLOYD, "t": rel_sigmas()}, strategy_summary=_LLOYD_SUMMARY)
def t3_float64_per_cell(inst: Any, t: float) -> None:
    r"""Sharper: the instance bound holds with the per-cell margin,
    :math:`\lVert\hat\mu_k-\mu^*_k\rVert\le\varepsilon_kA_k/(n_k(1-(K-1)\varepsilon_k))`,
    :math:`\varepsilon_k=e^{-\Delta_k/\sigma}`, :math:`\Delta_k\ge\Delta` the smallest gap touching cell k."""
    sigma = t * _sigma_max(inst)
    dev = _deviations(inst, sigma)
    b = t3_bounds(inst, sigma)["per_cell"]
    tol = centroid_tol(inst.X, inst.K)
    for k in range(inst.K):
        assert dev[k] <= b[k] + tol, f"k={k}: {dev[k]!r} > per-cell bound {b[k]!r}"
