r"""numba kernels: one fused pass over ``X`` for the statistics of a (soft) K-means step.

For row blocks of :data:`BLOCK` rows (scikit-learn's ``_k_means_lloyd.pyx`` is the
model) one pass computes, without leaving the block,

1. the guarded squared distances of :func:`kmrbf.numerics._kernels.iter_sq_distance_blocks`
   (centre at the mean of ``M``, one BLAS GEMM :math:`X_cM_c^\top`, entries that
   cancel, :math:`\hat d\le\frac18(\lVert x-c\rVert^2+\lVert\mu-c\rVert^2)`, recomputed
   directly; for :math:`D\le` :data:`DIRECT_D` every entry directly);
2. the responsibilities from gap-first logits :math:`z_{ik}=-(d_{ik}-d_{i(1)})/\sigma`
   (softmax; entmax-1.5 and sparsemax exactly, by sorting only the candidates
   :math:`(\alpha-1)(z_{\max}-z_j)<1` — the others are exact zeros since
   :math:`\tau\ge z_{\max}-1/(\alpha-1)`; general :math:`\alpha` by safeguarded Newton
   steps on :math:`\tau` over the same candidates, with the reference's stopping rule), or
   the hard assignment (ties to the lowest index);
3. the accumulation :math:`S_k=\sum_ir_{ik}`, :math:`T_k=\sum_ir_{ik}x_i` (softmax: one
   GEMM :math:`R^\top X_b`; sparse maps: entry by entry for narrow supports, a GEMM only
   when more than a quarter of a block's rows are wide), :math:`W=\sum_{ik}r_{ik}d_{ik}`, :math:`F_0=\sum_id_{i(1)}` and
   :math:`G_\sigma=\sum_i[d_{i(1)}-\sigma\log\sum_ke^{z_{ik}}]` (softmax only).

Parallelism and determinism: the blocks are split into ``n_groups`` contiguous groups,
a number fixed by the shapes alone (:func:`n_groups`), never by the thread count.  Each
group accumulates into its own slot, one block after the other; the slots are summed
in group order at the end.  Threads (a :class:`~concurrent.futures.ThreadPoolExecutor`
over groups; the kernels release the GIL) change only *who* computes a group, so the
result is bitwise the same for any number of threads.  BLAS runs single-threaded during
the call (``threadpoolctl``), as in scikit-learn, so that a GEMM's bits do not depend on
BLAS threading either.  Memory beyond ``X``: the per-group slots (``n_groups * K * (D + 1)``
floats, at most :data:`SLOT_FLOATS`, each group's padded to whole 64-byte lines) and per-group
block buffers (``BLOCK * (2K + D)`` floats; softmax ``SOFTMAX_BLOCKS * BLOCK * (2K + D)``);
no copy of ``X``.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np

#: Rows per block (a block of distances and responsibilities stays in L2).
BLOCK = 256
#: The softmax path works on ``SOFTMAX_BLOCKS`` blocks at a time (NumPy's ``exp`` between
#: two compiled calls; larger pieces amortise the Python glue).
SOFTMAX_BLOCKS = 8
#: A group holds at least this many blocks, 4096 rows (fewer, larger tasks for small N: the
#: per-task overhead, ~40 us of CPU, stays small against the work; with 4 blocks it bent
#: KR-S53-cost's fitted N-exponent of Lloyd below 0.8 at N = 8192 in a dev run).
MIN_BLOCKS_PER_GROUP = 16
#: At most this many groups (slots); fixed, so results do not depend on the thread count.
MAX_GROUPS = 64
#: The slots of all groups together hold at most this many floats (16 MiB).
SLOT_FLOATS = 1 << 21
#: Up to this many columns the distances are summed directly (measured: at D = 2 the direct
#: sums take 21 ns per row against 80 for the guarded GEMM, at D = 8 71 against 45).
DIRECT_D = 4
#: Entries with ``d_hat <= RECOMPUTE * (|x-c|^2 + |mu-c|^2)`` are recomputed directly
#: (the same rule as :data:`kmrbf.numerics._kernels.RECOMPUTE_FRACTION`).
RECOMPUTE = 0.125

#: The lower end of the general-alpha bracket uses the TAU_TOP largest logits (every j gives
#: a valid bound x_(j) - j^(1-alpha); beyond the first few they are rarely the largest, and
#: sorting every candidate cost more than the Newton steps it saved).
TAU_TOP = 4
#: Clears the sign bit of a double's int64 view.
ABS_MASK = (1 << 63) - 1

#: Modes of the kernels (:func:`_group_hard`, :func:`_group_sparse`, the softmax blocks).
MODE_SOFTMAX, MODE_ENTMAX15, MODE_SPARSEMAX, MODE_TAU, MODE_HARD = 0, 1, 2, 3, 4


# ---------------------------------------------------------------------- reductions


# Loops index from 0 (``range(n)``, slices): an index numba cannot prove non-negative gets a
# wrap-around check (Python's negative indices) that stops LLVM from vectorising the loop.


@nb.njit(nogil=True, cache=True, inline="always")
def _psum_block(a):
    """NumPy's ``pairwise_sum`` of ``a`` for ``len(a) <= 128`` (eight accumulators)."""
    n = a.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
    r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
    for q in range(1, n // 8):
        i = 8 * q
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(n - n % 8, n):
        res += a[i]
    return res


@nb.njit(nogil=True, cache=True)
def _psum(a):
    """Sum of the 1-D ``a``: NumPy's pairwise summation (the same bits as ``np.sum`` along a
    contiguous axis) up to 128 terms; beyond, blocks of 128 summed that way, added in
    order.  A fixed order either way, and vectorisable."""
    n = a.shape[0]
    if n <= 128:
        return _psum_block(a)
    res = 0.0
    for q in range((n + 127) // 128):
        res += _psum_block(a[128 * q:min(128 * q + 128, n)])
    return res


@nb.njit(nogil=True, cache=True, inline="always")
def _argmin_nonneg(bits, i):
    """Index of the first minimum of row ``i`` of an array of non-negative doubles (not
    NaN, not -0.0) seen through its int64 view ``bits``: for such doubles the bit patterns
    order as the values, so the minimum is an integer reduction, which vectorises (a float
    ``min`` does not without fast-math), and so is the first index holding it."""
    k = bits.shape[1]
    m = bits[i, 0]
    for j in range(1, k):
        b = bits[i, j]
        m = b if b < m else m
    a = k
    for j in range(k):
        c = j if bits[i, j] == m else k
        a = c if c < a else a
    return a


# ------------------------------------------------------------------------------ rows


@nb.njit(nogil=True, cache=True, inline="always")
def _sort_desc(v, m):
    """Insertion sort of ``v[:m]`` in decreasing order (``m`` is small: the candidates)."""
    for i in range(1, m):
        t = v[i]
        j = i - 1
        while j >= 0 and v[j] < t:
            v[j + 1] = v[j]
            j -= 1
        v[j + 1] = t


@nb.njit(nogil=True, cache=True, inline="always")
def _candidates(d, dmin, sigma, scale, cut, cand, idx, many):
    """Collect the logits ``x_j = max(-(d_j - dmin)/sigma * scale, -2)`` with
    ``x_j > -1`` into ``cand[:m]`` (their columns into ``idx``); returns ``m``.

    ``cut`` (a number slightly above ``sigma / scale``) pre-filters in the distance domain
    so that a division is spent only on the few entries that can be candidates; the
    exact test ``x_j > -1`` decides.  With ``many`` (general alpha: ``scale = alpha - 1``
    lets through several times more) the pre-filter writes every column and advances over
    the kept ones, without a branch on the data (kept columns are scattered, so a branch
    would be mispredicted about twice per candidate); with few a branch is cheaper."""
    k = d.shape[0]
    if not many:
        q = 0
        for j in range(k):
            t = d[j] - dmin
            if t < cut:
                x = max((-t / sigma) * scale, -2.0)
                if x > -1.0:
                    cand[q] = x
                    idx[q] = j
                    q += 1
        return q
    m = 0
    for j in range(k):
        idx[m] = j
        m += (d[j] - dmin) < cut
    q = 0
    for p in range(m):
        j = idx[p]
        x = max((-(d[j] - dmin) / sigma) * scale, -2.0)
        if x > -1.0:
            cand[q] = x
            idx[q] = j
            q += 1
    return q


@nb.njit(nogil=True, cache=True, inline="always")
def _row_sparse(d, dmin, sigma, cut, cand, idx, srt, mode):
    """entmax-1.5 (``mode`` 1, ``x = z/2``) or sparsemax (2, ``x = z``) of the row's gap-first
    logits, exact by sorting the candidates ``x > -1`` (the others are exact zeros since
    ``tau >= -1``): :func:`kmrbf.numerics._kernels._entmax15_base` / ``_sparsemax_base`` in
    one row.  Returns the number ``m`` of candidates; their probabilities are left in
    ``cand[:m]``, their columns in ``idx[:m]`` (every other entry of the row is an exact 0)."""
    half = 0.5 if mode == MODE_ENTMAX15 else 1.0
    m = _candidates(d, dmin, sigma, half, cut, cand, idx, False)
    for i in range(m):
        srt[i] = cand[i]
    _sort_desc(srt, m)
    cs = 0.0
    cs2 = 0.0
    size = 0
    for i in range(m):
        xi = srt[i]
        kk = i + 1.0
        cs += xi
        if mode == MODE_ENTMAX15:
            cs2 += xi * xi
            mean = cs / kk
            mean_sq = cs2 / kk
            ss = kk * (mean_sq - mean * mean)
            delta = (1.0 - ss) / kk
            if mean - math.sqrt(max(delta, 0.0)) <= xi:
                size += 1
        elif xi > (cs - 1.0) / kk:
            size += 1
    size = max(size, 1)
    kth = srt[size - 1]
    tot = 0.0
    for i in range(m):
        if cand[i] >= kth:
            tot += cand[i]
    mean = tot / size
    if mode == MODE_ENTMAX15:
        var = 0.0
        for i in range(m):
            if cand[i] >= kth:
                dev = cand[i] - mean
                var += dev * dev
        tau = mean - math.sqrt(max(1.0 / size - var / size, 0.0))
    else:
        tau = (tot - 1.0) / size
    s = 0.0
    for i in range(m):
        bb = max(cand[i] - tau, 0.0) if cand[i] >= kth else 0.0
        if mode == MODE_ENTMAX15:
            bb = bb * bb
        cand[i] = bb
        s += bb
    for i in range(m):
        cand[i] = cand[i] / s
    return m


@nb.njit(nogil=True, cache=True, inline="always")
def _tau_f(cand, m, t, beta, ipow):
    """``f(t) = sum_j (x_j - t)_+^beta - 1`` and ``f'(t)`` over the candidates
    (``ipow = beta - 1`` when that is a whole number up to 8: powers by multiplication,
    ``((b * b) * b) ...``, else ``-1``).  A non-positive ``b`` is replaced by ``+0.0``,
    which adds exact zeros: the same bits as skipping it, without a branch on the data."""
    f = -1.0
    df = 0.0
    for i in range(m):
        b = cand[i] - t
        b = b if b > 0.0 else 0.0
        if ipow == 0:  # loop-invariant branches: LLVM unswitches them
            q = 1.0 if b > 0.0 else 0.0
        elif ipow == 1:
            q = b
        elif ipow == 2:
            q = b * b
        elif ipow > 0:
            q = b * b
            for _ in range(ipow - 2):
                q *= b
        else:
            q = b ** (beta - 1.0) if b > 0.0 else 0.0
        f += q * b
        df -= beta * q
    return f, df


@nb.njit(nogil=True, cache=True)
def _row_tau(d, dmin, sigma, cut, cand, idx, srt, jpow, alpha):
    """entmax-``alpha`` of the row's gap-first logits: the threshold :math:`\\tau` of
    :func:`kmrbf.numerics._kernels._entmax_tau_base` (``x = (alpha-1) z``,
    :math:`\\sum_j(x_j-\\tau)_+^{1/(\\alpha-1)}=1`), bracketed in ``[-1, -K^{1-alpha}]``
    (``jpow[j] = (j+1)^(1-alpha)`` gives the lower end
    :math:`\\max_{j\\le 4} x_{(j)}-j^{1-\\alpha}`, :data:`TAU_TOP`), narrowed until ``lo`` and ``hi`` are adjacent floats with ``f(lo) >= 0 > f(hi)``
    (the reference's stopping rule), by safeguarded Newton steps instead of halvings:
    a Newton point outside the bracket is replaced by the midpoint, and a step that does
    not move is replaced by one ulp towards the other end.  The weights
    :math:`(x_j-\\tau)_+^\\beta` are ``pow`` (within 1 ulp), or for a whole
    :math:`\\beta\\le 9` the product of :math:`\\beta` factors (:math:`\\beta-1` roundings:
    relative error below :math:`\\beta u`).  Returns the number ``m`` of
    candidates kept; their probabilities are left in ``cand[:m]``, their columns in
    ``idx[:m]``."""
    k = d.shape[0]
    am1 = alpha - 1.0
    beta = 1.0 / am1
    m = _candidates(d, dmin, sigma, am1, cut, cand, idx, True)
    ipow = int(beta - 1.0) if beta - 1.0 == int(beta - 1.0) and 0.0 <= beta - 1.0 <= 8.0 else -1
    hi = -jpow[k - 1]  # -(K^(1-alpha)): the same pow, as fl(1 - alpha) = -fl(alpha - 1)
    # tau* >= x_(j) - j^(1-alpha) for every j (the j largest terms alone reach 1)
    top = min(m, TAU_TOP)  # the largest candidates, in decreasing order, in srt[:top]
    for i in range(top):
        srt[i] = -np.inf
    for i in range(m):
        v = cand[i]
        if v > srt[top - 1]:
            j = top - 1
            while j > 0 and srt[j - 1] < v:
                srt[j] = srt[j - 1]
                j -= 1
            srt[j] = v
    lo = -1.0
    for i in range(top):
        lo = max(lo, srt[i] - jpow[i])
    lo = min(lo, hi)
    fp, dfp = _tau_f(cand, m, lo, beta, ipow)
    if fp < 0.0:  # rounding at the bound: fall back to the reference bracket
        lo = -1.0
        fp, dfp = _tau_f(cand, m, lo, beta, ipow)
    # every iterate stays >= lo, where entries x_j <= lo contribute exact zeros: drop them
    q = 0
    for i in range(m):
        if cand[i] > lo:
            cand[q] = cand[i]
            idx[q] = idx[i]
            q += 1
    m = q
    p = lo
    for _ in range(400):
        if not (lo + (hi - lo) / 2.0 > lo and lo + (hi - lo) / 2.0 < hi):
            break
        t = p - fp / dfp if dfp < 0.0 else lo + (hi - lo) / 2.0
        if t == p:
            t = np.nextafter(p, hi if p == lo else lo)
        if not (t > lo and t < hi):
            t = lo + (hi - lo) / 2.0
        fp, dfp = _tau_f(cand, m, t, beta, ipow)
        p = t
        if fp >= 0.0:
            lo = t
        else:
            hi = t
    s = 0.0
    for i in range(m):
        b = cand[i] - lo
        b = b if b > 0.0 else 0.0
        if ipow >= 0:  # a whole beta <= 9: beta - 1 products, relative error <= beta u
            w = b
            for _ in range(ipow):
                w *= b
        else:
            w = b ** beta if b > 0.0 else 0.0
        cand[i] = w
        s += w
    for i in range(m):
        cand[i] = cand[i] / s
    return m


@nb.njit(nogil=True, cache=True)
def _rows_sparse(Z, r0, r1, mode, out):
    """entmax-1.5 (``mode`` 1) or sparsemax (2) of the rows ``r0:r1`` of the logits ``Z`` into
    ``out``: :func:`_row_sparse` on ``d = -z``, ``dmin = -max z``, ``sigma = 1``, which forms
    the reference's shifted logits ``(z - max z) * scale`` with the same roundings."""
    k = Z.shape[1]
    d = np.empty(k)
    cand = np.empty(k)
    srt = np.empty(k)
    idx = np.empty(k, dtype=np.int64)
    cut = (2.0 if mode == MODE_ENTMAX15 else 1.0) * (1.0 + 2.0**-40)
    for i in range(r0, r1):
        zi = Z[i]
        zmax = -np.inf
        for j in range(k):
            zmax = max(zmax, zi[j])
            d[j] = -zi[j]
        oi = out[i]
        for j in range(k):
            oi[j] = 0.0
        m = _row_sparse(d, -zmax, 1.0, cut, cand, idx, srt, mode)
        for q in range(m):
            oi[idx[q]] = cand[q]


# ----------------------------------------------------------------------------- blocks


@nb.njit(nogil=True, cache=True)
def _max_abs_bits(bits, r0, r1):
    r""":math:`\max|x_{ij}|` over the rows ``r0:r1`` of finite doubles seen through their
    int64 view ``bits``, as the bits of the result: with the sign bit cleared the bit
    patterns order as the magnitudes (an integer reduction, which vectorises)."""
    am = 0
    for i in range(r0, r1):
        for j in range(bits.shape[1]):
            a = bits[i, j] & ABS_MASK
            am = a if a > am else am
    return am


@nb.njit(nogil=True, cache=True)
def _block_buffers(rows, dim, k):
    """The buffers of :func:`_block_distances` for up to ``rows`` rows: the centred rows, their
    squared norms, the distances."""
    return np.empty((rows, dim)), np.empty(rows), np.empty((rows, k))


@nb.njit(nogil=True, cache=True)
def _block_distances(X, s, b, M, MT, center, McT, mn, xc, xn, d, amax):
    """Squared distances of rows ``s:s+b`` of ``X`` into ``d[:b]``; ``amax[0]``, where ``amax``
    is not empty, is raised to the largest :math:`|x_{ij}|` of the block, as bits
    (:func:`_max_abs_bits`; only a soft-centroid step needs it).

    Guarded GEMM distances; for ``D <= DIRECT_D`` the direct sums
    :math:`\\sum_t(x_t-\\mu_t)^2` (``MT = M^T``), the recompute formula for every entry (a
    GEMM of inner dimension that small costs more than it saves, and at small ``D`` most
    rows have an entry to recompute)."""
    dim = X.shape[1]
    k = M.shape[0]
    if amax.shape[0]:
        amax[0] = max(amax[0], _max_abs_bits(X.view(np.int64), s, s + b))
    if dim <= DIRECT_D:
        for i in range(b):
            xi = X[s + i]
            di = d[i]
            for j in range(k):
                di[j] = 0.0
            for t in range(dim):  # t ascending for every j: the bits of the recompute below
                xt = xi[t]
                mt = MT[t]
                for j in range(k):
                    diff = xt - mt[j]
                    di[j] += diff * diff
        return
    sq = np.empty(dim)
    for i in range(b):
        xi = X[s + i]
        xci = xc[i]
        for j in range(dim):
            v = xi[j] - center[j]
            xci[j] = v
            sq[j] = v * v
        xn[i] = _psum(sq)
    g = d[:b]
    np.dot(xc[:b], McT, g)
    for i in range(b):
        gi = g[i]
        xi = xn[i]
        bad = 0
        for j in range(k):
            scale = xi + mn[j]
            v = scale - 2.0 * gi[j]
            v = v if v > 0.0 else 0.0  # never -0.0: the distances order as their bits
            bad += v <= RECOMPUTE * scale
            gi[j] = v
        if bad:
            for j in range(k):
                if gi[j] <= RECOMPUTE * (xi + mn[j]):
                    acc = 0.0
                    for t in range(dim):
                        diff = X[s + i, t] - M[j, t]
                        acc += diff * diff
                    gi[j] = acc


@nb.njit(nogil=True, cache=True)
def _block_logits(X, s, b, M, MT, center, McT, mn, xc, xn, d, z, dmin, sigma, amax):
    """Distances of rows ``s:s+b`` into ``d``, their row minima into ``dmin`` and the
    gap-first logits :math:`-(d_{ik}-d_{i(1)})/\\sigma` into ``z`` (softmax path: the
    caller exponentiates ``z`` in place with NumPy's ``exp``, the reference's)."""
    k = M.shape[0]
    _block_distances(X, s, b, M, MT, center, McT, mn, xc, xn, d, amax)
    bits = d.view(np.int64)
    for i in range(b):
        di = d[i]
        m = di[_argmin_nonneg(bits, i)]
        dmin[i] = m
        zi = z[i]
        for j in range(k):
            zi[j] = -(di[j] - m) / sigma


@nb.njit(nogil=True, cache=True)
def _gemm_accumulate(X, s, b, r, T, tb):
    """``T += r[:b]^T X[s:s+b]`` by one GEMM."""
    np.dot(r[:b].T, X[s:s + b], tb)
    T += tb


@nb.njit(nogil=True, cache=True)
def _block_softmax_normalise(b, d, e, dmin, sigma, S, scal, objective):
    """Normalise the exponentials ``e[:b]`` to responsibilities (in place) and accumulate
    ``S`` and ``scal = [W, F0, G]`` (``W`` and ``G`` only when ``objective``; the caller adds
    ``e[:b]^T X_b`` to ``T``)."""
    k = d.shape[1]
    rd = np.empty(k)
    for i in range(b):
        ei = e[i]
        tot = _psum(ei)
        for j in range(k):  # one store per loop: vectorised without alias checks
            ei[j] = ei[j] / tot
        for j in range(k):
            S[j] += ei[j]
        scal[1] += dmin[i]
        if objective:
            di = d[i]
            for j in range(k):
                rd[j] = ei[j] * di[j]
            scal[0] += _psum(rd)
            scal[2] += dmin[i] - sigma * math.log(tot)


@nb.njit(nogil=True, cache=True)
def _group_hard(X, M, MT, center, McT, mn, c0, c1, S, T, scal, labels, amax):
    """Accumulate the Lloyd statistics of blocks ``c0:c1`` into this group's ``S``, ``T``,
    ``scal[1] = F0`` and ``labels``: each row to the first minimum of its distances (ties to
    the lowest index; :func:`_argmin_nonneg`); ``amax[0]``: the bits of the largest
    :math:`|x_{ij}|` seen."""
    n, dim = X.shape
    k = M.shape[0]
    xc, xn, d = _block_buffers(BLOCK, dim, k)
    bits = d.view(np.int64)
    for c in range(c0, c1):
        s = c * BLOCK
        b = min(BLOCK, n - s)
        _block_distances(X, s, b, M, MT, center, McT, mn, xc, xn, d, amax)
        for i in range(b):
            arg = _argmin_nonneg(bits, i)
            scal[1] += d[i, arg]
            labels[s + i] = arg
            S[arg] += 1.0
            xi = X[s + i]
            Ta = T[arg]
            for t in range(dim):
                Ta[t] += xi[t]


@nb.njit(nogil=True, cache=True)
def _group_sparse(X, M, MT, center, McT, mn, sigma, alpha, mode, c0, c1, S, T, scal, amax):
    """Accumulate the statistics of blocks ``c0:c1`` into this group's ``S``, ``T``,
    ``scal = [W, F0, -]`` for entmax-1.5, sparsemax or general ``alpha`` (``mode``);
    ``amax[0]``: the bits of the largest :math:`|x_{ij}|` seen.

    Per row: the first minimum of the distances (bits, :func:`_argmin_nonneg`); the row's
    candidates (``cand``, columns ``idx``) go into ``S`` and ``W`` at once and, when the
    support is narrow (the usual case), into ``T`` entry by entry; a wide one is written
    into a zeroed row of ``r``, and at the end of the block the wide rows go into ``T`` by
    one GEMM when they are more than a quarter of the block, else row by row."""
    n, dim = X.shape
    k = M.shape[0]
    xc, xn, d = _block_buffers(BLOCK, dim, k)
    bits = d.view(np.int64)
    r = np.zeros((BLOCK, k))
    wide = np.empty(BLOCK, dtype=np.int64)
    cand = np.empty(k)
    srt = np.empty(k)
    idx = np.empty(k, dtype=np.int64)
    tb = np.empty((k, dim))
    tau = mode == MODE_TAU
    jpow = np.empty(k if tau else 0)
    for j in range(jpow.shape[0]):
        jpow[j] = float(j + 1) ** (1.0 - alpha)
    scale = 0.5 if mode == MODE_ENTMAX15 else (alpha - 1.0 if tau else 1.0)
    # d - dmin >= cut  =>  (d - dmin)/sigma * scale >= 1 (rounded): never a candidate; with
    # a sigma near the subnormal range the cut would lose digits: no pre-filter there
    cut = (sigma / scale) * (1.0 + 2.0**-40)
    if cut < 2.0**-900:
        cut = np.inf
    for c in range(c0, c1):
        s = c * BLOCK
        b = min(BLOCK, n - s)
        n_wide = 0
        _block_distances(X, s, b, M, MT, center, McT, mn, xc, xn, d, amax)
        for i in range(b):
            di = d[i]
            dmin = di[_argmin_nonneg(bits, i)]
            scal[1] += dmin
            xi = X[s + i]
            if tau:
                m = _row_tau(di, dmin, sigma, cut, cand, idx, srt, jpow, alpha)
            else:
                m = _row_sparse(di, dmin, sigma, cut, cand, idx, srt, mode)
            w = 0.0
            for q in range(m):
                j = idx[q]
                S[j] += cand[q]
                w += cand[q] * di[j]
            scal[0] += w
            # a narrow support (the usual case) goes into T now, entry by entry; a wide one
            # into r, for the end of the block
            if 4 * m > k:
                wide[n_wide] = i
                n_wide += 1
                ri = r[i]
                for q in range(m):
                    ri[idx[q]] = cand[q]
            else:
                for q in range(m):
                    wj = cand[q]
                    j = idx[q]
                    for t in range(dim):
                        T[j, t] += wj * xi[t]
        # the wide rows: one GEMM over the block when they are many (dense responsibilities),
        # else row by row; either way r is left zeroed
        if 4 * n_wide > b:
            _gemm_accumulate(X, s, b, r, T, tb)
        for q in range(n_wide):
            i = wide[q]
            ri = r[i]
            if 4 * n_wide <= b:
                xi = X[s + i]
                for j in range(k):
                    v = ri[j]
                    if v != 0.0:
                        for t in range(dim):
                            T[j, t] += v * xi[t]
            for j in range(k):
                ri[j] = 0.0


# ----------------------------------------------------------------------------- driver


def n_groups(n: int, k: int, d: int) -> int:
    """Number of groups (accumulation slots) for ``n`` rows, ``k`` centroids, ``d`` columns.

    A function of the shapes only: at most :data:`MAX_GROUPS`, at least
    :data:`MIN_BLOCKS_PER_GROUP` blocks per group (but at least one group), and
    ``n_groups * k * (d + 1) <= SLOT_FLOATS``.

    Parameters
    ----------
    n, k, d : int
        Shapes of ``X`` (n, d) and ``M`` (k, d).

    Returns
    -------
    int
        The number of groups.

    Examples
    --------
    >>> n_groups(200_000, 64, 32), n_groups(100, 8, 2), n_groups(4096, 8, 32), n_groups(10**6, 512, 256)
    (49, 1, 1, 15)
    """
    blocks = -(-n // BLOCK)
    by_memory = max(1, SLOT_FLOATS // max(1, k * (d + 1)))
    return max(1, min(MAX_GROUPS, -(-blocks // MIN_BLOCKS_PER_GROUP), by_memory))


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_BLAS = None
_N_THREADS: int | None = None


_THREAD_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("kmrbf_threads", default=None)


@contextlib.contextmanager
def _limit_threads(n: int):
    """Run the compiled kernels called in this context on at most ``n`` threads (the results
    do not change: groups are fixed by the shapes).  For single-thread benchmarks."""
    token = _THREAD_LIMIT.set(max(1, int(n)))
    try:
        yield
    finally:
        _THREAD_LIMIT.reset(token)


def _threads() -> int:
    """Worker threads: a :func:`_limit_threads` context, else ``KMRBF_NUM_THREADS`` if set, else
    the CPU count (read once)."""
    global _N_THREADS
    limit = _THREAD_LIMIT.get()
    if limit is not None:
        return limit
    if _N_THREADS is None:
        env = os.environ.get("KMRBF_NUM_THREADS")
        _N_THREADS = max(1, int(env)) if env else max(1, os.cpu_count() or 1)
    return _N_THREADS


def _forget_pool_in_child() -> None:
    """After ``fork`` the child has a copy of the executor but none of its threads: start a
    new one on first use instead of queueing work that nobody runs."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="kmrbf")
        return _POOL


def _blas_one_thread():
    """Context manager pinning BLAS to one thread (threadpoolctl; controller made once)."""
    global _BLAS
    if _BLAS is None:
        import scipy.linalg.cython_blas  # noqa: F401 - the BLAS numba's np.dot calls
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _mode(alpha: float) -> int:
    if alpha == 1.0:
        return MODE_SOFTMAX
    if alpha == 1.5:
        return MODE_ENTMAX15
    if alpha == 2.0:
        return MODE_SPARSEMAX
    return MODE_TAU


def _slots(groups: int, size: int) -> np.ndarray:
    """Zeroed ``(groups, >= size)`` float64 accumulation slots whose rows start on 64-byte
    cache lines and fill whole lines: threads that accumulate into neighbouring groups at
    the same time never write to one line (false sharing made the second core 10-25 %
    slower when the per-row ``W``/``F0`` sums of two groups shared a line)."""
    width = -(-size // 8) * 8
    raw = np.zeros(groups * width + 8)
    off = (-raw.ctypes.data // 8) % 8
    return raw[off:off + groups * width].reshape(groups, width)


def _group_bounds(n: int, k: int, dim: int) -> list[int]:
    """First block of every group, and the number of blocks last (:func:`n_groups` groups of
    contiguous blocks, as even as whole blocks allow)."""
    groups = n_groups(n, k, dim)
    blocks = -(-n // BLOCK)
    return [blocks * g // groups for g in range(groups + 1)]


def _each(count: int, work, threads: int | None = None) -> None:
    """``work(i)`` for every ``i < count``: in the calling thread when there is one task or one
    worker, else on the pool.  Each task writes only its own outputs, so the results do not
    depend on which thread ran it."""
    workers = _threads() if threads is None else threads
    if count == 1 or workers == 1:
        for i in range(count):
            work(i)
    else:
        list(_pool().map(work, range(count)))


def _run(X: np.ndarray, M: np.ndarray, sigma: float, alpha: float, mode: int,
         threads: int | None = None, objective: bool = True, max_abs: bool = False):
    n, dim = X.shape
    k = M.shape[0]
    center = M.mean(axis=0)
    Mc = M - center
    McT = np.ascontiguousarray(Mc.T)
    MT = np.ascontiguousarray(M.T)
    mn = np.einsum("kd,kd->k", Mc, Mc)
    bounds = _group_bounds(n, k, dim)
    groups = len(bounds) - 1
    slots = _slots(groups, k * (dim + 1) + 3)
    S = slots[:, :k]
    T = slots[:, k:k * (dim + 1)].reshape(groups, k, dim)
    scal = slots[:, k * (dim + 1):k * (dim + 1) + 3]
    # max|x| only where asked for (an empty row: the kernels skip the scan)
    amax = _slots(groups, 1).view(np.int64)[:, :1] if max_abs else np.empty((groups, 0), dtype=np.int64)
    labels = np.empty(n if mode == MODE_HARD else 0, dtype=np.int64)

    def work(g: int) -> None:
        if mode == MODE_HARD:
            _group_hard(X, M, MT, center, McT, mn, bounds[g], bounds[g + 1], S[g], T[g], scal[g], labels,
                        amax[g])
            return
        if mode != MODE_SOFTMAX:
            _group_sparse(X, M, MT, center, McT, mn, sigma, alpha, mode, bounds[g], bounds[g + 1],
                          S[g], T[g], scal[g], amax[g])
            return
        lo, hi = bounds[g] * BLOCK, min(bounds[g + 1] * BLOCK, n)
        rows = min(BLOCK * SOFTMAX_BLOCKS, hi - lo)
        xc, xn, d = _block_buffers(rows, dim, k)
        z = np.empty((rows, k)) if objective else d  # W needs d; otherwise z overwrites it
        dmin = np.empty(rows)
        tb = np.empty((k, dim))
        for s in range(lo, hi, rows):
            b = min(rows, hi - s)
            _block_logits(X, s, b, M, MT, center, McT, mn, xc, xn, d, z, dmin, sigma, amax[g])
            np.exp(z[:b], out=z[:b])
            _block_softmax_normalise(b, d, z, dmin, sigma, S[g], scal[g], objective)
            # NumPy's GEMM for the transposed product (faster here than numba's np.dot)
            np.dot(z[:b].T, X[s:s + b], out=tb)
            T[g] += tb

    with _blas_one_thread():
        _each(groups, work, threads)
    # fixed-order reduction over groups
    S_tot, T_tot, scal_tot = S[0].copy(), T[0].copy(), scal[0].copy()
    for g in range(1, groups):
        S_tot += S[g]
        T_tot += T[g]
        scal_tot += scal[g]
    return S_tot, T_tot, scal_tot, labels, (float(amax.max(initial=0).view(np.float64)) if max_abs else None)


@nb.njit(nogil=True, cache=True)
def _gemm_blocks(X, MT, c0, c1, T):
    """The two GEMMs of a soft step alone over blocks ``c0:c1``: ``G = X_b M^T`` into a block
    buffer, then ``T += G^T X_b`` (benchmark floor: :func:`_blocked_gemms`)."""
    n, dim = X.shape
    k = MT.shape[1]
    g = np.empty((BLOCK, k))
    tb = np.empty((k, dim))
    for c in range(c0, c1):
        s = c * BLOCK
        b = min(BLOCK, n - s)
        np.dot(X[s:s + b], MT, g[:b])
        np.dot(g[:b].T, X[s:s + b], tb)
        T += tb


def _blocked_gemms(X: np.ndarray, M: np.ndarray, threads: int | None = None) -> np.ndarray:
    """Time floor of a fused softmax step: only its two GEMMs (:math:`X_bM^\\top`, then its
    transpose times :math:`X_b`), block by block over the groups and threads of the
    kernels, BLAS single-threaded.  (A sparse step with narrow supports needs only the
    first, and for ``D <= DIRECT_D`` the distances need no GEMM.)  Returns the summed second
    products (for the benchmark only; the numbers have no meaning)."""
    n, dim = X.shape
    k = M.shape[0]
    MT = np.ascontiguousarray(M.T)
    bounds = _group_bounds(n, k, dim)
    groups = len(bounds) - 1
    T = _slots(groups, k * dim)[:, :k * dim].reshape(groups, k, dim)
    with _blas_one_thread():
        _each(groups, lambda g: _gemm_blocks(X, MT, bounds[g], bounds[g + 1], T[g]), threads)
    return T.sum(axis=0)


def _soft_stats_compiled(X: np.ndarray, M: np.ndarray, sigma: float, alpha: float,
                         threads: int | None = None, objective: bool = True):
    r"""``(S, T, W, F0, G)`` of one soft step (``G`` is None unless ``alpha == 1``).

    ``X`` (N, D) and ``M`` (K, D) validated float64 C-contiguous NumPy arrays;
    ``alpha`` 1, 1.5, 2 or :math:`\alpha-1\ge` :data:`~kmrbf.numerics._kernels.LOG1P_ALPHA_GAP`.
    ``threads`` overrides the thread count (tests).  With ``objective=False`` the softmax
    path skips :math:`W` and :math:`G` (a log per row; a soft-centroid step does not need
    them) and returns None for both.
    """
    mode = _mode(alpha)
    S, T, scal, _, _ = _run(X, M, float(sigma), float(alpha), mode, threads, objective)
    if mode == MODE_SOFTMAX and not objective:
        return S, T, None, scal[1], None
    return S, T, scal[0], scal[1], (scal[2] if mode == MODE_SOFTMAX else None)


def _centroid_stats_compiled(X: np.ndarray, M: np.ndarray, sigma: float, alpha: float,
                             threads: int | None = None):
    r"""``(S, T, max|x_ij|)`` of one soft-centroid step: :func:`_soft_stats_compiled` without
    the objective, and the largest magnitude in ``X`` (the underflow guard's scale) from
    the same pass over ``X``."""
    S, T, _, _, amax = _run(X, M, float(sigma), float(alpha), _mode(alpha), threads, False, max_abs=True)
    return S, T, amax


#: Rows per task of :func:`_sparse_rows_compiled`.
ROWS_PER_TASK = 4096


def _sparse_rows_compiled(Z: np.ndarray, alpha: float, threads: int | None = None) -> np.ndarray:
    """entmax-1.5 (``alpha`` 1.5) or sparsemax (2) of every row of the C-contiguous float64
    logits ``Z`` (validated: no NaN or +inf, no all -inf row); rows are independent, so
    the result does not depend on the thread count."""
    mode = _mode(alpha)
    n = Z.shape[0]
    out = np.empty_like(Z)
    starts = range(0, n, ROWS_PER_TASK)
    _each(len(starts), lambda t: _rows_sparse(Z, starts[t], min(starts[t] + ROWS_PER_TASK, n), mode, out),
          threads)
    return out


#: The bits of +inf; a double's magnitude bits above it are a NaN.
INF_BITS = 0x7FF0000000000000


@nb.njit(nogil=True, cache=True)
def _extreme_keys(bits, lo, hi, out):
    """Order keys of ``max`` and ``min`` of the doubles ``bits[lo:hi]`` (int64 view), and
    whether one is a NaN, into ``out``.  The key ``b ^ ((b >> 63) & ABS_MASK)`` orders as
    the values (negative doubles have their magnitude bits flipped), so both reductions
    are integer ones, which vectorise; the key maps back by the same formula."""
    part = bits[lo:hi]  # loop from 0: no negative-index wrap-around, so the loop vectorises
    kmax = -(1 << 63)
    kmin = (1 << 63) - 1
    amax = 0
    for i in range(part.shape[0]):
        b = part[i]
        key = b ^ ((b >> 63) & ABS_MASK)
        kmax = key if key > kmax else kmax
        kmin = key if key < kmin else kmin
        a = b & ABS_MASK
        amax = a if a > amax else amax
    out[0] = kmax
    out[1] = kmin
    out[2] = amax > INF_BITS


#: Entries per task of :func:`_extremes_compiled` at least (below, one call in the calling
#: thread: a task costs more to hand to the pool than a quarter million entries take).
EXTREMES_PER_TASK = 1 << 18


def _extremes_compiled(x: np.ndarray) -> tuple[float, float]:
    """``(max x, min x)`` of a non-empty C-contiguous float64 array, NaN when ``x`` holds one
    (as NumPy's reductions propagate it), on the worker threads; exact, so independent of
    how the work is split."""
    bits = x.reshape(-1).view(np.int64)
    n = bits.shape[0]
    tasks = max(1, min(_threads(), n // EXTREMES_PER_TASK))
    out = np.empty((tasks, 3), dtype=np.int64)
    cuts = [n * t // tasks for t in range(tasks + 1)]
    _each(tasks, lambda t: _extreme_keys(bits, cuts[t], cuts[t + 1], out[t]))
    if out[:, 2].any():
        return math.nan, math.nan
    keys = np.array([out[:, 0].max(), out[:, 1].min()], dtype=np.int64)
    vals = (keys ^ ((keys >> 63) & ABS_MASK)).view(np.float64)
    return float(vals[0]), float(vals[1])


def _hard_stats_compiled(X: np.ndarray, M: np.ndarray, threads: int | None = None):
    """``(S, T, labels, F0)`` of one Lloyd step (ties to the lowest index)."""
    S, T, scal, labels, _ = _run(X, M, 1.0, 1.0, MODE_HARD, threads)
    return S, T, labels, scal[1]
