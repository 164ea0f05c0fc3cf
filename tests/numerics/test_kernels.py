"""Tests of :mod:`kmrbf.numerics._kernels` (the private dtype-preserving kernels behind the public maps)."""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.numerics import _kernels as K


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
