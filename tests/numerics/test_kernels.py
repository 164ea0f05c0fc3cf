"""Tests of :mod:`kmrbf.numerics._kernels` (the private dtype-preserving kernels behind the public maps)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmrbf.evidence.roundoff import U, gamma
from kmrbf.evidence.strategies import instances, sigmas
from kmrbf.numerics import _kernels as K
from kmrbf.numerics import oracles as O
from kmrbf.numerics._compat import array_namespace


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_private_kernels_preserve_dtype(dtype):
    torch = pytest.importorskip("torch", reason="torch not installed")
    from kmrbf.numerics._compat import array_namespace

    for z in (np.linspace(-3, 3, 6).astype(dtype), torch.linspace(-3, 3, 6, dtype=getattr(torch, dtype))):
        xp = array_namespace(z)
        for f in (K._softmax, K._softmax_naive, K._entmax15, K._sparsemax, K._log_sum_exp):
            assert f(z, xp, -1).dtype == z.dtype
        assert K._entmax_bisect(z, xp, -1, alpha=1.5).dtype == z.dtype


def test_float64_naive_nan_near_745():
    from kmrbf.numerics._compat import array_namespace, quiet_fp
    z = np.array([[-745.0, -746.0], [-745.2, -746.0]])
    with quiet_fp(invalid=True):
        p = K._softmax_naive(z, array_namespace(z), -1)
    assert np.all(np.isfinite(p[0])) and np.all(np.isnan(p[1]))


# ----------------------------------------------------------------------------- per-cluster shifted soft statistics

@given(instances(), sigmas(min_value=0.05), st.sampled_from([1.5, 2.0, 1.25, 3.0]))
def test_shifted_soft_stats_pow_route_matches_oracle(bounds, inst, sigma, alpha):
    # The route soft_centroids takes for clusters below UNDERFLOW_GUARD, forced here on
    # ordinary inputs for the entmax maps (p = b^beta / n): w_ik = (b_ik / max_i b_ik)^beta / n_i.
    # Against the one-pass weights p = b^beta / n it adds the division by the column maximum
    # (u, times beta through the power), the power's own rounding (2u) and the division by
    # n_i (u); the column factor cancels in T'/S'.  So the one-pass bound
    # [sum_i dp_ik mag + gamma(N+1) sum_i p_ik mag] / S_k plus (beta + 3)u sum_i p_ik mag / S_k.
    X, M = inst
    xp = array_namespace(X)
    S2, T2 = K._shifted_soft_stats(X, M, sigma, alpha, xp, 3)
    p, _, dp = bounds.resp_abs_bound(X, M, sigma, alpha)
    S = p.sum(axis=0)
    live = S > 1e-280  # exact zeros (and supports decided by rounding) have no accuracy statement
    assert np.all((S2 > 0) | ~live)
    exact = bounds.f64(O.mp_soft_centroids(X, M, sigma, alpha=alpha))
    mag = np.abs(X)[:, None, :] + np.abs(exact)[None, :, :]
    beta = {1.5: 2.0, 2.0: 1.0}.get(alpha, 1.0 / (alpha - 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = (np.einsum("ik,ikd->kd", dp, mag)
                 + (gamma(X.shape[0] + 1) + (beta + 3) * U) * np.einsum("ik,ikd->kd", p, mag)) / S[:, None]
        got = T2 / S2[:, None]
    bounds.assert_within(got[live], exact[live], bound[live], f"shifted route, alpha={alpha}")


def test_shifted_soft_stats_scale_and_chunking():
    # the largest shifted weight of every softmax cluster is 1 / n_i >= 1/K: S' >= 1/K even
    # where every r_ik underflows (gap / sigma ~ 1e4 here); the result does not depend on chunking
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    M = np.array([[1.0], [100.0]])
    xp = array_namespace(X)
    S, T = K._soft_stats(X, M, 1.0, 1.0, xp, 4)
    assert S[1] == 0.0  # the one-pass total underflows
    for chunk in (1, 3, 4):
        S2, T2 = K._shifted_soft_stats(X, M, 1.0, 1.0, xp, chunk)
        assert S2.min() >= 1 / 2 and T2[1, 0] / S2[1] == 3.0  # the nearest point
    assert K.UNDERFLOW_GUARD == 2.0**-967 and 0 < K.LOG1P_ALPHA_GAP <= 0.5
