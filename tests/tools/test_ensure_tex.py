"""tools/ensure-tex: the TeX engine for the PDF, installed when the user may, else the command to run.

Run against stand-in ``latexmk`` / ``apt-get`` executables in a private PATH, so nothing is
installed and no network is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "ensure-tex"
PACKAGES = "latexmk texlive-latex-base texlive-latex-recommended texlive-fonts-recommended lmodern"


def _bin(tmp_path: Path, **scripts: str) -> Path:
    b = tmp_path / "bin"
    b.mkdir(exist_ok=True)
    for tool in ("id", "head"):
        os.symlink(shutil.which(tool), b / tool)
    for name, body in scripts.items():
        (b / name).write_text("#!/bin/bash\n" + body + "\n")
        (b / name).chmod(0o755)
    return b


def _run(b: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", str(SCRIPT), *args], capture_output=True, text=True,
                          env={"PATH": str(b), **env})


def test_nothing_to_do_when_latexmk_is_there(tmp_path):
    res = _run(_bin(tmp_path, latexmk="exit 0"))
    assert res.returncode == 0 and res.stderr == "" and res.stdout == ""


def test_says_what_to_run_when_it_may_not_install(tmp_path):
    b = _bin(tmp_path)
    res = _run(b, KMRBF_NO_TEX_INSTALL="1")
    assert res.returncode == 0 and f"sudo apt-get install -y --no-install-recommends {PACKAGES}" in res.stderr
    assert _run(b, "--required", KMRBF_NO_TEX_INSTALL="1").returncode == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="the install branch without sudo needs root")
def test_installs_with_apt_and_says_so(tmp_path):
    log = tmp_path / "apt.log"
    fake_latexmk = tmp_path / "bin" / "latexmk"
    apt = (f'echo "$*" >> {log}\n'
           f'case " $* " in *" install "*) printf \'#!/bin/bash\\necho "Latexmk, fake"\\n\' > {fake_latexmk}; '
           f'/bin/chmod 755 {fake_latexmk};; esac')
    b = _bin(tmp_path, **{"apt-get": apt, "env": 'while [[ "$1" == *=* ]]; do export "$1"; shift; done; exec "$@"'})
    res = _run(b, "--required")
    assert res.returncode == 0, res.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "update -qq" and calls[1].endswith(PACKAGES) and "--no-install-recommends" in calls[1]
    assert "installing the TeX packages" in res.stderr and "Latexmk, fake" in res.stderr
