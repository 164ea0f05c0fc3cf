"""The import rule of :mod:`kmrbf.numerics._kernels`, checked on the source with :mod:`ast`.

Rule: a module under ``numerics/`` imports an underscore-prefixed name (``from M import
_name``, or ``alias._name`` where ``alias`` is an imported module of :mod:`kmrbf.numerics`)
only from a module named ``_kernels`` (``numerics/_kernels.py`` or a subpackage's
``_kernels.py``).  Helpers shared within a subpackage that are not kernels carry names
without an underscore in that subpackage's private modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NUMERICS = Path(__file__).resolve().parents[2] / "numerics"
FILES = sorted(NUMERICS.rglob("*.py"))


def _package_of(path: Path) -> list[str]:
    parts = list(path.relative_to(NUMERICS).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ["kmrbf", "numerics", *parts[:-1]]
    return ["kmrbf", "numerics", *parts[:-1]]


def _resolve(path: Path, node: ast.ImportFrom) -> list[str]:
    """Absolute dotted parts of the module ``node`` imports from."""
    if node.level == 0:
        return (node.module or "").split(".")
    base = _package_of(path)
    base = base[: len(base) - (node.level - 1)]
    return base + (node.module.split(".") if node.module else [])


def _module_file(parts: list[str]) -> Path | None:
    """The file of ``kmrbf.numerics...`` module ``parts`` (None when it is not one)."""
    if parts[:2] != ["kmrbf", "numerics"]:
        return None
    p = NUMERICS.joinpath(*parts[2:])
    if p.with_suffix(".py").is_file():
        return p.with_suffix(".py")
    if (p / "__init__.py").is_file():
        return p / "__init__.py"
    return None


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def violations(path: Path) -> list[str]:
    """Every underscore name ``path`` takes from a module other than a ``_kernels``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    modules: dict[str, list[str]] = {}  # local alias -> the numerics module it names
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            src = _resolve(path, node)
            for alias in node.names:
                sub = src + [alias.name]
                if _module_file(sub) is not None:  # ``from .. import activations as act``
                    modules[alias.asname or alias.name] = sub
                    continue
                if _private(alias.name) and src[-1] != "_kernels":
                    found.append(f"line {node.lineno}: from {'.'.join(src)} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if _module_file(parts) is not None and alias.asname:
                    modules[alias.asname] = parts
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules and _private(node.attr)
                and modules[node.value.id][-1] != "_kernels"):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr} "
                         f"({'.'.join(modules[node.value.id])})")
    return found


@pytest.mark.parametrize("path", FILES, ids=[str(f.relative_to(NUMERICS)) for f in FILES])
def test_private_names_come_only_from_kernels(path):
    assert violations(path) == []


def test_the_checker_sees_a_violation(tmp_path, monkeypatch):
    """The checker is not vacuous: both import forms are caught, ``_kernels`` is allowed."""
    bad = NUMERICS / "fuzzy" / "_soft.py"  # a real path, so relative imports resolve
    src = ("from ..activations import _softmax\nfrom .._kernels import _softmax as ok\n"
           "from .. import activations as act\nact._softmax\n")
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: src)
    found = violations(bad)
    assert len(found) == 2, found
    assert "kmrbf.numerics.activations import _softmax" in found[0]
    assert "act._softmax" in found[1]
