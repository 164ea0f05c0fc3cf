"""kmrbf.claims.kr_s53: the rules that turn timings into a verdict, and the evidence on a tiny profile."""

from __future__ import annotations

from kmrbf.claims.kr_s53 import FASTER, SLOWER, compare, s53_rule, sparsity_rule


def _row(nnz, acc_ratio, it_ratio, k=8):
    return dict(n=100, k=k, d=4, sigma=1.0, sigma_factor=1.0, nnz_fraction=nnz, lloyd=1.0,
                acc_dense=1.0, acc_sparse=acc_ratio, acc_sparse_build=acc_ratio, entmax_sparse=it_ratio)


def test_s53_rule_can_fail():
    good = {m: {"n": 1.0, "k": 1.0, "d": 1.0} for m in ("lloyd", "softmax", "entmax15")}
    assert all(h for _, h in s53_rule(good, 0.2, (8, 32)))
    bad = {**good, "softmax": {"n": 2.0, "k": 1.0, "d": 1.0}}
    assert [r for r, h in s53_rule(bad, 0.2, (8, 32)) if not h] == [
        "softmax: exponent in N within [0.8, 1.2]"]
    assert not all(h for _, h in s53_rule(good, 1.5, (8, 32)))


def test_compare_margins():
    assert [compare(r, 1.0) for r in (FASTER * 0.99, FASTER, 1.0, SLOWER, SLOWER * 1.01)] == [
        "faster", "tie", "tie", "tie", "slower"]


def test_sparsity_rule_statuses():
    assert sparsity_rule([_row(0.1, 0.5, 0.5), _row(0.2, 0.7, 0.6)])["status"] == "passed"
    r = sparsity_rule([_row(0.1, 0.5, 0.5), _row(0.9, 2.0, 1.0)])
    assert r["status"] == "conditional" and "nnz fraction <= 0.100" in r["condition"]
    assert r["pays"] == {(100, 8, 4): [0.1, 0.9]}
    # a tie (0.8 <= ratio <= 1.25) is not faster: statement (ii) never holds -> failed
    r = sparsity_rule([_row(0.1, 0.5, 0.9), _row(0.9, 2.0, 3.0)])
    assert r["status"] == "failed" and r["counterexample"].startswith(
        "entmax-1.5 (sparse) iteration faster than Lloyd nowhere; best case N=100, K=8, D=4")
    assert "nnz fraction 0.100" in r["counterexample"]
