"""Every public function and class of the project is called by at least one test.

Public = listed in ``__all__`` of a module none of whose dotted parts starts with an
underscore (``kmrbf.numerics.activations``, ``kmrbf.claims.kr_t3``, ``kmrbf.runner``, ...);
every such module must define ``__all__``.  Every ``tests/**/*.py`` file is searched with
:mod:`ast` for a call ``name(...)`` / ``x.name(...)``, a comparison with it, or its use
as a call argument (``pytest.warns(EmptyClusterWarning)``, ``isinstance(r, LloydResult)``).
Doctests do not count: a test file must call it.
"""

from __future__ import annotations

import ast
import importlib.util
import importlib
import inspect
from pathlib import Path

import pytest

from kmrbf.importgraph import module_files

TESTS = Path(__file__).resolve().parent
#: kmrbf.torch is an optional extra: checked only where torch is installed
_HAS_TORCH = importlib.util.find_spec("torch") is not None
PUBLIC_MODULES = sorted(m for m in module_files() if m != "kmrbf"
                        and not any(part.startswith("_") for part in m.split("."))
                        and (_HAS_TORCH or not m.startswith("kmrbf.torch")))


def _used_names() -> set[str]:
    used: set[str] = set()

    def add(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.Tuple):
            for e in node.elts:
                add(e)

    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Compare):
                for c in node.comparators:
                    add(c)
            elif isinstance(node, ast.Call):
                add(node.func)
                for a in node.args:
                    add(a)
    return used


def _public_callables() -> list[tuple[str, str]]:
    out = set()
    for name in PUBLIC_MODULES:
        mod = importlib.import_module(name)
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            # what a module defines, not what it re-exports (that is tested where it is defined)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == name:
                out.add((name, attr))
    return sorted(out)


USED = _used_names()
CALLABLES = _public_callables()


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_module_defines_all(module):
    mod = importlib.import_module(module)
    assert isinstance(getattr(mod, "__all__", None), (list, tuple)), f"{module} has no __all__"
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ names what it does not define: {missing}"


@pytest.mark.parametrize("module,name", CALLABLES, ids=[f"{m}.{n}" for m, n in CALLABLES])
def test_public_callable_is_called_by_a_test(module, name):
    assert name in USED, f"no test calls {module}.{name}"
