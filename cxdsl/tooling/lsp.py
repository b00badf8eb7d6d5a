"""The cxdsl language server: LSP over stdio, built on pygls 2.

Every feature reads the same analysis of a document: its syntax tree (the parser recovers
from syntax errors, so a half-typed file still has one), the diagnostics and model of
:func:`cxdsl.api.check_text`, and an index of every name in it — declarations and uses,
each with its span. When the file does not compile, features fall back to the syntax
tree; imported files are indexed from the texts the checker read.

Features: diagnostics as you type (debounced, tagged with the document version), hover,
completion, go to definition, find references, document highlight, rename, document
symbols, folding ranges and formatting (through :func:`cxdsl.formatter.format_text`).
Every handler is guarded: an exception in one request is logged to the client and answered
with an empty result; the server keeps running.

Start it with ``cxdsl lsp``; ``CXDSL_LSP_DEBOUNCE`` (seconds) or the initialization option
``{"debounce": seconds}`` sets the delay between the last keystroke and the diagnostics.
"""

from __future__ import annotations

import asyncio
import bisect
import difflib
import functools
import logging
import os
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from .._version import __version__
from ..lang import ast, parser
from ..lang.diagnostics import CompileError, Diagnostic, Diagnostics, Span
from ..model import ir
from .formatter import FormatError, cond_text, format_text, value_text

log = logging.getLogger(__name__)

#: Seconds between the last change of a document and its diagnostics.
DEFAULT_DEBOUNCE = 0.3

KINDS = ("persona", "stage", "event", "scenario")
ATTRIBUTES_OF = {"persona": ("share", "baseline", "value"), "stage": ("advance", "slope"),
                 "event": ("p", "impact"), "scenario": ("cost",)}
METRICS = ir.METRICS
DISTRIBUTIONS = {
    "normal": ("normal(${1:mu}, ${2:sd})", "normal(mu, sd): a normal distribution"),
    "uniform": ("uniform(${1:lo}, ${2:hi})", "uniform(lo, hi): any value from lo to hi"),
    "triangular": ("triangular(${1:lo}, ${2:mode}, ${3:hi})",
                   "triangular(lo, mode, hi): most likely at mode"),
    "discrete": ("discrete(${1:v1}: ${2:w1}, ${3:v2}: ${4:w2})",
                 "discrete(v1: w1, v2: w2, ...): value v with weight w"),
}

KEYWORD_DOCS = {
    "journey": 'journey "Title": the title of the journey (at most once).',
    "scale": "scale LO..HI: the integer score scale (default 0..10; NPS needs 0..10).",
    "customers": "customers N: the default number of customers per run.",
    "seed": "seed N: the default random seed; the same seed gives the same forecast.",
    "import": 'import "file.cxj": merge the declarations of another file.',
    "persona": 'persona NAME ["Label"] share=W baseline=B [value=V]: a kind of customer.',
    "stage": 'stage NAME ["Label"] [advance=P] [slope=K]: a step of the journey, in order.',
    "goal": "goal STAGE: reaching STAGE counts as conversion (default: the last stage).",
    "event": 'event NAME ["Label"] [p=P] [impact=I] at STAGE [when COND]: a moment of '
             "truth.",
    "at": "at STAGE: the stage at which the event can happen.",
    "when": "when COND: the event can only happen when COND holds (events that happened, "
            "score comparisons, not/and/or).",
    "for": "for PERSONA attr=value ...: a value for one persona (on the line after a "
           "stage or an event), or the persona a target is about.",
    "target": "target METRIC OP NUMBER [for PERSONA]: a forecast to meet.",
    "scenario": 'scenario NAME ["Label"] [extends A, B] [cost=C] { ... }: a set of '
                "changes to the baseline.",
    "extends": "extends A, B: apply these scenarios first, in order.",
    "remove": "remove EVENT: a scenario without this event.",
    "sweep": "sweep PATH from A to B step S, or sweep PATH in [v1, v2]: a parameter axis.",
    "from": "sweep PATH from A to B step S", "to": "sweep PATH from A to B step S",
    "step": "sweep PATH from A to B step S", "in": "sweep PATH in [v1, v2, ...]",
    "not": "not COND: true when COND is false.", "and": "A and B: both hold.",
    "or": "A or B: either holds.",
    "score": "score: the customer's running score, as in `when score < 5`.",
}
ATTRIBUTE_DOCS = {
    "share": "share: the persona's relative weight in the population (normalised).",
    "baseline": "baseline: the score this persona gives when nothing notable happens "
                "(a number or a distribution).",
    "value": "value: revenue per converted customer (default 0).",
    "advance": "advance: the probability of moving on to the next stage for a customer "
               "whose score equals their starting score (default 100%).",
    "slope": "slope: change in log-odds of advancing per score point above the starting "
             "score (default 0).",
    "p": "p: the probability that the event happens (default 100%).",
    "impact": "impact: what the event adds to the score (a number or a distribution; "
              "default 0).",
    "cost": "cost: what the scenario costs, for its return on investment.",
}
METRIC_DOCS = {
    "nps": "nps: net promoter score, 100 × (share scoring 9-10 − share scoring 0-6); "
           "only on a 0..10 scale.",
    "csat": "csat: 100 × the share in the top two scores.",
    "mean": "mean: the mean final score.",
    "conversion": "conversion: the share of customers who reach the goal stage.",
    "revenue": "revenue: the mean revenue per customer (value of the converted).",
}

