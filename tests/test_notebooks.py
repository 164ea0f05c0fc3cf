"""Execute every notebook (``notebooks/<name>.py``, jupytext percent format) with a real kernel and small parameters.

``notebooks/execute.py`` is what ``make notebooks`` runs (full parameters, HTML under
``notebooks/build/``); the tests run the same function with the parameters of :data:`SMALL`
injected after each notebook's ``parameters`` cell.  A notebook's last cell asserts its computed
answer, so a changed answer fails its test.  Adding a notebook is one line in :data:`SMALL`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebooks_execute", ROOT / "notebooks" / "execute.py")
nbexec = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbexec)

#: small parameters per notebook, injected after its "parameters" cell (every notebook needs an entry)
SMALL: dict[str, dict[str, object]] = {
    "precision_limits": {"DTYPES": ("float16", "float32", "float64"), "LOGIT_GRID": 4, "DATA_GRID": 3, "BLOBS_N": 30},
    "theorem3_rates": {"GRID": 10, "DEEPEST": 2000, "F64_GRID": 40},
    "entmax_collapse": {"GRID": 12, "INSTANCES": ("line-K2", "triangle-K3")},
    "vf_audit": {"DATASETS": ("iris",), "SPOT_CHECKS": 1},
    "soft_kmeans_in_practice": {"DATASETS": ("iris", "wine"), "SEEDS": 3, "N_SIGMA": 10, "LAYER_SEEDS": 2,
                                "LAYER_EPOCHS": 4, "BENCH_N": 2000, "BENCH_K": 8, "BENCH_D": 8, "BENCH_REPEAT": 3},
}


@pytest.fixture(scope="module")
def kernel_name():
    """A kernelspec for the current interpreter in a temporary ``JUPYTER_PATH`` entry."""
    with nbexec.python_kernel() as name:
        from jupyter_client.kernelspec import KernelSpecManager
        spec = KernelSpecManager().get_kernel_spec(name)
        assert Path(spec.argv[0]).name.startswith("python")
        yield name


def test_every_notebook_has_small_parameters():
    """Each notebook has an entry in SMALL, and each small parameter is one its parameters cell assigns."""
    found = nbexec.notebooks()
    assert sorted(SMALL) == sorted(found)
    for name, params in SMALL.items():
        assert set(params) <= nbexec.parameter_names(found[name]), name


@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_opens_with_question_and_ends_with_asserted_answer(name):
    """Issue 13: a notebook opens with the question it answers and ends with the answer, computed."""
    import jupytext
    nb = jupytext.read(nbexec.notebooks()[name])
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and first.source.startswith("# ") and "?" in first.source.splitlines()[0]
    assert last.cell_type == "code" and "display(Markdown(" in last.source and "\nassert " in last.source


def test_injection_rejects_unknown_parameters(kernel_name, tmp_path):
    path = nbexec.notebooks()["theorem3_rates"]
    with pytest.raises(ValueError, match="NOT_A_PARAMETER"):
        nbexec.execute(path, kernel_name, params={"NOT_A_PARAMETER": 1}, cwd=tmp_path)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_executes(name, kernel_name, tmp_path):
    """Runs the notebook with small parameters; a failing cell (an answer's assertion) raises."""
    nbformat = pytest.importorskip("nbformat")
    html = importlib.util.find_spec("nbconvert") is not None
    nb = nbexec.execute(nbexec.notebooks()[name], kernel_name, params=SMALL[name], out=tmp_path, html=html)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and all(f"{k} = " in injected[0].source for k in SMALL[name])
    assert nbformat.read(tmp_path / f"{name}.ipynb", as_version=4).cells
    if html:
        assert (tmp_path / f"{name}.html").stat().st_size > 0
