"""Run profiles shared by the test suite and ``kmrbf check`` / ``kmrbf report``.

One place defines how much work a run does. ``tests/conftest.py`` registers these
as Hypothesis profiles; the claim runner applies the same settings to property
evidence, so a claim is checked by the same code, at the same strength, in CI and
in the report.

=========  ============  ===========  ===============================================
profile    max_examples  derandomize  use
=========  ============  ===========  ===============================================
dev        30            no           quick local iteration
ci         100           yes          CI and ``make report`` (deterministic)
thorough   1000          no           before a release; many more examples
=========  ============  ===========  ===============================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, settings

__all__ = ["Profile", "PROFILES", "get_profile", "default_profile_name", "hypothesis_settings"]


@dataclass(frozen=True)
class Profile:
    """How much work a run does.

    Attributes
    ----------
    name : str
        ``"dev"``, ``"ci"`` or ``"thorough"``.
    max_examples : int
        Hypothesis examples per property.
    derandomize : bool
        Deterministic example generation (same examples on every run).
    scale : float
        Multiplier that experiments apply to their own sizes (grid points,
        repetitions); ``1.0`` is the ``ci`` size.
    seed : int
        Seed for every random number generator an experiment creates.
    """

    name: str
    max_examples: int
    derandomize: bool
    scale: float
    seed: int = 20260304


PROFILES: dict[str, Profile] = {
    "dev": Profile("dev", max_examples=30, derandomize=False, scale=0.5),
    "ci": Profile("ci", max_examples=100, derandomize=True, scale=1.0),
    "thorough": Profile("thorough", max_examples=1000, derandomize=False, scale=4.0),
}


def default_profile_name() -> str:
    """``ci`` when the ``CI`` environment variable is set, else ``dev``."""
    return "ci" if os.environ.get("CI") else "dev"


def get_profile(name: str | None = None) -> Profile:
    """Look up a profile by name (``None`` picks :func:`default_profile_name`)."""
    name = default_profile_name() if name is None else name
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"profile={name!r} is not one of {sorted(PROFILES)}") from None


def hypothesis_settings(profile: Profile) -> settings:
    """Hypothesis settings for ``profile`` (no example database: runs are reproducible)."""
    return settings(
        max_examples=profile.max_examples,
        derandomize=profile.derandomize,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                               HealthCheck.data_too_large],
    )
