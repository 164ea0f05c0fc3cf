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
(:func:`time.process_time`, summed over threads) with the BLAS pool limited to **one thread**
(``threadpoolctl``; :func:`run_ratio_bench` also runs the compiled kernels on one thread):
on a shared machine, wall time counts the periods when other processes hold the cores, and a
multi-threaded BLAS waiting for a descheduled thread inflates it tenfold; single-threaded CPU
time is what one iteration costs, and its minimum over repeats is the least perturbed estimate.  The exponents are the least-squares
fit of :math:`\log t=c+a_N\log N+a_K\log K+a_D\log D` over the product grid.  Peak memory
of one ``entmax15`` step is measured with :mod:`tracemalloc` (NumPy reports its buffers to
it) to show that the chunked path never holds an :math:`N\times K\times D` array.

Peers (issue 10, ``kmrbf bench --peers`` / ``--sweep`` / ``--memory``): :func:`run_peers_bench`
times one iteration of scikit-learn (its per-iteration kernel ``lloyd_iter_chunked_dense``, a
private API used only here, and ``KMeans(max_iter=1).fit``), faiss-cpu, plain NumPy and plain
torch soft iterations, deep-spin ``entmax15`` / ``sparsemax``, fast-pytorch-kmeans and kmrbf on
NumPy and on torch, in interleaved rounds of **wall time with every thread** (what a user waits
for; CPU over wall says how many cores worked), and prints each as a ratio to scikit-learn's
iteration and to the two GEMMs of a soft iteration alone, run in the kernels' 256-row blocks on
every core (the time floor of a fused soft step).  Peak memory above the input is the peak
resident set of one call (:func:`peak_rss`: every allocator, torch's and compiled code's
included; an upper bound on the live bytes, since the C allocator may hold freed blocks) and,
for NumPy rows, the :mod:`tracemalloc` peak (:func:`peak_traced`: NumPy's buffers only).  The
peers are optional (``pip install kmrbf[bench]``); a missing one leaves its row "not installed".
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
           "classify_ratio", "run_ratio_bench", "PEER_MODULES", "PEER_METHODS", "SWEEP_METHODS",
           "SWEEP_SIZES", "MEMORY_METHODS", "DEVICE_METHODS", "peer_available", "peak_rss", "peak_traced",
           "run_peers_bench", "time_interleaved_wall", "format_peers", "run_sweep", "format_sweep",
           "run_memory_check", "format_memory", "add_bench_arguments", "run_peers_command", "peak_device",
           "device_name", "check_device"]


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
    """Min-of-``repeat`` CPU seconds of one iteration per (n, k, d, method), product grid, BLAS on one
    thread (the compiled kernels on their own pool: CPU time summed over its threads)."""
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
    return {m: [cpu for _, cpu in v] for m, v in _interleave(fns, repeat, floor, time.process_time).items()}


def _interleave(fns: dict[Any, Callable[[], Any]], repeat: int, floor: float,
                clock: Callable[[], float], settle: float = 0.0) -> dict[Any, list[tuple[float, float]]]:
    """Per-call ``(wall, cpu)`` seconds of every function in ``repeat`` rotated rounds; the batch
    size of a function (calls per measurement) makes one batch last ``floor`` on ``clock``;
    with ``settle``, each timed batch follows that many seconds of sleep and one untimed call."""
    if repeat < 1:
        raise ValueError(f"repeat={repeat} must be >= 1")
    names = list(fns)
    inner = {}
    for m in names:  # warm-up, and the batch size
        t0 = clock()
        fns[m]()
        inner[m] = max(1, math.ceil(floor / max(clock() - t0, 1e-6)))
    out: dict[Any, list[tuple[float, float]]] = {m: [] for m in names}
    for r in range(repeat):
        for m in names[r % len(names):] + names[:r % len(names)]:
            fn, b = fns[m], inner[m]
            if settle:
                time.sleep(settle)
                fn()  # untimed: wakes the row's own pools and the core after the rest
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(b):
                fn()
            out[m].append(((time.perf_counter() - w0) / b, (time.process_time() - c0) / b))
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

    from kmrbf.numerics.compiled._kernels import _limit_threads
    with threadpool_limits(limits=1), _limit_threads(1):
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


# ------------------------------------------------------------------ peers (issue 10: the fast path)
#: Optional peers of ``kmrbf bench --peers`` (``pip install kmrbf[bench]``): row prefix -> module.
PEER_MODULES = {"scikit-learn": "sklearn", "faiss": "faiss", "torch": "torch", "deep-spin": "entmax",
                "fast-pytorch-kmeans": "fast_pytorch_kmeans"}

