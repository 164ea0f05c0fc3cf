"""Tests of kmrbf.torch.layer.RBFClustering: forward against kmrbf.numerics, exact gradients with
respect to the input and the centroid Parameter, hard assignment, training to the Lloyd fixed
point (KR §3.6/Thm 4: entmax-1.5 soft centroids are exactly M* once sigma <= Delta/2), CUDA,
float32, and errors naming the parameter and the value."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="kmrbf.torch needs PyTorch: pip install 'kmrbf[torch]'")

import kmrbf.numerics as nx  # noqa: E402
from kmrbf.torch import RBFClustering, centroid_loss, responsibilities, sq_distances  # noqa: E402

F64 = torch.float64


def layer_for(M: np.ndarray, alpha: float, sigma: float, dtype=F64) -> RBFClustering:
    return RBFClustering(M.shape[0], M.shape[1], alpha=alpha, sigma=sigma, centroids=M, dtype=dtype)


@pytest.mark.parametrize("alpha", [1.0, 1.05, 1.25, 1.5, 2.0])
@pytest.mark.parametrize("seed", range(3))
def test_forward_agrees_with_numerics(alpha, seed, bounds):
    X, M = bounds.blobs(seed, offset=10.0 * seed)
    sigma = 2.0
    layer = layer_for(M, alpha, sigma)
    got = layer(torch.from_numpy(X)).detach().numpy()
    d = nx.sq_distances(X, M)
    assert (np.abs(got - nx.responsibilities(X, M, sigma, alpha=alpha))
            <= 2 * bounds.resp_bound(d, sigma, alpha, X.shape[1], bounds.U64)).all()
    assert torch.equal(layer.distances(torch.from_numpy(X)), sq_distances(torch.from_numpy(X), layer.centroids))


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
def test_gradcheck_wrt_input_and_parameter(alpha, support_stable):
    """Through the module: torch.func.functional_call swaps the Parameter for a gradcheck input."""
    gen = torch.Generator().manual_seed(5)
    layer = RBFClustering(3, 2, alpha=alpha, sigma=1.5, dtype=F64,
                          centroids=torch.randn(3, 2, generator=gen, dtype=F64))
    z = torch.randn(7, 2, generator=gen, dtype=F64).requires_grad_()
    d = layer.distances(z).detach()
    support_stable(-(d - d.amin(-1, keepdim=True)) / 1.5, alpha, 1e-3)  # >> the logit steps of gradcheck
    c = layer.centroids.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(
        lambda a, b: torch.func.functional_call(layer, {"centroids": b}, (a,)), (z, c))


@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0])
def test_loss_method_and_gradients_match_the_function(alpha):
    gen = torch.Generator().manual_seed(6)
    layer = RBFClustering(4, 3, alpha=alpha, sigma=0.7, dtype=F64,
                          centroids=torch.randn(4, 3, generator=gen, dtype=F64))
    z = torch.randn(9, 3, generator=gen, dtype=F64, requires_grad=True)
    layer.centroid_loss(z, reduction="sum").backward()
    c = layer.centroids.detach().clone().requires_grad_()
    z2 = z.detach().clone().requires_grad_()
    centroid_loss(z2, c, 0.7, alpha=alpha, reduction="sum").backward()
    assert torch.equal(z.grad, z2.grad) and torch.equal(layer.centroids.grad, c.grad)
    assert torch.equal(layer(z).detach(), responsibilities(z.detach(), c.detach(), 0.7, alpha=alpha))


def test_predict_is_the_nearest_centroid_lowest_index_on_ties():
    # centroid mean 2: the centred coordinates and the distances below are exact
    layer = RBFClustering(4, 1, centroids=[[0.0], [2.0], [2.0], [4.0]], dtype=F64)
    z = torch.tensor([[0.4], [1.0], [1.9], [3.0], [5.0]], dtype=F64)
    assert layer.predict(z).tolist() == [0, 0, 1, 1, 3]
    assert layer.predict(z[:4].reshape(2, 2, 1)).shape == (2, 2)


def test_training_reaches_the_lloyd_fixed_point():
    """Gradient descent on the centroid loss of fixed, well separated data at sigma below half the
    margin: entmax-1.5 responsibilities are exactly one-hot (gap >= 2 sigma), the loss is the
    K-means distortion near M*, its gradient 2 sum_i (mu_k - x_i), and the centroids converge to
    the Lloyd fixed point found by kmrbf.numerics.lloyd (a contraction by |1 - 2 eta n_k| = 1/2 per
    step, 80 steps).  At the floating-point fixed point the computed gradient is zero up to its
    rounding, <= gamma(n+2) 2 n max(|x| + |mu|) per coordinate (n = 20 points per cluster; the
    centred GEMM terms are no larger), so mu is within gamma(n+2) max(|x| + |mu|) of the mean,
    and Lloyd's mean within gamma(n) max|x|: together <= 3 (n+2) u max|x| (|mu| <= max|x|)."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    X = centres[np.repeat(np.arange(3), 20)] + rng.normal(scale=0.5, size=(60, 2))
    fixed = nx.lloyd(X, centres)
    delta = float(nx.margin(X, fixed.centroids))
    layer = RBFClustering(3, 2, alpha=1.5, sigma=delta / 4, centroids=centres + 1.0, dtype=F64)
    opt = torch.optim.SGD(layer.parameters(), lr=1.0 / (4 * 20))  # contraction 1/2 per step
    x = torch.from_numpy(X)
    for _ in range(80):
        opt.zero_grad()
        layer.centroid_loss(x, reduction="sum").backward()
        opt.step()
    r = layer(x).detach()
    assert ((r == 0) | (r == 1)).all()
    assert np.abs(layer.centroids.detach().numpy() - fixed.centroids).max() <= 3 * 22 * 2.0**-53 * np.abs(X).max()


