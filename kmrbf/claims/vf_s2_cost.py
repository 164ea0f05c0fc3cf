r"""Evidence for VF-S2-cost ("Computational Complexity and Scalability": the cost of a GMM iteration).

VF-S2-cost
----------
The paper: GMMs "operate at :math:`O(NKD)` per expectation step but include covariance updates at
:math:`O(KD^2)`".  The paper's GMM baseline is scikit-learn's ``GaussianMixture`` with its default
full covariances (the author's ``BaselineGMMModel``).  Two ``paper`` evidences:

* ``operation-count``: the EM iteration of ``GaussianMixture(covariance_type="full")``, formula by
  formula (``_estimate_log_gaussian_prob``, ``_estimate_gaussian_covariances_full``,
  ``_compute_precision_cholesky``), executed on counting scalars (:func:`counted_em_step`) at
  every size of a small grid; the counts equal the closed forms :func:`em_counts` exactly, and the
  counted step reproduces scikit-learn's own EM step (:func:`sklearn_em_step`) to rounding.  The
  E-step needs :math:`\ge KND^2` multiplications (the Mahalanobis terms
  :math:`(x_i-\mu_k)^\top L_k`), so :math:`E/(NKD)\ge D`; the covariance update needs
  :math:`\ge KND^2` (:math:`\sum_ir_{ik}(x_i-\mu_k)(x_i-\mu_k)^\top`), so
  :math:`C/(KD^2)\ge N`: neither ratio is bounded, so neither is :math:`O(NKD)` resp.
  :math:`O(KD^2)`.  The counterexample gives the exact counts at a USPS-sized fold.
* ``timing-exponent``: single-thread CPU time of scikit-learn's E-step (``score_samples``) and of a
  fixed number of EM iterations over :math:`D`, fitted exponent :math:`a` with its standard error,
  against the exponents the two cost models predict over the same grid (:func:`model_exponent`):
  the paper's (:math:`NKD` + :math:`KD^2`) and the counted one.  ``failed`` if the confidence
  interval of :math:`a` lies above their midpoint, ``passed`` if below, ``undecided`` if it
  straddles it.  Timings are volatile: the seconds and the fitted exponents stay in
  ``data["timings"]`` (its ``tables`` are printed in the report's run information, never in
  ``verification.tex``); the summary, table and counterexample carry the outcome only.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict
from typing import Any

import numpy as np

from ..bench import time_call
from ..evidence import EvidenceList, EvidenceResult, RunContext, Table
from ..evidence.roundoff import gamma

__all__ = ["Counted", "counted_em_step", "em_counts", "arithmetic", "em_step_bound", "gmm_instance",
           "sklearn_em_step", "model_exponent", "fit_exponent", "exponent_rule"]

EVIDENCE = EvidenceList("VF-S2-cost", deviations=(
    "The paper does not say which covariances its GMM has; its baseline is scikit-learn's GaussianMixture "
    "with the default full covariances (the author's BaselineGMMModel), which we count and time.",
    "Operations are counted as scalar additions, subtractions, multiplications and divisions of the "
    "algorithm scikit-learn implements (dense matrix products, Cholesky factorisation, triangular solve "
    "against the identity); exp, log and sqrt are counted separately and are O(NK + KD).",
    "Timing protocol (not in the paper): single-thread process CPU time (threadpoolctl), minimum over "
    "repeats after a warm-up, seeded standard normal data, N = 1024 x profile scale, K = 4, D from 96 "
    "to 512 (below 96 the matrix products run far from their asymptotic speed), one EM iteration with "
    "tol = 0 from random_from_data initialisation (fit = initial M-step, one E- and M-step, final E-step).",
    "Time exponents are decided against the midpoint of the two cost models' exponents over the same "
    "grid, with a two-sided 95 percent t interval from the log-log least-squares fit.",
))


class Counted:
    """A float that counts the arithmetic done with it (in the shared :class:`collections.Counter` ``ops``).

    ``+``, ``-``, ``*``, ``/`` count as ``add``, ``sub``, ``mul``, ``div``; :meth:`exp`, :meth:`log`,
    :meth:`sqrt` as ``exp``, ``log``, ``sqrt``.  Comparisons are free.

    Parameters
    ----------
    v : float
        The value.
    ops : collections.Counter
        Where the operations are counted.
    """

    __slots__ = ("v", "ops")

    def __init__(self, v: float, ops: Counter) -> None:
        self.v, self.ops = float(v), ops

    def _o(self, other: Any) -> float:
        return other.v if isinstance(other, Counted) else float(other)

    def __add__(self, o: Any) -> Counted:
        self.ops["add"] += 1
        return Counted(self.v + self._o(o), self.ops)

    __radd__ = __add__

    def __sub__(self, o: Any) -> Counted:
        self.ops["sub"] += 1
        return Counted(self.v - self._o(o), self.ops)

    def __rsub__(self, o: Any) -> Counted:
        self.ops["sub"] += 1
        return Counted(self._o(o) - self.v, self.ops)

    def __mul__(self, o: Any) -> Counted:
        self.ops["mul"] += 1
        return Counted(self.v * self._o(o), self.ops)

    __rmul__ = __mul__

    def __truediv__(self, o: Any) -> Counted:
        self.ops["div"] += 1
        return Counted(self.v / self._o(o), self.ops)

    def __lt__(self, o: Any) -> bool:
        return self.v < self._o(o)

    def __gt__(self, o: Any) -> bool:
        return self.v > self._o(o)

    def exp(self) -> Counted:
        self.ops["exp"] += 1
        return Counted(math.exp(self.v), self.ops)

    def log(self) -> Counted:
        self.ops["log"] += 1
        return Counted(math.log(self.v), self.ops)

    def sqrt(self) -> Counted:
        self.ops["sqrt"] += 1
        return Counted(math.sqrt(self.v), self.ops)


def _dot(a: list[Counted], b: list[Counted]) -> Counted:
    """A dot product of length n: n multiplications, n - 1 additions."""
    s = a[0] * b[0]
    for x, y in zip(a[1:], b[1:]):
        s = s + x * y
    return s


def _sum(a: list[Counted]) -> Counted:
    s = a[0]
    for x in a[1:]:
        s = s + x
    return s


def _cholesky_lower(A: list[list[Counted]]) -> list[list[Any]]:
    d = len(A)
    L: list[list[Any]] = [[0.0] * d for _ in range(d)]
    for j in range(d):
        s = A[j][j]
        for p in range(j):
            s = s - L[j][p] * L[j][p]
        L[j][j] = s.sqrt()
        for i in range(j + 1, d):
            s = A[i][j]
            for p in range(j):
                s = s - L[i][p] * L[j][p]
            L[i][j] = s / L[j][j]
    return L


def _inverse_lower(L: list[list[Any]], ops: Counter) -> list[list[Any]]:
    """Solve ``L Z = I`` column by column (forward substitution, as ``solve_triangular`` does)."""
    d = len(L)
    Z: list[list[Any]] = [[0.0] * d for _ in range(d)]
    for c in range(d):
        for i in range(d):
            s = Counted(1.0 if i == c else 0.0, ops)
            for p in range(i):
                s = s - L[i][p] * Z[p][c]
            Z[i][c] = s / L[i][i]
    return Z


def counted_em_step(X: np.ndarray, weights: np.ndarray, means: np.ndarray, prec_chol: np.ndarray,
                    reg_covar: float = 1e-6) -> tuple[dict[str, Counter], dict[str, np.ndarray]]:
    r"""One EM iteration of ``GaussianMixture(covariance_type="full")`` on counting scalars.

    E-step: :math:`\log p_{ik}=-\tfrac12(D\log2\pi+\lVert x_iL_k-\mu_kL_k\rVert^2)+\sum_j\log L_{k,jj}`,
    responsibilities by log-sum-exp; M-step: :math:`n_k=\sum_ir_{ik}+10\epsilon`, means
    :math:`R^\top X/n_k`, covariances :math:`((r_{\cdot k}\circ(X-\mu_k)^\top)(X-\mu_k))/n_k+\text{reg}\,I`,
    weights :math:`n_k/\sum n`, and the next :math:`L_k=(\operatorname{chol}(\Sigma_k)^{-1})^\top`.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data.
    weights : ndarray of shape (K,)
        Mixture weights.
    means : ndarray of shape (K, D)
        Means.
    prec_chol : ndarray of shape (K, D, D)
        Cholesky factors of the precisions (scikit-learn's ``precisions_cholesky_``).
    reg_covar : float
        Added to the covariance diagonals.

    Returns
    -------
    counts : dict
        ``"E"``, ``"M_means"``, ``"M_cov"``, ``"M_chol"``, ``"M_other"`` -> operation counters.
    params : dict
        ``weights``, ``means``, ``covariances``, ``precisions_cholesky``, ``log_resp`` (float arrays).
    """
    N, D = X.shape
    K = means.shape[0]
    counts = {k: Counter() for k in ("E", "M_means", "M_cov", "M_chol", "M_other")}
    ops = counts["E"]
    C = lambda v: Counted(v, ops)  # noqa: E731
    Xc = [[C(v) for v in row] for row in X]
    Pc = [[[C(v) for v in row] for row in P] for P in prec_chol]
    Mc = [[C(v) for v in row] for row in means]
    const = C(D) * C(2 * math.pi).log()
    logw = [C(w).log() for w in weights]
    log_prob = [[None] * K for _ in range(N)]
    for k in range(K):
        P = Pc[k]
        cols = [[P[r][c] for r in range(D)] for c in range(D)]
        log_det = _sum([P[j][j].log() for j in range(D)])
        mu_p = [_dot(Mc[k], cols[c]) for c in range(D)]
        for i in range(N):
            y = [_dot(Xc[i], cols[c]) - mu_p[c] for c in range(D)]
            lp = _sum([v * v for v in y])
            log_prob[i][k] = (const + lp) * (-0.5) + log_det + logw[k]
    log_resp = []
    for i in range(N):
        top = max(log_prob[i], key=lambda c: c.v)
        lse = _sum([(v - top).exp() for v in log_prob[i]]).log() + top
        log_resp.append([v - lse for v in log_prob[i]])
    ops = counts["M_means"]
    R = [[Counted(v.v, ops).exp() for v in row] for row in log_resp]
    Xm = [[Counted(v, ops) for v in row] for row in X]
    eps10 = 10 * np.finfo(float).eps
    nk = [_sum([R[i][k] for i in range(N)]) + eps10 for k in range(K)]
    new_means = [[_dot([R[i][k] for i in range(N)], [Xm[i][c] for i in range(N)]) / nk[k] for c in range(D)]
                 for k in range(K)]
    ops = counts["M_cov"]
    covs = []
    for k in range(K):
        mk = [Counted(v.v, ops) for v in new_means[k]]
        rk = [Counted(R[i][k].v, ops) for i in range(N)]
        n_k = Counted(nk[k].v, ops)
        diff = [[Counted(X[i, c], ops) - mk[c] for c in range(D)] for i in range(N)]
        scaled = [[rk[i] * diff[i][c] for i in range(N)] for c in range(D)]   # (resp * diff.T): D x N
        cov = [[_dot(scaled[a], [diff[i][b] for i in range(N)]) / n_k for b in range(D)] for a in range(D)]
        for j in range(D):
            cov[j][j] = cov[j][j] + reg_covar
        covs.append(cov)
    ops = counts["M_other"]
    nko = [Counted(v.v, ops) for v in nk]
    total = _sum(nko)
    new_w = [v / total for v in nko]
    ops = counts["M_chol"]
    chols = []
    for k in range(K):
        A = [[Counted(v.v, ops) for v in row] for row in covs[k]]
        L = _cholesky_lower(A)
        Z = _inverse_lower(L, ops)
        chols.append([[Z[c][r] for c in range(D)] for r in range(D)])   # transpose: free
    val = lambda a: np.array([[x.v if isinstance(x, Counted) else x for x in row] for row in a])  # noqa: E731
    params = {"weights": np.array([w.v for w in new_w]), "means": val(new_means),
              "covariances": np.array([val(c) for c in covs]),
              "precisions_cholesky": np.array([val(c) for c in chols]), "log_resp": val(log_resp)}
    return counts, params


def em_counts(N: int, K: int, D: int) -> dict[str, dict[str, int]]:
    r"""Closed-form operation counts of :func:`counted_em_step` (equal to its counters, exactly).

    E-step: :math:`\text{mul}=K(D^2+N(D^2+D+1))+1`, :math:`\text{add}=K(D^2-1+N(D^2+2))+NK`,
    :math:`\text{sub}=KND+2NK` (the products :math:`x_iL_k` dominate: :math:`KND^2` each);
    covariance update: :math:`\text{mul}=K(ND+ND^2)`, :math:`\text{add}=K(D^2(N-1)+D)`,
    :math:`\text{sub}=KND`, :math:`\text{div}=KD^2`; means: :math:`KND` multiplications; Cholesky
    and inverse: :math:`K(\sum_jj(D-j)+D^2(D-1)/2)` multiplications, :math:`O(KD^3)`.

    Parameters
    ----------
    N, K, D : int
        Sizes.

    Returns
    -------
    dict
        Same keys as :func:`counted_em_step`'s counts, each ``{op: count}`` (zero entries omitted).
    """
    E = {"mul": K * (D * D + N * (D * D + D + 1)) + 1,
         "add": K * (D * D - 1 + N * (D * D + 2)) + N * K,
         "sub": K * N * D + 2 * N * K,
         "log": 1 + K + K * D + N,
         "exp": N * K}
    Mm = {"exp": N * K, "add": K * N + K * D * (N - 1), "mul": K * D * N, "div": K * D}
    Mc = {"sub": K * N * D, "mul": K * (N * D + N * D * D), "add": K * (D * D * (N - 1) + D), "div": K * D * D}
    Mo = {"add": K - 1, "div": K}
    tri = sum(j * (D - j) for j in range(D)) + D * D * (D - 1) // 2
    Mch = {"mul": K * tri, "sub": K * tri, "sqrt": K * D, "div": K * (D * (D - 1) // 2 + D * D)}
    strip = lambda c: {k: v for k, v in c.items() if v}  # noqa: E731
    return {"E": strip(E), "M_means": strip(Mm), "M_cov": strip(Mc), "M_chol": strip(Mch), "M_other": strip(Mo)}


def arithmetic(c: Any) -> int:
    """Additions, subtractions, multiplications and divisions in an operation count ``{op: count}``.

    Parameters
    ----------
    c : mapping
        Counts by operation.

    Returns
    -------
    int
    """
    return sum(c.get(op, 0) for op in ("add", "sub", "mul", "div"))


def sklearn_em_step(X: np.ndarray, weights: np.ndarray, means: np.ndarray, precisions: np.ndarray,
                    reg_covar: float = 1e-6) -> dict[str, np.ndarray]:
    """One EM iteration of scikit-learn's ``GaussianMixture(covariance_type="full")`` from given parameters.

    Parameters
    ----------
    X : ndarray of shape (N, D)
        Data.
    weights, means, precisions : ndarray
        Initial parameters (``precisions`` of shape (K, D, D), symmetric positive definite).
    reg_covar : float
        As scikit-learn's.

    Returns
    -------
    dict
        ``weights``, ``means``, ``covariances``, ``precisions_cholesky`` after one iteration.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    gm = GaussianMixture(len(weights), covariance_type="full", max_iter=1, tol=0.0, reg_covar=reg_covar,
                         weights_init=weights, means_init=means, precisions_init=precisions)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(X)
    return {"weights": gm.weights_, "means": gm.means_, "covariances": gm.covariances_,
            "precisions_cholesky": gm.precisions_cholesky_}


def gmm_instance(N: int, K: int, D: int, seed: int) -> tuple[np.ndarray, ...]:
    """A seeded small GMM problem: data (N, D), weights, means near data points, SPD precisions (K, D, D).

    Parameters
    ----------
    N, K, D : int
        Sizes.
    seed : int
        Seed.

    Returns
    -------
    tuple of ndarray
        ``(X, weights, means, precisions)``.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    means = X[rng.choice(N, K, replace=False)] + 0.1 * rng.standard_normal((K, D))
    A = rng.standard_normal((K, D, D))
    precisions = np.einsum("kij,klj->kil", A, A) + D * np.eye(D)
    w = rng.dirichlet(np.ones(K))
    return X, w, means, precisions


def em_step_bound(N: int, K: int, D: int, lmax: float) -> float:
    r"""Relative float64 bound on the difference of two evaluations of one EM step (weights, means, covariances).

    A log-probability of magnitude :math:`\le\ell` carries an absolute error :math:`\le\gamma_n\ell`
    (:math:`n\le2(N+D^2+K)+32` roundings on its path: the products :math:`x_iL_k`, the squared norm,
    the log-sum-exp), so a responsibility a relative error :math:`\le\gamma_n(1+\ell)`; the sums of
    the M-step add :math:`\gamma_N\le\gamma_n`.  Two such computations (ours, scikit-learn's, in other
    orders) differ by at most twice that, relative to the largest entry.

    Parameters
    ----------
    N, K, D : int
        Sizes.
    lmax : float
        :math:`\ell`, the largest magnitude of a log-responsibility.

    Returns
    -------
    float
        :math:`2\gamma_n(2+\ell)`.
    """
    return 2 * gamma(2 * (N + D * D + K) + 32) * (2 + lmax)


#: the counting grid (every size is run on counting scalars)
COUNT_GRID = [(n, k, d) for n in (3, 5) for k in (1, 2, 3) for d in (1, 2, 4)]


#: a USPS-sized fold (9298 / 5 images, 10 classes, 256 pixels): where the counterexample is stated
USPS_FOLD = (1860, 10, 256)


@EVIDENCE.register(kind="experiment", name="operation-count", role="paper",
                   description="exact operation counts of scikit-learn's full-covariance EM iteration "
                               "(counting scalars on a grid of sizes, equal to closed forms): is the E-step "
                               "O(NKD) and the covariance update O(KD^2)?")
def _op_count(ctx: RunContext) -> EvidenceResult:
    mismatches, worst, worst_bound = [], 0.0, math.inf
    for n, k, d in COUNT_GRID:
        X, w, means, P = gmm_instance(n + k, k, d, ctx.profile.seed % 2**31 + n * 100 + k * 10 + d)
        n = n + k
        L = np.linalg.cholesky(P)                      # scikit-learn's precisions_cholesky_ from precisions_init
        counts, ours = counted_em_step(X, w, means, L)
        closed = em_counts(n, k, d)
        got = {key: {op: v for op, v in c.items() if v} for key, c in counts.items()}
        if got != closed:
            mismatches.append((n, k, d, got, closed))
        ref = sklearn_em_step(X, w, means, P)
        bound = em_step_bound(n, k, d, float(np.max(np.abs(ours["log_resp"]))))
        for key in ("weights", "means", "covariances"):
            a, b = np.asarray(ours[key]), np.asarray(ref[key])
            rel = float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))
            if rel / bound > worst / worst_bound if worst else True:
                worst, worst_bound = rel, bound
    if mismatches:
        raise AssertionError(f"closed-form counts differ from the counted ones at {mismatches[0][:3]}: "
                             f"{mismatches[0][3]} vs {mismatches[0][4]}")
    if not worst <= worst_bound:
        raise AssertionError(f"the counted EM step differs from scikit-learn's by {worst:.3g} > {worst_bound:.3g}")
    rows, ratios = [], []
    for N, K, D in [(1860, 10, 16), (1860, 10, 64), (1860, 10, 256), (14000, 10, 100), USPS_FOLD]:
        c = em_counts(N, K, D)
        e, cov = arithmetic(c["E"]), arithmetic(c["M_cov"])
        ratios.append((N, K, D, e / (N * K * D), cov / (K * D * D)))
        rows.append([N, K, D, f"{e:.4g}", f"{e / (N * K * D):.1f}", f"{cov:.4g}", f"{cov / (K * D * D):.1f}",
                     f"{arithmetic(c['M_chol']):.3g}"])
    N, K, D = USPS_FOLD
    c = em_counts(N, K, D)
    e, cov = arithmetic(c["E"]), arithmetic(c["M_cov"])
    cex = (f"scikit-learn GaussianMixture(covariance_type='full') at N={N}, K={K}, D={D} (a USPS fold): the "
           f"E-step takes {e:,} additions, subtractions and multiplications = {e / (N * K * D):.1f} x NKD, the "
           f"covariance update {cov:,} = {cov / (K * D * D):.1f} x KD^2 (exact counts).  For every size "
           "E = KN(2D^2 + 2D + 6) + K(2D^2 - 1) + 1 > 2D x NKD and C = K(2ND^2 + 2ND + D) > 2N x KD^2, so "
           "E/(NKD) and C/(KD^2) are unbounded: the E-step is not O(NKD) and the covariance update not O(KD^2).")
    table = Table(["N", "K", "D", "E-step ops", "/ NKD", "covariance update ops", "/ KD^2", "Cholesky + inverse ops"],
                  rows, "Exact arithmetic operation counts (add, sub, mul, div) of one full-covariance EM "
                        "iteration of scikit-learn, from the closed forms that equal the counted operations "
                        f"on all {len(COUNT_GRID)} grid sizes; the counted step matches scikit-learn's to "
                        f"{worst:.1e} (relative).")
    return EvidenceResult(status="failed", examples=len(COUNT_GRID), counterexample=cex, tables=[table],
                          summary="E-step Theta(NKD^2), covariance update Theta(NKD^2) (+ O(KD^3) "
                                  "factorisations): exact counts",
                          data={"grid": COUNT_GRID, "max_relative_difference_to_sklearn": worst,
                                "its_rounding_bound": worst_bound,
                                "ratios": [list(r) for r in ratios]})


def model_exponent(cost: Any, ds: list[int]) -> float:
    r"""Least-squares slope of :math:`\log\text{cost}(D)` against :math:`\log D` over ``ds``.

    Parameters
    ----------
    cost : callable
        ``cost(D) -> float``.
    ds : list of int
        The grid.

    Returns
    -------
    float
    """
    x = np.log(np.asarray(ds, dtype=float))
    y = np.log(np.asarray([cost(d) for d in ds], dtype=float))
    return float(np.polyfit(x, y, 1)[0])


def fit_exponent(ds: list[int], seconds: list[float]) -> tuple[float, float, int]:
    """``(slope, standard error, degrees of freedom)`` of the log-log least-squares fit of time against D.

    Parameters
    ----------
    ds : list of int
        The grid.
    seconds : list of float
        Minimum times.

    Returns
    -------
    tuple
    """
    x, y = np.log(np.asarray(ds, dtype=float)), np.log(np.asarray(seconds, dtype=float))
    A = np.vstack([x, np.ones_like(x)]).T
    coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = len(ds) - 2
    resid = y - A @ coef
    s2 = float(resid @ resid) / dof
    se = math.sqrt(s2 / float(np.sum((x - x.mean()) ** 2)))
    return float(coef[0]), se, dof


def exponent_rule(a: float, se: float, dof: int, a_paper: float, a_count: float,
                  level: float = 0.95) -> dict[str, Any]:
    r"""Which cost model do the timings follow?  ``failed`` (the paper's) / ``passed`` / ``undecided``.

    With the two-sided ``level`` interval :math:`a\pm t\,s` and the midpoint
    :math:`m=(a_{paper}+a_{count})/2`: ``failed`` if :math:`a-ts>m` (closer to the counted model),
    ``passed`` if :math:`a+ts<m`, else ``undecided``.

    Parameters
    ----------
    a, se : float
        Fitted exponent and its standard error.
    dof : int
        Degrees of freedom of the fit.
    a_paper, a_count : float
        The exponents the paper's and the counted cost models predict over the grid.
    level : float
        Confidence level.

    Returns
    -------
    dict
        ``status``, ``low``, ``high``, ``midpoint``.
    """
    from scipy.stats import t as student_t
    q = float(student_t.ppf(0.5 + level / 2, dof))
    lo, hi, mid = a - q * se, a + q * se, (a_paper + a_count) / 2
    status = "failed" if lo > mid else ("passed" if hi < mid else "undecided")
    return {"status": status, "low": lo, "high": hi, "midpoint": mid}



@EVIDENCE.register(kind="experiment", name="timing-exponent", role="paper",
                   description="single-thread CPU time of scikit-learn's full-covariance E-step (score_samples) "
                               "and of a one-iteration fit over D = 96..512: fitted exponent against the paper's "
                               "cost model (NKD + KD^2) and the counted one")
def _timing(ctx: RunContext) -> EvidenceResult:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_limits
    N, K, iters = 1024 * max(1, round(ctx.profile.scale)), 4, 1
    ds = [96, 128, 192, 256, 384, 512]
    repeat = max(3, round(3 * ctx.profile.scale))
    rng = np.random.default_rng(ctx.profile.seed % 2**31)
    t_e, t_fit = [], []
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for d in ds:
            ctx.report(f"VF-S2-cost: timing D = {d}")
            X = rng.standard_normal((N, d))
            gm = GaussianMixture(K, covariance_type="full", max_iter=iters, tol=0.0, n_init=1,
                                 init_params="random_from_data", random_state=0)
            t_fit.append(time_call(lambda: gm.fit(X), repeat))
            t_e.append(time_call(lambda: gm.score_samples(X), repeat))
    paper_e = lambda d: N * K * d  # noqa: E731
    paper_it = lambda d: 2 * N * K * d + K * d * d  # noqa: E731  (E-step, means, covariance update)
    count_e = lambda d: arithmetic(em_counts(N, K, d)["E"])  # noqa: E731
    count_it = lambda d: sum(arithmetic(c) for c in em_counts(N, K, d).values())  # noqa: E731
    rows, timed, rules = [], [], {}
    for name, secs, pm, cm in (("E-step (score_samples)", t_e, paper_e, count_e),
                               (f"fit, {iters} EM iteration", t_fit, paper_it, count_it)):
        a, se, dof = fit_exponent(ds, secs)
        ap, ac = model_exponent(pm, ds), model_exponent(cm, ds)
        rule = exponent_rule(a, se, dof, ap, ac)
        rules[name] = dict(rule, exponent=a, se=se, dof=dof, paper=ap, counted=ac)
        rows.append([name, f"{ap:.2f}", f"{ac:.2f}", f"{rule['midpoint']:.2f}", rule["status"]])
        timed.append([name, f"{a:.2f} +- {se:.2f}", f"[{rule['low']:.2f}, {rule['high']:.2f}]",
                      f"{rule['midpoint']:.2f}", rule["status"]])
    statuses = [r["status"] for r in rules.values()]
    status = "failed" if "failed" in statuses else ("passed" if all(s == "passed" for s in statuses) else "undecided")
    bad = [(k, r) for k, r in rules.items() if r["status"] == "failed"]
    # the fitted exponents vary from run to run: the counterexample, summary and table name only the
    # outcome and the (deterministic) model exponents; the measurements go to data["timings"]
    cex = None if not bad else "; ".join(
        f"{k}: the 95% interval of the fitted time exponent in D lies above the midpoint {r['midpoint']:.2f} "
        f"between the paper's cost model (D^{r['paper']:.2f}) and the counted one (D^{r['counted']:.2f}), "
        f"at N={N}, K={K}, D = {ds[0]}..{ds[-1]}" for k, r in bad)
    stable_keys = ("status", "paper", "counted", "midpoint", "dof")
    caption = (f"scikit-learn GaussianMixture(covariance_type='full'), N = {N}, K = {K}, D in {ds}: "
               "minimum single-thread CPU time over repeats; exponents of the cost models fitted over the same grid")
    return EvidenceResult(
        status=status, examples=len(ds) * 2, counterexample=cex,
        summary="; ".join(f"{k}: {r['status']}" for k, r in rules.items()) +
                " (fitted time exponent in D against the midpoint between the paper's and the counted cost "
                "model; the exponents are in the run information)",
        tables=[Table(["what", "paper's model", "counted model", "midpoint", "outcome"], rows,
                      caption + ". The fitted exponents and seconds vary from run to run: they are in the run "
                      "information.")],
        data={"grid": {"N": N, "K": K, "D": ds, "iterations": iters},
              "rules": {k: {x: r[x] for x in stable_keys} for k, r in rules.items()},
              "timings": {"estep": t_e, "fit": t_fit, "rules": rules,
                          "tables": [asdict(Table(["what", "fitted exponent in D", "95% interval", "midpoint",
                                                   "outcome"], timed, caption))]}})
