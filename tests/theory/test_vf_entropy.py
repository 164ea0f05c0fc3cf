"""Tests of :mod:`kmrbf.theory.vf_entropy`: VF-S31-entropy's derivations have their known outcomes.

Known truths: -lambda_e sum u log u = lambda_e H(u) is 0 at a one-hot u and lambda_e log K at the uniform u
(one-hot minus uniform = -5 log 2 at lambda_e = 5, K = 2), its curvature along the K = 2 simplex is
-lambda_e/(q(1-q)) (-20 at q = 1/2, lambda_e = 5), its slope from uniform towards e_1 is
-lambda_e log((1+2s)/(1-2s)) (-5 log 3 at s = 1/4): as a minimised term it rewards confident assignments.
Reversed, lambda_e sum u log u = lambda_e (KL(u || uniform) - log K) is strictly convex.
"""

from __future__ import annotations

import pytest
import sympy as sp

from kmrbf.theory import vf_entropy

EXPECTED_FAILURES = {"vf_s31_entropy": {vf_entropy.ENT_VALUE, vf_entropy.ENT_CONVEX, vf_entropy.ENT_DIRECTION}}


@pytest.mark.parametrize("builder", [vf_entropy.vf_s31_entropy, vf_entropy.vf_s31_entropy_instead],
                         ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, EXPECTED_FAILURES.get(builder.__name__, set()))


def test_values_and_conclusion():
    D = vf_entropy.vf_s31_entropy()
    assert D.data["curvature_at_q_half_lambda_e_5"] == "-20"
    assert sp.simplify(sp.sympify(D.data["at_lambda_e_5_K_2"]) + 5 * sp.log(2)) == 0
    res = D.run(n_points=1)
    assert "-3.4657359" in res.by_name(vf_entropy.ENT_VALUE).counterexample
    assert "-5.4930614" in res.by_name(vf_entropy.ENT_DIRECTION).counterexample
    c = res.derivation.conclusion
    assert "costs less at a confident assignment" in c and "concave" in c and "rewards confident" in c


def _fresh(builder):
    return builder.__wrapped__().run(n_points=2)


def test_broken_finding_does_not_change_the_paper_status(monkeypatch):
    before = _fresh(vf_entropy.vf_s31_entropy)
    # a wrong finding: "lambda_e sum u log u = lambda_e KL(u || uniform)" without the -log K
    monkeypatch.setattr(vf_entropy, "_reversed_term_kl", lambda us: vf_entropy.le * sum(u * sp.log(u * len(us)) for u in us))
    broken = _fresh(vf_entropy.vf_s31_entropy_instead)
    assert broken.by_name(vf_entropy.ENTI_KL).status == "failed"
    after = _fresh(vf_entropy.vf_s31_entropy)
    assert [(r.name, r.status, r.counterexample) for r in after.results] == \
        [(r.name, r.status, r.counterexample) for r in before.results]
    assert after.derivation.conclusion == before.derivation.conclusion
