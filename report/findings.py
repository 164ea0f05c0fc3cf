r"""Fill each claim's finding (:data:`kmrbf.claims.catalog.FINDINGS`) from its evidence results.

A finding is a template: two or three sentences of LaTeX with inline math, whose slots
``%name%`` name :class:`~kmrbf.claims.catalog.Value` selectors.  :func:`fill_finding`
reads every value from the claim's results (:func:`resolve`), formats it (:func:`format_number`)
and returns the text twice: as LaTeX for ``verification.tex`` and as Markdown for the errata
files.  Nothing here knows a number in advance: a value the results do not hold raises
:class:`FindingError`, which the report prints as a visible gap (and the end-to-end test
turns into a failure).

Examples
--------
>>> from kmrbf.claims.catalog import Finding, V
>>> from kmrbf.evidence import EvidenceResult
>>> from kmrbf.evidence.model import Claim
>>> from kmrbf.verdict import ClaimResult
>>> r = EvidenceResult(status="passed", examples=12, data={"ratio": {"a": 0.25, "b": 0.5}})
>>> r.name = "ev"
>>> cr = ClaimResult(Claim("X-1", "KR", "Thm 1", "t", "s", "p"), [r], "verified")
>>> f = Finding(("verified",), r"At most $%r%$ on %n% instances.", {"r": V("ev", "data", "ratio", reduce="max"),
...             "n": V("ev", "examples")})
>>> filled = fill_finding(f, cr)
>>> print(filled.latex)
{At most $\ensuremath{0.5}$ on \ensuremath{12} instances.}
>>> print(filled.markdown)
At most $0.5$ on 12 instances.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kmrbf.claims.catalog import FINDINGS, Finding, Value
from kmrbf.verdict import ClaimResult

from .latex import Latex, escape
from .rawlatex import check_raw, mixed

__all__ = ["FindingError", "FilledFinding", "resolve", "select", "format_number", "fill_finding",
           "finding_for", "to_markdown", "leading_number", "check_template"]

_SLOT = re.compile(r"%([A-Za-z][A-Za-z0-9_]*)%")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:/\d+)?")


class FindingError(LookupError):
    """A finding's value is not in the results (names the claim, the evidence and the path)."""


@dataclass(frozen=True)
class FilledFinding:
    """A finding with its values filled in: LaTeX for the report, Markdown for the errata."""

    latex: Latex
    markdown: str
    correction_latex: Latex
    correction_markdown: str


def leading_number(v: Any) -> float | None:
    """The number a value stands for: a number itself, or the leading number of a string.

    Strings like ``"1.97 [1.90, 2.07]"``, ``"1/10"``, ``"[9.64 +/- 4.00e-6]"`` and
    ``"-3.220e+00"`` give their first number; ``None`` for anything else.

    Examples
    --------
    >>> [leading_number(x) for x in (3, "1/10", "[9.64 +/- 4.00e-6]", "0 (exact)", "-", True)]
    [3.0, 0.1, 9.64, 0.0, None, None]
    """
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        m = _NUMBER.search(v.lstrip("[( "))
        if m and v.lstrip("[( ").startswith(m.group(0)):
            t = m.group(0)
            return float(Fraction(t)) if "/" in t else float(t)
    return None


def _matches(item: Any, where: Sequence[tuple[str, Any]]) -> bool:
    return all(isinstance(item, Mapping) and k in item and str(item[k]) == str(v) for k, v in where)


def select(result: Mapping[str, Any], path: Sequence[Any], where: Sequence[tuple[str, Any]] = ()) -> Any:
    """Follow ``path`` into ``result`` (an evidence result as a dict); see :class:`~kmrbf.claims.catalog.Value`.

    A table (a mapping with ``columns`` and ``rows``) followed by a column name gives that
    column as a list (rows filtered by ``where``); ``"*"`` maps the rest of the path over a
    list (items filtered by ``where``).  Raises :class:`KeyError` / :class:`IndexError` when
    the path does not exist.

    Examples
    --------
    >>> t = {"tables": [{"columns": ["a", "b"], "rows": [[1, "x"], [2, "y"]], "caption": ""}]}
    >>> select(t, ("tables", 0, "a")), select(t, ("tables", 0, "a", 0), (("b", "y"),))
    ([1, 2], 2)
    >>> select({"data": {"l": [{"s": 1}, {"s": 2}]}}, ("data", "l", "*", "s"))
    [1, 2]
    """
    node: Any = result
    for i, step in enumerate(path):
        if step == "*":
            if not isinstance(node, list):
                raise KeyError(f"'*' needs a list, not {type(node).__name__}")
            items = [x for x in node if _matches(x, where)]
            return [select(x, path[i + 1:]) for x in items]
        if isinstance(node, Mapping) and "columns" in node and "rows" in node and isinstance(step, str):
            if step not in node["columns"]:
                raise KeyError(f"no column {step!r} (columns: {node['columns']})")
            cols = list(node["columns"])
            rows = [dict(zip(cols, r)) for r in node["rows"]]
            node = [r[step] for r in rows if _matches(r, where)]
            continue
        if isinstance(node, Mapping):
            node = node[step]
        elif isinstance(node, (list, tuple)) and isinstance(step, int):
            node = node[step]
        else:
            raise KeyError(f"cannot take {step!r} of a {type(node).__name__}")
    return node


