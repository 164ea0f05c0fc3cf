"""kmrbf.report.latex: escaping plain text and verbatim blocks."""

from __future__ import annotations

import re

import pytest
from kmrbf.report.latex import escape, verbatim


@pytest.mark.parametrize("char", list("%_&#{}~^\\$<>|"))
def test_escape_leaves_no_bare_special(char):
    out = escape(f"a{char}b")
    # after removing the escape sequences no special character remains
    stripped = re.sub(r"\\(textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar)\{\}|\\[%_&#{}$]",
                      "", out)
    assert not set(stripped) & set("%_&#{}~^\\$"), out


def test_verbatim_keeps_lines_and_spaces():
    out = verbatim("a  b\n\n  c%")
    lines = out.splitlines()
    assert lines[0] == r"\begin{kmrbfverb}" and lines[-1] == r"\end{kmrbfverb}"
    assert lines[1:4] == [r"\mbox{}a\ \ b\par", r"\mbox{}\par", r"\mbox{}\ \ c\%\par"]


def test_latex_marks_text_as_already_typeset():
    from kmrbf.report.latex import Latex

    assert isinstance(verbatim("x"), Latex) and Latex(r"\%") == r"\%"


@pytest.mark.parametrize("value, text", [
    (3, "3"), (0.1 + 0.2, "0.3"), (1e-300, "1e-{}300"), (float("nan"), "nan"), (None, "--"),
    (True, "yes"), (False, "no"), ("a_b", r"a\_b"), (123456789.0, "1.23457e+08"),
])
def test_format_value(value, text):
    from kmrbf.report.latex import format_value

    assert str(format_value(value)) == text
