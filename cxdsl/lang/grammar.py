"""The grammar and what is read straight from it: ``grammar/cxj.lark``, the Lark parser
built from it, its keywords, and the text patterns that scans of raw source share.

It sits at the bottom of the language layer: the parser, the syntax-error explainers and
the vocabulary all read it, and it imports none of them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lark import Lark


def grammar_text() -> str:
    """The text of ``cxj.lark``: installed as the ``cxdsl.grammar`` package data, or read
    from the source tree's ``grammar/`` when running from a checkout."""
    try:
        return resources.files("cxdsl.grammar").joinpath("cxj.lark").read_text("utf-8")
    except ModuleNotFoundError:
        return (Path(__file__).resolve().parents[2] / "grammar" / "cxj.lark").read_text(
            "utf-8")


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    # The contextual lexer lets a keyword serve as a name where only a name fits, so the
    # checker can say "reserved word"; it also reads `stageX` at the start of a line as
    # `stage X`, which the parser's glued-keyword check reports.
    return Lark(grammar_text(), parser="lalr", propagate_positions=True,
                maybe_placeholders=True, cache=True)


@lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """Every keyword of the grammar (the words a highlighter should know), sorted."""
    words = set()
    for term in lark_parser().terminals:
        pat = term.pattern
        if pat.type == "str" and re.fullmatch(r"[A-Za-z_]+", pat.value):
            words.add(pat.value)
    return tuple(sorted(words))


#: The keywords a statement starts with.
STATEMENT_KEYWORDS = ("journey", "scale", "customers", "seed", "import", "persona", "stage",
                      "goal", "survey", "volume", "event", "for", "target", "scenario",
                      "sweep", "uncertain", "worlds")

#: A quoted string (closed or not) or a comment: what scans of the raw text step over.
STRING_OR_COMMENT = r'"(?:\\.|[^"\\\n])*"?|#[^\r\n]*'
COMMENT_SCAN = re.compile(STRING_OR_COMMENT)
#: A run of name characters: a word of the raw text.
WORD = re.compile(r"[A-Za-z0-9_]+")
