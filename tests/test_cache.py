"""kmrbf.cache: content-hash keys, atomic writes, figures, what is never cached."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kmrbf.cache import ResultCache, write_atomic
from kmrbf.evidence import Evidence, EvidenceResult, RunContext, Table
from kmrbf.profiles import get_profile
from kmrbf.runner import run_evidence

PROFILE = get_profile("ci")


def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "f.tex"
    write_atomic(path, "old\n")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.tex"]  # no temp file left


def _counting_evidence(calls: list[int], *, version: str = "v1", figure: bool = False) -> Evidence:
    def run(ctx):
        calls.append(1)
        figs = []
        if figure:
            (ctx.out_dir / "f").mkdir(exist_ok=True)
            (ctx.out_dir / "f" / "plot.pdf").write_bytes(b"%PDF-fake")
            figs = ["f/plot.pdf"]
        return EvidenceResult(status="passed", examples=5, summary="ok", figures=figs,
                              tables=[Table(["a"], [[1.5]], "t")], data={"x": [1, 2]})

    return Evidence("KR-L1", "experiment", "counting", "paper", "desc", run, version)


def test_cache_skips_recomputation_and_round_trips(tmp_path):
    calls: list[int] = []
    ctx = RunContext(profile=PROFILE, out_dir=tmp_path / "out")
    cache = ResultCache(tmp_path / "cache")
    first = run_evidence(_counting_evidence(calls), ctx, cache)
    second = run_evidence(_counting_evidence(calls), ctx, ResultCache(tmp_path / "cache"))
    assert len(calls) == 1
    assert second.to_dict() == first.to_dict()
    assert isinstance(second.tables[0], Table)


def test_cache_key_follows_version_profile_and_fresh(tmp_path):
    calls: list[int] = []
    ctx = RunContext(profile=PROFILE, out_dir=tmp_path / "out")
    root = tmp_path / "cache"
    run_evidence(_counting_evidence(calls), ctx, ResultCache(root))
    run_evidence(_counting_evidence(calls, version="v2"), ctx, ResultCache(root))  # code changed
    assert len(calls) == 2
    dev = RunContext(profile=get_profile("dev"), out_dir=tmp_path / "out")
    run_evidence(_counting_evidence(calls, version="v2"), dev, ResultCache(root))
    assert len(calls) == 3
    run_evidence(_counting_evidence(calls, version="v2"), ctx, ResultCache(root, read=False))  # --fresh
    assert len(calls) == 4
    run_evidence(_counting_evidence(calls, version="v2"), ctx, ResultCache(root))
    assert len(calls) == 4


def test_cache_restores_or_recomputes_missing_figures(tmp_path):
    calls: list[int] = []
    out = tmp_path / "out"
    ctx = RunContext(profile=PROFILE, out_dir=out)
    cache = ResultCache(tmp_path / "cache")
    run_evidence(_counting_evidence(calls, figure=True), ctx, cache)
    (out / "f" / "plot.pdf").unlink()
    res = run_evidence(_counting_evidence(calls, figure=True), ctx, cache)
    assert len(calls) == 1 and (out / res.figures[0]).read_bytes() == b"%PDF-fake"
    (out / "f" / "plot.pdf").unlink()
    for stored in (tmp_path / "cache").rglob("plot.pdf"):
        stored.unlink()
    run_evidence(_counting_evidence(calls, figure=True), ctx, cache)
    assert len(calls) == 2


def test_errors_are_not_cached(tmp_path):
    calls: list[int] = []

    def run(ctx):
        calls.append(1)
        raise RuntimeError("numerics not written yet")

    ev = Evidence("KR-L1", "property", "crashing", "paper", "", run, "v")
    ctx = RunContext(profile=PROFILE, out_dir=tmp_path)
    for _ in range(2):
        assert run_evidence(ev, ctx, ResultCache(tmp_path / "cache")).status == "error"
    assert len(calls) == 2


@pytest.fixture
def scratch_tree(tmp_path):
    """A copy of the project's source (package -> directory) that a test may edit."""
    from kmrbf.importgraph import project_roots

    roots = {}
    for name, directory in project_roots().items():
        roots[name] = tmp_path / name
        shutil.copytree(directory, roots[name], ignore=shutil.ignore_patterns("__pycache__", "build"))
    return roots


def _edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# edited\n")


@pytest.mark.parametrize("claim_module, helper", [
    ("kmrbf.claims.kr_t4", "kmrbf/evidence/roundoff.py"),    # imported at module level
    ("kmrbf.claims.kr_t4", "kmrbf.numerics/certify.py"),     # imported inside a function
    ("kmrbf.claims.kr_t4", "kmrbf.numerics/_compat.py"),     # reached through the kernels
    ("kmrbf.claims.kr_s53_cost", "kmrbf/bench.py"),               # the benchmark kernels
    ("kmrbf.claims.kr_t2", "kmrbf/evidence/quadratic.py"),   # a helper shared with KR-L1
    ("kmrbf.claims.kr_e12", "kmrbf.theory/derivation.py"),   # the derivation engine
])
def test_editing_an_imported_helper_changes_the_key(scratch_tree, claim_module, helper):
    """The stale-cache bug: the key must cover every project module the evidence reaches."""
    from kmrbf.cache import source_digest

    package, _, rel = helper.partition("/")
    before = source_digest(claim_module, scratch_tree)
    _edit(scratch_tree[package] / rel)
    assert source_digest(claim_module, scratch_tree) != before


def test_editing_an_unrelated_module_keeps_the_key(scratch_tree):
    from kmrbf.cache import source_digest

    before = {m: source_digest(m, scratch_tree) for m in ("kmrbf.claims.kr_t4", "kmrbf.claims.kr_e12")}
    _edit(scratch_tree["kmrbf"] / "bench.py")
    _edit(scratch_tree["kmrbf"] / "claims" / "kr_s53_cost.py")
    _edit(scratch_tree["kmrbf.report"] / "render.py")
    assert {m: source_digest(m, scratch_tree) for m in before} == before
