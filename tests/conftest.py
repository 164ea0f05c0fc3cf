"""Test configuration: Hypothesis profiles (from :mod:`kmrbf.profiles`) and precision hygiene.

``CI=true`` loads the deterministic ``ci`` profile; ``HYPOTHESIS_PROFILE`` overrides.
"""

import os

import mpmath
import pytest
from hypothesis import settings

from kmrbf.profiles import PROFILES, default_profile_name, hypothesis_settings

for _name, _profile in PROFILES.items():
    settings.register_profile(_name, hypothesis_settings(_profile))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", default_profile_name()))


@pytest.fixture(autouse=True)
def _mpmath_precision_is_untouched():
    """Precision must be scoped (``mp.workdps``); fail any test that leaks a change."""
    dps, prec = mpmath.mp.dps, mpmath.mp.prec
    yield
    leaked = (mpmath.mp.dps, mpmath.mp.prec) != (dps, prec)
    mpmath.mp.dps = dps
    assert not leaked, "a test changed mpmath.mp precision globally; use mp.workdps"
