"""Tests of :mod:`kmrbf.theory.coercivity`: the KR-C1 derivation has its known outcome.

Known truth (mathematics, established independently of the derivation engine): F0 is never
coercive for K >= 2, so the hypothesis obligation fails, with a counterexample.
"""

from __future__ import annotations

import pytest

from kmrbf.theory import coercivity

# obligations that must fail, per builder; every other obligation must pass
EXPECTED_FAILURES = {
    "kr_c1": {"hypothesis: F0 -> oo along the path"},
}


@pytest.mark.parametrize("builder", [coercivity.kr_c1], ids=lambda b: b.__name__)
def test_derivation_outcome(builder, derivation_outcome):
    derivation_outcome(builder, EXPECTED_FAILURES.get(builder.__name__, set()))
