"""Positions in a document: offsets in its text against LSP line/character positions, and
what surrounds an offset (inside a comment or a string or not)."""

from __future__ import annotations

import bisect
import re

from lsprotocol import types as lsp

from ...lang.diagnostics import Span


class LineIndex:
    """Offsets in a text <-> LSP positions (lines end at \\n, \\r\\n or \\r; columns in the
    negotiated code units)."""

    def __init__(self, text: str, encoding: str = "utf-16"):
        self.text = text
        self.encoding = str(encoding)
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def _units(self, s: str) -> int:
        if self.encoding == "utf-8":
            return len(s.encode("utf-8", "surrogatepass"))
        if self.encoding == "utf-32":
            return len(s)
        return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)

    def line_text(self, line: int) -> str:
        start = self.starts[line]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def position(self, offset: int) -> lsp.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        col = min(offset - start, len(self.line_text(line)))
        return lsp.Position(line=line, character=self._units(self.text[start:start + col]))

    def offset(self, pos: lsp.Position) -> int:
        if pos.line < 0:
            return 0
        if pos.line >= len(self.starts):
            return len(self.text)
        text = self.line_text(pos.line)
        units = n = 0
        for ch in text:
            if units >= pos.character:
                break
            units += self._units(ch)
            n += 1
        return self.starts[pos.line] + n

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(start=self.position(start), end=self.position(max(start, end)))

    def span_range(self, span: Span) -> lsp.Range:
        if span.end > span.start or span.start > 0:
            return self.range(span.start, span.end)
        # a span without offsets: use its line and column (1-based, code points)
        line = max(0, min(span.line - 1, len(self.starts) - 1))
        start = self.starts[line] + max(0, span.col - 1)
        end_line = max(0, min(span.end_line - 1, len(self.starts) - 1))
        end = self.starts[end_line] + max(0, span.end_col - 1)
        return self.range(start, max(start, end))

    def full_range(self) -> lsp.Range:
        return self.range(0, len(self.text))


def in_comment_or_string(text: str, offset: int) -> bool:
    """Whether ``offset`` is inside a comment or a string on its line."""
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    prefix = text[line_start:offset]
    stripped = re.sub(r'"(\\.|[^"\\])*"', "", prefix)
    return "#" in stripped or stripped.count('"') % 2 == 1
