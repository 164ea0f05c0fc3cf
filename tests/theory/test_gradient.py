"""Tests of :mod:`kmrbf.theory.gradient`: KR-L1, KR-T2 and KR-T2-grad are true, every obligation
discharged; the paper's obligations and our findings (the factor convention, the extra term's rate)
are separate derivations, so a broken finding cannot change a paper-role status."""

from __future__ import annotations

import pytest
import sympy as sp

from kmrbf.theory import gradient
from kmrbf.theory.obligations import Identity

BUILDERS = [gradient.kr_l1, gradient.kr_l1_convention, gradient.kr_t2, gradient.kr_t2_convention,
            gradient.kr_t2_grad, gradient.kr_t2_grad_extra_bound]


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, set())


def _broken(*_a, **_k):
    x = sp.Symbol("x", real=True)
    return [Identity("broken finding", x, x + 1, points=[{x: sp.Integer(0)}])]


@pytest.mark.parametrize("helper,paper,finding", [
    ("_no_half_obligations", gradient.kr_l1, gradient.kr_l1_convention),
    ("_no_half_obligations", gradient.kr_t2, gradient.kr_t2_convention),
])
def test_a_broken_convention_finding_does_not_touch_the_paper_derivation(monkeypatch, helper, paper, finding):
    monkeypatch.setattr(gradient, helper, _broken)
    assert finding.__wrapped__().run(n_points=2).status == "failed"
    assert paper.__wrapped__().run(n_points=2).status == "passed"
    assert not any("1/2" in o.name for o in paper.__wrapped__().obligations)


def test_a_broken_extra_term_rate_does_not_touch_the_gradient_identities(monkeypatch):
    from kmrbf.theory.entropic import sigma

    t = sp.Symbol("t", positive=True)
    monkeypatch.setattr(gradient, "_extra_term_exprs",
                        lambda: (t, {"nearest": 2 * t / sigma}, t / sigma * sp.exp(-t / sigma)))  # a wrong term
    assert gradient.kr_t2_grad_extra_bound.__wrapped__().run(n_points=2).status == "failed"
    assert gradient.kr_t2_grad.__wrapped__().run(n_points=2).status == "passed"
