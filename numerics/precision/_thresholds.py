r"""Part 1 of the precision study: thresholds where each implementation breaks.

NaN, saturation (largest responsibility exactly 1), underflow (smallest exactly 0),
loss of the logit gap, subnormal accuracy loss: predicted from the dtype's limits
(:func:`predicted_thresholds`) and measured by bisection on the real kernels
(:func:`measured_thresholds`); :func:`thresholds` tabulates both with the tolerance
of :func:`threshold_tolerance`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import arb as _arb
from ._dtypes import ALPHA, Progress, dtype_probs, to_dtype, to_f64, dtype_limits

__all__ = [
    "GAP_SCAN_RATIO",
    "predicted_thresholds",
    "measured_thresholds",
    "threshold_tolerance",
    "thresholds",
]


def predicted_thresholds(name: str) -> dict[str, dict[str, float]]:
    r"""Thresholds derived from the limits of dtype ``name`` (``inf`` = never), per implementation.

    Keys: ``nan_scale`` (:math:`d_{(1)}/\sigma` at gap 1 where NaN appears),
    ``subnormal_scale`` (where :math:`e^{z}` turns subnormal: naive loses accuracy),
    ``gap_lost_scale`` (where a gap of 1 is rounded away), ``saturation_gap`` and
    ``underflow_gap`` (at scale 0: the largest responsibility rounds to 1 / the
    smallest to 0), ``onehot_gap`` (both).

    Parameters
    ----------
    name : str
        Name of the dtype, one of ``DTYPES`` (``"float16"``, ``"bfloat16"``,
        ``"float32"``, ``"float64"``).

    Returns
    -------
    dict of str to dict of str to float
        ``{impl: {key: value}}`` for ``impl`` in ``"naive"``, ``"softmax"``,
        ``"entmax15"`` and the keys above; values are logit scales or gaps
        (dimensionless), ``inf`` where the effect never occurs.

    Examples
    --------
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
    return to_dtype(np.array([[-s, -(s + g)]]), name)


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
    r"""The thresholds of :func:`predicted_thresholds`, found by bisection on the real kernels.

    Parameters
    ----------
    name : str
        Name of the dtype, one of ``DTYPES`` (``"float16"``, ``"bfloat16"``,
        ``"float32"``, ``"float64"``).
    impl : str
        Implementation: ``"naive"``, ``"softmax"`` or ``"entmax15"`` (keys of
        :func:`predicted_thresholds`).

    Returns
    -------
    dict of str to float
        The same keys as ``predicted_thresholds(name)[impl]`` (logit scale
        :math:`d_{(1)}/\sigma` or logit gap, dimensionless), each the measured value
        (``inf`` where the effect never occurs in the scanned range).
    """
    L = dtype_limits(name)
    f64 = lambda a: to_f64(a)[0]  # noqa: E731

    def probs(s: float, g: float) -> np.ndarray:
        return f64(dtype_probs(_pair_logits(s, g, name), impl))

    def rel_err(s: float, g: float) -> float:
        z = _pair_logits(s, g, name)
        ref = _arb.arb_entmax(list(to_f64(z)[0]), ALPHA[impl], prec=96)
        p = f64(dtype_probs(z, impl))
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
    z = to_dtype(-np.stack([s, s + 1.0], axis=1), name)
    p = to_f64(dtype_probs(z, impl))
    hit = np.flatnonzero(p[:, 0] == p[:, 1])
    return float(s[hit[0]]) if hit.size else math.inf


def threshold_tolerance(name: str, key: str, value: float) -> float:
    r"""How far a measured threshold may sit from the predicted one (error analysis).

    The parameter is rounded when cast to the dtype (:math:`\le` ulp/2), ``exp`` is
    faithful (:math:`\le1` ulp, i.e. :math:`\le\varepsilon` in the exponent), and in
    the subnormal range a faithful ``exp`` may round anything in :math:`(0,s_{\min})`
    either way: :math:`\ln 2` in the exponent.  Hence
    ``4 ulp(value) + 4 eps`` (+ ``ln 2`` for the underflow-type thresholds).

    Parameters
    ----------
    name : str
        Name of the dtype, one of ``DTYPES`` (``"float16"``, ``"bfloat16"``,
        ``"float32"``, ``"float64"``).
    key : str
        Threshold key of :func:`predicted_thresholds` (``"nan_scale"``, ...); the
        underflow-type keys get the extra :math:`\ln 2`.
    value : float
        The predicted threshold (logit scale or gap).

    Returns
    -------
    float
        Allowed absolute deviation :math:`|{\rm measured}-{\rm predicted}|`, same units
        as ``value``; 0.0 when ``value`` is infinite (it must then match exactly).
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
    """Rows ``{dtype, impl, threshold, predicted, measured, tolerance, agrees}``.

    Parameters
    ----------
    dtypes : sequence of str
        Dtypes to study (subset of ``DTYPES``).
    progress : callable or None
        Called with a one-line status message per step (None: silent).

    Returns
    -------
    list of dict
        One row per dtype, implementation (``"naive"``, ``"softmax"``, ``"entmax15"``)
        and threshold key, with keys ``dtype``, ``impl``, ``threshold``,
        ``predicted``, ``measured``, ``tolerance`` (floats) and ``agrees`` (bool).
    """
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
