r"""Evidence for KR-T5 (KR Thm 5): the hard-assignment limit of entmax, exact once σ ≤ (α−1)·gap.

The fact everything rests on (verified here, not assumed): with the closed form
:math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}`, a row whose maximum is attained
:math:`t` times is exactly uniform on the maxima iff
:math:`(\alpha-1)(z_{\max}-z_j)\ge t^{1-\alpha}` for every other :math:`j` (put
:math:`\tau=(\alpha-1)z_{\max}-t^{1-\alpha}`).  For :math:`t=1` that is a top gap
:math:`\ge1/(\alpha-1)`; logits :math:`-d/\sigma` have gaps :math:`\ge\Delta/\sigma`, so
for :math:`\sigma\le(\alpha-1)g` the entmax row is exactly one-hot (uniform on tied minima).

Float64 thresholds: exactness is checked at :math:`\sigma\le(\alpha-1)g/(1+\kappa)` and "not
exact" at :math:`\sigma\ge1.125(\alpha-1)g`, with the rounding band :math:`\kappa` of
:func:`kmrbf.evidence.roundoff.entmax_threshold_slack`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from .. import theory
from ..evidence import EvidenceList, Undecided
from ..evidence.roundoff import entmax_threshold_slack, gamma
from ..evidence.sigma import rel_sigmas
from ..evidence.strategies import ENTMAX_ALPHAS as ALPHAS
from ..evidence.strategies import near_tied_distance_rows, tied_distance_rows

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-T5")


EVIDENCE.derivation("entmax-exact-one-hot", "sharper", theory.entmax_one_hot)


def _entmax(z: np.ndarray, alpha: float) -> np.ndarray:
    from .. import numerics as nx

    if alpha == 1.0:
        return np.asarray(nx.softmax(z))
    if alpha == 1.5:
        return np.asarray(nx.entmax15(z))
    if alpha == 2.0:
        return np.asarray(nx.sparsemax(z))
    return np.asarray(nx.entmax_bisect(z, alpha))


@EVIDENCE.property("float64-ties", fraction=1.0,
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
        kappa = entmax_threshold_slack(float(d.max()), g)
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


@EVIDENCE.property("float64-sharp-threshold-ties", fraction=1.0, role="sharper",
                   strategies={"row": tied_distance_rows(min_k=2), "alpha": st.sampled_from(ALPHAS)},
                   strategy_summary="tied rows (K=2..6) with at least one non-tied entry; alpha in {1.25,1.5,2,3}")
def t5_sharp(row: tuple[np.ndarray, int, float], alpha: float) -> None:
    r"""Sharper: with :math:`t` tied minima the output is exactly uniform on them iff
    :math:`\sigma\le(\alpha-1)t^{\alpha-1}g` (weaker than the SPEC's :math:`(\alpha-1)g` for
    :math:`t\ge2`): exact at :math:`(1+\kappa)^{-1}` times it, not exact at 1.25 times it."""
    d, ties, g = row
    assume(np.isfinite(g))
    thr = (alpha - 1) * ties ** (alpha - 1) * g
    kappa = entmax_threshold_slack(float(d.max()), g)
    tie = d == d.min()
    p = _entmax(-d / (thr / (1 + kappa)), alpha)
    assert np.all(p[~tie] == 0.0), f"not exact below the sharp threshold: {p.tolist()}"
    p = _entmax(-d / (1.25 * thr), alpha)
    assert np.any(p[~tie] > 0.0), f"still exact above the sharp threshold: {p.tolist()}"


@EVIDENCE.property("float64-near-ties", fraction=1.0,
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
    kappa = entmax_threshold_slack(float(d.max()), delta)
    assume(kappa < 1e-2)
    sigma = t * delta * ((alpha - 1) if alpha > 1 else 1.0) / (1 + kappa)
    p = _entmax(-d / sigma, alpha)
    j = int(np.argmin(d))
    if alpha > 1:
        assert p[j] == 1.0 and np.count_nonzero(p) == 1, f"not one-hot: {p.tolist()} at sigma={sigma!r}"
    else:
        off = (K - 1) * math.exp(-delta / sigma * (1 - kappa))
        assert 1.0 - p[j] <= off + gamma(2 * K + 8), f"1 - p_min = {1 - p[j]!r} > {off!r}"


@EVIDENCE.property("arb-ties", fraction=0.3,
                   strategies={"row": tied_distance_rows(max_k=5), "alpha": st.sampled_from((1.0,) + ALPHAS),
                               "t": rel_sigmas()},
                   strategy_summary="tied rows (K<=5), alpha in {1, 1.25, 1.5, 2, 3}, sigma = t(alpha-1)g "
                                    "(exact rationals), down to 1e-3 g where softmax's off-tie mass underflows float64")
def t5_arb(row: tuple[np.ndarray, int, float], alpha: float, t: float) -> None:
    r"""arb on exact rationals: for alpha > 1 and :math:`\sigma\le(\alpha-1)g` the off-tie entries are
    the exact ball 0 and every tied ball contains 1/t; for softmax the off-tie mass is proved
    :math:`\le(K-t)e^{-g/\sigma}/t` and > 0."""
    from flint import arb
    from flint import ctx as fctx

    from ..numerics.arb import arb_entmax
    from ..numerics.certify import decide_le

    d, ties, g = row
    assume(np.isfinite(g))
    sigma = Fraction(t) * Fraction(g) * (Fraction(alpha) - 1 if alpha > 1 else 1)
    z = [-Fraction(float(v)) / sigma for v in d]
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
    gq = Fraction(g) / sigma  # exact g/sigma

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
