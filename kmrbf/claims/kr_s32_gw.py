r"""Evidence for KR-S32-GW (KR §3.2-3.3): the reduced functional :math:`G_\sigma` and the weighted distortion :math:`W_\sigma` are two objectives.

§3.2 eliminates the responsibilities from eq. 11 and calls the result, :math:`G_\sigma`, the RBF
objective ("which coincides with the RBF-based objective previously introduced"); §3.3 then defines
the RBF objective as :math:`W_\sigma` (eq. 13) and states Theorem 1 for it, and §3.4 derives its
update from fixed responsibilities (which is the gradient of :math:`G_\sigma`, not of :math:`W_\sigma`).
They are not one objective: :math:`W_\sigma-G_\sigma=\sigma\sum_iH(r_i)>0` for :math:`K\ge2`, and
their gradients differ by :math:`\sigma\nabla\sum_iH(r_i)` (the responsibility-derivative term).

Paper-role evidence (the statement "one objective"):

* ``G-equals-W`` (property): :math:`G_\sigma(M)=W_\sigma(M)` up to float64 rounding
  (:func:`kmrbf.evidence.roundoff.slack` of :func:`~kmrbf.evidence.roundoff.w_sigma_roundings`
  roundings): fails at the first instance with :math:`K\ge2`.
* ``minimisers-differ`` (certified): on the symmetric pair :math:`X=\{-1,1\}`, :math:`K=2`,
  :math:`\sigma=1`, arb branch and bound proves :math:`\inf_{M\in\operatorname{conv}(X)^K}W_\sigma(M)
  >W_\sigma(M_W)` for a point :math:`M_W` outside the hull.  Every stationary point of
  :math:`G_\sigma` is a soft-Lloyd fixed point, a convex combination of the data (KR-T2-grad), so no
  minimiser (no stationary point) of :math:`G_\sigma` minimises :math:`W_\sigma`.  On a second instance
  (the line of the arb certificates) arb decides :math:`G(M_G)<G(M_W)` and :math:`W(M_W)<W(M_G)` for the
  best points of a multistart search of each objective.

What holds instead (``instead``): the SymPy derivation :func:`kmrbf.theory.kr_s32_gw` (the identity,
both gradients, and a stationary point of :math:`G_\sigma` at which :math:`W_\sigma` still decreases),
and the property ``gamma-limit-both``: both functionals are uniformly within :math:`O(\sigma)` of
:math:`F_0` (:math:`F_0-\sigma N\log K\le G_\sigma\le F_0\le W_\sigma\le F_0+N(K-1)\sigma/e`), so
Theorem 1's :math:`\Gamma`-limit and the convergence of minimisers hold for both, while at every
:math:`\sigma>0` they are different functions with different minimisers.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np

from .. import numerics as nx
from .. import theory
from ..evidence import EvidenceList, EvidenceResult, RunContext, Table
from ..evidence.roundoff import slack, w_sigma_roundings
from ..evidence.strategies import INSTANCE_AND_SIGMA, INSTANCE_AND_SIGMA_SUMMARY

__all__ = ["multistart_minimiser", "hull_lower_bound"]

EVIDENCE = EvidenceList("KR-S32-GW", deviations=(
    r"The paper never states ``$G_\sigma=W_\sigma$'' as a formula; its text identifies them (``coincides with the "
    r"RBF-based objective'') and uses results of one for the other. We check the identification as equality of the "
    r"functions and of their minimisers.",
    r"The minimisers of the second instance are the best of a multistart local search (BFGS from every pair of data "
    r"points, library gradients); that they are global is not certified, only that each is not a minimiser of the "
    r"other objective. The first instance needs no such assumption (branch and bound over the convex hull).",
))


@EVIDENCE.property("G-equals-W", strategies=INSTANCE_AND_SIGMA, strategy_summary=INSTANCE_AND_SIGMA_SUMMARY)
def gw_equal(inst: tuple[np.ndarray, np.ndarray], sigma: float) -> None:
    r"""The paper's identification: :math:`G_\sigma(M)=W_\sigma(M)` (up to the float64 rounding of both)."""
    X, M = inst
    g, w = nx.G_sigma(X, M, sigma), nx.W_sigma(X, M, sigma)
    n, k = X.shape[0], M.shape[0]
    mag = float(nx.sq_distances(X, M).max(axis=1).sum()) + sigma * n * math.log(k) + sigma * n
    tol = 2 * slack(w_sigma_roundings(X, M), mag)
    assert abs(w - g) <= tol, (f"W_sigma = {float(w)!r} but G_sigma = {float(g)!r}: W - G = {w - g:.6g} = sigma sum_i H(r_i) "
                               f"(tolerance {tol:.3g}), N={n}, K={k}, sigma={sigma!r}")


