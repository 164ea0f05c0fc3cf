"""numpydoc validation of the public API of :mod:`kmrbf.numerics`.

Walks ``__all__`` of every public module (and public subpackage) and validates each public
function and class with :func:`numpydoc.validate.validate`.  Required: **no** error of the codes

* ``GL08`` — the object has no docstring;
* ``PR01`` — a parameter is not documented;
* ``PR02`` — a documented parameter does not exist;
* ``RT01`` — no Returns section (functions only; generators use Yields, classes document
  their constructor parameters and need no Returns).

That every public module defines ``__all__`` and every name in it exists is tests/test_public_api.py's job.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

from kmrbf.importgraph import module_files
from numpydoc.validate import validate

PUBLIC_MODULES = sorted(m for m in module_files() if m.startswith("kmrbf.numerics")
                        and not any(part.startswith("_") for part in m.split(".")))
"""Every public module of kmrbf.numerics (none of its dotted parts starts with ``_``), read from the tree."""
REQUIRED = {"GL08", "PR01", "PR02", "RT01"}


def _public_objects():
    seen = {}
    for name in PUBLIC_MODULES:
        mod = importlib.import_module(name)
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return sorted(seen.items())


OBJECTS = _public_objects()


@pytest.mark.parametrize("qualname,obj", OBJECTS, ids=[q for q, _ in OBJECTS])
def test_numpydoc(qualname, obj):
    errors = [(code, msg) for code, msg in validate(qualname)["errors"] if code in REQUIRED]
    if inspect.isclass(obj):
        errors = [(c, m) for c, m in errors if c != "RT01"]
    assert not errors, errors