SYMBOL_KINDS = {
    "persona": lsp.SymbolKind.Class, "stage": lsp.SymbolKind.Namespace,
    "event": lsp.SymbolKind.Event, "scenario": lsp.SymbolKind.Module,
}
COMPLETION_KINDS = {
    "persona": lsp.CompletionItemKind.Class, "stage": lsp.CompletionItemKind.Module,
    "event": lsp.CompletionItemKind.Event, "scenario": lsp.CompletionItemKind.Struct,
}
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# ---------------------------------------------------------------------------- positions


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


# -------------------------------------------------------------------------------- index


@dataclass
class Decl:
    kind: str            # persona | stage | event | scenario
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
    kind: str            # persona | stage | event | scenario | any | attr | metric | func
    is_decl: bool = False
    owner: str | None = None  # attr: the kind it belongs to


@dataclass
class Index:
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
    index = Index(path)
    if module is None:
        return index

    def attrs(items, owner):
        for a in items:
            index.use(a.name, "attr", owner)
            if isinstance(a.value, ast.Call):
                index.use(a.value.func, "func")

    def cond(c):
        stack = [c]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Ref):
                index.use(node.name, "event")
            elif isinstance(node, ast.Not):
                stack.append(node.operand)
            elif isinstance(node, (ast.And, ast.Or)):
                stack.extend(reversed(node.operands))

    def overrides(clauses, owner):
        for f in clauses:
            index.use(f.persona, "persona")
            attrs(f.attrs, owner)

    def path_(p: ast.Path):
        index.use(p.target, "any")
        index.use(p.attr, "attr")
        index.use(p.persona, "persona")

    def event(e: ast.Event, scenario: str | None = None):
        index.add_decl("event", e.name, e, scenario)
        attrs(e.attrs, "event")
        index.use(e.stage, "stage")
        if e.when is not None:
            cond(e.when)
        overrides(e.overrides, "event")

    for s in module.statements:
        if isinstance(s, ast.Persona):
            index.add_decl("persona", s.name, s)
            attrs(s.attrs, "persona")
        elif isinstance(s, ast.Stage):
            index.add_decl("stage", s.name, s)
            attrs(s.attrs, "stage")
            overrides(s.overrides, "stage")
        elif isinstance(s, ast.Event):
            event(s)
        elif isinstance(s, ast.Goal):
            index.use(s.stage, "stage")
        elif isinstance(s, ast.Target):
            index.use(s.metric, "metric")
            index.use(s.persona, "persona")
        elif isinstance(s, ast.Scenario):
            index.add_decl("scenario", s.name, s)
            for n in s.extends:
                index.use(n, "scenario")
            attrs(s.attrs, "scenario")
            for item in s.items:
                if isinstance(item, ast.Assign):
                    path_(item.path)
                    if isinstance(item.value, ast.Call):
                        index.use(item.value.func, "func")
                elif isinstance(item, ast.Remove):
                    index.use(item.event, "event")
                else:
                    event(item, s.name.text)
        elif isinstance(s, (ast.SweepRange, ast.SweepList)):
            path_(s.path)
        elif isinstance(s, ast.Import):
            index.imports.append(s)
    index.uses.sort(key=lambda u: u.span.start)
    return index


# ----------------------------------------------------------------------------- analysis


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
        decls = self.decls()
        if use.kind in KINDS:
            return decls.get((use.kind, use.name))
        if use.kind == "any":
            for kind in ("event", "stage", "persona"):
                if (kind, use.name) in decls:
                    return decls[(kind, use.name)]
        return None

    def names(self, *kinds: str) -> list[Decl]:
        return [d for (k, _), d in self.decls().items() if k in kinds]

    def lines_for(self, path: str) -> LineIndex | None:
        if path == self.path:
            return self.lines
        other = self.others.get(path)
        return other[1] if other else None

    def location(self, path: str, span: Span) -> lsp.Location | None:
        lines = self.lines_for(path)
        if lines is None:
            return None
        uri = self.uri if path == self.path else from_fs_path(path)
        return lsp.Location(uri=uri, range=lines.span_range(span))