#: The peers table: key -> (label, peer, kind).  ``peer`` names the module of
#: :data:`PEER_MODULES` the row needs (None: NumPy and kmrbf only); ``kind`` is ``numpy`` for
#: rows whose buffers NumPy allocates (their peak is also traced with :mod:`tracemalloc`),
#: ``native`` for the others (torch, faiss, compiled code: peak resident memory only).
PEER_METHODS: dict[str, tuple[str, str | None, str]] = {
    "sklearn-iter": ("scikit-learn Lloyd iteration (lloyd_iter_chunked_dense)", "scikit-learn", "numpy"),
    "sklearn-fit": ("scikit-learn KMeans(n_init=1, max_iter=1).fit", "scikit-learn", "numpy"),
    "gemm-blocked": ("two GEMMs alone, in 256-row blocks on every core", None, "native"),
    "gemm-numpy": ("two GEMMs X.M^T, R^T.X alone (NumPy)", None, "numpy"),
    "gemm-torch": ("two GEMMs X.M^T, R^T.X alone (torch)", "torch", "native"),
    "faiss": ("faiss-cpu Kmeans, 1 iteration (float32, hard)", "faiss", "native"),
    "numpy-softmax": ("plain NumPy soft iteration (2 GEMMs + softmax)", None, "numpy"),
    "torch-softmax": ("plain torch soft iteration (cdist + softmax + mm)", "torch", "native"),
    "entmax15-deepspin": ("deep-spin entmax15 on the N x K logits (torch f64)", "deep-spin", "native"),
    "entmax15k-deepspin": ("deep-spin entmax15(k=8) on the logits (torch f64)", "deep-spin", "native"),
    "sparsemax-deepspin": ("deep-spin sparsemax on the logits (torch f64)", "deep-spin", "native"),
    "fast-pytorch-kmeans": ("fast-pytorch-kmeans KMeans, 1 iteration (torch f64)", "fast-pytorch-kmeans",
                            "native"),
    "kmrbf-lloyd": ("kmrbf lloyd_step (NumPy)", None, "numpy"),
    "kmrbf-softmax": ("kmrbf soft_centroids alpha=1 (NumPy)", None, "numpy"),
    "kmrbf-entmax15": ("kmrbf soft_centroids alpha=1.5 (NumPy)", None, "numpy"),
    "kmrbf-sparsemax": ("kmrbf soft_centroids alpha=2 (NumPy)", None, "numpy"),
    "kmrbf-bisect": ("kmrbf soft_centroids alpha=1.25 (NumPy)", None, "numpy"),
    "kmrbf-entmax15-alone": ("kmrbf entmax15 on the N x K logits (NumPy)", None, "numpy"),
    "kmrbf-sparsemax-alone": ("kmrbf sparsemax on the N x K logits (NumPy)", None, "numpy"),
    "kmrbf-torch-lloyd": ("kmrbf lloyd_step (torch)", "torch", "native"),
    "kmrbf-torch-softmax": ("kmrbf soft_centroids alpha=1 (torch)", "torch", "native"),
    "kmrbf-torch-entmax15": ("kmrbf soft_centroids alpha=1.5 (torch)", "torch", "native"),
    "kmrbf-torch-sparsemax": ("kmrbf soft_centroids alpha=2 (torch)", "torch", "native"),
    "kmrbf-torch-bisect": ("kmrbf soft_centroids alpha=1.25 (torch)", "torch", "native"),
}

#: The rows of the peers table on an accelerator (``--device cuda``): torch rows only, the
#: tensors on the device; ``/2GEMM`` there divides by the two GEMMs on the same card.
DEVICE_METHODS = ("gemm-torch", "torch-softmax", "fast-pytorch-kmeans", "entmax15-deepspin",
                  "sparsemax-deepspin", "kmrbf-torch-lloyd", "kmrbf-torch-softmax", "kmrbf-torch-entmax15",
                  "kmrbf-torch-sparsemax", "kmrbf-torch-bisect")

#: Seconds of rest before each timed batch of the peers table: the pools of the row before
#: (NumPy's OpenBLAS spins for about 0.1 s after a call, faiss's OpenMP too) would otherwise
#: take a core from the row timed next (measured: scikit-learn's iteration 20.5 ms right after
#: the NumPy GEMMs against 15.1 ms alone).
PEER_SETTLE = 0.25

#: The rows of the size sweep (``--sweep``).
SWEEP_METHODS = ("sklearn-iter", "gemm-blocked", "gemm-numpy", "kmrbf-lloyd", "kmrbf-softmax", "kmrbf-entmax15",
                 "kmrbf-sparsemax", "kmrbf-bisect", "torch-softmax", "kmrbf-torch-softmax")

#: The sizes of the sweep: (N, K, D) around the headline size 200 000 x 64 x 32.
SWEEP_SIZES = ((200_000, 8, 32), (200_000, 512, 32), (200_000, 64, 2), (200_000, 64, 256))

#: The rows of the memory check (``--memory``).
MEMORY_METHODS = ("sklearn-iter", "kmrbf-lloyd", "kmrbf-softmax", "kmrbf-entmax15", "kmrbf-bisect",
                  "kmrbf-torch-softmax", "kmrbf-torch-entmax15")


def peer_available(peer: str | None) -> str | None:
    """None when the module of ``peer`` (a key of :data:`PEER_MODULES`) imports, else why not.

    >>> peer_available(None) is None, peer_available("scikit-learn") is None
    (True, True)
    """
    if peer is None:
        return None
    try:
        __import__(PEER_MODULES[peer])
    except ImportError as exc:
        return f"not installed ({PEER_MODULES[peer]}: {exc.__class__.__name__}); pip install kmrbf[bench]"
    return None


