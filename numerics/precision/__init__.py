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

The implementation lives in topical private modules; import from this package:
``_dtypes`` (dtypes, dtype-preserving kernels), ``_thresholds`` (1), ``_grids`` (2),
``_real`` (3), ``_verdict`` (4), ``_study`` (:func:`run_study`), ``_tables`` and
``_plots`` (:func:`write_tables`, :func:`write_figures`).
"""

from __future__ import annotations

from ._dtypes import ALPHA, DTYPES, IMPLEMENTATIONS, available_dtypes, dtype_limits, kernel
from ._grids import data_grid, logit_grid
from ._plots import write_figures
from ._real import PAPER_EXAMPLE, blobs_schedule, paper_example, sigma_schedule
from ._study import StudyParams, run_study
from ._tables import write_tables
from ._thresholds import (
    measured_thresholds,
    predicted_thresholds,
    threshold_tolerance,
    thresholds,
)
from ._verdict import BREAK_REL_ERR, verdict

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
