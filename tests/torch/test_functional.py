"""Tests of kmrbf.torch.functional: exact gradients (gradcheck in float64), agreement with
kmrbf.numerics, float32, shapes and errors.

gradcheck compares the analytical gradient with central differences (``eps = 1e-6``); it
is meaningful where the entmax support does not change within the perturbation, so every
instance is first checked to keep its support under logit perturbations 100 times larger
(fixture ``support_stable``, tests/torch/conftest.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="kmrbf.torch needs PyTorch: pip install 'kmrbf[torch]'")

import kmrbf.numerics as nx  # noqa: E402
from kmrbf.torch import centroid_loss, entmax, responsibilities, sq_distances  # noqa: E402

F64 = torch.float64
ALPHAS = (1.0, 1.05, 1.25, 1.5, 2.0, 3.0)


def logit_cases(alpha: float) -> dict[str, torch.Tensor]:
    gap = 800.0 if alpha == 1.0 else 2.0 / (alpha - 1.0) + 1.0  # exactly one-hot beyond 1/(alpha-1)
    gen = torch.Generator().manual_seed(0)
    return {
        "random": torch.randn(3, 5, generator=gen, dtype=F64) * 2,
        "ties": torch.tensor([[1.0, 1.0, 0.3, -0.5, 1.0], [0.0] * 5, [2.0, 2.0, -3.0, -3.0, 0.5]], dtype=F64),
        "one-hot": torch.tensor([[0.0, -gap, -gap - 1, -2 * gap, -gap - 0.5]], dtype=F64),
        "-inf": torch.tensor([[0.2, -math.inf, 0.1, -math.inf, -0.3],
                              [-math.inf, 1.0, -math.inf, -math.inf, -math.inf]], dtype=F64),
    }


@pytest.mark.parametrize("case", ["random", "ties", "one-hot", "-inf"])
@pytest.mark.parametrize("alpha", ALPHAS)
def test_entmax_gradcheck(alpha, case, support_stable):
    z = logit_cases(alpha)[case]
    support_stable(z, alpha, 1e-4)
    p = entmax(z, alpha).detach()
    if case == "one-hot":
        assert ((p == 0) | (p == 1)).all()
    if case == "-inf":
        assert (p[torch.isinf(z)] == 0).all()
    assert torch.autograd.gradcheck(lambda t: entmax(t, alpha), (z.requires_grad_(),))


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
def test_entmax_along_another_dim(alpha):
    z = torch.randn(4, 3, 5, generator=torch.Generator().manual_seed(1), dtype=F64)
    assert torch.equal(entmax(z, alpha, dim=1), entmax(z.transpose(1, 2), alpha).transpose(1, 2))
    assert torch.equal(entmax(z, alpha, dim=-1), entmax(z, alpha, dim=2))


def instance(case: str, alpha: float):
    """(z, centroids, sigma) for the gradient tests: N = 6 points, K = 3 centroids in 2-D."""
    gen = torch.Generator().manual_seed(2)
    M = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]], dtype=F64)
    z = torch.randn(6, 2, generator=gen, dtype=F64) + torch.tensor([1.0, 1.0], dtype=F64)
    sigma = 2.0
    if case == "ties":  # equidistant from two centroids, and on a centroid
        z[0] = (M[0] + M[1]) / 2
        z[1] = torch.tensor([1.5, 1.5], dtype=F64)  # equidistant from all three
        z[2] = M[2]
    elif case == "far":  # one far point: exactly one-hot (entmax) / underflowing (softmax); farther
        # than 1e2 the loss (~d) rounds by ulp(d) / 2e-6 > 1e-5 in gradcheck's finite differences
        z[0] = torch.tensor([1e2, 0.5], dtype=F64)
        sigma = 0.05
    elif case == "overflow":  # (d - d_min)/sigma overflows to -inf: one-hot rows
        sigma = 1e-300
    return z, M, sigma


CASES = ["random", "ties", "far", "overflow"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("alpha", [1.0, 1.25, 1.5, 2.0])
def test_responsibilities_and_loss_gradcheck(alpha, case, support_stable):
    z, M, sigma = instance(case, alpha)
    logits = -(sq_distances(z, M) - sq_distances(z, M).amin(-1, keepdim=True)) / sigma
    # a coordinate step of 1e-6 moves a logit of row i by <= 2 max_k |z_i - mu_k| 1e-6 / sigma
    h = 100 * 2 * (z[:, None, :] - M[None]).norm(dim=-1).amax(-1, keepdim=True) * 1e-6 / sigma
    support_stable(logits, alpha, h.clamp_max(1e3))
    r = responsibilities(z, M, sigma, alpha=alpha)
    one_hot = ((r == 0) | (r == 1)).all(-1)
    if case in ("far", "overflow"):  # the case tests what it says
        assert one_hot[0] if case == "far" else one_hot.all()
    if case == "ties":
        assert (r[1] == r[1, 0]).all()
    inputs = (z.clone().requires_grad_(), M.clone().requires_grad_())
    assert torch.autograd.gradcheck(lambda a, b: responsibilities(a, b, sigma, alpha=alpha), inputs)
    for reduction in ("sum", "none"):
        assert torch.autograd.gradcheck(
            lambda a, b: centroid_loss(a, b, sigma, alpha=alpha, reduction=reduction), inputs)


def test_gradient_finite_on_a_centroid():
    """d = 0 has gradient 2(z - mu) = 0 (no square root as in cdist): finite everywhere."""
    M = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=F64, requires_grad=True)
    z = torch.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=F64, requires_grad=True)
    centroid_loss(z, M, 0.1, alpha=1.0).backward()
    assert torch.isfinite(z.grad).all() and torch.isfinite(M.grad).all()


@pytest.mark.parametrize("alpha", [1.0, 1.05, 1.25, 1.5, 2.0])
@pytest.mark.parametrize("sigma", [0.3, 3.0, 30.0])
@pytest.mark.parametrize("seed, offset", [(0, 0.0), (1, 0.0), (2, 100.0)])
def test_agrees_with_numerics(alpha, sigma, seed, offset, bounds):
    X, M = bounds.blobs(seed, offset=offset)
    got = responsibilities(torch.from_numpy(X), torch.from_numpy(M), sigma, alpha=alpha).numpy()
    ref = nx.responsibilities(X, M, sigma, alpha=alpha)
    d = nx.sq_distances(X, M)
    assert (np.abs(got - ref) <= 2 * bounds.resp_bound(d, sigma, alpha, X.shape[1], bounds.U64)).all()
    W = centroid_loss(torch.from_numpy(X), torch.from_numpy(M), sigma, alpha=alpha, reduction="sum").item()
    assert abs(W - float(nx.W_sigma(X, M, sigma, alpha=alpha))) <= 2 * bounds.w_bound(
        d, ref, sigma, alpha, X.shape[1], bounds.U64)


def test_reductions_and_leading_dims():
    gen = torch.Generator().manual_seed(3)
    z = torch.randn(2, 5, 3, generator=gen, dtype=F64)
    M = torch.randn(4, 3, generator=gen, dtype=F64)
    flat = z.reshape(10, 3)
    r = responsibilities(z, M, 1.0)
    assert r.shape == (2, 5, 4)
    assert torch.equal(r.reshape(10, 4), responsibilities(flat, M, 1.0))
    assert torch.equal(sq_distances(z, M).reshape(10, 4), sq_distances(flat, M))
    terms = centroid_loss(z, M, 1.0, reduction="none")
    assert terms.shape == (2, 5)
    assert torch.equal(terms.reshape(10), (responsibilities(flat, M, 1.0) * sq_distances(flat, M)).sum(-1))
    assert centroid_loss(z, M, 1.0, reduction="sum").item() == pytest.approx(terms.sum().item(), rel=1e-15)
    assert centroid_loss(z, M, 1.0).item() == pytest.approx(terms.mean().item(), rel=1e-15)


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
@pytest.mark.parametrize("offset", [0.0, 1e3])
def test_float32(alpha, offset, bounds):
    """float32 in and out; within the float32 bound of the float64 answer on the same points.
    With offset 1e3 the plain expansion |z|^2 - 2 z.mu + |mu|^2 would lose about u32 * 3e6 ~ 0.2
    in every distance; centring at the mean of the centroids and the direct recomputation of
    the entries where cancellation remains keep the bound."""
    X, M = bounds.blobs(4, offset=offset, dtype=np.float32)
    sigma = 1.0
    got = responsibilities(torch.from_numpy(X), torch.from_numpy(M), sigma, alpha=alpha)
    assert got.dtype == torch.float32
    X64, M64 = X.astype(np.float64), M.astype(np.float64)
    d = nx.sq_distances(X64, M64)
    tol = bounds.resp_bound(d, sigma, alpha, 3, bounds.U32) + bounds.resp_bound(d, sigma, alpha, 3, bounds.U64)
    assert (np.abs(got.numpy() - nx.responsibilities(X64, M64, sigma, alpha=alpha)) <= tol).all()


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
def test_float32_gap_first_at_tiny_sigma(alpha):
    """d / sigma overflows float32 (d >= 100, sigma = 1e-37): the plain logits -d/sigma would all be
    -inf (NaN responsibilities); gap-first the best entry is 0: one-hot, finite gradient."""
    z = torch.tensor([[0.0, 10.0], [30.0, 10.0], [15.0, 0.0]], requires_grad=True)
    M = torch.tensor([[30.0, 30.0], [0.0, 30.0], [30.0, 0.0]], requires_grad=True)
    d = sq_distances(z, M).detach()
    assert torch.isinf(-d / 1e-37).all()
    assert (d.sort(-1).values.diff(dim=-1)[:, 0] > 0).all()  # unique nearest centroids
    r = responsibilities(z, M, 1e-37, alpha=alpha)
    assert torch.equal(r.detach(), torch.eye(3)[d.argmin(-1)])
    centroid_loss(z, M, 1e-37, alpha=alpha).backward()
    assert torch.isfinite(z.grad).all() and torch.isfinite(M.grad).all()


def _call(fn, *args, **kwargs):
    return lambda: fn(*args, **kwargs)


Z = torch.zeros(3, 2, dtype=F64)
M2 = torch.zeros(2, 2, dtype=F64)


@pytest.mark.parametrize("call, exc, match", [
    (_call(entmax, Z, 0.5), ValueError, r"alpha must satisfy 1 <= alpha < inf; got 0.5"),
    (_call(entmax, Z, math.nan), ValueError, r"alpha must satisfy .*got nan"),
    (_call(entmax, Z, "1.5"), TypeError, r"alpha must be a real number; got '1.5'"),
    (_call(entmax, Z, 1.5, dim=2), ValueError, r"dim must be an int in \[-2, 2\) .* got 2"),
    (_call(entmax, np.zeros((2, 2)), 1.5), TypeError, r"z must be a torch.Tensor; got ndarray"),
    (_call(entmax, torch.zeros(2, 2, dtype=torch.int64)), TypeError, r"z must have a real floating dtype; got torch.int64"),
    (_call(entmax, torch.zeros(2, 0, dtype=F64)), ValueError, r"z must have .* no empty axis; got shape \(2, 0\)"),
    (_call(responsibilities, Z, M2, 0.0), ValueError, r"sigma must satisfy 0 < sigma < inf; got 0.0"),
    (_call(responsibilities, Z, M2, -1.0), ValueError, r"sigma must satisfy 0 < sigma < inf; got -1.0"),
    (_call(responsibilities, Z, M2, math.inf), ValueError, r"sigma must satisfy 0 < sigma < inf; got inf"),
    (_call(responsibilities, Z, M2, True), TypeError, r"sigma must be a real number; got True"),
    (_call(responsibilities, Z, M2, 1.0, alpha=0.9), ValueError, r"alpha must satisfy 1 <= alpha < inf; got 0.9"),
    (_call(responsibilities, torch.zeros(3, 4, dtype=F64), M2, 1.0), ValueError,
     r"z must have shape \(\.\.\., D\) with D = centroids.shape\[1\] = 2; got shape \(3, 4\)"),
    (_call(responsibilities, Z, torch.zeros(2, 2, 2, dtype=F64), 1.0), ValueError,
     r"centroids must be 2-D \(K, D\); got shape \(2, 2, 2\)"),
    (_call(responsibilities, Z.float(), M2, 1.0), TypeError,
     r"z has dtype torch.float32 but centroids have dtype torch.float64"),
    (_call(sq_distances, Z, torch.zeros(2, dtype=F64)), ValueError,
     r"centroids must have at least 2 dimension\(s\) .* got shape \(2,\)"),
    (_call(centroid_loss, Z, M2, 1.0, reduction="avg"), ValueError,
     r"reduction must be one of \('mean', 'sum', 'none'\); got 'avg'"),
])
def test_errors_name_the_parameter_and_value(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
