r"""Torch-native K-means kernels without host synchronisation inside the chunk loop.

Private kernels (no validation: ``X`` (N, D) and ``M`` (K, D) are finite float64 torch
tensors on one device, ``1 <= K <= N``, squares not overflowing; ``sigma`` a positive
float, ``alpha >= 1``, ``chunk >= 1``).  They compute what the array-API reference
kernels of :mod:`kmrbf.numerics._kernels` compute on the same tensors, per row block of
``chunk`` rows, **bit for bit** (same operations in the same order; tested):

* the guarded GEMM distances of :func:`kmrbf.numerics._kernels.iter_sq_distance_blocks`
  (centred at :math:`c=\operatorname{mean}_k\mu_k`,
  :math:`\hat d_{ik}=\lVert\tilde x_i\rVert^2+\lVert\tilde\mu_k\rVert^2-2\tilde x_i^\top\tilde\mu_k`
  clamped at 0; entries with
  :math:`\hat d_{ik}\le\frac18(\lVert\tilde x_i\rVert^2+\lVert\tilde\mu_k\rVert^2)` recomputed
  directly as :math:`\sum_j(x_{ij}-\mu_{kj})^2`);
* gap-first logits :math:`z_{ik}=-(d_{ik}-\min_jd_{ij})/\sigma` and the responsibilities
  :math:`r_{ik}` of ``alpha`` (softmax; entmax-1.5 and sparsemax by the sort rule; bisection
  for any other ``alpha``);
* :math:`S_k=\sum_ir_{ik}`, :math:`T_k=\sum_ir_{ik}x_i` (and the hard versions), and besides
  :math:`W=\sum_{ik}r_{ik}d_{ik}`, :math:`F_0=\sum_i\min_kd_{ik}`,
  :math:`G_\sigma=\sum_i[d_{i(1)}-\sigma\log\sum_ke^{-(d_{ik}-d_{i(1)})/\sigma}]`, summed in a
  fixed order of our own (within :math:`\gamma_n` of the reference's sums).

How the reference's host decisions are made on the device
---------------------------------------------------------
The reference decides on the host, once per block or per halving; on a torch tensor each
decision is a host synchronisation (on a GPU, a stall of the stream).  Here a **plan**
(:class:`Plan`) fixes every shape before the loop, the loop records on the device whether
the plan sufficed, and one host read after the loop accepts the result or reruns the pass
with a plan that suffices (tested).  The plan is taken from the first block (one host
read, before the loop), with slack; at the sizes of ``kmrbf bench --peers`` and
``--sweep`` it sufficed for every ``alpha`` measured (1, 1.5, 2, 1.25).

*Guarded recomputation.*  The reference gathers the flagged entries with ``nonzero`` (a
data-dependent shape).  Here every row recomputes ``plan.rec`` candidate entries, its
flagged ones first (``argmax`` of the flag for one candidate, ``topk`` of the flag for
more), and keeps the direct value where the entry is flagged (``torch.where``).  A row
with at most ``plan.rec`` flagged entries gets exactly the reference's distances.  Cost:
about :math:`4D` flops per candidate and row beside the GEMM's :math:`2KD` (the gather of
``M[idx]`` holds :math:`B\cdot\min(\mathrm{rec},K/D)\cdot D\le BK` floats at a time), plus
one pass over the block's flags (count, ``argmax`` / ``topk``).  Measured (N = 200 000,
K = 64, blocks of 4096 rows, two threads, a shared machine): the GEMM distances alone take
11 ms at D = 2 and 8; with one candidate per row 20 to 25 ms; at D = 2 with 11 candidates
(rows there have up to 11 flagged entries, 4 on average) 75 ms.  With ``2 rec >= K``,
``plan.rec = 0``: every entry is recomputed directly (:math:`3KD` per row, in row pieces
of at most ``chunk * K`` floats: 125 to 235 ms there, torch reduces the short last axis
slowly), and nothing can be missed.

*Entmax-1.5 and sparsemax supports.*  With :math:`x=(\alpha-1)(z-\max z)`, an entry with
:math:`x<-1` is never in the support (the threshold satisfies :math:`\tau\ge-1`), and the
reference's floating-point sort rule never counts an entry with :math:`x<-`
:data:`CANDIDATE_BOUND` (a margin of 1/2 above the rounding of its moments, which is
below :math:`10^{-3}` for :math:`K\le10^6`).  So the rule is run on the ``plan.sup``
largest entries (``topk``, sorted) instead of the sorted row: the prefix sums, the
support size and the kth value are the reference's whenever the row has at most
``plan.sup`` candidates :math:`x\ge-` :data:`CANDIDATE_BOUND`; the threshold is then
computed on the full row as in the reference.  The issue's candidate filter, without
data-dependent shapes.

*Bisection stops* (``alpha`` not 1, 1.5, 2).  The reference halves until ``lo`` and ``hi``
are adjacent floats (:math:`\tau` form) or closer than :math:`u` (log1p form) in every row
of the block.  Here ``plan.steps`` halvings run (:func:`bisection_steps`, a bound from the
bracket widths and float spacings) and the reference's test is a device flag that
**freezes** the brackets from the halving at which the reference stops; the same bits
follow.  A block unfinished after ``plan.steps`` halvings reruns the pass with twice as
many, up to the reference's cap of 2000.

*Underflowing clusters.*  :func:`_soft_centroids_torch` reads :math:`S_k` once after the
loop and runs the per-cluster shifted pass of the reference (two more loops, no
synchronisation inside) only when some cluster is below
:data:`kmrbf.numerics._kernels.UNDERFLOW_GUARD`.

Determinism
-----------
Every reduction has a fixed order: row and column sums of a block (``sum(dim=1)``,
``sum(dim=0)``: torch splits them over their outputs, never inside one output's sum; for
K = 1 the one column sum adds exact ones, the same in any order), 1-D
sums in pieces of at most :data:`SERIAL_SUM` elements (a full reduction above torch's
parallel grain of 32768 elements is split over the threads and depends on their number),
``cumsum``, ``topk`` and ``sort`` per row.  The GEMMs are MKL's (on CPU): bitwise
repeatable from run to run; invariant to the thread count on the 2-core development VM
(1 to 8 threads, inner dimension up to 200 000), but **not** on a 16-core Xeon (torch
2.11's MKL split :math:`R_b^\top X_b` over a 4000-row block by the thread count, and with it
every :math:`T`; nothing else differed: ``benchmarks/gpu/run2-threads.log``).  MKL does not
document thread-count invariance (its conditional numerical reproducibility mode is off
by default), so on the CPU only run-to-run determinism is promised.  On a GPU each
reduction is one launch whose configuration depends on the shapes only: the same bits
from run to run (tested on an H200 in blocks of 65 536 rows).

Division by :math:`\sigma` goes through :func:`kmrbf.numerics._kernels._over`: torch's CUDA
kernels divide by a host scalar as a multiplication by its rounded reciprocal, which is
NaN for a subnormal :math:`\sigma` and one more rounding otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import torch

from .._compat import array_namespace
from .._kernels import (
    _U,
    LOG1P_ALPHA_GAP,
    RECOMPUTE_FRACTION,
    UNDERFLOW_GUARD,
    _entmax_log1p_bracket,
    _entmax_tau_bracket,
    _divisor,
    _means_keep_empty,
    _over,
    _shift,
    _shifted_weights,
    _sparse_threshold_support,
)

__all__: list[str] = []  # private layer, imported by name

#: Entries with :math:`(\alpha-1)(\max z-z_j)` above this are never in an entmax-1.5 /
#: sparsemax support (mathematically above 1; the margin covers the rule's rounding).
CANDIDATE_BOUND = 1.5

#: Longest 1-D sum done as one reduction (below torch's parallel grain of 32768, so one
#: thread, one order, whatever the thread count).
SERIAL_SUM = 16384

#: The reference's cap on halvings (:func:`kmrbf.numerics._kernels._entmax_tau_base`).
MAX_HALVINGS = 2000


# ---------------------------------------------------------------------------------------
# plan and records


@dataclass(frozen=True)
class Plan:
    """Shapes fixed before a loop: ``rec`` candidates per row for the guarded recomputation
    (0: every entry), ``sup`` candidates per row for the entmax-1.5 / sparsemax support
    (``<= K``), ``steps`` halvings of a bisection."""

    rec: int
    sup: int
    steps: int


class Records:
    """What a loop saw, kept on the device: the most flagged entries of a row, the most
    support candidates of a row, and whether every bisection stopped."""

    def __init__(self, device: Any):
        self.flagged = torch.zeros((), dtype=torch.int64, device=device)
        self.cand = torch.zeros((), dtype=torch.int64, device=device)
        self.done = torch.ones((), dtype=torch.bool, device=device)

    def revise(self, plan: Plan, k: int) -> Plan | None:
        """The plan to rerun with, or None when ``plan`` sufficed (the one host read)."""
        flagged, cand, done = torch.stack([self.flagged, self.cand, self.done.to(torch.int64)]).tolist()
        new = plan
        if plan.rec and flagged > plan.rec:
            new = replace(new, rec=_rec_for(flagged, k))
        if cand > plan.sup:
            new = replace(new, sup=min(k, cand))
        if not done and plan.steps < MAX_HALVINGS:
            new = replace(new, steps=min(MAX_HALVINGS, 2 * plan.steps))
        return None if new == plan else new


def _rec_for(count: int, k: int) -> int:
    return 0 if 2 * count >= k else max(count, 1)


def bisection_steps(alpha: float, k: int) -> int:
    r"""Halvings after which the reference's bisection has stopped in every row.

    :math:`\tau` form (:math:`\alpha-1\ge` ``LOG1P_ALPHA_GAP``): the bracket
    :math:`[-1,-K^{-(\alpha-1)}]` has width below 1 and float spacing at least
    :math:`2^{-53}K^{-(\alpha-1)}` (and at least :math:`2^{-1074}`), so ``lo`` and ``hi`` are
    adjacent after :math:`53+\lceil(\alpha-1)\log_2K\rceil` halvings; log1p form: the bracket
    :math:`[-\log K,0]` is narrower than :math:`u=2^{-53}` after
    :math:`53+\lceil\log_2\log K\rceil`.  Seven halvings are added for the rounding of the
    midpoints; capped at :data:`MAX_HALVINGS`.

    >>> bisection_steps(1.25, 64), bisection_steps(1.1, 64), bisection_steps(50.0, 512)
    (62, 63, 501)
    """
    if alpha - 1.0 < LOG1P_ALPHA_GAP:
        n = 60 + math.ceil(math.log2(max(math.log(k), 1.0)))
    else:
        n = 60 + math.ceil((alpha - 1.0) * math.log2(k))
    return min(n, MAX_HALVINGS)


def _sum1d(v: torch.Tensor) -> torch.Tensor:
    """Sum of a 1-D tensor, in pieces of :data:`SERIAL_SUM` added left to right (0-d)."""
    total = v[:SERIAL_SUM].sum()
    for s in range(SERIAL_SUM, int(v.shape[0]), SERIAL_SUM):
        total = total + v[s:s + SERIAL_SUM].sum()
    return total


# ---------------------------------------------------------------------------------------
# probability maps (last axis), the reference's bits without host decisions


def _sparse_x(z: Any, xp: Any, alpha: float) -> Any:
    r""":math:`x=(\alpha-1)(z-\max z)` clamped at -2, as the reference's bases form it."""
    x = _shift(z, xp) / 2.0 if alpha == 1.5 else _shift(z, xp)
    return x.clamp_min_(-2.0)   # maximum(x, -2), in place