class _Problem:
    """The benchmark instance in every form the rows need, built on first use."""

    def __init__(self, n: int, k: int, d: int, seed: int, torch_chunk: int | None, device: str | None = None):
        self.X, self.M, self.sigma = make_problem(n, k, d, seed=seed)
        self.torch_chunk = torch_chunk
        self.device = device  # None: NumPy and torch on the CPU; else every torch tensor there
        self._cache: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = getattr(self, "_" + name.replace("-", "_"))()
        return self._cache[name]

    def _logits(self):
        from kmrbf.numerics import sq_distances
        d = np.asarray(sq_distances(self.X, self.M))
        d -= d.min(axis=1, keepdims=True)
        d *= -1.0 / self.sigma
        return d

    def _resp(self):
        from kmrbf.numerics import softmax
        return np.ascontiguousarray(softmax(self.get("logits")))

    def _torch(self):
        import torch
        return torch.from_numpy(self.X).to(self.device or "cpu"), torch.from_numpy(self.M).to(self.device or "cpu")

    def _torch_logits(self):
        import torch
        if self.device is None:
            return torch.from_numpy(self.get("logits"))
        from kmrbf.numerics import sq_distances  # on the device: the torch-native kernels
        d = sq_distances(*self.get("torch"))
        return (d - d.min(dim=1, keepdim=True).values) * (-1.0 / self.sigma)

    def _torch_resp(self):
        import torch
        if self.device is None:
            return torch.from_numpy(self.get("resp"))
        return torch.softmax(self.get("torch-logits"), dim=1)


def _sklearn_iter(P: _Problem) -> Callable[[], Any]:
    from sklearn.cluster._k_means_lloyd import lloyd_iter_chunked_dense  # private: benchmark only
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
    from threadpoolctl import ThreadpoolController

    X, M = P.X, P.M
    n, k = X.shape[0], M.shape[0]
    weights = np.ones(n)
    new, wic = np.zeros_like(M), np.zeros(k)
    labels, shift = np.full(n, -1, dtype=np.int32), np.zeros(k)
    threads = _openmp_effective_n_threads()
    controller = ThreadpoolController()  # scanned once: threadpool_limits rescans (~2 ms) per entry

    def run():
        with controller.limit(limits=1, user_api="blas"):  # as KMeans does around its iterations
            lloyd_iter_chunked_dense(X, weights, M, new, wic, labels, shift, threads)
        return new
    return run


def _sklearn_fit(P: _Problem) -> Callable[[], Any]:
    import warnings

    from sklearn.cluster import KMeans

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning after one iteration
            return KMeans(n_clusters=P.M.shape[0], init=P.M, n_init=1, max_iter=1).fit(P.X).cluster_centers_
    return run


def _faiss(P: _Problem) -> Callable[[], Any]:
    import faiss

    X32, M32 = P.X.astype(np.float32), P.M.astype(np.float32)
    n, dim = X32.shape

    def run():
        km = faiss.Kmeans(dim, M32.shape[0], niter=1, max_points_per_centroid=n, verbose=False)
        km.train(X32, init_centroids=M32)
        return km.centroids
    return run


def _numpy_softmax(P: _Problem) -> Callable[[], Any]:
    X, M, sigma = P.X, P.M, P.sigma

    def run():
        d = X @ M.T
        d *= -2.0
        d += (X * X).sum(axis=1)[:, None]
        d += (M * M).sum(axis=1)[None, :]
        d -= d.min(axis=1, keepdims=True)
        d *= -1.0 / sigma
        np.exp(d, out=d)
        d /= d.sum(axis=1, keepdims=True)
        return (d.T @ X) / d.sum(axis=0)[:, None]
    return run


def _torch_softmax(P: _Problem) -> Callable[[], Any]:
    import torch

    X, M = P.get("torch")
    sigma = P.sigma

    def run():
        r = torch.softmax(-torch.cdist(X, M) ** 2 / sigma, dim=1)
        return (r.T @ X) / r.sum(dim=0)[:, None]
    return run


def _gemms_blocked(P: _Problem) -> Callable[[], Any]:
    from kmrbf.numerics.compiled._kernels import _blocked_gemms  # the kernels' blocks and threads

    return lambda: _blocked_gemms(P.X, P.M)


def _gemms(P: _Problem, torch_: bool) -> Callable[[], Any]:
    X, M, R = (*P.get("torch"), P.get("torch-resp")) if torch_ else (P.X, P.M, P.get("resp"))

    def run():
        return X @ M.T, R.T @ X
    return run


def _deepspin(P: _Problem, which: str) -> Callable[[], Any]:
    import entmax

    Z = P.get("torch-logits")
    if which == "entmax15k":
        return lambda: entmax.entmax15(Z, dim=-1, k=8)
    return lambda: getattr(entmax, which)(Z, dim=-1)


def _fast_pytorch_kmeans(P: _Problem) -> Callable[[], Any]:
    from fast_pytorch_kmeans import KMeans

    X, M = P.get("torch")

    def run():
        km = KMeans(n_clusters=int(M.shape[0]), max_iter=1, mode="euclidean", verbose=0)
        km.fit(X, centroids=M.clone())
        return km.centroids
    return run


