"""Completion: what may be typed at a position, read from the words before it on its line
(the statement being typed, how many of its words are done) and from the declarations the
document can see."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lsprotocol import types as lsp

from ...lang.diagnostics import Span
from ...lang.vocabulary import SURVEY_METRICS, uncertain_forms
from ...model import ir
from ...model.attributes import ATTRIBUTES
from .index import Analysis, Use
from .positions import in_comment_or_string
from .uncertain import distribution_snippets
from .vocabulary import (
    ATTRIBUTE_DOCS,
    ATTRIBUTES_OF,
    DISTRIBUTIONS,
    KEYWORD_DOCS,
    METRIC_DOCS,
    METRICS,
)

COMPLETION_KINDS = {
    "persona": lsp.CompletionItemKind.Class, "stage": lsp.CompletionItemKind.Module,
    "event": lsp.CompletionItemKind.Event, "scenario": lsp.CompletionItemKind.Struct,
    "survey": lsp.CompletionItemKind.Variable,
}

STATEMENT_SNIPPETS = {
    "persona": "persona ${1:name} \"${2:Label}\" share=${3:50%} baseline=${4:7}",
    "stage": "stage ${1:Name} \"${2:Label}\" advance=${3:50%}",
    "event": "event ${1:name} \"${2:Label}\" p=${3:10%} impact=${4:-1} at ${5:Stage}",
    "scenario": "scenario ${1:name} \"${2:Label}\" cost=${3:0} {\n  $0\n}",
    "survey": "survey ${1:name} \"${2:Label}\" at ${3:Stage}",
    "volume": "volume ${1:40_000} per ${2|year,quarter,month,week,day|}",
    "target": "target ${1|nps,csat,mean,conversion,revenue|} ${2|>=,>,<=,<|} ${3:0}",
    "sweep": "sweep ${1:event}.${2:p} from ${3:0%} to ${4:20%} step ${5:5%}",
    "uncertain": "uncertain ${1:demo_glitch}.${2:p} ~ beta(${3:5}, ${4:95})",
    "worlds": "worlds ${1:200}",
}


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


@dataclass
class _Line:
    """The line being typed, up to the cursor."""

    prefix: str          # its text up to the cursor
    words: list[str]     # the words of ``prefix``
    n_done: int          # how many words are complete before the cursor
    start: int           # the offset where the line starts

    @property
    def first(self) -> str:
        return self.words[0] if self.words else ""

    @property
    def last_done(self) -> str:
        return self.words[self.n_done - 1] if self.n_done else ""

    def present(self) -> set[str]:
        """The attributes already given on the line."""
        return {w.split("=")[0] for w in self.words[:self.n_done] if "=" in w}


def complete(a: Analysis, offset: int) -> list[lsp.CompletionItem]:
    """The completion items at ``offset``, best first by their sort text."""
    text = a.text
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    prefix = text[line_start:offset]
    if in_comment_or_string(text, offset):
        return []
    words = prefix.split()
    first = words[0] if words else ""
    in_block = _in_block(text, line_start)
    inline = _complete_path_or_value(a, prefix, first)
    if inline is not None:
        return inline
    # the first word of a line
    if len(words) == 0 or (len(words) == 1 and not prefix[-1:].isspace()):
        if in_block:
            return _keywords(["event", "remove", "for"]) + _names(a, "event", "stage",
                                                                  "persona")
        return _keywords(["journey", "scale", "customers", "seed", "volume", "import",
                          "persona", "stage", "goal", "survey", "event", "for", "target",
                          "scenario", "sweep", "uncertain", "worlds"])
    typing = not prefix[-1:].isspace()
    line = _Line(prefix, words, len(words) - (1 if typing else 0), line_start)
    statement = _STATEMENTS.get(first)
    return statement(a, line) if statement else []


def _complete_path_or_value(a: Analysis, prefix: str,
                            first: str) -> list[lsp.CompletionItem] | None:
    """Items inside a path (``NAME.attr[persona]``) or a value after ``attr=`` (or after
    ``path =`` in a scenario); None elsewhere."""
    if first == "uncertain" and "~" in prefix:
        return _uncertain_value_items(a, prefix)
    m = re.search(r"([A-Za-z_]\w*)\.(\w*)\[(\w*)$", prefix)
    if m:
        return _names(a, "persona")
    m = re.search(r"([A-Za-z_]\w*)\.(\w*)$", prefix)
    if m and first == "target":
        return _metric_items(SURVEY_METRICS)
    if m:
        decl = a.resolve(Use(m.group(1), Span(a.path, 0, 0, 0, 0), "any"))
        kinds = [decl.kind] if decl else ["event", "stage", "persona"]
        return [_item(attr, lsp.CompletionItemKind.Property, doc=ATTRIBUTE_DOCS[attr])
                for k in kinds for attr in ATTRIBUTES_OF[k]]
    m = re.search(r"\b(\w+)(\[\w*\])?\s*=\s*[\w.+-]*$", prefix)
    if m and first != "target":
        if m.group(1) in ("impact", "baseline"):
            return [_item(name, lsp.CompletionItemKind.Function, doc=doc, snippet=snip)
                    for name, (snip, doc) in DISTRIBUTIONS.items()]
        return []
    return None


def _for_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    if line.n_done == 1:
        return _names(a, "persona")
    owner = _owner_kind(a, line.start)
    return _attribute_items(owner, line.present()) if owner else []


def _goal_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    return _names(a, "stage") if line.n_done == 1 else []


def _remove_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    return _names(a, "event") if line.n_done == 1 else []


def _sweep_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    if line.n_done == 1:
        return _names(a, "event", "stage", "persona")
    if line.n_done == 2:
        return _keywords(["from", "in"])
    return []


_UNCERTAIN_VALUE = re.compile(r"\s*uncertain\s+(\w+)\s*\.\s*(\w+)\s*(?:\[\s*(\w*)\s*\])?"
                              r"\s*~\s*(\w*)$")


def _uncertain_path_items(a: Analysis) -> list[lsp.CompletionItem]:
    """The paths an ``uncertain`` line may name, those not uncertain yet first; the last
    stage's attributes left out (nobody advances past it)."""
    taken = {str(st.path) for st in a.index.uncertain}
    stages = [d.name for d in a.names("stage")]
    items = []
    for d in a.names("event", "stage", "persona"):
        if d.scenario is not None or (d.kind == "stage" and stages and d.name == stages[-1]):
            continue
        for attr in ATTRIBUTES_OF[d.kind]:
            path = f"{d.name}.{attr}"
            items.append(_item(path, lsp.CompletionItemKind.Field, detail=f"{d.kind} {attr}",
                               doc=ATTRIBUTE_DOCS[attr],
                               sort=("1" if path in taken else "0") + path))
    return items


