"""Execute every ``notebooks/*.py`` (jupytext percent format) with a real kernel and small parameters."""

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))
#: small parameters, injected after the "parameters" cell (names a notebook does not use are harmless)
SMALL = {"DTYPES": ("float32", "float64"), "LOGIT_GRID": 4, "DATA_GRID": 3, "BLOBS_N": 30}


@pytest.fixture(scope="module")
def kernel_name(tmp_path_factory):
    """A kernelspec for the current interpreter, installed into a temporary prefix that is put
    on ``JUPYTER_PATH`` (no change to the user's kernels)."""
    from ipykernel.kernelspec import install
    prefix = tmp_path_factory.mktemp("kernels")
    install(kernel_name="kmrbf-test", prefix=str(prefix))
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager().get_kernel_spec("kmrbf-test")
    assert Path(spec.argv[0]).name.startswith("python")
    yield "kmrbf-test"
    mp.undo()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, kernel_name, tmp_path):
    jupytext = pytest.importorskip("jupytext")
    nbformat = pytest.importorskip("nbformat")
    from nbclient import NotebookClient
    name = kernel_name
    nb = jupytext.read(path)
    idx = next((i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), -1)
    inject = "\n".join(f"{k} = {v!r}" for k, v in SMALL.items())
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(inject))
    client = NotebookClient(nb, timeout=300, kernel_name=name,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
