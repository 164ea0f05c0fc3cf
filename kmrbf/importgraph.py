"""The project's import graph, read from the source with :mod:`ast` (nothing is imported).

Two users: the result cache (:mod:`kmrbf.cache`) hashes every project module an
evidence module can reach, so editing any helper it depends on changes its key;
and the layer contracts in ``tests/test_layers.py`` check that imports run one
way.  Every ``import`` statement counts, including those inside functions.
Importing ``a.b.c`` also runs ``a/__init__.py`` and ``a/b/__init__.py``, so the
parents of an imported module are edges too.

Examples
--------
>>> graph = import_graph()
>>> "kmrbf.evidence.model" in reachable("kmrbf.verdict", graph)
True
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["PACKAGES", "project_roots", "module_files", "imports_of", "import_graph", "reachable",
           "digest_files"]

#: the project's packages; ``kmrbf.numerics``, ``kmrbf.theory`` and ``kmrbf.report`` live in
#: top-level directories of the repository (pyproject's ``package-dir``)
PACKAGES = ("kmrbf", "kmrbf.numerics", "kmrbf.theory", "kmrbf.report")


def project_roots() -> dict[str, Path]:
    """Where each package of :data:`PACKAGES` lives, located without importing it."""
    roots = {}
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError(f"package {name!r} is not installed")
        roots[name] = Path(next(iter(spec.submodule_search_locations)))
    return roots


def module_files(roots: Mapping[str, Path] | None = None) -> dict[str, Path]:
    """Module name -> source file, for every ``.py`` file under ``roots`` (package -> directory).

    A directory that is itself one of the ``roots`` belongs to that package, not to
    the enclosing one (``kmrbf.numerics`` is not ``kmrbf/numerics``).
    """
    roots = project_roots() if roots is None else roots
    own = {Path(d).resolve() for d in roots.values()}
    files: dict[str, Path] = {}
    for pkg, directory in roots.items():
        directory = Path(directory).resolve()
        for path in sorted(directory.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            if any(p != directory and p in path.parents and directory in p.parents for p in own):
                continue
            rel = path.relative_to(directory).with_suffix("").parts
            if rel[-1] == "__init__":
                rel = rel[:-1]
            files[".".join((pkg, *rel))] = path
    return files


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imports_of(module: str, path: Path, known: Iterable[str], *, parents: bool = True) -> set[str]:
    """The project modules that ``module`` (source ``path``) imports.

    Parameters
    ----------
    module : str
        Dotted name of the module.
    path : Path
        Its source file.
    known : iterable of str
        The project's modules; imports of anything else are ignored.
    parents : bool
        Count the packages an import runs on the way (``a`` and ``a.b`` for
        ``import a.b.c``, and the module's own package) -- what executes, for the
        cache.  ``False`` keeps only the modules named in the statements -- what the
        code depends on, for the layer contracts.

    Returns
    -------
    set of str
    """
    known = set(known)
    tree = ast.parse(Path(path).read_text(), filename=str(path))
    package = module if _is_package(Path(path)) else module.rpartition(".")[0]
    named: set[str] = set()  # the module each statement names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.update(_nearest(alias.name, known) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                named.add(sub if sub in known else _nearest(target, known))
    named.discard("")
    if not parents:
        return named - {module}
    out: set[str] = set()
    for name in named | {package}:  # importing a module runs its packages' __init__ first
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {m for m in out if m in known and m != module}


def _nearest(name: str, known: set[str]) -> str:
    """``name`` or its longest prefix that is a project module ('' if none)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in known:
            return ".".join(parts[:i])
    return ""


def import_graph(roots: Mapping[str, Path] | None = None, *, parents: bool = True) -> dict[str, set[str]]:
    """Module -> the project modules it imports (directly), for the whole project.

    Parameters
    ----------
    roots : mapping of str to Path, optional
        Package -> source directory (default: :func:`project_roots`).
    parents : bool
        As for :func:`imports_of`.

    Returns
    -------
    dict of str to set of str
    """
    files = module_files(roots)
    return {m: imports_of(m, p, files, parents=parents) for m, p in files.items()}


def reachable(module: str, graph: Mapping[str, set[str]]) -> set[str]:
    """``module`` and every project module reachable from it in ``graph``."""
    if module not in graph:
        raise ValueError(f"module={module!r} is not a project module")
    seen, todo = {module}, [module]
    while todo:
        for m in graph[todo.pop()]:
            if m not in seen:
                seen.add(m)
                todo.append(m)
    return seen


def digest_files(paths: Iterable[Path]) -> str:
    """SHA-256 over the names and contents of ``paths`` (order-independent)."""
    h = hashlib.sha256()
    for p in sorted({Path(p).resolve() for p in paths}):
        h.update(p.name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()
