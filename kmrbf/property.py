"""Hypothesis properties as registry evidence.

:func:`property_evidence` turns a plain check function into ``property`` evidence:
the runner drives it with Hypothesis under the run profile's settings, counts the
examples actually executed, and on failure records the *shrunk* falsifying
example (Hypothesis attaches it to the exception as a note) as the
counterexample.  Tests call the very same evidence through the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hypothesis import example as hyp_example
from hypothesis import Phase, given, settings
from hypothesis.errors import UnsatisfiedAssumption
from hypothesis import strategies as st

from .profiles import hypothesis_settings
from .registry import EvidenceResult, Role, RunContext, register_evidence

__all__ = ["Undecided", "property_evidence", "run_property"]


class Undecided(Exception):
    """Raised by a property check whose comparison could not be decided (e.g. an
    ``arb`` ball that straddles the bound at the highest precision tried).

    The evidence then reports ``undecided`` -- neither passed nor failed -- with the
    shrunk input, instead of the property counting as falsified.
    """


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
    bug).  Pinned ``examples`` run first, as with ``@example``.
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
    test = given(**strategies)(counted)
    for ex in reversed(list(examples)):
        test = hyp_example(**ex)(test)
    base = hypothesis_settings(ctx.profile)
    # no "explain" phase: its coverage notes are noise next to the shrunk example
    phases = [p for p in base.phases if p is not Phase.explain]
    test = settings(base, report_multiple_bugs=False, phases=phases)(test)
    try:
        test()
    except Exception as exc:  # noqa: BLE001 - any exception falsifies the property
        notes = [n for n in getattr(exc, "__notes__", []) if n.strip()]
        counterexample = "\n".join(notes) if notes else repr(exc)
        return EvidenceResult(
            status="undecided" if isinstance(exc, Undecided) else "failed",
            examples=calls,
            counterexample=counterexample,
            summary=f"{type(exc).__name__}: {exc}".strip(),
        )
    return EvidenceResult(status="passed", examples=calls)


def property_evidence(
    claim_id: str,
    name: str,
    *,
    strategies: Mapping[str, st.SearchStrategy[Any]],
    role: Role = "paper",
    description: str = "",
    strategy_summary: str = "",
    examples: Sequence[Mapping[str, Any]] = (),
    condition: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``check`` as Hypothesis ``property`` evidence on ``claim_id``.

    Parameters
    ----------
    claim_id, name, role, description
        As for :func:`kmrbf.registry.register_evidence`; the description defaults
        to the check's docstring.
    strategies : mapping
        Keyword strategies for ``check``.
    strategy_summary : str
        One sentence on what the strategies generate (printed in the report).
    examples : sequence of mappings
        Pinned regression examples (found counterexamples), run before the search.
    condition : str, optional
        For ``role="condition"``: the extra condition under which the claim holds.

    Returns
    -------
    The undecorated ``check`` (so tests may call it directly too).
    """

    def deco(check: Callable[..., Any]) -> Callable[..., Any]:
        def run(ctx: RunContext) -> EvidenceResult:
            res = run_property(check, strategies, ctx, examples=examples)
            res.data["strategy"] = strategy_summary
            res.condition = condition
            return res

        # the cache key follows the check's source, not this wrapper's
        from .registry import _source_hash

        register_evidence(
            claim_id, kind="property", name=name, role=role,
            description=description or (check.__doc__ or "").strip(),
            version=_source_hash(check),
        )(run)
        return check

    return deco
