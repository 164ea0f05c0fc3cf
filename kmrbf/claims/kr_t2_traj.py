r"""Evidence for KR-T2-traj (KR abstract, §3.4): gradient-based updates "induce identical training trajectories in the limit".

For :math:`T` steps from the same start :math:`M_0`, let :math:`M_t` be Lloyd's trajectory (ties to the lowest
index, an empty cell keeps its centroid) and :math:`M^\sigma_t` a soft one: the soft-Lloyd step
(:math:`\hat\mu_k=\sum_ip_{ik}x_i/\sum_ip_{ik}`, the gradient step on :math:`G_\sigma` with
:math:`\eta_k=1/(2\sum_ip_{ik})`) or the paper's RBF step (the full gradient of :math:`W_\sigma`, same
:math:`\eta_k`), with softmax or entmax-1.5 responsibilities.  The paper: :math:`M^\sigma_t\to M_t` as
:math:`\sigma\to0`.

It fails at ties and at empty cells (derivation :func:`kmrbf.theory.kr_t2_traj_limits`): a point tied
between two centroids keeps weight :math:`1/2` on both for every :math:`\sigma`, so the soft steps tend to
the uniform split, not to Lloyd's choice; a centroid with an empty cell keeps its place under Lloyd, while
its softmax soft centroid is a convex combination of the data (and the RBF step diverges like
:math:`g/\sigma`).  Without ties and empty cells along Lloyd's trajectory it holds, at the rate of the
iterate's margin.

Evidence
--------
``limit-trajectory`` (paper, arb): a tie instance, an empty-cell instance and a positive-margin control, four
soft updates each, :math:`\sigma=s\cdot10^{-j}`, :math:`j=1..4` (:math:`s` the smallest positive gap along
Lloyd's trajectory), deviations :math:`\max_t\lVert M^\sigma_t-M_t\rVert` in arb (each iterate recentred on its
ball midpoints, a :math:`2^{-\rm prec}` perturbation).  Rule (:func:`limit_verdict`): *approaches* when the
deviation at the smallest :math:`\sigma` is below :math:`2^{-40}\max|x|` (a positive-margin trajectory is
within :math:`Ce^{-10^4}` there); *does not* when it stays above that floor at every :math:`\sigma` and does
not even halve from the largest to the smallest :math:`\sigma`; else undecided.

``no-ties-no-empty`` (condition, Hypothesis, float64): on exact Lloyd trajectories with no tie and no empty
cell (margin :math:`\Delta_t>0`), :math:`\sigma=t\Delta_{\rm traj}`, :math:`t\in[10^{-3},1/30]`: every soft
iterate has Lloyd's cells (exact), each soft step is within the one-step bound at the iterate itself,
:math:`\lVert\hat\mu_k-L_k\rVert\le\varepsilon A^L_k/(n_k(1-(K-1)\varepsilon))` (soft-Lloyd) and
:math:`(\varepsilon A^L_k+B_k/2)/(n_k(1-(K-1)\varepsilon))` (RBF, KR-T2-grad), :math:`\varepsilon=e^{-\Delta(M)/\sigma}`,
plus its float64 rounding; and the entmax-1.5 soft-Lloyd trajectory equals Lloyd's bit for bit, the RBF one up to its four roundings
(:math:`\sigma\le(\alpha-1)\Delta_{\rm traj}`: every row exactly one-hot).

``per-step-rate`` (sharper, arb): the soft-Lloyd deviation after step :math:`t+1` is
:math:`(\lVert c_{t,k}\rVert/n_k)e^{-\Delta_{t,k}/\sigma}(1+o(1))`, :math:`\Delta_{t,k}` the smallest gap of
Lloyd's iterate :math:`M_t` touching cell :math:`k` -- the rate of KR-T2-grad's single step, step by step --
checked against the two-sided band of :func:`soft_step_band` widened by the measured propagation of the
earlier deviation; the RBF step's ratio to :math:`(\Delta_{t,k}/\sigma)e^{-\Delta_{t,k}/\sigma}` is reported.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

from .. import numerics as nx
from .. import theory
from ..evidence import EvidenceList, EvidenceResult, RunContext, Table
from ..evidence.roundoff import U, entmax_threshold_slack, gamma

__all__ = ["lloyd_trajectory", "arb_trajectory", "limit_verdict", "soft_step_band", "one_step_bounds"]

EVIDENCE = EvidenceList("KR-T2-traj", deviations=(
    r"Lloyd's tie rule is the lowest index (the library's); the tie counterexample is symmetric, so the other "
    r"choice is no closer to the soft limit. An empty cell keeps its centroid (the library's policy).",
    r"The step size of both soft updates is the paper's $\eta_k=1/(2\sum_ip_{ik})$; the trajectory length is "
    r"$T=2$-$3$ steps on the hand instances and $T=3$ on the random ones.",
    r"``In the limit'' is decided on a finite grid $\sigma=s\cdot10^{-j}$, $j=1..4$: approached when the arb "
    r"deviation at $\sigma=s/10^4$ is below $2^{-40}\max|x|$, not approached when it neither falls below that nor "
    r"halves over the grid; the derivation proves the non-zero limits of the two counterexamples.",
))

EVIDENCE.derivation("tie-and-empty-limits", "instead", theory.kr_t2_traj_limits)


# ------------------------------------------------------------------------------------- exact Lloyd trajectory
def _sqd(x: Any, m: Any) -> Fraction:
    return sum(((a - b) ** 2 for a, b in zip(x, m)), Fraction(0))


def lloyd_trajectory(X: Any, M0: Any, T: int) -> dict[str, Any]:
    r"""Lloyd's trajectory in exact rational arithmetic: :math:`M_0,\dots,M_T`, cells, margins, ties, empty cells.

    Ties go to the lowest index; an empty cell keeps its centroid.  ``margins[t]`` is
    :math:`\Delta_t=\min_i(d_{i(2)}-d_{i(1)})` of :math:`M_t` (0 at a tie), ``touch[t][k]`` the smallest gap
    touching cell :math:`k` (:math:`\Delta_{t,k}`), for :math:`t<T`.

    Parameters
    ----------
    X : sequence of N rows of D numbers
        Data (converted exactly).
    M0 : sequence of K rows of D numbers
        Start (converted exactly).
    T : int
        Number of steps.

    Returns
    -------
    dict
        ``M`` (T+1 lists of K rows of Fractions), ``labels`` (T lists), ``margins``, ``touch`` (T lists of
        K Fractions or None), ``tie`` and ``empty`` (T bools each).

    Examples
    --------
    >>> tr = lloyd_trajectory([[-1], [0], [1]], [[-1], [1]], 1)
    >>> tr["M"][1], tr["tie"], tr["margins"]
    ([[Fraction(-1, 2)], [Fraction(1, 1)]], [True], [Fraction(0, 1)])
    """
    Xq = [[Fraction(v) for v in row] for row in np.asarray(X, dtype=object).tolist()]
    M = [[Fraction(v) for v in row] for row in np.asarray(M0, dtype=object).tolist()]
    K, D = len(M), len(M[0])
    out: dict[str, Any] = {"M": [M], "labels": [], "margins": [], "touch": [], "tie": [], "empty": []}
    for _ in range(T):
        d = [[_sqd(x, m) for m in M] for x in Xq]
        lab = [min(range(K), key=row.__getitem__) for row in d]
        gaps = [sorted(row)[1] - sorted(row)[0] if K > 1 else Fraction(0) for row in d]
        touch: list[Fraction | None] = [None] * K
        for i, row in enumerate(d):
            for j in range(K):
                if j != lab[i]:
                    g = row[j] - row[lab[i]]
                    for k in (lab[i], j):
                        touch[k] = g if touch[k] is None or g < touch[k] else touch[k]
        new = []
        for k in range(K):
            pts = [Xq[i] for i in range(len(Xq)) if lab[i] == k]
            new.append([sum((p[c] for p in pts), Fraction(0)) / len(pts) for c in range(D)] if pts else list(M[k]))
        out["labels"].append(lab)
        out["margins"].append(min(gaps))
        out["touch"].append(touch)
        out["tie"].append(min(gaps) == 0)
        out["empty"].append(any(lab.count(k) == 0 for k in range(K)))
        M = new
        out["M"].append(M)
    return out


# ------------------------------------------------------------------------------------- arb trajectories
def _arb_step(Xq: list[list[Fraction]], M: list[list[Fraction]], sigma: Fraction, alpha: Fraction, rbf: bool,
              prec: int) -> list[list[Any]]:
    from flint import arb, ctx, fmpq

    from ..numerics.arb import arb_grad_W_sigma, arb_responsibilities

    r = arb_responsibilities(Xq, M, sigma, alpha=alpha, prec=prec)
    g = arb_grad_W_sigma(Xq, M, sigma, alpha=alpha, prec=prec) if rbf else None
    out = []
    with ctx.workprec(prec):
        for k in range(len(M)):
            S = sum((row[k] for row in r), arb(0))
            mk = [arb(fmpq(v.numerator, v.denominator)) for v in M[k]]
            if S.is_zero():  # no mass: keep the centroid (the library's policy)
                out.append(mk)
            elif rbf:
                out.append([m - gk / (2 * S) for m, gk in zip(mk, g[k])])
            else:
                out.append([sum((r[i][k] * arb(fmpq(x[c].numerator, x[c].denominator)) for i, x in enumerate(Xq)),
                                arb(0)) / S for c in range(len(mk))])
    return out


def _mid(b: Any) -> Fraction:
    m = b.mid()
    man, exp = m.man_exp()
    return Fraction(int(man)) * Fraction(2) ** int(exp) if exp >= 0 else Fraction(int(man), 2 ** (-int(exp)))


def arb_trajectory(X: Any, M0: Any, sigma: Fraction, T: int, *, alpha: Fraction = Fraction(1), rbf: bool = False,
                   prec: int = 256) -> list[list[list[Any]]]:
    r"""The soft trajectory in arb: ``T`` soft-Lloyd (``rbf=False``) or RBF steps, each recentred on its midpoints.

    Parameters
    ----------
    X, M0 : sequences of rows
        Data and start (converted exactly).
    sigma : Fraction
        Temperature.
    T : int
        Steps.
    alpha : Fraction, optional
        1 (softmax) or 3/2 (entmax-1.5).
    rbf : bool, optional
        The full-gradient RBF step instead of the soft-Lloyd step.
    prec : int, optional
        Bits.

    Returns
    -------
    list of T lists of K rows of flint.arb
        The iterates :math:`M^\sigma_1..M^\sigma_T` (balls of one step from the previous midpoints).

    Examples
    --------
    >>> tr = arb_trajectory([[-1], [0], [1]], [[-1], [1]], Fraction(1, 100), 1)
    >>> round(float(tr[0][1][0].mid()), 5)            # the soft limit 2/3, not Lloyd's 1
    0.66667
    """
    Xq = [[Fraction(v) for v in row] for row in np.asarray(X, dtype=object).tolist()]
    M = [[Fraction(v) for v in row] for row in np.asarray(M0, dtype=object).tolist()]
    out = []
    for _ in range(T):
        B = _arb_step(Xq, M, sigma, alpha, rbf, prec)
        out.append(B)
        M = [[_mid(b) for b in row] for row in B]
    return out


def _dev(B: list[list[Any]], M: list[list[Fraction]], prec: int) -> Any:
    from flint import arb, ctx, fmpq

    with ctx.workprec(prec):
        best = arb(0)
        for brow, mrow in zip(B, M):
            sq = sum(((b - arb(fmpq(m.numerator, m.denominator))) * (b - arb(fmpq(m.numerator, m.denominator)))
                      for b, m in zip(brow, mrow)), arb(0))
            best = best.max(sq)
        return best.sqrt() if best > 0 else best


def limit_verdict(devs: list[Any], scale: float) -> str:
    r"""``"approaches"``, ``"does not"`` or ``"undecided"`` from deviations (arb balls) on a decreasing σ grid.

    *approaches*: the last deviation is below :math:`2^{-40}` ``scale``; *does not*: every deviation is above it
    and the last is not below half the first; otherwise undecided.

    Parameters
    ----------
    devs : list of flint.arb
        Deviations at decreasing σ.
    scale : float
        Data scale (e.g. :math:`\max|x|`).

    Returns
    -------
    str

    Examples
    --------
    >>> from flint import arb
    >>> limit_verdict([arb("0.3"), arb("0.33")], 1.0), limit_verdict([arb("0.3"), arb("1e-300")], 1.0)
    ('does not', 'approaches')
    """
    from flint import arb

    floor = arb(scale) * arb(2) ** -40
    if devs[-1] < floor:
        return "approaches"
    if all(d > floor for d in devs) and devs[-1] > devs[0] / 2:
        return "does not"
    return "undecided"


_METHODS = (("soft-Lloyd softmax", Fraction(1), False), ("RBF softmax", Fraction(1), True),
            ("soft-Lloyd entmax-1.5", Fraction(3, 2), False), ("RBF entmax-1.5", Fraction(3, 2), True))

_INSTANCES = (
    ("tie", [[-1], [0], [1]], [[-1], [1]], 2),
    ("empty cell", [[0], [1], [3]], [[0], [3], [10]], 2),
    ("control (positive margins)", [[0], [1], [2], [7], [Fraction(17, 2)]], [[0], [Fraction(5, 2)]], 3),
)


def _smallest_positive_gap(tr: dict[str, Any], X: Any) -> Fraction:
    Xq = [[Fraction(v) for v in row] for row in X]
    best = None
    for M in tr["M"][:-1]:
        for x in Xq:
            d = sorted(_sqd(x, m) for m in M)
            for a, b in zip(d, d[1:]):
                if b > a and (best is None or b - a < best):
                    best = b - a
    return best


@EVIDENCE.register(kind="certified", name="limit-trajectory", role="paper",
                   description="do the soft trajectories (soft-Lloyd and RBF steps, softmax and entmax-1.5) approach "
                               "Lloyd's as sigma -> 0? arb trajectories on a tie, an empty-cell and a positive-margin "
                               "instance, sigma = s x 10^-j, j = 1..4")
def _limit(ctx: RunContext) -> EvidenceResult:
    prec = 256
    rows, bad, undecided = [], [], []
    for name, X, M0, T in _INSTANCES:
        tr = lloyd_trajectory(X, M0, T)
        s = _smallest_positive_gap(tr, X)
        scale = float(max(abs(Fraction(v)) for row in X for v in row))
        sigmas = [s / 10**j for j in range(1, 5)]
        fails = []
        for mname, alpha, rbf in _METHODS:
            devs, first = [], []
            for sigma in sigmas:
                soft = arb_trajectory(X, M0, sigma, T, alpha=alpha, rbf=rbf, prec=prec)
                per = [_dev(B, M, prec) for B, M in zip(soft, tr["M"][1:])]
                devs.append(max(per, key=lambda b: b.mid()))
                first.append(per[0])
            v = limit_verdict(devs, scale)
            rows.append([name, mname, f"{float(s):.4g}", ", ".join(d.str(4, radius=False) for d in first),
                         ", ".join(d.str(4, radius=False) for d in devs), v])
            if v == "does not":
                fails.append(f"{mname} " + ", ".join(d.str(4, radius=False) for d in devs)
                             + (" (after step 1: " + ", ".join(d.str(4, radius=False) for d in first) + ")"
                                if any(abs(float((a - b).mid())) > 1e-2 * abs(float(b.mid())) for a, b in zip(first, devs))
                                else ""))
            elif v == "undecided":
                undecided.append(f"{name} / {mname}")
        if fails:
            why = ("; a tie at step " + str(tr["tie"].index(True)) if any(tr["tie"]) else "") + \
                  ("; an empty cell at step " + str(tr["empty"].index(True)) if any(tr["empty"]) else "")
            bad.append(f"{name}: X = {[str(r[0]) if len(r) == 1 else [str(a) for a in r] for r in X]}, "
                       f"M0 = {[str(r[0]) if len(r) == 1 else [str(a) for a in r] for r in M0]}, Lloyd after step 1 "
                       f"{[str(r[0]) if len(r) == 1 else [str(a) for a in r] for r in tr['M'][1]]}{why}; "
                       f"max_t ||M^sigma_t - M_t|| at sigma = {', '.join(str(x) for x in sigmas)}: " + "; ".join(fails))
    status = "failed" if bad else "undecided" if undecided else "passed"
    return EvidenceResult(
        status=status, examples=len(rows) * 4, counterexample="; ".join(bad) or None,
        summary=(f"the soft trajectory does not approach Lloyd's on {len(bad)}/{len(_INSTANCES)} instances "
                 f"(ties: every update; an empty cell: the softmax updates in exact arithmetic); on the "
                 f"positive-margin control every update does" if bad else "; ".join(undecided)),
        tables=[Table(["instance", "update", "smallest positive gap s", "deviation after step 1, sigma = s/10 .. s/10^4",
                       "max_t deviation, sigma = s/10 .. s/10^4", "limit"], rows,
                      "KR-T2-traj: soft against Lloyd trajectories (arb midpoints)")])


# ------------------------------------------------------------------------------------- condition: no ties, no empty
def one_step_bounds(X: np.ndarray, M: np.ndarray, sigma: float) -> dict[str, Any]:
    r"""Exact cells and margin of ``M`` and the one-step bounds of the soft-Lloyd and RBF steps towards Lloyd's.

    With :math:`\varepsilon=e^{-\Delta(M)/\sigma}`, :math:`L_k` the mean of the cell :math:`C_k` of ``M``,
    :math:`A^L_k=(K-1)\sum_{C_k}\lVert x_i-L_k\rVert+\sum_{i\notin C_k}\lVert x_i-L_k\rVert`,
    :math:`B_k=\tfrac{2(K-1)}\sigma\varepsilon\sum_i\lVert\mu_k-x_i\rVert s_i`,
    :math:`s_i=\max_jd_{ij}-\min_jd_{ij}` (KR-T2-grad):
    soft-Lloyd :math:`\varepsilon A^L_k/(n_k(1-(K-1)\varepsilon))`, RBF
    :math:`(\varepsilon A^L_k+B_k/2)/(n_k(1-(K-1)\varepsilon))`.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    M : ndarray of shape (K, D)
        Any centroids; the margin and cells are computed exactly from the float64 values.
    sigma : float

    Returns
    -------
    dict
        ``labels`` (exact cells, lowest index on ties), ``delta`` (Fraction), ``lloyd`` (float64 cell means,
        ``None`` rows for empty cells), ``soft`` and ``rbf`` (float arrays of K bounds; inf when
        :math:`(K-1)\varepsilon\ge1` or a cell is empty).

    Examples
    --------
    >>> b = one_step_bounds(np.array([[0.0], [1.0], [10.0], [11.0]]), np.array([[0.0], [11.0]]), 1.0)
    >>> b["labels"], b["delta"], b["soft"].shape
    ([0, 0, 1, 1], Fraction(99, 1), (2,))
    """
    K = M.shape[0]
    Xq = [[Fraction(float(v)) for v in row] for row in X]
    Mq = [[Fraction(float(v)) for v in row] for row in M]
    d = [[_sqd(x, m) for m in Mq] for x in Xq]
    lab = [min(range(K), key=row.__getitem__) for row in d]
    delta = min(sorted(row)[1] - sorted(row)[0] for row in d)
    eps = math.exp(-float(delta) / sigma)
    df = np.array([[float(v) for v in row] for row in d])
    s_i = df.max(1) - df.min(1)
    soft, rbf, lloyd = np.full(K, math.inf), np.full(K, math.inf), []
    for k in range(K):
        own = np.array([c == k for c in lab])
        if not own.any():
            lloyd.append(None)
            continue
        L = X[own].mean(0)
        lloyd.append(L)
        dl = np.sqrt(((X - L) ** 2).sum(1))
        A = (K - 1) * dl[own].sum() + dl[~own].sum()
        B = 2 * (K - 1) / sigma * eps * (np.sqrt(((X - M[k]) ** 2).sum(1)) * s_i).sum()
        den = own.sum() * (1 - (K - 1) * eps)
        if den > 0:
            soft[k], rbf[k] = eps * A / den, (eps * A + B / 2) / den
    return {"labels": lab, "delta": delta, "lloyd": lloyd, "soft": soft, "rbf": rbf}


def _rounding(X: np.ndarray, M: np.ndarray, sigma: float, rbf: bool) -> np.ndarray:
    """float64 error bound of one soft step at M (per centroid, Euclidean): responsibilities with relative error
    gamma_{4K+8} + 4u d/sigma (logits -d/sigma carry u d/sigma absolutely), a weighted sum and a division; the RBF
    step adds the gradient's rounding (as in KR-T2-grad)."""
    N, D = X.shape
    K = M.shape[0]
    d = ((X[:, None, :] - M[None]) ** 2).sum(-1)
    r = np.asarray(nx.responsibilities(X, M, sigma))
    S = r.sum(0)
    R = float(np.abs(X).max() + np.abs(M).max())
    dist = np.sqrt(((X[:, None, :] - M[None]) ** 2).sum(-1))
    rel = gamma(4 * K + 8) + 4 * U * d / sigma
    tol = 2 * (r * rel * dist).sum(0) / np.maximum(S, 1e-300) + math.sqrt(D) * gamma(N + K + 8) * R
    if rbf:
        dbar = (r * d).sum(1, keepdims=True)
        gtol = gamma(N + 4 * K + 4 * D + 16) * 2 * (r * dist * (1 + (d + dbar) / sigma) + dist).sum(0)
        tol = tol + gtol / (2 * np.maximum(S, 1e-300)) + math.sqrt(D) * gamma(N + 4 * K + 16) * R
    return tol