def _kmrbf(P: _Problem, what: str, torch_: bool) -> Callable[[], Any]:
    import kmrbf.numerics as kn

    X, M = P.get("torch") if torch_ else (P.X, P.M)
    kw = {"chunk_size": P.torch_chunk} if torch_ and P.torch_chunk else {}
    sigma = P.sigma
    if what == "lloyd":
        return lambda: kn.lloyd_step(X, M, **kw)
    if what in ("entmax15-alone", "sparsemax-alone"):
        Z = P.get("logits")
        fn = kn.entmax15 if what == "entmax15-alone" else kn.sparsemax
        return lambda: fn(Z)
    alpha = {"softmax": 1.0, "entmax15": 1.5, "sparsemax": 2.0, "bisect": 1.25}[what]

    def run():
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", kn.EmptyClusterWarning)
            return kn.soft_centroids(X, M, sigma, alpha=alpha, **kw)
    return run


def _factory(key: str, P: _Problem) -> Callable[[], Any]:
    """The zero-argument callable of row ``key`` on problem ``P``."""
    if key == "sklearn-iter":
        return _sklearn_iter(P)
    if key == "sklearn-fit":
        return _sklearn_fit(P)
    if key == "gemm-blocked":
        return _gemms_blocked(P)
    if key.startswith("gemm-"):
        return _gemms(P, key == "gemm-torch")
    if key == "faiss":
        return _faiss(P)
    if key == "numpy-softmax":
        return _numpy_softmax(P)
    if key == "torch-softmax":
        return _torch_softmax(P)
    if key.endswith("-deepspin"):
        return _deepspin(P, key[: -len("-deepspin")])
    if key == "fast-pytorch-kmeans":
        return _fast_pytorch_kmeans(P)
    if key.startswith("kmrbf-torch-"):
        return _kmrbf(P, key[len("kmrbf-torch-"):], True)
    return _kmrbf(P, key[len("kmrbf-"):], False)


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss(fn: Callable[[], Any]) -> int | None:
    """Peak resident memory (bytes) that one call of ``fn`` adds above the resident set before it.

    Linux only (None elsewhere, or where ``/proc/self/clear_refs`` is not writable): freed
    heap memory is returned first (``gc.collect``, ``malloc_trim(0)``), the kernel's peak
    resident set ``VmHWM`` is reset (``clear_refs`` 5), and the call's ``VmHWM`` minus the
    ``VmRSS`` before it is returned.  It counts every allocation that touches memory (NumPy,
    torch's CPU allocator, compiled code, thread stacks), at page granularity.

    >>> b = peak_rss(lambda: np.ones(2**22))  # 32 MiB
    >>> b is None or b >= 2**25 * 0.9
    True
    """
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return None
    base = _rss_kib("VmRSS")
    if base is None:
        return None
    out = fn()
    peak = _rss_kib("VmHWM")
    del out
    return None if peak is None else max(0, peak - base) * 1024


def peak_traced(fn: Callable[[], Any]) -> int:
    """Peak bytes traced by :mod:`tracemalloc` during one call of ``fn`` (NumPy's buffers).

    >>> peak_traced(lambda: np.ones(1000)) >= 8000
    True
    """
    tracemalloc.start()
    try:
        fn()
        return int(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def _synchronised(fn: Callable[[], Any], device: str) -> Callable[[], Any]:
    """``fn`` followed by a wait for the device's queue: wall time then counts the device work."""
    import torch

    dev = torch.device(device)

    def run():
        out = fn()
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        return out
    return run


def peak_device(fn: Callable[[], Any], device: str) -> int | None:
    """Peak bytes that one call of ``fn`` allocates through torch's allocator on a CUDA
    ``device`` above what was allocated before it (None on other devices)."""
    import torch

    dev = torch.device(device)
    if dev.type != "cuda":
        return None
    torch.cuda.synchronize(dev)
    torch.cuda.reset_peak_memory_stats(dev)
    base = torch.cuda.memory_allocated(dev)
    out = fn()
    torch.cuda.synchronize(dev)
    peak = torch.cuda.max_memory_allocated(dev)
    del out
    return max(0, peak - base)


def device_name(device: str | None) -> str:
    """What ``device`` is, in words: the card's name for CUDA, else the device string.

    >>> device_name(None), device_name("cpu")
    ('cpu', 'cpu')
    """
    if device is None or device == "cpu":
        return "cpu"
    import torch

    dev = torch.device(device)
    return torch.cuda.get_device_name(dev) if dev.type == "cuda" else str(dev)


def check_device(device: str | None) -> str | None:
    """``device`` validated for the peers bench: None, ``"cpu"`` (the torch rows alone, on the
    CPU) or a CUDA device torch can use (``"cuda"``, ``"cuda:N"``).

    >>> check_device(None) is None, check_device("cpu")
    (True, 'cpu')
    >>> check_device("nowhere")
    Traceback (most recent call last):
    ...
    ValueError: device must be 'cpu', 'cuda' or 'cuda:N'; got 'nowhere'
    """
    if device is None:
        return None
    try:
        import torch
    except ImportError as exc:
        raise ValueError(f"device={device!r} needs torch: pip install kmrbf[torch]") from exc
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}") from exc
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r}: torch sees no CUDA device on this machine")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    return str(dev)