def _path_of(uri: str) -> str | None:
    if not uri.startswith("file:"):
        return None
    try:
        return to_fs_path(uri)
    except Exception:
        return None


def analyze(uri: str, version: int | None, text: str, encoding: str = "utf-16",
            previous: Analysis | None = None) -> Analysis:
    """Parse, check and index ``text``; never raises for bad input."""
    from ..lang.api import check_text

    fs_path = _path_of(uri)
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


# ------------------------------------------------------------------------------- hovers


def _pct(x: float) -> str:
    return f"{x * 100:.4g}%"


def _num(x: float) -> str:
    return f"{x:.6g}"


def dist_text(d: ir.Dist, signed: bool = False) -> str:
    if isinstance(d, ir.Const):
        return f"{d.value:+.6g}" if signed else _num(d.value)
    if isinstance(d, ir.Normal):
        return f"normal({_num(d.mu)}, {_num(d.sd)})"
    if isinstance(d, ir.Uniform):
        return f"uniform({_num(d.lo)}, {_num(d.hi)})"
    if isinstance(d, ir.Triangular):
        return f"triangular({_num(d.lo)}, {_num(d.mode)}, {_num(d.hi)})"
    pairs = ", ".join(f"{_num(v)}: {_pct(w)}" for v, w in zip(d.values, d.weights))
    return f"discrete({pairs})"


def _label(label) -> str:
    if label is None:
        return ""
    text = label.value if isinstance(label, ast.String) else label
    return f' — "{text}"'


def _per_persona(model: ir.Model, columns: dict[str, tuple]) -> list[str]:
    """A Markdown table of per-persona values, or one line when they are all the same."""
    names = [p.name for p in model.personas]
    if all(len(set(vals)) == 1 for vals in columns.values()):
        return [", ".join(f"{k} = {vals[0]}" for k, vals in columns.items())
                + (" (every persona)" if len(names) > 1 else "")]
    out = ["| persona | " + " | ".join(columns) + " |",
           "|---" * (len(columns) + 1) + "|"]
    for i, n in enumerate(names):
        out.append(f"| {n} | " + " | ".join(v[i] for v in columns.values()) + " |")
    return out


def _ast_attrs(attrs, clauses=()) -> list[str]:
    lines = []
    if attrs:
        lines.append(" ".join(f"{a.name.text}={value_text(a.value)}" for a in attrs))
    for c in clauses:
        lines.append(f"for {c.persona.text}: "
                     + " ".join(f"{a.name.text}={value_text(a.value)}" for a in c.attrs))
    return lines


