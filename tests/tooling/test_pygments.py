"""The Pygments lexer: registered as ``cxj``, no Error token over any example or over text
generated from the grammar, and the right token for each kind of word."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, String, Whitespace

from cxdsl.lang import parser
from cxdsl.tooling.pygments_lexer import CxjLexer
from support import EXAMPLES, write


def tokens(text: str) -> list[tuple]:
    return list(CxjLexer().get_tokens(text))


def significant(text: str) -> list[tuple]:
    return [(t, v) for t, v in tokens(text) if t not in Whitespace and v.strip()]


def errors(text: str) -> list[tuple]:
    return [(t, v) for t, v in tokens(text) if t in Error]


def test_registered_through_the_entry_point():
    assert isinstance(get_lexer_by_name("cxj"), CxjLexer)
    assert isinstance(get_lexer_for_filename("journey.cxj"), CxjLexer)


def test_pygmentize_highlights_a_journey(tmp_path):
    source = write(tmp_path, "j.cxj", 'journey "T"\npersona a share=1 baseline=7  # note\n')
    proc = subprocess.run([sys.executable, "-m", "pygments", "-l", "cxj", "-f", "html",
                           str(source)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert '<span class="k">journey</span>' in proc.stdout
    assert '<span class="nc">a</span>' in proc.stdout
    assert '<span class="c1"># note</span>' in proc.stdout


def test_there_are_examples():
    assert any(p.name == "saas_onboarding.cxj" for p in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_no_error_token_in_examples(example):
    text = example.read_text("utf-8")
    assert errors(text) == []
    # nothing lost: the tokens spell the file (Pygments ends it with a newline)
    assert "".join(v for _, v in tokens(text)) == text.rstrip("\n") + "\n"
    assert highlight(text, CxjLexer(), HtmlFormatter())


DESIGN_EXAMPLE = """\
persona enterprise "Enterprise buyer" share=30% baseline=8   value=12_000
stage Convert "Evaluation"  advance=35% slope=0.4
  for enterprise advance=45%
