"""How a diagnostic quotes its source line: a line ends only at LF, so a U+2028 inside a
label neither splits the line nor moves the caret; the column printed is a screen column;
a very long word of a message is cut."""

from __future__ import annotations

from cxdsl.lang import api
from cxdsl.lang.diagnostics import display_column, render, shorten


def _rendered(text: str) -> list[str]:
    comp = api.check_text(text, "spec.cxj")
    return render(comp.diagnostics.sorted(), comp.sources).split("\n")


def test_a_line_separator_in_a_label_keeps_the_line_and_the_caret():
    head, quoted, caret, _ = _rendered(
        'persona a share=100% baseline=7\nstage S\nevent e "A\u2028B" p=5 at S\n')
    assert head.startswith("spec.cxj:3:17: error[E302]")
    assert quoted == '    3 | event e "A\ufffdB" p=5 at S'
    assert caret.index("^") == quoted.index("5 at S")


def test_the_caret_sits_under_the_character_after_wide_ones():
    head, quoted, caret, _ = _rendered(
        'persona a "😀😀" share=100% baseline=7 bogus=1\nstage S\n')
    assert head.startswith("spec.cxj:1:40: error[E204]")  # code-point column 38; emoji are 2
    # in the terminal each emoji takes two columns: the caret is two further per emoji
    assert caret.index("^") == quoted.index("bogus") + 2


def test_display_columns():
    assert display_column("abc", 3) == 3
    assert display_column("\tx", 2) == 9
    assert display_column("ab\tx", 4) == 9
    assert display_column("é x", 3) == 3
    assert display_column("e\u0301 x", 4) == 3   # a combining accent takes no column
    assert display_column("日本 x", 4) == 6


def test_long_words_of_a_message_are_cut():
    digits = "7" * 5000
    cut = shorten(f"'{digits}' is too large")
    assert cut == "'77777777777777777777…777777 (5,000 characters)' is too large"
    assert shorten("a short message") == "a short message"