def hover_decl(a: Analysis, decl: Decl) -> str:
    model = a.model
    node = decl.node
    where = "" if decl.path == a.path else f"\n\n*declared in {os.path.basename(decl.path)}*"
    if decl.kind == "event":
        head = f"**event** `{decl.name}`{_label(node.label)}"
        ev = None
        if model is not None and decl.scenario is None:
            ev = next((e for e in model.events if e.name == decl.name), None)
        if ev is not None:
            lines = [head, "", f"at stage `{ev.stage}`"
                     + (f", when `{ir.cond_text(ev.when)}`" if ev.when is not None else ""),
                     ""]
            lines += _per_persona(model, {
                "p": tuple(_pct(p) for p in ev.p),
                "impact": tuple(dist_text(d, signed=True) for d in ev.impact)})
            return "\n".join(lines) + where
        lines = [head, "", f"at stage `{node.stage.text}`"
                 + (f", when `{cond_text(node.when)}`" if node.when is not None else "")]
        if decl.scenario:
            lines.append(f"added by scenario `{decl.scenario}`")
        extra = _ast_attrs(node.attrs, node.overrides)
        return "\n".join(lines + ([""] + extra if extra else [])) + where
    if decl.kind == "persona":
        head = f"**persona** `{decl.name}`{_label(node.label)}"
        p = None
        if model is not None:
            p = next((x for x in model.personas if x.name == decl.name), None)
        if p is not None:
            return "\n".join([head, "", f"share {_pct(p.share)} of customers (normalised)",
                              f"baseline {dist_text(p.baseline)}",
                              f"value {_num(p.value)} per converted customer"]) + where
        return "\n".join([head, ""] + _ast_attrs(node.attrs)) + where
    if decl.kind == "stage":
        head = f"**stage** `{decl.name}`{_label(node.label)}"
        if model is not None and any(s.name == decl.name for s in model.stages):
            i = model.stage_index(decl.name)
            st = model.stages[i]
            n = len(model.stages)
            lines = [head, "", f"stage {i + 1} of {n}"
                     + (" · the goal (conversion)" if model.goal == decl.name else "")]
            if i < n - 1:
                lines += [""] + _per_persona(model, {
                    "advance": tuple(_pct(x) for x in st.advance),
                    "slope": tuple(_num(x) for x in st.slope)})
            else:
                lines.append("the last stage: customers here complete the journey")
            return "\n".join(lines) + where
        return "\n".join([head, ""] + _ast_attrs(node.attrs, node.overrides)) + where
    # a scenario
    head = f"**scenario** `{decl.name}`{_label(node.label)}"
    lines = [head, ""]
    if node.extends:
        lines.append("extends " + ", ".join(f"`{n.text}`" for n in node.extends))
    lines += _ast_attrs(node.attrs)
    changes = []
    for item in node.items:
        if isinstance(item, ast.Assign):
            changes.append(f"- `{item.path} = {value_text(item.value)}`")
        elif isinstance(item, ast.Remove):
            changes.append(f"- remove `{item.event.text}`")
        else:
            changes.append(f"- new event `{item.name.text}` at `{item.stage.text}`")
    if changes:
        lines += ["", f"{len(changes)} change{'s' if len(changes) != 1 else ''}:"]
        lines += changes[:12] + (["- …"] if len(changes) > 12 else [])
    return "\n".join(lines) + where


def _word_at(text: str, offset: int) -> tuple[str, int, int]:
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    end = offset
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[start:end], start, end


def hover(a: Analysis, offset: int) -> lsp.Hover | None:
    use = a.index.at(offset)
    if use is not None:
        rng = a.lines.span_range(use.span)
        text = None
        if use.kind == "attr":
            text = ATTRIBUTE_DOCS.get(use.name, f"`{use.name}`: not an attribute of "
                                                f"{use.owner or 'anything'}")
        elif use.kind == "metric":
            text = METRIC_DOCS.get(use.name, f"`{use.name}`: not a metric "
                                             f"({', '.join(METRICS)})")
        elif use.kind == "func":
            text = DISTRIBUTIONS.get(use.name, (None, f"`{use.name}`: not a distribution"))[1]
        else:
            decl = a.resolve(use)
            if decl is not None:
                text = hover_decl(a, decl)
            elif use.kind == "any":
                text = f"`{use.name}`: nothing of this name is declared"
            else:
                text = f"`{use.name}`: no {use.kind} of this name is declared"
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value=text), range=rng)
    word, start, end = _word_at(a.text, offset)
    if word in KEYWORD_DOCS and not _in_comment_or_string(a.text, start):
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value=KEYWORD_DOCS[word]),
                         range=a.lines.range(start, end))
    return None


def _in_comment_or_string(text: str, offset: int) -> bool:
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    prefix = text[line_start:offset]
    stripped = re.sub(r'"(\\.|[^"\\])*"', "", prefix)
    return "#" in stripped or stripped.count('"') % 2 == 1


# --------------------------------------------------------------------------- completion


def _in_block(text: str, offset: int) -> bool:
    """Whether ``offset`` is inside a scenario block (braces counted outside comments
    and strings)."""
    depth = 0
    for line in re.split(r"\r\n|\r|\n", text[:offset]):
        line = re.sub(r'"(\\.|[^"\\])*"?', '""', line)
        line = line.split("#", 1)[0]
        depth += line.count("{") - line.count("}")
        depth = max(depth, 0)
    return depth > 0


def _item(label: str, kind, detail: str | None = None, doc: str | None = None,
          snippet: str | None = None, sort: str | None = None) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        label=label, kind=kind, detail=detail,
        documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=doc)
        if doc else None,
        insert_text=snippet, sort_text=sort,
        insert_text_format=lsp.InsertTextFormat.Snippet if snippet else None)


def _names(a: Analysis, *kinds: str) -> list[lsp.CompletionItem]:
    items = []
    seen = set()
    for d in a.names(*kinds):
        if d.name in seen:
            continue
        seen.add(d.name)
        label = getattr(d.node, "label", None)
        items.append(_item(d.name, COMPLETION_KINDS[d.kind],
                           detail=d.kind + (f' "{label.value}"' if label else ""),
                           sort=f"0{d.name}"))
    return items


