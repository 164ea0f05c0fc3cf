"""kmrbf.recheck: the certificate format, its own functionals, tampering, the command, and the ci certificates.

* the functionals re-implemented in :mod:`kmrbf.recheck` agree with the evidence side
  (:mod:`kmrbf.numerics.arb`, :mod:`kmrbf.numerics.certify`, the exact :class:`LloydInstance` fields) on
  Hypothesis instances: both balls contain the true value, so they must overlap, and the recheck's is tight;
* a certificate with a changed hash, instance, ball, relation or functional is rejected, naming the file
  and the reason;
* every certificate the ``ci`` profile writes (the evidence listed in :data:`CERTIFIED`) rechecks.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb, ctx, fmpq
from hypothesis import assume, given
from hypothesis import strategies as st

from kmrbf import recheck
from kmrbf.evidence.certificate import CertificateWriter, encode_instance
from kmrbf.evidence.model import RunContext
from kmrbf.evidence.strategies import ENTMAX_ALPHAS, instances, lloyd_fixed_points, sigmas, tied_distance_rows
from kmrbf.numerics.arb import arb_entmax, arb_G_sigma, arb_W_sigma, exact_sq_distances
from kmrbf.numerics.certify import (certify_limsup, certify_t3, const_expr, deviation_sq, deviation_sq_expr,
                                    deviation_sq_fixed_point, excess_expr, limsup_bound, limsup_bound_expr,
                                    t3_bound_balls, t3_bound_expr, t4_constant, t4_constant_expr)
from kmrbf.numerics.lloyd_instances import certified_instances
from kmrbf.profiles import get_profile
from kmrbf.recheck import CertificateError

PREC = 128
_CI = get_profile("ci")


def _inst(X, M, sigma=None, **more):
    d = {"X": encode_instance(X), "M": encode_instance(M)}
    if sigma is not None:
        d["sigma"] = encode_instance(Fraction(sigma))
    d.update({k: encode_instance(v) for k, v in more.items()})
    return d


def _ev(expr, inst, prec=PREC):
    """The value as a ball (an exact value as its ball at ``prec``)."""
    v = recheck.evaluate(expr, inst, prec)
    if isinstance(v, Fraction):
        with ctx.workprec(prec):
            return arb(fmpq(v.numerator, v.denominator))
    return v


def _exact(expr, inst):
    v = recheck.evaluate(expr, inst, PREC)
    assert isinstance(v, Fraction), (expr, v)
    return v


def _tight(b, scale=1.0, bits=PREC - 24):
    """The recheck's ball is not trivially wide: radius below 2^-bits relative to |value| + 2^-40 scale."""
    return b.rad() <= (abs(b.mid()) + arb(scale) * arb(2) ** -40) * arb(2) ** -bits


# ------------------------------------------------------------------ functionals against the evidence side
@given(inst=instances(max_n=8), sigma=sigmas())
def test_W_G_F0_agree_with_numerics_arb(inst, sigma):
    X, M = inst
    d = _inst(X, M, sigma)
    s = Fraction(sigma)
    w, g = _ev(["W_sigma", "X", "M", "sigma"], d), _ev(["G_sigma", "X", "M", "sigma"], d)
    assert w.overlaps(arb_W_sigma(X, M, s, prec=PREC)) and g.overlaps(arb_G_sigma(X, M, s, prec=PREC))
    assert _tight(w) and _tight(g, 1.0 + sigma)
    f0 = sum((min(r) for r in exact_sq_distances(X, M)), fmpq(0))
    assert _exact(["F0", "X", "M"], d) == Fraction(int(f0.p), int(f0.q))
    # W - F0 keeps its relative accuracy however small (the exact part cancels exactly)
    with ctx.workprec(PREC):
        ex = _ev(excess_expr(), d)
        assert ex >= 0 and ex.overlaps(arb_W_sigma(X, M, s, prec=4 * PREC) - arb(f0))
        assert _ev(["-", ["W_sigma", "X", "M", "sigma"], ["G_sigma", "X", "M", "sigma"]], d) >= 0 or len(M) == 1
        assert _ev(limsup_bound_expr(), d).overlaps(limsup_bound(len(X), len(M), s))
        assert _exact(["rows", "X"], d) == len(X)


