"""Hovers: what a name declares (with the numbers of the compiled model when the file
compiles, else what its declaration says), and a doc line for every attribute, metric,
distribution and keyword."""

from __future__ import annotations

import os

from lsprotocol import types as lsp

from ...lang import ast
from ...model import ir
from ..formatter import cond_text, value_text
from .index import Analysis, Decl
from .positions import in_comment_or_string
from .uncertain import entries, line_hover, notes
from .vocabulary import (
    ATTRIBUTE_DOCS,
    DISTRIBUTIONS,
    KEYWORD_DOCS,
    METRIC_DOCS,
    METRICS,
    dist_text,
    number_text,
    percent_text,
)


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
    """The Markdown hover of a declaration, noting the file it comes from when imported."""
    where = "" if decl.path == a.path else f"\n\n*declared in {os.path.basename(decl.path)}*"
    describe = {"event": _event_text, "persona": _persona_text, "stage": _stage_text,
                "survey": _survey_text}.get(decl.kind, _scenario_text)
    extra = (notes(a, decl.name) if decl.kind in ("event", "stage", "persona")
             and decl.scenario is None else [])
    return describe(a.model, decl) + "\n".join(["", *extra] if extra else []) + where


def _survey_text(model: ir.Model | None, decl: Decl) -> str:
    node = decl.node
    lines = [f"**survey** `{decl.name}`{_label(node.label)}", ""]
    if node.stage is None:
        lines.append("asked at end: everyone who entered, when they leave the journey or "
                     "complete it")
    else:
        lines.append(f"asked at stage `{node.stage.text}`: everyone who reaches it, at the "
                     "end of the stage")
    if model is not None and model.surveys:
        headline = model.headline_survey.name
        lines.append("the headline survey (bare nps, csat and mean targets)"
                     if headline == decl.name else f"not the headline: that is `{headline}`")
    return "\n".join(lines)


def _implicit_survey_text(model: ir.Model | None) -> str | None:
    """The hover of ``customers`` in a target of a journey that declares no survey."""
    if model is None or model.surveys:
        return None
    return (f"**survey** `{ir.IMPLICIT_SURVEY}` (implicit)\n\nasked at the goal stage "
            f"`{model.goal}`: the converted customers; the headline survey")


def _event_text(model: ir.Model | None, decl: Decl) -> str:
    node = decl.node
    head = f"**event** `{decl.name}`{_label(node.label)}"
    ev = None
    if model is not None and decl.scenario is None:
        ev = next((e for e in model.events if e.name == decl.name), None)
    if ev is not None:
        lines = [head, "", f"at stage `{ev.stage}`"
                 + (f", when `{ir.cond_text(ev.when)}`" if ev.when is not None else ""),
                 ""]
        lines += _per_persona(model, {
            "p": tuple(percent_text(p) for p in ev.p),
            "impact": tuple(dist_text(d, signed=True) for d in ev.impact)})
        return "\n".join(lines)
    lines = [head, "", f"at stage `{node.stage.text}`"
             + (f", when `{cond_text(node.when)}`" if node.when is not None else "")]
    if decl.scenario:
        lines.append(f"added by scenario `{decl.scenario}`")
    extra = _ast_attrs(node.attrs, node.overrides)
    return "\n".join(lines + ([""] + extra if extra else []))


def _persona_text(model: ir.Model | None, decl: Decl) -> str:
    node = decl.node
    head = f"**persona** `{decl.name}`{_label(node.label)}"
    p = None
    if model is not None:
        p = next((x for x in model.personas if x.name == decl.name), None)
    if p is not None:
        return "\n".join([head, "", f"share {percent_text(p.share)} of customers (normalised)",
                          f"baseline {dist_text(p.baseline)}",
                          f"value {number_text(p.value)} per converted customer"])
    return "\n".join([head, ""] + _ast_attrs(node.attrs))


def _stage_text(model: ir.Model | None, decl: Decl) -> str:
    node = decl.node
    head = f"**stage** `{decl.name}`{_label(node.label)}"
    if model is not None and any(s.name == decl.name for s in model.stages):
        i = model.stage_index(decl.name)
        st = model.stages[i]
        n = len(model.stages)
        lines = [head, "", f"stage {i + 1} of {n}"
                 + (" · the goal (conversion)" if model.goal == decl.name else "")]
        if i < n - 1:
            lines += [""] + _per_persona(model, {
                "advance": tuple(percent_text(x) for x in st.advance),
                "slope": tuple(number_text(x) for x in st.slope)})
        else:
            lines.append("the last stage: customers here complete the journey")
        return "\n".join(lines)
    return "\n".join([head, ""] + _ast_attrs(node.attrs, node.overrides))


def _scenario_text(model: ir.Model | None, decl: Decl) -> str:
    node = decl.node
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
    return "\n".join(lines)


def _word_at(text: str, offset: int) -> tuple[str, int, int]:
    """The word around ``offset`` (letters, digits and _), with its start and end."""
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    end = offset
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[start:end], start, end


def _name_hover(a: Analysis, use) -> str:
    """The hover of a name that should name a declaration."""
    decl = a.resolve(use)
    if decl is not None:
        return hover_decl(a, decl)
    implicit = (_implicit_survey_text(a.model)
                if use.kind == "survey" and use.name == ir.IMPLICIT_SURVEY else None)
    if implicit is not None:
        return implicit
    if use.kind == "any":
        return f"`{use.name}`: nothing of this name is declared"
    return f"`{use.name}`: no {use.kind} of this name is declared"


def hover(a: Analysis, offset: int) -> lsp.Hover | None:
    """The hover at ``offset``: of the name there, else of the keyword there, else None."""
    use = a.index.at(offset)
    line = a.index.uncertain_at(offset)
    if line is not None and (use is None or use.kind not in ("any", "persona")):
        u = next((u for st, u in entries(a) if st is line), None)
        rng = a.lines.span_range(use.span if use is not None else line.span)
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value=line_hover(a, line, u)), range=rng)
    if use is not None:
        rng = a.lines.span_range(use.span)
        text = None
        if use.kind == "attr":
            text = ATTRIBUTE_DOCS.get(use.name, f"`{use.name}`: not an attribute of "
                                                f"{use.owner or 'anything'}")
            if use.target is not None:
                text += "\n".join(["", *notes(a, use.target, use.name, use.persona)])
        elif use.kind == "metric":
            text = METRIC_DOCS.get(use.name, f"`{use.name}`: not a metric "
                                             f"({', '.join(METRICS)})")
        elif use.kind == "func":
            text = DISTRIBUTIONS.get(use.name, (None, f"`{use.name}`: not a distribution"))[1]
        else:
            text = _name_hover(a, use)
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value=text), range=rng)
    word, start, end = _word_at(a.text, offset)
    if word in KEYWORD_DOCS and not in_comment_or_string(a.text, start):
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value=KEYWORD_DOCS[word]),
                         range=a.lines.range(start, end))
    return None

