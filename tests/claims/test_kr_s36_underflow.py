"""kmrbf.claims.kr_s36_underflow: the precision-study evidence runs and names its condition."""

from __future__ import annotations


def test_evidence_runs(tmp_path):
    from kmrbf.claims import evidence_for
    from kmrbf.evidence import RunContext
    from kmrbf.profiles import PROFILES
    from kmrbf.runner import run_evidence
    ctx = RunContext(profile=PROFILES["dev"], out_dir=tmp_path)
    evs = {e.name: e for e in evidence_for("KR-S36-underflow")}
    res = run_evidence(evs["precision-study"], ctx)
    assert res.status not in ("error", "skipped"), res.summary
    assert res.figures and all((tmp_path / f).exists() for f in res.figures)
    if res.status == "conditional":
        assert res.condition
