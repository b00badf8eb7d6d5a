"""The canonical layout of a .cxj file, and a formatter that is safe to run on any file.

:func:`format_text` parses a file, prints its syntax tree back in one canonical layout and
then proves the result is safe before returning it:

* the result parses, to the same syntax tree (spans aside) and the same comments;
* when the original checks clean, the result checks clean to the same model (IR);
* formatting the result again changes nothing.

If any of these fails, :class:`FormatError` is raised (``cxdsl fmt`` exits 123 and writes
nothing). A file with syntax errors raises :class:`cxdsl.lang.diagnostics.CompileError` instead.

The layout itself is :mod:`cxdsl.lang.printer`'s.
"""

from __future__ import annotations

import dataclasses
import os

from ..lang import ast, parser
from ..lang.api import check_text
from ..lang.diagnostics import CompileError, Diagnostics, Span
from ..lang.printer import (  # noqa: F401  (the printer's API, re-exported for the commands)
    ATTRIBUTE_ORDER,
    LINE_LIMIT,
    comment_texts,
    cond_text,
    format_module,
    sort_attrs,
    value_text,
)


class FormatError(Exception):
    """The formatter could not prove its result safe; nothing should be written."""


# --------------------------------------------------------------------------- printing


# ---------------------------------------------------------------------- verification


def _normal(node, kind: str | None = None):
    """``node`` as plain tuples without spans, attributes in canonical order."""
    if isinstance(node, ast.Module):
        return tuple(_normal(s) for s in node.statements)
    if isinstance(node, (tuple, list)):
        return tuple(_normal(n, kind) for n in node)
    if not dataclasses.is_dataclass(node):
        return node
    own = {ast.Persona: "persona", ast.Stage: "stage", ast.Event: "event",
           ast.Scenario: "scenario"}.get(type(node), kind)
    out = [type(node).__name__]
    for f in dataclasses.fields(node):
        v = getattr(node, f.name)
        if isinstance(v, Span) or f.name.endswith("span"):  # positions are not meaning
            continue
        if f.name == "attrs":
            v = tuple(sort_attrs(v, own))
        out.append((f.name, _normal(v, own)))
    return tuple(out)


def _check_model(text: str, path: str, base_dir: str | None, *, strict: bool):
    """The model of ``text``, or None when it does not check clean. A checker failure
    counts as not clean for the original (``strict`` False): the syntax tree comparison
    still guards the result."""
    try:
        comp = check_text(text, path, base_dir=base_dir)
    except Exception as exc:
        if strict:
            raise FormatError(f"checking the formatted text failed: {exc!r}") from exc
        return None
    return comp.model if comp.ok else None


def format_text(text: str, path: str = "<string>", *, base_dir: str | None = None,
                verify: bool = True) -> str:
    """``text`` in the canonical layout.

    Raises :class:`CompileError` when ``text`` has syntax errors and :class:`FormatError`
    when the result cannot be proven to mean the same as ``text`` (a bug). ``path`` names
    the file in diagnostics and locates its imports (or ``base_dir`` does)."""
    bom = ""
    if text.startswith("\ufeff"):
        bom, text = "\ufeff", text[1:]
    diags = Diagnostics()
    module = parser.parse(text, path, diags)
    if module is None or diags.has_errors:
        raise CompileError(diags.sorted(), {path: text})
    result = format_module(module, text)
    if verify:
        _verify(text, module, result, path, base_dir)
    return bom + result


def _verify(text: str, module: ast.Module, result: str, path: str,
            base_dir: str | None) -> None:
    diags = Diagnostics()
    again = parser.parse(result, path, diags)
    if again is None or diags.has_errors:
        first = diags.sorted()[0] if len(diags) else None
        raise FormatError("the formatted text does not parse"
                          + (f": line {first.span.line}: {first.message}"
                             if first and first.span else ""))
    if _normal(again) != _normal(module):
        raise FormatError("the formatted text has a different syntax tree")
    if comment_texts(result, path) != comment_texts(text, path):
        raise FormatError("the formatted text has different comments")
    if format_module(again, result) != result:
        raise FormatError("formatting the formatted text changes it again")
    if base_dir is None and (path.startswith("<") or not path):
        base_dir = os.getcwd()
    before = _check_model(text, path, base_dir, strict=False)
    if before is not None and _check_model(result, path, base_dir, strict=True) != before:
        raise FormatError("the formatted text compiles to a different model")


__all__ = ["ATTRIBUTE_ORDER", "FormatError", "LINE_LIMIT", "comment_texts", "cond_text",
           "format_module", "format_text", "sort_attrs", "value_text"]
