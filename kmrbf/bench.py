r"""Benchmark kernels (``kmrbf bench``, KR-S53-cost and KR-S53-cheaper): time one iteration of Lloyd / soft-Lloyd, fit the scaling exponents, and compare with a noise band (KR §5.3).

Methods (one iteration each, public API, float64 NumPy, default chunking):

=================  ==============================================================
``lloyd``          :func:`kmrbf.numerics.lloyd_step`
``softmax``        :func:`kmrbf.numerics.soft_centroids`, ``alpha=1``
``entmax15``       the same, ``alpha=1.5`` (exact, sort-based: :math:`O(K\log K)` per row)
``entmax-bisect``  the same, ``alpha=1.25`` (any other alpha: bisection on the threshold,
                   :math:`O(K)` per halving, halving until adjacent floats)
=================  ==============================================================

Timings are the **minimum over repeats** (after one warm-up call) of the **process CPU time**
(:func:`time.process_time`) with the BLAS pool limited to **one thread** (``threadpoolctl``):
on a shared machine, wall time counts the periods when other processes hold the cores, and a
multi-threaded BLAS waiting for a descheduled thread inflates it tenfold; single-threaded CPU
time is what one iteration costs, and its minimum over repeats is the least perturbed estimate.  The exponents are the least-squares
fit of :math:`\log t=c+a_N\log N+a_K\log K+a_D\log D` over the product grid.  Peak memory
of one ``entmax15`` step is measured with :mod:`tracemalloc` (NumPy reports its buffers to
it) to show that the chunked path never holds an :math:`N\times K\times D` array.
"""

from __future__ import annotations

import itertools
import math
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["METHODS", "make_problem", "time_call", "run_bench", "fit_exponents", "peak_memory",
           "format_bench", "make_blobs_problem", "nnz_fraction", "sparse_accumulate",
           "entmax_sparse_step", "format_sparsity", "time_interleaved", "ratio_band",
           "classify_ratio", "run_ratio_bench"]


def _methods() -> dict[str, Callable[[np.ndarray, np.ndarray, float], Any]]:
    from kmrbf.numerics import lloyd_step, soft_centroids
    return {
        "lloyd": lambda X, M, sigma: lloyd_step(X, M),
        "softmax": lambda X, M, sigma: soft_centroids(X, M, sigma, alpha=1.0),
        "entmax15": lambda X, M, sigma: soft_centroids(X, M, sigma, alpha=1.5),
        "entmax-bisect": lambda X, M, sigma: soft_centroids(X, M, sigma, alpha=1.25),
    }


METHODS = ("lloyd", "softmax", "entmax15", "entmax-bisect")


