r"""Part 3 of the precision study: real configurations.

:func:`paper_example` (the example of KR §3.6) and :func:`blobs_schedule` (soft-Lloyd
on blobs data along the annealing :func:`sigma_schedule`, against the arb trajectory).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import arb as _arb
from .._compat import array_namespace, quiet_fp
from ._dtypes import ALPHA, Progress, dtype_probs, to_dtype, to_f64
from ._grids import REF_PREC, float_step, vec_err
from ._verdict import BREAK_REL_ERR

__all__ = [
    "PAPER_EXAMPLE",
    "paper_example",
    "sigma_schedule",
    "blobs_schedule",
]


#: KR §3.6's example lost its numbers in the text extraction; these are ours: a point at
#: distance 10 from its nearest centre (d = 100), the other centre at distance 11, sigma = 0.01
PAPER_EXAMPLE = {"distance": 10.0, "other": 11.0, "sigma": 0.01}


def paper_example(dtypes: Sequence[str], impls: Sequence[str], *, distance: float = 10.0,
                  other: float = 11.0, sigma: float = 0.01) -> list[dict[str, Any]]:
    r"""One point at ``distance`` from centre 1 and ``other`` from centre 2: the exponent
    :math:`-d/\sigma` and what each implementation returns (reference: exact one-hot up to
    :math:`e^{-(\mathrm{other}^2-\mathrm{distance}^2)/\sigma}`).

    Parameters
    ----------
    dtypes : sequence of str
        Dtypes to study (subset of ``DTYPES``).
    impls : sequence of str
        Implementations to study (subset of ``IMPLEMENTATIONS``).
    distance : float, optional
        Euclidean (not squared) distance of the point to centre 1.
    other : float, optional
        Euclidean distance of the point to centre 2 (``> distance``).
    sigma : float, optional
        Temperature :math:`\sigma>0`; logits are :math:`-\mathrm{distance}^2/\sigma`,
        :math:`-\mathrm{other}^2/\sigma`.

    Returns
    -------
    list of dict
        One row per dtype and implementation.
    """
    X64 = np.array([[0.0]])
    M64 = np.array([[distance], [-other]])
    rows = []
    for name in dtypes:
        X, M, sigma_d = to_dtype(X64, name), to_dtype(M64, name), to_dtype(np.array(sigma), name)
        for impl in impls:
            xp = array_namespace(X)
            with quiet_fp(invalid=True):
                diff = X[:, None, :] - M[None, :, :]
                z = -xp.sum(diff * diff, axis=-1) / sigma_d
            p = to_f64(dtype_probs(z, impl))[0]
            ref = _arb.arb_responsibilities(to_f64(X), to_f64(M), float(to_f64(sigma_d)),
                                            alpha=ALPHA[impl], prec=REF_PREC)[0]
            rows.append({"dtype": name, "impl": impl, "exponent": -distance**2 / sigma,
                         "p1": float(p[0]), "p2": float(p[1]),
                         "p2_exact": _arb.arb_to_float(ref[1]) if ref[1].mid() != 0 else 0.0,
                         "p2_exact_log10": (float((ref[1].log() / _arb.to_arb(10).log()).mid())
                                            if not ref[1].is_zero() else -math.inf),
                         "nan": bool(np.isnan(p).any()),
                         "abs_err": max(_arb.abs_error(c, r) for c, r in zip(p, ref))})
    return rows


def _blobs(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """make_blobs (3 centres, 2-D), rounded to multiples of 1/4 with |x| < 64: exactly
    representable in every studied dtype (8 significand bits); 3 seeded data points as M0."""
    from sklearn.datasets import make_blobs
    X, _ = make_blobs(n_samples=n_samples, centers=3, n_features=2, cluster_std=1.0,
                      random_state=seed)
    X = np.clip(np.round(X * 4.0) / 4.0, -63.75, 63.75)
    rng = np.random.default_rng(seed)
    return X, X[rng.choice(len(X), 3, replace=False)].copy()


def sigma_schedule(n_iter: int) -> np.ndarray:
    r"""Halve sigma every 2 iterations from 8 down to 2^-24 (exact in every dtype; float16's
    smallest subnormal).

    Parameters
    ----------
    n_iter : int
        Number of iterations (length of the schedule).

    Returns
    -------
    ndarray of shape (n_iter,)
        float64 :math:`\sigma_t=2^{\max(3-\lfloor t/2\rfloor,-24)}`, :math:`t=0,\dots,n-1`.
    """
    return np.array([2.0 ** max(3 - t // 2, -24) for t in range(n_iter)])


def blobs_schedule(dtypes: Sequence[str], impls: Sequence[str], *, n_samples: int = 60,
                   n_iter: int = 56, seed: int = 0, progress: Progress = None) -> dict[str, Any]:
    """Soft-Lloyd iterations along :func:`sigma_schedule` on blobs data, per dtype and
    implementation, against the arb trajectory from the same start.

    Returns ``{"sigma": [...], "runs": [{dtype, impl, break_iter, rel_err: [...]}]}``;
    ``break_iter`` is the first iteration with a non-finite centroid or a relative error
    ``>= BREAK_REL_ERR`` against the reference (``None``: kept going).

    Parameters
    ----------
    dtypes : sequence of str
        Dtypes to study (subset of ``DTYPES``).
    impls : sequence of str
        Implementations to study (subset of ``IMPLEMENTATIONS``).
    n_samples : int, optional
        Number of blobs points.
    n_iter : int, optional
        Number of soft-Lloyd steps, one per entry of :func:`sigma_schedule`.
    seed : int, optional
        Seed of the blobs data and of the start centroids.
    progress : callable or None
        Called with a one-line status message per step (None: silent).

    Returns
    -------
    dict
        ``sigma`` and ``runs``.
    """
    X64, M0 = _blobs(n_samples, seed)
    sig = sigma_schedule(n_iter)
    refs: dict[str, list[list[list[Any]]]] = {}
    for impl in impls:
        a = ALPHA[impl]
        if a in refs:
            continue
        if progress:
            progress(f"blobs: arb reference trajectory alpha={a} ({n_iter} iterations)")
        M = [[_arb.to_arb(v, prec=REF_PREC) for v in row] for row in M0]
        traj = []
        for sigma in sig:
            new = _arb.arb_soft_centroids(X64, M, float(sigma), alpha=a, prec=REF_PREC)
            M = [nr if not any(v.is_nan() for v in nr) else r for nr, r in zip(new, M)]
            traj.append(M)
        refs[a] = traj
    runs = []
    for name in dtypes:
        if progress:
            progress(f"blobs: {name}")
        X = to_dtype(X64, name)
        for impl in impls:
            M = to_dtype(M0, name)
            xp = array_namespace(M)
            errs, brk = [], None
            for t, sigma in enumerate(sig):
                out = float_step(X, M, to_dtype(np.array(sigma), name), impl)
                keep = out["tot"] != 0  # an empty entmax cluster keeps its centre; NaN propagates
                M = xp.where(keep[:, None], out["soft"], M)
                Mf = to_f64(M)
                err = vec_err(Mf, refs[ALPHA[impl]][t])
                if brk is None and (not np.all(np.isfinite(Mf)) or err >= BREAK_REL_ERR):
                    brk = t
                errs.append(err)
            runs.append({"dtype": name, "impl": impl, "break_iter": brk, "rel_err": errs})
    return {"sigma": sig.tolist(), "n_samples": n_samples, "seed": seed, "runs": runs}
