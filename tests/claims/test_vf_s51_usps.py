"""kmrbf.claims.vf_s51_usps: is PCA to 256 components a reduction of USPS?"""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.claims.vf_s51_usps import ENV, USPS_SHAPE, distance_bound, orthogonality_bound, pca_study, usps_dimension
from kmrbf.evidence import RunContext
from kmrbf.evidence.roundoff import gamma
from kmrbf.profiles import get_profile
from kmrbf.runner import run_claim


def test_usps_dimension_from_definition_or_file(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert usps_dimension() == (256, usps_dimension()[1]) and USPS_SHAPE == (16, 16)
    path = tmp_path / "usps.npz"
    np.savez(path, X=np.zeros((5, 300)), y=np.arange(5))
    monkeypatch.setenv(ENV, str(path))
    D, source = usps_dimension()
    assert D == 300 and str(path) in source


def test_bounds_grow_with_dimension():
    assert 0 < orthogonality_bound(16) < orthogonality_bound(256) < 1e-10
    assert distance_bound(256, 0.0) == pytest.approx(4 * gamma(258) + 2 * gamma(516))
    assert distance_bound(256, 1e-13) > distance_bound(256, 0.0)


def test_full_rank_pca_is_a_rotation_and_a_reduction_is_not():
    """The checks can fail: with fewer components than features the distances do change."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 32)) * np.exp(-np.arange(32) / 8)
    full = pca_study(X, 32, K=4, seed=0)
    assert (full["D_in"], full["D_out"]) == (32, 32)
    assert full["ortho"] <= full["ortho_bound"] and full["dist_change"] <= full["dist_bound"]
    assert full["labels_equal"] == 1.0 and full["mult_adds_out"] == full["mult_adds_in"]
    assert abs(full["explained"] - 1) <= gamma(32 + 2)
    cut = pca_study(X, 8, K=4, seed=0)
    assert cut["D_out"] == 8 and cut["mult_adds_out"] * 4 == cut["mult_adds_in"]
    assert cut["dist_change"] > cut["dist_bound"] and cut["explained"] < 1 - 1e-3


def test_s51_evidence(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    res = run_claim("VF-S51-usps", RunContext(profile=get_profile("ci"), out_dir=tmp_path))
    (r,) = res.results
    assert r.status == "failed" and res.verdict == "refuted"
    assert r.data["usps_dimension"] == 256 and r.data["D_out"] == 256
    assert r.data["mult_adds_in"] == r.data["mult_adds_out"]
    assert "a rotation, not a reduction" in r.counterexample


def test_s51_evidence_passes_when_the_data_really_is_reduced(tmp_path, monkeypatch):
    """With a (hypothetical) 300-feature USPS file, PCA to 256 components would be a reduction."""
    rng = np.random.default_rng(1)
    path = tmp_path / "usps300.npz"
    np.savez(path, X=rng.standard_normal((400, 300)), y=rng.integers(0, 10, 400))
    monkeypatch.setenv(ENV, str(path))
    from kmrbf.claims import evidence_for
    from kmrbf.runner import run_evidence
    (ev,) = evidence_for("VF-S51-usps")
    r = run_evidence(ev, RunContext(profile=get_profile("dev"), out_dir=tmp_path))
    assert r.status == "passed" and r.data["usps_dimension"] == 300 and r.data["D_out"] == 256
