"""Tests of :mod:`kmrbf.numerics.training`: the batched full-gradient / soft-Lloyd runs are, bitwise, the
library's single-run iterates (``rbf_gradient_step``, ``soft_lloyd``), and :func:`train`'s two read-outs
(T steps, run to convergence) are those of the plain loop, runs completed from their cycles included."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from kmrbf.numerics import EmptyClusterWarning, rbf_gradient_step, soft_lloyd
from kmrbf.numerics.experiments import forgy_init, make_dataset, sigma_grid
from kmrbf.numerics.training import SOFT_TOL, UPDATES, TrainResult, batch_step, train

#: every test here runs twice: on the array-API reference kernels and on the compiled ones
pytestmark = pytest.mark.usefixtures("each_backend")


def _single_step(X, M, sigma, alpha, update, chunk_size=None):
    """The library's own single-run step (independent of the batched kernel)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyClusterWarning)
        if update == "full-gradient":
            return np.asarray(rbf_gradient_step(X, M, sigma, alpha=alpha, chunk_size=chunk_size))
        return np.asarray(soft_lloyd(X, M, sigma, alpha=alpha, max_iter=1, tol=0.0,
                                     chunk_size=chunk_size).centroids)


def _stack(X, n_seeds, sigmas, seed):
    rng = np.random.default_rng(seed)
    M0 = np.stack([forgy_init(X, 3, rng) for _ in range(n_seeds)])
    J = len(sigmas)
    return np.repeat(M0[None], J, 0).reshape(J * n_seeds, 3, X.shape[1]), np.repeat(sigmas, n_seeds)


def _loop(X, M0, sigma, alpha, update, steps, max_iter, tol=SOFT_TOL):
    """The plain loop: iterate after ``steps`` steps; the run to convergence with soft_lloyd's rule."""
    stop_at = tol * (float(np.abs(X).max()) or 1.0)
    M, at, fin, n, conv, sh = M0.copy(), M0.copy(), M0.copy() if max_iter == 0 else None, max_iter, False, []
    for t in range(1, max(steps, max_iter) + 1):
        new = _single_step(X, M, sigma, alpha, update)
        delta = float(np.max(np.sqrt(np.sum((new - M) ** 2, axis=1))))
        M = new
        if t == steps:
            at = M.copy()
        if fin is None:
            sh = (sh + [delta])[-3:]
            if delta <= stop_at:
                fin, n, conv = M.copy(), t, True
            elif t == max_iter:
                fin = M.copy()
        if fin is not None and t >= steps:
            break
    return at, fin, n, conv, sh


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0, 1.25])
def test_batch_step_is_the_library_step_bitwise(update, alpha):
    for name in ("blobs", "moons"):
        X = make_dataset(name, 50, seed=3)
        sig = sigma_grid(float(np.var(X)), float(np.var(X)) * 1e-5, 1)
        M, s = _stack(X, 3, sig, 1)
        new = batch_step(X, M, s, alpha=alpha, update=update)
        for b in range(M.shape[0]):
            assert np.array_equal(new[b], _single_step(X, M[b], s[b], alpha, update)), (name, b, s[b])


