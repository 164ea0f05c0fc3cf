"""Imports run one way: the layer contracts of ARCHITECTURE.md, checked over the import graph.

Layers, top to bottom; a module imports only from its own group or from layers
below it, and groups of one layer ("a | b") do not import each other.  Every
import statement counts, including those inside functions
(:func:`kmrbf.importgraph.import_graph`).  No module may sit outside the layers,
and the graph has no cycles.
"""

from __future__ import annotations

import pytest

from kmrbf.importgraph import import_graph

LAYERS = (
    ("kmrbf.cli",),
    ("kmrbf.report",),
    ("kmrbf.runner",),
    ("kmrbf.cache",),
    ("kmrbf.claims", "kmrbf.verdict"),
    ("kmrbf.evidence", "kmrbf.bench"),
    ("kmrbf.cluster", "kmrbf.torch"),
    ("kmrbf.numerics", "kmrbf.theory"),
    ("kmrbf.profiles", "kmrbf.importgraph", "kmrbf.recheck"),
)

GRAPH = import_graph(parents=False)


def _group(module: str) -> tuple[int, str] | None:
    for level, groups in enumerate(LAYERS):
        for g in groups:
            if module == g or module.startswith(g + "."):
                return level, g
    return None


def test_every_module_sits_in_a_layer():
    loose = [m for m in GRAPH if _group(m) is None and m != "kmrbf"]
    assert not loose, f"modules outside the layers of tests/test_layers.py: {loose}"
    assert GRAPH["kmrbf"] == set(), "the root package imports nothing"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_one_way(module):
    if module == "kmrbf":
        return
    level, group = _group(module)
    bad = []
    for target in sorted(GRAPH[module]):
        t_level, t_group = _group(target)
        if t_group == group:
            continue
        if t_level <= level:
            bad.append(f"{module} -> {target} ({group} may not import {t_group})")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    state: dict[str, str] = {}

    def visit(m: str, path: tuple[str, ...]) -> None:
        assert state.get(m) != "open", "import cycle: " + " -> ".join(path[path.index(m):] + (m,))
        if state.get(m) == "done":
            return
        state[m] = "open"
        for n in sorted(GRAPH[m]):
            visit(n, path + (m,))
        state[m] = "done"

    for m in sorted(GRAPH):
        visit(m, ())


@pytest.mark.parametrize("module, forbidden", [
    ("kmrbf.numerics", ("kmrbf.claims", "kmrbf.cli", "kmrbf.report", "kmrbf.evidence", "kmrbf.theory")),
    ("kmrbf.theory", ("kmrbf.claims", "kmrbf.cli", "kmrbf.report", "kmrbf.evidence", "kmrbf.numerics")),
    ("kmrbf.claims", ("kmrbf.cli", "kmrbf.runner", "kmrbf.report", "kmrbf.cache")),
])
def test_forbidden_imports(module, forbidden):
    """The issue's contracts spelled out (implied by the layers; kept so a layer edit cannot drop them)."""
    edges = [(m, t) for m, targets in GRAPH.items() if m == module or m.startswith(module + ".")
             for t in targets if any(t == f or t.startswith(f + ".") for f in forbidden)]
    assert not edges, edges