def _require(cond: bool) -> None:
    """``hypothesis.assume`` without its warning when the check is called directly (tests)."""
    if not cond:
        raise UnsatisfiedAssumption()


@st.composite
def _trajectory_instances(draw):
    """Grid data (K = 2..4 blobs, D = 1..2, 2..6 points each, multiples of 2^-4 in [-6, 6]) and a Forgy start
    (K distinct data rows); T = 3."""
    k = draw(st.integers(2, 4), label="K")
    dim = draw(st.integers(1, 2), label="D")
    centres = draw(st.lists(st.tuples(*[st.integers(-64, 64)] * dim), min_size=k, max_size=k, unique=True))
    pts = []
    for c in centres:
        n = draw(st.integers(2, 6))
        for _ in range(n):
            off = draw(st.tuples(*[st.integers(-16, 16)] * dim))
            pts.append([(a + b) / 16 for a, b in zip(c, off)])
    X = np.array(pts, dtype=float)
    idx = draw(st.lists(st.integers(0, len(pts) - 1), min_size=k, max_size=k, unique=True), label="start")
    return X, X[idx].copy()


@EVIDENCE.property("no-ties-no-empty", role="condition", fraction=0.5,
                   condition="no tie and no empty cell along Lloyd's trajectory (margin Delta_t > 0 at every step): "
                             "then every soft update stays within the one-step bound O(e^{-Delta_t/sigma}) of Lloyd's, "
                             "and the entmax-1.5 updates equal Lloyd's for sigma <= (alpha-1) min_t Delta_t (soft-Lloyd bit for bit, "
                             "RBF up to its four roundings)",
                   strategies={"inst": _trajectory_instances(), "t": st.floats(math.log(1e-3), math.log(1 / 30)).map(math.exp)},
                   strategy_summary="grid data (K = 2..4 groups of 2..6 points, D = 1..2, multiples of 2^-4), Forgy "
                                    "start, T = 3; only trajectories without ties or empty cells (exact); sigma = t "
                                    "min_t Delta_t, t log-uniform in [1e-3, 1/30]")