def _numbers(values: Any) -> list[float]:
    """The numbers among ``values``; cells without one (``"-"``, ``None``) are no value and skipped."""
    items = list(values.values()) if isinstance(values, Mapping) else list(values)
    out = [float(x) for x in map(leading_number, items) if x is not None]
    if not out:
        raise KeyError(f"no numbers among {items[:5]!r}")
    return out


def _reduce(node: Any, how: str) -> Any:
    if how == "one":
        if isinstance(node, (list, dict)):
            raise KeyError(f"expected one value, got a {type(node).__name__} (give a reduce)")
        return node
    items = list(node.values()) if isinstance(node, Mapping) else node
    if not isinstance(items, list):
        raise KeyError(f"reduce {how!r} needs a list or mapping, not {type(node).__name__}")
    if how == "count":
        return len(items)
    if how.startswith("count=") or how.startswith("count!="):
        neg = how.startswith("count!=")
        target = how.split("=", 1)[1]
        return sum((str(x) == target) != neg for x in items)
    if how.startswith("keys="):
        if not isinstance(node, Mapping):
            raise KeyError("keys= needs a mapping")
        keys = [k for k, v in node.items() if str(v) == how[5:]]
        if not keys:
            raise KeyError(f"no key has the value {how[5:]!r}")
        return ", ".join(keys)
    if how == "join":
        return ", ".join(str(x) for x in items)
    if not items:
        raise KeyError(f"reduce {how!r} of nothing (no item matches)")
    if how in ("first", "last"):
        return items[0] if how == "first" else items[-1]
    xs = _numbers(items)
    if how == "max":
        return max(xs)
    if how == "min":
        return min(xs)
    if how == "absmax":
        return max(abs(x) for x in xs)
    if how == "absmin":
        return min(abs(x) for x in xs)
    if how == "sum":
        return sum(xs)
    raise ValueError(f"reduce={how!r} is not one of the reductions of Value")


def resolve(value: Value, cr: ClaimResult) -> Any:
    """The value ``value`` selects from the claim result ``cr`` (raises :class:`FindingError`)."""
    if value.evidence is None:
        source: Mapping[str, Any] = {"examples": cr.examples, "verdict": cr.verdict}
    else:
        found = [r for r in cr.results if r.name == value.evidence]
        if not found:
            raise FindingError(f"{cr.claim.id}: no evidence named {value.evidence!r}")
        source = found[0].to_dict()
    try:
        return _reduce(select(source, value.path, value.where), value.reduce)
    except (KeyError, IndexError, TypeError) as exc:
        where = f" where {dict(value.where)}" if value.where else ""
        raise FindingError(f"{cr.claim.id}: evidence {value.evidence!r} has no {list(value.path)}{where} "
                           f"(reduce {value.reduce!r}): {exc}") from None


def format_number(x: float, fmt: str | None = None) -> tuple[str, str, str]:
    r"""A number as ``(latex_math, markdown_text, markdown_math)``.

    The LaTeX form is math (``1.2\times10^{-5}``), to be wrapped in ``\ensuremath``.

    Examples
    --------
    >>> format_number(1.234e-5, ".2g")
    ('1.2\\times10^{-5}', '1.2e-05', '1.2\\times10^{-5}')
    >>> format_number(-18.0)
    ('-18', '-18', '-18')
    """
    spec = fmt or ".4g"
    if spec == "d":
        s = str(int(round(x)))
    else:
        s = format(x, spec)
    if s in ("nan", "inf", "-inf"):
        tex = {"nan": r"\mathrm{nan}", "inf": r"\infty", "-inf": r"-\infty"}[s]
        return tex, s, tex
    m = re.fullmatch(r"(-?[\d.]+)e([-+]\d+)", s)
    if m:
        tex = rf"{m.group(1)}\times10^{{{int(m.group(2))}}}"
        return tex, s, tex
    return s, s, s


