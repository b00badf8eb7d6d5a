"""Lark's syntax errors, explained: :func:`explain` turns one into a diagnostic in plain
words at the token to change, and blanks what it covers so parsing can go on.

The explanation is the first answer of a table of small explainers
(:mod:`cxdsl.lang.syntax_explainers` for a token the parser cannot take,
:mod:`cxdsl.lang.syntax_characters` for a character no token starts with), each reading
the error's site once: the parser's state (the tokens it could take, the values on its
stack), the line, and example mistakes matched by LALR state
(:mod:`cxdsl.lang.syntax_examples`), so a slip reads the same on line 1 and on line 100.
"""

from __future__ import annotations

import re

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from .diagnostics import Span
from .grammar import STATEMENT_KEYWORDS, WORD
from .syntax_characters import character_diagnostic
from .syntax_explainers import token_diagnostic
from .syntax_site import BRACES, TOP_LEVEL_ONLY, code_of, open_brace


def explain(exc: UnexpectedInput, text: str, path: str) -> tuple[tuple, str]:
    """((code, message, span, hint), the text with the mistake blanked out).

    Blanking keeps every offset (characters become spaces, line breaks stay); the text comes
    back unchanged when there is nothing left to blank."""
    unclosed = _unclosed_block(exc, text, path)
    if unclosed is not None:
        return unclosed
    code, message, span, hint, more = _syntax_diag(exc, text, path)
    blanked = _blank_line(text, min(span.start, len(text) - 1))
    if more is not None:
        blanked = blank(blanked, *more)
    return (code, message, span, hint), blanked


def blank(text: str, start: int, end: int) -> str:
    """``text`` with ``text[start:end]`` turned to spaces, line breaks kept: every offset,
    line and column stays where it was."""
    return text[:start] + re.sub(r"[^\r\n]", " ", text[start:end]) + text[end:]


def _continuation(exc: UnexpectedInput, text: str) -> tuple[int, int] | None:
    """When the error is at the end of a line that goes on, indented, on the next line (a
    statement split over two lines): the range of the continuation lines."""
    tok = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream
        if offset is None or text[offset:offset + 1] != "\\":
            return None
        eol = text.find("\n", offset)
        if eol < 0 or code_of(text[offset + 1:eol]).strip():
            return None
    elif tok is not None and tok.type == "_NL":
        eol = tok.start_pos
    else:
        return None
    start = end = None
    pos = eol
    while pos < len(text):
        nl = text.find("\n", pos + 1)
        nl = len(text) if nl < 0 else nl
        line = text[pos + 1:nl]
        body = code_of(line).strip()
        if not body:
            if start is None:
                pos = nl
                continue
            break
        if line[:1] not in (" ", "\t") or body.startswith("}"):
            break
        word = WORD.match(body)
        if word and word.group() in STATEMENT_KEYWORDS + ("remove",):
            break
        if re.match(r"[A-Za-z_][A-Za-z0-9_]*[ \t]*\.", body) and open_brace(text, pos + 1
                                                                             ) is not None:
            break
        start = pos + 1 if start is None else start
        end = nl
        pos = nl
    return None if start is None else (start, end)


def _syntax_diag(exc: UnexpectedInput, text: str, path: str) -> tuple:
    """(code, message, span, hint, lines to blank as well or None) for a Lark error."""
    if isinstance(exc, UnexpectedCharacters):
        code, message, span, hint = character_diagnostic(exc, text, path)
    else:
        code, message, span, hint = token_diagnostic(exc, text, path)
    more = _continuation(exc, text)
    if more is not None:
        if not isinstance(exc, UnexpectedCharacters):
            hint = "a statement must fit on one line: join it with the line after it"
        return code, message, span, hint, more
    return code, message, span, hint, None


def _error_offset(exc: UnexpectedInput, text: str) -> int:
    tok = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or tok is None or tok.type == "$END":
        return len(text)
    return exc.pos_in_stream if exc.pos_in_stream is not None else len(text)


def _unclosed_block(exc: UnexpectedInput, text: str, path: str) -> tuple | None:
    """A scenario block left open: ((code, message, span, hint), text without the block).

    Reported once, at its '{', when the parser runs into the end of the file or into a
    statement that only stands outside blocks. The block's lines are blanked (offsets kept)
    so that parsing goes on with what follows."""
    offset = _error_offset(exc, text)
    brace = open_brace(text, offset)
    if brace is None:
        return None
    line_start = text.rfind("\n", 0, offset) + 1
    indent = len(text[line_start:]) - len(text[line_start:].lstrip(" \t"))
    first = WORD.match(text, line_start + indent)
    at_end = offset >= len(text.rstrip())
    if not at_end and not (first and first.group() in TOP_LEVEL_ONLY
                           and brace < line_start and not _closed_later(text, line_start)):
        return None
    owner = re.search(r"scenario\s+([A-Za-z_][A-Za-z0-9_]*)",
                      text[text.rfind("\n", 0, brace) + 1:brace])
    what = f"the block of scenario {owner.group(1)}" if owner else "a scenario block"
    stop = len(text) if at_end else line_start
    return (("E104", f"{what} is not closed: missing '}}'", Span.of(path, text, brace),
             "end the block with '}' on a line after its last change"),
            blank(text, brace, stop))


def _closed_later(text: str, line_start: int) -> bool:
    """Whether a line after the one at ``line_start`` closes a block with '}' before a
    statement that only stands outside blocks comes (or the file ends)."""
    end = text.find("\n", line_start)
    while end >= 0:
        nxt = text.find("\n", end + 1)
        line = text[end + 1:nxt if nxt >= 0 else len(text)]
        braces = [m.group() for m in BRACES.finditer(line) if m.group() in "{}"]
        if braces[:1] == ["}"]:
            return True
        first = WORD.match(line.strip())
        # an indented statement reads as one more line of the block (several uncertain
        # lines pasted into a block); one at the margin starts the file's next statement
        if first and first.group() in TOP_LEVEL_ONLY and not line[:1].isspace():
            return False
        end = nxt
    return False


def _blank_line(text: str, offset: int) -> str:
    """``text`` with the line containing ``offset`` replaced by spaces (positions kept).

    When that line opens a scenario block, the block goes with it, up to its '}': its
    lines would only add errors of their own once their header is gone."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    if start >= end:
        return text
    braces = [m.group() for m in BRACES.finditer(text, start, end) if m.group() in "{}"]
    if braces and braces[-1] == "{":
        close = next((m for m in BRACES.finditer(text, end) if m.group() == "}"), None)
        if close is not None:
            end = close.end()
    return blank(text, start, end)