def traj_condition(inst: tuple[np.ndarray, np.ndarray], t: float) -> None:
    r"""Under the condition, the soft trajectories stay with Lloyd's: exact cells, one-step bounds, entmax exact."""
    import warnings

    X, M0 = inst
    T = 3
    tr = lloyd_trajectory(X, M0, T)
    _require(not any(tr["tie"]) and not any(tr["empty"]))
    sigma = t * float(min(tr["margins"]))
    lloyd = [np.array([[float(v) for v in row] for row in M]) for M in tr["M"]]
    for which in ("soft", "rbf"):
        M = M0.copy()
        for s in range(T):
            b = one_step_bounds(X, M, sigma)
            assert b["labels"] == tr["labels"][s], f"{which} step {s}: the soft iterate left Lloyd's cells"
            new = np.asarray(nx.soft_centroids(X, M, sigma) if which == "soft" else nx.rbf_gradient_step(X, M, sigma))
            tol = _rounding(X, M, sigma, which == "rbf")
            gap = np.sqrt(((new - lloyd[s + 1]) ** 2).sum(1))
            bound = b[which] + tol + math.sqrt(X.shape[1]) * U * np.abs(lloyd[s + 1]).max(1)
            assert np.all(gap <= bound), f"{which} step {s}: deviation {gap.tolist()} > bound {bound.tolist()}"
            M = new
    kappa = max(entmax_threshold_slack(float(((X[:, None] - m[None]) ** 2).sum(-1).max()), float(dl))
                for m, dl in zip(lloyd[:-1], tr["margins"]))
    _require(kappa < 1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nx.EmptyClusterWarning)
        Ms, Mr, Ml = M0.copy(), M0.copy(), M0.copy()
        for s in range(T):
            Ms_new = np.asarray(nx.soft_centroids(X, Ms, sigma, alpha=1.5))
            Mr_new = np.asarray(nx.rbf_gradient_step(X, Mr, sigma, alpha=1.5))
            Ml = np.asarray(nx.lloyd_step(X, Ml))
            # one-hot rows: the soft-Lloyd step is the cell sum over the count, Lloyd's own arithmetic (grid data:
            # exact sums), so bit for bit; the RBF step mu - (n mu - T)/n rounds four times: gamma_4 (2|mu| + |L|)
            assert np.array_equal(Ms_new, Ml), f"entmax-1.5 soft-Lloyd step {s}: {Ms_new.tolist()} != {Ml.tolist()}"
            tol = gamma(4) * (2 * np.abs(Mr) + np.abs(Ml))
            assert np.all(np.abs(Mr_new - Ml) <= tol), f"entmax-1.5 RBF step {s}: {Mr_new.tolist()} != {Ml.tolist()}"
            Ms, Mr = Ms_new, Mr_new


