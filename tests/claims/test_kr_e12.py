"""kmrbf.claims.kr_e12: the one derivation holds only KR-E12's obligations (W - G = sigma H is KR-S32's)."""

from __future__ import annotations

import dataclasses

from kmrbf.claims import evidence_for
from kmrbf.evidence import RunContext
from kmrbf.profiles import PROFILES
from kmrbf.runner import run_evidence
from kmrbf.theory import kr_e12, kr_s32

#: the dev profile, derandomized: a mutation test must not depend on the random draw
_DEV = dataclasses.replace(PROFILES["dev"], derandomize=True)


def test_the_derivation_passes_with_its_own_obligations_only(tmp_path):
    (ev,) = evidence_for("KR-E12")
    res = run_evidence(ev, RunContext(profile=_DEV, out_dir=tmp_path))
    assert (ev.role, res.status) == ("paper", "passed")
    names = {o.name for o in kr_e12().obligations}
    assert not any("W - G" in n for n in names)
    assert "W - G = sigma H (general K)" in {o.name for o in kr_s32().obligations}
