"""The site of one syntax error, read once: :func:`error_site` turns a Lark error into an
:class:`ErrorSite` (the token, its line, the parser's stack and what it could take there),
which the explainers read instead of the error.

Also the small readers of raw text that the explainers and the error recovery share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from lark import Token, Tree
from lark.exceptions import UnexpectedEOF, UnexpectedInput

from .diagnostics import Span
from .grammar import COMMENT_SCAN, STATEMENT_KEYWORDS, STRING_OR_COMMENT, WORD, lark_parser
from .syntax_examples import match_example

#: Statements that cannot stand inside a scenario block: one of them inside a block means
#: the block's '}' is missing.
TOP_LEVEL_ONLY = tuple(k for k in STATEMENT_KEYWORDS if k not in ("event", "for"))

HUMAN = {
    "NAME": "a name", "NUMBER": "a number", "STRING": 'a quoted label ("...")',
    "_NL": "the end of the line", "$END": "the end of the file",
    "CMP": "a comparison (<, <=, >, >=, ==, !=)",
}

BRACES = re.compile(STRING_OR_COMMENT + "|[{}]")


def human(term: str) -> str:
    """A terminal of the grammar as a reader would name it: ``a name``, ``'='``."""
    if term in HUMAN:
        return HUMAN[term]
    try:
        pat = lark_parser().get_terminal(term).pattern
        if pat.type == "str":
            return f"'{pat.value}'"
    except KeyError:
        pass
    return term.lower().lstrip("_")


def describe(tok: Token) -> str:
    """A token as quoted in a message: its text (cut at 30 characters) or ``end of line``."""
    if tok.type in ("_NL", "$END"):
        return HUMAN[tok.type].removeprefix("the ")
    text = str(tok)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"'{text}'"


def or_list(items: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def open_brace(text: str, offset: int) -> int | None:
    """Offset of the '{' of the scenario block open at ``offset``, or None: the last
    brace before ``offset`` outside strings and comments, when it is a '{'.

    Read backwards, line by line (no string or comment spans a line break), so the cost
    is the distance to that brace, not to the start of the file."""
    end = offset
    while end > 0:
        at = max(text.rfind("{", 0, end), text.rfind("}", 0, end))
        if at < 0:
            return None
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        stop = min(offset, len(text) if line_end < 0 else line_end)
        last = None
        for m in BRACES.finditer(text, line_start, stop):
            if m.group() in "{}":
                last = m
        if last is not None:
            return last.start() if last.group() == "{" else None
        end = line_start
    return None


def code_of(line: str) -> str:
    """``line`` with its comment and the insides of its strings taken out."""
    out = []
    for m in re.finditer(STRING_OR_COMMENT + r'|[^"#]+', line):
        piece = m.group()
        if piece.startswith("#"):
            break
        out.append('""' if piece.startswith('"') else piece)
    return "".join(out)


def code_above(text: str, line_start: int) -> str:
    """The code of the nearest line above ``line_start`` that has some."""
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        code = code_of(text[start:end]).strip()
        if code:
            return code
        end = start - 1
    return ""


def last_attr(item) -> Tree | None:
    """The last ``attr`` of a stack entry (an attr, or a run of them), or None."""
    while isinstance(item, Tree):
        if item.data == "attr":
            return item
        if not item.children:
            return None
        item = item.children[-1]
    return None


def first_explanation(rules: tuple, site) -> tuple | None:
    """What the first of ``rules`` that explains ``site`` says, or None."""
    for rule in rules:
        found = rule(site)
        if found is not None:
            return found
    return None


def is_token(item, *types: str) -> bool:
    """Whether a stack entry is a token of one of ``types``."""
    return isinstance(item, Token) and item.type in types


@dataclass(frozen=True)
class ErrorSite:
    """Where the parser stopped, and everything read there once.

    Offsets are 0-based into ``text`` (the text being parsed, ending in a line break);
    ``span`` is where the caret goes. ``stack`` is the parser's value stack (tokens and
    subtrees, oldest first); ``last`` is its top, a number given as its token rather than
    its tree, and ``prev`` the entry under it."""

    text: str
    path: str
    token: Token | None  #: the token the parser could not take; None at the end of file
    at_eof: bool  #: Lark gave up at the end of the input
    span: Span
    desc: str  #: the token as quoted in a message
    line_start: int
    line_end: int
    indent: int  #: leading blanks of the error's line
    first_word: re.Match | None  #: the first word of the error's line
    statement: str  #: that word, or "" (what the line is, when it is a statement)
    in_block: bool  #: the line is inside an open scenario block
    code_line: str  #: the error's line without its comment and the insides of its strings
    expected: frozenset  #: the terminals the parser could take here
    keywords_expected: frozenset  #: those of them that start a statement
    stack: tuple
    last: object
    prev: object
    call: Token | None  #: the distribution whose parentheses the error is inside
    example_label: str | None  #: the message of the example mistake in the same state

    def token_is(self, *types: str) -> bool:
        return self.token is not None and self.token.type in types

    @cached_property
    def unknown_first_word(self) -> bool:
        """The line starts with a word that begins no statement (and no change path)."""
        first = self.first_word
        return bool(first and self.statement not in STATEMENT_KEYWORDS + ("remove",)
                    and not self.text[first.end():first.end() + 1] == "."
                    and self.statement[:1].isalpha())

    @cached_property
    def stages(self) -> set[str]:
        """The names of the stages declared anywhere in the text."""
        return set(re.findall(r"(?m)^[ \t]*stage[ \t]+([A-Za-z_][A-Za-z0-9_]*)", self.text))

    @cached_property
    def last_line_code(self) -> str:
        """The code of the line that holds ``last`` (a token)."""
        start = self.text.rfind("\n", 0, self.last.start_pos) + 1
        end = self.text.find("\n", self.last.start_pos)
        return code_of(self.text[start:end if end >= 0 else len(self.text)])

    @cached_property
    def first_word_span(self) -> Span:
        return Span.of(self.path, self.text, self.first_word.start(), self.first_word.end())


def _token_span(tok: Token, text: str, path: str, line: int, col: int) -> Span:
    end_col = tok.end_column if tok.end_line == tok.line else col + 1
    tcol, tstart = tok.column, tok.start_pos
    if tok.type == "_NL":
        # point just past the statement's last token, not past a trailing comment
        line_start = text.rfind("\n", 0, tok.start_pos) + 1
        before = text[line_start:tok.start_pos]
        for m in COMMENT_SCAN.finditer(before):
            if m.group().startswith("#"):
                before = before[: m.start()]
                break
        tcol = len(before.rstrip()) + 1
        tstart = line_start + tcol - 1
        end_col = tcol + 1
    return Span(path, tok.line, tcol, tok.line, end_col, tstart, tstart + max(1, end_col - tcol))


def _enclosing_call(stack: tuple) -> Token | None:
    """The distribution name before the '(' the stack is inside, or None."""
    for i in range(len(stack) - 1, 0, -1):
        item = stack[i]
        if is_token(item, "RPAR", "EQUAL", "_WHEN"):
            return None
        if is_token(item, "LPAR"):
            return stack[i - 1] if is_token(stack[i - 1], "NAME") else None
    return None


def _expected(exc: UnexpectedInput) -> frozenset:
    # `accepts` is what the parser can really take here; `expected` is the raw LALR state's
    # action table, which merged states fill with tokens that could not follow (a '}' at the
    # top level).
    expected = set(getattr(exc, "accepts", None) or getattr(exc, "expected", None) or ())
    if "_NL" in expected:
        expected.discard("$END")
    return frozenset(expected)


def error_site(exc: UnexpectedInput, text: str, path: str) -> ErrorSite:
    """The site of a Lark token error (an unexpected token or end of input) in ``text``."""
    line = exc.line if exc.line and exc.line > 0 else text.count("\n") + 1
    col = exc.column if exc.column and exc.column > 0 else 1
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    tok = getattr(exc, "token", None)
    if tok is None or tok.type == "$END":
        span = Span(path, line, col, line, col + 1, offset, offset + 1)
        desc = HUMAN["$END"]
    else:
        span = _token_span(tok, text, path, line, col)
        desc = describe(tok)
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.start)
    line_end = len(text) if line_end < 0 else line_end
    indent = len(text[line_start:line_end]) - len(text[line_start:line_end].lstrip(" \t"))
    first = WORD.match(text, line_start + indent)
    expected = _expected(exc)
    stack = tuple(getattr(getattr(exc, "state", None), "value_stack", None) or ())
    last = stack[-1] if stack else None
    if isinstance(last, Tree) and last.data == "number":
        last = last.children[0]
    label = match_example(exc)
    if isinstance(exc, UnexpectedEOF) and "}" in {human(t).strip("'") for t in expected}:
        label = "a scenario block is not closed: missing '}'"
    return ErrorSite(
        text=text, path=path, token=tok, at_eof=isinstance(exc, UnexpectedEOF), span=span,
        desc=desc, line_start=line_start, line_end=line_end, indent=indent, first_word=first,
        statement=first.group() if first else "",
        in_block=open_brace(text, line_start) is not None,
        code_line=code_of(text[line_start:line_end]), expected=expected,
        keywords_expected=frozenset(t for t in expected
                                    if human(t).strip("'") in STATEMENT_KEYWORDS),
        stack=stack, last=last, prev=stack[-2] if len(stack) >= 2 else None,
        call=_enclosing_call(stack), example_label=label)
