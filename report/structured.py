"""An evidence's ``data`` as tables, or not at all.

The report prints structured data only as tables: :func:`data_values` gives the scalars
(numbers, booleans, short strings, ``None``, short lists of them), printed as ``key: value``
lines, and :func:`data_tables` turns each structured key of ``EvidenceResult.data`` into a
:class:`~kmrbf.evidence.model.Table` when its shape allows one and leaves it out otherwise
(``results.json`` keeps everything):

* a mapping of scalars (or short lists of them): a ``key | value`` table of its own;
* a mapping of mappings of scalars: one row per outer key, one column per inner key;
* a list of mappings of scalars: one row per item, one column per key;
* anything else -- long series, nested structures (traces, per-run records, proof obligations,
  which the derivation already prints) -- is left out.

Keys that never print (:data:`HIDDEN`): volatile timings (their place is ``run-info.tex``),
tracebacks and strategies (printed elsewhere), obligations (printed by the derivation), the
scaled Hypothesis example count (the evidence's example count says it).

Examples
--------
>>> d = {"n": 3, "ratio": {"a": 0.5}, "traces": [[1, 2]], "timings": {"s": 1.0}}
>>> data_values(d)
[('n', 3)]
>>> [(t.caption, t.columns, t.rows) for t in data_tables(d)]
[('ratio', ['key', 'value'], [['a', 0.5]])]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmrbf.evidence.model import Table

__all__ = ["HIDDEN", "data_tables", "data_values", "is_scalar", "BULKY_ROWS"]

#: data keys never printed in verification.tex (results.json keeps them all): volatile by
#: convention (timings belong in run-info.tex), printed elsewhere (strategy, traceback), or
#: printed by the derivation (obligations)
HIDDEN = ("strategy", "traceback", "seconds", "timings", "elapsed", "wall_seconds", "obligations",
          "max_examples")

#: a table with more rows than this goes to the appendix "Bulky tables"
BULKY_ROWS = 20

_MAX_LIST = 12
_MAX_TEXT = 300
_MAX_COLUMNS = 12
_MAX_ROWS = 200


def is_scalar(v: Any) -> bool:
    """A number, a boolean, ``None`` or a string of at most 300 characters."""
    return v is None or isinstance(v, (int, float, bool)) or (isinstance(v, str) and len(v) <= _MAX_TEXT)


def _cell(v: Any) -> Any:
    """A table cell: a scalar, or a short list of scalars as one text."""
    if is_scalar(v):
        return v
    if isinstance(v, (list, tuple)) and len(v) <= _MAX_LIST and all(is_scalar(x) for x in v):
        return ", ".join("--" if x is None else f"{x:.6g}" if isinstance(x, float) else str(x) for x in v)
    raise TypeError


def _records(items: list[tuple[str, Mapping[str, Any]]], first: str) -> tuple[list[str], list[list[Any]]] | None:
    columns: list[str] = []
    for _, rec in items:
        columns += [k for k in rec if k not in columns]
    if not columns or len(columns) > _MAX_COLUMNS or len(items) > _MAX_ROWS:
        return None
    try:
        rows = [([name] if first else []) + [_cell(rec.get(c)) for c in columns] for name, rec in items]
    except TypeError:
        return None
    return ([first] if first else []) + columns, rows


def data_values(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The scalar entries of ``data`` (short lists joined into one text), in key order.

    Parameters
    ----------
    data : mapping
        ``EvidenceResult.data``.

    Returns
    -------
    list of (key, value)
    """
    return [(k, c) for k, c in _split(data) if c is not _STRUCTURED]


_STRUCTURED = object()


def _split(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The shown keys in order, each with its cell, or ``_STRUCTURED`` when it is not a scalar."""
    out = []
    for key in sorted(data):
        if key in HIDDEN:
            continue
        try:
            out.append((key, _cell(data[key])))
        except TypeError:
            out.append((key, _STRUCTURED))
    return out


def data_tables(data: Mapping[str, Any]) -> list[Table]:
    """The tables that show the structured entries of ``data`` (see the module docstring), in key order.

    Parameters
    ----------
    data : mapping
        ``EvidenceResult.data``.

    Returns
    -------
    list of Table
        One table per structured key that has a table shape (caption: the key).
    """
    tables: list[Table] = []
    for key in [k for k, c in _split(data) if c is _STRUCTURED]:
        v = data[key]
        if isinstance(v, Mapping) and v:
            try:
                tables.append(Table(["key", "value"], [[str(k), _cell(x)] for k, x in v.items()], key))
                continue
            except TypeError:
                pass
            if all(isinstance(x, Mapping) for x in v.values()):
                shaped = _records([(str(k), x) for k, x in v.items()], "")
                if shaped:
                    tables.append(Table(["", *shaped[0]], [[k, *r] for k, r in zip(v, shaped[1])], key))
        elif isinstance(v, (list, tuple)) and v and all(isinstance(x, Mapping) for x in v):
            shaped = _records([("", x) for x in v], "")
            if shaped:
                tables.append(Table(shaped[0], shaped[1], key))
    return tables
