"""The Python API: text or a path in, a checked :class:`cxdsl.model.ir.Model` out.

    cxdsl.parse(text, path)  -> ast.Module       (syntax only)
    cxdsl.loads(text, path)  -> ir.Model         (raises CompileError)
    cxdsl.load(path)         -> ir.Model         (raises CompileError)
    cxdsl.check_text(...)    -> Compilation      (model or None, every diagnostic, sources)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..model import ir
from . import ast, parser, source
from .checker import check
from .diagnostics import CompileError, Diagnostics, Span


@dataclass
class Compilation:
    """Everything one compilation produced: the model (None when there were errors), the
    diagnostics of every file involved, and those files' texts (for rendering)."""

    model: ir.Model | None
    diagnostics: Diagnostics
    sources: dict[str, str] = field(default_factory=dict)
    module: ast.Module | None = None

    @property
    def ok(self) -> bool:
        return self.model is not None and not self.diagnostics.has_errors


class _Loader:
    """Reads and parses imported files, remembering their text for diagnostics."""

    def __init__(self, sources: dict[str, str], diags: Diagnostics):
        self.sources = sources
        self.diags = diags

    def __call__(self, path: str, span: Span) -> ast.Module | None:
        text = source.read(path, self.diags, span)
        if text is None:
            return None
        self.sources[path] = text
        return parser.parse(text, path, self.diags)


def check_text(text: str, path: str | None = None, *, allow_outside_imports: bool = False,
               base_dir: str | None = None) -> Compilation:
    """Parse and check ``text``; never raises for bad input.

    ``path`` names the file in diagnostics (default ``<string>``); imports resolve against
    its directory, or ``base_dir``, or the current directory."""
    shown = path or "<string>"
    diags = Diagnostics()
    sources = {shown: text}
    module = parser.parse(text, shown, diags)
    if module is None or diags.has_errors:
        return Compilation(None, diags, sources, module)
    if base_dir is None:
        base_dir = os.path.dirname(os.path.abspath(path)) if path and not path.startswith(
            "<") else os.getcwd()
    model = check(module, diags, loader=_Loader(sources, diags), base_dir=base_dir,
                  allow_outside_imports=allow_outside_imports)
    if diags.has_errors:
        model = None
    return Compilation(model, diags, sources, module)


def check_file(path: str, *, allow_outside_imports: bool = False) -> Compilation:
    """Read, parse and check the file at ``path``; never raises for bad input."""
    diags = Diagnostics()
    text = source.read(path, diags)
    if text is None:
        return Compilation(None, diags, {})
    return check_text(text, path, allow_outside_imports=allow_outside_imports)


def _raise_if_failed(comp: Compilation) -> ir.Model:
    if not comp.ok:
        raise CompileError(comp.diagnostics.sorted(), comp.sources)
    return comp.model


def loads(text: str, path: str | None = None, *, allow_outside_imports: bool = False
          ) -> ir.Model:
    """The checked model of ``text``; raises :class:`CompileError` listing every error."""
    return _raise_if_failed(check_text(text, path, allow_outside_imports=allow_outside_imports))


def load(path: str | os.PathLike, *, allow_outside_imports: bool = False) -> ir.Model:
    """The checked model of the file at ``path``; raises :class:`CompileError`."""
    return _raise_if_failed(check_file(os.fspath(path),
                                       allow_outside_imports=allow_outside_imports))


def parse(text: str, path: str = "<string>") -> ast.Module:
    """The syntax tree of ``text``; raises :class:`CompileError` on syntax errors."""
    diags = Diagnostics()
    module = parser.parse(text, path, diags)
    if module is None or diags.has_errors:
        raise CompileError(diags.sorted(), {path: text})
    return module
