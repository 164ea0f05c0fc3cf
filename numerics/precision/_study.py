r"""The precision study driver: :class:`StudyParams` and :func:`run_study` (parts 1-4)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ._dtypes import Progress, available_dtypes
from ._grids import data_grid, logit_grid
from ._real import PAPER_EXAMPLE, blobs_schedule, paper_example
from ._thresholds import thresholds
from ._verdict import verdict

__all__ = [
    "StudyParams",
    "run_study",
]


@dataclass(frozen=True)
class StudyParams:
    """Sizes of the study (``kmrbf precision`` defaults; the evidence scales them).

    Parameters
    ----------
    dtypes : sequence of str
        Dtypes to study (subset of ``DTYPES``).
    impls : sequence of str
        Implementations to study (subset of ``IMPLEMENTATIONS``).
    logit_n : int
        Points per axis of :func:`logit_grid` (``n`` there).
    data_n : int
        Points per axis of :func:`data_grid`.
    blobs_n : int
        Number of points of :func:`blobs_schedule` (``n_samples``).
    blobs_iter : int
        Number of soft-Lloyd steps of :func:`blobs_schedule` (``n_iter``).
    seed : int
        Seed of the blobs data and start (``seed`` of :func:`blobs_schedule`).
    do_thresholds : bool
        Whether to run part 1 (:func:`thresholds`).
    """

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
    """Run parts 1-4; returns JSON-able tables and the verdict (and the seconds per part).

    Parameters
    ----------
    params : StudyParams, optional
        Dtypes, implementations, grid sizes and seed of the study.
    progress : callable or None
        Called with a one-line status message per step (None: silent).

    Returns
    -------
    dict
        JSON-able tables, the verdict and timings.
    """
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