def test_sigma_and_alpha_can_be_reassigned_and_are_validated():
    layer = RBFClustering(2, 2)
    layer.sigma = 0.25
    layer.alpha = 2
    assert (layer.sigma, layer.alpha) == (0.25, 2.0)
    assert "alpha=2.0, sigma=0.25" in repr(layer)
    with pytest.raises(ValueError, match=r"sigma must satisfy 0 < sigma < inf; got -1.0"):
        layer.sigma = -1.0
    with pytest.raises(ValueError, match=r"alpha must satisfy 1 <= alpha < inf; got 0.0"):
        layer.alpha = 0
    assert (layer.sigma, layer.alpha) == (0.25, 2.0)


def test_state_dict_round_trip_and_dtype_conversion():
    layer = RBFClustering(3, 2)
    assert layer.centroids.dtype == torch.get_default_dtype()
    other = RBFClustering(3, 2)
    other.load_state_dict(layer.state_dict())
    assert torch.equal(other.centroids, layer.centroids)
    assert list(dict(layer.named_parameters())) == ["centroids"]
    layer.double()
    assert layer(torch.zeros(1, 2, dtype=F64)).dtype == F64


def test_float32_module_and_input():
    layer = RBFClustering(3, 2, alpha=1.5, sigma=0.1, centroids=[[1e3, 1e3], [1e3 + 3, 1e3], [1e3, 1e3 + 3]])
    z = torch.tensor([[1e3 + 0.1, 1e3], [1e3 + 2.9, 1e3 + 0.2]], requires_grad=True)
    r = layer(z)
    assert r.dtype == torch.float32
    assert torch.equal(r.detach(), torch.eye(3)[[0, 1]])
    layer.centroid_loss(z).backward()
    assert torch.isfinite(z.grad).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