# ------------------------------------------------------------------------------------- sharper: per-step rate
def soft_step_band(X: Any, M: Any, sigma: Fraction, k: int, *, prec: int = 256) -> dict[str, Any]:
    r"""Two-sided band of :math:`\rho=\lVert\hat\mu_k(M)-L_k\rVert/e^{-\Delta_k/\sigma}` for the softmax soft-Lloyd step at
    an exact rational ``M`` with positive margin (:math:`L_k` the mean of cell :math:`C_k` of ``M``,
    :math:`\Delta_k` the smallest gap touching :math:`k`).

    With :math:`e_{ij}=e^{-g_{ij}/\sigma}`, :math:`S_i=\sum_{j\ne c(i)}e_{ij}`: for :math:`i\in C_k`,
    :math:`r_{ik}=1-S_i+\theta_i`, :math:`0\le\theta_i\le S_i^2`; for :math:`i\notin C_k`,
    :math:`r_{ik}=e_{ik}-\theta'_i`, :math:`0\le\theta'_i\le e_{ik}S_i`.  As :math:`\sum_{C_k}(x_i-L_k)=0`,
    :math:`\sum_ir_{ik}(x_i-L_k)=\varepsilon_kc_k+T_1+R_1` with
    :math:`c_k=\sum_{i\notin C_k,g_{ik}=\Delta_k}(x_i-L_k)-\sum_{i\in C_k}m_i(x_i-L_k)`
    (:math:`m_i=\#\{j\ne k:g_{ij}=\Delta_k\}`), :math:`\lVert T_1\rVert\le\sum_{g>\Delta_k}e^{-g/\sigma}\lVert x_i-L_k\rVert`
    (first-order terms of larger gaps), :math:`\lVert R_1\rVert\le\sum_{C_k}S_i^2\lVert x_i-L_k\rVert+
    \sum_{\notin C_k}e_{ik}S_i\lVert x_i-L_k\rVert`, and :math:`\lvert\sum_ir_{ik}-n_k\rvert\le\beta_k=
    \sum_{C_k}S_i+\sum_{\notin C_k}e_{ik}`.  Hence

    .. math:: \rho\in\Bigl[\frac{\lVert c_k\rVert-a}{n_k+\beta_k},\ \frac{\lVert c_k\rVert+a}{n_k-\beta_k}\Bigr],
              \qquad a=\frac{\lVert T_1\rVert+\lVert R_1\rVert}{\varepsilon_k}.

    Parameters
    ----------
    X, M : sequences of rows (exact rationals)
    sigma : Fraction
    k : int
    prec : int, optional

    Returns
    -------
    dict
        ``delta_k`` (Fraction), ``C`` (:math:`\lVert c_k\rVert/n_k`, float), ``lo``, ``hi`` (arb; ``hi`` None when
        :math:`\beta_k\ge n_k`), ``lloyd`` (row :math:`L_k`, Fractions).

    Examples
    --------
    >>> F = Fraction
    >>> b = soft_step_band([[F(0)], [F(1)], [F(3)]], [[F(0)], [F(3)]], F(1, 4), 0)
    >>> b["delta_k"], b["C"], b["lloyd"]       # x = 1: gap 3; c_0 = -(1 - 1/2), n_0 = 2
    (Fraction(3, 1), 0.25, [Fraction(1, 2)])
    """
    from flint import arb, ctx, fmpq

    def q(v: Fraction) -> Any:
        return arb(fmpq(v.numerator, v.denominator))

    Xq = [[Fraction(v) for v in row] for row in X]
    Mq = [[Fraction(v) for v in row] for row in M]
    K, D = len(Mq), len(Mq[0])
    d = [[_sqd(x, m) for m in Mq] for x in Xq]
    lab = [min(range(K), key=row.__getitem__) for row in d]
    pts = [x for x, c in zip(Xq, lab) if c == k]
    nk = len(pts)
    L = [sum((p[c] for p in pts), Fraction(0)) / nk for c in range(D)]
    terms = [(i, row[j] - row[k], -1) for i, row in enumerate(d) if lab[i] == k for j in range(K) if j != k] + \
        [(i, row[k] - row[lab[i]], 1) for i, row in enumerate(d) if lab[i] != k]
    dk = min(g for _, g, _ in terms)
    c = [Fraction(0)] * D
    for i, g, sgn in terms:
        if g == dk:
            c = [a + sgn * (x - l) for a, x, l in zip(c, Xq[i], L)]
    with ctx.workprec(prec):
        s = q(sigma)

        def e(g: Fraction) -> Any:
            return (-q(g) / s).exp()

        def et(g: Fraction) -> Any:  # e^{-(g - Delta_k)/sigma}: relative to eps_k
            return (-q(g - dk) / s).exp()

        nL = [q(_sqd(x, L)).sqrt() for x in Xq]
        a = arb(0)
        for i, g, _ in terms:
            if g > dk:
                a += et(g) * nL[i]
        beta = arb(0)
        for i, row in enumerate(d):
            Si = sum((e(row[j] - row[lab[i]]) for j in range(K) if j != lab[i]), arb(0))
            if lab[i] == k:
                Sit = sum((et(row[j] - row[k]) for j in range(K) if j != k), arb(0))
                a += Si * Sit * nL[i]
                beta += Si
            else:
                g = row[k] - row[lab[i]]
                a += et(g) * Si * nL[i]
                beta += e(g)
        cn = q(_sqd(c, [Fraction(0)] * D)).sqrt()
        lo = (cn - a) / (nk + beta)
        hi = (cn + a) / (nk - beta) if beta < nk else None
    return {"delta_k": dk, "C": math.sqrt(float(_sqd(c, [Fraction(0)] * D))) / nk, "lo": lo, "hi": hi, "lloyd": L}


