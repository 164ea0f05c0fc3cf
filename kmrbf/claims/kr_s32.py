r"""Evidence for KR-S32 (KR §3.2): the zero-temperature limit of the entropic relaxation.

Every bound is tested in both directions: the paper-role properties check that it holds
(with Hypothesis ``target()`` steering the search towards the worst ratio actual/bound), and
the ``sharper``-role evidence ``bounds-attained`` evaluates the *same* bound functions
(:func:`sandwich_bound`, :func:`concentration_bounds`) on the instances where the mathematics
says they are attained and checks the ratio actual/bound there:

* :math:`F_0-G_\sigma\le\sigma N\log K` and :math:`W_\sigma-G_\sigma\le\sigma N\log K` are
  equalities when every point is equidistant from all :math:`K` centroids
  (:math:`G_\sigma=F_0-\sigma N\log K`, :math:`H(r_i)=\log K`): ratio exactly 1;
* :math:`G_\sigma\le F_0` and :math:`W_\sigma-G_\sigma\ge0` are approached as the gaps grow:
  with one centroid at gap :math:`g` the ratio is :math:`\log(1+e^{-g/\sigma})/\log 2\to0`;
* the concentration bounds :math:`\lvert r_{ik}-1/t\rvert\le(K-t)e^{-g/\sigma}/t^2` (on the
  :math:`t` tied minima) and :math:`r_{ij}\le e^{-g/\sigma}/t` (off them) are attained as
  :math:`\sigma\to0` with every non-tied entry at gap :math:`g`: both ratios are exactly
  :math:`t/(t+(K-t)\varepsilon)`, :math:`\varepsilon=e^{-g/\sigma}`.

Tolerances are float64 rounding bounds (:mod:`kmrbf.evidence.roundoff`), nothing hand-picked.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis import target
from hypothesis.control import currently_in_test_context

from .. import numerics as nx
from .. import theory
from ..evidence import EvidenceList, EvidenceResult, RunContext, Table
from ..evidence.concentration import concentration_bounds
from ..evidence.roundoff import U, slack, w_sigma_roundings
from ..evidence.strategies import INSTANCE_AND_SIGMA, INSTANCE_AND_SIGMA_SUMMARY, sigmas

__all__ = ["sandwich_bound"]

EVIDENCE = EvidenceList("KR-S32", deviations=(
    "Attainment of the sandwich bounds is measured on constructed extremal instances (every point "
    "equidistant from all centroids; one centroid at a growing gap), not on the paper's data: the paper "
    "states the bounds, not where they are tight.",
))


def sandwich_bound(n: int, k: int, sigma: float) -> float:
    r""":math:`\sigma N\log K`: the width of both sandwiches :math:`F_0-G_\sigma` and :math:`W_\sigma-G_\sigma`.

    Parameters
    ----------
    n : int
        Number of points :math:`N`.
    k : int
        Number of centroids :math:`K`.
    sigma : float
        Temperature :math:`\sigma>0`.

    Returns
    -------
    float
        :math:`\sigma N\log K` (0 for ``K = 1``).

    Examples
    --------
    >>> round(sandwich_bound(2, 4, 0.5), 12) == round(math.log(4), 12)
    True
    """
    return sigma * n * math.log(k)


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


def _softmax_rel(d: np.ndarray, sigma: float) -> float:
    """Relative float64 error of a softmax entry of ``-d/sigma``: z = -d/sigma and the max-shift carry
    absolute error ~ u|z| (a relative error ~ u|z| of each exponential); normalisation adds ~ (k + 4) u."""
    return slack(4 * d.size + 8, 1.0) + 4 * U * float(d.max()) / sigma


@EVIDENCE.property(
    "concentration-on-argmin",
    strategies={"row": _distance_rows(), "sigma": sigmas(min_value=1e-3, max_value=10.0)},
    strategy_summary="Distance rows, K <= 8, with t tied minima and a gap >= 1e-3 to the rest; sigma log-uniform in [1e-3, 10].",
)
def check_concentration(row, sigma):
    r"""$r_i(M,\sigma)\to$ uniform on $T=\arg\min_kd_{ik}$, quantitatively:
    $\lvert r_{ik}-1/\lvert T\rvert\rvert\le(K-\lvert T\rvert)e^{-g/\sigma}/\lvert T\rvert^2$ on $T$ and $r_{ij}\le e^{-g/\sigma}/\lvert T\rvert$ off $T$,
    $g$ the gap to the best non-tied entry."""
    d, t = row
    r = nx.softmax(-d / sigma)
    on, off, t = concentration_bounds(d, sigma)
    tie = d == d.min()
    rel = _softmax_rel(d, sigma)
    dev_on = np.abs(r[tie] - 1.0 / t)
    if on > 0 and currently_in_test_context():
        target(float(dev_on.max()) / on, label="|r - 1/t| / bound on T")
        target(float(r[~tie].max()) / off, label="r / bound off T")
    assert np.all(dev_on <= on * (1 + rel) + rel), (r, t, on)
    assert np.all(r[~tie] <= off * (1 + rel)), (r, off)


def _sandwich_tol(X: np.ndarray, M: np.ndarray, sigma: float) -> float:
    n, k = X.shape[0], M.shape[0]
    mag = float(nx.sq_distances(X, M).max(axis=1).sum()) + sigma * n * math.log(k) + sigma * n
    return slack(w_sigma_roundings(X, M), mag)


@EVIDENCE.property(
    "G-sandwich",
    strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY,
)
def check_g_sandwich(inst, sigma):
    r"""$F_0-\sigma N\log K\le G_\sigma\le F_0$ and $W_\sigma-G_\sigma=\sigma\sum_iH(r_i)\in[0,\sigma N\log K]$."""
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    f0, g, w = float(nx.F0(X, M)), float(nx.G_sigma(X, M, sigma)), float(nx.W_sigma(X, M, sigma))
    r = nx.responsibilities(X, M, sigma)
    plogp = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    ent = float(-plogp.sum())
    bound = sandwich_bound(n, k, sigma)
    tol = _sandwich_tol(X, M, sigma)
    if bound > 0 and currently_in_test_context():
        target((f0 - g) / bound, label="(F0 - G) / (sigma N log K)")
        target((w - g) / bound, label="(W - G) / (sigma N log K)")
    assert f0 - bound - tol <= g <= f0 + tol, (f0, g)
    assert -tol <= w - g <= bound + tol, (w, g)
    assert abs((w - g) - sigma * ent) <= tol, (w - g, sigma * ent)


EVIDENCE.derivation("zero-temperature-limits", "paper", theory.kr_s32)


def _equidistant(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """n points at the origin of R^k, k centroids on the unit axes: every d_ik = 1 exactly."""
    return np.zeros((n, k)), np.eye(k)


def _one_gap(n: int, g: float) -> tuple[np.ndarray, np.ndarray]:
    """n points at the origin, centroid 0 at the origin, centroid 1 at squared distance g (exact for g = 4^j)."""
    return np.zeros((n, 1)), np.array([[0.0], [math.sqrt(g)]])


@EVIDENCE.register(kind="experiment", name="bounds-attained", role="sharper",
                   description="the sandwich and concentration bounds (the same functions the paper-role "
                               "properties check) are attained: ratio actual/bound = 1 within the float64 "
                               "rounding bound at equidistant centroids (sandwich) and = t/(t+(K-t)e^{-g/sigma}) "
                               "at equal gaps (concentration); the opposite sides G <= F0 and W - G >= 0 are "
                               "approached as log(1+e^{-g/sigma})/log 2 -> 0")
def _bounds_attained(ctx: RunContext) -> EvidenceResult:
    rows, bad = [], []
    worst = {"(F0-G)/bound": 0.0, "(W-G)/bound": 0.0}
    for n, k in ((2, 2), (3, 2), (3, 3), (5, 4), (8, 8)):
        X, M = _equidistant(n, k)
        for sigma in (0.25, 1.0, 4.0):
            f0, g, w = float(nx.F0(X, M)), float(nx.G_sigma(X, M, sigma)), float(nx.W_sigma(X, M, sigma))
            b = sandwich_bound(n, k, sigma)
            tol = _sandwich_tol(X, M, sigma) / b
            for what, v in (("(F0-G)/bound", (f0 - g) / b), ("(W-G)/bound", (w - g) / b)):
                worst[what] = max(worst[what], v)
                ok = bool(abs(v - 1.0) <= tol)
                rows.append([what, f"N={n}, K={k}, equidistant", sigma, f"{v:.17g}", "1", f"{tol:.2g}", ok])
                if not ok:
                    bad.append(f"{what} = {v!r} at N={n}, K={k}, sigma={sigma}: not 1 within {tol:.2g}")
    # the other sides: G <= F0 and W - G >= 0 approached as the gap grows (K = 2)
    for gap in (1.0, 16.0, 256.0):
        X, M = _one_gap(2, gap)
        sigma = 1.0
        f0, g, w = float(nx.F0(X, M)), float(nx.G_sigma(X, M, sigma)), float(nx.W_sigma(X, M, sigma))
        b = sandwich_bound(2, 2, sigma)
        pred = math.log1p(math.exp(-gap / sigma)) / math.log(2)   # (F0 - G)/(sigma N log K) exactly
        tol = _sandwich_tol(X, M, sigma) / b
        v = (f0 - g) / b
        ok = bool(abs(v - pred) <= tol + pred * slack(8, 1.0))
        rows.append(["(F0-G)/bound", f"N=2, K=2, gap {gap:g}", sigma, f"{v:.6g}", f"{pred:.6g}", f"{tol:.2g}", ok])
        if not ok:
            bad.append(f"(F0-G)/bound = {v!r} at gap {gap}, predicted {pred!r}")
    # concentration: t ties, the K - t others at gap 1; both ratios exactly t/(t + (K-t) eps)
    for k, t in ((2, 1), (3, 1), (6, 1), (4, 2), (6, 3)):
        for s in (1.0, 0.25, 0.1):   # eps = e^{-1/s} >= 4.5e-5: |r_0 - 1/t| is far above one rounding
            d = np.array([0.0] * t + [1.0] * (k - t))
            on, off, _ = concentration_bounds(d, s)
            r = np.asarray(nx.softmax(-d / s))
            pred = t / (t + (k - t) * math.exp(-1.0 / s))
            rel = _softmax_rel(d, s)
            # each r_j carries relative error rel; 1/t - r_0 inherits rel * r_0 <= rel/t absolutely
            for what, v, tol in (("|r-1/t|/bound on T", float(np.abs(r[:t] - 1.0 / t).max()) / on,
                                  2 * rel * pred + rel / (t * on)),
                                 ("r/bound off T", float(r[t:].max()) / off, 2 * rel * pred)):
                ok = bool(abs(v - pred) <= tol)
                worst[what] = max(worst.get(what, 0.0), v)
                rows.append([what, f"K={k}, t={t}, equal gaps 1", s, f"{v:.12g}", f"{pred:.12g}", f"{tol:.2g}", ok])
                if not ok:
                    bad.append(f"{what} = {v!r} at K={k}, sigma={s}: predicted {pred!r} within {tol:.2g}")
    return EvidenceResult(
        status="failed" if bad else "passed", examples=len(rows), counterexample="; ".join(bad) or None,
        summary=("sandwich bounds attained (ratio 1 at equidistant centroids), concentration bounds attained "
                 "as sigma -> 0 (ratio t/(t+(K-t)e^{-g/sigma}))" if not bad else "; ".join(bad)),
        tables=[Table(["ratio", "instance", "sigma", "measured", "predicted", "tolerance", "as predicted"], rows,
                      "Bounds of KR-S32 at their extremal instances: ratio actual/bound")],
        data={"max_ratio": worst})
