"""Tests of kmrbf.torch._kernels: the torch entmax maps against kmrbf.numerics, the closed-form
backward against autograd through the threshold formula, the guarded distances.

Tolerances: tests/torch/conftest.py (first-order rounding bounds, summed over the two
implementations compared).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="kmrbf.torch needs PyTorch: pip install 'kmrbf[torch]'")

import kmrbf.numerics as nx  # noqa: E402
from kmrbf.torch import _kernels as K  # noqa: E402

ALPHAS_LIPSCHITZ = (1.0, 1.001, 1.05, 1.25, 1.5, 1.75, 2.0)  # 1 <= alpha <= 2: |J|_inf <= 2


def numerics_map(z: np.ndarray, alpha: float) -> np.ndarray:
    if alpha == 1.0:
        return nx.softmax(z)
    if alpha == 1.5:
        return nx.entmax15(z)
    if alpha == 2.0:
        return nx.sparsemax(z)
    return nx.entmax_bisect(z, alpha)


def random_logits(seed: int, rows: int = 40, k: int = 7, dtype=np.float64) -> np.ndarray:
    """Rows of mixed scales (0.1 .. 100) with about 10 % -inf entries (never a whole row)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, k)) * rng.choice([0.1, 1.0, 10.0, 100.0], size=(rows, 1))
    z[rng.random(z.shape) < 0.1] = -np.inf
    z[:, 0] = np.where(np.isinf(z).all(axis=1), 0.0, z[:, 0])
    return z.astype(dtype)


@pytest.mark.parametrize("alpha", ALPHAS_LIPSCHITZ)
@pytest.mark.parametrize("seed", range(3))
def test_maps_agree_with_numerics_float64(alpha, seed, bounds):
    z = random_logits(seed)
    got = K._entmax_forward(torch.from_numpy(z), alpha).numpy()
    ref = numerics_map(z, alpha)
    tol = 2 * bounds.map_rounding(z.shape[1], alpha, bounds.U64)
    assert np.abs(got - ref).max() <= tol
    assert (got[np.isneginf(z)] == 0).all()


@pytest.mark.parametrize("seed", range(3))
def test_entmax3_agrees_with_numerics(seed, bounds):
    """alpha = 3 (p = b^(1/2)) is only Hoelder-1/2 in the threshold: each implementation's tau is
    within (4K + 6)u of the root (bisection bound of map_rounding with beta = 1/2), so
    |dp| <= sqrt(2 (4K+6) u) per implementation, plus the normalisation."""
    z = random_logits(seed)
    k = z.shape[1]
    got = K._entmax_forward(torch.from_numpy(z), 3.0).numpy()
    tol = 2 * (math.sqrt(2 * (4 * k + 6) * bounds.U64) + bounds.map_rounding(k, 3.0, bounds.U64))
    assert np.abs(got - nx.entmax_bisect(z, 3.0)).max() <= tol


@pytest.mark.parametrize("alpha", ALPHAS_LIPSCHITZ)
def test_maps_keep_float32(alpha, bounds):
    """float32 in, float32 out, within the float32 bound of the float64 answer on the same logits."""
    z32 = random_logits(7, dtype=np.float32)
    got = K._entmax_forward(torch.from_numpy(z32), alpha)
    assert got.dtype == torch.float32
    k = z32.shape[1]
    tol = bounds.map_rounding(k, alpha, bounds.U32) + bounds.map_rounding(k, alpha, bounds.U64)
    assert np.abs(got.numpy() - numerics_map(z32.astype(np.float64), alpha)).max() <= tol


@pytest.mark.parametrize("alpha, lam_form", [(1.05, True), (1.124, True), (1.125, False), (3.0, False)])
def test_bisection_switch_and_steps(alpha, lam_form):
    """The log1p (lambda) form is used below alpha - 1 = 1/8 and the fixed number of halvings
    reaches one ulp of the root: bisecting further moves nothing."""
    assert (alpha - 1.0 < K.LOG1P_ALPHA_GAP) is lam_form
    z = torch.from_numpy(random_logits(3))
    p = K._entmax_bisect(z, alpha)
    assert torch.allclose(p.sum(-1), torch.ones(len(z), dtype=z.dtype), rtol=0, atol=64 * 2.0**-53)
    steps = K._bisect_steps(torch.float64, (alpha - 1) * math.log2(z.shape[1]))
    assert steps >= 53 + 3
    # one more step changes the result by at most rounding: compare with numerics, which
    # bisects until the bracket is two adjacent floats
    assert torch.allclose(p, torch.from_numpy(nx.entmax_bisect(z.numpy(), alpha)), rtol=0, atol=1e-12)