_RATE_INSTANCES = (
    ("line", [[0], [1], [2], [7], [Fraction(17, 2)]], [[0], [Fraction(5, 2)]], 3),
    ("triangle", [[0, 0], [1, 0], [0, Fraction(3, 2)], [6, 0], [7, 1], [Fraction(13, 2), -1], [3, 6], [4, 7],
                  [Fraction(5, 2), Fraction(29, 4)]], [[0, 0], [6, 0], [3, 6]], 2),
)


@EVIDENCE.register(kind="experiment", name="per-step-rate", role="sharper",
                   description="arb: the soft-Lloyd step from Lloyd's iterate M_t deviates from Lloyd's step by "
                               "(||c_{t,k}||/n_k) e^{-Delta_{t,k}/sigma}(1 + o(1)) (inside the two-sided band of "
                               "soft_step_band), Delta_{t,k} the smallest gap of M_t touching cell k; along the "
                               "trajectory the earlier deviation adds a propagated part, measured (its ratio to "
                               "e^{-Delta_{t,k}/sigma} must fall below the band as sigma decreases); the RBF step's "
                               "ratio to (Delta_{t,k}/sigma) e^{-Delta_{t,k}/sigma} reported; sigma = Delta_traj x "
                               "{1/10, 1/30, 1/100}")
