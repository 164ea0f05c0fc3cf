"""kmrbf.claims.kr_t1_liminf: the quantitative liminf constant L holds and is attained (K = 1, moving
straight towards the points); a loosened L is caught by ``bounds-attained``."""

from __future__ import annotations

import dataclasses
import numpy as np

from kmrbf import numerics as nx
from kmrbf.claims import evidence_for, kr_t1_liminf
from kmrbf.claims.kr_t1_liminf import liminf_lipschitz
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def _run(name, tmp_path):
    ev = {e.name: e for e in evidence_for("KR-T1-liminf")}[name]
    return run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))


def test_lipschitz_constant_by_hand_and_attained():
    """x = 0, mu = 2 -> mu' = 1.5: F0(M) - W(M') = 4 - 2.25 = 1.75 = L |M' - M| with L = 2 + 1.5."""
    X, M, Mp = np.zeros((1, 1)), np.array([[2.0]]), np.array([[1.5]])
    L = liminf_lipschitz(X, M, Mp)
    assert L == 3.5
    assert float(nx.F0(X, M)) - float(nx.W_sigma(X, Mp, 0.3)) == L * 0.5
    # with two centroids L takes the max over k: the far one enters it
    assert liminf_lipschitz(np.zeros((2, 1)), np.array([[2.0], [5.0]]), np.array([[1.5], [5.0]])) == 2 * 10.0


def test_bounds_attained_passes(tmp_path):
    res = _run("bounds-attained", tmp_path)
    assert res.status == "passed", res.counterexample
    assert abs(res.data["max_ratio_quantitative"] - 1) < 1e-13


def test_a_loosened_lipschitz_constant_is_caught(monkeypatch, tmp_path):
    monkeypatch.setattr(kr_t1_liminf, "liminf_lipschitz", lambda X, M, Mp: 2 * liminf_lipschitz(X, M, Mp))
    assert _run("quantitative-liminf", tmp_path).status == "passed"    # a looser bound still holds ...
    assert _run("bounds-attained", tmp_path).status == "failed"        # ... and is no longer attained


# ---------------------------------------------------------------------------- mutation-testing gaps
def test_tolerances_sum_each_points_largest_squared_distance():
    r"""Both tolerances are slack(roundings of W_sigma) times \sum_i \max_k d_ik (plus, for the quantitative
    bound, the same for M' and L ||M' - M||): three points, two centroids, d(M) = [[0, 1], [4, 1], [9, 4]]
    (row maxima 1, 4, 9; column maxima 9, 4), d(M') = [[1, 1], [1, 1], [4, 4]] (row maxima 1, 1, 4)."""
    from kmrbf.evidence.roundoff import slack, w_sigma_roundings

    X, M, Mp = np.array([[0.0], [2.0], [3.0]]), np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]])
    assert kr_t1_liminf._w_tol(X, M) == slack(w_sigma_roundings(X, M), 14.0)
    assert kr_t1_liminf._quantitative_tol(X, M, Mp, 2.0, 0.5) == slack(w_sigma_roundings(X, M), 14.0 + 6.0 + 1.0)


def test_bounds_attained_summary_says_both_are_attained(tmp_path):
    res = _run("bounds-attained", tmp_path)
    assert res.status == "passed" and res.summary == (
        "W >= F0 and W(M') >= F0(M) - L|M'-M| are both attained (ratio 1): neither can be sharpened")
