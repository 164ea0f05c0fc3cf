"""Charts of a finding (:class:`kmrbf.claims.catalog.Chart`), drawn from an evidence result's table or mapping.

:func:`chart_series` reads the points (pure, tested); :func:`draw_chart` draws them as PDF bytes
without time stamps, so the same results give the same file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmrbf.claims.catalog import Chart
from kmrbf.verdict import ClaimResult

from .findings import FindingError, leading_number, select
from .graph import save_pdf_bytes

__all__ = ["chart_series", "draw_chart", "chart_file"]


def chart_file(claim_id: str) -> str:
    """The file name of a claim's finding chart, e.g. ``finding-kr-t3.pdf``."""
    return f"finding-{claim_id.lower()}.pdf"


def chart_series(chart: Chart, cr: ClaimResult) -> dict[str, list[tuple[float, float]]]:
    """The points of ``chart``: one series per ``group`` value (``""`` without groups), sorted by x.

    Table rows whose x or y is not a number (``"-"``) are skipped; ``absolute`` takes ``|y|``;
    on a log axis non-positive values are skipped.  Raises :class:`~kmrbf.report.findings.FindingError`
    if the evidence, the path or every point is missing.
    """
    found = [r for r in cr.results if r.name == chart.evidence]
    if not found:
        raise FindingError(f"{cr.claim.id}: no evidence named {chart.evidence!r} for the chart")
    try:
        node: Any = select(found[0].to_dict(), chart.path)
    except (KeyError, IndexError, TypeError) as exc:
        raise FindingError(f"{cr.claim.id}: chart path {list(chart.path)} not in {chart.evidence!r}: {exc}") from None
    if isinstance(node, Mapping) and "columns" in node and "rows" in node:
        cols = list(node["columns"])
        rows = [dict(zip(cols, r)) for r in node["rows"]]
        rows = [r for r in rows if all(str(r.get(k)) == str(v) for k, v in chart.where)]
        missing = [c for c in (chart.x, chart.y, *chart.group) if c not in cols]
        if missing:
            raise FindingError(f"{cr.claim.id}: chart columns {missing} not in {chart.evidence!r} ({cols})")
        raw = [(", ".join(str(r[g]) for g in chart.group), r[chart.x], r[chart.y]) for r in rows]
    elif isinstance(node, Mapping):
        raw = [("", k, v) for k, v in node.items()]
        raw = [(g, k.split("=")[-1] if isinstance(k, str) else k, v) for g, k, v in raw]
    else:
        raise FindingError(f"{cr.claim.id}: chart path {list(chart.path)} is neither a table nor a mapping")
    series: dict[str, list[tuple[float, float]]] = {}
    for g, xv, yv in raw:
        x, y = leading_number(xv), leading_number(yv)
        if x is None or y is None:
            continue
        y = abs(y) if chart.absolute else y
        if (chart.xlog and x <= 0) or (chart.ylog and y <= 0):
            continue
        series.setdefault(g, []).append((x, y))
    if not series:
        raise FindingError(f"{cr.claim.id}: the chart of {chart.evidence!r} has no points")
    return {g: sorted(pts) for g, pts in series.items()}


def draw_chart(chart: Chart, cr: ClaimResult) -> bytes:
    """``chart`` drawn from ``cr`` as PDF bytes (raises :class:`~kmrbf.report.findings.FindingError`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = chart_series(chart, cr)
    with plt.rc_context({"font.family": "DejaVu Sans", "font.size": 8, "pdf.compression": 6}):
        many = len(series) > 6
        fig, ax = plt.subplots(figsize=(6.4 if many else 5.2, 2.9))
        for g, pts in series.items():
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=2.5, lw=0.9, label=g or None)
        if chart.xlog:
            ax.set_xscale("log")
        if chart.ylog:
            ax.set_yscale("log")
        ax.set_xlabel(chart.xlabel)
        ax.set_ylabel(chart.ylabel)
        ax.grid(True, lw=0.3, alpha=0.5)
        if len(series) > 1:  # beside the axes when there are many lines, so it hides none
            ax.legend(fontsize=5.5 if many else 6, ncol=2 if len(series) > 12 else 1, frameon=False,
                      **({"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if many else {}))
        fig.tight_layout()
        data = save_pdf_bytes(fig)
        plt.close(fig)
    return data