def _sparse_base(z: Any, xp: Any, alpha: float, sup: int, rec: Records):
    r"""The reference's ``_entmax15_base`` (``alpha = 1.5``) / ``_sparsemax_base`` (``alpha = 2``),
    the sort rule run on the ``sup`` largest entries of each row.

    Records the most candidates :math:`x\ge-` :data:`CANDIDATE_BOUND` of a row; with at most
    ``sup`` of them the support (size, kth value) is the reference's and so are the bits.
    """
    return _sparse_base_x(_sparse_x(z, xp, alpha), alpha, sup, rec)


def _sparse_base_x(x: Any, alpha: float, sup: int, rec: Records):
    """:func:`_sparse_base` from :func:`_sparse_x`'s ``x``: the reference's support rule
    (``_sparse_threshold_support``) on the ``sup`` largest entries, then its threshold on the row."""
    rec.cand = torch.maximum(rec.cand, torch.amax(torch.sum(x >= -CANDIDATE_BOUND, dim=-1)))
    xs = torch.topk(x, sup, dim=-1, sorted=True).values
    _, size = _sparse_threshold_support(xs, array_namespace(xs), "2" if alpha == 1.5 else "1")
    kth = torch.take_along_dim(xs, size.to(torch.int64) - 1, dim=-1)
    mask = x >= kth
    off = ~mask
    total = torch.sum(x.masked_fill(off, 0.0), dim=-1, keepdim=True)
    if alpha == 2.0:
        tau = (total - 1.0) / size
    else:
        mean = total / size
        dev = (x - mean).masked_fill_(off, 0.0)
        var = torch.sum(dev.mul_(dev), dim=-1, keepdim=True) / size
        rad = 1.0 / size - var
        tau = mean - torch.sqrt(torch.maximum(rad, torch.zeros_like(rad)))
    return (x - tau).clamp_min_(0.0).masked_fill_(off, 0.0)