def support_fixed_entmax(z: torch.Tensor, alpha: float) -> torch.Tensor:
    """entmax-1.5 / sparsemax by the threshold formula on a *given* support (that of the forward),
    differentiable by autograd: an independent way to the exact Jacobian."""
    with torch.no_grad():
        mask = K._entmax_forward(z, alpha) > 0
    size = mask.sum(-1, keepdim=True).to(z.dtype)
    if alpha == 2.0:
        x = z - z.detach().amax(-1, keepdim=True)
        tau = (torch.where(mask, x, 0.0).sum(-1, keepdim=True) - 1.0) / size
        return torch.where(mask, x - tau, 0.0)
    x = (z - z.detach().amax(-1, keepdim=True)) / 2.0
    mean = torch.where(mask, x, 0.0).sum(-1, keepdim=True) / size
    var = (torch.where(mask, x - mean, 0.0) ** 2).sum(-1, keepdim=True) / size
    tau = mean - torch.sqrt(1.0 / size - var)
    return torch.where(mask, x - tau, 0.0) ** 2


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0])
@pytest.mark.parametrize("seed", range(3))
def test_backward_equals_autograd_through_the_threshold(alpha, seed, bounds):
    """J^T g from s = p^(2-alpha) equals autograd of softmax / the support-fixed threshold formula.

    Tolerance: the two differ by the rounding of p (map_rounding each) passed through s: for
    alpha = 1.5, |d sqrt p| <= dp / (2 sqrt p_min) on the support (p_min >= 1e-4 is asserted);
    J^T g has K terms of s g and s (s^T g)/sum s: 4 K max|ds| max|g|, doubled."""
    gen = torch.Generator().manual_seed(seed)
    z = (torch.randn(6, 5, generator=gen, dtype=torch.float64) * 2).requires_grad_()
    g = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    (gz,) = torch.autograd.grad(K._entmax(z, alpha), z, g)
    ref = torch.softmax(z, -1) if alpha == 1.0 else support_fixed_entmax(z, alpha)
    (gref,) = torch.autograd.grad(ref, z, g)
    p = ref.detach()
    p_min = p[p > 0].min().item()
    assert alpha != 1.5 or p_min >= 1e-4  # keeps the bound below meaningful
    dp = bounds.map_rounding(5, alpha, bounds.U64)
    ds = dp / (2 * math.sqrt(p_min)) if alpha == 1.5 else dp
    tol = 2 * 4 * 5 * ds * g.abs().max().item()
    assert (gz - gref).abs().max().item() <= tol


@pytest.mark.parametrize("offset", [0.0, 1e3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sq_distances_match_numerics(offset, dtype, bounds):
    """Relative error <= dist_rel per entry (numerics/distances.py), against numerics in float64
    on the same (exactly upcast) inputs; coincident points give exact zeros."""
    X, M = bounds.blobs(0, n=50, k=4, dim=3, offset=offset, dtype=dtype)
    X[:4] = M  # coincident points
    X[4:8] = M + np.asarray(1e-3, dtype=dtype)  # nearly coincident, far from the origin
    got = K._sq_distances(torch.from_numpy(X), torch.from_numpy(M))
    assert got.dtype == torch.from_numpy(X).dtype
    ref = nx.sq_distances(X.astype(np.float64), M.astype(np.float64))
    u = bounds.unit_roundoff(dtype)
    tol = (bounds.dist_rel(3, u) + bounds.dist_rel(3, bounds.U64)) * ref
    assert (np.abs(got.numpy() - ref) <= tol).all()
    assert (got.numpy()[np.arange(4), np.arange(4)] == 0).all()


def test_gap_logits_best_entry_is_exactly_zero():
    d = torch.tensor([[3.0, 1e30, 3.0 + 1e-12], [7.0, 5.0, 6.0]], dtype=torch.float64)
    z = K._gap_logits(d, 1e-300)
    assert (z.amax(-1) == 0).all()
    assert z[0, 1] == -math.inf and z[1, 0] == -(2.0 / 1e-300)  # 1e30 / 1e-300 overflows, 2 / 1e-300 does not
