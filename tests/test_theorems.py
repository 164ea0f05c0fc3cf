"""Theorems 3-5, the minimisers of Theorem 1, Corollary 1, the gradient remark: registered evidence
under the test profile, asserted against the known mathematics, plus the certificates' own tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb

import kmrbf.numerics as nx
from kmrbf.numerics.certify import (certify_entmax_exact, certify_limsup, certify_t3, decide_le,
                                    _dev_sq, _mat)
from kmrbf.numerics.lloyd_instances import certified_instances
from kmrbf.profiles import get_profile
from kmrbf.registry import RunContext, aggregate_verdict, evidence_for, run_evidence

MINE = {
    "KR-T3": {"float64-bounds", "float64-per-cell-bound", "arb-bounds", "arb-certificates",
              "arb-per-cell-certificates", "true-rate", "soft-lloyd-fixed-point"},
    "KR-T4": {"float64-C-sigma", "float64-exact-below-threshold", "arb-C-sigma", "exact-one-hot",
              "best-constant"},
    "KR-T5": {"float64-ties", "float64-sharp-threshold-ties", "float64-near-ties", "arb-ties"},
    "KR-T1-min": {"exact-optimum-vs-multistart"},
    "KR-C1": {"float64-coercivity", "exact-witness"},
    "KR-T2-grad": {"float64-extra-term-bound", "float64-rbf-step-vs-lloyd", "arb-step-rate"},
    "KR-T1-limsup": {"arb-certificates", "arb-sharp-constant-K2"},
}
# the mathematics: Theorems 3, 4 (sharper: exact below the threshold), 5 and the limsup bound hold
# with the sharper statements; minimisers converge; F0 is never coercive for K >= 2 (vacuous).
TRUTH = {"KR-T3": "verified_sharper", "KR-T4": "verified_sharper", "KR-T5": "verified_sharper",
         "KR-T1-min": "verified", "KR-C1": "vacuous", "KR-T2-grad": "verified_sharper",
         "KR-T1-limsup": None}  # sharper-role only: checked evidence by evidence


@pytest.mark.parametrize("claim_id", sorted(MINE))
def test_evidence_gives_the_known_verdict(claim_id, tmp_path: Path):
    ctx = RunContext(profile=get_profile(), out_dir=tmp_path)
    evs = [e for e in evidence_for(claim_id) if e.name in MINE[claim_id]]
    assert {e.name for e in evs} == MINE[claim_id]
    results = [run_evidence(e, ctx) for e in evs]
    for r in results:
        assert r.status != "error", f"{r.name}: {r.summary}\n{r.data.get('traceback')}"
        assert r.examples > 0
    if claim_id == "KR-T1-limsup":  # only sharper-role evidence here: each must pass
        assert all(r.status == "passed" and r.role == "sharper" for r in results), results
        return
    assert aggregate_verdict(results)[0] == TRUTH[claim_id], [(r.name, r.status, r.summary) for r in results]
    if claim_id == "KR-C1":
        assert all(r.status == "failed" and r.counterexample for r in results)


# --------------------------------------------------------------------------- certificates
def test_decide_le_both_directions_and_undecided():
    assert decide_le(lambda p: (arb(1), arb(2)), "1<=2").status == "proved"
    assert decide_le(lambda p: (arb(2), arb(1)), "2<=1").status == "disproved"
    # 1/3 <= 1/3 is true but no finite precision makes the difference ball exactly 0: never 'proved'
    d = decide_le(lambda p: (arb(1) / 3, arb(1) / 3), "1/3<=1/3", max_prec=512)
    assert d.status == "undecided" and d.prec == 512


def test_false_inequalities_are_not_certified():
    name, inst = certified_instances()[1]
    s = inst.delta / 1000  # e^{-Delta/sigma} = e^{-1000}: float64 underflows
    X, M = _mat(inst.X_exact), _mat(inst.M_exact)
    # W - F0 > 0 here, so 'W - F0 <= 0' is false and must be disproved, never proved
    from kmrbf.numerics.arb import arb_W_sigma, exact_sq_distances

    f0 = sum(min(r) for r in exact_sq_distances(X, M))
    d = decide_le(lambda p: (arb_W_sigma(X, M, s, prec=p) - arb(f0), arb(0)), "W-F0<=0")
    assert d.status == "disproved" and d.prec >= 1024  # needs ~1.45*1000 bits to resolve
    # the rate e^{-Delta_k/sigma} is exact: 'dev_k <= A_k e^{-1.1 Delta_k/sigma}' is false
    k = 0
    A = float(inst.A()[k])
    d = decide_le(lambda p: (_dev_sq(X, M, s, k, 1, p),
                             (arb(A) * (-arb(11) / 10 * arb(inst.delta_k[k].numerator)
                                        / inst.delta_k[k].denominator / (arb(s.numerator) / s.denominator)).exp()) ** 2),
                  "dev <= A e^{-1.1 Delta_k/sigma}")
    assert d.status == "disproved"


def test_t3_certificate_at_underflowing_sigma():
    for name, inst in certified_instances():
        s = inst.delta / 1000
        assert float(np.exp(-float(inst.delta) / float(s))) == 0.0  # float64 cannot even form eps
        res = certify_t3(inst, s)
        for d in res["decisions"]:
            assert d.status == ("disproved" if d.name.endswith("dev<=0") else "proved"), (name, d)


def test_limsup_certificate():
    for name, inst in certified_instances():
        for fr in (Fraction(1), Fraction(1, 1000)):
            assert [d.status for d in certify_limsup(inst.X_exact, inst.M_exact, inst.delta * fr)] == \
                ["proved", "proved"]


@pytest.mark.parametrize("alpha", ["5/4", "3/2", "2", "3"])
def test_entmax_threshold_is_exact(alpha):
    a = Fraction(alpha)
    for name, inst in certified_instances():
        th = (a - 1) * inst.delta
        assert certify_entmax_exact(inst, th, a)["one_hot"]                        # at the threshold
        assert not certify_entmax_exact(inst, th * (1 + Fraction(1, 10**9)), a)["one_hot"]  # just above
        # float64: bit-for-bit M* below the threshold (rounding band 1e-9 >> kappa ~ 1e-14), moved above
        assert np.array_equal(nx.soft_centroids(inst.X, inst.M, float(th) * (1 - 1e-9), alpha=float(a)), inst.M)
        assert not np.array_equal(nx.soft_centroids(inst.X, inst.M, 1.5 * float(th), alpha=float(a)), inst.M)


def test_softmax_is_never_exact_but_exponentially_close():
    name, inst = certified_instances()[0]
    s = inst.delta / 10
    X, M = _mat(inst.X_exact), _mat(inst.M_exact)
    d = decide_le(lambda p: (_dev_sq(X, M, s, 0, 1, p), arb(0)), "dev<=0")
    assert d.status == "disproved"  # mu_hat_0 != mu*_0 for softmax


def test_cancellation_free_deviation_agrees_with_direct_form():
    from flint import ctx

    from kmrbf.numerics.certify import _dev_sq_fixed_point

    for name, inst in certified_instances():
        X, M, lab = _mat(inst.X_exact), _mat(inst.M_exact), [int(v) for v in inst.labels]
        for fr in (Fraction(1, 10), Fraction(1, 1000)):
            for k in range(inst.K):
                with ctx.workprec(4096):  # direct form needs ~1.45 * 1000 * Delta_k/Delta bits
                    direct = _dev_sq(X, M, inst.delta * fr, k, 1, 4096)
                stable = _dev_sq_fixed_point(X, M, lab, inst.delta * fr, k, 128)
                assert direct.overlaps(stable), (name, fr, k)


# --------------------------------------------------------------------------- KR-T2-grad rate band
def _shifted_line():
    name, inst = certified_instances()[0]
    Xq = [list(x) for x in inst.X_exact]
    Mq = [[v + Fraction(1, 8) for v in row] for row in inst.M_exact]
    return Xq, Mq


def test_step_rate_band_contains_the_ratio_and_needs_the_next_order_term():
    from kmrbf.claims.theorems_grad_rate import _place, _step_ratio, step_rate_band

    Xq, Mq = _shifted_line()
    s = Fraction(135, 4) / 100  # Delta/100 on line-K2 (Delta = 135/4)
    bands = [step_rate_band(Xq, Mq, s, k, prec=1024) for k in range(len(Mq))]
    for band, (q, _) in zip(bands, _step_ratio(Xq, Mq, s, bands, 1024)):
        assert _place(q, band) == "in"
        # the band centred at the limit C_k alone (no O(sigma/Delta_k) term) excludes the ratio:
        # the next-order term of the derivation is real, and the check can fail
        a, b, C = float(band["a"].mid()), float(band["b"].mid()), band["C"]
        assert not C * (1 - a) / (1 + b) <= float(q.mid()) <= C * (1 + a) / (1 - b)


def test_step_rate_place_wide_and_out():
    from kmrbf.claims.theorems_grad_rate import _place

    band = {"C": 1.0, "lo": arb(1), "hi": arb(2)}
    assert _place(arb(1.5, 0.1), band) == "wide"     # relative radius 0.07 >= 1e-9: never passed
    assert _place(arb(1.5), band) == "in"
    assert _place(arb(3), band) == "out"
    assert _place(arb(2), band) == "overlap"
    assert _place(arb(1.5), {"C": 0.0, "lo": None, "hi": None}) == "untested"