def _freeze_bisect(lo: Any, hi: Any, steps: int, still_fn: Any, up_fn: Any, rec: Records):
    r"""``steps`` halvings of the row brackets ``[lo, hi]``, frozen from the halving at which
    the reference's host test ``any(still)`` first fails; records whether it did."""
    active = torch.ones((), dtype=torch.bool, device=lo.device)
    for _ in range(steps):
        mid = lo + (hi - lo) / 2.0
        active = active & torch.any(still_fn(lo, hi, mid))
        up = up_fn(mid)
        lo = torch.where(up & active, mid, lo)
        hi = torch.where(~up & active, mid, hi)
    mid = lo + (hi - lo) / 2.0
    rec.done = rec.done & ~(active & torch.any(still_fn(lo, hi, mid)))
    return lo


def _tau_base(z: Any, xp: Any, alpha: float, steps: int, rec: Records):
    r"""The reference's :math:`\tau`-form base :math:`[x-\tau]_+` (``_entmax_tau_base``)."""
    x, inv, zero, lo, hi = _entmax_tau_bracket(z, xp, alpha)

    def up(mid):
        p = xp.pow(xp.maximum(x - mid, zero), inv)
        return xp.sum(p, axis=-1, keepdims=True) - 1.0 >= 0.0

    lo = _freeze_bisect(lo, hi, steps, lambda lo, hi, mid: (mid > lo) & (mid < hi), up, rec)
    return xp.maximum(x - lo, zero)


