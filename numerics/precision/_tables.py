r"""Tables of the precision study: CSV per table and the whole study as JSON."""

from __future__ import annotations

from typing import Any

__all__ = [
    "write_tables",
]


def write_tables(study: dict[str, Any], out_dir: Any) -> list[str]:
    """Write each table of ``study`` as CSV and the whole study as JSON; returns the file names.

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
        for t, sigma in enumerate(blobs["sigma"]):
            w.writerow([t, sigma] + [r["rel_err"][t] for r in blobs["runs"]])
    names.append(path.name)
    (out / "precision_study.json").write_text(json.dumps(study, indent=1, default=str))
    names.append("precision_study.json")
    return names
