r"""Figures of the precision study (matplotlib, Agg): error heatmaps per dtype x
implementation, measured vs predicted thresholds, blobs trajectories."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._dtypes import DTYPES, IMPLEMENTATIONS

__all__ = [
    "write_figures",
]


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
    (PDF for the report, PNG for viewing); returns file names relative to ``out_dir``.

    Parameters
    ----------
    study : dict
        Result of :func:`run_study`.
    out_dir : path-like
        Directory to write into (created if missing).

    Returns
    -------
    list of str
        Names of the files written, relative to ``out_dir``.
    """
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
