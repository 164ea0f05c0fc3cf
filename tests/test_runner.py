"""kmrbf.runner: running evidence, claims and the whole catalog."""

from __future__ import annotations

import argparse
import io
from concurrent.futures import Executor, Future

import pytest

from kmrbf import runner
from kmrbf.cache import ResultCache, source_digest
from kmrbf.evidence import Evidence, EvidenceResult, RunContext
from kmrbf.profiles import get_profile
from kmrbf.runner import (add_parallel_arguments, format_table, parallel_executor, parallel_flags, progress_printer,
                          results_to_json, run_check, run_claim, run_evidence)


@pytest.fixture
def ctx(tmp_path):
    return RunContext(profile=get_profile("ci"), out_dir=tmp_path)


def test_crashing_evidence_is_an_error_not_a_pass(ctx):
    def crash(ctx):
        raise RuntimeError("boom")

    res = run_evidence(Evidence("KR-L1", "experiment", "crash", "paper", "d", crash), ctx)
    assert res.status == "error" and "boom" in res.summary and "Traceback" in res.data["traceback"]
    assert (res.claim_id, res.name, res.kind, res.role, res.description) == ("KR-L1", "crash", "experiment",
                                                                              "paper", "d")


def test_evidence_must_return_a_result(ctx):
    res = run_evidence(Evidence("KR-L1", "experiment", "none", "paper", "", lambda ctx: None), ctx)
    assert res.status == "error" and "returned NoneType" in res.summary


def test_run_check_runs_in_catalog_order_and_reports_progress(tmp_path):
    messages: list[str] = []
    results = run_check(["VF-E4", "KR-E12"], profile="dev", out_dir=tmp_path, progress=messages.append)
    assert [r.claim.id for r in results] == ["VF-E4", "KR-E12"]
    assert [r.verdict for r in results] == ["verified_sharper", "verified"]
    assert messages[0] == "(1/2) VF-E4" and messages[-1] == "(2/2) KR-E12: verified"
    doc = results_to_json(results, profile="dev")
    assert doc["profile"] == "dev" and [c["id"] for c in doc["claims"]] == ["VF-E4", "KR-E12"]
    with pytest.raises(ValueError, match="unknown"):
        run_check(["NOPE"], profile="dev", out_dir=tmp_path)


def test_format_table_lists_conditions(ctx):
    res = run_claim("VF-E4", ctx)
    res.verdict, res.condition = "conditional", "only on blobs"
    table = format_table([res])
    assert table.splitlines()[0].split() == ["claim", "verdict", "evidence", "examples", "seconds"]
    assert "conditional [1]" in table and "[1] VF-E4: only on blobs" in table


def test_progress_printer_prefixes_elapsed_time():
    out = io.StringIO()
    progress_printer(out)("hello")
    assert out.getvalue().rstrip().endswith("s] hello")


# ------------------------------------------------------------------------- parallel runs
def _without_seconds(results):
    docs = [r.to_dict() for r in results]
    for d in docs:
        d.pop("seconds", None)
        for e in d["evidence"]:
            e.pop("seconds")
    return docs


def _dask_or_skip():
    pytest.importorskip("distributed", reason="distributed is an optional extra: pip install 'kmrbf[dask]'")


def test_parallel_run_on_a_local_cluster_equals_the_serial_run(tmp_path):
    """ci is deterministic: each piece uses the profile's seeds, wherever and in whatever order it runs."""
    _dask_or_skip()
    ids = ["VF-E4", "KR-T2", "KR-S36-order"]
    serial = run_check(ids, profile="ci", out_dir=tmp_path / "serial")
    messages: list[str] = []
    cache = ResultCache(tmp_path / "cache")
    args = argparse.Namespace(workers=2, scheduler=None)
    with parallel_executor(args) as ex:
        parallel = run_check(ids, profile="ci", out_dir=tmp_path / "par", progress=messages.append,
                             cache=cache, executor=ex)
    assert [r.claim.id for r in parallel] == ids
    errors = [f"{e.claim_id}/{e.name}: {e.summary}" for r in parallel for e in r.results if e.status == "error"]
    assert [r.verdict for r in parallel] == [r.verdict for r in serial], errors
    assert _without_seconds(parallel) == _without_seconds(serial)
    n = sum(len(r.results) for r in serial)
    assert messages[0] == f"{n} evidence of 3 claims: 0 cached, {n} on the cluster, 0 timing evidence here afterwards"
    assert sum(m.startswith("[") for m in messages) == n and f"[{n}/{n}] " in messages[-2] + messages[-1]
    assert {m for m in messages if not m.startswith("[")} >= {f"{r.claim.id}: {r.verdict}" for r in serial}
    # the cache the parallel run filled serves the serial run, result for result
    assert cache.misses == [e.claim_id + "/" + e.name for r in serial for e in r.results] and not cache.hits
    again = ResultCache(tmp_path / "cache")
    assert _without_seconds(run_check(ids, profile="ci", out_dir=tmp_path / "again", cache=again)) == \
        _without_seconds(serial)
    assert len(again.hits) == n and not again.misses


class _InlineExecutor(Executor):
    """Runs each submission at once, here (a worker in this process); records what was submitted."""

    def __init__(self, tamper=None):
        self.submitted: list[tuple[str, str]] = []
        self.tamper = tamper

    def submit(self, fn, /, *args, **kwargs):
        self.submitted.append((args[0], args[1]))
        fut: Future = Future()
        try:
            out = fn(*args, **kwargs)
            fut.set_result(self.tamper(out) if self.tamper else out)
        except Exception as exc:
            fut.set_exception(exc)
        return fut


