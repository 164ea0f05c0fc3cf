"""kmrbf.importgraph: imports read from source, relative and function-local ones included."""

from __future__ import annotations

from kmrbf.importgraph import digest_files, import_graph, imports_of, module_files, reachable


def _tree(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\nfrom .sub import c as cc\n")
    (pkg / "b.py").write_text("def f():\n    from .sub.d import g\n    import os\n")
    (pkg / "sub" / "__init__.py").write_text("from ..b import f\n")
    (pkg / "sub" / "c.py").write_text("")
    (pkg / "sub" / "d.py").write_text("import pkg.a\n")
    other = tmp_path / "other"
    other.mkdir()
    (other / "__init__.py").write_text("from pkg.sub.c import x\n")
    return {"pkg": pkg, "pkg.other": other}


def test_module_files_maps_roots_to_dotted_names(tmp_path):
    files = module_files(_tree(tmp_path))
    assert set(files) == {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c", "pkg.sub.d", "pkg.other"}


def test_explicit_edges_resolve_relative_and_local_imports(tmp_path):
    g = import_graph(_tree(tmp_path), parents=False)
    assert g["pkg.a"] == {"pkg.b", "pkg.sub.c"}
    assert g["pkg.b"] == {"pkg.sub.d"}          # inside a function; os is not a project module
    assert g["pkg.sub"] == {"pkg.b"}
    assert g["pkg.sub.d"] == {"pkg.a"}
    assert g["pkg.other"] == {"pkg.sub.c"}      # "from m import name": the module m


def test_parent_packages_count_for_what_runs(tmp_path):
    roots = _tree(tmp_path)
    files = module_files(roots)
    assert imports_of("pkg.sub.c", files["pkg.sub.c"], files) == {"pkg", "pkg.sub"}
    g = import_graph(roots)
    assert reachable("pkg.other", g) == {"pkg.other", "pkg", "pkg.sub", "pkg.sub.c", "pkg.b", "pkg.sub.d",
                                         "pkg.a"}


def test_digest_follows_content(tmp_path):
    roots = _tree(tmp_path)
    files = list(module_files(roots).values())
    before = digest_files(files)
    assert digest_files(reversed(files)) == before
    (roots["pkg"] / "a.py").write_text("# changed\n")
    assert digest_files(files) != before