@given(inst=lloyd_fixed_points(max_k=3, max_d=2, max_per_cell=4), t=st.sampled_from([1, Fraction(1, 10), Fraction(1, 300)]))
def test_lloyd_functionals_agree_with_the_instance_and_certify(inst, t):
    d = _inst(inst.X_exact, inst.M_exact, inst.delta * t)
    sigma = inst.delta * t
    assert _exact(["Delta", "X", "M"], d) == inst.delta
    assert _exact(["min_cell_size", "X", "M"], d) == min(inst.counts)
    with ctx.workprec(PREC):
        for k in range(inst.K):
            assert _exact(["Delta_k", "X", "M", k], d) == inst.delta_k[k]
            assert _exact(["cell_size", "X", "M", k], d) == inst.counts[k]
            balls = t3_bound_balls(inst, sigma, k)
            for key in ("A", "instance", "per_cell", "global"):
                b = _ev(t3_bound_expr(key, k), d)
                assert b.overlaps(balls[key]) and _tight(b, 1.0), (key, b, balls[key])
            # softmax deviation: the recheck's form against both library forms
            dev = _ev(deviation_sq_expr(k), d)
            Xq = [[fmpq(v.numerator, v.denominator) for v in r] for r in inst.X_exact]
            Mq = [[fmpq(v.numerator, v.denominator) for v in r] for r in inst.M_exact]
            lab = [int(v) for v in inst.labels]
            fp = deviation_sq_fixed_point(Xq, Mq, lab, fmpq(sigma.numerator, sigma.denominator), k, PREC)
            assert dev.overlaps(fp) and _tight(dev)          # dev can be exactly 0 (symmetric cells)
        assert _ev(t4_constant_expr("1.5"), d).overlaps(t4_constant(inst, "1.5"))
        diam2 = max(sum((a - b) ** 2 for a, b in zip(u, v)) for u in inst.X_exact for v in inst.X_exact)
        assert _exact(["diam_sq", "X"], d) == diam2


@given(inst=instances(max_n=6, max_k=3, max_d=2), sigma=sigmas(min_value=1e-2, max_value=1e2),
       alpha=st.sampled_from((1.0,) + ENTMAX_ALPHAS))