def make_problem(n: int, k: int, d: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Standard normal ``X`` (n, d), ``M`` = k rows of X, :math:`\sigma=0.1d` (sparse-ish entmax).

    >>> X, M, sigma = make_problem(10, 3, 2)
    >>> X.shape, M.shape, sigma
    ((10, 2), (3, 2), 0.2)
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, X[rng.choice(n, size=k, replace=False)].copy(), 0.1 * d


def time_call(fn: Callable[[], Any], repeat: int) -> float:
    """Minimum process CPU time (s) of ``repeat`` calls of ``fn`` after one warm-up call."""
    fn()
    best = math.inf
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def run_bench(ns: Sequence[int], ks: Sequence[int], ds: Sequence[int], *, repeat: int = 5,
              methods: Sequence[str] = METHODS, seed: int = 0,
              progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Min-of-``repeat`` CPU seconds of one iteration per (n, k, d, method), product grid, 1 BLAS thread."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        return _run_bench(ns, ks, ds, repeat, methods, seed, progress)


def _run_bench(ns, ks, ds, repeat, methods, seed, progress):
    table = _methods()
    rows = []
    for n, k, d in itertools.product(ns, ks, ds):
        if k > n:
            raise ValueError(f"k={k} must be <= n={n}")
        X, M, sigma = make_problem(n, k, d, seed=seed)
        for m in methods:
            t = time_call(lambda: table[m](X, M, sigma), repeat)
            rows.append({"n": n, "k": k, "d": d, "method": m, "seconds": t})
        if progress:
            progress(f"bench n={n} k={k} d={d}")
    return rows


def fit_exponents(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    r"""Per method, least-squares exponents ``{"n": a_N, "k": a_K, "d": a_D}`` of the timings.

    An axis with a single value gets ``None``.

    >>> rows = [{"n": n, "k": k, "d": d, "method": "m", "seconds": 1e-9 * n * k * d ** 0.5}
    ...         for n in (10, 20) for k in (2, 4) for d in (3, 9)]
    >>> {a: round(v, 9) for a, v in fit_exponents(rows)["m"].items()}
    {'n': 1.0, 'k': 1.0, 'd': 0.5}
    """
    out: dict[str, dict[str, float | None]] = {}
    for m in dict.fromkeys(r["method"] for r in rows):
        rs = [r for r in rows if r["method"] == m]
        axes = [a for a in ("n", "k", "d") if len({r[a] for r in rs}) > 1]
        A = np.array([[1.0] + [math.log(r[a]) for a in axes] for r in rs])
        y = np.array([math.log(r["seconds"]) for r in rs])
        coef = np.linalg.lstsq(A, y, rcond=None)[0]
        fit = dict(zip(axes, (float(c) for c in coef[1:])))
        out[m] = {a: fit.get(a) for a in ("n", "k", "d")}
    return out


def peak_memory(n: int, k: int, d: int, *, chunk_size: int | None = None, seed: int = 0) -> dict[str, Any]:
    """Peak traced bytes of one ``entmax15`` soft-centroid step (inputs allocated before tracing).

    The step itself holds ``O(chunk_size * (K + D))`` floats; input validation (``|X|`` for the
    finiteness / overflow check) holds one ``N x D`` temporary, so the peak is ``~8 N D`` bytes.

    >>> r = peak_memory(2000, 4, 8, chunk_size=500)
    >>> r["peak_bytes"] < 8 * 2000 * 4 * 8
    True
    """
    from kmrbf.numerics import soft_centroids
    from kmrbf.numerics.validation import check_chunk_size
    X, M, sigma = make_problem(n, k, d, seed=seed)
    chunk = check_chunk_size(chunk_size)
    soft_centroids(X, M, sigma, alpha=1.5, chunk_size=chunk)  # warm caches outside the trace
    tracemalloc.start()
    try:
        soft_centroids(X, M, sigma, alpha=1.5, chunk_size=chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"n": n, "k": k, "d": d, "chunk_size": chunk, "peak_bytes": int(peak),
            "nkd_bytes": 8 * n * k * d, "nk_bytes": 8 * n * k, "nd_bytes": 8 * n * d,
            "chunk_bytes": 8 * min(chunk, n) * (k + d)}


def format_bench(rows: Sequence[dict[str, Any]], fits: dict[str, dict[str, float | None]]) -> str:
    """The table printed by ``kmrbf bench`` (milliseconds) and the fitted exponents."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    head = ["n", "k", "d"] + [f"{m} [ms]" for m in methods]
    lines = [head]
    keys = list(dict.fromkeys((r["n"], r["k"], r["d"]) for r in rows))
    t = {(r["n"], r["k"], r["d"], r["method"]): r["seconds"] for r in rows}
    for key in keys:
        lines.append([str(v) for v in key] + [f"{1e3 * t[(*key, m)]:.3f}" for m in methods])
    w = [max(len(row[c]) for row in lines) for c in range(len(head))]
    txt = ["  ".join(c.rjust(x) for c, x in zip(row, w)) for row in lines]
    txt.append("")
    txt.append("fitted exponents (log t = c + a_N log N + a_K log K + a_D log D):")
    for m, f in fits.items():
        txt.append(f"  {m:14s} " + "  ".join(
            f"a_{a.upper()}={'-' if v is None else f'{v:.2f}'}" for a, v in f.items()))
    return "\n".join(txt)


# ------------------------------------------------------------------ sparsity (KR §5.3)
def make_blobs_problem(n: int, k: int, d: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Seeded blobs: ``k`` centres uniform in :math:`[-10,10]^d`, ``n`` points = a random centre
    + :math:`N(0,I_d)`; returns ``X``, ``M`` = the centres, and the margin scale ``g``.

    ``g`` is the median over points of the gap :math:`d_{i(2)}-d_{i(1)}` (squared distances to
    ``M``).  Entmax-1.5 row :math:`i` is one-hot iff :math:`\sigma\le(d_{i(2)}-d_{i(1)})/2`
    (KR-T4), so :math:`\sigma/g` sweeps the responsibilities from one-hot (:math:`\ll1/2`) to
    dense (:math:`\gg1`).

    >>> X, M, g = make_blobs_problem(100, 3, 2, seed=1)
    >>> X.shape, M.shape, g > 0
    ((100, 2), (3, 2), True)
    """
    from kmrbf.numerics import sq_distances
    rng = np.random.default_rng(seed)
    M = rng.uniform(-10.0, 10.0, size=(k, d))
    X = M[rng.integers(0, k, size=n)] + rng.standard_normal((n, d))
    ds = np.sort(np.asarray(sq_distances(X, M)), axis=1)
    g = float(np.median(ds[:, 1] - ds[:, 0])) if k > 1 else 1.0
    return X, M, g


def nnz_fraction(P: np.ndarray) -> float:
    """Fraction of nonzero entries ``nnz / (N K)`` of a responsibility matrix.

    >>> nnz_fraction(np.array([[1.0, 0.0], [0.25, 0.75]]))
    0.75
    """
    return int(np.count_nonzero(P)) / P.size


def sparse_accumulate(P: np.ndarray, X: np.ndarray) -> np.ndarray:
    r""":math:`P^\top X` through a CSR matrix of ``P`` built from its nonzeros: :math:`O(NK)` to
    build, :math:`O(\mathrm{nnz}\,D)` to multiply (the dense product is :math:`O(NKD)`).

    >>> P = np.array([[1.0, 0.0], [0.5, 0.5]]); X = np.array([[2.0], [4.0]])
    >>> sparse_accumulate(P, X).tolist()
    [[4.0], [2.0]]
    """
    import scipy.sparse as sp
    return np.asarray(sp.csr_array(P).T @ X)


def entmax_sparse_step(X: np.ndarray, M: np.ndarray, sigma: float) -> np.ndarray:
    r"""One entmax-1.5 soft-Lloyd step with sparse accumulation:
    :math:`\hat\mu_k=(P^\top X)_k/\sum_ip_{ik}`, :math:`P` from
    :func:`kmrbf.numerics.responsibilities` (``alpha=1.5``), :math:`P^\top X` by
    :func:`sparse_accumulate`; clusters with zero mass keep :math:`\mu_k` (as
    :func:`~kmrbf.numerics.soft_centroids`, which it equals up to rounding).

    >>> X = np.array([[0.0], [1.0]]); M = np.array([[0.0], [1.0]])
    >>> entmax_sparse_step(X, M, 0.5).tolist()
    [[0.0], [1.0]]
    """
    from kmrbf.numerics import responsibilities
    P = np.asarray(responsibilities(X, M, sigma, alpha=1.5))
    S = P.sum(axis=0)
    T = sparse_accumulate(P, X)
    empty = S <= 0.0
    return np.where(empty[:, None], M, T / np.where(empty, 1.0, S)[:, None])


#: columns of :func:`format_sparsity`: (numerator, denominator) of each time ratio
SPARSITY_RATIOS = {"sparse/dense acc": ("acc_sparse", "acc_dense"),
                   "entmax-sparse/lloyd": ("entmax_sparse", "lloyd"),
                   "entmax-dense/lloyd": ("entmax_dense", "lloyd")}


def format_sparsity(rows: Sequence[dict[str, Any]]) -> str:
    """The table printed by ``kmrbf bench --sparsity``: nnz fraction, milliseconds, ratios with their bands.

    Parameters
    ----------
    rows : sequence of dict
        :func:`run_ratio_bench` rows.

    Returns
    -------
    str
        One line per grid point: min-of-repeats milliseconds of each method and every ratio of
        :data:`SPARSITY_RATIOS` as ``ratio [lo, hi]`` (the noise band of :func:`ratio_band`).
    """
    methods = ("acc_dense", "acc_sparse", "lloyd", "entmax_sparse")
    head = ["n", "k", "d", "sigma/g", "nnz"] + [m.replace("_", " ") + " [ms]" for m in methods] + list(SPARSITY_RATIOS)
    lines = [head]
    for r in rows:
        t = r["times"]
        bands = [ratio_band(t[a], t[b]) for a, b in SPARSITY_RATIOS.values()]
        lines.append([str(r["n"]), str(r["k"]), str(r["d"]), f"{r['sigma_factor']:g}", f"{r['nnz_fraction']:.3f}"]
                     + [f"{1e3 * min(t[m]):.3f}" for m in methods]
                     + [f"{x['ratio']:.3g} [{x['lo']:.3g}, {x['hi']:.3g}]" for x in bands])
    w = [max(len(row[c]) for row in lines) for c in range(len(head))]
    return "\n".join("  ".join(c.rjust(x) for c, x in zip(row, w)) for row in lines) + \
        "\n(times in ms: min over interleaved rounds of 1-thread CPU time; ratio [noise band]; < 1: numerator faster)"


# ------------------------------------------------------------------ time ratios with a noise band (KR-S53-cheaper)
def time_interleaved(fns: dict[Any, Callable[[], Any]], repeat: int, *,
                     floor: float = 2e-3) -> dict[Any, list[float]]:
    r"""Per-call process CPU seconds of every function, measured in ``repeat`` interleaved rounds.

    Round :math:`r` calls every function once, in the order rotated by :math:`r`, so a slow
    phase of a shared machine (another process on the core, a frequency drop) falls on all of
    them alike instead of on whichever was being timed then.  A function faster than
    ``floor`` seconds is timed as a batch of calls lasting at least ``floor`` (the batch size
    fixed by one warm-up call) and divided by the batch size.

    Parameters
    ----------
    fns : dict
        Zero-argument functions to time, under any hashable keys.
    repeat : int
        Number of rounds (``>= 1``); every function gets ``repeat`` measurements.
    floor : float, optional
        Shortest timed interval in seconds (default 2 ms).

    Returns
    -------
    dict
        For every key, the ``repeat`` per-call CPU times, in round order.

    Examples
    --------
    >>> t = time_interleaved({"a": lambda: sum(range(100)), "b": lambda: None}, 3)
    >>> sorted(t), [len(v) for v in t.values()]
    (['a', 'b'], [3, 3])
    """
    if repeat < 1:
        raise ValueError(f"repeat={repeat} must be >= 1")
    names = list(fns)
    inner = {}
    for m in names:  # warm-up, and the batch size
        t0 = time.process_time()
        fns[m]()
        inner[m] = max(1, math.ceil(floor / max(time.process_time() - t0, 1e-6)))
    out: dict[Any, list[float]] = {m: [] for m in names}
    for r in range(repeat):
        for m in names[r % len(names):] + names[:r % len(names)]:
            fn, b = fns[m], inner[m]
            t0 = time.process_time()
            for _ in range(b):
                fn()
            out[m].append((time.process_time() - t0) / b)
    return out


def ratio_band(num: Sequence[float], den: Sequence[float]) -> dict[str, float]:
    r"""Min-of-repeats time ratio ``min(num) / min(den)`` and its noise band.

    Interference on a shared machine only ever adds time, so the undisturbed time of each
    side lies below its minimum :math:`m`; how far below is measured by the repeats' own
    spread :math:`u=(\operatorname{median}-m)/m` (a minimum over repeats sits within the
    spread of its repeats of the undisturbed time).  With
    :math:`t_{\rm num}\in[m_{\rm num}/(1+u_{\rm num}),m_{\rm num}]` and the same for the
    denominator, the ratio :math:`r=m_{\rm num}/m_{\rm den}` lies in

    .. math::

        \Bigl[\frac{r}{1+u_{\rm num}},\ r\,(1+u_{\rm den})\Bigr].

    Parameters
    ----------
    num, den : sequence of float
        Repeated times (seconds, all ``> 0``) of the numerator and the denominator.

    Returns
    -------
    dict
        ``ratio``, ``lo``, ``hi`` (the band), ``u_num``, ``u_den`` (the relative spreads).

    Examples
    --------
    >>> b = ratio_band([2.0, 2.2, 2.4], [1.0, 1.0, 1.1])
    >>> b["ratio"], round(b["lo"], 4), b["hi"], round(b["u_num"], 4), b["u_den"]
    (2.0, 1.8182, 2.0, 0.1, 0.0)
    """
    mn, md = min(num), min(den)
    if not (mn > 0 and md > 0):
        raise ValueError(f"times must be > 0; got min(num)={mn!r}, min(den)={md!r}")
    un = (float(np.median(num)) - mn) / mn
    ud = (float(np.median(den)) - md) / md
    r = mn / md
    return {"ratio": r, "lo": r / (1 + un), "hi": r * (1 + ud), "u_num": un, "u_den": ud}


def classify_ratio(band: dict[str, float], threshold: float = 1.0) -> str:
    """``"below"`` if the whole band is below ``threshold``, ``"above"`` if above, else ``"undecided"``.

    Parameters
    ----------
    band : dict
        From :func:`ratio_band` (``lo``, ``hi``).
    threshold : float, optional
        The ratio the band is compared with (default 1: equal cost).

    Returns
    -------
    str
        ``"below"``, ``"above"`` or ``"undecided"`` (the band contains ``threshold``).

    Examples
    --------
    >>> [classify_ratio({"lo": a, "hi": b}) for a, b in ((0.5, 0.9), (1.1, 1.2), (0.95, 1.05))]
    ['below', 'above', 'undecided']
    """
    if band["hi"] < threshold:
        return "below"
    if band["lo"] > threshold:
        return "above"
    return "undecided"


def run_ratio_bench(ns: Sequence[int], ks: Sequence[int], ds: Sequence[int], factors: Sequence[float], *,
                    repeat: int = 7, seed: int = 0,
                    progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    r"""Entmax-1.5 against Lloyd, and sparse against dense accumulation, as interleaved repeated timings.

    Per (n, k, d) on :func:`make_blobs_problem` data and :math:`\sigma=f\,g` for every factor
    :math:`f`, with one BLAS thread, one :func:`time_interleaved` over the whole grid (each round
    times every method at every grid point, so the ``repeat`` measurements of one method spread
    over the whole run and its slow phases), of:
    ``lloyd`` (:func:`kmrbf.numerics.lloyd_step`), ``entmax_sparse`` (:func:`entmax_sparse_step`),
    ``entmax_dense`` (:func:`kmrbf.numerics.soft_centroids`, ``alpha=1.5``), ``acc_dense``
    (:math:`P^\top X`, BLAS) and ``acc_sparse`` (the CSR product, CSR built beforehand).

    Parameters
    ----------
    ns, ks, ds : sequence of int
        The product grid of problem sizes.
    factors : sequence of float
        :math:`\sigma/g` values (:math:`g` the median margin gap of the blobs).
    repeat : int, optional
        Interleaved rounds.
    seed : int, optional
        Seed of the blobs.
    progress : callable, optional
        ``progress(message)`` after every grid point.

    Returns
    -------
    list of dict
        One row per grid point: ``n, k, d, sigma_factor, sigma, g, nnz_fraction`` and
        ``times`` (name -> list of ``repeat`` CPU seconds per call).
    """
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):
        return _run_ratio(ns, ks, ds, factors, repeat, seed, progress)


def _run_ratio(ns, ks, ds, factors, repeat, seed, progress):
    import scipy.sparse as sp

    from kmrbf.numerics import lloyd_step, responsibilities, soft_centroids
    rows, fns = [], {}
    for n, k, d in itertools.product(ns, ks, ds):
        X, M, g = make_blobs_problem(n, k, d, seed=seed)
        for f in factors:
            sigma = f * g
            P = np.asarray(responsibilities(X, M, sigma, alpha=1.5))
            C = sp.csr_array(P)
            i = len(rows)
            fns.update({
                (i, "lloyd"): lambda X=X, M=M: lloyd_step(X, M),
                (i, "entmax_sparse"): lambda X=X, M=M, s=sigma: entmax_sparse_step(X, M, s),
                (i, "entmax_dense"): lambda X=X, M=M, s=sigma: soft_centroids(X, M, s, alpha=1.5),
                (i, "acc_dense"): lambda P=P, X=X: P.T @ X,
                (i, "acc_sparse"): lambda C=C, X=X: C.T @ X,
            })
            rows.append({"n": n, "k": k, "d": d, "sigma_factor": f, "sigma": sigma, "g": g,
                         "nnz_fraction": nnz_fraction(P), "times": {}})
    if progress:
        progress(f"ratio bench: {len(rows)} grid points x 5 methods, {repeat} interleaved rounds")
    times = time_interleaved(fns, repeat)
    for (i, m), t in times.items():
        rows[i]["times"][m] = t
    return rows
