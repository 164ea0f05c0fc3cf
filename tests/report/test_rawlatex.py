"""kmrbf.report.rawlatex: the safety rules for raw LaTeX fields."""

from __future__ import annotations

import pytest
from kmrbf.report.rawlatex import RawLatexError, check_raw, math_block, mixed


@pytest.mark.parametrize("bad", [
    r"$\frac{a}{b$", r"100% sure", r"x_i outside math", r"$a$ & $b$", r"\end{document}",
    r"$\def\x{1}$", r"$\left( x$", r"$x$$", r"$\input{/etc/passwd}$", r"$a^^5c$", "$a\n\nb$",
    r"{unbalanced", r"\begin{aligned} a \end{gathered}", r"$x^$", r"$x^a^b$", r"$x_{i}_j$",
    r"$a_ &$",
])
def test_check_raw_rejects(bad):
    with pytest.raises(RawLatexError):
        check_raw(bad)


@pytest.mark.parametrize("good", [
    r"$x^{a}_b$", r"${x^a}^b$", r"$x'^2$", r"$\sum_{i=1}^{N} x_i^2$", r"\emph{note}: $a\{b\}$",
])
def test_check_raw_accepts(good):
    check_raw(good)


def test_raw_fields_fall_back_to_escaped_text():
    assert mixed(r"$\frac{a}{b$").startswith(r"\kmrbfrawfailed{")
    assert math_block(r"\frac{a}{b").startswith(r"\kmrbfrawfailed{")
    assert math_block(r"a &= b \\ c &= d").startswith(r"\kmrbfmath{aligned}")


def test_control_sequences_and_environments_are_found():
    from kmrbf.report.rawlatex import control_sequences, environments

    s = r"\begin{aligned} \frac{a}{b} &\le \lVert x\rVert \end{aligned} \% \\"
    assert control_sequences(s) == {"begin", "end", "frac", "le", "lVert", "rVert"}
    assert environments(s) == {"aligned"}


def test_provisions_define_every_used_name_once_sorted():
    from kmrbf.report.rawlatex import provisions

    out = provisions([r"$\zeta + \alpha$", None, r"\begin{cases} \alpha \end{cases}"])
    assert out.splitlines() == [r"\kmrbfprovide{alpha}", r"\kmrbfprovide{zeta}", r"\kmrbfprovideenv{cases}"]


@pytest.mark.parametrize("text, expected", [
    (r"holds for $K\ge2$", r"{holds for $K\ge2$}"),
    ("costs 5% of x_i", r"costs 5\% of x\_i"),
    (r"with :math:`K\ge2`", r"{with $K\ge2$}"),
    (r"broken $\frac{1}{2$", r"broken \$\textbackslash{}frac\{1\}\{2\$"),
])
def test_auto_renders_math_or_escapes(text, expected):
    from kmrbf.report.rawlatex import auto

    assert str(auto(text)) == expected