def multistart_minimiser(X: np.ndarray, K: int, sigma: float, which: str) -> tuple[np.ndarray, float]:
    r"""Best local minimiser of :math:`G_\sigma` (``which="G"``) or :math:`W_\sigma` (``"W"``) from every K-subset of the data.

    BFGS (SciPy) with the library objective and gradient (:func:`kmrbf.numerics.G_sigma`,
    :func:`~kmrbf.numerics.grad_G_sigma`; :func:`~kmrbf.numerics.W_sigma`,
    :func:`~kmrbf.numerics.grad_W_sigma`), ``gtol=1e-12``.  Rows sorted lexicographically.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data (small N: every K-subset is a start).
    K : int
        Number of centroids.
    sigma : float
        Temperature.
    which : {"G", "W"}
        The objective.

    Returns
    -------
    M : ndarray of shape (K, D)
        The best local minimiser found.
    value : float
        Its objective value.

    Examples
    --------
    >>> M, v = multistart_minimiser(np.array([[-1.0], [1.0]]), 2, 1.0, "G")
    >>> np.round(M.ravel(), 4).tolist()
    [-0.9575, 0.9575]
    """
    from scipy.optimize import minimize

    f, g = {"G": (nx.G_sigma, nx.grad_G_sigma), "W": (nx.W_sigma, nx.grad_W_sigma)}[which]
    D = X.shape[1]
    best = None
    for idx in itertools.combinations(range(X.shape[0]), K):
        r = minimize(lambda v: f(X, v.reshape(K, D), sigma), X[list(idx)].ravel(),
                     jac=lambda v: np.asarray(g(X, v.reshape(K, D), sigma)).ravel(), method="BFGS",
                     options={"gtol": 1e-12})
        if best is None or r.fun < best.fun:
            best = r
    M = best.x.reshape(K, D)
    return M[np.lexsort(M.T[::-1])], float(best.fun)


def _box_W_lower(xs: list[Fraction], box: list[tuple[Fraction, Fraction]], sigma: Fraction) -> Any:
    """arb lower bound of W_sigma over a box of 1-D centroids (interval squared distances, ball softmax)."""
    from flint import arb, fmpq

    def q(v: Fraction) -> Any:
        return arb(fmpq(v.numerator, v.denominator))

    tot = arb(0)
    s = q(sigma)
    for x in xs:
        ds = []
        for lo, hi in box:
            a, b = (x - lo) ** 2, (x - hi) ** 2
            dlo = Fraction(0) if lo <= x <= hi else min(a, b)
            ds.append(q(dlo).union(q(max(a, b))))
        e = [(-d / s).exp() for d in ds]
        z = sum(e, arb(0))
        tot += sum((ek / z * dk for ek, dk in zip(e, ds)), arb(0))
    return tot


def hull_lower_bound(X: list[Fraction], K: int, sigma: Fraction, target: Any, *, max_boxes: int = 40000,
                     prec: int = 64) -> dict[str, Any]:
    r"""Prove :math:`W_\sigma(M)>` ``target`` for every :math:`M\in[\min X,\max X]^K` (1-D data) by branch and bound.

    Each box of centroid intervals gets an arb enclosure of :math:`W_\sigma` (exact interval squared
    distances, ball softmax); a box whose lower end exceeds ``target`` is done, others are bisected
    along their widest side.

    Parameters
    ----------
    X : list of Fraction
        1-D data.
    K : int
        Number of centroids.
    sigma : Fraction
        Temperature.
    target : flint.arb
        The value to beat (e.g. an enclosure of :math:`W_\sigma(M_W)`; compared with its upper end).
    max_boxes : int, optional
        Boxes evaluated before giving up (``status="undecided"``).
    prec : int, optional
        arb precision (bits).

    Returns
    -------
    dict
        ``status`` (``"proved"`` or ``"undecided"``), ``boxes`` (evaluated), ``lower`` (float: the smallest
        lower end among the accepted boxes, a lower bound of :math:`W_\sigma` on the hull), ``leaves`` (the
        accepted boxes, lists of K ``(lo, hi)`` Fractions; they tile the hull when proved), ``lower_ball``
        (the smallest lower end as an exact arb ball) and ``lowest`` (a box attaining it); both None when no
        box was accepted.

    Examples
    --------
    >>> from flint import arb
    >>> hull_lower_bound([Fraction(-1), Fraction(1)], 2, Fraction(1), arb("0.1"))["status"]
    'proved'
    """
    from flint import ctx

    lo, hi = min(X), max(X)
    stack = [[(lo, hi)] * K]
    n, best = 0, math.inf
    leaves: list[list[tuple[Fraction, Fraction]]] = []
    low = lowest = None
    with ctx.workprec(prec):
        up = target.upper()
        while stack:
            box = stack.pop()
            n += 1
            if n > max_boxes:
                return {"status": "undecided", "boxes": n, "lower": best, "leaves": leaves, "lower_ball": low,
                        "lowest": lowest}
            lb = _box_W_lower(X, box, sigma).lower()
            if lb > up:
                best = min(best, float(lb.mid()))
                leaves.append(box)
                if low is None or lb < low:
                    low, lowest = lb, box
                continue
            j = max(range(K), key=lambda i: box[i][1] - box[i][0])
            a, b = box[j]
            mid = (a + b) / 2
            for half in ((a, mid), (mid, b)):
                nb = list(box)
                nb[j] = half
                stack.append(nb)
    return {"status": "proved", "boxes": n, "lower": best, "leaves": leaves, "lower_ball": low, "lowest": lowest}


