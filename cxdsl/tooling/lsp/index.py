"""The index of a document: every name in it — declarations and uses, each with its span —
and the analysis that every feature reads.

An :class:`Analysis` holds one version of one document: its syntax tree (the parser
recovers from syntax errors, so a half-typed file still has one), the diagnostics and model
of :func:`cxdsl.lang.api.check_text`, and the indexes of the document and of the files it
imports (built from the texts the checker read).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

from ...lang import ast, parser
from ...lang.api import check_text
from ...lang.diagnostics import Diagnostic, Diagnostics, Span
from ...model import ir
from .positions import LineIndex
from .vocabulary import KINDS

log = logging.getLogger(__name__)



@dataclass
class Decl:
    """A declared name: what it is, where its name is, and its AST node."""

    kind: str            # persona | stage | event | scenario | survey
    name: str
    span: Span           # of the name
    node: object         # the AST node
    path: str            # the file it is declared in
    scenario: str | None = None  # for an event declared inside a scenario


@dataclass
class Use:
    """A name in the text: a declaration, a reference, or a word of the language."""

    name: str
    span: Span
    kind: str  # persona | stage | event | scenario | survey | any | attr | metric | func
    is_decl: bool = False
    owner: str | None = None  # attr: the kind it belongs to


@dataclass
class Index:
    """The names of one file: its declarations, its uses of names, and its imports."""

    path: str
    decls: dict = field(default_factory=dict)   # (kind, name) -> Decl
    uses: list = field(default_factory=list)    # [Use], in text order
    imports: list = field(default_factory=list)  # [ast.Import]

    def add_decl(self, kind: str, name: ast.Name, node, scenario: str | None = None):
        self.decls.setdefault((kind, name.text), Decl(kind, name.text, name.span, node,
                                                      self.path, scenario))
        self.uses.append(Use(name.text, name.span, kind, is_decl=True))

    def use(self, name: ast.Name | None, kind: str, owner: str | None = None):
        if name is not None:
            self.uses.append(Use(name.text, name.span, kind, owner=owner))

    def at(self, offset: int) -> Use | None:
        """The use whose span holds ``offset`` (or ends right at it)."""
        best = None
        for u in self.uses:
            if u.span.start <= offset <= u.span.end:
                best = u
                if u.span.start <= offset < u.span.end:
                    return u
        return best


def build_index(module: ast.Module | None, path: str) -> Index:
    """The declarations and uses of ``module`` (read from ``path``), uses in text order."""
    index = Index(path)
    if module is None:
        return index
    for s in module.statements:
        _index_statement(index, s)
    index.uses.sort(key=lambda u: u.span.start)
    return index


def _index_statement(index: Index, s) -> None:
    if isinstance(s, ast.Persona):
        index.add_decl("persona", s.name, s)
        _index_attrs(index, s.attrs, "persona")
    elif isinstance(s, ast.Stage):
        index.add_decl("stage", s.name, s)
        _index_attrs(index, s.attrs, "stage")
        _index_overrides(index, s.overrides, "stage")
    elif isinstance(s, ast.Event):
        _index_event(index, s)
    elif isinstance(s, ast.Goal):
        index.use(s.stage, "stage")
    elif isinstance(s, ast.Survey):
        index.add_decl("survey", s.name, s)
        index.use(s.stage, "stage")
    elif isinstance(s, ast.Target):
        index.use(s.survey, "survey")
        index.use(s.metric, "metric")
        index.use(s.persona, "persona")
    elif isinstance(s, ast.Scenario):
        _index_scenario(index, s)
    elif isinstance(s, (ast.SweepRange, ast.SweepList)):
        _index_path(index, s.path)
    elif isinstance(s, ast.Uncertain):
        _index_path(index, s.path)
        if isinstance(s.dist, ast.Call):
            index.use(s.dist.func, "func")
    elif isinstance(s, ast.Import):
        index.imports.append(s)


def _index_scenario(index: Index, s: ast.Scenario) -> None:
    index.add_decl("scenario", s.name, s)
    for n in s.extends:
        index.use(n, "scenario")
    _index_attrs(index, s.attrs, "scenario")
    for item in s.items:
        if isinstance(item, ast.Assign):
            _index_path(index, item.path)
            if isinstance(item.value, ast.Call):
                index.use(item.value.func, "func")
        elif isinstance(item, ast.Remove):
            index.use(item.event, "event")
        else:
            _index_event(index, item, s.name.text)


def _index_event(index: Index, e: ast.Event, scenario: str | None = None) -> None:
    index.add_decl("event", e.name, e, scenario)
    _index_attrs(index, e.attrs, "event")
    index.use(e.stage, "stage")
    if e.when is not None:
        _index_cond(index, e.when)
    _index_overrides(index, e.overrides, "event")


def _index_attrs(index: Index, items, owner: str) -> None:
    for a in items:
        index.use(a.name, "attr", owner)
        if isinstance(a.value, ast.Call):
            index.use(a.value.func, "func")


def _index_cond(index: Index, c) -> None:
    stack = [c]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Ref):
            index.use(node.name, "event")
        elif isinstance(node, ast.Not):
            stack.append(node.operand)
        elif isinstance(node, (ast.And, ast.Or)):
            stack.extend(reversed(node.operands))


def _index_overrides(index: Index, clauses, owner: str) -> None:
    for f in clauses:
        index.use(f.persona, "persona")
        _index_attrs(index, f.attrs, owner)


def _index_path(index: Index, p: ast.Path) -> None:
    index.use(p.target, "any")
    index.use(p.attr, "attr")
    index.use(p.persona, "persona")


@dataclass
class Analysis:
    """Everything the features need to know about one version of one document."""

    uri: str
    version: int | None
    text: str
    path: str                    # the name used in diagnostics (a file path or the URI)
    lines: LineIndex
    module: ast.Module | None
    model: ir.Model | None
    diagnostics: list[Diagnostic]
    index: Index
    others: dict                 # imported path -> (text, LineIndex, Index)
    sources: dict

    def decls(self) -> dict:
        """Every declaration visible here: this file's first, then imported ones."""
        out = {}
        for _, _, idx in self.others.values():
            out.update(idx.decls)
        out.update(self.index.decls)
        return out

    def resolve(self, use: Use) -> Decl | None:
        """The declaration a use names (an ``any`` use: an event, else a stage, else a
        persona), or None."""
        decls = self.decls()
        if use.kind in KINDS:
            return decls.get((use.kind, use.name))
        if use.kind == "any":
            for kind in ("event", "stage", "persona"):
                if (kind, use.name) in decls:
                    return decls[(kind, use.name)]
        return None

    def names(self, *kinds: str) -> list[Decl]:
        """The visible declarations of these kinds."""
        return [d for (k, _), d in self.decls().items() if k in kinds]

    def lines_for(self, path: str) -> LineIndex | None:
        """The line index of this file or of an imported one, None for another file."""
        if path == self.path:
            return self.lines
        other = self.others.get(path)
        return other[1] if other else None

    def location(self, path: str, span: Span) -> lsp.Location | None:
        """``span`` of file ``path`` as an LSP location, None for a file not read here."""
        lines = self.lines_for(path)
        if lines is None:
            return None
        uri = self.uri if path == self.path else from_fs_path(path)
        return lsp.Location(uri=uri, range=lines.span_range(span))