def _format(v: Any, fmt: str | None) -> tuple[str, str, str]:
    """``(latex, markdown_text, markdown_math)`` of one resolved value."""
    if fmt == "sympy":
        import sympy

        expr = sympy.sympify(str(v))
        tex = sympy.latex(expr)
        return rf"\ensuremath{{{tex}}}", str(v), tex
    x = None if fmt == "text" else leading_number(v)
    if x is not None and (not isinstance(v, str) or re.fullmatch(r"\s*" + _NUMBER.pattern + r"\s*", v)):
        tex, md, md_math = format_number(x, fmt)
        return rf"\ensuremath{{{tex}}}", md, md_math
    return str(escape(v)), str(v), str(v)


def _fill(template: str, values: Mapping[str, tuple[str, str, str]]) -> tuple[Latex, str]:
    if not template:
        return Latex(""), ""
    tokens = {}

    def token(m: re.Match) -> str:
        name = m.group(1)
        if name not in values:
            raise FindingError(f"slot %{name}% has no value")
        tok = "KMRBFSLOT" + "".join(chr(ord("a") + int(d)) for d in str(len(tokens))) + "X"
        tokens[tok] = values[name][0]
        return tok

    tex = str(mixed(_SLOT.sub(token, template)))
    for tok, latex in tokens.items():
        tex = tex.replace(tok, latex)
    # Markdown: the template's LaTeX as text; a slot inside $...$ gets the math form
    md, pos, in_math = [], 0, False
    for m in _SLOT.finditer(template):
        chunk = template[pos:m.start()]
        in_math ^= (chunk.count("$") - chunk.count(r"\$")) % 2 == 1
        md.append(chunk)
        md.append(values[m.group(1)][2] if in_math else values[m.group(1)][1])
        pos = m.end()
    md.append(template[pos:])
    return Latex(tex), to_markdown("".join(md))


def fill_finding(finding: Finding, cr: ClaimResult) -> FilledFinding:
    """Fill ``finding``'s text and correction from ``cr`` (raises :class:`FindingError`).

    Parameters
    ----------
    finding : Finding
    cr : ClaimResult
        The claim's results; the finding must have been written for its verdict.

    Returns
    -------
    FilledFinding
    """
    if cr.verdict not in finding.verdicts:
        raise FindingError(f"{cr.claim.id}: the finding was written for {' / '.join(finding.verdicts)}, "
                           f"the evidence now gives {cr.verdict}")
    used = set(_SLOT.findall(finding.text)) | set(_SLOT.findall(finding.correction))
    values = {name: _format(resolve(finding.values[name], cr), finding.values[name].fmt)
              for name in sorted(used) if name in finding.values}
    text, md = _fill(finding.text, values)
    corr, corr_md = _fill(finding.correction, values)
    return FilledFinding(text, md, corr, corr_md)


def finding_for(claim_id: str) -> Finding | None:
    """The catalog's finding of ``claim_id`` (``None`` if it has none)."""
    return FINDINGS.get(claim_id)


def check_template(text: str) -> None:
    """Raise :class:`~kmrbf.report.rawlatex.RawLatexError` unless ``text`` (slots as numbers) is valid raw LaTeX."""
    check_raw(_SLOT.sub("0", text))


_MD_TEXT = [
    (re.compile(r"\\emph\{([^{}]*)\}"), r"*\1*"),
    (re.compile(r"\\textit\{([^{}]*)\}"), r"*\1*"),
    (re.compile(r"\\textbf\{([^{}]*)\}"), r"**\1**"),
    (re.compile(r"\\texttt\{([^{}]*)\}"), r"`\1`"),
    (re.compile(r"``"), "\u201c"),
    (re.compile(r"''"), "\u201d"),
    (re.compile(r"\\S(?![A-Za-z])\s?"), "§"),
    (re.compile(r"(?<!-)---(?!-)"), "\u2014"),
    (re.compile(r"(?<!-)--(?!-)"), "\u2013"),
    (re.compile(r"\\ensuremath\{([^{}]*)\}"), r"$\1$"),
]


def to_markdown(text: str) -> str:
    r"""LaTeX text with inline math as Markdown: math stays in ``$...$``, text markup is converted.

    Examples
    --------
    >>> to_markdown(r"\emph{Not} ``monotone'' -- see \S3.2, $x_i\le1$.")
    '*Not* “monotone” – see §3.2, $x_i\\le1$.'
    """
    parts = re.split(r"(\$[^$]*\$)", text)
    out = []
    for p in parts:
        if p.startswith("$") and p.endswith("$") and len(p) > 1:
            out.append(p)
            continue
        for pat, rep in _MD_TEXT:
            p = pat.sub(rep, p)
        out.append(p)
    return " ".join("".join(out).split())