def _log1p_logw(z: Any, xp: Any, alpha: float, steps: int, rec: Records):
    r"""The reference's log1p-form log-weights :math:`L` (``_entmax_log1p_logw``)."""
    logw, lo, hi = _entmax_log1p_bracket(z, xp, alpha)

    def up(mid):
        return xp.sum(xp.exp(logw(mid)), axis=-1, keepdims=True) - 1.0 <= 0.0

    lo = _freeze_bisect(lo, hi, steps, lambda lo, hi, mid: (mid > lo) & (mid < hi) & (hi - lo > _U),
                        up, rec)
    return logw(lo)


def _weight_parts(d: Any, sigma: float, alpha: float, xp: Any, plan: Plan, rec: Records):
    r"""The reference's ``_weight_parts``: ``(kind, v, nrm, beta)`` with :math:`r=\omega(v)/n`."""
    if alpha == 1.0:
        v = d - xp.min(d, axis=1, keepdims=True)
        return "gap", v, xp.sum(xp.exp(_over(-v, sigma, xp)), axis=1, keepdims=True), 1.0
    z = _over(-(d - xp.min(d, axis=1, keepdims=True)), sigma, xp)
    if alpha in (1.5, 2.0):
        b, beta = _sparse_base(z, xp, alpha, plan.sup, rec), (2.0 if alpha == 1.5 else 1.0)
    elif alpha - 1.0 < LOG1P_ALPHA_GAP:
        L = _log1p_logw(z, xp, alpha, plan.steps, rec)
        return "exp", L, xp.sum(xp.exp(L), axis=1, keepdims=True), 1.0
    else:
        b, beta = _tau_base(z, xp, alpha, plan.steps, rec), 1.0 / (alpha - 1.0)
    return "pow", b, xp.sum(xp.pow(b, beta), axis=1, keepdims=True), beta


