"""The lint gate: ruff's pyflakes rules (F) over every Python file of the project.

Pyflakes finds undefined names (the ``arb_G_sigma`` NameError), unused imports and
variables, and re-exports missing from ``__all__``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREES = ["kmrbf", "numerics", "theory", "report", "tests", "notebooks", "benchmarks", "examples"]


def _ruff() -> list[str]:
    exe = Path(sys.executable).parent / "ruff"
    if exe.exists():
        return [str(exe)]
    if shutil.which("ruff"):
        return ["ruff"]
    pytest.fail("ruff is not installed: `pip install -e '.[test]'` installs it")


def test_pyflakes_rules_pass():
    proc = subprocess.run([*_ruff(), "check", "--no-cache", "--select", "F", "--output-format", "concise",
                           *TREES], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