def path_of(uri: str) -> str | None:
    """The file system path of a ``file:`` URI, else None."""
    if not uri.startswith("file:"):
        return None
    try:
        return to_fs_path(uri)
    except Exception:
        return None


def analyze(uri: str, version: int | None, text: str, encoding: str = "utf-16",
            previous: Analysis | None = None) -> Analysis:
    """Parse, check and index ``text``; never raises for bad input."""
    fs_path = path_of(uri)
    shown = fs_path or uri
    base_dir = os.path.dirname(fs_path) if fs_path else None
    try:
        comp = check_text(text, shown, base_dir=base_dir)
        module, model = comp.module, (comp.model if comp.ok else None)
        diags, sources = comp.diagnostics.sorted(), dict(comp.sources)
    except Exception:  # the checker failed: keep what the parser alone gives
        log.exception("checking %s failed", shown)
        d = Diagnostics()
        module = parser.parse(text, shown, d)
        model, diags, sources = None, d.sorted(), {shown: text}
    index = build_index(module, shown)
    others = {}
    for path, src in sources.items():
        if path == shown:
            continue
        reused = previous.others.get(path) if previous else None
        if reused is not None and reused[0] == src:
            others[path] = reused
            continue
        d = Diagnostics()
        others[path] = (src, LineIndex(src, encoding), build_index(parser.parse(src, path, d),
                                                                    path))
    if previous is not None and not others and index.imports and module is not None:
        # the checker stopped before the imports (a syntax error): keep the last ones
        others = previous.others
    return Analysis(uri, version, text, shown, LineIndex(text, encoding), module, model,
                    diags, index, others, sources)
