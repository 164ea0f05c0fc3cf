"""The claims (:mod:`.catalog`) and their evidence: one module per claim, named after its id.

The evidence of claim ``KR-T3`` lives in :mod:`kmrbf.claims.kr_t3`
(:func:`module_name`): the module defines ``EVIDENCE``, an
:class:`~kmrbf.evidence.EvidenceList` for that claim, in the order the report
shows it.  Nothing registers itself: :func:`evidence_for` imports the claim's
module on first use; :func:`all_claims` lists the catalog in SPEC order.
``tests/claims/test_layout.py`` checks that every catalog id has its module and
every module holds evidence for the claim it is named after, and nothing else.

Examples
--------
>>> module_name("KR-T1-limsup")
'kmrbf.claims.kr_t1_limsup'
>>> [e.name for e in evidence_for("KR-E12")]
['softmax-minimiser']
"""

from __future__ import annotations

import importlib

from ..evidence.collect import EvidenceList
from ..evidence.model import Claim, Evidence
from .catalog import CLAIMS

__all__ = ["CLAIMS", "module_name", "all_claims", "get_claim", "evidence_for", "deviations_for"]

_BY_ID = {c.id: c for c in CLAIMS}


def module_name(claim_id: str) -> str:
    """The module that holds the evidence of ``claim_id``: the id in lower case, ``-`` as ``_``.

    Parameters
    ----------
    claim_id : str
        A SPEC id, e.g. ``"KR-T3"``.

    Returns
    -------
    str
        The dotted module name, e.g. ``"kmrbf.claims.kr_t3"``.
    """
    return f"{__name__}.{claim_id.lower().replace('-', '_')}"


def all_claims() -> list[Claim]:
    """Every claim of the catalog, in SPEC order.

    Returns
    -------
    list of Claim
    """
    return list(CLAIMS)


def get_claim(claim_id: str) -> Claim:
    """The catalog entry of ``claim_id``.

    Parameters
    ----------
    claim_id : str
        A SPEC id.

    Returns
    -------
    Claim

    Raises
    ------
    ValueError
        If the id is not in the catalog (the message lists the known ids).
    """
    try:
        return _BY_ID[claim_id]
    except KeyError:
        raise ValueError(f"claim id {claim_id!r} is unknown; known: {sorted(_BY_ID)}") from None


def evidence_for(claim_id: str) -> list[Evidence]:
    """The evidence of ``claim_id``, in declaration order (imports its module once).

    Parameters
    ----------
    claim_id : str
        A SPEC id.

    Returns
    -------
    list of Evidence
    """
    return list(_evidence_list(claim_id))


def deviations_for(claim_id: str) -> tuple[str, ...]:
    """The choices the paper leaves open that the evidence of ``claim_id`` makes.

    Parameters
    ----------
    claim_id : str
        A SPEC id.

    Returns
    -------
    tuple of str
        As declared by the claim module (``EvidenceList(..., deviations=...)``).
    """
    return _evidence_list(claim_id).deviations


def _evidence_list(claim_id: str) -> EvidenceList:
    get_claim(claim_id)
    module = importlib.import_module(module_name(claim_id))
    evidence = module.EVIDENCE
    if evidence.claim_id != claim_id:
        raise ValueError(f"{module.__name__}.EVIDENCE holds evidence for {evidence.claim_id!r}, "
                         f"not {claim_id!r}")
    return evidence
