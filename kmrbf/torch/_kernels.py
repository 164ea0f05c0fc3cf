r"""The private kernel layer of :mod:`kmrbf.torch`: entmax maps, their exact backward, distances.

Kernels assume valid input (the public functions of :mod:`kmrbf.torch.functional` and
:class:`kmrbf.torch.RBFClustering` validate at the door), work along the **last** axis,
compute in the dtype and on the device of their input and never synchronise with the
device, except :func:`_sq_distances`, which gathers the entries it recomputes.

Probability maps (Peters et al. 2019, SPEC §1)
-----------------------------------------------
:math:`\operatorname{entmax}_\alpha(z)=\arg\max_{p\in\Delta}\,p^\top z+H^T_\alpha(p)`, with closed
form :math:`p_j=[(\alpha-1)z_j-\tau]_+^{1/(\alpha-1)}` and :math:`\tau` fixed by :math:`\sum_jp_j=1`:

* :math:`\alpha=1`: the max-shifted softmax (:func:`torch.softmax`);
* :math:`\alpha=1.5`: the exact sort-based threshold (:func:`_entmax15`), :math:`p=b^2`,
  :math:`b=[z/2-\tau]_+` after shifting :math:`\max z` to 0;
* :math:`\alpha=2`: sparsemax by sorting (:func:`_sparsemax`);
* other :math:`\alpha>1`: bisection on :math:`\tau` (:func:`_entmax_bisect`), or, for
  :math:`\alpha-1<1/8`, on :math:`\lambda` with :math:`\tau=-1-(\alpha-1)\lambda` in log1p form,
  whose error stays :math:`O(u)` as :math:`\alpha\to1`.  The number of halvings is fixed by
  the dtype (:func:`_bisect_steps`), so no loop asks the device whether it has converged.

The algorithms are those of :mod:`kmrbf.numerics` (``numerics/_kernels.py``), written in torch
so that they keep the input dtype and device.

Exact gradient (:class:`_EntmaxFunction`)
-----------------------------------------
On the support :math:`S=\{j:p_j>0\}` the Jacobian is

.. math::

    \frac{\partial p}{\partial z} = \operatorname{diag}(s) - \frac{s s^\top}{\sum_j s_j},
    \qquad s_j = p_j^{2-\alpha}\ (j\in S),\quad s_j = 0\ (j\notin S),

so :math:`s=p` for softmax, :math:`s=\sqrt p` for entmax-1.5 and :math:`s=\mathbf 1_S` for
sparsemax.  The vector-Jacobian product :math:`J^\top g = s\odot g - s\,(s^\top g)/\sum s`
costs :math:`O(K)` per row.  It is the derivative wherever the support is locally constant
(no entry sits exactly at the threshold), which includes ties between supported entries,
one-hot rows and :math:`-\infty` logits.
"""

from __future__ import annotations

import math

import torch
from torch.autograd.function import once_differentiable

__all__: list[str] = []  # nothing public: a private layer, imported by name

#: ``alpha - 1`` below which :func:`_entmax_bisect` bisects on :math:`\lambda` (log1p form);
#: the same switch as ``kmrbf.numerics`` (``LOG1P_ALPHA_GAP``).
LOG1P_ALPHA_GAP = 0.125

#: Entries with ``d_hat <= RECOMPUTE_FRACTION * (|z-c|^2 + |mu-c|^2)`` are recomputed directly
#: (the cancellation guard of ``kmrbf.numerics.distances``).
RECOMPUTE_FRACTION = 0.125


# ---------------------------------------------------------------------------------------
# forward maps (last axis, input dtype and device, no autograd needed)


def _shift(z: torch.Tensor) -> torch.Tensor:
    """``z - max(z)`` along the last axis; rows whose max is not finite are shifted by 0."""
    m = z.amax(dim=-1, keepdim=True)
    return z - torch.where(torch.isfinite(m), m, torch.zeros_like(m))


