"""Tests of :mod:`kmrbf.theory.opcount`: an entmax-1.5 iteration does more operations than a Lloyd
iteration at every sparsity (KR-S53-cheaper); every obligation is true and discharged."""

from __future__ import annotations

import math

import pytest

from kmrbf.theory.opcount import entmax15_ops, kr_s53_opcount, lloyd_ops


def test_derivation_outcome(derivation_outcome):
    derivation_outcome(kr_s53_opcount, set())


@pytest.mark.parametrize("n,k,d", [(100, 2, 1), (4096, 8, 512), (10, 64, 3)])
def test_counts_by_hand_and_the_excess_at_the_one_hot_end(n, k, d):
    assert lloyd_ops(n, k, d) == 2 * n * k * d + n * k + n * d + k * d
    # one-hot entmax (nnz = N): the excess is exactly NK log2 K + 2NK + ND + N
    excess = float(entmax15_ops(n, k, d, n) - lloyd_ops(n, k, d))
    assert math.isclose(excess, n * k * math.log2(k) + 2 * n * k + n * d + n, rel_tol=1e-12)
    # denser responsibilities only add work: 2 D + 1 per extra nonzero
    assert float(entmax15_ops(n, k, d, n + 7) - entmax15_ops(n, k, d, n)) == 7 * (2 * d + 1)
