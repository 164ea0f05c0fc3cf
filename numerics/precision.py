r"""Precision limits of softmax and entmax-1.5 responsibilities (KR §3.6, claim KR-S36-underflow).

The study compares, per dtype (float16, bfloat16, float32, float64) and per
implementation, against the rigorous arbitrary-precision reference of
:mod:`kmrbf.numerics.arb`:

``naive``      :math:`e^{z}/\sum e^{z}` (``activations._softmax_naive``);
``softmax``    max-shifted softmax (``activations._softmax``);
``entmax15``   exact sort-based entmax-1.5 (``activations._entmax15``);
``bisect``     entmax-:math:`\alpha` by bisection, :math:`\alpha=1.25` (bonus).

The kernels are the private dtype-preserving ones; the study checks that each
returns its input's dtype.  Every reference is computed at the inputs **as
stored in the dtype** (exact rationals), so the errors measured are those of the
computation, not of rounding the data.

Parts (see :func:`run_study`):

1. :func:`thresholds` — NaN, saturation (largest responsibility exactly 1),
   underflow (smallest exactly 0), loss of the logit gap, subnormal accuracy loss;
   predicted from the dtype's limits (:func:`predicted_thresholds`) and measured
   by bisection on the logit scale :math:`d_{(1)}/\sigma` or gap
   :math:`(d_{(2)}-d_{(1)})/\sigma` (:func:`measured_thresholds`).
2. :func:`logit_grid` and :func:`data_grid` — errors over a grid: responsibilities,
   Jacobian-vector product, soft-centroid update, :math:`\nabla W_\sigma`, gradient step.
3. :func:`paper_example` and :func:`blobs_schedule` — real configurations.
4. :func:`verdict` — the KR-S36-underflow status computed from the measurements.

The derived numbers (``s_min`` smallest subnormal, ``tiny`` smallest normal,
``eps`` machine epsilon, ``p`` significand bits, round to nearest):

* naive NaN: every :math:`e^{z_j}` rounds to 0, :math:`z<\ln(s_{\min}/2)` (float64: 745.13);
* naive accuracy loss: :math:`e^{z}` subnormal, :math:`z<\ln(\mathrm{tiny})` (float64: 708.40);
* softmax saturation: :math:`1+e^{-g}` rounds to 1, :math:`g\ge-\ln(\varepsilon/2)=p\ln2` (36.74);
* softmax underflow of the smallest: :math:`g>-\ln(s_{\min}/2)` (745.13);
* entmax-1.5 exactly one-hot: :math:`g\ge 2=1/(\alpha-1)` in every dtype;
* logits overflow to :math:`-\infty` when :math:`d/\sigma>` ``max`` (float16: 65504);
* a gap of 1 is lost to logit rounding when :math:`d_{(1)}/\sigma\gtrsim2^{p}`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import activations as _act
from . import arb as _arb
from ._compat import array_namespace, quiet_fp

__all__ = [
    "DTYPES",
    "IMPLEMENTATIONS",
    "ALPHA",
    "StudyParams",
    "dtype_limits",
    "available_dtypes",
    "kernel",
    "predicted_thresholds",
    "measured_thresholds",
    "thresholds",
    "logit_grid",
    "data_grid",
    "paper_example",
    "blobs_schedule",
    "verdict",
    "run_study",
    "write_tables",
    "write_figures",
    "PAPER_EXAMPLE",
    "BREAK_REL_ERR",
    "sigma_schedule",
    "threshold_tolerance",
]

DTYPES: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")
IMPLEMENTATIONS: tuple[str, ...] = ("naive", "softmax", "entmax15", "bisect")
#: entmax alpha of each implementation (1 = softmax)
ALPHA: dict[str, str] = {"naive": "1", "softmax": "1", "entmax15": "1.5", "bisect": "1.25"}

Progress = Callable[[str], None] | None


# --------------------------------------------------------------------------- dtypes, kernels
def _torch():
    try:
        import torch
    except ImportError:  # optional backend
        return None
    return torch


def available_dtypes() -> list[str]:
    """The dtypes this machine can run (bfloat16 needs torch)."""
    return [d for d in DTYPES if d != "bfloat16" or _torch() is not None]


def dtype_limits(name: str) -> dict[str, float]:
    r"""Limits of dtype ``name``: ``eps``, ``tiny`` (smallest normal), ``smin`` (smallest
    subnormal), ``max`` and ``p`` (significand bits, :math:`\varepsilon=2^{1-p}`).

    >>> dtype_limits("float64")["p"], dtype_limits("float16")["max"]
    (53, 65504.0)
    """
    if name == "bfloat16":
        torch = _torch()
        if torch is None:
            raise ValueError("dtype='bfloat16' needs torch, which is not installed")
        fi = torch.finfo(torch.bfloat16)
        eps, tiny, mx = float(fi.eps), float(fi.tiny), float(fi.max)
    elif name in ("float16", "float32", "float64"):
        fi = np.finfo(np.dtype(name))
        eps, tiny, mx = float(fi.eps), float(fi.tiny), float(fi.max)
    else:
        raise ValueError(f"dtype={name!r} is not one of {DTYPES}")
    p = 1 - int(round(math.log2(eps)))
    return {"eps": eps, "tiny": tiny, "smin": tiny * eps, "max": mx, "p": p}


def _to_dtype(a: np.ndarray, name: str) -> Any:
    """float64 NumPy array -> array of dtype ``name`` (rounded to nearest; overflow -> inf)."""
    if name == "bfloat16":
        torch = _torch()
        return torch.tensor(np.asarray(a, dtype=np.float64).tolist(), dtype=torch.float64).to(torch.bfloat16)
    with quiet_fp():
        return np.asarray(a, dtype=np.float64).astype(name)


def _to_f64(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):
        return a.detach().to(dtype=_torch().float64).cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def kernel(impl: str) -> Callable[[Any, Any], Any]:
    """The private dtype-preserving kernel ``f(z, xp)`` (rows along the last axis)."""
    if impl == "naive":
        return lambda z, xp: _act._softmax_naive(z, xp, -1)
    if impl == "softmax":
        return lambda z, xp: _act._softmax(z, xp, -1)
    if impl == "entmax15":
        return lambda z, xp: _act._entmax15(z, xp, -1)
    if impl == "bisect":
        return lambda z, xp: _act._entmax_bisect(z, xp, -1, alpha=float(ALPHA["bisect"]))
    raise ValueError(f"impl={impl!r} is not one of {IMPLEMENTATIONS}")


def _probs(z: Any, impl: str) -> Any:
    """Responsibilities in the dtype of ``z``; raises if the kernel changed the dtype."""
    xp = array_namespace(z)
    with quiet_fp(invalid=True):
        p = kernel(impl)(z, xp)
    if p.dtype != z.dtype:
        raise TypeError(f"kernel {impl!r} returned dtype {p.dtype} for input dtype {z.dtype}")
    return p


def _jvp(p: Any, v: Any, impl: str) -> Any:
    r""":math:`Jv` in the dtype of ``p``: :math:`s\odot v-s\,(s\cdot v)/\sum s`, :math:`s=p^{2-\alpha}`."""
    xp = array_namespace(p)
    a = float(ALPHA[impl])
    with quiet_fp(invalid=True):
        s = p if a == 1.0 else xp.where(p > 0, xp.pow(p, xp.asarray(2.0 - a, dtype=p.dtype)), xp.zeros_like(p))
        ssum = xp.sum(s, axis=-1, keepdims=True)
        sv = xp.sum(s * v, axis=-1, keepdims=True)
        return s * v - s * sv / ssum


# --------------------------------------------------------------------------- 1. thresholds
def predicted_thresholds(name: str) -> dict[str, dict[str, float]]:
    r"""Thresholds derived from the limits of dtype ``name`` (``inf`` = never), per implementation.

    Keys: ``nan_scale`` (:math:`d_{(1)}/\sigma` at gap 1 where NaN appears),
    ``subnormal_scale`` (where :math:`e^{z}` turns subnormal: naive loses accuracy),
    ``gap_lost_scale`` (where a gap of 1 is rounded away), ``saturation_gap`` and
    ``underflow_gap`` (at scale 0: the largest responsibility rounds to 1 / the
    smallest to 0), ``onehot_gap`` (both).

    >>> t = predicted_thresholds("float64")
    >>> round(t["naive"]["nan_scale"], 2), round(t["softmax"]["saturation_gap"], 2)
    (745.13, 36.74)
    >>> t["entmax15"]["onehot_gap"]
    2.0
    """
    L = dtype_limits(name)
    eps, smin, mx, p = L["eps"], L["smin"], L["max"], L["p"]
    under = -math.log(smin) + math.log(2.0)  # e^{-x} < smin/2 rounds to 0 beyond this
    sat = -math.log(eps / 2.0)          # 1 + e^{-g} rounds to 1 from here on
    lost = 2.0**p - 0.5                  # cast(s) == cast(s + 1) from here on
    q_sat = math.sqrt(eps / 2.0)        # entmax: x_2^2 absorbed in 1 + x_2^2
    q_und = math.sqrt(smin) / math.sqrt(2.0)  # entmax: x_2^2 underflows
    ent = {
        "nan_scale": math.inf, "subnormal_scale": math.inf, "gap_lost_scale": lost,
        "saturation_gap": 2.0 * math.sqrt(1.0 - q_sat * q_sat) - 2.0 * q_sat,
        "underflow_gap": 2.0 * math.sqrt(1.0 - q_und * q_und) - 2.0 * q_und,
    }
    soft = {"nan_scale": mx, "subnormal_scale": math.inf, "gap_lost_scale": lost,
            "saturation_gap": sat, "underflow_gap": under}
    # a subnormal v is rounded with relative error <= smin/(2v): 64 eps once v < tiny/128,
    # i.e. at gap 0.5 (the probe below) from scale -ln(tiny) + ln 128 - 0.5 on
    naive = dict(soft, nan_scale=under, subnormal_scale=-math.log(L["tiny"]) + math.log(128.0) - 0.5,
                 gap_lost_scale=math.inf if under < lost else lost)
    out = {"naive": naive, "softmax": soft, "entmax15": ent}
    for v in out.values():
        v["onehot_gap"] = max(v["saturation_gap"], v["underflow_gap"])
    return out


def _pair_logits(s: float, g: float, name: str) -> Any:
    """The logits ``-(s, s + g)`` computed in float64 and rounded to dtype ``name``."""
    return _to_dtype(np.array([[-s, -(s + g)]]), name)


def _bisect(pred: Callable[[float], bool], lo: float, hi: float, *, log: bool) -> float:
    """Smallest parameter where ``pred`` turns true (assumed monotone); ``inf`` if never on [lo, hi]."""
    if pred(lo):
        return lo
    if not pred(hi):
        return math.inf
    a, b = (math.log(lo), math.log(hi)) if log else (lo, hi)
    for _ in range(200):
        m = 0.5 * (a + b)
        if not a < m < b:
            break
        if pred(math.exp(m) if log else m):
            b = m
        else:
            a = m
    return math.exp(b) if log else b


def measured_thresholds(name: str, impl: str) -> dict[str, float]:
    """The thresholds of :func:`predicted_thresholds`, found by bisection on the real kernels."""
    L = dtype_limits(name)
    f64 = lambda a: _to_f64(a)[0]  # noqa: E731

    def probs(s: float, g: float) -> np.ndarray:
        return f64(_probs(_pair_logits(s, g, name), impl))

    def rel_err(s: float, g: float) -> float:
        z = _pair_logits(s, g, name)
        ref = _arb.arb_entmax(list(_to_f64(z)[0]), ALPHA[impl], prec=96)
        p = f64(_probs(z, impl))
        return max(_arb.rel_error(c, r, prec=96) for c, r in zip(p, ref))

    big = min(1e300, L["max"]) if name == "float64" else 1e60

    def nan_at(s: float) -> bool:
        return bool(np.isnan(probs(s, 1.0)).any())

    nan_scale = _bisect(nan_at, 1e-3, big, log=True)
    if name == "float64" and not math.isfinite(nan_scale):
        # float64 logits cannot exceed its max: -(d/sigma) overflows to -inf beyond it
        nan_scale = L["max"] if nan_at(math.inf) else math.inf
    out = {
        "nan_scale": nan_scale,
        "gap_lost_scale": _first_gap_loss(name, impl),
        "saturation_gap": _bisect(lambda g: bool(probs(0.0, g)[0] == 1.0), 1e-3, 1e4, log=True),
        "underflow_gap": _bisect(lambda g: bool(probs(0.0, g)[1] == 0.0), 1e-3, 1e4, log=True),
    }
    out["onehot_gap"] = max(out["saturation_gap"], out["underflow_gap"])
    tol = 64 * L["eps"]
    hi_sub = min(out["nan_scale"], 2e3) * 0.999
    out["subnormal_scale"] = (_bisect(lambda s: rel_err(s, 0.5) > tol, 1e-2, hi_sub, log=True)
                              if impl == "naive" else math.inf)
    return out


#: relative spacing of the scan used for ``gap_lost_scale`` (a non-monotone predicate)
GAP_SCAN_RATIO = 1e-4


def _first_gap_loss(name: str, impl: str) -> float:
    """Smallest scale on a fine geometric scan where the gap 1 is rounded away (p_1 == p_2)."""
    L = dtype_limits(name)
    c = 2.0 ** L["p"]
    s = c / 4 * np.exp(np.arange(0.0, math.log(16.0), GAP_SCAN_RATIO))
    # 1/128 steps near 2^p, offset so that no probe is an exact rounding tie: at ties
    # (half-integers >= 2^(p-1) + 1.5) ties-to-even already merges s and s + 1; the
    # generic loss (an open set of scales) starts at 2^p - 1/2
    s = np.sort(np.concatenate([s, c + np.linspace(-4.0, 4.0, 1025) + 1.0 / (128 * math.pi)]))
    z = _to_dtype(-np.stack([s, s + 1.0], axis=1), name)
    p = _to_f64(_probs(z, impl))
    hit = np.flatnonzero(p[:, 0] == p[:, 1])
    return float(s[hit[0]]) if hit.size else math.inf


def threshold_tolerance(name: str, key: str, value: float) -> float:
    r"""How far a measured threshold may sit from the predicted one (error analysis).

    The parameter is rounded when cast to the dtype (:math:`\le` ulp/2), ``exp`` is
    faithful (:math:`\le1` ulp, i.e. :math:`\le\varepsilon` in the exponent), and in
    the subnormal range a faithful ``exp`` may round anything in :math:`(0,s_{\min})`
    either way: :math:`\ln 2` in the exponent.  Hence
    ``4 ulp(value) + 4 eps`` (+ ``ln 2`` for the underflow-type thresholds).
    """
    L = dtype_limits(name)
    if not math.isfinite(value):
        return 0.0
    ulp = 2.0 ** (math.floor(math.log2(abs(value))) - L["p"] + 1) if value else L["smin"]
    tol = 4 * ulp + 4 * L["eps"]
    # gap_lost_scale: the scan steps by 1/128 near 2^p, far below 4 ulp(2^p) = 8
    if key in ("nan_scale", "underflow_gap", "onehot_gap", "subnormal_scale"):
        tol += math.log(2.0)
    return tol


def thresholds(dtypes: Sequence[str], *, progress: Progress = None) -> list[dict[str, Any]]:
    """Rows ``{dtype, impl, threshold, predicted, measured, tolerance, agrees}``."""
    rows = []
    for name in dtypes:
        pred = predicted_thresholds(name)
        for impl in ("naive", "softmax", "entmax15"):
            if progress:
                progress(f"thresholds {name} {impl}")
            meas = measured_thresholds(name, impl)
            for key, pv in pred[impl].items():
                mv = meas[key]
                tol = threshold_tolerance(name, key, pv)
                if key == "subnormal_scale" and math.isfinite(pv):
                    # gradual: before the worst-case onset the error cannot exceed 64 eps
                    agrees = mv >= pv - tol
                else:
                    agrees = (mv == pv) if not math.isfinite(pv) else abs(mv - pv) <= tol
                rows.append({"dtype": name, "impl": impl, "threshold": key, "predicted": pv,
                             "measured": mv, "tolerance": tol, "agrees": bool(agrees)})
    return rows


# --------------------------------------------------------------------------- 2. accuracy grids
def _refs_pair(zrow: Sequence[float], alpha: str) -> tuple[list[Any], list[Any]]:
    return (_arb.arb_entmax(zrow, alpha, prec=_PREC),
            _arb.arb_jvp(zrow, [0.0, 1.0], alpha, prec=_PREC))


_PREC = 128
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
    """
    S = np.geomspace(*scales, n)
    G = np.geomspace(*gaps, n)
    ss, gg = np.meshgrid(S, G, indexing="ij")
    z64 = -np.stack([ss.ravel(), ss.ravel() + gg.ravel()], axis=1)
    rows = []
    for name in dtypes:
        z = _to_dtype(z64, name)
        zf = _to_f64(z)
        refs: dict[str, list] = {}
        for impl in impls:
            if progress:
                progress(f"logit grid {name} {impl} ({len(zf)} points)")
            a = ALPHA[impl]
            if a not in refs:
                refs[a] = [_refs_pair(list(r), a) if np.all(np.isfinite(r)) else None for r in zf]
            p_t = _probs(z, impl)
            v = _to_dtype(np.tile([0.0, 1.0], (len(zf), 1)), name)
            p, jv = _to_f64(p_t), _to_f64(_jvp(p_t, v, impl))
            for i, ref in enumerate(refs[a]):
                rec = {"dtype": name, "impl": impl, "scale": float(ss.ravel()[i]),
                       "gap": float(gg.ravel()[i])}
                if ref is None:  # a logit overflowed to -inf in this dtype: no exact reference
                    ref = _ref_with_inf(zf[i], a)
                pr, jr = ref
                ae = max(_arb.abs_error(c, r, prec=_PREC) for c, r in zip(p[i], pr))
                re_ = max(_arb.rel_error(c, r, prec=_PREC) for c, r in zip(p[i], pr))
                je = max(_arb.rel_error(c, r, prec=_PREC) for c, r in zip(jv[i], jr))
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


