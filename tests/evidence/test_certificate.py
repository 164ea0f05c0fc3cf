"""kmrbf.evidence.certificate: what the writer puts in a certificate, and that it is deterministic."""

from __future__ import annotations

import json
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from flint import arb, ctx

from kmrbf import recheck
from kmrbf.claims import evidence_for
from kmrbf.evidence import EvidenceList
from kmrbf.evidence.certificate import (CertificateWriter, certificate_bytes, certificate_files, encode_instance, record,
                                        recording)
from kmrbf.evidence.model import EvidenceResult, RunContext
from kmrbf.numerics.certify import Decision, certify_limsup, decide_le, excess_expr
from kmrbf.profiles import get_profile
from kmrbf.runner import run_evidence

_CI = get_profile("ci")
X, M = [[0], [1], [4]], [[0], [4]]


def _writer(path, claim="KR-T1-limsup", name="demo"):
    return CertificateWriter(RunContext(_CI, path), claim, name)


def test_decided_inequalities_are_written_and_recheck(tmp_path):
    w = _writer(tmp_path)
    entry = w.add("three points", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1))
    assert entry == w.entries[0] and entry["file"] == "certificates/KR-T1-limsup-demo-1.json"
    doc = json.loads((tmp_path / entry["file"]).read_text())
    assert doc["sha256"] == entry["sha256"] == recheck.content_hash(doc)
    assert entry["statement"] == "three points: 2 inequalities" and entry["inequalities"] == 2
    assert doc["instance"] == {"X": [["0"], ["1"], ["4"]], "M": [["0"], ["4"]], "sigma": "1"}
    q = doc["inequalities"][1]
    assert (q["name"], q["relation"], q["lhs"]) == ("W-F0<=N(K-1)sigma/e", "<=", excess_expr()) and q["prec"] >= 64
    assert recheck.recheck_file(tmp_path / entry["file"])[0]


def test_disproved_is_written_reversed_and_undecided_is_left_out(tmp_path):
    w = _writer(tmp_path)
    false = decide_le(lambda p: (arb(2), arb(1)), "2<=1", statement=(2, 1))
    open_ = decide_le(lambda p: (arb(1) / 3, arb(1) / 3), "1/3<=1/3", max_prec=128,
                      statement=(["/", 1, 3], ["/", 1, 3]))
    assert (false.status, open_.status) == ("disproved", "undecided")
    assert w.add("nothing decided", {}, [open_]) is None and w.entries == []
    e = w.add("false", {}, [false, open_])
    q = json.loads((tmp_path / e["file"]).read_text())["inequalities"]
    assert len(q) == 1 and q[0]["name"] == "2<=1 is false: rhs < lhs"
    assert (q[0]["lhs"], q[0]["relation"], q[0]["rhs"]) == (1, "<", 2)
    assert recheck.recheck_file(tmp_path / e["file"])[0] and e["file"].endswith("-1.json")


def test_strict_is_written_only_where_the_balls_decide_it(tmp_path):
    lt = decide_le(lambda p: (arb(1), arb(2)), "1<=2", statement=(1, 2))
    eq = decide_le(lambda p: (arb(0), arb(1) - arb(1)), "0<=0", statement=(0, ["-", 1, 1]))
    e = _writer(tmp_path).add("strict", {}, [lt, eq], strict=True)
    q = json.loads((tmp_path / e["file"]).read_text())["inequalities"]
    assert [x["relation"] for x in q] == ["<", "<="]
    assert recheck.recheck_file(tmp_path / e["file"])[0]


def test_a_decision_without_statement_or_with_undecided_balls_is_refused(tmp_path):
    w = _writer(tmp_path)
    with pytest.raises(ValueError, match="states no expression"):
        w.add("x", {}, [decide_le(lambda p: (arb(1), arb(2)), "1<=2")])
    with ctx.workprec(64):
        wide = Decision("fake", "proved", 64, "", "", 1.0, (1, 2), arb(1), arb(2, 5))
    with pytest.raises(ValueError, match="do not decide"):
        w.add("x", {}, [wide])
    with pytest.raises(ValueError, match="safe file name"):
        CertificateWriter(RunContext(_CI, tmp_path), "KR-T3", "../escape")