STATEMENT_SNIPPETS = {
    "persona": "persona ${1:name} \"${2:Label}\" share=${3:50%} baseline=${4:7}",
    "stage": "stage ${1:Name} \"${2:Label}\" advance=${3:50%}",
    "event": "event ${1:name} \"${2:Label}\" p=${3:10%} impact=${4:-1} at ${5:Stage}",
    "scenario": "scenario ${1:name} \"${2:Label}\" cost=${3:0} {\n  $0\n}",
    "target": "target ${1|nps,csat,mean,conversion,revenue|} ${2|>=,>,<=,<|} ${3:0}",
    "sweep": "sweep ${1:event}.${2:p} from ${3:0%} to ${4:20%} step ${5:5%}",
}


def _keywords(words) -> list[lsp.CompletionItem]:
    out = []
    for w in words:
        out.append(_item(w, lsp.CompletionItemKind.Keyword, doc=KEYWORD_DOCS.get(w),
                         snippet=STATEMENT_SNIPPETS.get(w), sort=f"1{w}"))
    return out


def _attribute_items(kind: str, present: set[str]) -> list[lsp.CompletionItem]:
    return [_item(f"{name}=", lsp.CompletionItemKind.Property, doc=ATTRIBUTE_DOCS[name],
                  snippet=f"{name}=$0", sort=f"0{name}")
            for name in ATTRIBUTES_OF[kind] if name not in present]


def complete(a: Analysis, offset: int) -> list[lsp.CompletionItem]:
    text = a.text
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    prefix = text[line_start:offset]
    if _in_comment_or_string(text, offset):
        return []
    words = prefix.split()
    first = words[0] if words else ""
    in_block = _in_block(text, line_start)

    # a path: NAME.attr[persona]
    m = re.search(r"([A-Za-z_]\w*)\.(\w*)\[(\w*)$", prefix)
    if m:
        return _names(a, "persona")
    m = re.search(r"([A-Za-z_]\w*)\.(\w*)$", prefix)
    if m:
        decl = a.resolve(Use(m.group(1), Span(a.path, 0, 0, 0, 0), "any"))
        kinds = [decl.kind] if decl else ["event", "stage", "persona"]
        return [_item(attr, lsp.CompletionItemKind.Property, doc=ATTRIBUTE_DOCS[attr])
                for k in kinds for attr in ATTRIBUTES_OF[k]]
    # a value after attr= (or path = in a scenario)
    m = re.search(r"\b(\w+)(\[\w*\])?\s*=\s*[\w.+-]*$", prefix)
    if m and first != "target":
        if m.group(1) in ("impact", "baseline"):
            return [_item(name, lsp.CompletionItemKind.Function, doc=doc, snippet=snip)
                    for name, (snip, doc) in DISTRIBUTIONS.items()]
        return []

    # the first word of a line
    if len(words) == 0 or (len(words) == 1 and not prefix[-1:].isspace()):
        if in_block:
            return _keywords(["event", "remove", "for"]) + _names(a, "event", "stage",
                                                                  "persona")
        return _keywords(["journey", "scale", "customers", "seed", "import", "persona",
                          "stage", "goal", "event", "for", "target", "scenario", "sweep"])
    typing = not prefix[-1:].isspace()
    n_done = len(words) - (1 if typing else 0)   # words complete before the cursor
    last_done = words[n_done - 1] if n_done else ""

    if first == "for" and n_done == 1:
        return _names(a, "persona")
    if first in ("goal",) and n_done == 1:
        return _names(a, "stage")
    if first == "remove" and n_done == 1:
        return _names(a, "event")
    if first == "sweep" and n_done == 1:
        return _names(a, "event", "stage", "persona")
    if first == "sweep" and n_done == 2:
        return _keywords(["from", "in"])
    if first == "target":
        if n_done == 1:
            return [_item(m_, lsp.CompletionItemKind.EnumMember, doc=METRIC_DOCS[m_])
                    for m_ in METRICS]
        if n_done == 2:
            return [_item(op, lsp.CompletionItemKind.Operator) for op in
                    (">=", ">", "<=", "<")]
        if n_done == 4:
            return _keywords(["for"])
        if n_done == 5 and last_done == "for":
            return _names(a, "persona")
        return []
    if first == "scenario":
        if last_done == "extends" or (n_done >= 3 and re.search(r"\bextends\b[\w\s,]*$",
                                                                 prefix)
                                      and prefix.rstrip().endswith(",")):
            return _names(a, "scenario")
        if n_done >= 2 and "{" not in prefix:
            items = []
            if "extends" not in words:
                items += _keywords(["extends"])
            return items + _attribute_items("scenario", set())
        return []
    if first == "event":
        if last_done == "at":
            return _names(a, "stage")
        if "when" in words[:n_done]:
            if last_done in ("when", "and", "or", "not") or last_done.endswith("("):
                return _names(a, "event") + _keywords(["not", "score"])
            if last_done == "score":
                return [_item(op, lsp.CompletionItemKind.Operator) for op in
                        ("<", "<=", ">", ">=", "==", "!=")]
            return _keywords(["and", "or"])
        if "at" in words[:n_done]:
            return _keywords(["when"]) if n_done >= 3 and words[n_done - 2] == "at" else []
        if n_done >= 2:
            present = {w.split("=")[0] for w in words[:n_done] if "=" in w}
            return _attribute_items("event", present) + _keywords(["at"])
        return []
    if first in ("persona", "stage") and n_done >= 2:
        present = {w.split("=")[0] for w in words[:n_done] if "=" in w}
        return _attribute_items(first, present)
    if first == "for" and n_done >= 2:
        owner = _owner_kind(a, line_start)
        present = {w.split("=")[0] for w in words[:n_done] if "=" in w}
        return _attribute_items(owner, present) if owner else []
    return []


