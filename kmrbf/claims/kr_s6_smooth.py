r"""Evidence for KR-S6-smooth (KR §3.6, §4, §6): entmax-1.5 "maintains smooth gradients throughout training".

The paper replaces softmax by entmax-1.5 because in the low-temperature regime softmax "saturates,
gradients collapse" (§3.6); entmax-1.5 "maintains differentiability", ensures "well-behaved gradients
in the low-temperature regime" (§4) and "smooth gradients throughout training" (§6).  The gradient
that the responsibilities carry is the Jacobian-vector product :math:`J_id_i` of every row
(:math:`\nabla_{\mu_k}W=2\sum_ip_{ik}(\mu_k-x_i)-\tfrac2\sigma\sum_i(J_id_i)_k(\mu_k-x_i)`), with
:math:`J=\operatorname{diag}(s)-ss^\top/\sum_js_j`, :math:`s=p^{2-\alpha}` on the support: for
entmax-1.5, :math:`s=\sqrt p`, and a one-hot row has :math:`J=0` **exactly**.  A row is one-hot as
soon as its gap :math:`g_i=d_{i(2)}-d_{i(1)}` satisfies :math:`g_i\ge\sigma/(\alpha-1)=2\sigma` (KR-T5);
softmax's Jacobian entries are :math:`\approx e^{-g_i/\sigma}`, never 0 in exact arithmetic, and 0 in
float64 only when :math:`e^{-g_i/\sigma}` rounds to 0, :math:`g_i/\sigma>1075\ln2\approx745.13`
(:data:`SOFTMAX_UNDERFLOW`).  So the assignment gradients of entmax-1.5 vanish at temperatures
:math:`1075\ln2/2\approx373` times larger than those at which float64 softmax's do.

Paper-role evidence ``assignment-gradients-in-training``: the paper's training (Algorithm 2, the full
gradient step :func:`kmrbf.numerics.rbf_gradient_step` with ``alpha=1.5``) on its §4.2 geometries, on a
log-spaced :math:`\sigma` schedule; at every step, is some row's Jacobian non-zero (a gradient through the
assignments)?  One-hot is decided exactly (float64 gaps with the rounding band of
:func:`kmrbf.evidence.roundoff.entmax_threshold_slack`, exact rationals inside the band).  What holds
instead: the derivation :func:`kmrbf.theory.kr_s6_smooth_jacobian` (the Jacobian is 0 on one-hot rows,
entmax-1.5 is :math:`C^1` but not :math:`C^2`; softmax's never vanishes) and the property
``vanishing-thresholds`` (float64: entmax-1.5 at :math:`\sigma\le g/2`, softmax at
:math:`\sigma<g/(1075\ln2)`).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .. import numerics as nx
from .. import theory
from ..evidence import EvidenceList, EvidenceResult, RunContext, Table
from ..evidence.roundoff import entmax_threshold_slack

__all__ = ["SOFTMAX_UNDERFLOW", "assignment_jvp", "jacobians", "one_hot_rows"]

#: float64 ``exp(-t)`` rounds to 0 exactly for ``t > 1075 ln 2`` (below half the smallest subnormal 2**-1074)
SOFTMAX_UNDERFLOW = 1075 * math.log(2.0)

#: relative margin in t = g/sigma around SOFTMAX_UNDERFLOW: e^{-t} is then at most half (above: twice)
#: the boundary value 2**-1075, so any exp with an error below half an ulp of the subnormal grid decides it
UNDERFLOW_MARGIN = math.log(2.0) / SOFTMAX_UNDERFLOW

EVIDENCE = EvidenceList("KR-S6-smooth", deviations=(
    r"``Smooth gradients throughout training'' is read as: the gradient that flows through the assignments "
    r"(the Jacobian-vector products $J_id_i$ of the responsibilities, the term softmax is said to lose when "
    r"``gradients collapse'') is non-zero at every step of training.",
    r"Training protocol (the paper gives none for this statement): the paper's Algorithm 2 update (full gradient "
    r"of $W^{(1.5)}_\sigma$, $\eta_k=1/(2\sum_ip_{ik})$) for $T=30$ steps from a Forgy initialisation on the "
    r"§4.2 geometries (blobs, moons, circles, spiral; $N=150$, $K=3$), $\sigma=\sigma_{\max}10^{-j/2}$, "
    r"$j=0,\dots,6$, $\sigma_{\max}=\lambda_{\max}(\mathrm{Cov}\,X)$ as in KR-S43.",
))


def assignment_jvp(p: np.ndarray, dd: np.ndarray, alpha: float) -> np.ndarray:
    r"""Per row, :math:`J_i\,dd_i` of the responsibilities, computed gap first as the library's gradient does.

    :math:`(Jd)_k=s_k(dd_k-\bar d)`, :math:`\bar d=\sum_js_jdd_j/\sum_js_j`, :math:`s=p` (softmax,
    ``alpha=1``) or :math:`s=p^{2-\alpha}` on the support (0 off it), :math:`dd=d-\min_jd_j`.

    Parameters
    ----------
    p : ndarray of shape (N, K)
        Responsibilities (library :func:`~kmrbf.numerics.softmax` / :func:`~kmrbf.numerics.entmax15` rows).
    dd : ndarray of shape (N, K)
        Squared distances minus the row minimum.
    alpha : float
        1 (softmax) or the entmax :math:`\alpha>1`.

    Returns
    -------
    ndarray of shape (N, K)
        The rows :math:`J_idd_i`; exactly 0 on a one-hot entmax row.

    Examples
    --------
    >>> assignment_jvp(np.array([[1.0, 0.0]]), np.array([[0.0, 5.0]]), 1.5).tolist()
    [[0.0, 0.0]]
    """
    pos = p > 0
    s = p if alpha == 1.0 else np.where(pos, np.power(np.where(pos, p, 1.0), 2.0 - alpha), 0.0)
    dbar = (s * dd).sum(1, keepdims=True) / s.sum(1, keepdims=True)
    return np.where(pos, s * (dd - dbar), 0.0)


def jacobians(p: np.ndarray, alpha: float) -> np.ndarray:
    r"""Per row, the Jacobian :math:`J=\operatorname{diag}(s)-ss^\top/\sum_js_j` of the responsibilities (float64).

    :math:`s=p` for softmax (``alpha=1``: :math:`J=\operatorname{diag}(p)-pp^\top`), :math:`s=p^{2-\alpha}` on the
    support and 0 off it for entmax-:math:`\alpha`.

    Parameters
    ----------
    p : ndarray of shape (N, K)
        Responsibilities.
    alpha : float
        1 (softmax) or the entmax :math:`\alpha>1`.

    Returns
    -------
    ndarray of shape (N, K, K)

    Examples
    --------
    >>> jacobians(np.array([[1.0, 0.0]]), 1.5).tolist()
    [[[0.0, 0.0], [0.0, 0.0]]]
    >>> jacobians(np.array([[0.5, 0.5]]), 1.0).tolist()
    [[[0.25, -0.25], [-0.25, 0.25]]]
    """
    pos = p > 0
    s = p if alpha == 1.0 else np.where(pos, np.power(np.where(pos, p, 1.0), 2.0 - alpha), 0.0)
    eye = np.eye(p.shape[1])[None]
    return eye * s[:, :, None] - s[:, :, None] * s[:, None, :] / s.sum(1)[:, None, None]


def one_hot_rows(X: np.ndarray, M: np.ndarray, sigma: float, alpha: float = 1.5) -> tuple[np.ndarray, int]:
    r"""Which entmax-:math:`\alpha` rows are exactly one-hot: :math:`(\alpha-1)\,g_i\ge\sigma`, decided exactly.

    The float64 gap :math:`g_i=d_{i(2)}-d_{i(1)}` decides outside its rounding band
    (:func:`kmrbf.evidence.roundoff.entmax_threshold_slack`); inside it the exact rational gap of the
    float64 data and centroids decides.

    Parameters
    ----------
    X : ndarray of shape (N, D)
    M : ndarray of shape (K, D), K >= 2
    sigma : float
    alpha : float, optional

    Returns
    -------
    one_hot : ndarray of bool, shape (N,)
    exact_checks : int
        Rows decided in rational arithmetic.

    Examples
    --------
    >>> one_hot_rows(np.array([[0.0], [1.0]]), np.array([[0.0], [3.0]]), 1.0)[0].tolist()  # gaps 9, 3
    [True, True]
    >>> one_hot_rows(np.array([[0.0], [1.0]]), np.array([[0.0], [3.0]]), 2.0)[0].tolist()
    [True, False]
    """
    d = ((X[:, None, :] - M[None, :, :]) ** 2).sum(-1)
    ds = np.sort(d, axis=1)
    g = ds[:, 1] - ds[:, 0]
    a1 = alpha - 1
    kappa = np.array([entmax_threshold_slack(float(ds[i, -1]), max(float(g[i]), 1e-300)) for i in range(len(g))])
    sure = a1 * g >= sigma * (1 + kappa)
    never = a1 * g <= sigma / (1 + kappa)
    out = sure.copy()
    unsure = np.flatnonzero(~sure & ~never)
    A, S = Fraction(alpha) - 1, Fraction(sigma)
    Mq = [[Fraction(v) for v in row] for row in M]
    for i in unsure:
        xi = [Fraction(v) for v in X[i]]
        di = sorted(sum(((a - b) ** 2 for a, b in zip(xi, m)), Fraction(0)) for m in Mq)
        out[i] = A * (di[1] - di[0]) >= S
    return out, len(unsure)


def _runs(ctx: RunContext) -> list[dict[str, Any]]:
    from ..numerics.experiments import DATASETS, forgy_init, make_dataset

    T = max(10, round(30 * ctx.profile.scale))
    out = []
    for di, name in enumerate(DATASETS):
        X = make_dataset(name, 150, seed=(ctx.profile.seed + di) % 2**31)
        M0 = forgy_init(X, 3, np.random.default_rng(ctx.profile.seed + di))
        smax = float(np.linalg.eigvalsh(np.cov(X.T)).max())
        for j in range(7):
            sigma = smax * 10.0 ** (-j / 2)
            M = M0.copy()
            steps = []
            for t in range(T):
                oh, nex = one_hot_rows(X, M, sigma)
                d = ((X[:, None, :] - M[None, :, :]) ** 2).sum(-1)
                dd = d - d.min(1, keepdims=True)
                js = assignment_jvp(np.asarray(nx.softmax(-dd / sigma)), dd, 1.0)
                je = assignment_jvp(np.asarray(nx.entmax15(-dd / sigma)), dd, 1.5)
                g = np.sort(d, 1)
                steps.append({"one_hot": int(oh.sum()), "exact_checks": nex,
                              "entmax_jvp_zero_rows": int((je == 0).all(1).sum()),
                              "softmax_jvp_max": float(np.abs(js).max()),
                              "softmax_jvp_zero_rows": int((js == 0).all(1).sum()),
                              "min_gap_over_sigma": float((g[:, 1] - g[:, 0]).min() / sigma)})
                M = np.asarray(nx.rbf_gradient_step(X, M, sigma, alpha=1.5))
            out.append({"dataset": name, "j": j, "sigma": sigma, "N": X.shape[0], "steps": steps})
        ctx.report(f"KR-S6-smooth: training runs on {name}")
    return out


@EVIDENCE.register(kind="experiment", name="assignment-gradients-in-training", role="paper",
                   description="entmax-1.5 training (Algorithm 2, full gradient) on the §4.2 geometries over a "
                               "log-spaced sigma schedule: is the Jacobian of some row non-zero (a gradient through "
                               "the assignments) at every step? One-hot rows decided exactly")
def _training(ctx: RunContext) -> EvidenceResult:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nx.EmptyClusterWarning)
        runs = _runs(ctx)
    rows, dead = [], []
    for r in runs:
        st_ = r["steps"]
        zero = [t for t, s in enumerate(st_) if s["one_hot"] == r["N"]]
        # from which step on every row stays one-hot
        tail = next((t for t in range(len(st_)) if all(s["one_hot"] == r["N"] for s in st_[t:])), None)
        frac = np.mean([s["one_hot"] / r["N"] for s in st_])
        mism = sum(abs(s["entmax_jvp_zero_rows"] - s["one_hot"]) for s in st_)
        rows.append([r["dataset"], f"{r['sigma']:.4g}", f"{frac:.3f}", f"{len(zero)}/{len(st_)}",
                     "-" if tail is None else tail, f"{min(s['min_gap_over_sigma'] for s in st_):.3g}",
                     f"{max(s['softmax_jvp_max'] for s in st_):.3g}",
                     f"{min(s['softmax_jvp_max'] for s in st_):.3g}",
                     sum(s["softmax_jvp_zero_rows"] for s in st_), mism])
        if zero:
            dead.append((r, zero, tail))
    cex = None
    if dead:
        by_set: dict[str, Any] = {}
        for r, zero, tail in dead:  # the largest sigma of each dataset where the assignment gradient dies
            if r["dataset"] not in by_set or r["sigma"] > by_set[r["dataset"]][0]["sigma"]:
                by_set[r["dataset"]] = (r, zero, tail)
        parts = []
        for r, zero, tail in by_set.values():
            s0 = r["steps"][zero[0]]
            parts.append(
                f"{r['dataset']} (N={r['N']}, K=3), sigma = {r['sigma']:.4g}: at {len(zero)}/{len(r['steps'])} steps "
                f"(first: step {zero[0]}" + (f"; every step from {tail} on" if tail is not None else "") +
                f") every row is one-hot (exact: gap >= 2 sigma, min gap/sigma = {s0['min_gap_over_sigma']:.4g}), so "
                f"the entmax-1.5 Jacobian is 0 at all {r['N']} rows and no gradient flows through the assignments; "
                f"softmax at the same iterate: max |J d| = {s0['softmax_jvp_max']:.3g} > 0")
        cex = "; ".join(parts)
    n_dead = sum(len(z) for _, z, _ in dead)
    n_steps = sum(len(r["steps"]) for r in runs)
    soft_dead = sum(s["softmax_jvp_zero_rows"] == r["N"] for r in runs for s in r["steps"])
    return EvidenceResult(
        status="failed" if dead else "passed", examples=n_steps, counterexample=cex,
        summary=(f"at {n_dead}/{n_steps} training steps ({len(dead)}/{len(runs)} runs) every entmax-1.5 row is "
                 f"one-hot: the gradient through the assignments is exactly 0; softmax's (float64) is 0 at every row "
                 f"at {soft_dead}/{n_steps} steps (and at {sum(r_[-2] for r_ in rows)} row-steps: far rows whose "
                 f"e^{{-g/sigma}} or J d underflows)"),
        tables=[Table(["dataset", "sigma", "mean fraction of one-hot rows", "steps with all rows one-hot",
                       "all one-hot from step", "min gap/sigma", "softmax max |J d| (max over steps)",
                       "softmax max |J d| (min over steps)", "softmax row-steps with J d = 0 (float64)",
                       "row-steps where float64 entmax-1.5 J d = 0 and exact one-hot differ"], rows,
                      "KR-S6-smooth: entmax-1.5 training; one-hot rows have Jacobian exactly 0")],
        data={"counts": {"steps": n_steps, "steps_all_one_hot": n_dead, "runs": len(runs),
                         "runs_with_all_one_hot_steps": len(dead), "softmax_steps_all_zero": soft_dead},
              "runs": [{k: v for k, v in r.items()} for r in runs]})


EVIDENCE.derivation("jacobian-smoothness", "instead", theory.kr_s6_smooth_jacobian)


@st.composite
def _rows(draw):
    """A row of squared distances (K = 2..6) with a positive gap g between the two smallest entries."""
    k = draw(st.integers(2, 6))
    dmin = draw(st.floats(0.0, 50.0, allow_subnormal=False))
    g = draw(st.floats(1e-3, 50.0))
    rest = draw(st.lists(st.floats(0.0, 50.0, allow_subnormal=False), min_size=k - 2, max_size=k - 2))
    row = np.array([dmin, dmin + g] + [dmin + g + r for r in rest])
    return row[draw(st.permutations(range(k)))]


@EVIDENCE.property("vanishing-thresholds", role="instead", strategies={"d": _rows()},
                   strategy_summary="squared-distance rows, K = 2..6, entries in [0, 150], gap g in [1e-3, 50] between "
                                    "the two smallest")
def s6_thresholds(d: np.ndarray) -> None:
    r"""float64, library activations: the entmax-1.5 row and its Jacobian are exactly one-hot / 0 at
    :math:`\sigma=g/(2(1+\kappa))` and not at :math:`1.125\,g/2`; softmax's are exactly one-hot / 0 at
    :math:`\sigma=g/(t_0(1+m))` and not at :math:`g/(t_0(1-m))`, :math:`t_0=1075\ln2`, :math:`m=\ln2/t_0`."""
    dd = (d - d.min())[None, :]
    ds = np.sort(d)
    g = float(ds[1] - ds[0])
    kappa = entmax_threshold_slack(float(ds[-1]), g)
    for sigma, zero in ((g / (2 * (1 + kappa)), True), (1.125 * g / 2, False)):
        p = np.asarray(nx.entmax15(-dd / sigma))
        j = jacobians(p, 1.5)
        assert (np.count_nonzero(p) == 1) == zero and bool((j == 0).all()) == zero, (sigma, p, j)
    for sigma, zero in ((g / (SOFTMAX_UNDERFLOW * (1 + UNDERFLOW_MARGIN)), True),
                        (g / (SOFTMAX_UNDERFLOW * (1 - UNDERFLOW_MARGIN)), False)):
        p = np.asarray(nx.softmax(-dd / sigma))
        j = jacobians(p, 1.0)
        assert (np.count_nonzero(p) == 1) == zero and bool((j == 0).all()) == zero, (sigma, p, j)
