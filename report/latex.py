r"""LaTeX text handling for the report: escaping, safe raw LaTeX, verbatim blocks.

Every string that reaches ``verification.tex`` goes through exactly one of these
functions (the Jinja environment escapes anything else by default):

:func:`escape`
    plain text (titles, locations, names, table cells and columns, captions,
    data values): every LaTeX special character is escaped, so *any* string is safe.
:func:`~kmrbf.report.rawlatex.mixed`
    text with inline math in ``$...$`` -- the claim ``statement``, ``precise``
    and ``conventions`` fields, which are LaTeX by design.
:func:`~kmrbf.report.rawlatex.auto`
    text that may carry inline math (evidence descriptions -- often docstrings
    with ``$...$`` --, result summaries, strategy summaries, conditions): raw like
    ``mixed`` if it contains ``$`` and passes the check, else escaped.
:func:`~kmrbf.report.rawlatex.math_block`
    the ``latex`` field of symbolic evidence: a display-math body (as produced
    by ``sympy.latex``; lines may be separated by ``\\`` and aligned with ``&``),
    or, if it contains ``$``, ``\[`` or ``\begin{...}`` at top level, LaTeX text
    rendered like :func:`mixed`.
:func:`verbatim`
    multi-line plain text (counterexamples, tracebacks): escaped character by
    character, spaces and line breaks preserved, long lines breakable.

The raw LaTeX fields (``mixed``, ``auto``, ``math_block``) and the rules that keep
them from breaking the document are in :mod:`kmrbf.report.rawlatex`.
"""

from __future__ import annotations

import math

__all__ = ["Latex", "escape", "verbatim", "format_value"]


class Latex(str):
    """A string that is already LaTeX (the template prints it unchanged)."""

    __slots__ = ()


_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
    "[": "{[}",  # never read as an optional argument
    "]": "{]}",
    "-": "-{}",  # no -- / --- ligatures: text shows what the data holds
    "`": r"\textasciigrave{}",
}

# non-ASCII characters rendered as math symbols
_UNICODE_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "χ": r"\chi",
    "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta",
    "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi",
    "Ψ": r"\Psi", "Ω": r"\Omega", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "→": r"\to", "←": r"\leftarrow",
    "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "∞": r"\infty",
    "−": "-", "∓": r"\mp", "∑": r"\sum", "∏": r"\prod", "∫": r"\int",
    "∂": r"\partial", "∇": r"\nabla", "√": r"\surd", "∈": r"\in", "∉": r"\notin",
    "⊂": r"\subset", "⊆": r"\subseteq", "∪": r"\cup", "∩": r"\cap", "∅": r"\emptyset",
    "∀": r"\forall", "∃": r"\exists", "‖": r"\|", "⟨": r"\langle", "⟩": r"\rangle",
    "∘": r"\circ", "⊗": r"\otimes", "⋅": r"\cdot", "∗": r"\ast", "ℝ": r"\mathbb{R}",
    "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "≪": r"\ll", "≫": r"\gg", "∝": r"\propto",
    "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil", "…": r"\dots",
    "ℓ": r"\ell", "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg", "×": r"\times",
    "÷": r"\div", "±": r"\pm", "·": r"\cdot", "°": r"^\circ",
}
# non-ASCII characters that pdflatex (utf8 + T1 + textcomp) typesets as text
_UNICODE_TEXT = {chr(c) for c in range(0xA1, 0x100)} - set(_UNICODE_MATH) - {"\xad"}
_UNICODE_TEXT |= set("–—‘’‚“”„†‡•‰€")


def _char(c: str, *, in_math: bool = False) -> str:
    """LaTeX for one non-ASCII or control character (ASCII handled by callers)."""
    if c in _UNICODE_MATH:
        m = _UNICODE_MATH[c]
        return m if in_math else rf"\ensuremath{{{m}}}"
    if c in _UNICODE_TEXT and not in_math:
        return c
    if c in _UNICODE_TEXT:
        return rf"\mbox{{{c}}}"
    if c in "\t\n\r\f\v":
        return " "
    return rf"\kmrbfuni{{{ord(c):04X}}}"


def escape(text: object) -> Latex:
    r"""Escape plain text for LaTeX text mode (any string becomes safe).

    Whitespace runs, including newlines, collapse to one space.

    Examples
    --------
    >>> print(escape("50% of x_i & {y} ~ #1 ^ \\ $"))
    50\% of x\_i \& \{y\} \textasciitilde{} \#1 \textasciicircum{} \textbackslash{} \$
    >>> print(escape("σ ≤ 1"))
    \ensuremath{\sigma} \ensuremath{\leq} 1
    """
    s = " ".join(str(text).split())
    out = []
    for c in s:
        if c in _SPECIAL:
            out.append(_SPECIAL[c])
        elif " " <= c <= "~":
            out.append(c)
        else:
            out.append(_char(c))
    return Latex("".join(out))


def verbatim(text: object) -> Latex:
    r"""Multi-line plain text as a LaTeX block that survives any character.

    Each line becomes one paragraph of ``\ttfamily`` text in a ``kmrbfverb``
    environment (defined in the template); spaces are kept (leading ones too),
    and a break is allowed after ``,``/``;``/``)`` and every 40 characters of an
    unbroken run, so long reprs wrap instead of running off the page.

    Examples
    --------
    >>> print(verbatim("a = [1,2]\n  b_%"))
    \begin{kmrbfverb}
    \mbox{}a\ =\ {[}1,\kmrbfbrk{}2{]}\par
    \mbox{}\ \ b\_\%\par
    \end{kmrbfverb}
    """
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    out = [r"\begin{kmrbfverb}"]
    for line in lines:
        parts, run = [r"\mbox{}"], 0
        for c in line.expandtabs(4):
            if c == " ":
                parts.append(r"\ ")
                run = 0
                continue
            if c in _SPECIAL:
                parts.append(_SPECIAL[c])
            elif " " < c <= "~":
                parts.append(c)
            else:
                parts.append(_char(c))
            run += 1
            if c in ",;)" or run >= 40:
                parts.append(r"\kmrbfbrk{}")
                run = 0
        out.append("".join(parts) + r"\par")
    out.append(r"\end{kmrbfverb}")
    return Latex("\n".join(out))


def format_value(v: object) -> Latex:
    """A table cell or data value as escaped text (floats with 6 significant digits).

    Examples
    --------
    >>> [str(format_value(x)) for x in (3, 0.1 + 0.2, 1e-300, float("nan"), None, True, "a_b")]
    ['3', '0.3', '1e-{}300', 'nan', '--', 'yes', 'a\\\\_b']
    """
    if v is None:
        return Latex("--")
    if isinstance(v, bool):
        return Latex("yes" if v else "no")
    if isinstance(v, int):
        return escape(str(v))
    if isinstance(v, float):
        if math.isnan(v):
            return Latex("nan")
        if math.isinf(v):
            return Latex(r"\ensuremath{\infty}" if v > 0 else r"\ensuremath{-\infty}")
        return escape(f"{v:.6g}")
    return escape(str(v))
