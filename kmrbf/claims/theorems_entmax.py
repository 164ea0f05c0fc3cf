r"""Evidence for Theorem 4 (KR-T4, entmax soft centroids) and Theorem 5 (KR-T5, hard limit).

The fact everything rests on (verified here, not assumed): with the closed form
:math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`, a row whose maximum is attained
:math:`t` times is exactly uniform on the maxima iff
:math:`(\alpha-1)(z_{\max}-z_j)\ge t^{1-\alpha}` for every other :math:`j` (put
:math:`\tau=(\alpha-1)z_{\max}-t^{1-\alpha}`).  For :math:`t=1` that is a top gap
:math:`\ge1/(\alpha-1)`; logits :math:`-d/\sigma` have gaps :math:`\ge\Delta/\sigma`, so
for :math:`\sigma\le(\alpha-1)\Delta` the entmax soft centroids equal :math:`M^*` exactly.

Float64 thresholds
------------------
Logits :math:`-d_{ij}/\sigma` and the distances carry relative errors; the computed gap
:math:`(d_j-d_{\min})/\sigma` has relative error at most :math:`\kappa=8u(d_{\max}/g+2)`
(:math:`g` the exact gap; condition number :math:`d_{\max}/g`).  Exactness is therefore
checked at :math:`\sigma\le(\alpha-1)g/(1+\kappa)`, and "not exact" at
:math:`\sigma\ge1.125(\alpha-1)g`, far outside the rounding band.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from ..property import Undecided
from ..registry import EvidenceResult, RunContext, Table, register_evidence
from ..strategies import lloyd_fixed_points, near_tied_distance_rows, tied_distance_rows
from .theorems import U, _deviations, centroid_tol, gamma, rel_sigmas, scaled_property

__all__: list[str] = []

ALPHAS = (1.25, 1.5, 2.0, 3.0)
_LLOYD = lloyd_fixed_points(max_k=4, max_d=3, max_per_cell=8)
_SUMMARY = ("exact Lloyd fixed points (K=2..4, D=1..3, 1..8 points per cell on the grid 2^-6, Delta>0); "
            "alpha in {1.25, 1.5, 2, 3}; sigma relative to (alpha-1)Delta")


def _entmax(z: np.ndarray, alpha: float) -> np.ndarray:
    from .. import numerics as nx

    if alpha == 1.0:
        return np.asarray(nx.softmax(z))
    if alpha == 1.5:
        return np.asarray(nx.entmax15(z))
    if alpha == 2.0:
        return np.asarray(nx.sparsemax(z))
    return np.asarray(nx.entmax_bisect(z, alpha))


def _kappa(inst: Any) -> float:
    dmax = float(((inst.X[:, None, :] - inst.M[None]) ** 2).sum(-1).max())
    return 8 * U * (dmax / float(inst.delta) + 2)


# --------------------------------------------------------------------------- KR-T4
@scaled_property("KR-T4", "float64-C-sigma", fraction=1.0,
                 strategies={"inst": _LLOYD, "t": st.floats(math.log(1e-3), math.log(20.0)).map(math.exp)},
                 strategy_summary=_SUMMARY + "; alpha=1.5, sigma = t(alpha-1)Delta, t in [1e-3, 20]")
def t4_c_sigma(inst: Any, t: float) -> None:
    r"""Theorem 4 as stated: :math:`\lVert\hat\mu^{(1.5)}_k-\mu^*_k\rVert\le C\sigma` with the explicit
    :math:`C=\operatorname{diam}(X)/((\alpha-1)\Delta)` (dev is 0 below :math:`(\alpha-1)\Delta` and
    at most diam above, both centroids lying in the convex hull), float64 + soft-centroid error."""
    sigma = t * 0.5 * float(inst.delta)
    dev = _deviations(inst, sigma, alpha=1.5)
    C = inst.diam / (0.5 * float(inst.delta))
    tol = centroid_tol(inst.X, inst.K)
    for k in range(inst.K):
        assert dev[k] <= C * sigma + tol, f"k={k}: dev {dev[k]!r} > C sigma {C * sigma!r}"


@scaled_property("KR-T4", "float64-exact-below-threshold", fraction=1.0, role="sharper",
                 strategies={"inst": _LLOYD, "alpha": st.sampled_from(ALPHAS), "t": rel_sigmas(),
                             "t_above": st.floats(1.125, 4.0)},
                 strategy_summary=_SUMMARY)
def t4_exact(inst: Any, alpha: float, t: float, t_above: float) -> None:
    r"""Sharper: for :math:`\sigma\le(\alpha-1)\Delta` the entmax-:math:`\alpha` soft centroids equal
    :math:`M^*` bit for bit (responsibilities exactly one-hot), and for
    :math:`\sigma=t(\alpha-1)\Delta`, :math:`t\ge1.125`, the responsibilities are not all one-hot
    (the threshold is sharp)."""
    from .. import numerics as nx

    kappa = _kappa(inst)
    assume(kappa < 1e-3)
    s_lo = t * (alpha - 1) * float(inst.delta) / (1 + kappa)
    c = np.asarray(nx.soft_centroids(inst.X, inst.M, s_lo, alpha=alpha))
    assert np.array_equal(c, inst.M), f"sigma={s_lo!r}: soft centroids {c.tolist()} != M*"
    r = np.asarray(nx.responsibilities(inst.X, inst.M, t_above * (alpha - 1) * float(inst.delta),
                                       alpha=alpha))
    assert np.any((r > 0) & (r < 1)), "responsibilities still one-hot above the threshold"


def _t4_certs() -> list[tuple[str, Any, float, Fraction, dict[str, Any], list[Any]]]:
    from ..numerics.certify import certify_entmax_exact, certify_t4
    from ..numerics.lloyd_instances import certified_instances

    out = []
    for name, inst in certified_instances():
        for a in ALPHAS:
            A = Fraction(a)
            for fr in (Fraction(1, 1000), Fraction(1), Fraction(3, 2), Fraction(4)):
                s = (A - 1) * inst.delta * fr
                out.append((name, inst, a, fr, certify_entmax_exact(inst, s, A),
                            certify_t4(inst, s, A, max_prec=256)))
    return out


@register_evidence("KR-T4", kind="certified", name="arb-C-sigma", role="paper",
                   description="arb proves ||mu_hat^(alpha)_k - mu*_k|| <= C sigma, C = diam/((alpha-1)Delta), "
                               "on three fixed instances, alpha in {1.25, 1.5, 2, 3}, sigma = (alpha-1)Delta x "
                               "{1/1000, 1, 3/2, 4}")
def _t4_certified(ctx: RunContext) -> EvidenceResult:
    rows, bad, status = [], [], "passed"
    for name, inst, a, fr, _, decs in _t4_certs():
        for d in decs:
            if "C*sigma" not in d.name:
                continue
            rows.append([name, a, str(fr), d.name, d.status, d.prec])
            if d.status == "disproved":
                status, _ = "failed", bad.append(f"{name} alpha={a} sigma/((a-1)Delta)={fr}: {d.name}")
            elif d.status == "undecided" and status == "passed":
                status = "undecided"
    return EvidenceResult(status=status, examples=len(rows), counterexample="; ".join(bad) or None,
                          summary=f"{len(rows)} C-sigma bounds decided",
                          tables=[Table(["instance", "alpha", "sigma/((alpha-1)Delta)", "inequality",
                                         "status", "prec"], rows, "Theorem 4 with explicit C (arb)")])


@register_evidence("KR-T4", kind="certified", name="exact-one-hot", role="sharper",
                   description="exact rational arithmetic decides every logit gap: one-hot (so mu_hat = M* "
                               "exactly) iff sigma <= (alpha-1)Delta on the fixed instances; the arb soft "
                               "centroids contain M* there, and arb proves they moved at sigma = 3/2, 4 x "
                               "(alpha-1)Delta")
def _t4_exact_cert(ctx: RunContext) -> EvidenceResult:
    # Below the threshold the prediction is "did not move": certified when arb proves dev <= 0
    # (exact balls) or the arb responsibilities are exactly one-hot (zero balls off the own
    # cell, which forces mu_hat = M*).  Above it, "moved": arb must disprove dev <= 0 for some k.
    # A "did not move" decision that arb disproves below the threshold, or a one-hot row above
    # it, contradicts the prediction (failed); anything not decided either way is undecided,
    # never passed.
    rows, bad, undecided = [], [], []
    for name, inst, a, fr, ex, decs in _t4_certs():
        below = fr <= 1
        moved = [d.status for d in decs if "did not move" in d.name]
        any_moved = any(s == "disproved" for s in moved)
        if below:
            still = all(s == "proved" for s in moved) or ex["one_hot_in_arb"]
            contradicted = any_moved or not ex["one_hot"]
        else:
            still = any_moved
            contradicted = ex["one_hot"] or ex["one_hot_in_arb"] or all(s == "proved" for s in moved)
        verdict = "no" if contradicted else "yes" if still else "undecided"
        rows.append([name, a, str(fr), ex["one_hot"], ex["one_hot_in_arb"], ex["exact_in_arb"], any_moved,
                     verdict])
        if verdict == "no":
            bad.append(f"{name} alpha={a} sigma/((a-1)Delta)={fr}: one_hot={ex['one_hot']}, "
                       f"one_hot_in_arb={ex['one_hot_in_arb']}, moved={any_moved}")
        elif verdict == "undecided":
            undecided.append(f"{name} alpha={a} sigma/((a-1)Delta)={fr}")
    status = "failed" if bad else "undecided" if undecided else "passed"
    return EvidenceResult(
        status=status, examples=len(rows), counterexample="; ".join(bad) or None,
        summary=("exact below the threshold, provably moved above it" if status == "passed"
                 else "undecided: " + "; ".join(undecided) if status == "undecided" else ""),
        tables=[Table(["instance", "alpha", "sigma/((alpha-1)Delta)", "one-hot (exact rational)",
                       "one-hot (arb responsibilities)", "arb balls are the exact points", "moved (arb)",
                       "as predicted"], rows,
                      "Exactness of the entmax soft centroids")])


@register_evidence("KR-T4", kind="experiment", name="best-constant", role="sharper",
                   description="float64: the best constant sup_sigma max_k dev_k/sigma over sigma <= 20(alpha-1)Delta "
                               "on a log grid, against the explicit C = diam/((alpha-1)Delta)")
def _t4_best_constant(ctx: RunContext) -> EvidenceResult:
    from ..numerics.lloyd_instances import certified_instances, lloyd_fixed_point

    rng = np.random.default_rng(ctx.profile.seed)
    insts = certified_instances()
    while len(insts) < 3 + round(6 * ctx.profile.scale):
        k, d = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        seeds = rng.integers(-320, 321, (k, d)) * 2.0**-6
        X = np.concatenate([seeds[c] + rng.integers(-128, 129, (int(rng.integers(1, 9)), d)) * 2.0**-6
                            for c in range(k)])
        inst = lloyd_fixed_point(X, seeds)
        if inst is not None:
            insts.append((f"random-{len(insts)}", inst))
    rows, bad = [], []
    grid = np.exp(np.linspace(math.log(0.5), math.log(20.0), max(20, round(60 * ctx.profile.scale))))
    for name, inst in insts:
        for a in ALPHAS:
            th = (a - 1) * float(inst.delta)
            ratios = [float(_deviations(inst, g * th, alpha=a).max()) / (g * th) for g in grid]
            j = int(np.argmax(ratios))
            C = inst.diam / th
            first = next((g for g, r in zip(grid, ratios) if r > 0), float("nan"))
            rows.append([name, a, f"{ratios[j]:.4g}", f"{grid[j]:.3g}", f"{C:.4g}", f"{C / ratios[j]:.3g}"
                         if ratios[j] > 0 else "inf", f"{first:.3g}"])
            if ratios[j] > C * (1 + 1e-12):
                bad.append(f"{name} alpha={a}: best constant {ratios[j]} > C = {C}")
    return EvidenceResult(
        status="failed" if bad else "passed", examples=len(rows), counterexample="; ".join(bad) or None,
        summary="best constants below the explicit C" if not bad else "",
        tables=[Table(["instance", "alpha", "best C", "at sigma/((a-1)Delta)", "explicit C",
                       "explicit/best", "first sigma/((a-1)Delta) with dev>0"], rows,
                      "Best constant of Theorem 4 (float64, grid sigma/((alpha-1)Delta) in [0.5, 20])")])


# --------------------------------------------------------------------------- KR-T5
@scaled_property("KR-T5", "float64-ties", fraction=1.0,
                 strategies={"row": tied_distance_rows(), "alpha": st.sampled_from((1.0,) + ALPHAS),
                             "t": rel_sigmas()},
                 strategy_summary="rows of K<=6 squared distances on the grid 2^-10 in [0,100] with 1..K "
                                  "exactly tied minima; alpha in {1, 1.25, 1.5, 2, 3}; sigma = t g (alpha-1) "
                                  "(t g for softmax), g the gap to the best non-tied entry")
def t5_ties(row: tuple[np.ndarray, int, float], alpha: float, t: float) -> None:
    r"""entmax_alpha(-d/sigma) is uniform over the tied minima in the limit: for alpha > 1 exactly
    (zeros off the ties, 1/t on them up to the normalisation's rounding) once
    :math:`\sigma\le(\alpha-1)g`; for softmax within :math:`(K-t)e^{-g/\sigma}/t` of it."""
    d, ties, g = row
    K = d.size
    tie = d == d.min()
    if np.isinf(g):
        sigma = t
    else:
        kappa = 8 * U * (float(d.max()) / g + 2)
        sigma = t * g * ((alpha - 1) if alpha > 1 else 1.0) / (1 + kappa)
    p = _entmax(-d / sigma, alpha)
    tol = gamma(2 * K + 8)
    if alpha > 1 or np.isinf(g):
        assert np.all(p[~tie] == 0.0), f"off-tie mass {p[~tie].tolist()} at sigma={sigma!r}"
        assert np.all(np.abs(p[tie] - 1.0 / ties) <= tol), f"tied entries {p[tie].tolist()} != 1/{ties}"
    else:
        off = (K - ties) * math.exp(-g / sigma) / ties
        assert np.all(p[~tie] <= off + tol), f"off-tie {p[~tie].tolist()} > {off!r}"
        assert np.all(np.abs(p[tie] - 1.0 / ties) <= off + tol), f"tied {p[tie].tolist()} far from 1/{ties}"


@scaled_property("KR-T5", "float64-sharp-threshold-ties", fraction=1.0, role="sharper",
                 strategies={"row": tied_distance_rows(min_k=2), "alpha": st.sampled_from(ALPHAS)},
                 strategy_summary="tied rows (K=2..6) with at least one non-tied entry; alpha in {1.25,1.5,2,3}")
def t5_sharp(row: tuple[np.ndarray, int, float], alpha: float) -> None:
    r"""Sharper: with :math:`t` tied minima the output is exactly uniform on them iff
    :math:`\sigma\le(\alpha-1)t^{\alpha-1}g` (weaker than the SPEC's :math:`(\alpha-1)g` for
    :math:`t\ge2`): exact at :math:`(1+\kappa)^{-1}` times it, not exact at 1.25 times it."""
    d, ties, g = row
    assume(np.isfinite(g))
    thr = (alpha - 1) * ties ** (alpha - 1) * g
    kappa = 8 * U * (float(d.max()) / g + 2)
    tie = d == d.min()
    p = _entmax(-d / (thr / (1 + kappa)), alpha)
    assert np.all(p[~tie] == 0.0), f"not exact below the sharp threshold: {p.tolist()}"
    p = _entmax(-d / (1.25 * thr), alpha)
    assert np.any(p[~tie] > 0.0), f"still exact above the sharp threshold: {p.tolist()}"


@scaled_property("KR-T5", "float64-near-ties", fraction=1.0,
                 strategies={"row": near_tied_distance_rows(), "alpha": st.sampled_from((1.0,) + ALPHAS),
                             "t": rel_sigmas()},
                 strategy_summary="rows whose two smallest entries differ by delta = b 2^-e, e in 10..40; "
                                  "alpha in {1, 1.25, 1.5, 2, 3}")
def t5_near_ties(row: tuple[np.ndarray, float], alpha: float, t: float) -> None:
    r"""Near ties: the limit is the one-hot at the strict minimum (not uniform on the pair); for
    alpha > 1 exactly once :math:`\sigma\le(\alpha-1)\delta` (rounding band :math:`\kappa` from the
    condition number :math:`d_{\max}/\delta\le2^{40}\cdot51`), for softmax within
    :math:`(K-1)e^{-\delta/\sigma}`."""
    d, delta = row
    K = d.size
    kappa = 8 * U * (float(d.max()) / delta + 2)
    assume(kappa < 1e-2)
    sigma = t * delta * ((alpha - 1) if alpha > 1 else 1.0) / (1 + kappa)
    p = _entmax(-d / sigma, alpha)
    j = int(np.argmin(d))
    if alpha > 1:
        assert p[j] == 1.0 and np.count_nonzero(p) == 1, f"not one-hot: {p.tolist()} at sigma={sigma!r}"
    else:
        off = (K - 1) * math.exp(-delta / sigma * (1 - kappa))
        assert 1.0 - p[j] <= off + gamma(2 * K + 8), f"1 - p_min = {1 - p[j]!r} > {off!r}"


@scaled_property("KR-T5", "arb-ties", fraction=0.3,
                 strategies={"row": tied_distance_rows(max_k=5), "alpha": st.sampled_from((1.0,) + ALPHAS),
                             "t": rel_sigmas()},
                 strategy_summary="tied rows (K<=5), alpha in {1, 1.25, 1.5, 2, 3}, sigma = t(alpha-1)g "
                                  "(exact rationals), down to 1e-3 g where softmax's off-tie mass underflows float64")
def t5_arb(row: tuple[np.ndarray, int, float], alpha: float, t: float) -> None:
    r"""arb on exact rationals: for alpha > 1 and :math:`\sigma\le(\alpha-1)g` the off-tie entries are
    the exact ball 0 and every tied ball contains 1/t; for softmax the off-tie mass is proved
    :math:`\le(K-t)e^{-g/\sigma}/t` and > 0."""
    from flint import arb, ctx as fctx

    from ..numerics.arb import arb_entmax
    from ..numerics.certify import decide_le

    d, ties, g = row
    assume(np.isfinite(g))
    s = Fraction(t) * Fraction(g) * (Fraction(alpha) - 1 if alpha > 1 else 1)
    z = [-Fraction(float(v)) / s for v in d]
    tie = d == d.min()
    if alpha > 1:
        p = arb_entmax(z, Fraction(alpha), prec=256)
        with fctx.workprec(256):
            for pj, tj in zip(p, tie):
                if tj:
                    assert pj.contains(arb(1) / ties), f"tied ball {pj} excludes 1/{ties}"
                else:
                    assert pj.is_zero(), f"off-tie ball {pj} is not exactly 0"
        return
    gq = Fraction(g) / s  # exact g/sigma

    def mass_and_bound(prec: int) -> tuple[Any, Any]:
        p = arb_entmax(z, 1, prec=prec)
        off = sum((pj for pj, tj in zip(p, tie) if not tj), arb(0))
        bound = (-arb(gq.numerator) / gq.denominator).exp() * (len(d) - ties) / ties
        return off, bound

    # off < bound strictly but only by a factor 1/(1 + O(e^{-g/sigma})): adaptive precision
    dec = decide_le(mass_and_bound, "off-tie mass <= (K-t)e^{-g/sigma}/t")
    if dec.status == "undecided":
        raise Undecided(f"{dec.name}: undecided ({dec.lhs} vs {dec.rhs})")
    assert dec.status == "proved", f"{dec.name}: {dec.status} ({dec.lhs} vs {dec.rhs})"
    dec = decide_le(lambda prec: (mass_and_bound(prec)[0], arb(0)), "off-tie mass <= 0")
    if dec.status == "undecided":
        raise Undecided(f"{dec.name}: undecided ({dec.lhs})")
    assert dec.status == "disproved", f"off-tie mass not proved > 0: {dec.status} ({dec.lhs})"
