"""Fixtures shared by the theory tests.

``derivation_outcome``: runs a SymPy derivation of :mod:`kmrbf.theory` and asserts its
mathematically known outcome (the obligations expected to fail, and no other, fail; none is
undecided; every failure carries a counterexample; the LaTeX is well formed and passes the
report's raw-LaTeX check).  Each ``tests/theory/test_<module>.py`` applies it to the
builders of its module, with the known truths stated in its docstring.
"""

from __future__ import annotations

import pytest

from kmrbf.report.rawlatex import check_raw


def _check_derivation_outcome(builder, expected_failures: set[str]) -> None:
    name = builder.__name__
    res = builder().run(n_points=3)
    failed = {r.name for r in res.failed}
    undecided = [r.name for r in res.results if r.status == "undecided"]
    assert not undecided, f"{name}: undecided obligations {undecided}"
    assert failed == expected_failures, f"{name}: failed {failed}"
    assert res.examples >= len(res.results)
    for r in res.failed:
        assert r.counterexample, f"{r.name} failed without a counterexample"
    tex = res.to_latex()
    assert tex.count(r"\begin{itemize}") == tex.count(r"\end{itemize}") == 1
    # the report prints the derivation raw only if its structural check accepts it
    # (otherwise it shows escaped source): every derivation must pass it
    check_raw(tex)


@pytest.fixture(scope="session")
def derivation_outcome():
    """``derivation_outcome(builder, expected_failures)``: see the module docstring."""
    return _check_derivation_outcome
