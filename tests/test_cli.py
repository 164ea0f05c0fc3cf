"""kmrbf.cli: every subcommand, end to end on small inputs."""

from __future__ import annotations

import json

from kmrbf.cli import main


def test_kmrbf_report_end_to_end(tmp_path, capsys):
    out, cache = tmp_path / "out", tmp_path / "cache"
    argv = ["report", "KR-L1", "KR-C1", "--profile", "dev", "--no-pdf", "--out", str(out),
            "--cache-dir", str(cache)]
    assert main(argv) == 0
    tex1 = (out / "verification.tex").read_bytes()
    doc = json.loads((out / "results.json").read_text())
    assert [c["id"] for c in doc["claims"]] == ["KR-L1", "KR-C1"]
    assert b"claim:KR-L1" in tex1 and b"claim:KR-C1" in tex1
    capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "0 evidence computed" in printed
    assert (out / "verification.tex").read_bytes() == tex1  # cached results: same bytes


def test_bench_cli(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["bench", "--n", "200", "400", "--k", "2", "4", "--d", "2", "--repeat", "1",
                 "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert {"timings", "exponents", "memory"} <= set(doc)
    assert "fitted exponents" in capsys.readouterr().out


def test_bench_sparsity_cli(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert main(["bench", "--sparsity", "--n", "200", "--k", "3", "--d", "2", "--repeat", "1",
                 "--sigma-factors", "0.1", "2", "--json", str(out)]) == 0
    assert len(json.loads(out.read_text())["sparsity"]) == 2
    assert "entmax-sparse/lloyd" in capsys.readouterr().out


def test_cli_caches(tmp_path, capsys):
    argv = ["precision", "--out", str(tmp_path), "--dtypes", "float64", "--grid", "3",
            "--data-grid", "3", "--blobs", "30"]
    assert main(argv) == 0
    assert list((tmp_path / "precision_cache").glob("*.json"))
    assert (tmp_path / "precision_thresholds.csv").exists()
    assert main(argv) == 0
    assert "cached" in capsys.readouterr().err