def _uncertain_value_items(a: Analysis, prefix: str) -> list[lsp.CompletionItem]:
    """After ``uncertain PATH ~``: the distributions that fit the path's attribute, the
    usual one first (beta for a probability), with valid numbers as placeholders."""
    m = _UNCERTAIN_VALUE.match(prefix)
    if not m:
        return []
    decl = a.resolve(Use(m.group(1), Span(a.path, 0, 0, 0, 0), "any"))
    if decl is None or m.group(2) not in ATTRIBUTES.get(decl.kind, {}):
        return [_item(name, lsp.CompletionItemKind.Function, doc=doc, snippet=snip)
                for name, (snip, doc) in DISTRIBUTIONS.items()]
    path = ir.PathRef(decl.kind, decl.name, m.group(2), m.group(3) or None)
    forms = uncertain_forms(ATTRIBUTES[decl.kind][path.attr].kind)
    return [_item(name, lsp.CompletionItemKind.Function, detail=text,
                  doc=DISTRIBUTIONS[name][1], snippet=snip, sort=f"0{i}")
            for i, (name, snip, text) in enumerate(distribution_snippets(a, path, forms))]


def _uncertain_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    if line.n_done == 1:
        return _uncertain_path_items(a)
    if line.n_done == 2:
        return [_item("~", lsp.CompletionItemKind.Operator,
                      doc="`~` reads 'is drawn from': a distribution follows")]
    return []


def _metric_items(metrics) -> list[lsp.CompletionItem]:
    return [_item(m_, lsp.CompletionItemKind.EnumMember, doc=METRIC_DOCS[m_])
            for m_ in metrics]


def _survey_names(a: Analysis) -> list[lsp.CompletionItem]:
    """The surveys a target may name: the declared ones, or the implicit one."""
    declared = _names(a, "survey")
    if declared:
        return declared
    return [_item(ir.IMPLICIT_SURVEY, COMPLETION_KINDS["survey"],
                  detail="survey (implicit, at the goal stage)", sort=f"0{ir.IMPLICIT_SURVEY}")]


def _survey_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    if line.last_done == "at":
        return _names(a, "stage") + _keywords(["end"])
    if line.n_done >= 2 and "at" not in line.words[:line.n_done]:
        return _keywords(["at"])
    return []


def _volume_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    if line.n_done == 2:
        return _keywords(["per"])
    if line.n_done == 3 and line.last_done == "per":
        return [_item(p, lsp.CompletionItemKind.EnumMember, sort=f"0{i}")
                for i, p in enumerate(ir.PERIODS)]
    return []


def _target_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    n_done = line.n_done
    if n_done == 1:
        return _metric_items(METRICS) + _survey_names(a)
    if n_done == 2:
        return [_item(op, lsp.CompletionItemKind.Operator) for op in
                (">=", ">", "<=", "<")]
    if n_done == 4:
        return _keywords(["for"])
    if n_done == 5 and line.last_done == "for":
        return _names(a, "persona")
    return []


def _scenario_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    prefix, n_done = line.prefix, line.n_done
    if line.last_done == "extends" or (n_done >= 3 and re.search(r"\bextends\b[\w\s,]*$",
                                                                  prefix)
                                       and prefix.rstrip().endswith(",")):
        return _names(a, "scenario")
    if n_done >= 2 and "{" not in prefix:
        items = []
        if "extends" not in line.words:
            items += _keywords(["extends"])
        return items + _attribute_items("scenario", set())
    return []


def _event_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    words, n_done, last_done = line.words, line.n_done, line.last_done
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
        return _attribute_items("event", line.present()) + _keywords(["at"])
    return []


def _declaration_items(a: Analysis, line: _Line) -> list[lsp.CompletionItem]:
    """The attributes of a persona or a stage not yet given on its line."""
    return _attribute_items(line.first, line.present()) if line.n_done >= 2 else []


#: The items after the first word of a statement, by that word.
_STATEMENTS = {
    "for": _for_items, "goal": _goal_items, "remove": _remove_items, "sweep": _sweep_items,
    "target": _target_items, "scenario": _scenario_items, "event": _event_items,
    "persona": _declaration_items, "stage": _declaration_items, "survey": _survey_items,
    "volume": _volume_items, "uncertain": _uncertain_items,
}


def _owner_kind(a: Analysis, line_start: int) -> str | None:
    """The kind of declaration a ``for`` line at ``line_start`` belongs to."""
    before = a.text[:line_start]
    for line in reversed(re.split(r"\r\n|\r|\n", before)):
        word = line.split("#", 1)[0].split()
        if not word or word[0] == "for":
            continue
        return word[0] if word[0] in ("stage", "event") else None
    return None

