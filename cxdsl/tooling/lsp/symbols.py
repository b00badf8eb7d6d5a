"""Names across a document and its imports: the outline (document symbols), go to
definition, find references, document highlight, rename, and folding ranges."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path

from ...lang import ast, parser
from ..formatter import value_text
from .index import Analysis, Decl, Index, Use
from .vocabulary import KINDS

SYMBOL_KINDS = {
    "persona": lsp.SymbolKind.Class, "stage": lsp.SymbolKind.Namespace,
    "event": lsp.SymbolKind.Event, "scenario": lsp.SymbolKind.Module,
    "survey": lsp.SymbolKind.Field,
}
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _statement_range(a: Analysis, s) -> lsp.Range:
    """The range of a statement with the ``for`` lines that follow it."""
    end = s.span.end
    for c in getattr(s, "overrides", ()):
        end = max(end, c.span.end)
    return a.lines.range(s.span.start, end)


def _symbol(a: Analysis, name: str, kind: lsp.SymbolKind, node, sel_span,
            detail: str | None = None, children=None) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(name=name or "?", kind=kind, detail=detail,
                              range=_statement_range(a, node),
                              selection_range=a.lines.span_range(sel_span),
                              children=children)


def document_symbols(a: Analysis) -> list[lsp.DocumentSymbol]:
    """The outline: one symbol per statement, a scenario's items as its children."""
    if a.module is None:
        return []
    out = []
    for s in a.module.statements:
        symbol = _statement_symbol(a, s)
        if symbol is not None:
            out.append(symbol)
    return out


def _statement_symbol(a: Analysis, s) -> lsp.DocumentSymbol | None:
    if isinstance(s, ast.Journey):
        return _symbol(a, s.title.value, lsp.SymbolKind.File, s, s.title.span, "journey")
    if isinstance(s, ast.Import):
        return _symbol(a, s.path.value, lsp.SymbolKind.File, s, s.path.span, "import")
    if isinstance(s, ast.Persona):
        return _symbol(a, s.name.text, SYMBOL_KINDS["persona"], s, s.name.span,
                       s.label.value if s.label else "persona")
    if isinstance(s, ast.Stage):
        return _symbol(a, s.name.text, SYMBOL_KINDS["stage"], s, s.name.span,
                       s.label.value if s.label else "stage")
    if isinstance(s, ast.Event):
        return _symbol(a, s.name.text, SYMBOL_KINDS["event"], s, s.name.span,
                       f"at {s.stage.text}")
    if isinstance(s, ast.Goal):
        return _symbol(a, f"goal {s.stage.text}", lsp.SymbolKind.Key, s, s.stage.span)
    if isinstance(s, ast.Survey):
        return _symbol(a, s.name.text, SYMBOL_KINDS["survey"], s, s.name.span,
                       f"at {s.stage.text if s.stage else 'end'}")
    if isinstance(s, ast.Volume):
        per = f" per {s.period.text}" if s.period else ""
        return _symbol(a, f"volume {s.count.raw}{per}", lsp.SymbolKind.Number, s,
                       s.count.span)
    if isinstance(s, ast.Target):
        tail = f" for {s.persona.text}" if s.persona else ""
        metric = f"{s.survey.text}.{s.metric.text}" if s.survey else s.metric.text
        return _symbol(a, f"{metric} {s.op} {s.threshold.raw}{tail}",
                       lsp.SymbolKind.Constant, s, s.metric.span, "target")
    if isinstance(s, ast.Scenario):
        children = [_scenario_item_symbol(a, item) for item in s.items]
        return _symbol(a, s.name.text, SYMBOL_KINDS["scenario"], s, s.name.span,
                       s.label.value if s.label else "scenario", children)
    if isinstance(s, (ast.SweepRange, ast.SweepList)):
        return _symbol(a, f"sweep {s.path}", lsp.SymbolKind.Array, s, s.path.span)
    if isinstance(s, ast.Uncertain):
        return _symbol(a, f"uncertain {s.path}", lsp.SymbolKind.Variable, s, s.path.span,
                       f"~ {value_text(s.dist)}")
    if isinstance(s, ast.Worlds):
        return _symbol(a, f"worlds {s.count.raw}", lsp.SymbolKind.Number, s, s.count.span)
    return None


def _scenario_item_symbol(a: Analysis, item) -> lsp.DocumentSymbol:
    if isinstance(item, ast.Assign):
        return _symbol(a, f"{item.path} = {value_text(item.value)}",
                       lsp.SymbolKind.Property, item, item.path.span)
    if isinstance(item, ast.Remove):
        return _symbol(a, f"remove {item.event.text}", lsp.SymbolKind.Operator,
                       item, item.event.span)
    return _symbol(a, item.name.text, SYMBOL_KINDS["event"], item,
                   item.name.span, f"at {item.stage.text}")


def occurrences(a: Analysis, decl: Decl) -> Iterator[tuple[str, Use]]:
    """(path, use) for every place that names ``decl``, in this file and its imports."""
    for path, idx in [(a.path, a.index)] + [(p, o[2]) for p, o in a.others.items()]:
        for u in idx.uses:
            if u.name != decl.name or u.kind not in KINDS + ("any",):
                continue
            if path == a.path:
                target = a.resolve(u)
            else:
                target = _resolve_in(a, idx, u)
            if target is not None and (target.kind, target.name) == (decl.kind, decl.name):
                yield path, u