def test_soft_dev_sq_agrees_with_deviation_sq(inst, sigma, alpha):
    """Any (X, M), not only fixed points; entmax supports decided exactly on both sides."""
    X, M = inst
    a, s = Fraction(alpha), Fraction(sigma)
    Xq = [[fmpq(Fraction(v).numerator, Fraction(v).denominator) for v in r] for r in X.tolist()]
    Mq = [[fmpq(Fraction(v).numerator, Fraction(v).denominator) for v in r] for r in M.tolist()]
    d = _inst(X, M, sigma)
    for k in range(len(M)):
        with ctx.workprec(4 * PREC):
            try:
                lib = deviation_sq(Xq, Mq, fmpq(s.numerator, s.denominator), k, fmpq(a.numerator, a.denominator),
                                   4 * PREC)
            except ValueError:
                assume(False)          # the library's general-alpha support undecided: not a comparison
        assume(lib.is_finite())        # a cell of total weight 0: the soft centroid is undefined
        b = _ev(deviation_sq_expr(k, a), d)
        assert b.overlaps(lib), (k, b, lib)
        assert _tight(b, float(abs(X).max()) ** 2 + 1.0, bits=PREC // 2)


def test_soft_dev_sq_is_exactly_zero_for_one_hot_rows():
    """entmax rows that are one-hot give the exact deviation 0 even where the cell mean is not dyadic."""
    name, inst = certified_instances()[1]                 # triangle-K3: cells 0 and 2 have non-dyadic means
    for a in ENTMAX_ALPHAS:
        A = Fraction(a)
        d = _inst(inst.X_exact, inst.M_exact, (A - 1) * inst.delta)
        for k in range(inst.K):
            assert _exact(deviation_sq_expr(k, A), d) == 0
    d = _inst(inst.X_exact, inst.M_exact, inst.delta)         # above alpha=3/2's threshold: moved
    assert all(_ev(deviation_sq_expr(k, "1.5"), d, 64) > 0 for k in range(inst.K))


def _grid_boxes(lo, hi, n, K=2):
    cuts = [lo + (hi - lo) * Fraction(i, n) for i in range(n + 1)]
    ivs = [[cuts[i], cuts[i + 1]] for i in range(n)]
    return [[a, b] for a in ivs for b in ivs] if K == 2 else [[a] for a in ivs]


@given(xs=st.lists(st.integers(-8, 8), min_size=2, max_size=4, unique=True), s=st.sampled_from([Fraction(1, 2), 1, 4]))
def test_hull_inf_encloses_the_infimum(xs, s):
    X = [[Fraction(v)] for v in xs]
    lo, hi = min(xs), max(xs)
    d = _inst(X, [[0]], s, boxes=_grid_boxes(Fraction(lo), Fraction(hi), 4))
    inf = _ev(["hull_inf_W_sigma", "X", 2, "sigma", "boxes"], d)
    # the lower end is below W at every grid point of the hull; the upper end is W at some point of it
    for u in np.linspace(lo, hi, 9):
        for v in np.linspace(lo, hi, 9):
            assert inf.lower() <= arb_W_sigma(X, [[u], [v]], s, prec=PREC).upper()
    assert inf.upper() >= inf.lower()


@given(row=tied_distance_rows(max_k=5), alpha=st.sampled_from((1.0,) + ENTMAX_ALPHAS),
       t=st.sampled_from([4, 1, Fraction(1, 10), Fraction(1, 1000)]))
def test_row_functionals_agree_with_arb_entmax(row, alpha, t):
    d, ties, g = row
    assume(np.isfinite(g))
    sigma = Fraction(g) * t
    inst = {"d": encode_instance([d]), "sigma": encode_instance(sigma)}
    assert _exact(["cols", "d"], inst) == len(d) and _exact(["row_ties", "d"], inst) == ties
    assert _exact(["row_gap", "d"], inst) == Fraction(g)
    z = [-Fraction(float(v)) / sigma for v in d]
    try:
        p = arb_entmax(z, Fraction(alpha), prec=2 * PREC)
    except ValueError:
        assume(False)                     # the library's general-alpha support undecided
    with ctx.workprec(2 * PREC):
        lib = sum((pj for pj, v in zip(p, d) if v != d.min()), arb(0))
    mass = _ev(["row_offtie_mass", "d", "sigma", const_expr(alpha)], inst)
    assert mass.overlaps(lib) and _tight(mass, 0.0, bits=PREC // 2)
    if alpha > 1 and t <= Fraction(1, 1) * (Fraction(alpha) - 1):
        assert _exact(["row_offtie_mass", "d", "sigma", const_expr(alpha)], inst) == 0   # one-hot on the ties
    with pytest.raises(CertificateError, match="single row"):
        _ev(["row_ties", "X"], {"X": [["1"], ["2"]]})
    with pytest.raises(CertificateError, match="no gap"):
        _ev(["row_gap", "d"], {"d": [["1", "1"]]})


def test_hull_boxes_must_tile_the_hull():
    X = [[-1], [1]]
    boxes = _grid_boxes(Fraction(-1), Fraction(1), 2)
    good = _inst(X, [[0]], 1, boxes=boxes)
    assert _ev(["hull_inf_W_sigma", "X", 2, "sigma", "boxes"], good).is_finite()
    for bad, why in ((boxes[1:], "total volume"), (boxes + [boxes[0]], "total volume"),
                     # volume 2 + 1 + 1 = 4 but the first two overlap (and [1/2, 1] x [-1, 0] is missed)
                     ([[[-1, 0], [-1, 1]], [[Fraction(-1, 2), Fraction(1, 2)], [-1, 0]], [[0, 1], [0, 1]]], "overlap"),
                     ([[[-2, 1], [-1, 1]]], "leaves the hull"), ([[[-1, 1]]], "K=2")):
        with pytest.raises(CertificateError, match=why):
            _ev(["hull_inf_W_sigma", "X", 2, "sigma", "boxes"], _inst(X, [[0]], 1, boxes=bad))


def test_expressions_and_their_errors():
    d = {"a": "1/3", "X": [["0"], ["2"]], "M": [["0"], ["2"]], "s": "1"}
    assert _exact(["+", "a", ["q", "2/3"]], d) == 1 and _exact(["sq", ["sqrt", ["q", "9/4"]]], d) == Fraction(9, 4)
    assert _exact(["lambertw", 0], d) == 0 and _exact(["log", ["exp", 0]], d) == 0
    assert _ev(["abs", ["neg", ["e"]]], d).overlaps(arb.const_e())
    assert _exact(["/", ["*", 2, "a", 3], ["-", 5, 3]], d) == 1
    assert _ev(["exp", 1], d).overlaps(arb.const_e())
    for expr, why in ((["nope", "X"], "unknown functional or operation 'nope'"), ("b", "no 'b'"),
                      (["W_sigma", "X", "M"], "takes 3 arguments"), (["log", ["neg", 1]], "not finite"),
                      (["/", 1, 0], "division by an exact zero"), (["q", 1], "one string"),
                      (["Delta", "X", ["q", "0"]], "no matrix"), (True, "not an expression"),
                      (["W_sigma", "X", "M", ["e"]], "exact rational"), (["W_sigma", "X", "M", ["neg", "s"]], "> 0"),
                      (["soft_dev_sq", "X", "M", "s", 2, 1], "cell index"), (["Delta_k", "X", "M", 0], "equidistant"),
                      (["Delta", "X", [["0"]]], "no matrix"), (["-", 1], "two arguments"), (["+", 1], "at least two"),
                      (["e", 1], "no argument"), (["exp", 1, 2], "one argument")):
        with pytest.raises(CertificateError, match=re.escape(why)):
            _ev(expr, d if expr != ["Delta_k", "X", "M", 0] else {"X": [["1"]], "M": [["0"], ["2"]]})
    with pytest.raises(CertificateError, match="prec"):
        recheck.evaluate(1, d, 8)
    with pytest.raises(CertificateError, match="K >= 2"):
        _ev(["Delta", "X", "M"], {"X": [["1"]], "M": [["0"]]})


def test_exact_numbers_and_balls():
    assert recheck.decode_exact("3*2^-2") == Fraction(3, 4) and recheck.decode_exact("-5*2^3") == -40
    assert recheck.decode_exact("0.1") == Fraction(1, 10) and recheck.encode_rational(Fraction(-6, 4)) == "-3/2"
    for bad in ("x", "1*2^y", "1/0", 3):
        with pytest.raises(CertificateError):
            recheck.decode_exact(bad)
    with pytest.raises(CertificateError, match="not an exact number"):
        recheck.encode_rational(0.5)
    with ctx.workprec(64):
        b = arb(1) / 3
        e = recheck.encode_ball(b)
        mid, rad = recheck.decode_exact(e["mid"]), recheck.decode_exact(e["rad"])
        assert mid - rad <= Fraction(1, 3) <= mid + rad and 0 < rad < Fraction(1, 2**60)
        with pytest.raises(CertificateError, match="not finite"):
            recheck.encode_ball(arb.nan())
    assert recheck.balls_decide(recheck.encode_ball(1), "<=", recheck.encode_ball(1))
    # [1/2, 3/2] against [3/2, 5/2]: <= is decided, < is not
    assert recheck.balls_decide({"mid": "1", "rad": "1/2"}, "<=", {"mid": "2", "rad": "1/2"})
    assert not recheck.balls_decide({"mid": "1", "rad": "1/2"}, "<", {"mid": "2", "rad": "1/2"})
    with pytest.raises(CertificateError, match="relation"):
        recheck.balls_decide(recheck.encode_ball(1), ">", recheck.encode_ball(1))
    with pytest.raises(CertificateError, match="negative radius"):
        recheck.balls_decide({"mid": "1", "rad": "-1"}, "<=", recheck.encode_ball(1))
    assert recheck.canonical_bytes({"sha256": "x", "b": [1], "a": "é"}) == b'{"a":"\\u00e9","b":[1]}'
    assert recheck.content_hash(recheck.seal({"a": 1})) == recheck.seal({"a": 1})["sha256"]
    assert const_expr(Fraction(6, 3)) == 2


# ------------------------------------------------------------------ tampering
@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A KR-T3-style certificate (line-K2, sigma = Delta/10) and a limsup one, written by the writer."""
    out = tmp_path_factory.mktemp("certs")
    w = CertificateWriter(RunContext(_CI, out), "KR-T3", "tamper")
    name, inst = certified_instances()[0]
    sigma = inst.delta / 10
    res = certify_t3(inst, sigma)
    w.add(name, {"X": inst.X_exact, "M": inst.M_exact, "sigma": sigma}, res["decisions"] + [res["global_range"]])
    w.add(name + " limsup", {"X": inst.X_exact, "M": inst.M_exact, "sigma": sigma},
          certify_limsup(inst.X_exact, inst.M_exact, sigma))
    return out / w.entries[0]["file"], out / w.entries[1]["file"]


def _doc(path):
    return json.loads(Path(path).read_text())


def _write(tmp_path, doc, name="tampered.json", reseal=True):
    p = tmp_path / name
    p.write_text(json.dumps(recheck.seal(doc) if reseal else doc))
    return p


def _rejected(path, *why):
    ok, msg = recheck.recheck_file(path)
    assert not ok and msg.startswith(f"REJECTED {path}: "), msg
    assert any(w in msg for w in why), msg
    return msg


def test_the_written_certificates_recheck(cert):
    for p in cert:
        ok, msg = recheck.recheck_file(p)
        assert ok and msg == f"OK {p}: sha256 {_doc(p)['sha256']}, {len(_doc(p)['inequalities'])} inequalities re-decided"
    lines = recheck.check_certificate(_doc(cert[0]))
    assert lines[0] == "k=0: dev<=eps*A/(n(1-(K-1)eps)): decided at 64 bits"


def _flip(s):
    """Change the last digit of a number string."""
    i = max(i for i, c in enumerate(s) if c.isdigit())
    return s[:i] + str((int(s[i]) + 1) % 10) + s[i + 1:]


def test_tampered_hash_is_rejected(cert, tmp_path):
    doc = _doc(cert[0])
    doc["sha256"] = _flip(doc["sha256"])
    _rejected(_write(tmp_path, doc, reseal=False), "content hash mismatch")


@pytest.mark.parametrize("which", [0, 1])
def test_a_digit_flipped_in_the_instance_is_rejected(cert, tmp_path, which):
    for i in range(5):      # every data point, one at a time
        doc = _doc(cert[which])
        doc["instance"]["X"][i][0] = _flip(doc["instance"]["X"][i][0])
        _rejected(_write(tmp_path, doc, reseal=False), "content hash mismatch")
        # re-sealed, the hash matches but the recomputed values no longer agree (or no longer decide)
        _rejected(_write(tmp_path, doc), "is disjoint from the recomputed", "is not decided", "equidistant")
    doc = _doc(cert[which])
    doc["instance"]["sigma"] = "1/1000000"
    _rejected(_write(tmp_path, doc), "is disjoint from the recomputed", "is not decided")


def test_an_edited_ball_is_rejected(cert, tmp_path):
    doc = _doc(cert[0])
    q = doc["inequalities"][0]
    m, e = q["lhs_ball"]["mid"].split("*2^")
    q["lhs_ball"]["mid"] = f"{m}*2^{int(e) + 1}"          # twice the value
    _rejected(_write(tmp_path, doc, reseal=False), "content hash mismatch")
    _rejected(_write(tmp_path, doc), "stated lhs ball")
    doc = _doc(cert[0])
    q = doc["inequalities"][0]
    q["lhs_ball"], q["rhs_ball"] = q["rhs_ball"], q["rhs_ball"]      # rhs <= rhs: no longer decided by the balls
    q["lhs"] = q["rhs"]
    _rejected(_write(tmp_path, doc), "do not decide", "not decided")


def test_other_edits_are_rejected(cert, tmp_path):
    doc = _doc(cert[0])
    doc["inequalities"][0]["lhs"][0] = "soft_dev_sq_v2"
    _rejected(_write(tmp_path, doc), "unknown functional or operation 'soft_dev_sq_v2'")
    doc = _doc(cert[0])
    q = doc["inequalities"][-1]            # sigma ln(2(K-1)) <= Delta: reversed, it is false
    q["lhs"], q["rhs"], q["lhs_ball"], q["rhs_ball"] = q["rhs"], q["lhs"], q["rhs_ball"], q["lhs_ball"]
    _rejected(_write(tmp_path, doc), "is not decided")
    doc = _doc(cert[1])
    doc["inequalities"][1]["relation"] = ">="
    _rejected(_write(tmp_path, doc), "relation '>='")
    for key, value, why in (("format", "other/1", "format="), ("extra", 1, "unknown keys"), ("instance", [], "object"),
                            ("inequalities", [], "non-empty")):
        doc = _doc(cert[1])
        doc[key] = value
        _rejected(_write(tmp_path, doc), why)
    doc = _doc(cert[1])
    del doc["case"]
    _rejected(_write(tmp_path, doc), "missing keys ['case']")
    doc = _doc(cert[1])
    doc["inequalities"][0]["prec"] = 4
    _rejected(_write(tmp_path, doc), "prec=4")
    doc = _doc(cert[1])
    del doc["inequalities"][0]["name"]
    _rejected(_write(tmp_path, doc), "exactly the keys")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    _rejected(bad, "not JSON")
    _rejected(tmp_path / "missing.json", "cannot read it")
    with pytest.raises(CertificateError, match="JSON object"):
        recheck.check_certificate([1])


# ------------------------------------------------------------------ the command
def test_main_and_run(cert, tmp_path, capsys):
    doc = _doc(cert[0])
    doc["sha256"] = _flip(doc["sha256"])
    bad = _write(tmp_path, doc, reseal=False)
    assert recheck.main([str(cert[0]), str(cert[1])]) == 0
    out = capsys.readouterr().out
    assert f"OK {cert[0]}: sha256" in out and out.endswith("2/2 certificates accepted\n")
    assert recheck.main([str(cert[0]), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"REJECTED {bad}: content hash mismatch" in out and "1/2 certificates accepted" in out
    parser = argparse.ArgumentParser()
    recheck.add_arguments(parser)
    assert recheck.run(parser.parse_args(["-q", str(cert[0].parent)])) == 0    # a directory: its *.json files
    assert capsys.readouterr().out == "2/2 certificates accepted\n"
    assert recheck.run(parser.parse_args([str(tmp_path / "none.json")])) == 1


# ------------------------------------------------------------------ every certificate the ci profile writes
#: (claim, evidence) of every piece of evidence that writes certificates
CERTIFIED = (
    ("KR-S32-GW", "minimisers-differ"),
    ("KR-T1-limsup", "arb-certificates"),
    ("KR-T1-limsup", "arb-sharp-constant"),
    ("KR-T3", "arb-certificates"),
    ("KR-T3", "arb-per-cell-certificates"),
    ("KR-T3", "bounds-attained"),
    ("KR-T4", "arb-C-sigma"),
    ("KR-T4", "exact-one-hot"),
    ("KR-T4-rate", "first-order-deviation"),
    ("KR-T4-rate", "softmax-strictly-faster"),
)
#: property evidence whose check records certificates (kmrbf.evidence.certificate.record)
PROPERTIES = (("KR-T3", "arb-bounds"), ("KR-T5", "arb-ties"))


def test_the_lists_name_every_writer():
    """Every ``CertificateWriter(ctx, claim, evidence)`` in kmrbf/claims is in CERTIFIED, every module whose
    property checks ``record`` certificates has its property in PROPERTIES (and nothing else)."""
    import kmrbf.claims as claims

    found, recorders = set(), set()
    for path in Path(claims.__file__).parent.glob("*.py"):
        text = path.read_text()
        found |= set(re.findall(r'CertificateWriter\(ctx, "([^"]+)", "([^"]+)"\)', text))
        found |= {("KR-T3", e) for e in re.findall(r'_write_certs\(ctx, "([^"]+)"', text)}
        if re.search(r"from \.\.evidence\.certificate import .*\brecord\b", text):
            recorders.add(path.stem)
    assert found == set(CERTIFIED)
    assert recorders == {c.lower().replace("-", "_") for c, _ in PROPERTIES}


@pytest.mark.parametrize("claim_id, name", CERTIFIED + PROPERTIES, ids=[f"{c}/{n}" for c, n in CERTIFIED + PROPERTIES])
def test_every_ci_certificate_rechecks(claim_id, name, tmp_path):
    from kmrbf.claims import evidence_for
    from kmrbf.runner import run_evidence

    ev = next(e for e in evidence_for(claim_id) if e.name == name)
    res = run_evidence(ev, RunContext(_CI, tmp_path))
    assert res.status != "error", res.data.get("traceback")
    entries = res.data["certificates"]
    assert entries and all(set(e) == {"file", "sha256", "statement", "inequalities"} for e in entries)
    assert [e["file"] for e in entries] == [f"certificates/{claim_id}-{name}-{i}.json" for i in range(1, len(entries) + 1)]
    assert sorted(p.name for p in (tmp_path / "certificates").iterdir()) == sorted(Path(e["file"]).name for e in entries)
    for e in entries:
        doc = _doc(tmp_path / e["file"])
        assert doc["sha256"] == e["sha256"] and (doc["claim"], doc["evidence"]) == (claim_id, name)
        assert len(doc["inequalities"]) == e["inequalities"] and e["statement"].startswith(doc["case"])
        ok, msg = recheck.recheck_file(tmp_path / e["file"])
        assert ok, msg
    # a copy: tampering with one number of it is caught
    doc = copy.deepcopy(_doc(tmp_path / entries[0]["file"]))
    doc["inequalities"][0]["prec"] += 1
    _rejected(_write(tmp_path, doc, reseal=False), "content hash mismatch")