def _rate(ctx: RunContext) -> EvidenceResult:
    from flint import arb, ctx as fctx, fmpq

    def q(v: Fraction) -> Any:
        return arb(fmpq(v.numerator, v.denominator))

    rows, bad, undecided = [], [], []
    for name, X, M0, T in _RATE_INSTANCES:
        tr = lloyd_trajectory(X, M0, T)
        Xq = [[Fraction(v) for v in r] for r in X]
        dtraj = min(tr["margins"])
        gmax = max(g for touch in tr["touch"] for g in touch if g is not None)
        Xf = np.array([[float(v) for v in r] for r in X])
        for fr in (Fraction(1, 10), Fraction(1, 30), Fraction(1, 100)):
            sigma = dtraj * fr
            # a deviation of relative size e^{-Delta_{t,k}/sigma} cancels log2(e) Delta_{t,k}/sigma bits, and it sits
            # within a further e^{-Delta_{t,k}/sigma} of a band end when the remainders align (1-D data): 2x, and a
            # third for the balls' own growth
            prec = 128 + math.ceil(3 * float(gmax / sigma) / math.log(2))
            soft = arb_trajectory(X, M0, sigma, T, prec=prec)
            rbf = arb_trajectory(X, M0, sigma, T, rbf=True, prec=prec)
            for t in range(T):
                exact_step = _arb_step(Xq, tr["M"][t], sigma, Fraction(1), False, prec)
                for k in range(len(tr["M"][t])):
                    band = soft_step_band(X, tr["M"][t], sigma, k, prec=prec)
                    with fctx.workprec(prec):
                        epsk = (-q(band["delta_k"]) / q(sigma)).exp()
                        Lk = [q(v) for v in tr["M"][t + 1][k]]

                        def norm(u: list[Any], v: list[Any]) -> Any:
                            sq = sum(((a - b) * (a - b) for a, b in zip(u, v)), arb(0))
                            return sq.abs_upper().sqrt() if sq.contains(0) else sq.sqrt()

                        rho1 = norm(exact_step[k], Lk) / epsk        # one step from Lloyd's iterate
                        rho = norm(soft[t][k], Lk) / epsk            # along the soft trajectory
                        w = norm(soft[t][k], exact_step[k]) / epsk   # the propagated part
                        rhoR = norm(rbf[t][k], Lk) / (q(band["delta_k"]) / q(sigma) * epsk)
                    lo, hi = band["lo"], band["hi"]
                    # how close the one-step bound of the condition evidence comes to the one-step deviation:
                    # eps A^L_k / (n_k (1 - (K-1) eps)) over rho eps_k, eps = e^{-Delta_t/sigma} (the iterate's margin)
                    K = len(tr["M"][t])
                    lab = tr["labels"][t]
                    Lf = np.array([float(v) for v in tr["M"][t + 1][k]])
                    dl = np.sqrt(((Xf - Lf) ** 2).sum(1))
                    own = np.array([c == k for c in lab])
                    A = (K - 1) * dl[own].sum() + dl[~own].sum()
                    with fctx.workprec(prec):
                        eps = (-q(tr["margins"][t]) / q(sigma)).exp()
                        bound = eps * arb(A) / (int(own.sum()) * (1 - (K - 1) * eps))
                        tight = float((bound / (rho1 * epsk)).mid())
                    where = f"{name} sigma=Delta_traj*{fr} step {t}->{t + 1} k={k}"
                    if not band["C"] > 0:
                        place = "untested (c_k = 0)"
                    elif rho1 > lo and (hi is None or rho1 < hi):
                        place = "in"
                    elif rho1 < lo or (hi is not None and rho1 > hi):
                        place = "out"
                        bad.append(f"{where}: one-step rho = {rho1.str(8)} outside [{lo.str(8)}, "
                                   f"{hi.str(8) if hi is not None else 'inf'}]")
                    else:
                        place = "overlap"
                        undecided.append(f"{where}: rho = {rho1.str(8)} overlaps [{lo.str(8)}, "
                                         f"{hi.str(8) if hi is not None else 'inf'}] at {prec} bits")
                    rows.append([name, str(fr), f"{t}->{t + 1}", k, f"{float(band['delta_k']):.5g}",
                                 f"{band['C']:.6g}", f"{float(rho1.mid()):.6g}",
                                 f"[{float(lo.mid()):.6g}, {float(hi.mid()) if hi is not None else math.inf:.6g}]",
                                 place, f"{float(rho.mid()):.6g}", w.str(3, radius=False),
                                 f"{float(rhoR.mid()):.4g}", f"{tight:.4g}"])
    status = "failed" if bad else "undecided" if undecided else "passed"
    return EvidenceResult(
        status=status, examples=len(rows), counterexample="; ".join(bad) or None,
        summary=("every soft-Lloyd step from Lloyd's iterate deviates by (||c_{t,k}||/n_k) e^{-Delta_{t,k}/sigma}"
                 "(1 + o(1)) (arb, inside the derived band): the per-step rate is the margin of the current Lloyd "
                 "iterate (the propagated part of the earlier deviation and the RBF step's ratio to (Delta_{t,k}/sigma) "
                 "e^{-Delta_{t,k}/sigma}, the extra factor of KR-T2-grad, are reported)"
                 if status == "passed" else "; ".join(bad or undecided)),
        tables=[Table(["instance", "sigma/Delta_traj", "step", "k", "Delta_{t,k}", "||c_k||/n_k",
                       "one step: dev/e^{-Delta_{t,k}/sigma}", "derived band", "in band",
                       "trajectory: dev/e^{-Delta_{t,k}/sigma}", "propagated part / e^{-Delta_{t,k}/sigma}",
                       "RBF: dev/((Delta_{t,k}/sigma) e^{-Delta_{t,k}/sigma})",
                       "one-step bound / one-step deviation"], rows,
                      "KR-T2-traj: per-step rate of the soft-Lloyd trajectory (arb; midpoints shown)")])