def _owner_kind(a: Analysis, line_start: int) -> str | None:
    """The kind of declaration a ``for`` line at ``line_start`` belongs to."""
    before = a.text[:line_start]
    for line in reversed(re.split(r"\r\n|\r|\n", before)):
        word = line.split("#", 1)[0].split()
        if not word or word[0] == "for":
            continue
        return word[0] if word[0] in ("stage", "event") else None
    return None


# ------------------------------------------------------------------- symbols and edits


def _statement_range(a: Analysis, s) -> lsp.Range:
    end = s.span.end
    for c in getattr(s, "overrides", ()):
        end = max(end, c.span.end)
    return a.lines.range(s.span.start, end)


def document_symbols(a: Analysis) -> list[lsp.DocumentSymbol]:
    out = []
    if a.module is None:
        return out

    def sym(name, kind, node, sel_span, detail=None, children=None):
        return lsp.DocumentSymbol(name=name or "?", kind=kind, detail=detail,
                                  range=_statement_range(a, node),
                                  selection_range=a.lines.span_range(sel_span),
                                  children=children)

    for s in a.module.statements:
        if isinstance(s, ast.Journey):
            out.append(sym(s.title.value, lsp.SymbolKind.File, s, s.title.span, "journey"))
        elif isinstance(s, ast.Import):
            out.append(sym(s.path.value, lsp.SymbolKind.File, s, s.path.span, "import"))
        elif isinstance(s, ast.Persona):
            out.append(sym(s.name.text, SYMBOL_KINDS["persona"], s, s.name.span,
                           s.label.value if s.label else "persona"))
        elif isinstance(s, ast.Stage):
            out.append(sym(s.name.text, SYMBOL_KINDS["stage"], s, s.name.span,
                           s.label.value if s.label else "stage"))
        elif isinstance(s, ast.Event):
            out.append(sym(s.name.text, SYMBOL_KINDS["event"], s, s.name.span,
                           f"at {s.stage.text}"))
        elif isinstance(s, ast.Goal):
            out.append(sym(f"goal {s.stage.text}", lsp.SymbolKind.Key, s, s.stage.span))
        elif isinstance(s, ast.Target):
            tail = f" for {s.persona.text}" if s.persona else ""
            out.append(sym(f"{s.metric.text} {s.op} {s.threshold.raw}{tail}",
                           lsp.SymbolKind.Constant, s, s.metric.span, "target"))
        elif isinstance(s, ast.Scenario):
            children = []
            for item in s.items:
                if isinstance(item, ast.Assign):
                    children.append(sym(f"{item.path} = {value_text(item.value)}",
                                        lsp.SymbolKind.Property, item, item.path.span))
                elif isinstance(item, ast.Remove):
                    children.append(sym(f"remove {item.event.text}", lsp.SymbolKind.Operator,
                                        item, item.event.span))
                else:
                    children.append(sym(item.name.text, SYMBOL_KINDS["event"], item,
                                        item.name.span, f"at {item.stage.text}"))
            out.append(sym(s.name.text, SYMBOL_KINDS["scenario"], s, s.name.span,
                           s.label.value if s.label else "scenario", children))
        elif isinstance(s, (ast.SweepRange, ast.SweepList)):
            out.append(sym(f"sweep {s.path}", lsp.SymbolKind.Array, s, s.path.span))
    return out


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
    decls = a.decls()
    decls.update(idx.decls)
    if use.kind in KINDS:
        return decls.get((use.kind, use.name))
    for kind in ("event", "stage", "persona"):
        if (kind, use.name) in decls:
            return decls[(kind, use.name)]
    return None


