"""The edits that turn one text into another, for formatting."""

from __future__ import annotations

import difflib
import re

from lsprotocol import types as lsp

from .positions import LineIndex


def text_edits(before: str, after: str) -> list[lsp.TextEdit]:
    """Line-level edits turning ``before`` into ``after``."""
    lines = LineIndex(before)
    if "\r" in before.replace("\r\n", "") or "\r" in after.replace("\r\n", ""):
        return [lsp.TextEdit(range=lines.full_range(), new_text=after)]
    # lines with their line breaks, so that a last line without one differs from one with
    a_lines = re.findall(r"[^\n]*\n|[^\n]+$", before)
    b_lines = re.findall(r"[^\n]*\n|[^\n]+$", after)
    starts = [0]
    for ln in a_lines:
        starts.append(starts[-1] + len(ln))
    edits = []
    matcher = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append(lsp.TextEdit(range=lines.range(starts[i1], starts[i2]),
                                      new_text="".join(b_lines[j1:j2])))
    return edits