def _float_step(X: Any, M: Any, sigma: Any, impl: str) -> dict[str, Any]:
    """Soft centroids, grad W and the gradient step, all in the dtype of the inputs."""
    xp = array_namespace(X)
    with quiet_fp(invalid=True):
        diff = X[:, None, :] - M[None, :, :]
        d = xp.sum(diff * diff, axis=-1)
        z = -d / sigma
        p = _probs(z, impl)
        tot = xp.sum(p, axis=0)
        sc = (xp.matmul(xp.permute_dims(p, (1, 0)), X)) / tot[:, None]
        jd = _jvp(p, d, impl)
        c = 2.0 * (p - jd / sigma)
        g = xp.sum(c[:, :, None] * (-diff), axis=0)
        step = M - g / (2.0 * tot[:, None])
    return {"soft": sc, "grad": g, "step": step, "tot": tot}


def _vec_err(c: np.ndarray, ref: list[list[Any]]) -> float:
    """Norm-wise relative error ``||c - ref|| / ||ref||`` (0 if both are 0, inf if only ref is)."""
    from flint import arb as _a, ctx
    cf = np.asarray(c, dtype=np.float64).ravel()
    flat = [r for row in ref for r in row]
    if not np.all(np.isfinite(cf)):
        return math.inf
    if any(r.is_nan() for r in flat):
        return math.nan
    with ctx.workprec(_PREC):
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
    """
    Sg, Dl = np.geomspace(*sigmas, n), np.geomspace(*deltas, n)
    rows = []
    for name in dtypes:
        if progress:
            progress(f"data grid {name} ({n}x{n})")
        for sigma in Sg:
            for delta in Dl:
                X64, M64 = _two_clusters(float(delta))
                X, M, s = _to_dtype(X64, name), _to_dtype(M64, name), _to_dtype(np.array(sigma), name)
                Xe, Me, se = _to_f64(X), _to_f64(M), float(_to_f64(s))
                refs: dict[str, Any] = {}
                for impl in impls:
                    a = ALPHA[impl]
                    if a not in refs:
                        refs[a] = _data_refs(Xe, Me, se, a)
                    out = {k: _to_f64(v) for k, v in _float_step(X, M, s, impl).items()}
                    soft_r, grad_r, step_r = refs[a]
                    grad_zero_ref = all(r.is_zero() for row in grad_r for r in row)
                    rows.append({
                        "dtype": name, "impl": impl, "sigma": float(sigma), "delta": float(delta),
                        "scale": 1.0 / float(sigma), "gap_over_sigma": float(delta / sigma),
                        "update_rel_err": _vec_err(out["soft"], soft_r),
                        "grad_rel_err": _vec_err(out["grad"], grad_r),
                        "step_rel_err": _vec_err(out["step"], step_r),
                        "grad_collapse": bool(np.all(out["grad"] == 0) and not grad_zero_ref),
                        "grad_exact_zero_true": bool(grad_zero_ref),
                        "nan": bool(not np.all(np.isfinite(out["soft"]))),
                    })
    return rows


def _data_refs(X: np.ndarray, M: np.ndarray, sigma: float, alpha: str) -> tuple[Any, Any, Any]:
    from flint import ctx
    soft = _arb.arb_soft_centroids(X, M, sigma, alpha=alpha, prec=_PREC)
    grad = _arb.arb_grad_W_sigma(X, M, sigma, alpha=alpha, prec=_PREC)
    w = _arb.arb_responsibilities(X, M, sigma, alpha=alpha, prec=_PREC)
    with ctx.workprec(_PREC):
        tots = [sum((w[i][k] for i in range(len(w))), _arb.to_arb(0)) for k in range(len(M))]
        step = [[_arb.to_arb(M[k][t], prec=_PREC) - grad[k][t] / (2 * tots[k])
                 for t in range(M.shape[1])] for k in range(len(M))]
    return soft, grad, step


# --------------------------------------------------------------------------- 3. real configurations
#: KR §3.6's example lost its numbers in the text extraction; these are ours: a point at
#: distance 10 from its nearest centre (d = 100), the other centre at distance 11, sigma = 0.01
PAPER_EXAMPLE = {"distance": 10.0, "other": 11.0, "sigma": 0.01}


def paper_example(dtypes: Sequence[str], impls: Sequence[str], *, distance: float = 10.0,
                  other: float = 11.0, sigma: float = 0.01) -> list[dict[str, Any]]:
    r"""One point at ``distance`` from centre 1 and ``other`` from centre 2: the exponent
    :math:`-d/\sigma` and what each implementation returns (reference: exact one-hot up to
    :math:`e^{-(\mathrm{other}^2-\mathrm{distance}^2)/\sigma}`)."""
    X64 = np.array([[0.0]])
    M64 = np.array([[distance], [-other]])
    rows = []
    for name in dtypes:
        X, M, s = _to_dtype(X64, name), _to_dtype(M64, name), _to_dtype(np.array(sigma), name)
        for impl in impls:
            xp = array_namespace(X)
            with quiet_fp(invalid=True):
                diff = X[:, None, :] - M[None, :, :]
                z = -xp.sum(diff * diff, axis=-1) / s
            p = _to_f64(_probs(z, impl))[0]
            ref = _arb.arb_responsibilities(_to_f64(X), _to_f64(M), float(_to_f64(s)),
                                            alpha=ALPHA[impl], prec=_PREC)[0]
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
    """Halve sigma every 2 iterations from 8 down to 2^-24 (exact in every dtype; float16's
    smallest subnormal)."""
    return np.array([2.0 ** max(3 - t // 2, -24) for t in range(n_iter)])


def blobs_schedule(dtypes: Sequence[str], impls: Sequence[str], *, n_samples: int = 60,
                   n_iter: int = 56, seed: int = 0, progress: Progress = None) -> dict[str, Any]:
    """Soft-Lloyd iterations along :func:`sigma_schedule` on blobs data, per dtype and
    implementation, against the arb trajectory from the same start.

    Returns ``{"sigma": [...], "runs": [{dtype, impl, break_iter, rel_err: [...]}]}``;
    ``break_iter`` is the first iteration with a non-finite centroid or a relative error
    ``>= BREAK_REL_ERR`` against the reference (``None``: kept going).
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
        M = [[_arb.to_arb(v, prec=_PREC) for v in row] for row in M0]
        traj = []
        for s in sig:
            new = _arb.arb_soft_centroids(X64, M, float(s), alpha=a, prec=_PREC)
            M = [nr if not any(v.is_nan() for v in nr) else r for nr, r in zip(new, M)]
            traj.append(M)
        refs[a] = traj
    runs = []
    for name in dtypes:
        if progress:
            progress(f"blobs: {name}")
        X = _to_dtype(X64, name)
        for impl in impls:
            M = _to_dtype(M0, name)
            xp = array_namespace(M)
            errs, brk = [], None
            for t, s in enumerate(sig):
                out = _float_step(X, M, _to_dtype(np.array(s), name), impl)
                keep = out["tot"] != 0  # an empty entmax cluster keeps its centre; NaN propagates
                M = xp.where(keep[:, None], out["soft"], M)
                Mf = _to_f64(M)
                err = _vec_err(Mf, refs[ALPHA[impl]][t])
                if brk is None and (not np.all(np.isfinite(Mf)) or err >= BREAK_REL_ERR):
                    brk = t
                errs.append(err)
            runs.append({"dtype": name, "impl": impl, "break_iter": brk, "rel_err": errs})
    return {"sigma": sig.tolist(), "n_samples": n_samples, "seed": seed, "runs": runs}


