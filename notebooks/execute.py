"""Execute the jupytext notebooks of this folder with a real kernel, optionally with other parameters.

Every notebook is a jupytext percent-format ``notebooks/<name>.py`` with one code cell tagged
``parameters`` holding its full-size parameters.  :func:`execute` runs a notebook as written
(``make notebooks``) or with ``params`` injected as a cell right after that one (the tests run
every notebook with small parameters this way, papermill's convention), and can write the
executed ``.ipynb`` and its HTML rendering.  The kernel is a kernelspec for *this* interpreter,
installed into a temporary directory (:func:`python_kernel`), so the user's kernels are never
touched and the notebook runs in the environment that has ``kmrbf`` installed.

Usage (what ``make notebooks`` runs)::

    python notebooks/execute.py [--out notebooks/build] [NAME ...]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KERNEL = "kmrbf-notebooks"
HEADER = "# ---\n# jupyter:\n"
"""How a jupytext notebook starts (this script does not)."""


def notebooks() -> dict[str, Path]:
    """Every jupytext notebook of this folder, by name (file name without ``.py``), sorted."""
    return {p.stem: p for p in sorted(HERE.glob("*.py")) if p.read_text().startswith(HEADER)}


def parameters_cell(nb: Any) -> int:
    """Index of the cell tagged ``parameters``; a notebook without exactly one is an error."""
    idx = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(idx) != 1:
        raise ValueError(f"a notebook needs exactly one cell tagged 'parameters'; found {len(idx)}")
    return idx[0]


def parameter_names(path: Path) -> set[str]:
    """Names assigned in the ``parameters`` cell of the notebook at ``path``."""
    import jupytext

    nb = jupytext.read(path)
    tree = ast.parse(nb.cells[parameters_cell(nb)].source)
    return {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign) for t in node.targets
            if isinstance(t, ast.Name)}


@contextlib.contextmanager
def python_kernel() -> Iterator[str]:
    """A kernelspec for the running interpreter in a temporary ``JUPYTER_PATH`` entry; yields its name."""
    from ipykernel.kernelspec import install

    old = os.environ.get("JUPYTER_PATH")
    with tempfile.TemporaryDirectory() as prefix:
        install(kernel_name=KERNEL, prefix=prefix)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(Path(prefix) / "share" / "jupyter")] + ([old] if old else []))
        try:
            yield KERNEL
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


def execute(path: Path, kernel: str, *, params: Mapping[str, Any] | None = None, cwd: Path | None = None,
            out: Path | None = None, html: bool = False, timeout: int = 600) -> Any:
    """Execute the notebook at ``path``; return the executed ``nbformat`` notebook.

    Parameters
    ----------
    path : Path
        A jupytext percent-format notebook.
    kernel : str
        Kernel name (from :func:`python_kernel`).
    params : mapping, optional
        Values injected as a cell after the ``parameters`` cell (each must be a name that cell
        assigns); ``None`` runs the notebook as written (full parameters).
    cwd : Path, optional
        Working directory of the kernel (default: ``out``, else the notebook's folder).
    out : Path, optional
        Folder for ``<name>.ipynb`` (and ``<name>.html`` with ``html=True``).
    html : bool
        Also render the executed notebook as HTML (needs nbconvert).
    timeout : int
        Seconds allowed per cell.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises (an answer's assertion included).
    ValueError
        If ``params`` names a parameter the notebook does not have.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    if params:
        unknown = sorted(set(params) - parameter_names(path))
        if unknown:
            raise ValueError(f"{path.name} has no parameters {unknown}")
        cell = nbformat.v4.new_code_cell("\n".join(f"{k} = {v!r}" for k, v in params.items()))
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(parameters_cell(nb) + 1, cell)
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Python 3", "language": "python"}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    workdir = cwd or out or path.parent
    NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                   resources={"metadata": {"path": str(workdir)}}).execute()
    if out is not None:
        nbformat.write(nb, out / f"{path.stem}.ipynb")
        if html:
            from nbconvert import HTMLExporter

            body, _ = HTMLExporter().from_notebook_node(nb)
            (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Execute the notebooks with their full parameters and render HTML.")
    ap.add_argument("names", nargs="*", help="notebook names (default: all)")
    ap.add_argument("--out", type=Path, default=HERE / "build", help="output folder (default: notebooks/build)")
    args = ap.parse_args(argv)
    found = notebooks()
    missing = sorted(set(args.names) - set(found))
    if missing:
        ap.error(f"no notebook named {missing}; have {sorted(found)}")
    with python_kernel() as kernel:
        for name in args.names or list(found):
            print(f"executing {name} ...", flush=True)
            execute(found[name], kernel, out=args.out.resolve(), html=True)
            print(f"  wrote {args.out / (name + '.html')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
