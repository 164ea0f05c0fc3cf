"""kmrbf.evidence.model: the claim / evidence / result data model."""

from __future__ import annotations

import numpy as np
import pytest

from kmrbf.evidence import Evidence, EvidenceResult, Table, source_hash


def test_evidence_result_roundtrips_through_json():
    r = EvidenceResult(status="passed", examples=3, tables=[Table(["a"], [[np.float64(1.0).item()]], "c")])
    assert EvidenceResult.from_dict(r.to_dict()) == r


def test_unknown_status_kind_and_role_are_rejected():
    with pytest.raises(ValueError, match="status='guess'"):
        EvidenceResult(status="guess")
    with pytest.raises(ValueError, match="kind='guess'"):
        Evidence("KR-L1", "guess", "n", "paper", "", lambda ctx: None)
    with pytest.raises(ValueError, match="role='guess'"):
        Evidence("KR-L1", "symbolic", "n", "guess", "", lambda ctx: None)


def test_version_defaults_to_the_source_hash():
    def run(ctx):
        return EvidenceResult(status="passed")

    ev = Evidence("KR-L1", "experiment", "n", "paper", "", run)
    assert ev.version == source_hash(run) and len(ev.version) == 16
    assert ev.key == "KR-L1/n"