def _fr(v: float) -> Fraction:
    return Fraction(float(v))


def _hull_decision(X: np.ndarray, K: int, sigma: Fraction, ww: Any, hull: dict[str, Any]) -> Any:
    r"""The proved branch and bound as a :class:`~kmrbf.numerics.certify.Decision` for the certificate:
    :math:`W_\sigma(M_W)<\inf_{\operatorname{conv}(X)^K}W_\sigma`, the infimum enclosed by the smallest box
    lower bound and :math:`W_\sigma` at the centre of that box (a point of the hull)."""
    from flint import arb, ctx

    from ..numerics.arb import arb_W_sigma
    from ..numerics.certify import Decision

    with ctx.workprec(128):
        low = hull["lower_ball"]
        centre = [[(a + b) / 2] for a, b in hull["lowest"]]
        up = arb_W_sigma(X, centre, sigma, prec=128)
        inf = low.union(arb(up.upper()))
    return Decision("W(M_W) < inf of W_sigma over conv(X)^K (branch and bound)", "proved", 128, ww.str(10),
                    inf.str(10), float("nan"),
                    (["W_sigma", "X", "M_W", "sigma"], ["hull_inf_W_sigma", "X", K, "sigma", "boxes"]), ww, inf)


@EVIDENCE.register(kind="certified", name="minimisers-differ", role="paper",
                   description="do G_sigma and W_sigma have the same minimisers? arb branch and bound over the "
                               "convex hull (symmetric pair X = {-1, 1}, K = 2, sigma = 1) and arb value comparisons "
                               "of the multistart minimisers (line instance, K = 2, sigma = 8)")
