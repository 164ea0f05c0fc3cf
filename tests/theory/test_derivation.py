"""Tests of :mod:`kmrbf.theory.derivation`: a derivation's status aggregates its obligations'."""

from __future__ import annotations

import pytest
import sympy as sp

from kmrbf.theory.derivation import Derivation, DerivationResult
from kmrbf.theory.obligations import Identity, ObligationResult


def test_derivation_status_aggregates():
    x = sp.Symbol("x", real=True)
    D = Derivation("demo", "x = x").oblige(Identity("ok", x, x), Identity("bad", x, x + 1, points=[{x: sp.Integer(0)}]))
    res = D.run(n_points=1)
    assert res.status == "failed" and res.counterexample.startswith("[bad]")


def _r(name, status, checks=2, cex=None):
    return ObligationResult(name, "s", status, "m", None, checks, cex)


@pytest.mark.parametrize("statuses,expected", [
    ([], "passed"),
    (["passed", "passed"], "passed"),
    (["passed", "undecided"], "undecided"),
    (["undecided", "passed", "failed"], "failed"),
    (["failed", "undecided"], "failed"),
    (["failed"], "failed"),
])
def test_derivation_result_status_aggregation(statuses, expected):
    D = Derivation("T", "s")
    res = DerivationResult(D, [_r(f"o{i}", st, cex="x = 1" if st == "failed" else None) for i, st in enumerate(statuses)])
    assert res.status == expected
    assert [r.name for r in res.failed] == [f"o{i}" for i, st in enumerate(statuses) if st == "failed"]
    assert res.examples == 3 * len(statuses)  # one per obligation plus its 2 numeric checks


def test_derivation_result_counterexample_summary_and_lookup():
    D = Derivation("T_1", "s", conclusion="Done.")
    res = DerivationResult(D, [_r("a", "passed"), _r("b", "failed", cex="x = 1/2"), _r("c", "undecided", 0),
                               _r("d", "failed", 1, cex=None)])
    assert res.counterexample == "[b] x = 1/2"
    assert res.summary() == "T_1: 1/4 obligations passed; failed: b, d; undecided: c. Done."
    assert res.examples == 4 + 2 + 2 + 0 + 1
    assert res.by_name("c").status == "undecided"
    with pytest.raises(KeyError):
        res.by_name("zz")
    assert DerivationResult(D, [_r("a", "passed")]).counterexample is None
    tex = res.to_latex()
    assert tex.startswith(r"\textbf{T\_1.}") and tex.count(r"\item[") == 4 and r"\textit{Conclusion.} Done." in tex
    dct = res.to_dict()
    assert dct["status"] == "failed" and [o["name"] for o in dct["obligations"]] == ["a", "b", "c", "d"]