def folding_ranges(a: Analysis) -> list[lsp.FoldingRange]:
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


# ------------------------------------------------------------------------------- server


class CxjLanguageServer(LanguageServer):
    """The cxdsl language server: document state, debouncing and the features."""

    def __init__(self, debounce: float | None = None):
        super().__init__("cxdsl", __version__,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        env = os.environ.get("CXDSL_LSP_DEBOUNCE")
        self.debounce = debounce if debounce is not None else (
            float(env) if env else DEFAULT_DEBOUNCE)
        self.analyses: dict[str, Analysis] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}

    # state ---------------------------------------------------------------
    @property
    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding or "utf-16")
        except Exception:
            return "utf-16"

    def analysis(self, uri: str) -> Analysis:
        doc = self.workspace.get_text_document(uri)
        text = doc.source
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == doc.version and cached.text == text:
            return cached
        fresh = analyze(uri, doc.version, text, self.encoding, cached)
        self.analyses[uri] = fresh
        return fresh

    def publish(self, uri: str) -> None:
        self.timers.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        a = self.analysis(uri)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=a.version, diagnostics=lsp_diagnostics(a)))

    def schedule(self, uri: str) -> None:
        old = self.timers.pop(uri, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self.timers[uri] = loop.call_later(self.debounce, self.guard_call, self.publish, uri)

    def guard_call(self, fn: Callable, *args) -> None:
        try:
            fn(*args)
        except Exception:
            self.report_crash(getattr(fn, "__name__", "task"))

    def report_crash(self, what: str) -> None:
        message = f"cxdsl lsp: {what} failed:\n{traceback.format_exc()}"
        log.error(message)
        try:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error,
                                                         message=message))
        except Exception:
            pass


def lsp_diagnostics(a: Analysis) -> list[lsp.Diagnostic]:
    out = []
    imports = a.index.imports
    for d in a.diagnostics:
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        span = d.span
        if span is not None and span.path == a.path:
            rng = a.lines.span_range(span)
        else:
            # a problem in an imported file: show it on the import that leads there
            target = None
            if span is not None:
                for imp in imports:
                    base = os.path.dirname(a.path) if os.path.isabs(a.path) else os.getcwd()
                    if os.path.realpath(os.path.join(base, imp.path.value)) == \
                            os.path.realpath(span.path):
                        target = imp
                        break
                target = target or (imports[0] if imports else None)
                message = f"{span.path}:{span.line}:{span.col}: {message}"
            rng = (a.lines.span_range(target.span) if target is not None
                   else lsp.Range(start=lsp.Position(line=0, character=0),
                                  end=lsp.Position(line=0, character=0)))
        out.append(lsp.Diagnostic(
            range=rng, message=message, source="cxdsl", code=d.code,
            severity=lsp.DiagnosticSeverity.Error if d.is_error
            else lsp.DiagnosticSeverity.Warning))
    return out


def _guard(server: CxjLanguageServer, default=None):
    """Answer ``default`` (and log the traceback) when a handler raises; protocol errors
    meant for the client pass through."""
    def wrap(fn):
        @functools.wraps(fn)
        def inner(params):
            try:
                return fn(params)
            except JsonRpcException:
                raise
            except Exception:
                server.report_crash(fn.__name__)
                return default
        return inner
    return wrap


