"""Explainers for a character the lexer cannot take (Lark's ``UnexpectedCharacters``):
:func:`character_diagnostic` reads a :class:`CharacterSite` once and asks the explainers,
then the hint table, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lark.exceptions import UnexpectedCharacters

from .diagnostics import Span
from .syntax_site import first_explanation

#: Characters that are not part of the language but stand for something that is.
_CHAR_HINTS = {
    "&": "write 'and' to combine conditions, as in a and b",
    "|": "write 'or' for either condition, as in a or b",
    "!": "write 'not' to negate a condition, as in not glitch",
    "\u2264": "write '<=' for 'at most'",
    "\u2265": "write '>=' for 'at least'",
    "\u2260": "write '!=' for 'not equal'",
    "\u00b1": "for a spread, use a distribution such as normal(-3, 1)",
    "$": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u20ac": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u00a3": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u00a5": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u2212": "write the minus sign as '-'",
    "\u2013": "write the minus sign as '-'",
    "\u2014": "write the minus sign as '-'",
    "\u00a0": "this is a non-breaking space: replace it with a plain space",
    ";": "one statement per line: no ';' needed",
}
_DEFAULT_HINT = "names are letters, digits and _; labels go in double quotes"

_ANY_ESCAPE_STRING = re.compile(
    r'"(?:\\["\\]|[^"\\\r\n])*(\\[^"\\\r\n])(?:\\.|[^"\\\r\n])*"')


@dataclass(frozen=True)
class CharacterSite:
    """The character at ``offset`` (0-based into ``text``) that no token starts with:
    ``char`` ("" past the end), the one after it, and the text before it."""

    text: str
    path: str
    offset: int
    char: str
    next_char: str
    before: str
    span: Span


def _bad_escape(site: CharacterSite) -> tuple | None:
    # a string the grammar refuses only for an escape it does not take
    bad = _ANY_ESCAPE_STRING.match(site.text, site.offset) if site.char == '"' else None
    if not bad:
        return None
    return ("E106", f"'{bad.group(1)}' is not an escape in a quoted string",
            Span.of(site.path, site.text, bad.start(1), bad.start(1) + 2),
            'only \\" and \\\\ are; an import path separates folders with /')


def _unterminated_string(site: CharacterSite) -> tuple | None:
    if site.char != '"':
        return None
    return ("E102", "unterminated string", site.span, 'close the label with " on the same line')


def _unexpected_character(site: CharacterSite) -> tuple:
    ch = site.char
    if ch == "\\":
        shown = "'\\'"
    elif ch == "\r":
        shown = "U+000D (a carriage return)"
    else:
        shown = repr(ch) if ch.isprintable() and ch else f"U+{ord(ch):04X}" if ch else "?"
    span = site.span
    if ch in ("&", "|") and site.next_char == ch:
        span = Span.of(site.path, site.text, site.offset, site.offset + 2)
    hint = first_explanation(CHARACTER_HINTS, site) or _DEFAULT_HINT
    return ("E101", f"unexpected character {shown}", span, hint)


def _dash_in_name(site: CharacterSite) -> str | None:
    name = re.search(r"(?<![A-Za-z0-9_.])[A-Za-z_][A-Za-z0-9_]*$", site.before)
    if site.char not in "-+" or not name or not re.match(r"[A-Za-z_]", site.next_char):
        return None
    whole = name.group() + re.match(r"[A-Za-z0-9_+-]*", site.text[site.offset:]).group()
    return f"names join words with _, not '{site.char}': {re.sub(r'[+-]', '_', whole)}"


def _semicolon_in_call(site: CharacterSite) -> str | None:
    line = site.before[site.before.rfind("\n") + 1:]
    if site.char != ";" or line.count("(") <= line.count(")"):
        return None
    call = re.search(r"[A-Za-z_][A-Za-z0-9_]*\([^()]*$", line)
    rest = re.match(r"[^)\n]*\)?", site.text[site.offset:]).group()
    example = (call.group() + rest).replace(";", ",") if call else "normal(-2.5, 0.7)"
    return f"arguments are separated by ',', as in {example}"


def _curly_quote(site: CharacterSite) -> str | None:
    # "" (past the end) is in every string: it gets this hint too
    if site.char in "\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb":
        return 'labels go in straight double quotes: "..." (an editor may have curled them)'
    return None


def _percent_after_space(site: CharacterSite) -> str | None:
    if site.char == "%" and re.search(r"[0-9][ \t]+$", site.before):
        return "write the percent sign right after the number, as in 5%"
    return None


def _single_equals_after_score(site: CharacterSite) -> str | None:
    if site.char == "=" and re.search(r"[<>!=]$", site.before) is None and re.search(
            r"\bscore[ \t]*$", site.before):
        return "compare with ==, as in score == 5"
    return None


def _slash(site: CharacterSite) -> str | None:
    if site.char != "/":
        return None
    if site.next_char == "/":
        return "comments start with #"
    num = re.search(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)$", site.before)
    den = re.match(r"[0-9]+(?:\.[0-9]+)?", site.text[site.offset + 1:])
    if num and den and float(den.group()) != 0:
        return f"no fractions: write {float(num.group(1)) / float(den.group()) * 100:.4g}%"
    return "no fractions: write a decimal or a percentage, such as 0.05 or 5%"


def _not_equal(site: CharacterSite) -> str | None:
    if site.char == "!" and site.next_char == "=":
        return "'!=' compares the score, as in score != 5"
    return None


def _doubled_and_or(site: CharacterSite) -> str | None:
    ch = site.char
    if ch in ("&", "|") and site.next_char == ch:
        return f"write '{'and' if ch == '&' else 'or'}' instead of '{ch * 2}'"
    return None


def _by_character(site: CharacterSite) -> str | None:
    ch = site.char
    if ch == "'":
        return "labels go in double quotes, not single ones: \"...\""
    if ch == "%" and site.before.endswith("%"):
        return "one '%' is enough, as in 5%"
    if ch in "+-":
        return "write the sign right against the number, as in -3"
    if ch == "\\":
        return "a statement must fit on one line: join the lines and drop the '\\'"
    if ch == "\r":
        return "a carriage return on its own: save the file with LF or CRLF line endings"
    return _CHAR_HINTS.get(ch) or None


#: Hints for an unexpected character, tried in order (the first that answers is given).
CHARACTER_HINTS = (_dash_in_name, _semicolon_in_call, _curly_quote, _percent_after_space,
                   _single_equals_after_score, _slash,
                   _not_equal, _doubled_and_or, _by_character)
#: Explainers for an unexpected character, tried in order; the last one always answers.
CHARACTER_RULES = (_bad_escape, _unterminated_string, _unexpected_character)


def character_site(exc: UnexpectedCharacters, text: str, path: str) -> CharacterSite:
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    return CharacterSite(text, path, offset, text[offset] if offset < len(text) else "",
                         text[offset + 1:offset + 2], text[:offset],
                         Span.of(path, text, offset))


def character_diagnostic(exc: UnexpectedCharacters, text: str, path: str) -> tuple:
    """(code, message, span, hint) for a character no token starts with."""
    return first_explanation(CHARACTER_RULES, character_site(exc, text, path))
