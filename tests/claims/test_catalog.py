"""kmrbf.claims.catalog: every SPEC id is stated once, its ``uses`` resolve, its raw LaTeX renders raw."""

from __future__ import annotations

import pytest

from kmrbf.claims import CLAIMS, all_claims
from kmrbf.report.rawlatex import check_raw

SPEC_IDS = ("KR-E12", "KR-S32", "KR-T1-liminf", "KR-T1-limsup", "KR-T1-min", "KR-C1", "KR-L1", "KR-T2",
            "KR-T2-grad", "KR-T3", "KR-T4", "KR-T5", "KR-S36-order", "KR-S36-underflow", "KR-S43", "KR-S53-cost",
            "KR-S53-cheaper", "VF-E4", "VF-E10", "VF-S34-anchor", "VF-S34-oscill", "VF-Fig1", "VF-T2", "KR-S32-GW",
            "KR-T2-traj", "KR-T4-rate", "KR-S6-smooth", "VF-S31-entropy", "VF-S54-ablation", "VF-S51-usps",
            "VF-S2-cost")


def test_catalogue_has_every_spec_id_once_in_spec_order():
    assert tuple(c.id for c in all_claims()) == SPEC_IDS


def test_catalogue_matches_the_spec_tables():
    """Every id of ../shared/SPEC.md's claim tables is in the catalog (when the SPEC is at hand)."""
    import re
    from pathlib import Path

    spec = Path(__file__).resolve().parents[3] / "shared" / "SPEC.md"
    if not spec.is_file():
        pytest.skip(f"{spec} is not part of this checkout")
    ids = tuple(re.findall(r"^\| ([A-Z]{2}-[A-Za-z0-9-]+) \|", spec.read_text(), re.M))
    assert ids == SPEC_IDS


def test_uses_name_existing_claims_of_the_same_paper_and_form_no_cycle():
    by_id = {c.id: c for c in CLAIMS}
    for c in CLAIMS:
        unknown = [u for u in c.uses if u not in by_id]
        assert not unknown, f"{c.id} uses unknown claim ids {unknown}"
        assert c.id not in c.uses and all(by_id[u].paper == c.paper for u in c.uses), c
    state: dict[str, str] = {}

    def visit(cid: str, path: tuple[str, ...]) -> None:
        assert state.get(cid) != "open", f"cycle in uses: {' -> '.join(path + (cid,))}"
        if state.get(cid) == "done":
            return
        state[cid] = "open"
        for u in by_id[cid].uses:
            visit(u, path + (cid,))
        state[cid] = "done"

    for c in CLAIMS:
        visit(c.id, ())


def test_catalogue_raw_fields_render_raw():
    """Every statement / precise statement / convention of the catalogue passes the raw check
    (otherwise the report would print it as escaped text)."""
    for claim in all_claims():
        for text in (claim.statement, claim.precise, *claim.conventions):
            check_raw(text)
