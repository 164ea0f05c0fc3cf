r"""Batched training runs of the soft-RBF network (KR §4.1.2, Algorithm 2): many :math:`(\sigma, M_0)` at once.

Two updates of the centroids :math:`M=(\mu_1,\dots,\mu_K)` at a fixed temperature :math:`\sigma`:

``"full-gradient"``
    the paper's update (KR §4.1.2: "the complete gradient update, including the derivatives of the
    responsibilities"): one gradient step on :math:`W^{(\alpha)}_\sigma(M)=\sum_{ik}p_{ik}(M)d_{ik}` with
    the step :math:`\eta_k=1/(2\sum_ip_{ik})` of KR's Lemma 1 remark ("the discrete term :math:`|C_k|` is
    replaced by its differentiable counterpart"),

    .. math::

        \mu_k\leftarrow\mu_k-\frac{\nabla_{\mu_k}W^{(\alpha)}_\sigma(M)}{2\sum_ip_{ik}},\qquad
        \nabla_{\mu_k}W^{(\alpha)}_\sigma=2\sum_ig_{ik}(\mu_k-x_i),\quad
        g_{ik}=p_{ik}-\frac{s_{ik}(d_{ik}-\bar d_i)}{\sigma},

    :math:`s=p^{2-\alpha}` on the support, :math:`\bar d_i=\sum_js_{ij}d_{ij}/\sum_js_{ij}`
    (:func:`kmrbf.numerics.rbf_gradient_step`);
``"soft-lloyd"``
    the EM shortcut: :math:`\mu_k\leftarrow\sum_ip_{ik}x_i/\sum_ip_{ik}` (the same step on :math:`G_\sigma`,
    whose gradient has no responsibility-derivative term; :func:`kmrbf.numerics.soft_lloyd`; a run with a
    cluster whose responsibilities underflow takes the library kernel's per-cluster shifted path, one run
    at a time).

:func:`batch_step` performs the library's floating-point operations in the library's order on a stack of
``B`` runs (guarded-GEMM distances of :mod:`kmrbf.numerics.distances`, the probability kernels of
:mod:`kmrbf.numerics.activations`, the same reductions), so each run's iterate is **bitwise** the
single-run function's (``tests/numerics/test_training.py`` checks it), only without the per-call
validation: about five times faster per run for :math:`N=150`, :math:`K=3`.

:func:`train` iterates it with two read-outs per run: the iterate after exactly ``steps`` steps (Algorithm 2
with :math:`T=` ``steps``), and the run to convergence with :func:`~kmrbf.numerics.soft_lloyd`'s stopping rule
(stop at the first step whose largest centroid shift is :math:`\le` ``tol`` :math:`\cdot\max|x|`, at most
``max_iter`` steps), with its last three shifts (for the a-posteriori bound of
:func:`kmrbf.numerics.experiments.stopping_error_bound`).  The map is deterministic and each run's arithmetic
does not depend on the other runs of the stack, so a run whose iterate repeats **bitwise**,
:math:`M_t=M_{t-q}` for some :math:`q\le` :data:`MAX_PERIOD` (a fixed point, :math:`q=1`, or a cycle), stays on
that cycle: :math:`M_s=M_{s-q}` and :math:`\delta_s=\delta_{s-q}` for every later :math:`s`; its read-outs and
stopping step are read off the cycle and it is not stepped further.  Both read-outs are therefore exactly
those of the plain loop.  (Cycles are common for the full gradient with entmax-1.5, whose :math:`W` is only
piecewise smooth: periods 2 to 22 occur in the KR-S43 study.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._compat import array_namespace, quiet_fp
from ._kernels import RECOMPUTE_FRACTION, UNDERFLOW_GUARD, _grad_W_terms, _probability_map
from .backends._kernels import _compiled_applies, _soft_centroids
from .validation import check_alpha, check_chunk_size, check_instance, check_sigma

__all__ = ["UPDATES", "SOFT_TOL", "MAX_PERIOD", "TrainResult", "batch_step", "train"]

UPDATES = ("full-gradient", "soft-lloyd")

#: longest cycle :func:`train` detects (a run whose iterate repeats with a period up to this is completed
#: from its cycle instead of being stepped further)
MAX_PERIOD = 32

#: the stopping tolerance of :func:`~kmrbf.numerics.soft_lloyd` used by the discrepancy study
#: (relative to :math:`\max|x|`)
SOFT_TOL = 1e-12


def _sq_distances_batch(X: Any, M: Any, xp: Any, chunk: int):
    """Yield ``(start, stop, d)`` with ``d`` (B, rows, K): the guarded GEMM of
    :func:`kmrbf.numerics.distances.iter_sq_distance_blocks` for every run of the stack ``M`` (B, K, D)."""
    n = int(X.shape[0])
    center = xp.mean(M, axis=1)
    Mc = M - center[:, None, :]
    mn = xp.sum(Mc * Mc, axis=2)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        Xb = X[start:stop, :]
        Xc = Xb[None, :, :] - center[:, None, :]
        xn = xp.sum(Xc * Xc, axis=2)
        scale = xn[:, :, None] + mn[:, None, :]
        d = scale - 2.0 * (Xc @ xp.matrix_transpose(Mc))
        d = xp.maximum(d, xp.zeros_like(d))
        bad = d <= RECOMPUTE_FRACTION * scale
        if bool(xp.any(bad)):
            b, r, c = np.nonzero(bad)
            diff = Xb[r] - M[b, c]
            d[bad] = xp.sum(diff * diff, axis=1)
        yield start, stop, d


def _step(X: Any, M: Any, sig: Any, alpha: float, update: str, xp: Any, chunk: int) -> Any:
    """One step of ``update`` for the stack ``M`` (B, K, D) at temperatures ``sig`` (B,); no validation."""
    if update == "soft-lloyd" and _compiled_applies(xp, alpha, int(X.shape[0]), int(M.shape[1])):
        # the library step takes the compiled kernel here: run by run, so the bits stay the library's
        return xp.stack([_soft_centroids(X, M[b], float(sig[b]), alpha, xp, chunk)[0]
                         for b in range(int(M.shape[0]))])
    pmap = _probability_map(alpha)
    s3 = sig[:, None, None]
    S = xp.zeros_like(M[:, :, 0])
    T = xp.zeros_like(M)
    G = xp.zeros_like(M[:, :, 0])
    for start, stop, d in _sq_distances_batch(X, M, xp, chunk):
        Xb = X[start:stop, :]
        if update == "soft-lloyd":
            r = pmap(-(d - xp.min(d, axis=2, keepdims=True)) / s3, xp, -1)
            S = S + xp.sum(r, axis=1)
            T = T + xp.matrix_transpose(r) @ Xb
            continue
        p, g = _grad_W_terms(d, s3, alpha, xp)
        G = G + xp.sum(g, axis=1)
        S = S + xp.sum(p, axis=1)
        T = T + xp.matrix_transpose(g) @ Xb
    empty = S <= 0.0
    safe = xp.where(empty, xp.ones_like(S), S)
    if update == "soft-lloyd":
        new = xp.where(empty[:, :, None], M, T / safe[:, :, None])
        # runs with a cluster whose responsibilities underflow take the library kernel's own path
        # (per-cluster shifted weights): the rule of _soft_centroids, one run at a time
        s = float(xp.max(xp.abs(X)))
        scale = min(1.0, s) if s > 0.0 else 1.0
        weak = xp.any(S * scale < float(X.shape[0]) * UNDERFLOW_GUARD, axis=1)
        for b in np.flatnonzero(np.asarray(weak)):
            new[b] = _soft_centroids(X, M[b], float(sig[b]), alpha, xp, chunk)[0]
        return new
    grad = 2.0 * (G[:, :, None] * M - T)
    return xp.where(empty[:, :, None], M, M - grad / (2.0 * safe[:, :, None]))


def _validate(X: Any, M: Any, sigmas: Any, alpha: Any, update: Any, chunk_size: Any):
    if update not in UPDATES:
        raise ValueError(f"update={update!r} is not one of {UPDATES}")
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 3:
        raise ValueError(f"M must be 3-D (B, K, D); got shape {M.shape}")
    if M.shape[0] < 1:
        raise ValueError("M must hold at least one run (B >= 1)")
    for b in range(M.shape[0]):
        X64, _, _ = check_instance(X, M[b], m_name=f"M[{b}]")
    sig = np.asarray(sigmas, dtype=np.float64).reshape(-1)
    if sig.shape[0] != M.shape[0]:
        raise ValueError(f"sigmas has {sig.shape[0]} entries but M holds {M.shape[0]} runs")
    for s in sig:
        check_sigma(float(s))
    return (np.ascontiguousarray(np.asarray(X64), dtype=np.float64), np.array(M, order="C", copy=True), sig,
            check_alpha(alpha), check_chunk_size(chunk_size))


def batch_step(X: Any, M: Any, sigmas: Any, *, alpha: float = 1.0, update: str = "full-gradient",
               chunk_size: int | None = None) -> np.ndarray:
    r"""One step of ``update`` for each run ``b`` of the stack ``M``, at temperature ``sigmas[b]``.

    Run ``b`` gets exactly (bitwise) ``rbf_gradient_step(X, M[b], sigmas[b], alpha=alpha)``
    (``"full-gradient"``) or the soft-centroid step of ``soft_lloyd`` (``"soft-lloyd"``,
    :math:`\mu_k\leftarrow\sum_ip_{ik}x_i/\sum_ip_{ik}`); the formulas are in the module docstring.
    Clusters with :math:`\sum_ip_{ik}=0` keep their centroid (no warning here).

    Parameters
    ----------
    X : array of shape (N, D)
        Data points :math:`x_i` (validated like :func:`~kmrbf.numerics.rbf_gradient_step`), float64.
    M : array of shape (B, K, D)
        ``B`` centroid sets, ``1 <= K <= N``, each validated like the single-run functions' ``M``.
    sigmas : array of shape (B,)
        Temperature of each run, ``0 < sigma < inf``.
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` (1 softmax, the default; 1.5 entmax-1.5; 2 sparsemax).
    update : {"full-gradient", "soft-lloyd"}, optional
        The update (default the paper's full gradient).
    chunk_size : int or None, optional
        Rows per block (None: 4096), as for the single-run functions.

    Returns
    -------
    ndarray of shape (B, K, D)
        float64 updated centroids.

    Raises
    ------
    TypeError, ValueError
        What :func:`~kmrbf.numerics.rbf_gradient_step` raises for ``X``, any ``M[b]``, ``sigmas[b]``,
        ``alpha`` or ``chunk_size``; ``ValueError`` if ``M`` is not 3-D, holds no run, ``sigmas`` does
        not have one entry per run, or ``update`` is unknown.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> batch_step(X, np.array([[[0.0], [11.0]]]), [0.5], alpha=1.5).tolist()
    [[[0.5], [10.5]]]
    """
    X, M, sig, alpha, chunk = _validate(X, M, sigmas, alpha, update, chunk_size)
    xp = array_namespace(X)
    with quiet_fp():
        return np.asarray(_step(X, M, sig, alpha, update, xp, chunk))


@dataclass
class TrainResult:
    r"""What :func:`train` returns, one entry per run ``b``.

    Parameters
    ----------
    at_steps : ndarray of shape (B, K, D)
        The iterate after exactly ``steps`` steps (:math:`M_0` if ``steps = 0``).
    final : ndarray of shape (B, K, D)
        The iterate at which the stopping rule first held, else after ``max_iter`` steps
        (:math:`M_0` if ``max_iter = 0``).
    n_iter : ndarray of shape (B,), int
        Steps of the run to convergence (``max_iter`` if it did not stop).
    converged : ndarray of shape (B,), bool
        Whether the stopping rule held within ``max_iter`` steps.
    shifts : ndarray of shape (B, 3)
        The last (up to) three shifts :math:`\delta_t=\max_k\lVert\mu^{(t)}_k-\mu^{(t-1)}_k\rVert` of
        the run to convergence, oldest first, NaN-padded on the left.
    repeats_from : ndarray of shape (B,), int
        The step :math:`t` at which the iterate first repeated bitwise (:math:`M_t=M_{t-q}`,
        :math:`q\le` :data:`MAX_PERIOD`), 0 if it did not within the steps performed.
    period : ndarray of shape (B,), int
        The smallest such :math:`q` (1: fixed point), 0 if no repetition was detected.
    """

    at_steps: np.ndarray
    final: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    shifts: np.ndarray
    repeats_from: np.ndarray
    period: np.ndarray


def train(X: Any, M0: Any, sigmas: Any, *, alpha: float = 1.0, update: str = "full-gradient",
          steps: int = 0, max_iter: int = 1000, tol: float = SOFT_TOL,
          chunk_size: int | None = None) -> TrainResult:
    r"""Run :func:`batch_step` from each :math:`M_0^{(b)}` at :math:`\sigma_b`: the iterate after ``steps``
    steps, and the run to convergence (stopping rule of :func:`~kmrbf.numerics.soft_lloyd`).

    Run ``b``'s results equal, bitwise, those of the plain single-run loop
    ``M = update(M)`` (``rbf_gradient_step`` or the soft-centroid step): ``at_steps[b]`` is the iterate
    :math:`M_T`, :math:`T=` ``steps``; ``final[b]`` is :math:`M_n` for the first :math:`n\le` ``max_iter``
    with :math:`\delta_n\le` ``tol`` :math:`\cdot s` (:math:`s=\max_{ij}|x_{ij}|`, 1 if ``X = 0``), else
    :math:`M_{\text{max\_iter}}`.  Runs whose iterate repeats bitwise are completed from their cycle
    (module docstring).

    Parameters
    ----------
    X : array of shape (N, D)
        Data, validated like :func:`batch_step`.
    M0 : array of shape (B, K, D)
        Initial centroid sets.
    sigmas : array of shape (B,)
        Temperature of each run.
    alpha : float, optional
        entmax parameter :math:`1\le\alpha<\infty` (1 softmax, the default; 1.5 entmax-1.5).
    update : {"full-gradient", "soft-lloyd"}, optional
        The update (default the paper's full gradient).
    steps : int, optional
        :math:`T\ge0`, the number of steps of the fixed-length read-out ``at_steps``.
    max_iter : int, optional
        Step cap ``>= 0`` of the run to convergence.
    tol : float, optional
        Relative stopping tolerance ``>= 0`` (default :data:`SOFT_TOL`).
    chunk_size : int or None, optional
        Rows per block (None: 4096).

    Returns
    -------
    TrainResult
        Both read-outs, the iteration counts, the last shifts and the detected repetitions.

    Raises
    ------
    TypeError, ValueError
        What :func:`batch_step` raises; ``ValueError`` if ``steps`` or ``max_iter`` is not an int
        ``>= 0`` or ``tol`` is negative or not finite.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> r = train(X, np.array([[[0.0], [11.0]]]), [0.5], alpha=1.5, steps=3, max_iter=50)
    >>> r.at_steps.tolist(), r.final.tolist(), int(r.n_iter[0]), bool(r.converged[0]), int(r.period[0])
    ([[[0.5], [10.5]]], [[[0.5], [10.5]]], 2, True, 1)
    """
    for name, v in (("steps", steps), ("max_iter", max_iter)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{name} must be an int >= 0; got {v!r}")
    if not (tol >= 0.0 and math.isfinite(tol)):
        raise ValueError(f"tol must be finite and >= 0; got {tol!r}")
    X, M, sig, alpha, chunk = _validate(X, M0, sigmas, alpha, update, chunk_size)
    xp = array_namespace(X)
    B, R = M.shape[0], MAX_PERIOD + 1
    stop_at = tol * (float(np.max(np.abs(X))) or 1.0)
    at_steps, final = M.copy(), M.copy()
    # ring buffers: iterate M_t and shift delta_t in slot t mod R
    hist = np.full((B, R) + M.shape[1:], np.nan)
    hist[:, 0] = M
    shist = np.full((B, R), np.nan)
    n_iter = np.full(B, max_iter, dtype=np.int64)
    converged = np.zeros(B, dtype=bool)
    stopped = np.zeros(B, dtype=bool) if max_iter > 0 else np.ones(B, dtype=bool)
    shifts = np.full((B, 3), np.nan)
    repeats_from = np.zeros(B, dtype=np.int64)
    period = np.zeros(B, dtype=np.int64)
    with quiet_fp():
        for t in range(1, max(steps, max_iter) + 1):
            act = np.flatnonzero((period == 0) & ((t <= steps) | ~stopped))
            if act.size == 0:
                break
            Ma = M[act]
            new = np.asarray(_step(X, Ma, sig[act], alpha, update, xp, chunk))
            delta = np.max(np.sqrt(np.sum((new - Ma) ** 2, axis=2)), axis=1)
            run = ~stopped[act]
            ra = act[run]
            shifts[ra] = np.concatenate([shifts[ra, 1:], delta[run, None]], axis=1)
            done = run & (delta <= stop_at)
            hit_cap = run & ~done & (t == max_iter)
            final[act[done | hit_cap]] = new[done | hit_cap]
            n_iter[act[done]] = t
            converged[act[done]] = True
            stopped[act[done | hit_cap]] = True
            if t == steps:
                at_steps[act] = new
            # the smallest q <= MAX_PERIOD with M_t == M_{t-q} (slot i holds M_{t - ((t - i) mod R)})
            lag = (t - np.arange(R)) % R
            eq = np.all(hist[act] == new[:, None], axis=(2, 3)) & (lag >= 1) & (lag <= t)
            M[act] = new
            hist[act, t % R] = new
            shist[act, t % R] = delta
            for i in np.flatnonzero(eq.any(axis=1)):
                b = int(act[i])
                q = int(lag[eq[i]].min())
                period[b], repeats_from[b] = q, t
                _complete(b, t, q, hist[b], shist[b], steps, max_iter, stopped, at_steps, final,
                          n_iter, converged, shifts)
    return TrainResult(at_steps, final, n_iter, converged, shifts, repeats_from, period)


def _complete(b: int, t: int, q: int, hist: np.ndarray, shist: np.ndarray, steps: int, max_iter: int,
              stopped: np.ndarray, at_steps: np.ndarray, final: np.ndarray,
              n_iter: np.ndarray, converged: np.ndarray, shifts: np.ndarray) -> None:
    r"""Fill run ``b``'s read-outs after :math:`M_t=M_{t-q}` (bitwise) at step ``t``.

    The map is deterministic, so :math:`M_s=M_{s-q}` and :math:`\delta_s=\delta_{s-q}` (the same arrays
    subtracted) for every :math:`s>t-q`: the read-outs of the later steps are those of the cycle
    :math:`M_{t-q+1},\dots,M_t`, all in the ring buffers ``hist`` / ``shist`` (slot :math:`s` mod
    :math:`R`).  The run to convergence, if still running, never stops: every shift of the cycle,
    :math:`\delta_{t-q+1},\dots,\delta_t`, already exceeded the stopping tolerance (else it would have stopped), so
    it runs to ``max_iter``."""
    R = hist.shape[0]

    def cyc(s: int) -> int:                    # the step of the cycle (or the ring) equal to step s
        return s if s <= t else t - q + 1 + (s - (t - q + 1)) % q

    if steps > t:
        at_steps[b] = hist[cyc(steps) % R]
    if stopped[b]:
        return
    final[b] = hist[cyc(max_iter) % R]
    n_iter[b] = max_iter
    converged[b] = False
    shifts[b] = [shist[cyc(s) % R] if s >= 1 else np.nan for s in (max_iter - 2, max_iter - 1, max_iter)]
    stopped[b] = True
