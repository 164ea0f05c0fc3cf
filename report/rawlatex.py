r"""Raw LaTeX fields of the registry: checked, then rendered raw or escaped.

How raw LaTeX is kept from breaking the document
------------------------------------------------
A raw field is rendered raw only if a static check (:func:`check_raw`) finds it
well formed: balanced braces, ``$`` and ``\[``/``\]``; ``\begin``/``\end``
properly nested; ``\left``/``\right`` balanced in each math group; no ``%``,
``#``, ``^^`` or blank line inside math; ``&`` and ``\\`` only inside an
alignment environment (or a display-math body); no command that changes
catcodes, defines macros, reads or writes files or ends the document; outside
math only ``^``/``_``/``&``-free text and a small whitelist of text commands.
A field that fails the check is printed escaped (as plain text) -- with a
visible marker for the fields that are LaTeX by design (:func:`mixed`,
:func:`math_block`), silently for :func:`auto` -- never dropped.  The check is
structural: a field that passes it and is still wrong TeX (say, a missing macro
argument) makes the compile fail loudly, which CI catches because the test
suite compiles the report with ``-halt-on-error``.  Control sequences and environments that may be undefined in
the report's preamble are declared with :func:`provisions`, which defines each
one that is still undefined at ``\begin{document}`` as a visible placeholder,
so an unknown macro in a registry text yields a marker, not a LaTeX error.
Non-ASCII characters become LaTeX commands (Greek letters, common math
symbols) or a visible ``U+XXXX`` code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .latex import _UNICODE_MATH, _UNICODE_TEXT, Latex, _char, escape

__all__ = [
    "RawLatexError",
    "check_raw",
    "mixed",
    "auto",
    "math_block",
    "control_sequences",
    "environments",
    "provisions",
]


class RawLatexError(ValueError):
    """A raw LaTeX field failed :func:`check_raw`."""


_FORBIDDEN = {
    "def", "edef", "gdef", "xdef", "let", "futurelet", "catcode", "lccode", "uccode",
    "mathcode", "sfcode", "newcommand", "renewcommand", "providecommand",
    "DeclareRobustCommand", "DeclareMathOperator", "newenvironment", "renewenvironment",
    "input", "include", "InputIfFileExists", "IfFileExists", "write", "immediate",
    "openout", "openin", "read", "closeout", "special", "usepackage", "RequirePackage",
    "documentclass", "makeatletter", "makeatother", "csname", "endcsname", "expandafter",
    "noexpand", "verb", "end", "begin", "par", "endinput", "enddocument", "stop",
    "batchmode", "errorstopmode", "scrollmode", "nonstopmode", "jobname", "output",
    "everypar", "everymath", "everydisplay", "afterassignment", "aftergroup", "global",
    "outer", "long", "protected", "loop", "repeat", "pdfprimitive", "directlua",
    "newcount", "newdimen", "newskip", "newtoks", "newbox", "newif", "setcounter",
    "addtocounter", "newpage", "clearpage", "pagebreak", "section", "subsection",
    "chapter", "paragraph", "label", "ref", "cite", "footnote", "include",
    "includegraphics", "url", "href",
}
# commands allowed in the text parts of mixed fields (outside $...$)
_TEXT_OK = {
    "emph", "textbf", "textit", "texttt", "textrm", "textsf", "textsc", "textup",
    "textsl", "S", "ldots", "dots", "textemdash", "textendash", "textsection",
    "textbackslash", "textasciitilde", "textasciicircum", "textbar", "textless",
    "textgreater", "ensuremath", "mbox", "enspace", "quad", "qquad", "TeX", "LaTeX",
    "slash", "nobreakspace", "textquotedbl", "textquoteleft", "textquoteright",
    "texorpdfstring", "textnormal", "kmrbfuni",
}
_ALIGN_ENVS = {
    "aligned", "alignedat", "gathered", "split", "matrix", "pmatrix", "bmatrix",
    "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "cases", "array", "align",
    "align*", "alignat", "alignat*", "gather", "gather*", "multline", "multline*",
    "flalign", "flalign*", "eqnarray", "eqnarray*", "tabular",
}
# environments that open display math (allowed only at top level of text)
_DISPLAY_ENVS = {
    "equation", "equation*", "align", "align*", "gather", "gather*", "multline",
    "multline*", "flalign", "flalign*", "alignat", "alignat*", "displaymath", "math",
}
# list environments: allowed in text (symbolic derivations list their steps and
# obligations); ``\item`` only directly inside one, display math ``\[...\]`` only
# at top level or inside lists
_LIST_ENVS = {"itemize", "enumerate"}
_ENV_NAME = re.compile(r"[A-Za-z]+\*?")

_tok_re = re.compile(r"\\([A-Za-z]+)|\\(.)|(.)", re.S)


def _tokens(s: str) -> Iterable[tuple[str, str]]:
    """Yield ``("cs", name)``, ``("sym", c)`` (a ``\\c`` control symbol) or ``("ch", c)``."""
    for m in _tok_re.finditer(s):
        if m.group(1) is not None:
            yield "cs", m.group(1)
        elif m.group(2) is not None:
            yield "sym", m.group(2)
        else:
            yield "ch", m.group(3)


def control_sequences(s: str) -> set[str]:
    """Names of the letter control sequences in ``s`` (``\\frac`` -> ``frac``)."""
    return {name for kind, name in _tokens(s) if kind == "cs"}


def environments(s: str) -> set[str]:
    """Names of the environments opened in ``s`` by ``\\begin{...}``."""
    return set(re.findall(r"\\begin\{([A-Za-z]+\*?)\}", s))


def check_raw(s: str, *, math: bool = False) -> None:
    r"""Raise :class:`RawLatexError` unless ``s`` is a well-formed raw LaTeX field.

    ``math=True`` checks a display-math body (no ``$``; ``\\`` and ``&`` allowed
    at top level); otherwise ``s`` is text with inline math.

    Examples
    --------
    >>> check_raw(r"For $\sigma\to0$: $\lVert x\rVert\le C$.")
    >>> try:
    ...     check_raw(r"x_i is wrong outside math")
    ... except RawLatexError as exc:
    ...     print(exc)
    '_' outside math
    >>> check_raw(r"\frac{a}{b} \\ c &= d", math=True)
    >>> check_raw(r"\begin{enumerate}\item step \[ x^2 \] \end{enumerate}")
    >>> try:
    ...     check_raw(r"\item loose")
    ... except RawLatexError as exc:
    ...     print(exc)
    \item outside a list environment
    """
    # stack entries: "{", "$", "$$", "\\[", "\\(", "env:<name>", "left", "mathbody"
    stack: list[str] = ["mathbody"] if math else []
    toks = list(_tokens(s))
    i = 0

    def in_math() -> bool:
        return any(x in _MATH_OPENERS or x.startswith("env:") and x[4:] in _MATH_ENVS
                   for x in stack)

    def only_lists() -> bool:
        return all(x.startswith("env:") and x[4:] in _LIST_ENVS for x in stack)

    def innermost_env() -> str | None:
        for x in reversed(stack):
            if x.startswith("env:"):
                return x[4:]
            if x in _MATH_OPENERS:
                return x
        return None

    def fail(msg: str) -> None:
        exc = RawLatexError(msg)
        # where it failed (for whoever fixes the field); the message stays short
        exc.context = "".join(("\\" + v if k != "ch" else v) for k, v in toks[max(0, i - 40):i])
        raise exc

    while i < len(toks):
        kind, v = toks[i]
        i += 1
        if kind == "cs":
            if v in ("begin", "end"):
                name, j = "", i + 1
                if i < len(toks) and toks[i] == ("ch", "{"):
                    while j < len(toks) and toks[j][0] == "ch" and toks[j][1] != "}":
                        name += toks[j][1]
                        j += 1
                if j >= len(toks) or not _ENV_NAME.fullmatch(name):
                    fail(f"malformed \\{v}")
                i = j + 1
                if v == "begin":
                    if name in _LIST_ENVS and in_math():
                        fail(f"list environment {name} inside math")
                    if name in _DISPLAY_ENVS and not only_lists():
                        fail(f"display environment {name} inside a group or math")
                    if name in _MATH_ENVS - _DISPLAY_ENVS and not in_math():
                        fail(f"math environment {name} outside math")
                    stack.append("env:" + name)
                elif not stack or stack[-1] != "env:" + name:
                    fail(f"\\end{{{name}}} does not close the innermost group")
                else:
                    stack.pop()
            elif v == "item":
                if not stack or stack[-1] not in {"env:" + e for e in _LIST_ENVS}:
                    fail("\\item outside a list environment")
            elif v in _FORBIDDEN:
                fail(f"\\{v} is not allowed in a raw field")
            elif v == "left":
                if not in_math():
                    fail("\\left outside math")
                stack.append("left")
            elif v == "right":
                if not stack or stack[-1] != "left":
                    fail("\\right without \\left")
                stack.pop()
            elif not in_math() and v not in _TEXT_OK:
                fail(f"\\{v} outside math")
            continue
        if kind == "sym":
            if v == "[":
                if not only_lists():
                    fail(r"\[ inside a group or math")
                stack.append(r"\[")
            elif v == "]":
                if not stack or stack[-1] != r"\[":
                    fail(r"unbalanced \]")
                stack.pop()
            elif v == "(":
                if stack:
                    fail(r"\( inside a group or math")
                stack.append(r"\(")
            elif v == ")":
                if not stack or stack[-1] != r"\(":
                    fail(r"unbalanced \)")
                stack.pop()
            elif v == "\\":
                inner = innermost_env()
                if inner not in _ALIGN_ENVS | {"mathbody"} and not (inner in _LIST_ENVS and not in_math()):
                    fail(r"\\ outside an alignment or list item")
            elif v not in (_MATH_SYMS if in_math() else _TEXT_SYMS):
                fail(f"control symbol \\{v} in {'math' if in_math() else 'text'}")
            continue
        c = v
        if c == "\n":
            j = i
            while j < len(toks) and toks[j] in (("ch", " "), ("ch", "\t")):
                j += 1
            if j < len(toks) and toks[j] == ("ch", "\n") and in_math():
                fail("blank line inside math")
        elif c == "{":
            stack.append("{")
        elif c == "}":
            if not stack or stack[-1] != "{":
                fail("unbalanced }")
            stack.pop()
        elif c == "$":
            if math:
                fail("$ in a display-math body")
            tag = "$"
            if i < len(toks) and toks[i] == ("ch", "$"):
                tag, i = "$$", i + 1
            if stack and stack[-1] == tag:
                stack.pop()
            elif in_math():
                fail(f"unbalanced {tag}")
            else:
                stack.append(tag)
        elif c in "%#":
            fail(f"{c!r} in a raw field")
        elif c == "^" and i < len(toks) and toks[i] == ("ch", "^"):
            fail("^^ in a raw field")
        elif c in "^_" and not in_math():
            fail(f"{c!r} outside math")
        elif c in "^_":
            _check_script(toks, i, c, fail)
        elif c == "&" and innermost_env() not in _ALIGN_ENVS | {"mathbody"}:
            fail("& outside an alignment")
    expected = ["mathbody"] if math else []
    if stack != expected:
        fail(f"unclosed {stack[len(expected):]}")


def _check_script(toks: list[tuple[str, str]], i: int, c: str, fail: Callable[[str], None]) -> None:
    """``toks[i-1]`` is ``^``/``_``: its argument must exist and not be followed by another ``c``."""

    def skip_spaces(j: int) -> int:
        while j < len(toks) and toks[j] in (("ch", " "), ("ch", "\n"), ("ch", "\t")):
            j += 1
        return j

    j = skip_spaces(i)
    if j >= len(toks) or toks[j] in (("ch", "$"), ("ch", "}"), ("ch", "&"), ("ch", "^"),
                                      ("ch", "_"), ("sym", "\\")):
        fail(f"{c!r} without an argument")
    if toks[j] == ("ch", "{"):
        depth = 0
        while j < len(toks):
            if toks[j] == ("ch", "{"):
                depth += 1
            elif toks[j] == ("ch", "}"):
                depth -= 1
                if depth == 0:
                    break
            j += 1
    j = skip_spaces(j + 1)
    if j < len(toks) and toks[j] == ("ch", c):
        fail(f"double {'superscript' if c == '^' else 'subscript'}")


_MATH_OPENERS = {"$", "$$", r"\[", r"\(", "mathbody"}
_MATH_ENVS = (_DISPLAY_ENVS | _ALIGN_ENVS) - {"tabular"}
_MATH_SYMS = set(",;:!{}| #$%&_>")
_TEXT_SYMS = set(",{} #$%&_'\"`^~=.-/")


def _raw_chars(s: str) -> str:
    """Replace non-ASCII characters of a raw field by LaTeX commands."""
    out = []
    for kind, v in _tokens(s):
        if kind == "cs":
            out.append("\\" + v)
        elif kind == "sym":
            out.append("\\" + v if " " <= v <= "~" else " ")
        elif " " <= v <= "~" or v == "\n":
            out.append(v)
        elif v in _UNICODE_MATH:
            out.append(rf"\ensuremath{{{_UNICODE_MATH[v]}}}")
        elif v in _UNICODE_TEXT:
            out.append(rf"\mbox{{{v}}}")
        else:
            out.append(_char(v))
    return "".join(out)


def _fallback(s: str, reason: str) -> Latex:
    return Latex(r"\kmrbfrawfailed{" + escape(reason) + "}{" + escape(s) + "}")


def mixed(s: str | None) -> Latex:
    r"""A text field with inline math (``statement``, ``precise``, conventions, conditions).

    Rendered raw inside a group when :func:`check_raw` accepts it, else escaped
    with a visible marker.

    Examples
    --------
    >>> print(mixed(r"As $\sigma\to0$."))
    {As $\sigma\to0$.}
    >>> print(mixed("50% off"))
    \kmrbfrawfailed{'\%' in a raw field}{50\% off}
    """
    if s is None:
        return Latex("")
    s = str(s).strip()
    try:
        check_raw(s)
    except RawLatexError as exc:
        return _fallback(s, str(exc))
    return Latex("{" + _raw_chars(s) + "}")


_RST_MATH = re.compile(r":math:`([^`]*)`")
# a reST literal ``code``, never LaTeX quoting ``text'' (no closing '' inside)
_RST_LITERAL = re.compile(r"``((?:(?!'')[^`])*)``")


def rst_inline_to_tex(s: str) -> str:
    r"""Docstring (numpydoc / reST) inline markup to LaTeX text.

    Evidence descriptions default to the check's docstring, which writes math as
    ``:math:`...``` and code as double back-quotes.

    >>> print(rst_inline_to_tex(r"bound :math:`\sigma\le\Delta` on ``M*``"))
    bound $\sigma\le\Delta$ on M*
    >>> print(rst_inline_to_tex("``often'' as half; ``sparse'' too"))
    ``often'' as half; ``sparse'' too
    """
    return _RST_LITERAL.sub(r"\1", _RST_MATH.sub(r"$\1$", s))


def auto(s: str | None) -> Latex:
    r"""Text that may contain inline math (descriptions, summaries, strategy summaries).

    reST inline markup is converted first (:func:`rst_inline_to_tex`).  Rendered
    like :func:`mixed` if it contains ``$`` and passes :func:`check_raw`;
    otherwise escaped as plain text (no marker: plain text is what it is).

    Examples
    --------
    >>> print(auto(r"holds for $K\ge2$"))
    {holds for $K\ge2$}
    >>> print(auto("costs 5% of x_i"))
    costs 5\% of x\_i
    >>> print(auto(r"with :math:`K\ge2`"))
    {with $K\ge2$}
    >>> print(auto("``often'' on x_i"))
    “often” on x\_i
    """
    if s is None:
        return Latex("")
    s = rst_inline_to_tex(str(s).strip())
    if "$" not in s:
        return escape(_quotes(s))
    try:
        check_raw(s)
    except RawLatexError:
        return escape(_quotes(s))
    return Latex("{" + " ".join(_raw_chars(s).split()) + "}")


def _quotes(s: str) -> str:
    """LaTeX quoting ``text'' as typographic quotes, for text that is printed escaped."""
    return re.sub(r"``((?:(?!'')[^`])*)''", "\u201c\\1\u201d", s)


def math_block(s: str | None) -> Latex:
    r"""The ``latex`` field of symbolic evidence, as a block.

    A pure math body (no ``$``, ``\[``, ``\(``, display environment) is set as
    display math in ``gathered`` (or ``aligned`` if it uses ``&``), scaled down
    to the line width if it is wider (macro ``\kmrbfmath``).  Anything else is
    LaTeX text with math and is rendered like :func:`mixed`.

    Examples
    --------
    >>> print(math_block(r"G_\sigma = -\sigma\log Z"))
    \kmrbfmath{gathered}{G_\sigma = -\sigma\log Z}
    """
    if s is None or not str(s).strip():
        return Latex("")
    s = str(s).strip()
    is_text = "$" in s or r"\[" in s or r"\(" in s or any(
        e in _DISPLAY_ENVS for e in environments(s))
    if is_text:
        try:
            check_raw(s)
        except RawLatexError as exc:
            return _fallback(s, str(exc))
        return Latex("{" + _raw_chars(s) + "}\n")
    # math body: no blank lines needed; collapse them
    s = re.sub(r"\n\s*\n", "\n", s)
    try:
        check_raw(s, math=True)
    except RawLatexError as exc:
        return _fallback(s, str(exc))
    env = "aligned" if _has_top_level_amp(s) else "gathered"
    return Latex(r"\kmrbfmath{" + env + "}{" + _raw_chars(s) + "}")


def _has_top_level_amp(s: str) -> bool:
    depth_env = 0
    for kind, v in _tokens(s):
        if kind == "cs" and v == "begin":
            depth_env += 1
        elif kind == "cs" and v == "end":
            depth_env -= 1
        elif kind == "ch" and v == "&" and depth_env == 0:
            return True
    return False


def provisions(fields: Iterable[str]) -> Latex:
    r"""Preamble lines that make every command/environment used in ``fields`` defined.

    Each name becomes ``\kmrbfprovide{name}`` / ``\kmrbfprovideenv{name}``: a
    no-op if the name is defined at ``\begin{document}``, else it is defined as a
    visible placeholder.  Names are sorted, so the output is deterministic.
    """
    cs: set[str] = set()
    envs: set[str] = set()
    for f in fields:
        if f:
            cs |= control_sequences(f)
            envs |= environments(f)
    cs -= {"begin", "end", "left", "right"}
    lines = [rf"\kmrbfprovide{{{n}}}" for n in sorted(cs)]
    lines += [rf"\kmrbfprovideenv{{{n}}}" for n in sorted(envs)]
    return Latex("\n".join(lines))