def _probabilities(d: Any, dmin: Any, sigma: float, xp: Any, alpha: float, plan: Plan, rec: Records):
    r"""The reference's ``_probability_map(alpha)`` on the gap-first logits
    :math:`z=-(d-d_{\min})/\sigma` of a distance block, ``alpha > 1`` (``z`` freed early)."""
    z = torch.sub(d, dmin).div_(_divisor(-sigma, d, xp))
    if alpha in (1.5, 2.0):
        x = _sparse_x(z, xp, alpha)
        del z  # freed before the sort rule's buffers
        p = _sparse_base_x(x, alpha, plan.sup, rec)
        if alpha == 1.5:
            p = p * p
        return p / xp.sum(p, axis=-1, keepdims=True)
    if alpha - 1.0 < LOG1P_ALPHA_GAP:
        p = xp.exp(_log1p_logw(z, xp, alpha, plan.steps, rec))
    else:
        p = xp.pow(_tau_base(z, xp, alpha, plan.steps, rec), 1.0 / (alpha - 1.0))
    return p / xp.sum(p, axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------
# guarded distances


class Distances:
    """The reference's guarded GEMM distances of row blocks of ``X``, without host syncs
    (``rec`` candidates per row recomputed directly, 0: every entry)."""

    def __init__(self, X: torch.Tensor, M: torch.Tensor, rec: int):
        self.X, self.M, self.rec = X, M, rec
        self.k, self.dim = int(M.shape[0]), int(M.shape[1])
        self.center = torch.mean(M, dim=0)
        self.Mc = M - self.center
        self.mn = torch.sum(self.Mc * self.Mc, dim=1)

    def gemm(self, start: int, stop: int):
        """``(Xb, d_hat, bad)``: rows ``start:stop``, their clamped GEMM distances and flags."""
        Xb = self.X[start:stop, :]
        Xc = Xb - self.center
        xn = torch.sum(Xc * Xc, dim=1)
        scale = xn[:, None] + self.mn[None, :]
        d = (Xc @ self.Mc.T).mul_(-2.0).add_(scale)   # scale - 2 Xc.Mc^T (2x exact: same bits)
        d = d.clamp_min_(0.0)
        return Xb, d, d <= scale.mul_(RECOMPUTE_FRACTION)

    def block(self, start: int, stop: int, rec: Records):
        """``(Xb, d)``: the guarded distances of rows ``start:stop``, equal to the reference's
        where no row has more than ``self.rec`` flagged entries (recorded in ``rec``)."""
        Xb, d, bad = self.gemm(start, stop)
        if self.rec == 0:
            return Xb, self._all_direct(Xb, d, bad)
        rec.flagged = torch.maximum(rec.flagged, torch.amax(torch.sum(bad, dim=1)))
        flags = bad.view(torch.uint8)
        if self.rec == 1:
            idx = torch.argmax(flags, dim=1, keepdim=True)
        else:
            idx = torch.topk(flags, self.rec, dim=1, sorted=False).indices
        group = max(1, self.k // self.dim)
        for g in range(0, int(idx.shape[1]), group):
            ix = idx[:, g:g + group]
            diff = Xb[:, None, :] - self.M[ix]
            exact = torch.sum(diff * diff, dim=-1)
            d.scatter_(1, ix, torch.where(torch.gather(bad, 1, ix), exact, torch.gather(d, 1, ix)))
        return Xb, d

    def _all_direct(self, Xb, d, bad):
        rows = max(1, int(d.shape[0]) // max(self.dim, 1))
        exact = torch.empty_like(d)
        for s in range(0, int(d.shape[0]), rows):
            diff = Xb[s:s + rows, None, :] - self.M[None, :, :]
            torch.sum(diff * diff, dim=-1, out=exact[s:s + rows])
        return torch.where(bad, exact, d)


def first_plan(X: torch.Tensor, M: torch.Tensor, sigma: float, alpha: float, chunk: int) -> Plan:
    """The plan taken from the first block (one host read): its most flagged entries and
    most support candidates of a row, with half again (plus 2 candidates) as slack."""
    k = int(M.shape[0])
    _, d, bad = Distances(X, M, 0).gemm(0, min(chunk, int(X.shape[0])))
    counts = [torch.amax(torch.sum(bad, dim=1))]
    if alpha in (1.5, 2.0):
        gap = (d - torch.amin(d, dim=1, keepdim=True)) * ((alpha - 1.0) / sigma)
        # a NaN gap (0 * inf: a row's minimum when sigma is subnormal) counts as a candidate
        counts.append(torch.amax(torch.sum(~(gap > CANDIDATE_BOUND), dim=1)))
    counts = torch.stack(counts).tolist()
    rec = _rec_for(counts[0] + counts[0] // 2, k)
    sup = min(k, counts[-1] + counts[-1] // 2 + 2) if alpha in (1.5, 2.0) else k
    return Plan(rec=rec, sup=sup, steps=bisection_steps(alpha, k))


def _run(pass_fn, X: torch.Tensor, M: torch.Tensor, sigma: float, alpha: float, chunk: int,
         plan: Plan | None = None):
    """``pass_fn(plan, records)`` under a first plan, rerun until its records accept it."""
    plan = plan or first_plan(X, M, sigma, alpha, chunk)
    while True:
        rec = Records(X.device)
        out = pass_fn(plan, rec)
        plan = rec.revise(plan, int(M.shape[0]))
        if plan is None:
            return out


def _sq_distances_torch(X: torch.Tensor, M: torch.Tensor, chunk: int, plan: Plan | None = None):
    """All guarded distances (N, K), block by block as the statistics see them (testing aid)."""
    n = int(X.shape[0])

    def pass_fn(plan, rec):
        dist = Distances(X, M, plan.rec)
        return torch.cat([dist.block(s, min(s + chunk, n), rec)[1] for s in range(0, n, chunk)])

    return _run(pass_fn, X, M, 1.0, 1.0, chunk, plan)


# ---------------------------------------------------------------------------------------
# the passes (loops without host synchronisation)


def _soft_pass(X, M, sigma, alpha, chunk, plan: Plan, rec: Records, objective: bool = True):
    r"""``S, T, W, F0, G`` (``G`` None unless alpha == 1; ``W``, ``G`` None unless ``objective``)
    and :math:`\max|x_{ij}|`."""
    xp = array_namespace(X)
    n = int(X.shape[0])
    dist = Distances(X, M, plan.rec)
    S = torch.zeros_like(M[:, 0])
    T = torch.zeros_like(M)
    F0, xmax = S.new_zeros(()), S.new_zeros(())
    W = S.new_zeros(()) if objective else None
    G = S.new_zeros(()) if alpha == 1.0 and objective else None
    for start in range(0, n, chunk):
        Xb, d = dist.block(start, min(start + chunk, n), rec)
        dmin = torch.amin(d, dim=1, keepdim=True)
        if alpha != 1.0:  # logits -(d - dmin) / sigma (the same bits), formed inside
            r = _probabilities(d, dmin, sigma, xp, alpha, plan, rec)
        else:  # the reference subtracts max(z), which is exactly (+-)0 here: exp(z) directly
            e = torch.sub(d, dmin).div_(_divisor(-sigma, d, xp)).exp_()  # _over: no reciprocal on a GPU
            s = torch.sum(e, dim=1, keepdim=True)
            r = e.div_(s)
            if G is not None:
                G = G + _sum1d(dmin[:, 0] - sigma * torch.log(s[:, 0]))
        S = S + torch.sum(r, dim=0)
        T = T + r.T @ Xb
        if W is not None:
            W = W + _sum1d(torch.sum(r * d, dim=1))
        F0 = F0 + _sum1d(dmin[:, 0])
        xmax = torch.maximum(xmax, torch.amax(torch.abs(Xb)))
    return S, T, W, F0, G, xmax


def _soft_stats_torch(X: torch.Tensor, M: torch.Tensor, sigma: float, alpha: float, chunk: int,
                      objective: bool = True):
    r"""Soft statistics on torch tensors: ``(S, T, W, F0, G)``, float64 on the device of ``X``.

    :math:`S_k=\sum_ir_{ik}` (K,), :math:`T_k=\sum_ir_{ik}x_i` (K, D), :math:`W=\sum_{ik}r_{ik}d_{ik}`
    (0-d), :math:`F_0=\sum_i\min_kd_{ik}` (0-d) and, for ``alpha == 1``,
    :math:`G_\sigma=\sum_i[d_{i(1)}-\sigma\log\sum_ke^{-(d_{ik}-d_{i(1)})/\sigma}]` (0-d; it may be
    :math:`-\infty` beyond float64, where the reference's scaled path takes over), else
    ``None``.  :math:`r_{ik}` are the reference's responsibilities
    :math:`\operatorname{entmax}_\alpha(-(d_{ik}-d_{i(1)})/\sigma)` and ``S``, ``T`` the reference
    ``_soft_stats_reference``'s, bit for bit (no per-cluster shift: :func:`_soft_centroids_torch`).
    With ``objective=False``, ``W`` and ``G`` are skipped (None).  No host synchronisation
    inside the chunk loop; one host read before it, one after it.
    """
    return _run(lambda plan, rec: _soft_pass(X, M, sigma, alpha, chunk, plan, rec, objective),
                X, M, sigma, alpha, chunk)[:5]


def _shifted_pass(X, M, sigma, alpha, chunk, plan: Plan, rec: Records):
    """The reference's ``_shifted_soft_stats``: two loops (column extrema, accumulation)."""
    xp = array_namespace(X)
    n = int(X.shape[0])
    dist = Distances(X, M, plan.rec)
    ext = None
    for start in range(0, n, chunk):
        _, d = dist.block(start, min(start + chunk, n), rec)
        kind, v, _, _ = _weight_parts(d, sigma, alpha, xp, plan, rec)
        col = torch.amin(v, dim=0) if kind == "gap" else torch.amax(v, dim=0)
        ext = col if ext is None else (torch.minimum(ext, col) if kind == "gap" else torch.maximum(ext, col))
    S = torch.zeros_like(M[:, 0])
    T = torch.zeros_like(M)
    for start in range(0, n, chunk):
        Xb, d = dist.block(start, min(start + chunk, n), rec)
        kind, v, nrm, beta = _weight_parts(d, sigma, alpha, xp, plan, rec)
        w = _shifted_weights(kind, v, ext[None, :], sigma, beta, xp) / nrm
        S = S + torch.sum(w, dim=0)
        T = T + w.T @ Xb
    return S, T


def _soft_centroids_torch(X: torch.Tensor, M: torch.Tensor, sigma: float, alpha: float, chunk: int):
    r"""Soft centroids :math:`T_k/S_k` and the number of clusters kept (the reference's
    ``_soft_centroids`` on torch tensors): ``(new_M, n_empty)``.

    One pass of statistics; clusters with :math:`S_k\min(1,\max|x_{ij}|)<N\cdot`
    ``UNDERFLOW_GUARD`` take the per-cluster shifted statistics, decided by one host read
    after the loop (the shifted pass has no host sync inside its loops either).
    :math:`\max|x_{ij}|` is accumulated per block (no :math:`N\times D` temporary).
    """
    plan = first_plan(X, M, sigma, alpha, chunk)
    S, T, _, _, _, xmax = _run(lambda plan, rec: _soft_pass(X, M, sigma, alpha, chunk, plan, rec, False),
                               X, M, sigma, alpha, chunk, plan)
    scale = torch.where(xmax > 0.0, torch.clamp_max(xmax, 1.0), torch.ones_like(xmax))
    weak = S * scale < float(X.shape[0]) * UNDERFLOW_GUARD
    if bool(torch.any(weak)):
        S2, T2 = _run(lambda plan, rec: _shifted_pass(X, M, sigma, alpha, chunk, plan, rec),
                      X, M, sigma, alpha, chunk, plan)
        S = torch.where(weak, S2, S)
        T = torch.where(weak[:, None], T2, T)
    return _means_keep_empty(S, T, M, array_namespace(X))


def _hard_pass(X, M, chunk, plan: Plan, rec: Records):
    n, k = int(X.shape[0]), int(M.shape[0])
    dist = Distances(X, M, plan.rec)
    ks = torch.arange(k, device=X.device)
    S = torch.zeros_like(M[:, 0])
    T = torch.zeros_like(M)
    F0 = S.new_zeros(())
    labels = torch.empty(n, dtype=torch.int64, device=X.device)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        Xb, d = dist.block(start, stop, rec)
        dmin, lab = torch.min(d, dim=1)          # ties: the first (lowest) index
        labels[start:stop] = lab
        w = (lab[:, None] == ks[None, :]).to(X.dtype)
        S = S + torch.sum(w, dim=0)
        T = T + w.T @ Xb
        F0 = F0 + _sum1d(dmin)
    return S, T, labels, F0


def _hard_stats_torch(X: torch.Tensor, M: torch.Tensor, chunk: int):
    r"""Lloyd statistics on torch tensors: ``(S, T, labels, F0)``.

    ``labels`` (N,) int64: :math:`\arg\min_kd_{ik}`, ties to the lowest index; ``S`` (K,) the
    cell sizes and ``T`` (K, D) the cell sums (the one-hot GEMM of the reference's
    ``_hard_stats``, the same bits); ``F0`` (0-d) :math:`\sum_i\min_kd_{ik}`.  No host
    synchronisation inside the chunk loop; one host read before it, one after it.
    """
    return _run(lambda plan, rec: _hard_pass(X, M, chunk, plan, rec), X, M, 1.0, 1.0, chunk)