def run_peers_bench(n: int = 200_000, k: int = 64, d: int = 32, *, repeat: int = 5, seed: int = 0,
                    methods: Sequence[str] | None = None, memory: bool = True,
                    torch_chunk: int | None = None, settle: float = PEER_SETTLE, device: str | None = None,
                    progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    r"""One iteration of every peer and of kmrbf, side by side in one process (``kmrbf bench --peers``).

    Problem: :func:`make_problem` (``X`` standard normal (n, d), ``M`` = k rows of ``X``,
    :math:`\sigma=0.1d`), float64 (faiss: float32).  Every available row of
    :data:`PEER_METHODS` is timed with :func:`time_interleaved_wall` (``repeat`` rotated
    rounds after a warm-up call, all threads of every library: NumPy's BLAS, torch's pool,
    OpenMP; ``settle`` seconds of rest and one untimed call before each batch, so that no
    pool still spinning from the row before takes a core), then, with ``memory``, called once more under :func:`peak_rss` and, for the
    NumPy rows, under :func:`peak_traced`.  A row whose peer does not import, or whose
    callable raises, is kept with its ``status``.

    Parameters
    ----------
    n, k, d : int
        Problem size (default: the issue's 200 000 x 64 x 32).
    repeat : int, optional
        Interleaved rounds (the minimum is reported).
    seed : int, optional
        Seed of :func:`make_problem`.
    methods : sequence of str, optional
        Keys of :data:`PEER_METHODS` (default: all, in table order).
    memory : bool, optional
        Measure the peak memory of each row (one more call each).
    torch_chunk : int, optional
        ``chunk_size`` of the kmrbf torch rows (default: the library's).
    settle : float, optional
        Rest before each timed batch (default :data:`PEER_SETTLE`; 0 for quick runs).
    device : str, optional
        A torch device (``"cuda"``): the torch rows' tensors live there, each call is followed
        by a wait for the device (so wall time counts its work, and no CPU pool spins into the
        next row: ``settle`` is not applied), the peak memory is the device allocator's
        (``device_bytes``), and ``methods`` defaults to :data:`DEVICE_METHODS`.
    progress : callable, optional
        ``progress(message)`` between phases.

    Returns
    -------
    list of dict
        One row per method: ``key``, ``label``, ``status`` (``"ok"``, ``"not installed ..."``,
        ``"unavailable: ..."``), ``wall`` and ``cpu`` (per-call seconds of each round),
        ``rss_bytes``, ``traced_bytes``, ``device_bytes`` (None where not measured), ``n``,
        ``k``, ``d``, ``device`` (:func:`device_name`).
    """
    device = check_device(device)
    default = PEER_METHODS if device is None else DEVICE_METHODS
    keys = list(default) if methods is None else list(methods)
    unknown = [m for m in keys if m not in PEER_METHODS]
    if unknown:
        raise ValueError(f"methods must be keys of PEER_METHODS; got {unknown}")
    P = _Problem(n, k, d, seed, torch_chunk, device)
    where = device_name(device)
    card = device not in (None, "cpu")
    rows, fns = [], {}
    for key in keys:
        label, peer, kind = PEER_METHODS[key]
        row = {"key": key, "label": label, "kind": kind, "n": n, "k": k, "d": d, "status": "ok",
               "wall": [], "cpu": [], "rss_bytes": None, "traced_bytes": None, "device_bytes": None,
               "device": where}
        rows.append(row)
        why = peer_available(peer)
        if why is not None:
            row["status"] = why
            continue
        try:
            fn = _factory(key, P)
            if card:
                fn = _synchronised(fn, device)
            fn()  # fails here, not in the middle of the timing, if the peer's API moved
        except Exception as exc:  # noqa: BLE001 - a peer's private API may change: report, go on
            row["status"] = f"unavailable: {exc.__class__.__name__}: {exc}"[:160]
            continue
        fns[key] = fn
    if progress:
        progress(f"peers bench n={n} k={k} d={d} on {where}: {len(fns)} rows, {repeat} interleaved rounds")
    # on a device every call ends waiting for the card: no CPU pool spins into the next row
    times = time_interleaved_wall(fns, repeat, settle=0.0 if card else settle) if fns else {}
    for row in rows:
        if row["key"] in times:
            row["wall"] = times[row["key"]]["wall"]
            row["cpu"] = times[row["key"]]["cpu"]
            if memory and card:
                row["device_bytes"] = peak_device(fns[row["key"]], device)
            elif memory:
                row["rss_bytes"] = peak_rss(fns[row["key"]])
                if row["kind"] == "numpy":
                    row["traced_bytes"] = peak_traced(fns[row["key"]])
    return rows


def time_interleaved_wall(fns: dict[Any, Callable[[], Any]], repeat: int, *,
                          floor: float = 2e-3, settle: float = 0.0) -> dict[Any, dict[str, list[float]]]:
    """Per-call wall and process CPU seconds of every function, in ``repeat`` interleaved rounds.

    The rounds of :func:`time_interleaved` (order rotated each round, short calls batched to
    last ``floor`` of wall time), each measured on both clocks: wall time is what a user
    waits with every core in use; CPU over wall tells how many cores were busy.

    Parameters
    ----------
    fns : dict
        Zero-argument functions to time, under any hashable keys.
    repeat : int
        Number of rounds (``>= 1``).
    floor : float, optional
        Shortest timed interval in seconds (default 2 ms).
    settle : float, optional
        Seconds of sleep, then one untimed call, before each timed batch (default 0: none).
        A BLAS or OpenMP pool busy-waits after a call (OpenBLAS about 0.1 s); on a machine
        with few cores its spinning threads would slow whatever runs next, and the untimed
        call wakes the function's own pools after the rest.

    Returns
    -------
    dict
        For every key, ``{"wall": [...], "cpu": [...]}``: the ``repeat`` per-call times.

    Examples
    --------
    >>> t = time_interleaved_wall({"a": lambda: sum(range(100))}, 2)
    >>> sorted(t["a"]), [len(v) for v in t["a"].values()]
    (['cpu', 'wall'], [2, 2])
    """
    out = _interleave(fns, repeat, floor, time.perf_counter, settle)
    return {m: {"wall": [w for w, _ in v], "cpu": [c for _, c in v]} for m, v in out.items()}


def _ratio(row: dict[str, Any], base: dict[str, Any] | None) -> str:
    if base is None or not row["wall"] or not base["wall"]:
        return "n/a"
    return f"{min(row['wall']) / min(base['wall']):.2f}"


def _mib(b: int | None) -> str:
    return "-" if b is None else f"{b / 2**20:.1f}"


def format_peers(rows: Sequence[dict[str, Any]]) -> str:
    """The table of :func:`run_peers_bench`: time, ratios to scikit-learn's iteration and to the
    two-GEMM bound, peak memory above the input, CPU time over wall time.

    Parameters
    ----------
    rows : sequence of dict
        :func:`run_peers_bench` rows (one problem size).

    Returns
    -------
    str
        One line per row; rows that did not run show their status instead of numbers.  On a
        device (rows of ``run_peers_bench(device=...)``) ``/2GEMM`` divides by the two GEMMs
        of the torch row on that device and the memory column is the device allocator's peak.
    """
    by = {r["key"]: r for r in rows}
    on_device = any(r.get("device", "cpu") != "cpu" for r in rows)
    sk = by.get("sklearn-iter")
    gemm = by.get("gemm-torch") if on_device else by.get("gemm-blocked", by.get("gemm-torch"))
    memory = ["device MiB"] if on_device else ["RSS MiB", "traced MiB"]
    head = ["method", "ms", "/sklearn", "/2GEMM", *memory, "CPU/wall"]
    table = [head]
    for r in rows:
        if r["wall"]:
            cpu_wall = sum(r["cpu"]) / max(sum(r["wall"]), 1e-12)
            ms = 1e3 * min(r["wall"])
            mem = [_mib(r.get("device_bytes"))] if on_device else [_mib(r["rss_bytes"]), _mib(r["traced_bytes"])]
            table.append([r["label"], f"{ms:.1f}" if ms >= 10 else f"{ms:.3f}", _ratio(r, sk), _ratio(r, gemm),
                          *mem, f"{cpu_wall:.2f}"])
    w = [max([len(row[c]) for row in table] + [len(r["label"]) * (c == 0) for r in rows])
         for c in range(len(head))]
    timed = {r["label"]: row for r, row in zip([r for r in rows if r["wall"]], table[1:])}
    out = ["  ".join([head[0].ljust(w[0])] + [c.rjust(x) for c, x in zip(head[1:], w[1:])])]
    for r in rows:
        if r["label"] in timed and r["wall"]:
            row = timed[r["label"]]
            out.append("  ".join([row[0].ljust(w[0])] + [c.rjust(x) for c, x in zip(row[1:], w[1:])]))
        else:
            out.append(f"{r['label'].ljust(w[0])}  {r['status']}")
    r0 = rows[0] if rows else {"n": "?", "k": "?", "d": "?"}
    if on_device:
        out.append(f"(N={r0['n']}, K={r0['k']}, D={r0['d']}, float64, sigma=0.1 D, on {r0['device']}; ms: minimum "
                   "wall time over interleaved rounds, each call followed by a wait for the device; /2GEMM: "
                   "ratio to the two GEMMs X.M^T, R^T.X alone on the same device (the card's FP64 GEMM time "
                   "for the shapes of a soft step); device MiB: peak of torch's device allocator above the "
                   "input during one call)")
        return "\n".join(out)
    floor = ("the two GEMMs of a soft step alone, in the kernels' 256-row blocks (the time floor of a fused "
             "soft step)" if "gemm-blocked" in by else "the two GEMMs X.M^T, R^T.X alone on torch")
    out.append(f"(N={r0['n']}, K={r0['k']}, D={r0['d']}, float64, sigma=0.1 D; ms: minimum wall time over "
               "interleaved rounds, all threads; /sklearn, /2GEMM: ratio of minima to scikit-learn's "
               f"Lloyd iteration and to {floor}; RSS: peak resident memory "
               "above the input during one call (Linux VmHWM, every allocator); traced: tracemalloc peak "
               "(NumPy buffers only); CPU/wall: process CPU time over wall time, summed over the rounds)")
    return "\n".join(out)


def run_sweep(sizes: Sequence[tuple[int, int, int]] | None = None, *, repeat: int = 3, seed: int = 0,
              methods: Sequence[str] | None = None, torch_chunk: int | None = None,
              settle: float = PEER_SETTLE, progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """:func:`run_peers_bench` (no memory) of ``methods`` (default :data:`SWEEP_METHODS`) at every
    ``(n, k, d)`` of ``sizes`` (default :data:`SWEEP_SIZES`), rows concatenated.

    >>> rows = run_sweep([(300, 2, 2)], repeat=1, methods=("gemm-numpy", "kmrbf-lloyd"))
    >>> [(r["key"], r["k"]) for r in rows]
    [('gemm-numpy', 2), ('kmrbf-lloyd', 2)]
    """
    rows = []
    for n, k, d in SWEEP_SIZES if sizes is None else sizes:
        rows += run_peers_bench(n, k, d, repeat=repeat, seed=seed, memory=False,
                                methods=SWEEP_METHODS if methods is None else methods,
                                torch_chunk=torch_chunk, settle=settle, progress=progress)
    return rows


def format_sweep(rows: Sequence[dict[str, Any]]) -> str:
    """The sweep as one table: a line per method, a column per size, the ratio to scikit-learn's
    Lloyd iteration at that size (``n/a`` where a row did not run).

    >>> rows = run_sweep([(300, 2, 2)], repeat=1, methods=("sklearn-iter", "kmrbf-lloyd"))
    >>> format_sweep(rows).splitlines()[0].split()[:2]
    ['method', 'N=300,K=2,D=2']
    """
    sizes = list(dict.fromkeys((r["n"], r["k"], r["d"]) for r in rows))
    keys = list(dict.fromkeys(r["key"] for r in rows))
    cell = {(r["n"], r["k"], r["d"], r["key"]): r for r in rows}
    head = ["method"] + [f"N={n},K={k},D={d}" for n, k, d in sizes]
    lines = [head]
    for key in keys:
        line = [PEER_METHODS[key][0]]
        for s in sizes:
            r, base = cell.get((*s, key)), cell.get((*s, "sklearn-iter"))
            line.append("n/a" if r is None else _ratio(r, base))
        lines.append(line)
    w = [max(len(row[c]) for row in lines) for c in range(len(head))]
    txt = ["  ".join([row[0].ljust(w[0])] + [c.rjust(x) for c, x in zip(row[1:], w[1:])]) for row in lines]
    txt.append("(ratio of minimum wall times to scikit-learn's Lloyd iteration at the same size)")
    return "\n".join(txt)


def run_memory_check(n: int = 1_000_000, k: int = 64, d: int = 32, *, seed: int = 0,
                     methods: Sequence[str] | None = None, torch_chunk: int | None = None,
                     progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Peak memory above the input of one step of each method (default :data:`MEMORY_METHODS`) at
    ``(n, k, d)`` (``--memory``).

    Each available method is called once (warm-up), then once under :func:`peak_rss` and, for
    NumPy rows, once under :func:`peak_traced`.  Rows as :func:`run_peers_bench` (no timings),
    plus ``input_bytes`` (``X`` and ``M``) and ``nk_bytes`` (an N x K float64 array).

    >>> r = run_memory_check(20_000, 8, 4, methods=("kmrbf-softmax",))[0]
    >>> r["status"], r["traced_bytes"] < r["nk_bytes"]
    ('ok', True)
    """
    P = _Problem(n, k, d, seed, torch_chunk)
    rows = []
    for key in MEMORY_METHODS if methods is None else methods:
        label, peer, kind = PEER_METHODS[key]
        row = {"key": key, "label": label, "kind": kind, "n": n, "k": k, "d": d, "status": "ok",
               "rss_bytes": None, "traced_bytes": None, "input_bytes": P.X.nbytes + P.M.nbytes,
               "nk_bytes": 8 * n * k}
        rows.append(row)
        why = peer_available(peer)
        if why is not None:
            row["status"] = why
            continue
        if progress:
            progress(f"memory: {label}")
        try:
            fn = _factory(key, P)
            fn()
        except Exception as exc:  # noqa: BLE001 - reported in the table
            row["status"] = f"unavailable: {exc.__class__.__name__}: {exc}"[:160]
            continue
        row["rss_bytes"] = peak_rss(fn)
        if kind == "numpy":
            row["traced_bytes"] = peak_traced(fn)
    return rows


def format_memory(rows: Sequence[dict[str, Any]], target_mib: float = 32.0) -> str:
    """The memory check as a table, each peak against ``target_mib`` (issue 10: 32 MiB above the input).

    Parameters
    ----------
    rows : sequence of dict
        :func:`run_memory_check` rows.
    target_mib : float, optional
        The bound each peak is compared with.

    Returns
    -------
    str
        One line per method: peak RSS and traced peak in MiB, and whether the larger of the
        two measured peaks is within the target.
    """
    head = ["method", "RSS MiB", "traced MiB", f"<= {target_mib:g} MiB"]
    lines = [head]
    for r in rows:
        if r["status"] != "ok":
            lines.append([r["label"], r["status"], "", ""])
            continue
        measured = [b for b in (r["rss_bytes"], r["traced_bytes"]) if b is not None]
        ok = "n/a" if not measured else ("yes" if max(measured) <= target_mib * 2**20 else "NO")
        lines.append([r["label"], _mib(r["rss_bytes"]), _mib(r["traced_bytes"]), ok])
    w = [max(len(row[c]) for row in lines) for c in range(len(head))]
    txt = ["  ".join([row[0].ljust(w[0])] + [c.rjust(x) for c, x in zip(row[1:], w[1:])]) for row in lines]
    if rows:
        r0 = rows[0]
        txt.append(f"(N={r0['n']}, K={r0['k']}, D={r0['d']}: the input X, M is {r0['input_bytes'] / 2**20:.1f} MiB, "
                   f"an N x K float64 array {r0['nk_bytes'] / 2**20:.1f} MiB; peaks above the input)")
    return "\n".join(txt)


def add_bench_arguments(parser: Any) -> None:
    """Add the peer-benchmark flags to the ``kmrbf bench`` parser (``--peers``, ``--sweep``,
    ``--memory``, ``--size``, ``--torch-chunk``); :func:`run_peers_command` acts on them.

    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_bench_arguments(p)
    >>> a = p.parse_args(["--peers", "--size", "1000", "8", "4"])
    >>> a.peers, a.size, a.sweep, a.memory, a.torch_chunk, a.device
    (True, [1000, 8, 4], False, False, None, None)
    """
    g = parser.add_argument_group("peers (issue 10; pip install kmrbf[bench])")
    g.add_argument("--peers", action="store_true",
                   help="instead: one iteration of scikit-learn, faiss, NumPy, torch, deep-spin entmax, "
                        "fast-pytorch-kmeans and kmrbf side by side, as ratios (one table)")
    g.add_argument("--sweep", action="store_true",
                   help="instead: the ratios to scikit-learn at K = 8, 512 and D = 2, 256 (N = 200 000)")
    g.add_argument("--memory", action="store_true",
                   help="instead: peak memory above the input of one step at N = 10^6, D = 32, K = 64")
    g.add_argument("--size", type=int, nargs=3, metavar=("N", "K", "D"), default=None,
                   help="with --peers / --memory: the problem size (default 200000 64 32 / 1000000 64 32)")
    g.add_argument("--torch-chunk", type=int, default=None, metavar="ROWS",
                   help="chunk_size of the kmrbf torch rows (default: the library's)")
    g.add_argument("--device", default=None, metavar="DEV",
                   help="with --peers: the torch rows on this torch device (cuda, cuda:1), /2GEMM against "
                        "the two GEMMs on that device, and the device allocator's peak memory")


def run_peers_command(args: Any) -> int | None:
    """Run what the flags of :func:`add_bench_arguments` ask for and print it; None when none is set.

    Uses ``args.repeat`` and ``args.seed`` of ``kmrbf bench``; ``--peers``, ``--sweep`` and
    ``--memory`` may be combined (run in that order).  Returns the exit code 0.
    """
    if not (args.peers or args.sweep or args.memory):
        return None
    repeat = getattr(args, "repeat", 5)
    seed = getattr(args, "seed", 0)
    if args.size is not None and min(args.size) < 1:
        raise ValueError(f"--size values must be >= 1; got {args.size}")
    if args.torch_chunk is not None and args.torch_chunk < 1:
        raise ValueError(f"--torch-chunk must be >= 1; got {args.torch_chunk}")
    device = check_device(getattr(args, "device", None))
    if device is not None and (args.sweep or args.memory):
        raise ValueError(f"--device {device} goes with --peers only (the sweep and the memory check run on the CPU)")
    doc: dict[str, Any] = {"repeat": repeat, "seed": seed, "torch_chunk": args.torch_chunk,
                           "device": device_name(device)}
    if args.peers:
        n, k, d = args.size or (200_000, 64, 32)
        doc["peers"] = run_peers_bench(n, k, d, repeat=repeat, seed=seed, torch_chunk=args.torch_chunk,
                                       device=device)
        print(format_peers(doc["peers"]))
    if args.sweep:
        doc["sweep"] = run_sweep(repeat=repeat, seed=seed, torch_chunk=args.torch_chunk)
        print(format_sweep(doc["sweep"]))
    if args.memory:
        n, k, d = args.size or (1_000_000, 64, 32)
        doc["memory"] = run_memory_check(n, k, d, seed=seed, torch_chunk=args.torch_chunk)
        print(format_memory(doc["memory"]))
    if getattr(args, "json", None):
        import json
        from pathlib import Path
        Path(args.json).write_text(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
        print(f"wrote {args.json}")
    return 0
