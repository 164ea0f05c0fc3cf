"""Evidence for KR-S36-underflow (KR §3.6): the precision study of :mod:`kmrbf.numerics.precision`.

The status is computed by :func:`kmrbf.numerics.precision.verdict` from the measurements:
``passed`` if both softmax implementations break where entmax-1.5 does not, ``conditional``
(with the measured condition) if only some implementation/dtype pairs do, ``failed`` otherwise.
A second, ``sharper``-role evidence checks that every threshold derived from the dtype limits
is confirmed by measurement.
"""

from __future__ import annotations

from ..evidence import EvidenceList, EvidenceResult, RunContext, Table

__all__: list[str] = []

EVIDENCE = EvidenceList("KR-S36-underflow")


def _params(ctx: RunContext):
    from kmrbf.numerics.precision import StudyParams
    s = ctx.profile.scale
    return StudyParams(logit_n=max(6, round(12 * s)), data_n=max(5, round(8 * s)),
                       blobs_n=max(30, round(40 * s)), blobs_iter=56, seed=ctx.profile.seed % 1000)


@EVIDENCE.register(kind="experiment", name="precision-study", role="paper",
                   description="naive / max-shifted softmax / entmax-1.5 in float16, bfloat16, "
                               "float32, float64 against arb: where the centroid update breaks")
def _study(ctx: RunContext) -> EvidenceResult:
    from kmrbf.numerics.precision import run_study, write_figures, write_tables
    study = run_study(_params(ctx), progress=ctx.report)
    figs = write_figures(study, ctx.out_dir)
    write_tables(study, ctx.out_dir)
    v = study["verdict"]
    rows = [[r["dtype"], r["impl"], r["holds"], r["broken_points"], r["broken_where_entmax_ok"],
             r["grad_collapse_points"], f"{r['max_step_rel_err_at_collapse']:.2g}",
             r.get("blobs_break_iter"), r.get("blobs_entmax_break_iter")] for r in v["per"]]
    per = Table(["dtype", "impl", "claim holds", "broken", "broken where entmax ok",
                 "grad collapses", "step rel.err at collapse", "blobs break iter",
                 "entmax blobs break iter"], rows,
                "Per dtype and softmax implementation: grid points where the soft-centroid update "
                "breaks (NaN or no correct digit), and where entmax-1.5 is fine there.")
    ex = [[r["dtype"], r["impl"], r["exponent"], r["p1"], r["p2"], f"{r['p2_exact_log10']:.1f}"]
          for r in study["paper_example"]]
    paper = Table(["dtype", "impl", "exponent -d/sigma", "p1", "p2", "log10 exact p2"], ex,
                  "§3.6 example (our numbers: the extraction lost the paper's): distance 10, "
                  "sigma 0.01.")
    holds_cex = None
    if v["status"] != "passed" and v["fails"]:
        d, i = v["fails"][0]
        holds_cex = (f"{i} in {d}: its centroid update breaks at no grid point where entmax-1.5 "
                     "is fine (see the per-implementation table)")
    n = len(study["logit_grid"]) + len(study["data_grid"]) + len(study["thresholds"])
    return EvidenceResult(
        status=v["status"], examples=n, condition=v["condition"], counterexample=holds_cex,
        summary=f"verdict {v['status']}" + (f": holds {v['condition']}" if v["condition"] else ""),
        tables=[per, paper], figures=figs,
        data={"verdict": v, "seconds": study["seconds"], "params": study["params"]})


@EVIDENCE.register(kind="experiment", name="precision-thresholds",
                   role="sharper",
                   description="every threshold derived from the dtype limits (NaN, saturation, "
                               "underflow, lost gap) is confirmed by bisection on the kernels")
def _thresholds(ctx: RunContext) -> EvidenceResult:
    from kmrbf.numerics.precision import available_dtypes, thresholds
    rows = thresholds(available_dtypes(), progress=ctx.report)
    bad = [r for r in rows if not r["agrees"]]
    tab = Table(["dtype", "impl", "threshold", "predicted", "measured", "tolerance"],
                [[r["dtype"], r["impl"], r["threshold"], f"{r['predicted']:.6g}",
                  f"{r['measured']:.6g}", f"{r['tolerance']:.2g}"] for r in rows],
                "Thresholds on d_(1)/sigma (scale) and (d_(2)-d_(1))/sigma (gap): predicted from "
                "the dtype limits, measured on the kernels.")
    return EvidenceResult(
        status="failed" if bad else "passed", examples=len(rows),
        counterexample=(None if not bad else "; ".join(
            f"{r['dtype']}/{r['impl']} {r['threshold']}: predicted {r['predicted']:.6g}, "
            f"measured {r['measured']:.6g}" for r in bad)),
        summary=f"{len(rows) - len(bad)}/{len(rows)} thresholds confirmed", tables=[tab],
        data={"thresholds": rows})
