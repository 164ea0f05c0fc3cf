r"""Part 4 of the precision study: the KR-S36-underflow status computed from the measurements."""

from __future__ import annotations

import math
from typing import Any

from ._dtypes import DTYPES

__all__ = [
    "BREAK_REL_ERR",
    "verdict",
]


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

    Parameters
    ----------
    data_rows : list of dict
        Rows of :func:`data_grid`.
    blobs : dict or None, optional
        Result of :func:`blobs_schedule` (None: not used).
    thresholds_rows : list of dict or None, optional
        Rows of :func:`thresholds` (None: not used).

    Returns
    -------
    dict
        ``"status"`` (``"passed"``, ``"conditional"`` or ``"failed"``),
        ``"condition"`` (a sentence for ``"conditional"``, else None), ``"per"`` (one
        dict per dtype and softmax implementation), ``"holds"`` / ``"fails"`` (lists
        of ``[dtype, impl]`` for which the statement holds / fails).
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
