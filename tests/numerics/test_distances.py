"""Tests of :mod:`kmrbf.numerics.distances` (guarded GEMM squared distances).

Against the 50-digit mpmath oracle with the module's relative error bound
``16 gamma(D+2) + 9u`` (``u = 2**-53``, ``gamma(n) = n u / (1 - n u)``; fixture ``bounds``,
tests/numerics/conftest.py, which also documents ``SLACK``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import example, given

from kmrbf.evidence.strategies import instances
from kmrbf.numerics import oracles as O
from kmrbf.numerics.distances import iter_sq_distance_blocks, sq_distances
from kmrbf.numerics._compat import array_namespace


def test_iter_sq_distance_blocks_tile_sq_distances():
    rng = np.random.default_rng(0)
    X, M = rng.normal(size=(23, 3)) + 1e6, rng.normal(size=(4, 3)) + 1e6
    xp = array_namespace(X)
    blocks = list(iter_sq_distance_blocks(X, M, xp, 5))
    assert [(a, b) for a, b, _ in blocks] == [(0, 5), (5, 10), (10, 15), (15, 20), (20, 23)]
    D = np.concatenate([d for _, _, d in blocks])
    assert np.array_equal(D, sq_distances(X, M, chunk_size=5))
    ref = np.array([[float(v) for v in row] for row in O.mp_sq_distances(X.tolist(), M.tolist())])
    from kmrbf.evidence.roundoff import U, gamma

    assert np.all(np.abs(D - ref) <= (16 * gamma(5) + 9 * U) * ref)  # module bound, D = 3


@given(instances())
@example((np.array([[1e8 + 1.0, 0.0], [1e8, 0.0]]), np.array([[1e8, 0.0], [-1e8, 1.0]])))
def test_sq_distances_matches_oracle(bounds, inst):
    X, M = inst
    exact = bounds.f64(O.mp_sq_distances(X, M))
    bounds.assert_within(sq_distances(X, M), exact, bounds.dist_rel(X.shape[1]) * exact, "sq_distances")
    bounds.assert_within(sq_distances(X, M, chunk_size=1), exact, bounds.dist_rel(X.shape[1]) * exact,
                         "sq_distances chunk 1")


def test_distances_are_never_negative_and_exact_zero_on_coincident_points():
    """The clamp at 0 and the cancellation guard: points far from the origin, centroids equal to
    some of them (the GEMM form cancels catastrophically there)."""
    rng = np.random.default_rng(5)
    X = 1e8 + rng.standard_normal((64, 3))
    M = X[[3, 17, 40]].copy()
    D = np.asarray(sq_distances(X, M))
    assert np.all(D >= 0.0)
    assert D[3, 0] == 0.0 and D[17, 1] == 0.0 and D[40, 2] == 0.0
