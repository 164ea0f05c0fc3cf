r"""Part 2 of the precision study: errors over grids, against the arb reference.

:func:`logit_grid`: responsibilities and Jacobian-vector product on logits
:math:`-(s, s+g)`; :func:`data_grid`: soft-centroid update, :math:`\nabla W_\sigma` and
gradient step at the Lloyd fixed point of a two-cluster configuration.  The helpers
:func:`float_step` and :func:`vec_err` are shared with the real configurations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import arb as _arb
from .._compat import array_namespace, quiet_fp
from ._dtypes import ALPHA, Progress, dtype_jvp, dtype_probs, to_dtype, to_f64

__all__ = [
    "logit_grid",
    "data_grid",
]


def _refs_pair(zrow: Sequence[float], alpha: str) -> tuple[list[Any], list[Any]]:
    return (_arb.arb_entmax(zrow, alpha, prec=REF_PREC),
            _arb.arb_jvp(zrow, [0.0, 1.0], alpha, prec=REF_PREC))


REF_PREC = 128
_BIG = 1e300


def _status(p: np.ndarray, abs_err: float) -> str:
    if not np.all(np.isfinite(p)):
        return "nan"
    if abs_err > 0.25:
        return "wrong"
    if p.max() == 1.0 and np.count_nonzero(p) == 1:
        return "onehot"
    if p.max() == 1.0:
        return "saturated"
    return "ok"


def logit_grid(dtypes: Sequence[str], impls: Sequence[str], *, n: int,
               scales: tuple[float, float] = (1e-1, 1e6), gaps: tuple[float, float] = (1e-2, 1e4),
               progress: Progress = None) -> list[dict[str, Any]]:
    r"""Errors of the responsibilities and of :math:`Jv` (:math:`v=e_2`) on logits
    :math:`-(s, s+g)` over an ``n`` x ``n`` log grid of scale ``s`` and gap ``g``.

    A JVP "collapses" where it is computed exactly 0 while the reference is not.

    Parameters
    ----------
    dtypes : sequence of str
        Dtypes to study (subset of ``DTYPES``).
    impls : sequence of str
        Implementations to study (subset of ``IMPLEMENTATIONS``).
    n : int
        Number of log-spaced points per axis (``n * n`` grid points).
    scales : tuple of float, optional
        ``(min, max)`` of the logit scale :math:`s>0` (log-spaced).
    gaps : tuple of float, optional
        ``(min, max)`` of the logit gap :math:`g>0` (log-spaced).
    progress : callable or None
        Called with a one-line status message per step (None: silent).

    Returns
    -------
    list of dict
        One row per grid point, dtype and implementation.
    """
    S = np.geomspace(*scales, n)
    G = np.geomspace(*gaps, n)
    ss, gg = np.meshgrid(S, G, indexing="ij")
    z64 = -np.stack([ss.ravel(), ss.ravel() + gg.ravel()], axis=1)
    rows = []
    for name in dtypes:
        z = to_dtype(z64, name)
        zf = to_f64(z)
        refs: dict[str, list] = {}
        for impl in impls:
            if progress:
                progress(f"logit grid {name} {impl} ({len(zf)} points)")
            a = ALPHA[impl]
            if a not in refs:
                refs[a] = [_refs_pair(list(r), a) if np.all(np.isfinite(r)) else None for r in zf]
            p_t = dtype_probs(z, impl)
            v = to_dtype(np.tile([0.0, 1.0], (len(zf), 1)), name)
            p, jv = to_f64(p_t), to_f64(dtype_jvp(p_t, v, impl))
            for i, ref in enumerate(refs[a]):
                rec = {"dtype": name, "impl": impl, "scale": float(ss.ravel()[i]),
                       "gap": float(gg.ravel()[i])}
                if ref is None:  # a logit overflowed to -inf in this dtype: no exact reference
                    ref = _ref_with_inf(zf[i], a)
                pr, jr = ref
                ae = max(_arb.abs_error(c, r, prec=REF_PREC) for c, r in zip(p[i], pr))
                re_ = max(_arb.rel_error(c, r, prec=REF_PREC) for c, r in zip(p[i], pr))
                je = max(_arb.rel_error(c, r, prec=REF_PREC) for c, r in zip(jv[i], jr))
                rec.update(abs_err=ae, rel_err=re_, jvp_rel_err=je,
                           jvp_collapse=bool(np.all(jv[i] == 0) and any(not r.is_zero() for r in jr)),
                           status=_status(p[i], ae))
                rows.append(rec)
    return rows


def _ref_with_inf(zrow: np.ndarray, alpha: str) -> tuple[list[Any], list[Any]]:
    """Reference for a row with -inf logits: those get 0 (the limit); all -inf: undefined (nan)."""
    fin = [j for j, v in enumerate(zrow) if np.isfinite(v)]
    from flint import arb as _a
    if not fin:
        return [_a.nan()] * len(zrow), [_a.nan()] * len(zrow)
    sub = _refs_pair([float(zrow[j]) for j in fin] + [], alpha) if len(fin) == 2 else (
        [_a(1)], [_a(0)])
    p = [_a(0)] * len(zrow)
    jv = [_a(0)] * len(zrow)
    for k, j in enumerate(fin):
        p[j] = sub[0][k]
        jv[j] = sub[1][k] if len(fin) == 2 else _a(0)
    return p, jv


def _two_clusters(delta: float) -> tuple[np.ndarray, np.ndarray]:
    r"""1-D data :math:`\{-a\pm1, a\pm1\}`, Lloyd fixed point :math:`M^*=(-a,a)`, margin
    :math:`\Delta=4a(a-1)`, so :math:`d_{(1)}=1` for every point."""
    a = 0.5 * (1.0 + math.sqrt(1.0 + delta))
    X = np.array([[-a - 1.0], [-a + 1.0], [a - 1.0], [a + 1.0]])
    return X, np.array([[-a], [a]])


def float_step(X: Any, M: Any, sigma: Any, impl: str) -> dict[str, Any]:
    """Soft centroids, grad W and the gradient step, all in the dtype of the inputs."""
    xp = array_namespace(X)
    with quiet_fp(invalid=True):
        diff = X[:, None, :] - M[None, :, :]
        d = xp.sum(diff * diff, axis=-1)
        z = -d / sigma
        p = dtype_probs(z, impl)
        tot = xp.sum(p, axis=0)
        sc = (xp.matmul(xp.permute_dims(p, (1, 0)), X)) / tot[:, None]
        jd = dtype_jvp(p, d, impl)
        c = 2.0 * (p - jd / sigma)
        g = xp.sum(c[:, :, None] * (-diff), axis=0)
        step = M - g / (2.0 * tot[:, None])
    return {"soft": sc, "grad": g, "step": step, "tot": tot}


def vec_err(c: np.ndarray, ref: list[list[Any]]) -> float:
    """Norm-wise relative error ``||c - ref|| / ||ref||`` (0 if both are 0, inf if only ref is)."""
    from flint import arb as _a, ctx
    cf = np.asarray(c, dtype=np.float64).ravel()
    flat = [r for row in ref for r in row]
    if not np.all(np.isfinite(cf)):
        return math.inf
    if any(r.is_nan() for r in flat):
        return math.nan
    with ctx.workprec(REF_PREC):
        # upper bounds of |x - r| and lower bounds of |r|: a ball straddling 0 stays >= 0
        ups = [abs(_a(_arb.exact_rational(x)) - r).upper() for x, r in zip(cf, flat)]
        num = sum((u * u for u in ups), _a(0))
        den = sum((abs(r).lower() ** 2 for r in flat), _a(0))
        if all(r.is_zero() for r in flat):
            return 0.0 if all(x == 0 for x in cf) else math.inf
        if den.is_zero():
            return math.nan
        return float((num / den).sqrt().mid())


def data_grid(dtypes: Sequence[str], impls: Sequence[str], *, n: int,
              sigmas: tuple[float, float] = (1e-5, 1e1), deltas: tuple[float, float] = (1e-2, 1e2),
              progress: Progress = None) -> list[dict[str, Any]]:
    r"""Errors of the soft-centroid update, :math:`\nabla W_\sigma` and the gradient step at the
    Lloyd fixed point of :func:`_two_clusters`, over an ``n`` x ``n`` log grid of
    :math:`(\sigma,\Delta)`; logit scale :math:`d_{(1)}/\sigma=1/\sigma`, gap :math:`\Delta/\sigma`.

    ``grad_collapse``: the computed gradient is exactly 0 while the true one is not.

    Parameters
    ----------
    dtypes : sequence of str
        Dtypes to study (subset of ``DTYPES``).
    impls : sequence of str
        Implementations to study (subset of ``IMPLEMENTATIONS``).
    n : int
        Number of log-spaced points per axis (``n * n`` grid points).
    sigmas : tuple of float, optional
        ``(min, max)`` of the temperature :math:`\sigma>0` (log-spaced; divides squared
        distances).
    deltas : tuple of float, optional
        ``(min, max)`` of the margin :math:`\Delta>0` of the two-cluster fixed point
        (squared-distance gap; log-spaced).
    progress : callable or None
        Called with a one-line status message per step (None: silent).

    Returns
    -------
    list of dict
        One row per grid point, dtype and implementation.
    """
    Sg, Dl = np.geomspace(*sigmas, n), np.geomspace(*deltas, n)
    rows = []
    for name in dtypes:
        if progress:
            progress(f"data grid {name} ({n}x{n})")
        for sigma in Sg:
            for delta in Dl:
                X64, M64 = _two_clusters(float(delta))
                X, M, sigma_d = to_dtype(X64, name), to_dtype(M64, name), to_dtype(np.array(sigma), name)
                Xe, Me, sigma_e = to_f64(X), to_f64(M), float(to_f64(sigma_d))
                refs: dict[str, Any] = {}
                for impl in impls:
                    a = ALPHA[impl]
                    if a not in refs:
                        refs[a] = _data_refs(Xe, Me, sigma_e, a)
                    out = {k: to_f64(v) for k, v in float_step(X, M, sigma_d, impl).items()}
                    soft_r, grad_r, step_r = refs[a]
                    grad_zero_ref = all(r.is_zero() for row in grad_r for r in row)
                    rows.append({
                        "dtype": name, "impl": impl, "sigma": float(sigma), "delta": float(delta),
                        "scale": 1.0 / float(sigma), "gap_over_sigma": float(delta / sigma),
                        "update_rel_err": vec_err(out["soft"], soft_r),
                        "grad_rel_err": vec_err(out["grad"], grad_r),
                        "step_rel_err": vec_err(out["step"], step_r),
                        "grad_collapse": bool(np.all(out["grad"] == 0) and not grad_zero_ref),
                        "grad_exact_zero_true": bool(grad_zero_ref),
                        "nan": bool(not np.all(np.isfinite(out["soft"]))),
                    })
    return rows


def _data_refs(X: np.ndarray, M: np.ndarray, sigma: float, alpha: str) -> tuple[Any, Any, Any]:
    from flint import ctx
    soft = _arb.arb_soft_centroids(X, M, sigma, alpha=alpha, prec=REF_PREC)
    grad = _arb.arb_grad_W_sigma(X, M, sigma, alpha=alpha, prec=REF_PREC)
    w = _arb.arb_responsibilities(X, M, sigma, alpha=alpha, prec=REF_PREC)
    with ctx.workprec(REF_PREC):
        tots = [sum((w[i][k] for i in range(len(w))), _arb.to_arb(0)) for k in range(len(M))]
        step = [[_arb.to_arb(M[k][t], prec=REF_PREC) - grad[k][t] / (2 * tots[k])
                 for t in range(M.shape[1])] for k in range(len(M))]
    return soft, grad, step