# --------------------------------------------------------------------------- 4. verdict
#: an update "breaks" when it is not finite or has no correct leading digit
BREAK_REL_ERR = 0.5


def verdict(data_rows: list[dict[str, Any]], blobs: dict[str, Any] | None = None,
            thresholds_rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    r"""KR-S36-underflow from the measurements: for each dtype and softmax implementation,
    does it break (NaN / no correct digit in the centroid update) somewhere on the grid where
    entmax-1.5 does not?  Does its gradient collapse (computed exactly 0, true one not), and
    does that matter for the update?

    ``status`` is ``passed`` if the statement holds for both softmax implementations in every
    dtype, ``conditional`` if for some, ``failed`` if for none.
    """
    def broken(r: dict[str, Any]) -> bool:
        e = r["update_rel_err"]
        return r["nan"] or not (e == e) or e >= BREAK_REL_ERR

    by = {}
    for r in data_rows:
        by.setdefault((r["dtype"], r["impl"]), {})[(r["sigma"], r["delta"])] = r
    dtypes = sorted({k[0] for k in by}, key=DTYPES.index)
    per, holds = [], {}
    for name in dtypes:
        ent = by.get((name, "entmax15"), {})
        ent_broken = {k for k, r in ent.items() if broken(r)}
        for impl in ("naive", "softmax"):
            rows = by.get((name, impl))
            if rows is None:
                continue
            b = {k for k, r in rows.items() if broken(r)}
            only = sorted(b - ent_broken)
            coll = [r for r in rows.values() if r["grad_collapse"]]
            coll_upd = max((r["step_rel_err"] for r in coll if not broken(r)), default=0.0)
            h = bool(only)
            holds[(name, impl)] = h
            per.append({
                "dtype": name, "impl": impl, "holds": h,
                "broken_points": len(b), "broken_where_entmax_ok": len(only),
                "entmax_broken_points": len(ent_broken), "points": len(rows),
                "smallest_broken_scale": min((1.0 / k[0] for k in b), default=math.inf),
                "example": ({"sigma": only[0][0], "delta": only[0][1]} if only else None),
                "grad_collapse_points": len(coll),
                "max_step_rel_err_at_collapse": coll_upd,
                "max_update_rel_err_ok": max((r["update_rel_err"] for r in rows.values()
                                              if not broken(r)), default=0.0),
                "entmax_max_update_rel_err_ok": max((r["update_rel_err"] for r in ent.values()
                                                     if not broken(r)), default=0.0),
            })
    if blobs:
        br = {(r["dtype"], r["impl"]): r["break_iter"] for r in blobs["runs"]}
        for row in per:
            row["blobs_break_iter"] = br.get((row["dtype"], row["impl"]))
            row["blobs_entmax_break_iter"] = br.get((row["dtype"], "entmax15"))
    yes = [k for k, v in holds.items() if v]
    no = [k for k, v in holds.items() if not v]
    status = "passed" if holds and not no else ("conditional" if yes else "failed")

    names = {"naive": "naive softmax e^z/sum e^z", "softmax": "max-shifted softmax"}

    def fmt(keys: list[tuple[str, str]]) -> str:
        out: dict[str, list[str]] = {}
        for d, i in keys:
            out.setdefault(i, []).append(d)
        return "; ".join(f"{names[i]} in {', '.join(ds)}" for i, ds in out.items())

    nan_at = {(r["dtype"], r["impl"]): r["measured"] for r in (thresholds_rows or [])
              if r["threshold"] == "nan_scale"}
    naive_nan = ", ".join(f"{d} {nan_at[(d, 'naive')]:.4g}" for d in dtypes if (d, "naive") in nan_at)
    coll = [r for r in per if r["impl"] == "softmax" and r["grad_collapse_points"]]
    cond = None
    if status == "conditional":
        cond = (f"holds for {fmt(yes)}: its centroid update breaks where entmax-1.5 does not"
                + (f" (NaN once d_(1)/sigma > {naive_nan})" if naive_nan else "")
                + f"; not for {fmt(no)}: it breaks nowhere that entmax-1.5 does not")
        if coll:
            worst = max(r["max_step_rel_err_at_collapse"] for r in coll)
            cond += (f"; its gradient does collapse to exactly 0 ({sum(r['grad_collapse_points'] for r in coll)}"
                     f" grid points) but the gradient-step update there is off by <= {worst:.2g} (relative)")
    return {"status": status, "condition": cond, "per": per,
            "holds": [list(k) for k in yes], "fails": [list(k) for k in no]}


# --------------------------------------------------------------------------- the study
@dataclass(frozen=True)
class StudyParams:
    """Sizes of the study (``kmrbf precision`` defaults; the evidence scales them)."""

    dtypes: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")
    impls: tuple[str, ...] = ("naive", "softmax", "entmax15")
    logit_n: int = 24
    data_n: int = 16
    blobs_n: int = 60
    blobs_iter: int = 56
    seed: int = 0
    do_thresholds: bool = True

    def key(self) -> str:
        import hashlib
        import json
        from dataclasses import asdict
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def run_study(params: StudyParams = StudyParams(), *, progress: Progress = None) -> dict[str, Any]:
    """Run parts 1-4; returns JSON-able tables and the verdict (and the seconds per part)."""
    dts = [d for d in params.dtypes if d in available_dtypes()]
    impls = list(params.impls)
    out: dict[str, Any] = {"params": {k: getattr(params, k) for k in params.__dataclass_fields__},
                           "dtypes": dts, "seconds": {}}
    t0 = time.perf_counter()
    out["thresholds"] = thresholds(dts, progress=progress) if params.do_thresholds else []
    out["seconds"]["thresholds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["logit_grid"] = logit_grid(dts, impls, n=params.logit_n, progress=progress)
    out["seconds"]["logit_grid"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["data_grid"] = data_grid(dts, impls, n=params.data_n, progress=progress)
    out["seconds"]["data_grid"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    out["paper_example"] = paper_example(dts, impls, **PAPER_EXAMPLE)
    out["blobs"] = blobs_schedule(dts, impls, n_samples=params.blobs_n, n_iter=params.blobs_iter,
                                  seed=params.seed, progress=progress)
    out["seconds"]["real"] = time.perf_counter() - t0
    out["verdict"] = verdict(out["data_grid"], out["blobs"], out["thresholds"])
    return out


# --------------------------------------------------------------------------- tables and figures
def write_tables(study: dict[str, Any], out_dir: Any) -> list[str]:
    """Write each table of ``study`` as CSV and the whole study as JSON; returns the file names."""
    import csv
    import json
    from pathlib import Path
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for key in ("thresholds", "logit_grid", "data_grid", "paper_example"):
        rows = study.get(key) or []
        if not rows:
            continue
        path = out / f"precision_{key}.csv"
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        names.append(path.name)
    blobs = study["blobs"]
    path = out / "precision_blobs.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["iteration", "sigma"] + [f"{r['dtype']}/{r['impl']}" for r in blobs["runs"]])
        for t, s in enumerate(blobs["sigma"]):
            w.writerow([t, s] + [r["rel_err"][t] for r in blobs["runs"]])
    names.append(path.name)
    (out / "precision_study.json").write_text(json.dumps(study, indent=1, default=str))
    names.append("precision_study.json")
    return names


def _grid_heatmaps(rows: list[dict[str, Any]], x: str, y: str, val: str, title: str, path: Any,
                   *, lines: dict[tuple[str, str], list[tuple[str, float]]] | None = None) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    dts = sorted({r["dtype"] for r in rows}, key=DTYPES.index)
    ims = sorted({r["impl"] for r in rows}, key=IMPLEMENTATIONS.index)
    fig, axes = plt.subplots(len(dts), len(ims), figsize=(3.2 * len(ims), 2.6 * len(dts)),
                             squeeze=False, sharex=True, sharey=True)
    xs = sorted({r[x] for r in rows})
    ys = sorted({r[y] for r in rows})
    for i, d in enumerate(dts):
        for j, im in enumerate(ims):
            A = np.full((len(ys), len(xs)), np.nan)
            for r in rows:
                if r["dtype"] == d and r["impl"] == im:
                    v = r[val]
                    v = 1.0 if (v is None or v != v or v == math.inf) else v
                    A[ys.index(r[y]), xs.index(r[x])] = math.log10(max(v, 1e-18))
            ax = axes[i][j]
            m = ax.pcolormesh(xs, ys, A, vmin=-18, vmax=0, shading="nearest", cmap="viridis")
            ax.set_xscale("log")
            ax.set_yscale("log")
            for label, v in (lines or {}).get((d, im), []):
                if math.isfinite(v) and xs[0] <= v <= xs[-1]:
                    ax.axvline(v, color="r", lw=0.8, ls="--")
                    ax.text(v, ys[-1], label, color="r", fontsize=6, rotation=90, va="top")
            ax.set_title(f"{d} / {im}", fontsize=8)
            if i == len(dts) - 1:
                ax.set_xlabel(x)
            if j == 0:
                ax.set_ylabel(y)
    fig.colorbar(m, ax=axes, shrink=0.6, label=f"log10 {val} (NaN/inf shown as 0)")
    fig.suptitle(title, fontsize=9)
    for ext in ("pdf", "png"):
        fig.savefig(f"{path}.{ext}", dpi=110)
    plt.close(fig)


def write_figures(study: dict[str, Any], out_dir: Any) -> list[str]:
    """Heatmaps per dtype x implementation, the threshold plot and the blobs trajectories
    (PDF for the report, PNG for viewing); returns file names relative to ``out_dir``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from pathlib import Path
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    th = {(r["dtype"], r["impl"], r["threshold"]): r["measured"] for r in study["thresholds"]}
    lines = {}
    for (d, im, k), v in th.items():
        if k in ("nan_scale", "subnormal_scale"):
            lines.setdefault((d, im), []).append((k, v))
    gap_lines = {}
    for (d, im, k), v in th.items():
        if k in ("saturation_gap", "underflow_gap"):
            gap_lines.setdefault((d, im), []).append((k, v))
    specs = [
        ("logit_grid", "scale", "gap", "rel_err", "responsibilities: max relative error vs arb",
         "precision_resp_relerr", lines),
        ("logit_grid", "gap", "scale", "jvp_rel_err", "Jacobian-vector product J e_2: relative error",
         "precision_jvp_relerr", gap_lines),
        ("data_grid", "sigma", "delta", "update_rel_err", "soft-centroid update: relative error",
         "precision_update_relerr", None),
        ("data_grid", "sigma", "delta", "grad_rel_err", "grad W_sigma at M*: relative error",
         "precision_grad_relerr", None),
    ]
    for key, x, y, val, title, name, ln in specs:
        if study.get(key):
            _grid_heatmaps(study[key], x, y, val, title, out / name, lines=ln)
            files += [f"{name}.pdf", f"{name}.png"]
    if study["thresholds"]:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        keys = ["nan_scale", "subnormal_scale", "saturation_gap", "underflow_gap", "gap_lost_scale"]
        dts = [d for d in DTYPES if d in study["dtypes"]]
        mk = {"naive": "o", "softmax": "s", "entmax15": "^"}
        for r in study["thresholds"]:
            if r["threshold"] not in keys or not (0 < r["measured"] < 1e30):
                continue
            xpos = keys.index(r["threshold"]) + 0.18 * (dts.index(r["dtype"]) - 1.5)
            ax.scatter(xpos, r["measured"], marker=mk[r["impl"]], s=18,
                       color=f"C{dts.index(r['dtype'])}")
            ax.scatter(xpos, r["predicted"], marker="_", s=80, color="k")
        ax.set_yscale("log")
        ax.set_xticks(range(len(keys)), keys, fontsize=7)
        for i, d in enumerate(dts):
            ax.scatter([], [], color=f"C{i}", label=d)
        for im, m in mk.items():
            ax.scatter([], [], marker=m, color="gray", label=im)
        ax.legend(fontsize=6, ncol=2)
        ax.set_title("thresholds: measured (markers) vs predicted from dtype limits (black -)",
                     fontsize=8)
        fig.tight_layout()
        for ext in ("pdf", "png"):
            fig.savefig(out / f"precision_thresholds.{ext}", dpi=110)
        plt.close(fig)
        files += ["precision_thresholds.pdf", "precision_thresholds.png"]
    blobs = study["blobs"]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for r in blobs["runs"]:
        e = [min(max(v, 1e-18), 10.0) if v == v else 10.0 for v in r["rel_err"]]
        ls = {"naive": ":", "softmax": "--", "entmax15": "-", "bisect": "-."}[r["impl"]]
        ax.plot(e, ls=ls, color=f"C{DTYPES.index(r['dtype'])}", label=f"{r['dtype']}/{r['impl']}")
    ax.set_yscale("log")
    ax.set_xlabel("iteration (sigma halves every 2)")
    ax.set_ylabel("rel. error vs arb (10 = NaN)")
    ax.legend(fontsize=5, ncol=3)
    fig.tight_layout()
    for ext in ("pdf", "png"):
        fig.savefig(out / f"precision_blobs.{ext}", dpi=110)
    plt.close(fig)
    files += ["precision_blobs.pdf", "precision_blobs.png"]
    return files