def test_batch_step_in_row_blocks_far_and_empty_clusters():
    # several row blocks (chunk_size=7) and a centroid far from every point: its softmax weights
    # underflow.  The full gradient keeps it (the library warns, batch_step does not); soft-Lloyd
    # takes the library's per-cluster shifted weights (a well-defined soft centroid, no warning).
    # entmax-1.5 (exact zeros): both keep it.
    X = make_dataset("circles", 40, seed=5)
    M = np.stack([np.array([[0.0, 0.0], [0.5, 0.5], [1e3, 1e3]]), X[:3].copy()])
    s = np.array([1e-3, 0.05])
    for update in UPDATES:
        for alpha in (1.0, 1.5):
            new = batch_step(X, M, s, alpha=alpha, update=update, chunk_size=7)
            with warnings.catch_warnings(record=True) as rec:
                warnings.simplefilter("always")
                ref = (rbf_gradient_step(X, M[0], s[0], alpha=alpha, chunk_size=7) if update == "full-gradient"
                       else soft_lloyd(X, M[0], s[0], alpha=alpha, max_iter=1, tol=0.0, chunk_size=7).centroids)
            kept = update == "full-gradient" or alpha == 1.5
            assert any(issubclass(r.category, EmptyClusterWarning) for r in rec) == kept
            assert np.array_equal(new[0], np.asarray(ref)), (update, alpha)
            assert np.array_equal(new[0, 2], M[0, 2]) == kept
            assert np.array_equal(new[1], _single_step(X, M[1], s[1], alpha, update, chunk_size=7))


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("alpha", [1.0, 1.5])
def test_train_read_outs_are_the_plain_loop(update, alpha):
    X = make_dataset("circles", 60, seed=2)
    M0, s = _stack(X, 3, sigma_grid(0.3, 1e-4, 2), 5)
    before = M0.copy()
    r = train(X, M0, s, alpha=alpha, update=update, steps=40, max_iter=300)
    assert isinstance(r, TrainResult) and np.array_equal(M0, before)          # input not modified
    for b in range(M0.shape[0]):
        at, fin, n, conv, sh = _loop(X, M0[b], s[b], alpha, update, 40, 300)
        assert np.array_equal(r.at_steps[b], at), b
        assert np.array_equal(r.final[b], fin) and r.n_iter[b] == n and r.converged[b] == conv, b
        assert np.array_equal(r.shifts[b, 3 - len(sh):], sh) and np.isnan(r.shifts[b, : 3 - len(sh)]).all()
    # the cycle shortcut is exercised: fixed points and, for the full gradient, longer cycles
    assert (r.period == 1).any()
    if update == "full-gradient":
        assert (r.period >= 2).any()


@pytest.mark.parametrize("name", ["circles", "blobs", "spiral"])
def test_cycles_completed_from_the_ring_match_the_long_loop(name):
    # full-gradient entmax-1.5 runs that end on exact cycles of several periods: read-outs at step
    # counts on several phases of the cycle equal the plain loop's
    X = make_dataset(name, 60, seed=2)
    M0, s = _stack(X, 3, sigma_grid(float(np.var(X)), float(np.var(X)) * 1e-3, 3), 5)
    r = train(X, M0, s, alpha=1.5, steps=0, max_iter=400)
    cyc = np.flatnonzero((r.period >= 2) & ~r.converged)
    assert cyc.size, "no genuine cycle in this setting"
    for b in cyc[:3]:
        t, q = int(r.repeats_from[b]), int(r.period[b])
        for steps, max_iter in ((t + 1, t + 2), (t + q + 2, t + 2 * q + 1), (t + 3, t + 5 * q)):
            rb = train(X, M0[b:b + 1], s[b:b + 1], alpha=1.5, steps=steps, max_iter=max_iter)
            at, fin, n, conv, sh = _loop(X, M0[b], s[b], 1.5, "full-gradient", steps, max_iter)
            assert np.array_equal(rb.at_steps[0], at) and np.array_equal(rb.final[0], fin), (b, q, steps)
            assert rb.n_iter[0] == n == max_iter and not conv and list(rb.shifts[0]) == sh


def test_train_zero_steps_and_zero_iterations():
    X = make_dataset("moons", 30, seed=1)
    M0, s = _stack(X, 2, np.array([0.1]), 0)
    r = train(X, M0, s, steps=0, max_iter=0)
    assert np.array_equal(r.at_steps, M0) and np.array_equal(r.final, M0)
    assert not r.converged.any() and (r.n_iter == 0).all() and np.isnan(r.shifts).all()


def test_validation():
    X = make_dataset("moons", 30, seed=1)
    M0, s = _stack(X, 2, np.array([0.1]), 0)
    with pytest.raises(ValueError, match="update="):
        batch_step(X, M0, s, update="em")
    with pytest.raises(ValueError, match="3-D"):
        batch_step(X, M0[0], s[:1])
    with pytest.raises(ValueError, match="one entry per run|entries but M holds"):
        batch_step(X, M0, s[:1])
    with pytest.raises(ValueError, match="sigma"):
        batch_step(X, M0, np.array([0.1, -1.0]))
    with pytest.raises(ValueError, match="steps"):
        train(X, M0, s, steps=-1)
    with pytest.raises(ValueError, match="tol"):
        train(X, M0, s, tol=math.nan)
