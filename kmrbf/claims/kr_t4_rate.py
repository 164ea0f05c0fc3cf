r"""Evidence for KR-T4-rate: entmax-1.5 "converges polynomially (first order in σ)", softmax's rate is "strictly stronger".

The paper (abstract, §3.5, Thm 4, §4.1.1) presents entmax-1.5 as giving "stable polynomial
convergence", "a first-order polynomial scaling near zero", against softmax's exponential rate,
"a rate strictly stronger than any polynomial convergence".  At a Lloyd fixed point
:math:`M^*` with margin :math:`\Delta`, every logit gap of row :math:`i` is at least
:math:`\Delta/\sigma`, and entmax-:math:`\alpha` is exactly one-hot once the top gap is
:math:`\ge1/(\alpha-1)` (KR-T5); so for :math:`\sigma\le(\alpha-1)\Delta` every row is one-hot and the
soft centroids **are** :math:`M^*`: the deviation is 0, not :math:`\sim C\sigma`, and it is smaller than
softmax's, which is positive at every :math:`\sigma>0`.

Paper-role evidence (exact rational + arb, on the fixed instances of
:func:`kmrbf.numerics.lloyd_instances.certified_instances`):

* ``first-order-deviation``: is the entmax-1.5 deviation of first order (:math:`\ge c\sigma`,
  :math:`c>0`) as :math:`\sigma\to0`?  Decided by the exact rational one-hot test at
  :math:`\sigma=(\alpha-1)\Delta\cdot f`, :math:`f\in\{1,1/10,1/1000\}` (one-hot at :math:`f=1`
  implies one-hot for every smaller :math:`\sigma`: the test :math:`(\alpha-1)g_{ij}\ge\sigma` is
  monotone), confirmed by arb soft centroids that are the exact points :math:`\mu^*_k`.
* ``softmax-strictly-faster``: at the same :math:`\sigma`, is softmax's deviation smaller than
  entmax-1.5's?  arb proves the softmax deviation positive (cancellation-free form
  :func:`kmrbf.numerics.certify.deviation_sq_fixed_point`) while entmax-1.5's is exactly 0.

What holds instead (``instead``): the SymPy derivation :func:`kmrbf.theory.kr_t4_rate_order` of the
two-logit order :math:`q=\max(1,1/(\alpha-1))` just below the one-hot threshold, and the
certificate ``order-above-threshold``: just above :math:`\sigma_{\rm th}=(\alpha-1)\Delta`, only rows at
gap exactly :math:`\Delta` become active, all with the same second probability
:math:`p=p_2(\Delta/\sigma)` of the two logits :math:`(0,-\Delta/\sigma)`, so

.. math::

    \lVert\hat\mu_k-\mu^*_k\rVert=\frac{\lVert c_k\rVert\,p}{n_k+(m'_k-m_k)\,p},\qquad
    c_k=\sum_{i\notin C_k,\ g_{ik}=\Delta}(x_i-\mu^*_k)-\sum_{i\in C_k,\ \min_jg_{ij}=\Delta}(x_i-\mu^*_k),

(:math:`m_k`, :math:`m'_k` the numbers of own and foreign rows at gap :math:`\Delta`; exact, since
:math:`\sum_{i\in C_k}(x_i-\mu^*_k)=0`).  arb checks this identity on the instances, and the
derivation gives :math:`p\sim c_\alpha\eta^q`: for entmax-1.5 the deviation is
:math:`\lVert c_k\rVert s^2/n_k\,(1+O(s))` at :math:`\sigma=(\alpha-1)\Delta(1+s)` -- second order in
the distance to the threshold, zero below it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import theory
from ..evidence import EvidenceList, EvidenceResult, RunContext, Table

__all__ = ["threshold_pieces", "closed_form_deviation", "ALPHA_ORDERS"]

EVIDENCE = EvidenceList("KR-T4-rate", deviations=(
    r"The paper's ``first-order polynomial'' rate is read as a deviation of exact order $\sigma$: "
    r"$c\sigma\le\lVert\hat\mu_k-\mu^*_k\rVert\le C\sigma$ for small $\sigma$ (the upper bound alone is Theorem 4, "
    r"claim KR-T4).",
    r"Checked at Lloyd fixed points with $\Delta>0$ (the setting of Theorems 3 and 4): the three fixed instances of "
    r"the arb certificates (line, $K=2$; triangle, $K=3$; tetrahedron, $K=4$), $\alpha=3/2$ for the paper's "
    r"statements and $\alpha\in\{5/4,3/2,2,3\}$ for the order above the threshold.",
    r"$\sigma$ on the grid $(\alpha-1)\Delta\times\{1, 1/10, 1/1000\}$ (one-hot at the threshold implies one-hot "
    r"below it); above it $\sigma=(\alpha-1)\Delta(1+s)$, $s\in\{10^{-2},10^{-3},10^{-4}\}$.",
))

#: alpha -> order q = max(1, 1/(alpha-1)) of the deviation just above the threshold (theory.kr_t4_rate_order)
ALPHA_ORDERS = {Fraction(5, 4): 4, Fraction(3, 2): 2, Fraction(2): 1, Fraction(3): 1}

_FRACS = (Fraction(1), Fraction(1, 10), Fraction(1, 1000))
_S = (Fraction(1, 100), Fraction(1, 1000), Fraction(1, 10000))


def _instances() -> list[tuple[str, Any]]:
    from ..numerics.lloyd_instances import certified_instances

    return certified_instances()


def threshold_pieces(inst: Any, s_max: Fraction) -> list[dict[str, Any]] | None:
    r"""Per cell :math:`k`: :math:`c_k`, :math:`n_k`, :math:`m_k`, :math:`m'_k` of the module docstring, or None.

    Valid for :math:`\sigma\in((\alpha-1)\Delta,(\alpha-1)\Delta(1+s_{\max})]`: returns None unless
    every gap :math:`g_{ij}=d_{ij}-d_{i,c(i)}` below :math:`\Delta(1+s_{\max})` equals :math:`\Delta`
    and every row has at most one competitor at gap :math:`\Delta` (then exactly the rows at gap
    :math:`\Delta` have two active entries, with the same probabilities).

    Parameters
    ----------
    inst : LloydInstance
        An exact Lloyd fixed point (:mod:`kmrbf.numerics.lloyd_instances`).
    s_max : Fraction
        Largest relative distance :math:`s` above the threshold.

    Returns
    -------
    list of dict or None
        ``c`` (list of D Fractions), ``n``, ``m`` (own rows at gap :math:`\Delta`), ``m_foreign``.

    Examples
    --------
    >>> from kmrbf.numerics.lloyd_instances import from_partition
    >>> inst = from_partition([[0.0], [1.0], [10.0], [11.0]], [0, 0, 1, 1])   # gap 90 at x = 1 and x = 10
    >>> [(p["c"], p["n"], p["m"], p["m_foreign"]) for p in threshold_pieces(inst, Fraction(1, 100))]
    [([Fraction(9, 1)], 2, 1, 1), ([Fraction(-9, 1)], 2, 1, 1)]
    """
    X, M, lab = inst.X_exact, inst.M_exact, [int(v) for v in inst.labels]
    K, D = len(M), len(M[0])
    delta = Fraction(inst.delta)
    dist = [[sum(((a - b) ** 2 for a, b in zip(x, m)), Fraction(0)) for m in M] for x in X]
    out = [{"c": [Fraction(0)] * D, "n": inst.counts[k], "m": 0, "m_foreign": 0} for k in range(K)]
    for i, row in enumerate(dist):
        own = lab[i]
        at = [j for j in range(K) if j != own and row[j] - row[own] < delta * (1 + s_max)]
        if any(row[j] - row[own] != delta for j in at) or len(at) > 1:
            return None
        for j in at:
            po, pj = out[own], out[j]
            po["c"] = [c - (x - m) for c, x, m in zip(po["c"], X[i], M[own])]
            po["m"] += 1
            pj["c"] = [c + (x - m) for c, x, m in zip(pj["c"], X[i], M[j])]
            pj["m_foreign"] += 1
    return out


def closed_form_deviation(piece: dict[str, Any], p: Any) -> Any:
    r""":math:`\lVert c_k\rVert p/(n_k+(m'_k-m_k)p)` (arb), the deviation just above the threshold.

    Parameters
    ----------
    piece : dict
        One cell of :func:`threshold_pieces`.
    p : flint.arb
        The second probability of the two logits :math:`(0,-\Delta/\sigma)`.

    Returns
    -------
    flint.arb
        At the caller's working precision.

    Examples
    --------
    >>> from flint import arb
    >>> cf = closed_form_deviation({"c": [Fraction(3), Fraction(4)], "n": 2, "m": 1, "m_foreign": 0}, arb(1) / 4)
    >>> cf.overlaps(arb(5) / 7)                   # 5 (1/4) / (2 - 1/4)
    True
    """
    from flint import arb, fmpq

    c2 = sum((v * v for v in piece["c"]), Fraction(0))
    return arb(fmpq(c2.numerator, c2.denominator)).sqrt() * p / (piece["n"] + (piece["m_foreign"] - piece["m"]) * p)


def _q(v: Fraction) -> Any:
    from flint import fmpq

    return fmpq(v.numerator, v.denominator)


@EVIDENCE.register(kind="certified", name="first-order-deviation", role="paper",
                   description="is the entmax-1.5 deviation of first order, >= c sigma with c > 0, as sigma -> 0? "
                               "Exact rational one-hot test and arb soft centroids at sigma = (alpha-1)Delta x "
                               "{1, 1/10, 1/1000} on the three fixed instances")
def _first_order(ctx: RunContext) -> EvidenceResult:
    from ..evidence.certificate import CertificateWriter
    from ..numerics.certify import certify_entmax_exact

    rows, zero, undecided = [], [], []
    certs = CertificateWriter(ctx, "KR-T4-rate", "first-order-deviation")
    for name, inst in _instances():
        for fr in _FRACS:
            sigma = Fraction(1, 2) * Fraction(inst.delta) * fr
            ex = certify_entmax_exact(inst, sigma, Fraction(3, 2))
            certs.add(f"{name}, alpha = 3/2, sigma = (alpha-1)Delta x {fr}",
                      {"X": inst.X_exact, "M": inst.M_exact, "sigma": sigma}, [ex["decision"]])
            exact = ex["one_hot"] and (ex["exact_in_arb"] or ex["one_hot_in_arb"])
            rows.append([name, str(fr), f"{float(sigma):.6g}", ex["one_hot"], ex["exact_in_arb"],
                         "0 (exact)" if exact else "> 0 or undecided"])
            if exact:
                zero.append((name, inst, fr, sigma))
            elif ex["one_hot"] != ex["one_hot_in_arb"]:
                undecided.append(f"{name} sigma/((a-1)Delta)={fr}: rational and arb one-hot tests disagree")
    if zero:
        first = {}
        for name, inst, fr, sigma in zero:
            first.setdefault(name, (inst, fr, sigma))
        cex = "; ".join(
            f"{name} (N={inst.N}, K={inst.K}, D={inst.D}, Delta={inst.delta}): at sigma = (alpha-1)Delta = "
            f"{Fraction(inst.delta) / 2} every entmax-1.5 row is one-hot (exact rational logit gaps >= 2), so "
            f"||mu_hat_k - mu*_k|| = 0 exactly for every sigma <= {Fraction(inst.delta) / 2} (checked at "
            f"sigma/((alpha-1)Delta) = 1, 1/10, 1/1000): no c > 0 with deviation >= c sigma"
            for name, (inst, fr, sigma) in first.items())
        status = "failed"
    else:
        cex, status = None, "undecided" if undecided else "passed"
    return EvidenceResult(
        status=status, examples=len(rows), counterexample=cex,
        summary=(f"entmax-1.5 soft centroids equal M* exactly at {len(zero)}/{len(rows)} (instance, sigma) pairs "
                 f"with sigma <= (alpha-1)Delta: the deviation is 0, faster than any power of sigma"),
        tables=[Table(["instance", "sigma/((alpha-1)Delta)", "sigma", "one-hot (exact rational)",
                       "arb centroids are the exact points", "deviation"], rows,
                      "KR-T4-rate: entmax-1.5 deviation below the one-hot threshold")],
        data={"certificates": certs.entries})


@EVIDENCE.register(kind="certified", name="softmax-strictly-faster", role="paper",
                   description="is softmax's deviation (exponential rate) smaller than entmax-1.5's as sigma -> 0? "
                               "arb proves the softmax deviation > 0 where entmax-1.5's is exactly 0, sigma = "
                               "(alpha-1)Delta x {1, 1/10, 1/1000}; the table adds sigma above the threshold")
def _softmax_faster(ctx: RunContext) -> EvidenceResult:
    from flint import arb, ctx as fctx

    from ..evidence.certificate import CertificateWriter
    from ..numerics.arb import exact_matrix
    from ..numerics.certify import (certify_entmax_exact, decide_le, deviation_sq, deviation_sq_expr,
                                    deviation_sq_fixed_point)

    rows, bad, undecided = [], [], []
    certs = CertificateWriter(ctx, "KR-T4-rate", "softmax-strictly-faster")
    for name, inst in _instances():
        Xq, Mq = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact)
        lab = [int(v) for v in inst.labels]
        for fr in _FRACS + (Fraction(3, 2), Fraction(4)):
            sigma = Fraction(1, 2) * Fraction(inst.delta) * fr
            sq = _q(sigma)
            # softmax: max_k deviation, proved > 0 (dev^2 <= 0 disproved)
            soft, decided = [], []
            for k in range(inst.K):
                dec = decide_le(lambda p, k=k: (deviation_sq_fixed_point(Xq, Mq, lab, sq, k, p), arb(0)),
                                f"softmax k={k}: dev<=0", max_prec=4096, statement=(deviation_sq_expr(k), 0))
                decided.append(dec)
                with fctx.workprec(dec.prec):
                    soft.append((dec.status, deviation_sq_fixed_point(Xq, Mq, lab, sq, k, dec.prec).sqrt()))
            below = fr <= 1
            if below:
                ex = certify_entmax_exact(inst, sigma, Fraction(3, 2))
                decided.append(ex["decision"])
                ent_zero = ex["one_hot"] and (ex["exact_in_arb"] or ex["one_hot_in_arb"])
                ent = "0 (exact)" if ent_zero else "not exact"
            else:
                with fctx.workprec(256):
                    ent = max((deviation_sq(Xq, Mq, sq, k, _q(Fraction(3, 2)), 256).sqrt() for k in range(inst.K)),
                              key=lambda b: b.mid()).str(5, radius=False)
                ent_zero = False
            certs.add(f"{name}, sigma = (alpha-1)Delta x {fr}, alpha = 3/2 (softmax deviation; entmax-1.5 one-hot test)",
                      {"X": inst.X_exact, "M": inst.M_exact, "sigma": sigma}, decided)
            kmax = max(range(inst.K), key=lambda k: soft[k][1].mid())
            soft_pos = all(s == "disproved" for s, _ in soft)
            soft_txt = soft[kmax][1].str(5, radius=False)
            rows.append([name, str(fr), f"{float(sigma):.6g}", soft_txt, ent,
                         "entmax" if below and ent_zero and soft_pos else "-"])
            if below:
                if ent_zero and soft_pos:
                    bad.append(f"{name} (K={inst.K}, Delta={inst.delta}), sigma = {sigma} = (alpha-1)Delta x {fr}: "
                               f"softmax max_k ||mu_hat_k - mu*_k|| = {soft_txt} > 0 (arb) while the entmax-1.5 "
                               f"deviation is 0 exactly")
                elif not (ent_zero and soft_pos):
                    undecided.append(f"{name} sigma/((a-1)Delta)={fr}")
    status = "failed" if bad else "undecided" if undecided else "passed"
    # one counterexample per instance: the smallest sigma (the asymptotic regime)
    per = {}
    for b in bad:
        per[b.split(" ")[0]] = b
    return EvidenceResult(
        status=status, examples=len(rows), counterexample="; ".join(per.values()) or None,
        summary=("below the threshold the entmax-1.5 deviation is exactly 0 and softmax's is positive: softmax is "
                 "slower, not faster, at every such sigma" if bad else "; ".join(undecided)),
        tables=[Table(["instance", "sigma/((alpha-1)Delta)", "sigma", "softmax max_k deviation (arb)",
                       "entmax-1.5 max_k deviation", "smaller deviation"], rows,
                      "KR-T4-rate: softmax against entmax-1.5 deviations from M* (arb balls; midpoints shown)")],
        data={"certificates": certs.entries})


EVIDENCE.derivation("two-logit-order", "instead", theory.kr_t4_rate_order)


@EVIDENCE.register(kind="certified", name="order-above-threshold", role="instead",
                   description="just above sigma_th = (alpha-1)Delta the deviation is ||c_k|| p/(n_k + (m'_k - m_k) p), "
                               "p the two-logit entmax probability at gap Delta/sigma (arb identity on the fixed "
                               "instances, alpha in {5/4, 3/2, 2, 3}), hence of order max(1, 1/(alpha-1)) in "
                               "sigma/sigma_th - 1 (2 for entmax-1.5); the measured local log-log slopes")
def _order(ctx: RunContext) -> EvidenceResult:
    from flint import arb, ctx as fctx

    from ..numerics.arb import arb_entmax, exact_matrix
    from ..numerics.certify import deviation_sq

    prec = 256
    rows, bad, untested = [], [], []
    for name, inst in _instances():
        pieces = threshold_pieces(inst, max(_S))
        if pieces is None:
            untested.append(name)
            continue
        Xq, Mq = exact_matrix(inst.X_exact), exact_matrix(inst.M_exact)
        scale2 = inst.diam**2
        for alpha, q in ALPHA_ORDERS.items():
            devs: dict[int, list[Any]] = {}
            for s in _S:
                sigma = (alpha - 1) * Fraction(inst.delta) * (1 + s)
                with fctx.workprec(prec):
                    p = arb_entmax([0, -_q(Fraction(inst.delta) / sigma)], _q(alpha), prec=prec)[1]
                    for k, pc in enumerate(pieces):
                        # compare squares (a ball of dev^2 around 0 has no real square root)
                        dev2 = deviation_sq(Xq, Mq, _q(sigma), k, _q(alpha), prec)
                        cf = closed_form_deviation(pc, p)
                        cf2 = cf * cf
                        # arb's enclosures are exact up to ~2^-prec relative to the data scale diam^2
                        tight = dev2.rad() < 2.0 ** (-prec // 2) * (abs(cf2.mid()) + scale2 * 2.0 ** (-prec // 2))
                        devs.setdefault(k, []).append((dev2, cf))
                        if not dev2.overlaps(cf2):
                            bad.append(f"{name} alpha={alpha} k={k} s={s}: deviation^2 {dev2.str(10)} != closed "
                                       f"form^2 {cf2.str(10)}")
                        elif not tight:
                            untested.append(f"{name} alpha={alpha} k={k} s={s}: balls too wide")
            for k, ds in devs.items():
                cfs = [cf for _, cf in ds]
                if all(cf.is_zero() for cf in cfs):
                    shown, slope = "0 (exact: no row at gap Delta touches k)", "-"
                else:
                    shown = ", ".join(cf.str(4, radius=False) for cf in cfs)
                    with fctx.workprec(prec):
                        slope = f"{float(((cfs[-2] / cfs[-1]).log() / arb(10).log()).mid()):.4f}"
                rows.append([name, str(alpha), k, f"{pieces[k]['m']}/{pieces[k]['m_foreign']}", shown, slope, q])
    status = "failed" if bad else "undecided" if untested else "passed"
    return EvidenceResult(
        status=status, examples=len(rows) * len(_S), counterexample="; ".join(bad) or None,
        summary=("the deviation just above the threshold equals ||c_k|| p/(n_k + (m'_k - m_k) p) on every instance and "
                 "cell (arb); its local log-log slope in s tends to max(1, 1/(alpha-1)): 2 for entmax-1.5, never 1"
                 if status == "passed" else "; ".join(bad or untested)),
        tables=[Table(["instance", "alpha", "k", "rows at gap Delta (own/foreign)",
                       "deviation at s = 1e-2, 1e-3, 1e-4 (= closed form)", "local slope (s = 1e-3 -> 1e-4)", "derived order"], rows,
                      "KR-T4-rate: deviation at sigma = (alpha-1)Delta(1+s), just above the one-hot threshold "
                      "(arb midpoints)")],
        data={"prec": prec, "s": [str(s) for s in _S]})