def build_server(debounce: float | None = None) -> CxjLanguageServer:
    server = CxjLanguageServer(debounce)
    guard = functools.partial(_guard, server)

    @server.feature(lsp.INITIALIZE)
    @guard()
    def initialize(params: lsp.InitializeParams):
        opts = params.initialization_options
        if isinstance(opts, dict) and isinstance(opts.get("debounce"), (int, float)):
            server.debounce = max(0.0, float(opts["debounce"]))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @guard()
    def did_open(params: lsp.DidOpenTextDocumentParams):
        server.publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @guard()
    def did_change(params: lsp.DidChangeTextDocumentParams):
        server.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    @guard()
    def did_save(params: lsp.DidSaveTextDocumentParams):
        uri = params.text_document.uri
        server.publish(uri)
        saved = _path_of(uri)
        for other, a in list(server.analyses.items()):
            if other != uri and saved and any(os.path.realpath(p) == os.path.realpath(saved)
                                              for p in a.sources):
                server.analyses.pop(other, None)
                server.schedule(other)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @guard()
    def did_close(params: lsp.DidCloseTextDocumentParams):
        uri = params.text_document.uri
        timer = server.timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        server.analyses.pop(uri, None)
        server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def at(params) -> tuple[Analysis, int]:
        a = server.analysis(params.text_document.uri)
        return a, a.lines.offset(params.position)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @guard()
    def on_hover(params: lsp.HoverParams):
        a, offset = at(params)
        return hover(a, offset)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=[".", "[", " ", "="]))
    @guard()
    def on_completion(params: lsp.CompletionParams):
        a, offset = at(params)
        return lsp.CompletionList(is_incomplete=False, items=complete(a, offset))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    @guard()
    def on_definition(params: lsp.DefinitionParams):
        a, offset = at(params)
        use = a.index.at(offset)
        if use is not None:
            decl = a.resolve(use)
            return a.location(decl.path, decl.span) if decl else None
        for imp in a.index.imports:  # an import's path opens the file
            if imp.path.span.start <= offset <= imp.path.span.end:
                base = os.path.dirname(a.path) if os.path.isabs(a.path) else os.getcwd()
                target = os.path.realpath(os.path.join(base, imp.path.value))
                if os.path.isfile(target):
                    zero = lsp.Position(line=0, character=0)
                    return lsp.Location(uri=from_fs_path(target),
                                        range=lsp.Range(start=zero, end=zero))
        return None

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    @guard()
    def on_references(params: lsp.ReferenceParams):
        a, offset = at(params)
        use = a.index.at(offset)
        decl = a.resolve(use) if use else None
        if decl is None:
            return None
        include = params.context.include_declaration if params.context else True
        out = []
        for path, u in occurrences(a, decl):
            if u.is_decl and not include:
                continue
            loc = a.location(path, u.span)
            if loc is not None:
                out.append(loc)
        return out

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    @guard()
    def on_highlight(params: lsp.DocumentHighlightParams):
        a, offset = at(params)
        use = a.index.at(offset)
        decl = a.resolve(use) if use else None
        if decl is None:
            return None
        return [lsp.DocumentHighlight(
                    range=a.lines.span_range(u.span),
                    kind=lsp.DocumentHighlightKind.Write if u.is_decl
                    else lsp.DocumentHighlightKind.Read)
                for path, u in occurrences(a, decl) if path == a.path]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    @guard()
    def on_prepare_rename(params: lsp.PrepareRenameParams):
        a, offset = at(params)
        use = a.index.at(offset)
        if use is None or a.resolve(use) is None:
            return None
        return a.lines.span_range(use.span)

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    @guard()
    def on_rename(params: lsp.RenameParams):
        a, offset = at(params)
        use = a.index.at(offset)
        decl = a.resolve(use) if use else None
        if decl is None:
            return None
        new = params.new_name
        if not NAME_RE.fullmatch(new):
            raise JsonRpcInvalidParams(f"'{new}' is not a name: use letters, digits and _, "
                                       "not starting with a digit")
        if new in parser.keywords():
            raise JsonRpcInvalidParams(f"'{new}' is a keyword of the language")
        if new != decl.name:
            space = ("scenario",) if decl.kind == "scenario" else ("persona", "stage",
                                                                   "event")
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

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @guard()
    def on_symbols(params: lsp.DocumentSymbolParams):
        return document_symbols(server.analysis(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    @guard()
    def on_folding(params: lsp.FoldingRangeParams):
        return folding_ranges(server.analysis(params.text_document.uri))

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    @guard()
    def on_formatting(params: lsp.DocumentFormattingParams):
        a = server.analysis(params.text_document.uri)
        try:
            new = format_text(a.text, a.path)
        except CompileError as exc:
            n = len([d for d in exc.diagnostics if d.is_error])
            server.window_show_message(lsp.ShowMessageParams(
                type=lsp.MessageType.Warning,
                message=f"cxdsl: cannot format: {n} syntax error{'s' if n != 1 else ''}"))
            return None
        except FormatError as exc:
            server.window_show_message(lsp.ShowMessageParams(
                type=lsp.MessageType.Error,
                message=f"cxdsl: formatting stopped by its safety check: {exc}"))
            return None
        return text_edits(a.text, new) if new != a.text else []

    return server


def main(debounce: float | None = None) -> None:
    """Serve on standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="cxdsl lsp: %(message)s")
    build_server(debounce).start_io()


__all__ = ["Analysis", "CxjLanguageServer", "LineIndex", "analyze", "build_server",
           "complete", "document_symbols", "hover", "main", "text_edits"]