def _resolve_in(a: Analysis, idx: Index, use: Use) -> Decl | None:
    """The declaration that ``use``, a name in the imported file of ``idx``, refers to;
    that file's own declarations win."""
    decls = a.decls()
    decls.update(idx.decls)
    if use.kind in KINDS:
        return decls.get((use.kind, use.name))
    for kind in ("event", "stage", "persona"):
        if (kind, use.name) in decls:
            return decls[(kind, use.name)]
    return None


def folding_ranges(a: Analysis) -> list[lsp.FoldingRange]:
    """Scenario blocks (without their closing line) and runs of comment lines."""
    out = []
    if a.module is not None:
        for s in a.module.statements:
            if isinstance(s, ast.Scenario) and s.has_block:
                r = a.lines.range(s.span.start, s.span.end)
                if r.end.line - 1 > r.start.line:
                    out.append(lsp.FoldingRange(start_line=r.start.line,
                                                end_line=r.end.line - 1,
                                                kind=lsp.FoldingRangeKind.Region))
    # runs of comment lines
    run_start = None
    n = len(a.lines.starts)
    for i in range(n + 1):
        is_comment = i < n and a.lines.line_text(i).lstrip().startswith("#")
        if is_comment and run_start is None:
            run_start = i
        elif not is_comment and run_start is not None:
            if i - 1 > run_start:
                out.append(lsp.FoldingRange(start_line=run_start, end_line=i - 1,
                                            kind=lsp.FoldingRangeKind.Comment))
            run_start = None
    return out



def _decl_at(a: Analysis, offset: int) -> Decl | None:
    use = a.index.at(offset)
    return a.resolve(use) if use else None


def definition(a: Analysis, offset: int) -> lsp.Location | None:
    """Where the name at ``offset`` is declared; on an import's path, the imported file."""
    use = a.index.at(offset)
    if use is not None:
        decl = a.resolve(use)
        return a.location(decl.path, decl.span) if decl else None
    for imp in a.index.imports:
        if imp.path.span.start <= offset <= imp.path.span.end:
            base = os.path.dirname(a.path) if os.path.isabs(a.path) else os.getcwd()
            target = os.path.realpath(os.path.join(base, imp.path.value))
            if os.path.isfile(target):
                zero = lsp.Position(line=0, character=0)
                return lsp.Location(uri=from_fs_path(target),
                                    range=lsp.Range(start=zero, end=zero))
    return None


def references(a: Analysis, offset: int,
               include_declaration: bool = True) -> list[lsp.Location] | None:
    """Every place naming what the name at ``offset`` declares; None when it declares
    nothing."""
    decl = _decl_at(a, offset)
    if decl is None:
        return None
    out = []
    for path, u in occurrences(a, decl):
        if u.is_decl and not include_declaration:
            continue
        loc = a.location(path, u.span)
        if loc is not None:
            out.append(loc)
    return out


def highlights(a: Analysis, offset: int) -> list[lsp.DocumentHighlight] | None:
    """The places in this document naming what the name at ``offset`` declares, its
    declaration written, its uses read."""
    decl = _decl_at(a, offset)
    if decl is None:
        return None
    return [lsp.DocumentHighlight(
                range=a.lines.span_range(u.span),
                kind=lsp.DocumentHighlightKind.Write if u.is_decl
                else lsp.DocumentHighlightKind.Read)
            for path, u in occurrences(a, decl) if path == a.path]


def rename_range(a: Analysis, offset: int) -> lsp.Range | None:
    """The range of the name at ``offset`` when it can be renamed."""
    use = a.index.at(offset)
    if use is None or a.resolve(use) is None:
        return None
    return a.lines.span_range(use.span)


def rename(a: Analysis, offset: int, new: str) -> lsp.WorkspaceEdit | None:
    """The edits that rename what the name at ``offset`` declares to ``new``, in this file
    and its imports; raises :class:`JsonRpcInvalidParams` for a name that cannot be."""
    decl = _decl_at(a, offset)
    if decl is None:
        return None
    if not NAME_RE.fullmatch(new):
        raise JsonRpcInvalidParams(f"'{new}' is not a name: use letters, digits and _, "
                                   "not starting with a digit")
    if new in parser.keywords():
        raise JsonRpcInvalidParams(f"'{new}' is a keyword of the language")
    if new != decl.name:
        space = (("scenario",) if decl.kind == "scenario"
                 else ("persona", "stage", "event", "survey"))
        clash = next((d for d in a.decls().values()
                      if d.name == new and d.kind in space), None)
        if clash is not None:
            raise JsonRpcInvalidParams(f"'{new}' already names a {clash.kind}")
    changes: dict[str, list[lsp.TextEdit]] = {}
    for path, u in occurrences(a, decl):
        loc = a.location(path, u.span)
        if loc is not None:
            changes.setdefault(loc.uri, []).append(lsp.TextEdit(range=loc.range,
                                                                new_text=new))
    return lsp.WorkspaceEdit(changes=changes)
