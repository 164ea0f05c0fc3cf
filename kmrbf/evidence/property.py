"""Hypothesis properties as evidence.

:func:`run_property` drives a plain check function with Hypothesis under the run
profile's settings, counts the examples actually executed, and on failure
records the *shrunk* falsifying example (Hypothesis attaches it to the exception
as a note) as the counterexample.  Claim modules declare properties with
:meth:`kmrbf.evidence.EvidenceList.property`; tests run the very same evidence.
"""

from __future__ import annotations

import importlib

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hypothesis import Phase, given, settings
from hypothesis import example as hyp_example
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption

from ..importgraph import module_files
from ..profiles import hypothesis_settings
from .model import EvidenceResult, RunContext

__all__ = ["Undecided", "run_property"]


class Undecided(Exception):
    """Raised by a property check whose comparison could not be decided (e.g. an
    ``arb`` ball that straddles the bound at the highest precision tried).

    The evidence then reports ``undecided`` -- neither passed nor failed -- with the
    shrunk input, instead of the property counting as falsified.
    """


_BROKEN = (ImportError, NameError, SyntaxError)
"""Exceptions that say the evidence code is broken, not that the property fails: they
propagate, and the runner records an ``error`` (an inconclusive verdict)."""


_POOL_READY = False


def _import_every_project_module() -> None:
    """Import every module of the project once, before the first property runs.

    Hypothesis mixes into its draws numeric and string constants read from the source of
    every *local* module already in ``sys.modules`` (the "local constants" of
    ``hypothesis.internal.conjecture.providers``).  Which modules that are depends on what
    ran before, so even the derandomized ``ci`` profile drew different examples in a
    6-claim and an 11-claim run.  With the whole project imported first the pool is the
    same in every run (modules of an optional extra that is not installed are skipped:
    the pool then depends on the installed extras only).  These are dynamic imports,
    outside the layer contracts: nothing of them is used here.
    """
    global _POOL_READY
    if _POOL_READY:
        return
    for name in sorted(module_files()):
        if name.rsplit(".", 1)[-1].startswith("__"):
            continue
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    _POOL_READY = True


def run_property(
    check: Callable[..., Any],
    strategies: Mapping[str, st.SearchStrategy[Any]],
    ctx: RunContext,
    *,
    examples: Sequence[Mapping[str, Any]] = (),
) -> EvidenceResult:
    """Run ``check(**drawn)`` under Hypothesis; return the result as evidence.

    ``check`` signals failure by raising ``AssertionError`` (any other exception
    is also a failure of the property: a kernel that crashes on valid input is a
    bug), except :data:`_BROKEN` (an import or name error is a bug of the
    evidence, which propagates).  Pinned ``examples`` run first, as with ``@example``.
    """
    calls = 0

    def counted(**kwargs: Any) -> None:
        # count examples that reached a verdict (passed or failed); calls that
        # `assume` rejected are not examples run
        nonlocal calls
        try:
            check(**kwargs)
        except UnsatisfiedAssumption:
            raise
        except BaseException:
            calls += 1
            raise
        calls += 1

    counted.__name__ = counted.__qualname__ = getattr(check, "__name__", "check")
    _import_every_project_module()
    test = given(**strategies)(counted)
    for ex in reversed(list(examples)):
        test = hyp_example(**ex)(test)
    base = hypothesis_settings(ctx.profile)
    # no "explain" phase: its coverage notes are noise next to the shrunk example
    phases = [p for p in base.phases if p is not Phase.explain]
    test = settings(base, report_multiple_bugs=False, phases=phases)(test)
    try:
        test()
    except _BROKEN:  # the check itself is broken: an error, never a counterexample
        raise
    except Exception as exc:  # noqa: BLE001 - any other exception falsifies the property
        notes = [n for n in getattr(exc, "__notes__", []) if n.strip()]
        message = f"{type(exc).__name__}: {exc}".strip()
        # the shrunk input, then what the check found there (the assertion's magnitudes)
        counterexample = "\n".join(notes + [message]) if notes else message
        return EvidenceResult(
            status="undecided" if isinstance(exc, Undecided) else "failed",
            examples=calls,
            counterexample=counterexample,
            summary=f"{type(exc).__name__}: {exc}".strip(),
        )
    return EvidenceResult(status="passed", examples=calls)
