"""The one rule for where evidence lives: claim ``KR-T3``'s evidence is ``kmrbf/claims/kr_t3.py``.

Fails if a catalog id has no evidence module, if a module in ``kmrbf/claims`` is not
named after a catalog id, or if a module holds evidence for a claim it is not named
after.  Claim modules import no sibling claim module (shared helpers live in
``kmrbf.evidence``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kmrbf.claims as claims
from kmrbf.claims import CLAIMS, evidence_for, module_name
from kmrbf.evidence import EvidenceList

CLAIMS_DIR = Path(claims.__file__).parent
NOT_CLAIMS = {"__init__", "catalog"}


def test_every_module_is_named_after_a_claim_and_every_claim_has_one():
    modules = {p.stem for p in CLAIMS_DIR.glob("*.py")} - NOT_CLAIMS
    expected = {module_name(c.id).rpartition(".")[2] for c in CLAIMS}
    assert modules - expected == set(), f"modules in kmrbf/claims not named after a claim id: {modules - expected}"
    assert expected - modules == set(), f"claims without an evidence module: {expected - modules}"
    assert not [p for p in CLAIMS_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"]


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_module_holds_evidence_for_its_own_claim_only(claim):
    import importlib

    module = importlib.import_module(module_name(claim.id))
    lists = [v for v in vars(module).values() if isinstance(v, EvidenceList)]
    assert len(lists) == 1 and lists[0] is module.EVIDENCE, "one EvidenceList per module, named EVIDENCE"
    assert module.EVIDENCE.claim_id == claim.id
    assert all(e.claim_id == claim.id for e in module.EVIDENCE)
    assert evidence_for(claim.id), f"{claim.id} has no evidence"


@pytest.mark.parametrize("path", sorted(CLAIMS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_claim_modules_import_no_sibling_claim_module(path):
    siblings = {p.stem for p in CLAIMS_DIR.glob("*.py")} - {"__init__"}
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 1 and (mod in siblings or (not mod and {a.name for a in node.names} & siblings)):
                bad.append(ast.unparse(node))
            if node.level == 0 and mod.startswith("kmrbf.claims."):
                bad.append(ast.unparse(node))
    if path.stem == "__init__":
        bad = [b for b in bad if b != "from .catalog import CLAIMS"]
    assert not bad, bad


def test_evidence_order_is_declaration_order():
    """The report lists evidence in the order the module declares it."""
    import kmrbf.claims.kr_t3 as kr_t3

    assert [e.name for e in evidence_for("KR-T3")] == [e.name for e in kr_t3.EVIDENCE]


def test_every_derivation_backs_exactly_one_symbolic_evidence():
    from kmrbf import theory
    from kmrbf.evidence import source_hash

    builders = {source_hash(getattr(theory, n)): n for n in theory.__all__
                if n not in ("Derivation", "DerivationResult")}
    used = [e.version for c in CLAIMS for e in evidence_for(c.id) if e.kind == "symbolic"]
    assert sorted(used) == sorted(builders), "a theory builder is unused or used twice"
