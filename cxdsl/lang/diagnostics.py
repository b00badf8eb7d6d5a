"""One diagnostic type for every stage: severity, code, message, span, hint.

Stages append to a :class:`Diagnostics` collector instead of raising, so a user sees every
problem of a file in one run; the driver stops between stages when errors were found.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Span:
    """A region of a source file. Lines and columns are 1-based; ``end_col`` is the column
    just past the last character. ``start``/``end`` are 0-based character offsets."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    start: int = 0
    end: int = 0

    @staticmethod
    def point(path: str, line: int = 1, col: int = 1, offset: int = 0) -> Span:
        return Span(path, line, col, line, col + 1, offset, offset + 1)

    @staticmethod
    def of(path: str, text: str, start: int, end: int | None = None) -> Span:
        """The span of ``text[start:end]`` (one character when ``end`` is None), which
        must lie on one line."""
        end = start + 1 if end is None or end <= start else end
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        return Span(path, line, col, line, col + end - start, start, end)

    @staticmethod
    def of_token(path: str, tok) -> Span:
        """The span of a Lark token."""
        return Span(path, tok.line, tok.column, tok.end_line, tok.end_column,
                    tok.start_pos, tok.end_pos)

    def to(self, other: Span) -> Span:
        """The span from the start of ``self`` to the end of ``other``."""
        return Span(self.path, self.line, self.col, other.end_line, other.end_col,
                    self.start, other.end)


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error" | "warning"
    code: str      # e.g. "E201"; documented in cxdsl.lang.codes
    message: str
    span: Span | None = None
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        s = self.span
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "path": s.path if s else None,
            "line": s.line if s else None,
            "col": s.col if s else None,
            "end_line": s.end_line if s else None,
            "end_col": s.end_col if s else None,
            "hint": self.hint,
        }


class Diagnostics:
    """An ordered collector of diagnostics, shared by the stages of one compilation."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set = set()

    def add(self, diag: Diagnostic) -> None:
        key = (diag.severity, diag.code, diag.message, diag.span)
        if key not in self._seen:  # imports and scenarios can reach one spot twice
            self._seen.add(key)
            self._items.append(diag)

    def error(self, code: str, message: str, span: Span | None = None,
              hint: str | None = None) -> None:
        self.add(Diagnostic(ERROR, code, shorten(message), span, shorten(hint)))

    def warning(self, code: str, message: str, span: Span | None = None,
                hint: str | None = None) -> None:
        self.add(Diagnostic(WARNING, code, shorten(message), span, shorten(hint)))

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        for d in diags:
            self.add(d)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self._items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self._items if d.is_error]

    def sorted(self) -> list[Diagnostic]:
        """Diagnostics in file order (errors without a place first)."""
        def key(d: Diagnostic):
            s = d.span
            return (s is not None, s.path if s else "", s.line if s else 0,
                    s.col if s else 0)
        return sorted(self._items, key=key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class CompileError(Exception):
    """Raised by the Python API when a spec has errors; ``.diagnostics`` lists them all."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: dict | None = None):
        self.diagnostics = list(diagnostics)
        self.sources = sources or {}
        first = next((d for d in self.diagnostics if d.is_error), None)
        super().__init__(render_one(first, None) if first else "compilation failed")

    def render(self, color: bool = False) -> str:
        return render(self.diagnostics, self.sources, color=color)


#: A word of a message longer than this (a 5,000-digit number, say) is cut: the source
#: line under the message shows it already.
_LONG_WORD = re.compile(r"[^\s'\"]{61,}")


def shorten(text: str | None) -> str | None:
    """``text`` with every very long word cut to its start and end and its length."""
    if text is None or len(text) <= 60:
        return text
    return _LONG_WORD.sub(lambda m: f"{m.group()[:20]}…{m.group()[-6:]} "
                                    f"({len(m.group()):,} characters)", text)


# --------------------------------------------------------------------------- columns

#: Columns of a tab stop in ``path:line:col``: 8, as in GCC, Vim and Emacs by default.
TABSTOP = 8