def test_stale_certificates_of_the_same_evidence_are_removed(tmp_path):
    w = _writer(tmp_path)
    for _ in range(3):
        w.add("a", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1))
    other = _writer(tmp_path, name="other")
    other.add("b", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1))
    (tmp_path / "certificates" / "KR-T1-limsup-demo-notes.txt").write_text("kept")
    w2 = _writer(tmp_path)
    w2.add("a", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1))
    names = sorted(p.name for p in (tmp_path / "certificates").iterdir())
    assert names == ["KR-T1-limsup-demo-1.json", "KR-T1-limsup-demo-notes.txt", "KR-T1-limsup-other-1.json"]


def test_the_same_run_writes_the_same_bytes(tmp_path):
    """Determinism: an evidence run twice (ci profile) writes byte-identical certificates."""
    ev = next(e for e in evidence_for("KR-T3") if e.name == "arb-per-cell-certificates")
    files = []
    for d in ("one", "two"):
        res = run_evidence(ev, RunContext(_CI, tmp_path / d))
        files.append({e["file"]: (tmp_path / d / e["file"]).read_bytes() for e in res.data["certificates"]})
    assert files[0] == files[1] and len(files[0]) == 12


def test_certificate_bytes_is_json_of_the_document():
    doc = recheck.seal({"format": recheck.FORMAT, "claim": "c", "evidence": "e", "case": "x",
                        "instance": {"b": "1", "a": [["1/2"]]}, "inequalities": [{"name": "n", "lhs": ["+", 1, 2]}]})
    text = certificate_bytes(doc).decode()
    assert json.loads(text) == doc and text.endswith("}\n") and '  "a": [["1/2"]],\n  "b": "1"' in text
    assert certificate_bytes({"case": "é"}) == b'{\n "case": "\\u00e9"\n}\n'


def test_encode_instance():
    assert encode_instance(np.array([[0.1]])) == [[str(Fraction(0.1))]]
    assert encode_instance((Fraction(1, 3), 2, "0.5")) == ["1/3", "2", "1/2"]
    for bad, err in ((float("nan"), ValueError), (True, TypeError), (object(), TypeError)):
        with pytest.raises(err):
            encode_instance(bad)


def test_certificate_files():
    res = EvidenceResult("passed", data={"certificates": [{"file": "certificates/a-b-1.json", "sha256": "x"},
                                                          {"file": "certificates/a-b-2.json"}, "junk"]})
    assert certificate_files(res) == ["certificates/a-b-1.json", "certificates/a-b-2.json"]
    assert certificate_files(EvidenceResult("passed")) == []
    assert certificate_files(SimpleNamespace(data={})) == []


def test_identical_certificates_are_written_once(tmp_path):
    w = _writer(tmp_path)
    a = w.add("a", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1))
    assert w.add("a", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1)) is a and len(w.entries) == 1
    assert w.add("b", {"X": X, "M": M, "sigma": 1}, certify_limsup(X, M, 1))["file"].endswith("-2.json")


def test_record_adds_to_the_open_recording_only(tmp_path):
    decs = certify_limsup(X, M, 1)
    assert record("outside", {"X": X, "M": M, "sigma": 1}, decs) is None
    with recording(RunContext(_CI, tmp_path), "KR-T1-limsup", "prop") as w:
        e = record("inside", {"X": X, "M": M, "sigma": 1}, decs)
        with recording(RunContext(_CI, None), "KR-T1-limsup", "none") as inner:
            assert inner is None and record("no out_dir", {"X": X, "M": M, "sigma": 1}, decs) is None
    assert w.entries == [e] and (tmp_path / e["file"]).is_file()
    assert record("closed", {"X": X, "M": M, "sigma": 1}, decs) is None


def test_a_property_that_records_lists_its_certificates(tmp_path):
    from hypothesis import strategies as st

    ev = EvidenceList("KR-T1-limsup")

    @ev.property("demo", strategies={"s": st.sampled_from([1, 2])}, fraction=0.01, minimum=3)
    def check(s):
        record(f"sigma = {s}", {"X": X, "M": M, "sigma": s}, certify_limsup(X, M, s))

    res = run_evidence(ev[0], RunContext(_CI, tmp_path))
    files = certificate_files(res)
    assert res.status == "passed" and 1 <= len(files) <= 2 and len(set(files)) == len(files)
    assert all(recheck.recheck_file(tmp_path / f)[0] for f in files)
    plain = run_evidence(next(e for e in evidence_for("KR-T1-limsup") if e.kind == "property"),
                         RunContext(_CI, tmp_path))
    assert "certificates" not in plain.data            # a property that records nothing lists nothing
