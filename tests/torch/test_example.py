"""examples/autoencoder_digits.py runs end to end (``--quick``: one seed, 2 + 2 epochs, 400 images)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="kmrbf.torch needs PyTorch: pip install 'kmrbf[torch]'")

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "autoencoder_digits.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("autoencoder_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_prints_the_table(example, capsys):
    assert example.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "| method | ARI | NMI | recon. MSE | train + cluster time (s) |" in out
    for method in example.METHODS:
        assert f"| {method} |" in out
    assert "wall time:" in out and "paired by seed" in out


def test_quick_run_results_are_scores_and_reproducible(example):
    args = example.parse_args(["--quick"])
    assert (args.seeds, args.epochs) == (1, 2)
    first, second = example.run(args), example.run(example.parse_args(["--quick"]))
    assert first["n"] == 400
    for method in example.METHODS:
        s = first["summary"][method]
        assert -1.0 <= s["ARI"][0] <= 1.0 and 0.0 <= s["NMI"][0] <= 1.0
        assert s["time"][0] > 0
        assert s["ARI"] == second["summary"][method]["ARI"]  # seeded: the same clusters
    assert math.isnan(first["summary"][example.METHODS[0]]["MSE"][0])  # no network, no reconstruction
    assert first["summary"][example.METHODS[1]]["MSE"][0] > 0


@pytest.mark.parametrize("argv", [["--seeds", "0"], ["--epochs", "-1"]])
def test_bad_arguments_exit_with_a_message(example, argv, capsys):
    with pytest.raises(SystemExit):
        example.parse_args(argv)
    assert "must be >= 1" in capsys.readouterr().err