def test_cuda(alpha, bounds):
    """On the GPU: the same responsibilities and gradients as on the CPU (float64, within the
    comparison bound), the output stays on the device, and gradcheck passes there."""
    X, M = bounds.blobs(8, n=64)
    cpu = layer_for(M, alpha, 2.0)
    gpu = layer_for(M, alpha, 2.0).to("cuda")
    x_cpu = torch.from_numpy(X).requires_grad_()
    x_gpu = torch.from_numpy(X).to("cuda").requires_grad_()
    r_cpu, r_gpu = cpu(x_cpu), gpu(x_gpu)
    assert r_gpu.device.type == "cuda"
    d = nx.sq_distances(X, M)
    tol = torch.from_numpy(2 * bounds.resp_bound(d, 2.0, alpha, X.shape[1], bounds.U64))
    assert ((r_gpu.detach().cpu() - r_cpu.detach()).abs() <= tol).all()
    cpu.centroid_loss(x_cpu).backward()
    gpu.centroid_loss(x_gpu).backward()
    assert torch.allclose(x_gpu.grad.cpu(), x_cpu.grad, rtol=1e-9, atol=1e-12)
    assert torch.allclose(gpu.centroids.grad.cpu(), cpu.centroids.grad, rtol=1e-9, atol=1e-12)
    z = x_gpu.detach()[:5].clone().requires_grad_()
    c = gpu.centroids.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: torch.func.functional_call(gpu, {"centroids": b}, (a,)), (z, c))


@pytest.mark.parametrize("device", ["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
@pytest.mark.parametrize("alpha", [1.0, 1.05, 1.5, 2.0, 1.25])
def test_subnormal_sigma_gives_one_hot_rows(device, alpha):
    """sigma = 5e-324: every gap over sigma is -inf, every row one-hot.  On CUDA a division by
    the host scalar sigma would be a product with 1/sigma = inf, and 0 * inf = NaN for the
    best entry of every row (found on an H200); the layer divides by a 0-d device tensor."""
    M = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    layer = layer_for(M, alpha, 5e-324).to(device)
    z = torch.tensor([[0.1, 0.0], [2.9, 0.2], [0.2, 2.5]], dtype=F64, device=device)
    assert torch.equal(layer(z).cpu(), torch.eye(3, dtype=F64))


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_clusters=0, n_features=2), ValueError, r"n_clusters must be >= 1; got 0"),
    (dict(n_clusters=2.0, n_features=2), TypeError, r"n_clusters must be a positive int; got 2.0 of type float"),
    (dict(n_clusters=True, n_features=2), TypeError, r"n_clusters must be a positive int; got True"),
    (dict(n_clusters=2, n_features=-3), ValueError, r"n_features must be >= 1; got -3"),
    (dict(n_clusters=2, n_features=2, alpha=0.5), ValueError, r"alpha must satisfy 1 <= alpha < inf; got 0.5"),
    (dict(n_clusters=2, n_features=2, sigma=0), ValueError, r"sigma must satisfy 0 < sigma < inf; got 0.0"),
    (dict(n_clusters=2, n_features=2, sigma=math.nan), ValueError, r"sigma must satisfy .*got nan"),
    (dict(n_clusters=2, n_features=2, sigma="1"), TypeError, r"sigma must be a real number; got '1'"),
    (dict(n_clusters=2, n_features=2, dtype=torch.int32), TypeError,
     r"dtype must be a floating torch.dtype; got torch.int32"),
    (dict(n_clusters=2, n_features=2, centroids=np.zeros((3, 2))), ValueError,
     r"centroids must have shape \(n_clusters, n_features\) = \(2, 2\); got \(3, 2\)"),
    (dict(n_clusters=2, n_features=1, centroids=[[0.0], [math.inf]]), ValueError,
     r"centroids must be finite; found inf"),
])
def test_constructor_errors_name_the_parameter_and_value(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        RBFClustering(**kwargs)


def test_forward_errors_name_the_input():
    layer = RBFClustering(2, 3)
    with pytest.raises(ValueError, match=r"z must have shape \(\.\.\., D\) with D = centroids.shape\[1\] = 3; "
                                         r"got shape \(4, 2\)"):
        layer(torch.zeros(4, 2))
    with pytest.raises(TypeError, match=r"z has dtype torch.float64 but centroids have dtype torch.float32"):
        layer(torch.zeros(4, 3, dtype=F64))
    with pytest.raises(TypeError, match=r"z must be a torch.Tensor; got list"):
        layer([[0.0, 0.0, 0.0]])