def _writes_files(ctx):
    (ctx.out_dir / "sub").mkdir(exist_ok=True)
    (ctx.out_dir / "sub" / "fig.txt").write_text("figure")
    (ctx.out_dir / "table.csv").write_text("a,b\n1,2\n")
    return EvidenceResult(status="passed", examples=1, figures=["sub/fig.txt"], data={"x": 1})


def _passes(ctx):
    return EvidenceResult(status="passed", examples=2, data={"seed": ctx.profile.seed})


@pytest.fixture
def fake_evidence(monkeypatch):
    """VF-E4 and VF-S51-usps (whose module reaches kmrbf.bench: timing evidence) with stand-in evidence."""
    fakes = {
        "VF-E4": [Evidence("VF-E4", "experiment", "writes-files", "paper", "", _writes_files),
                  Evidence("VF-E4", "symbolic", "passes", "paper", "", _passes)],
        "VF-S51-usps": [Evidence("VF-S51-usps", "experiment", "times", "paper", "", _passes)],
    }
    monkeypatch.setattr(runner, "evidence_for", lambda claim_id: fakes[claim_id])
    return fakes


def test_pieces_go_to_the_executor_timing_evidence_stays_and_files_come_back(tmp_path, fake_evidence):
    ex = _InlineExecutor()
    cache = ResultCache(tmp_path / "cache")
    out = tmp_path / "out"
    results = run_check(["VF-S51-usps", "VF-E4"], profile="ci", out_dir=out, cache=cache, executor=ex)
    assert ex.submitted == [("VF-E4", "writes-files"), ("VF-E4", "passes")]
    assert [r.claim.id for r in results] == ["VF-S51-usps", "VF-E4"]
    assert [[e.name for e in r.results] for r in results] == [["times"], ["writes-files", "passes"]]
    assert all(r.verdict == "verified" for r in results)
    assert results[1].results[1].data == {"seed": get_profile("ci").seed}
    assert (out / "sub" / "fig.txt").read_text() == "figure" and (out / "table.csv").read_text() == "a,b\n1,2\n"
    assert cache.misses == ["VF-S51-usps/times", "VF-E4/writes-files", "VF-E4/passes"]
    # a second run finds everything in the cache (figure included) and submits nothing
    (out / "sub" / "fig.txt").unlink()
    ex2, cache2 = _InlineExecutor(), ResultCache(tmp_path / "cache")
    again = run_check(["VF-S51-usps", "VF-E4"], profile="ci", out_dir=out, cache=cache2, executor=ex2)
    assert ex2.submitted == [] and len(cache2.hits) == 3 and (out / "sub" / "fig.txt").read_text() == "figure"
    assert _without_seconds(again) == _without_seconds(results)


def test_other_sources_or_a_dead_worker_make_an_error_that_is_not_cached(tmp_path, fake_evidence):
    def other_sources(out):
        res, files, digest = out
        return res, files, "0" * 64

    cache = ResultCache(tmp_path / "cache")
    res = run_check(["VF-E4"], profile="ci", out_dir=tmp_path, cache=cache, executor=_InlineExecutor(other_sources))
    assert res[0].verdict == "inconclusive" and len(res[0].testbed_errors) == 2
    assert all(e.status == "error" and "other sources" in e.summary for e in res[0].results)
    assert ResultCache(tmp_path / "cache").load(fake_evidence["VF-E4"][1], get_profile("ci"), tmp_path) is None

    def dies(out):
        raise OSError("worker lost")

    res = run_check(["VF-E4"], profile="ci", out_dir=tmp_path, executor=_InlineExecutor(dies))
    assert [e.summary for e in res[0].results] == ["the worker failed: OSError: worker lost"] * 2
    assert res[0].results[0].name == "writes-files" and res[0].results[0].kind == "experiment"


def test_a_piece_the_worker_does_not_know_is_an_error(tmp_path):
    res, files, digest = runner._run_piece("VF-E4", "no-such-evidence", get_profile("ci"), "token")
    assert res.status == "error" and "no evidence named 'no-such-evidence'" in res.summary and files == {}
    assert digest == source_digest("kmrbf.claims.vf_e4")          # what the cache keys results on


def test_scheduler_address_runs_on_that_cluster(tmp_path):
    _dask_or_skip()
    import distributed

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as cluster:
        args = argparse.Namespace(workers=None, scheduler=cluster.scheduler_address)
        with parallel_executor(args) as ex:
            parallel = run_check(["VF-E4"], profile="ci", out_dir=tmp_path / "p", executor=ex)
    serial = run_check(["VF-E4"], profile="ci", out_dir=tmp_path / "s")
    assert _without_seconds(parallel) == _without_seconds(serial)


def test_parallel_arguments():
    parser = argparse.ArgumentParser()
    add_parallel_arguments(parser)
    args = parser.parse_args(["--workers", "3"])
    assert (args.workers, args.scheduler) == (3, None) and parallel_flags(args) == ["--workers", "3"]
    args = parser.parse_args(["--scheduler", "tcp://h:8786"])
    assert parallel_flags(args) == ["--scheduler", "tcp://h:8786"]
    none = parser.parse_args([])
    assert parallel_flags(none) == []
    with parallel_executor(none) as ex:
        assert ex is None
    for bad in (["--workers", "0"], ["--workers", "two"], ["--workers", "2", "--scheduler", "tcp://h:1"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