def _support(xs: torch.Tensor, x: torch.Tensor, ok: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Support mask ``x >= x_(size)`` and its size from the sort rule ``ok`` (counted, at least 1)."""
    size = ok.sum(dim=-1, keepdim=True).clamp_min(1)
    kth = xs.gather(-1, size - 1)
    return x >= kth, size.to(x.dtype)


def _entmax15(z: torch.Tensor) -> torch.Tensor:
    r"""Exact entmax-1.5 on the last axis by sorting.

    With :math:`x=(z-\max z)/2` (clamped at ``-2``: entries with :math:`x\le-1` are never in
    the support) the support size is the number of ``k`` with :math:`\tau_k\le x_{(k)}`,
    :math:`\tau_k=\bar x_k-\sqrt{(1-k\,\mathrm{var}_k)/k}` over the ``k`` largest; :math:`\tau` is
    then recomputed on the support from centred moments and :math:`p=[x-\tau]_+^2/\sum[x-\tau]_+^2`.
    """
    x = (_shift(z) / 2.0).clamp_min(-2.0)
    k = x.shape[-1]
    xs = torch.sort(x, dim=-1, descending=True).values
    ks = torch.arange(1, k + 1, dtype=x.dtype, device=x.device)
    mean = xs.cumsum(-1) / ks
    ss = ks * ((xs * xs).cumsum(-1) / ks - mean * mean)
    tau_k = mean - ((1.0 - ss) / ks).clamp_min(0.0).sqrt()
    mask, size = _support(xs, x, tau_k <= xs)
    mean = torch.where(mask, x, 0.0).sum(-1, keepdim=True) / size
    dev = torch.where(mask, x - mean, 0.0)
    tau = mean - (1.0 / size - (dev * dev).sum(-1, keepdim=True) / size).clamp_min(0.0).sqrt()
    b = torch.where(mask, (x - tau).clamp_min(0.0), 0.0)
    p = b * b
    return p / p.sum(-1, keepdim=True)


def _sparsemax(z: torch.Tensor) -> torch.Tensor:
    r"""Exact sparsemax on the last axis by sorting: :math:`p=[x-\tau]_+`, :math:`x=z-\max z`.

    Support size: the number of ``k`` with :math:`x_{(k)}>(\sum_{j\le k}x_{(j)}-1)/k`
    (Martins & Astudillo 2016); ``x`` clamped at ``-2`` (:math:`\tau\ge-1`).
    """
    x = _shift(z).clamp_min(-2.0)
    k = x.shape[-1]
    xs = torch.sort(x, dim=-1, descending=True).values
    ks = torch.arange(1, k + 1, dtype=x.dtype, device=x.device)
    mask, size = _support(xs, x, xs > (xs.cumsum(-1) - 1.0) / ks)
    tau = (torch.where(mask, x, 0.0).sum(-1, keepdim=True) - 1.0) / size
    p = torch.where(mask, (x - tau).clamp_min(0.0), 0.0)
    return p / p.sum(-1, keepdim=True)


def _bisect_steps(dtype: torch.dtype, width_bits: float) -> int:
    """Halvings that shrink a bracket ``2**width_bits`` times wider than the root's magnitude below
    one ulp of the root: mantissa bits + 3 + ``ceil(width_bits)``."""
    return round(-math.log2(torch.finfo(dtype).eps)) + 3 + max(0, math.ceil(width_bits))


def _entmax_bisect(z: torch.Tensor, alpha: float) -> torch.Tensor:
    r"""entmax-:math:`\alpha`, :math:`\alpha>1`, on the last axis by bisection.

    :math:`\alpha-1\ge` :data:`LOG1P_ALPHA_GAP`: :math:`x=(\alpha-1)(z-\max z)` (clamped at
    ``-2``), :math:`\tau\in[-1,-K^{-(\alpha-1)}]`, :math:`f(\tau)=\sum_j[x_j-\tau]_+^{1/(\alpha-1)}-1`
    decreasing; :math:`|\tau|\ge K^{-(\alpha-1)}`, so :math:`t+3+\lceil(\alpha-1)\log_2K\rceil`
    halvings (:math:`t` mantissa bits: 52 for float64, 23 for float32) bring the bracket of
    width below 1 under one ulp of :math:`\tau`.  Below the switch:
    :math:`\tau=-1-\varepsilon\lambda`, :math:`\varepsilon=\alpha-1`, :math:`y=z-\max z`,
    :math:`p_j=\exp(\operatorname{log1p}(\varepsilon(y_j+\lambda))/\varepsilon)`,
    :math:`\lambda\in[-\log K,0]` bisected to an absolute width below :math:`u`.
    The weights are taken at the lower end of the bracket and normalised.
    """
    am1 = alpha - 1.0
    k = z.shape[-1]
    if am1 >= LOG1P_ALPHA_GAP:
        x = (_shift(z) * am1).clamp_min(-2.0)
        lo = torch.full_like(x[..., :1], -1.0)
        hi = torch.full_like(x[..., :1], -(float(k) ** -am1))

        def weights(t: torch.Tensor) -> torch.Tensor:
            return (x - t).clamp_min(0.0).pow(1.0 / am1)

        steps = _bisect_steps(z.dtype, am1 * math.log2(k))
        decreasing = True
    else:
        y = _shift(z).clamp_min(-2.0 / am1)
        lo = torch.full_like(y[..., :1], -math.log(k))
        hi = torch.zeros_like(y[..., :1])

        def weights(t: torch.Tensor) -> torch.Tensor:
            return torch.log1p((am1 * (y + t)).clamp_min(-1.0)).div(y.new_full((), am1)).exp()

        steps = _bisect_steps(z.dtype, math.log2(math.log(k))) if k > 1 else 0
        decreasing = False
    for _ in range(steps):
        mid = lo + (hi - lo) / 2.0
        excess = weights(mid).sum(-1, keepdim=True) - 1.0
        up = excess >= 0.0 if decreasing else excess <= 0.0  # the root lies above mid
        lo = torch.where(up, mid, lo)
        hi = torch.where(up, hi, mid)
    p = weights(lo)
    return p / p.sum(-1, keepdim=True)


def _entmax_forward(z: torch.Tensor, alpha: float) -> torch.Tensor:
    """Dispatch on ``alpha``: softmax, entmax-1.5, sparsemax, else bisection (last axis)."""
    if alpha == 1.0:
        return torch.softmax(z, dim=-1)
    if alpha == 1.5:
        return _entmax15(z)
    if alpha == 2.0:
        return _sparsemax(z)
    return _entmax_bisect(z, alpha)


def _support_weights(p: torch.Tensor, alpha: float) -> torch.Tensor:
    r""":math:`s=p^{2-\alpha}` on the support, 0 off it (``p``, ``sqrt(p)``, the indicator)."""
    if alpha == 1.0:
        return p
    if alpha == 1.5:
        return p.sqrt()
    if alpha == 2.0:
        return (p > 0).to(p.dtype)
    return torch.where(p > 0, p.pow(2.0 - alpha), 0.0)


def _entmax_vjp(p: torch.Tensor, g: torch.Tensor, alpha: float) -> torch.Tensor:
    r""":math:`J^\top g=s\odot g-s\,(s^\top g)/\sum s` on the last axis (the Jacobian is symmetric)."""
    s = _support_weights(p, alpha)
    sg = s * g
    return sg - s * (sg.sum(-1, keepdim=True) / s.sum(-1, keepdim=True))


class _EntmaxFunction(torch.autograd.Function):
    """entmax-alpha on the last axis with the closed-form backward (once differentiable)."""

    @staticmethod
    def forward(ctx, z: torch.Tensor, alpha: float) -> torch.Tensor:
        p = _entmax_forward(z, alpha)
        ctx.alpha = alpha
        ctx.save_for_backward(p)
        return p

    @staticmethod
    @once_differentiable
    def backward(ctx, g: torch.Tensor) -> tuple[torch.Tensor, None]:
        (p,) = ctx.saved_tensors
        return _entmax_vjp(p, g, ctx.alpha), None


def _entmax(z: torch.Tensor, alpha: float) -> torch.Tensor:
    """Differentiable entmax-alpha on the last axis."""
    return _EntmaxFunction.apply(z, alpha)


# ---------------------------------------------------------------------------------------
# squared distances


def _sq_distances(z: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    r"""Squared distances :math:`d_{ik}=\lVert z_i-\mu_k\rVert^2` of ``z`` (N, D) to ``m`` (K, D).

    GEMM on data centred at :math:`c=\operatorname{mean}_k\mu_k` (held constant: :math:`d` does
    not depend on :math:`c`, so the gradient is exact),
    :math:`\hat d=\lVert z-c\rVert^2+\lVert\mu-c\rVert^2-2(z-c)^\top(\mu-c)` clamped at 0;
    entries with :math:`\hat d\le(\lVert z-c\rVert^2+\lVert\mu-c\rVert^2)/8`, where cancellation
    could cost more than a few ulps, are recomputed from the original coordinates as
    :math:`\sum_j(z_{ij}-\mu_{kj})^2`; every entry then has relative error at most
    :math:`16\gamma_{D+2}+9u` to first order (the bound of ``kmrbf.numerics.distances``).
    Differentiable by autograd (:math:`\partial d_{ik}/\partial z_i=2(z_i-\mu_k)`).
    """
    c = m.detach().mean(dim=0)
    zc = z - c
    mc = m - c
    scale = (zc * zc).sum(1)[:, None] + (mc * mc).sum(1)[None, :]
    d = (scale - 2.0 * (zc @ mc.T)).clamp_min(0.0)
    rows, cols = torch.nonzero(d.detach() <= RECOMPUTE_FRACTION * scale.detach(), as_tuple=True)
    if rows.numel():
        diff = z[rows] - m[cols]  # the original coordinates: exact zeros for coincident points
        d = d.index_put((rows, cols), (diff * diff).sum(1))
    return d


def _gap_logits(d: torch.Tensor, sigma: float) -> torch.Tensor:
    r"""Gap-first logits :math:`-(d_{ik}-\min_jd_{ij})/\sigma`: the best entry of a row is exactly 0.

    The row minimum is held constant (entmax is shift invariant, :math:`J\mathbf 1=0`, so
    its gradient contribution is exactly zero).  :math:`\sigma` divides as a 0-d tensor on
    ``d``'s device: torch's CUDA kernels divide by a host scalar as a product with its
    rounded reciprocal, NaN for a subnormal :math:`\sigma`
    (:func:`kmrbf.numerics._kernels._over`).
    """
    return -(d - d.detach().amin(dim=-1, keepdim=True)) / d.new_full((), sigma)
