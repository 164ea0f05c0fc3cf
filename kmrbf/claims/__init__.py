"""Claim catalogue (:mod:`.catalog`) and the evidence modules that attach to it.

Every module in this package other than ``catalog`` is an evidence module; it is
imported by :func:`load_evidence_modules` and registers evidence on import.
Add a module here to add evidence; the registry, tests and report pick it up.
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["load_evidence_modules"]

_loaded = False


def load_evidence_modules() -> None:
    """Import every evidence module of this package once, in name order."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from . import catalog  # noqa: F401

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name != "catalog" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
