"""numpydoc validation of :mod:`kmrbf.cluster` (as ``tests/numerics/test_docstrings.py`` for numerics):
every estimator and every public method defined in :mod:`kmrbf.cluster` has a docstring that
documents exactly its parameters (GL08, PR01, PR02) and, for methods, a Returns section (RT01)."""

from __future__ import annotations

import inspect

import pytest
from numpydoc.validate import validate

import kmrbf.cluster as cluster

REQUIRED = {"GL08", "PR01", "PR02", "RT01"}


def _objects():
    out = []
    for name in cluster.__all__:
        cls = getattr(cluster, name)
        if not issubclass(cls, Exception):
            out.append((f"{cls.__module__}.{cls.__qualname__}", False))
        for attr, fn in inspect.getmembers(cls, inspect.isfunction):
            if not attr.startswith("_") and fn.__module__.startswith("kmrbf.cluster"):
                out.append((f"{fn.__module__}.{fn.__qualname__}", True))
    return sorted(set(out))


OBJECTS = _objects()


@pytest.mark.parametrize("qualname,is_method", OBJECTS, ids=[q for q, _ in OBJECTS])
def test_numpydoc(qualname, is_method):
    errors = [(c, m) for c, m in validate(qualname)["errors"] if c in REQUIRED and (is_method or c != "RT01")]
    assert not errors, errors


def test_every_estimator_and_its_methods_are_validated():
    names = {q.rsplit(".", 1)[-1] for q, _ in OBJECTS}
    assert {"SoftKMeans", "AnnealedSoftKMeans", "VariationalFuzzyKMeans", "fit", "predict", "transform",
            "predict_proba", "score"} <= names