event slow_followup p=20% impact=normal(-2, 0.5) at Close when demo_glitch and not x
event rescue_call p=50% impact=+2 at Delight when score < 5
target nps >= 20
scenario fast_followup "Follow up within 24 hours" cost=20_000 {
  slow_followup.p[enterprise] = 2%
}
scale 0..10
"""


#: Texts of the example, by the token type the lexer gives where each first appears.
FIRST_TOKEN_TYPES = {
    Keyword.Declaration: ("persona",),
    Name.Class: ("enterprise",),
    String.Double: ('"', "Enterprise buyer"),
    Name.Attribute: ("share", "cost"),
    Operator: ("=", "<", ">=", ".."),
    Number: ("30%",),
    Number.Integer: ("12_000", "-2", "+2", "10"),
    Name.Label: ("Convert",),
    Number.Float: ("0.4",),
    Keyword: ("for", "at", "when", "target"),
    Name.Function: ("slow_followup",),
    Name.Builtin: ("normal",),
    Operator.Word: ("and", "not"),
    Keyword.Pseudo: ("score",),
    Name.Constant: ("nps",),
    Name.Namespace: ("fast_followup",),
}


@pytest.mark.parametrize("value, ttype", [(value, ttype) for ttype, values in
                                          FIRST_TOKEN_TYPES.items() for value in values])
def test_token_types(value, ttype):
    found = [t for t, v in significant(DESIGN_EXAMPLE) if v == value]
    assert found and found[0] == ttype, (value, found)


def test_path_attributes_and_references():
    toks = significant("  slow_followup.p[enterprise] = 2%\n")
    assert toks[:6] == [(Name, "slow_followup"), (toks[1][0], "."), (Name.Attribute, "p"),
                        (toks[3][0], "["), (Name, "enterprise"), (toks[5][0], "]")]


@pytest.mark.parametrize("text", [
    "uncertain demo_glitch.p[smb] ~ beta(3, 57)  # about 5%\n",
    "uncertain Convert.advance~uniform(30%, 40%)\n",
])
def test_uncertain_lines(text):
    toks = significant(text)
    assert toks[0] == (Keyword, "uncertain")
    assert toks[1] == (Name, toks[1][1]) and toks[3][0] in Name.Attribute
    tilde = [t for t, v in toks if v == "~"]
    assert tilde == [Operator]
    after = toks[[v for _, v in toks].index("~") + 1]
    assert after[0] in Name.Builtin and after[1] in ("beta", "uniform")
    assert errors(text) == []


def test_worlds_line():
    assert significant("worlds 1_000\n") == [(Keyword, "worlds"), (Number.Integer, "1_000")]


@pytest.mark.parametrize("text", [
    "event attend at stage_two when scoreboard and order\n",
    "persona normals share=1 # at when persona\n",
    'journey "p=5% and # not a comment"\n',
])
def test_lookalikes_stay_plain(text):
    kinds = dict((v, t) for t, v in significant(text))
    for word in ("attend", "stage_two", "scoreboard", "order", "normals"):
        if word in kinds:
            kind = kinds[word]
            assert kind in Name and kind not in (Name.Builtin, Name.Attribute, Name.Constant), \
                (word, kind)
    if "#" in text and not text.startswith("journey"):
        comment = [(t, v) for t, v in significant(text) if v.startswith("#")]
        assert comment == [(Comment.Single, text[text.index("#"):].rstrip("\n"))]
    assert not any(t in Comment for t, v in significant(text) if v.startswith("not a"))


@pytest.mark.parametrize("text", [
    'journey "never closed\npersona a share=1\n',
    'journey "escaped \\" quote and a trailing backslash \\\n',
    "journey \"carriage\rreturn\"\n",
    'journey "crlf"  # windows\r\npersona a share=1\r\n',
    "scale 1 .. 5\nscale 1...5\n",
    "customers 1e6\nseed -.5e-3%\n",
    "\ufeffjourney \"bom\"\n",
])
def test_awkward_text_has_no_error_token(text):
    assert errors(text.lstrip("\ufeff")) == []


def test_unterminated_label_ends_at_the_line_end():
    toks = significant('journey "never closed\npersona a share=1\n')
    assert (Keyword.Declaration, "persona") in toks


# ----------------------------------------------------------------- generated from grammar

def _grammar() -> Lark:
    # hypothesis reads the grammar's rules, which a parser loaded from Lark's cache lacks
    return Lark(parser.grammar_text(), parser="lalr", start="start")


#: Pygments, like editors, reads a carriage return on its own as a line break (the grammar
#: lets one stand inside a comment or a label); generated texts use \n line ends, and
#: test_awkward_text_has_no_error_token covers \r\n.
_ALPHABET = st.characters(codec="utf-8", exclude_characters="\r")


def _spaced_terminals() -> dict:
    """Each terminal of the grammar, drawn from its own pattern and followed by a space.

    from_lark joins tokens with no separator most of the time, and `persona` + `x` would
    then read as the single name `personax`; in a file, as in these texts, tokens that
    would run together are separated."""
    lark = _grammar()
    used = {t.name for t in lark.terminals}
    explicit = {}
    for term in lark.terminals:
        if term.name.startswith("_NL") or term.name not in used:
            continue
        pattern = term.pattern
        base = (st.just(pattern.value) if pattern.type == "str"
                else st.from_regex(pattern.to_regexp(), fullmatch=True, alphabet=_ALPHABET))
        explicit[term.name] = base.map(lambda s: s + " ")
    return explicit


_GENERATED = from_lark(_grammar(), start="start", explicit=_spaced_terminals(),
                       alphabet=_ALPHABET)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(_GENERATED)
def test_no_error_token_in_generated_text(text):
    assert errors(text) == []


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(from_lark(_grammar(), start="start", alphabet=_ALPHABET))
def test_no_error_token_in_generated_text_without_separators(text):
    """Tokens that run together (`abc` then `1%`) still lex to something, never Error,
    except a lone `%` that no token can start."""
    bad = [(t, v) for t, v in tokens(text) if t in Error and v != "%"]
    assert bad == []