def _minimisers(ctx: RunContext) -> EvidenceResult:
    from flint import arb, ctx as fctx

    from ..evidence.certificate import CertificateWriter
    from ..numerics.arb import arb_G_sigma, arb_grad_W_sigma, arb_W_sigma
    from ..numerics.certify import decide_le

    cases = [("symmetric pair", np.array([[-1.0], [1.0]]), 2, 1.0),
             ("line", np.array([[0.0], [1.0], [2.0], [7.0], [8.5]]), 2, 8.0)]
    rows, cex, undecided = [], [], []
    certs = CertificateWriter(ctx, "KR-S32-GW", "minimisers-differ")
    for name, X, K, sigma in cases:
        MG, _ = multistart_minimiser(X, K, sigma, "G")
        MW, _ = multistart_minimiser(X, K, sigma, "W")
        sq = _fr(sigma)
        w_lt = decide_le(lambda p: (arb_W_sigma(X, MW, sq, prec=p), arb_W_sigma(X, MG, sq, prec=p)), "W(M_W)<=W(M_G)",
                         statement=(["W_sigma", "X", "M_W", "sigma"], ["W_sigma", "X", "M_G", "sigma"]))
        g_lt = decide_le(lambda p: (arb_G_sigma(X, MG, sq, prec=p), arb_G_sigma(X, MW, sq, prec=p)), "G(M_G)<=G(M_W)",
                         statement=(["G_sigma", "X", "M_G", "sigma"], ["G_sigma", "X", "M_W", "sigma"]))
        with fctx.workprec(128):
            gW = arb_grad_W_sigma(X, MG, sq, prec=128)
            grad_norm = sum((v * v for row in gW for v in row), arb(0)).sqrt()
            wg, ww = arb_W_sigma(X, MG, sq, prec=128), arb_W_sigma(X, MW, sq, prec=128)
            gg, gw = arb_G_sigma(X, MG, sq, prec=128), arb_G_sigma(X, MW, sq, prec=128)
            outside = bool(MW.min() < X.min() or MW.max() > X.max())
            hull = None
            decided = [w_lt, g_lt]
            instance = {"X": X, "M_G": MG, "M_W": MW, "sigma": sq}
            if outside and X.shape[1] == 1:
                hull = hull_lower_bound([_fr(v) for v in X.ravel()], K, sq, ww)
                if hull["status"] == "proved":
                    decided.append(_hull_decision(X, K, sq, ww, hull))
                    instance["boxes"] = [[list(iv) for iv in box] for box in hull["leaves"]]
        certs.add(f"{name}: X = {X.ravel().tolist()}, K = {K}, sigma = {sigma:g}; M_G, M_W the multistart minimisers "
                  "of G_sigma, W_sigma", instance, decided, strict=True)
        # strict: the ball of W(M_G) - W(M_W) (resp. G(M_W) - G(M_G)) excludes 0 on the positive side
        strict = w_lt.status == "proved" and g_lt.status == "proved" and not (
            (wg - ww).contains(0) or (gw - gg).contains(0))
        gap = float(np.abs(MG - MW).max())
        rows.append([name, f"{sigma:g}", np.round(MG.ravel(), 6).tolist(), np.round(MW.ravel(), 6).tolist(),
                     f"{gap:.4g}", (wg - ww).str(6, radius=False), (gw - gg).str(6, radius=False),
                     grad_norm.str(6, radius=False),
                     "-" if hull is None else f"{hull['status']} ({hull['boxes']} boxes, inf >= {hull['lower']:.6g})"])
        if strict and (hull is None or hull["status"] == "proved"):
            text = (f"{name} X={X.ravel().tolist()}, K={K}, sigma={sigma:g}: argmin G ~ M_G={np.round(MG.ravel(), 6).tolist()}, "
                    f"argmin W ~ M_W={np.round(MW.ravel(), 6).tolist()} (max |M_G - M_W| = {gap:.4g}); arb: "
                    f"W(M_G) - W(M_W) = {(wg - ww).str(6, radius=False)} > 0, G(M_W) - G(M_G) = "
                    f"{(gw - gg).str(6, radius=False)} > 0, ||grad W(M_G)|| = {grad_norm.str(6, radius=False)}")
            if hull is not None:
                text += (f"; M_W lies outside conv(X) and W >= {hull['lower']:.6g} > W(M_W) = {ww.str(6, radius=False)} "
                         f"on all of conv(X)^K (branch and bound, {hull['boxes']} boxes), where every stationary "
                         f"point of G lies: no minimiser of G minimises W")
            cex.append(text)
        else:
            undecided.append(f"{name}: W {w_lt.status}, G {g_lt.status}, hull {hull and hull['status']}")
    status = "failed" if cex else "undecided" if undecided else "passed"
    return EvidenceResult(
        status=status, examples=len(rows), counterexample="; ".join(cex) or None,
        summary=(f"the minimisers differ on {len(cex)}/{len(rows)} instances: each objective's minimiser is "
                 f"strictly beaten on the other objective (arb)" if cex else "; ".join(undecided)),
        tables=[Table(["instance", "sigma", "M_G (argmin G)", "M_W (argmin W)", "max |M_G - M_W|",
                       "W(M_G) - W(M_W)", "G(M_W) - G(M_G)", "||grad W(M_G)||", "inf W over conv(X)^K > W(M_W)"],
                      rows, "KR-S32-GW: minimisers of G_sigma and W_sigma (arb balls, midpoints shown)")],
        data={"certificates": certs.entries})


EVIDENCE.derivation("objectives-and-gradients", "instead", theory.kr_s32_gw)


@EVIDENCE.property("gamma-limit-both", role="instead", strategies=INSTANCE_AND_SIGMA,
                   strategy_summary=INSTANCE_AND_SIGMA_SUMMARY)
def gw_gamma_both(inst: tuple[np.ndarray, np.ndarray], sigma: float) -> None:
    r"""Theorem 1 holds for both: :math:`F_0-\sigma N\log K\le G_\sigma\le F_0\le W_\sigma\le F_0+N(K-1)\sigma/e`
    (uniform in :math:`M`, so both :math:`\Gamma`-converge to :math:`F_0` with converging minimisers), and
    :math:`W_\sigma-G_\sigma\ge0`, with equality only where every row is one-hot."""
    X, M = inst
    n, k = X.shape[0], M.shape[0]
    f0, g, w = nx.F0(X, M), nx.G_sigma(X, M, sigma), nx.W_sigma(X, M, sigma)
    mag = float(nx.sq_distances(X, M).max(axis=1).sum()) + sigma * n * math.log(k) + sigma * n
    tol = slack(w_sigma_roundings(X, M), mag)
    assert f0 - sigma * n * math.log(k) - tol <= g <= f0 + tol, (f0, g)
    assert f0 - tol <= w <= f0 + n * (k - 1) * sigma / math.e + tol, (f0, w)
    assert w - g >= -2 * tol, (w, g)
