"""Tests of the package kmrbf.torch: an optional part of kmrbf (needs PyTorch, imported by nothing else)."""

from __future__ import annotations

import importlib
import sys

import pytest

from kmrbf.importgraph import import_graph


def test_without_torch_the_import_error_says_how_to_install(monkeypatch):
    """Simulated absence: ``sys.modules["torch"] = None`` makes ``import torch`` raise ImportError."""
    for name in [m for m in sys.modules if m == "kmrbf.torch" or m.startswith("kmrbf.torch.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"kmrbf\.torch needs PyTorch, which is not installed: "
                                          r"pip install 'kmrbf\[torch\]'") as info:
        importlib.import_module("kmrbf.torch")
    assert isinstance(info.value.__cause__, ImportError)


def test_nothing_else_in_kmrbf_imports_kmrbf_torch():
    graph = import_graph(parents=False)
    inside = {m for m in graph if m == "kmrbf.torch" or m.startswith("kmrbf.torch.")}
    assert "kmrbf.torch.layer" in inside
    edges = [(m, t) for m, targets in graph.items() if m not in inside for t in targets if t in inside]
    assert not edges, edges


def test_public_names():
    torch = pytest.importorskip("torch", reason="kmrbf.torch needs PyTorch: pip install 'kmrbf[torch]'")
    import kmrbf.torch as kt
    assert sorted(kt.__all__) == ["RBFClustering", "centroid_loss", "entmax", "responsibilities", "sq_distances"]
    assert isinstance(kt.RBFClustering(n_clusters=2, n_features=3), torch.nn.Module)