def char_width(ch: str) -> int:
    """Screen columns of one character: 2 for wide (CJK, most emoji), 0 for combining
    marks and zero-width characters, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str, tabstop: int = TABSTOP, start: int = 0) -> int:
    """Screen columns ``text`` takes when it starts at screen column ``start`` (0-based):
    a tab runs to the next multiple of ``tabstop``."""
    col = start
    for ch in text:
        col = (col // tabstop + 1) * tabstop if ch == "\t" else col + char_width(ch)
    return col - start


def display_column(line: str, col: int) -> int:
    """The 1-based screen column of the character at code-point column ``col`` of
    ``line``: what GCC prints by default, Vim's ``%v`` reads and Emacs's compilation mode
    counts."""
    return display_width(line[: col - 1]) + 1


def source_line(source: str, line: int) -> str | None:
    """Line ``line`` (1-based) of ``source``, lines ending only at LF (a CR before it
    dropped): a U+2028 or a form feed inside a label does not start a line."""
    lines = source.split("\n")
    return lines[line - 1].removesuffix("\r") if 1 <= line <= len(lines) else None


# --------------------------------------------------------------------------- rendering

_MAX_SHOWN = 100  # characters of a long source line shown around the caret
#: Characters a terminal would not show in one column (line and paragraph separators,
#: control characters other than the tab): shown as U+FFFD so the caret stays aligned.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


def _excerpt(line: str, col: int, end_col: int) -> tuple[str, int, int]:
    """Expand tabs and, for a very long line, cut a window around the span.

    Returns the text to show and the 0-based display columns of the caret run."""
    line = _UNSHOWABLE.sub("\ufffd", line)
    shown = line.expandtabs(4)
    first = len(line[: col - 1].expandtabs(4))  # indices into ``shown``
    last = len(line[: end_col - 1].expandtabs(4))
    prefix = suffix = ""
    if len(shown) > _MAX_SHOWN:
        left = max(0, first - _MAX_SHOWN // 3)
        right = left + _MAX_SHOWN
        prefix = "…" if left > 0 else ""
        suffix = "…" if right < len(shown) else ""
        shown = shown[left:right]
        first, last = first - left, min(last - left, len(shown))
    # the caret in screen columns: a wide character (CJK, most emoji) takes two
    start = display_width(prefix + shown[:first])
    width = max(1, display_width(shown[first:last]))
    return prefix + shown + suffix, start, width


def render_one(d: Diagnostic, source: str | None, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    sev = paint(d.severity, "1;31" if d.is_error else "1;33")
    where = ""
    s = d.span
    text = None if s is None or source is None else source_line(source, s.line)
    if s is not None:
        col = s.col if text is None else display_column(text, s.col)
        where = f"{s.path}:{s.line}:{col}: "
    out = [f"{where}{sev}[{d.code}]: {d.message}"]
    if s is not None and source is not None:
        if text is not None:
            end_col = s.end_col if s.end_line == s.line else len(text) + 1
            end_col = max(end_col, s.col + 1)
            shown, start, width = _excerpt(text, s.col, end_col)
            gutter = f"{s.line:>5} | "
            out.append(gutter + shown)
            out.append(" " * (len(gutter) - 2) + "| " + " " * start
                       + paint("^" * width, "1;31" if d.is_error else "1;33"))
    if d.hint:
        out.append(f"  hint: {d.hint}")
    return "\n".join(out)


def render(diags: Iterable[Diagnostic], sources: dict, color: bool = False) -> str:
    """Human rendering of diagnostics; ``sources`` maps a path to its text."""
    return "\n".join(render_one(d, sources.get(d.span.path) if d.span else None, color)
                     for d in diags)


def to_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diags], indent=2, ensure_ascii=False)


def a_or_an(word: str) -> str:
    """``word`` with its indefinite article, for messages: 'an event', 'a stage'."""
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    cands = list(candidates)
    best = difflib.get_close_matches(name, cands, n=1, cutoff=0.6)
    if not best:
        lowered = {c.lower(): c for c in cands}
        if name.lower() in lowered:
            best = [lowered[name.lower()]]
    return f"did you mean '{best[0]}'?" if best else None


__all__ = ["Span", "Diagnostic", "Diagnostics", "CompileError", "render", "render_one",
           "to_json", "did_you_mean", "a_or_an", "ERROR", "WARNING"]
