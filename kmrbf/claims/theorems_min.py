r"""Evidence for KR-T1-min (minimisers), KR-C1 (coercivity) and KR-T2-grad (numeric part).

KR-T1-min. :math:`\min W_\sigma\ge\min F_0` because :math:`W_\sigma\ge F_0` pointwise, and
:math:`\min W_\sigma\le W_\sigma(M_{\rm opt})\le\min F_0+N(K-1)\sigma/e`; every near-minimiser
:math:`M` of :math:`W_\sigma` therefore has :math:`F_0(M)\le\min F_0+N(K-1)\sigma/e`, which is
why its distance to the optimal set shrinks.  Checked against the exact optimum
(:mod:`kmrbf.numerics.partitions`).

KR-T2-grad. With :math:`g_{ij}=d_{ij}-d_{i,c(i)}\ge\Delta` (Voronoi margin of :math:`M`),
the extra term :math:`E_k=-\tfrac2\sigma\sum_ir_{ik}(\mu_k-x_i)(d_{ik}-\bar d_i)` obeys
:math:`r_{ik}\lvert d_{ik}-\bar d_i\rvert\le(K-1)\,s_i\,e^{-\Delta/\sigma}` with
:math:`s_i=\max_jd_{ij}-\min_jd_{ij}` (own cell: :math:`\bar d_i-d_{ik}=\sum_{j\ne k}r_{ij}g_{ij}`,
:math:`r_{ij}\le e^{-g_{ij}/\sigma}`; foreign cell: :math:`r_{ik}\le e^{-\Delta/\sigma}`), so

.. math::

    \lVert E_k\rVert\le B_k=\frac{2(K-1)}{\sigma}e^{-\Delta/\sigma}\sum_i\lVert\mu_k-x_i\rVert s_i .

The RBF step with :math:`\eta_k=1/(2S_k)`, :math:`S_k=\sum_ir_{ik}`, is
:math:`\hat\mu_k-E_k/(2S_k)`, hence with :math:`L_k` the Lloyd update (mean of the Voronoi
cell :math:`C_k` of :math:`M`, :math:`n_k=\lvert C_k\rvert`) and
:math:`A^L_k=(K-1)\sum_{C_k}\lVert x_i-L_k\rVert+\sum_{i\notin C_k}\lVert x_i-L_k\rVert`:

.. math::

    \lVert\text{step}_k-L_k\rVert\le\frac{\varepsilon A^L_k+B_k/2}{n_k(1-(K-1)\varepsilon)},
    \qquad\varepsilon=e^{-\Delta/\sigma}.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import assume

from ..registry import EvidenceResult, RunContext, Table, register_evidence
from ..strategies import instances, small_clustering_data, voronoi_instances
from .theorems import gamma, rel_sigmas, scaled_property

__all__: list[str] = []


# --------------------------------------------------------------------------- KR-T1-min
def _margin(X: np.ndarray, M: np.ndarray) -> float:
    d = np.sort(((X[:, None, :] - M[None]) ** 2).sum(-1), axis=1)
    return float((d[:, 1] - d[:, 0]).min())


@scaled_property("KR-T1-min", "exact-optimum-vs-multistart", fraction=0.4,
                 strategies={"data": small_clustering_data(max_n=8)},
                 strategy_summary="N = K+1..8 distinct points on the grid 2^-3 in [-4,4]^D, D = 1..2, K = 2..3; "
                                  "sigma = Delta_opt x {1, 1/4, 1/16, 1/64}")
def t1_min(data: tuple[np.ndarray, int]) -> None:
    r"""Against the exact K-means optimum (all partitions): the multistart minimum of :math:`W_\sigma`
    lies in :math:`[\min F_0,\ \min F_0+N(K-1)\sigma/e]`, its minimiser has
    :math:`F_0\le\min F_0+N(K-1)\sigma/e`, and its distance to the optimal set (best permutation)
    is below the first-order reach :math:`\lVert\nabla W_\sigma(M)\rVert/(2m)` plus the Theorem 3 offset at
    :math:`\sigma=\Delta_{\rm opt}/64` and does not exceed the distance at :math:`\sigma=\Delta_{\rm opt}`
    by more."""
    from ..numerics import F0, grad_W_sigma
    from ..numerics.partitions import distance_to_set, kmeans_optimum, minimise_W_sigma

    X, K = data
    N = X.shape[0]
    opt = kmeans_optimum(X, K)
    d_opt = min(_margin(X, C) for C in opt.centroids)
    assume(d_opt > 0)
    f0 = float(opt.value)
    # W and F0 are sums of N*K terms of size <= max d: gamma_{N K + 4D + 16} * N * max d each
    dmax = float(((X[:, None, :] - X[None]) ** 2).sum(-1).max())
    tol = gamma(N * K + 4 * X.shape[1] + 16) * N * dmax
    dists = []
    for j in range(4):
        sigma = d_opt * 4.0**-j
        val, M, _ = minimise_W_sigma(X, K, sigma, optimum=opt, max_starts=40)
        bound = N * (K - 1) * sigma / math.e
        assert val >= f0 - tol, f"min W {val!r} < min F0 {f0!r} (W >= F0 violated)"
        assert val <= f0 + bound + tol, f"sigma={sigma!r}: min W - min F0 = {val - f0!r} > {bound!r}"
        assert float(F0(X, M)) <= f0 + bound + tol, "minimiser of W_sigma is not F0-near-optimal"
        dists.append(distance_to_set(M, opt.centroids))
    # Distance of the returned point to the optimal set at sigma = Delta/64, from first-order
    # optimality: near M* the Hessian of W_sigma is 2 n_k I per centroid up to O(e^{-Delta/sigma}/sigma),
    # so dist(M, M_sigma) <= ||grad W(M)|| / (2 m); the W minimiser M_sigma sits within the Theorem 3
    # offset 2 diam N (K-1)/m e^{-Delta/sigma} of M*; the float gradient carries gamma * 2N(R + diam).
    diam = math.sqrt(dmax)
    m = min(int(np.bincount(lab, minlength=K).min()) for lab in opt.partitions)
    sigma = d_opt * 4.0**-3
    grad = float(np.linalg.norm(grad_W_sigma(X, M, sigma)))
    R = float(np.abs(X).max())
    reach = (grad + gamma(N * K * X.shape[1] + 16) * 2 * N * (R + diam)) / (2 * m) \
        + 2 * diam * N * (K - 1) / m * math.exp(-d_opt / sigma)
    assert dists[-1] <= reach, f"distance to the optimal set at Delta/64: {dists!r} > {reach!r}"
    assert dists[-1] <= dists[0] + reach, f"distance did not shrink: {dists!r}"


# --------------------------------------------------------------------------- KR-C1
@scaled_property("KR-C1", "float64-coercivity", fraction=0.5, role="hypothesis",
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


@register_evidence("KR-C1", kind="experiment", name="exact-witness", role="hypothesis",
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


# --------------------------------------------------------------------------- KR-T2-grad
def _pieces(X: np.ndarray, M: np.ndarray, sigma: float, delta: float) -> dict[str, Any]:
    from .. import numerics as nx

    K = M.shape[0]
    d = ((X[:, None, :] - M[None]) ** 2).sum(-1)
    r = np.asarray(nx.responsibilities(X, M, sigma))
    diff = M[None, :, :] - X[:, None, :]  # (N,K,D)
    dist = np.sqrt((diff**2).sum(-1))
    spread = d.max(1) - d.min(1)
    eps = math.exp(-delta / sigma)
    B = 2 * (K - 1) / sigma * eps * (dist * spread[:, None]).sum(0)
    grad = np.asarray(nx.grad_W_sigma(X, M, sigma))
    E = grad - 2 * (r[:, :, None] * diff).sum(0)
    dbar = (r * d).sum(1, keepdims=True)
    # rounding: every term of grad carries gamma_c relative error on r|mu-x|(1 + (d + dbar)/sigma)
    tol = gamma(X.shape[0] + 4 * K + 4 * X.shape[1] + 16) * 2 * (
        r * dist * (1 + (d + dbar) / sigma) + dist).sum(0)
    return {"r": r, "B": B, "E": E, "tol": tol, "eps": eps, "dist": dist}


@scaled_property("KR-T2-grad", "float64-extra-term-bound", fraction=1.0,
                 strategies={"vi": voronoi_instances(), "t": rel_sigmas()},
                 strategy_summary="Lloyd fixed points with centroids shifted on the grid (Voronoi margin "
                                  "Delta > 0 exact, non-empty cells); sigma = t Delta, t in [1e-3, 1]")
def t2_extra(vi: tuple[np.ndarray, np.ndarray, np.ndarray, Fraction], t: float) -> None:
    r"""The responsibility-derivative term of :math:`\nabla_{\mu_k}W_\sigma` (library gradient minus
    :math:`2\sum_ir_{ik}(\mu_k-x_i)`) is at most
    :math:`B_k=\tfrac{2(K-1)}\sigma e^{-\Delta/\sigma}\sum_i\lVert\mu_k-x_i\rVert s_i\to0`."""
    X, M, labels, delta = vi
    sigma = t * float(delta)
    p = _pieces(X, M, sigma, float(delta))
    for k in range(M.shape[0]):
        e = float(np.linalg.norm(p["E"][k]))
        assert e <= p["B"][k] + p["tol"][k], f"k={k}: ||E_k|| = {e!r} > B_k = {p['B'][k]!r}"


@scaled_property("KR-T2-grad", "float64-rbf-step-vs-lloyd", fraction=1.0,
                 strategies={"vi": voronoi_instances(), "t": rel_sigmas()},
                 strategy_summary="as float64-extra-term-bound; sigma = t Delta/ln(2(K-1)) (so (K-1)eps <= 1/2)")
def t2_step(vi: tuple[np.ndarray, np.ndarray, np.ndarray, Fraction], t: float) -> None:
    r"""One full-gradient RBF step (:math:`\eta_k=1/(2S_k)`, library ``rbf_gradient_step``) is within
    :math:`(\varepsilon A^L_k+B_k/2)/(n_k(1-(K-1)\varepsilon))` of the Lloyd step (module docstring)."""
    from .. import numerics as nx

    X, M, labels, delta = vi
    K = M.shape[0]
    sigma = t * float(delta) / math.log(max(2 * (K - 1), 2))
    p = _pieces(X, M, sigma, float(delta))
    step = np.asarray(nx.rbf_gradient_step(X, M, sigma))
    L = np.stack([X[labels == k].mean(0) for k in range(K)])
    eps = p["eps"]
    R = float(np.abs(X).max() + np.abs(M).max())
    for k in range(K):
        own = labels == k
        dl = np.sqrt(((X - L[k]) ** 2).sum(1))
        A = (K - 1) * dl[own].sum() + dl[~own].sum()
        nk = int(own.sum())
        bound = (eps * A + p["B"][k] / 2) / (nk * (1 - (K - 1) * eps))
        # step = M - eta*grad: |M| and the soft centroid carry gamma_c * R; E_k/(2S_k) its own tol
        tol = gamma(X.shape[0] + 4 * K + 16) * R * math.sqrt(X.shape[1]) + p["tol"][k] / (2 * nk * (1 - (K - 1) * eps))
        gap = float(np.linalg.norm(step[k] - L[k]))
        assert gap <= bound + tol, f"k={k}: ||step - Lloyd|| = {gap!r} > {bound!r}"


@register_evidence("KR-T2-grad", kind="experiment", name="arb-step-rate", role="sharper",
                   description="arb: sigma log||RBF step_k - Lloyd step_k|| -> -Delta (Voronoi margin of M), "
                               "measured where float64 underflows (sigma down to Delta/1000) on the fixed "
                               "instances with shifted centroids")
def _t2_rate(ctx: RunContext) -> EvidenceResult:
    from flint import arb, ctx as fctx

    from ..numerics.arb import arb_grad_W_sigma, arb_responsibilities, exact_sq_distances
    from ..numerics.lloyd_instances import certified_instances

    rows, bad = [], []
    for name, inst in certified_instances():
        Mq = [[v + Fraction(1, 8) for v in row] for row in inst.M_exact]
        d = exact_sq_distances(inst.X_exact, Mq)
        lab = [min(range(inst.K), key=lambda j: row[j]) for row in d]
        gaps = [sorted(row)[1] - sorted(row)[0] for row in d]
        delta = Fraction(int(min(gaps).p), int(min(gaps).q))
        L = [[sum((inst.X_exact[i][c] for i in range(inst.N) if lab[i] == k), Fraction(0)) /
              sum(1 for i in range(inst.N) if lab[i] == k) for c in range(inst.D)] for k in range(inst.K)]
        prev = None
        for fr in (Fraction(1, 10), Fraction(1, 100), Fraction(1, 1000)):
            s = delta * fr
            prec = 128 + int(1.5 / float(fr)) + 64
            g = arb_grad_W_sigma(inst.X_exact, Mq, s, prec=prec)
            r = arb_responsibilities(inst.X_exact, Mq, s, prec=prec)
            with fctx.workprec(prec):
                worst = None
                for k in range(inst.K):
                    S = sum((r[i][k] for i in range(inst.N)), arb(0))
                    sq = arb(0)
                    for c in range(inst.D):
                        v = arb(Mq[k][c].numerator) / Mq[k][c].denominator - g[k][c] / (2 * S) \
                            - arb(L[k][c].numerator) / L[k][c].denominator
                        sq += v * v
                    rate = (arb(s.numerator) / s.denominator) * sq.log() / 2
                    worst = rate if worst is None or rate.mid() > worst.mid() else worst
                val = float(worst.mid()) + float(delta)
            rows.append([name, str(fr), f"{float(delta):.5g}", f"{val:.4g}"])
            if prev is not None and not abs(val) <= abs(prev):
                bad.append(f"{name}: sigma log gap + Delta not shrinking ({prev} -> {val})")
            prev = val
    return EvidenceResult(status="failed" if bad else "passed", examples=len(rows),
                          counterexample="; ".join(bad) or None,
                          summary="max_k sigma log||step_k - Lloyd_k|| + Delta -> 0",
                          tables=[Table(["instance", "sigma/Delta", "Delta", "max_k sigma log gap_k + Delta"],
                                        rows, "Rate of the RBF step towards the Lloyd step (arb)")])
