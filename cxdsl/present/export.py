"""Exports of a journey for other tools: a Mermaid ``journey`` diagram and a Graphviz DOT
graph (both from the checked model alone), plus the helpers the HTML report shares with
them (the sign of an event, the dependencies between events).

Mermaid (``cxdsl export FILE --to mermaid``)
--------------------------------------------

A Mermaid `user journey <https://mermaid.js.org/syntax/userJourney.html>`_, which GitHub
renders inside a fenced ```` ```mermaid ```` block of any Markdown file:

* ``title`` is the journey's title (or the file name);
* one ``section`` per stage, in order, named by the stage's label (or its name);
* one task per event, in declaration order, named by the event's label (or its name)
  followed by its probability, e.g. ``Demo stops on a technical glitch (5%)`` (no
  probability when it is 100%);
* the actors of a task are the personas the event can happen to (p > 0), by label. When
  personas differ in p, or in the score below, the event becomes one task per group of
  personas that share both, each with its own probability; personas with p = 0 are in
  no task, and an event with p = 0 for everyone has none;
* a stage without events (that can happen) gets one neutral task, ``no moments of
  truth``, so that its section still shows;
* each survey is a neutral task (score 3, every persona: everyone who gets there is
  asked) after the events of the stage it asks at, ``survey LABEL (NAME)`` (``headline
  survey …`` for the headline one, the implicit ``customers`` survey included); the
  surveys ``at end`` get a last section, ``at end``, after the last stage's.

Mermaid scores a task from 1 (a bad moment) to 5 (a great one). The score comes from the
mean of the event's impact for the persona, expressed in points of a 0..10 scale
(``u = mean impact × 10 / (HI − LO)``, so the mapping means the same on a 1..5 scale):

======  ========================  ===============================
score   u (0..10 points)          reads as
======  ========================  ===============================
1       u ≤ −2                    a strongly negative moment
2       −2 < u ≤ −0.25            a negative moment
3       −0.25 < u < 0.25          neutral (including impact 0)
4       0.25 ≤ u < 2              a positive moment
5       u ≥ 2                     a strongly positive moment
======  ========================  ===============================

Conditions (``when ...``) are not shown in the Mermaid diagram, whose syntax has no place
for them; the DOT graph draws them.

An uncertain value (``uncertain PATH ~ DIST``) is shown with the range of 95% of its draws
(the distribution's 2.5% and 97.5% points): a task's probability reads ``(5%, uncertain
1.06%–11.7%)`` (shown even when p is 100%), an uncertain impact adds ``impact uncertain``
and its range, and a stage's section name adds ``advance uncertain`` and its range. A
persona-specific value (``e.p[smb]``) marks that persona's task only.

Mermaid's journey syntax cannot take some characters in labels: ``#`` and ``%%`` start
comments, ``:`` separates a task from its score, ``;`` ends a statement, ``,`` separates
actors, and GitHub sanitises anything that looks like HTML. Labels are therefore cleaned:
``:`` and ``;`` become `` -`` and ``,``, ``#`` is dropped, ``%%`` becomes ``%``, ``<`` and
``>`` become ``‹`` and ``›``, control characters become spaces, and runs of spaces shrink
to one. Actors also lose their commas. A task whose cleaned name would start with a
keyword of the syntax (``journey``, ``title``, ``section``, ``accTitle``, ``accDescr``) is
put in quotation marks “…”, and so is one that would start with ``%`` (the journey
lexer reads a line starting with ``%`` as a comment). A label left without a letter or
digit falls back to the declaration's name. Emoji and other text pass through unchanged.

DOT (``cxdsl export FILE --to dot``)
------------------------------------

A Graphviz ``digraph`` laid out left to right: one cluster per stage holding the stage's
node and its events; the stages chained by bold edges labelled with the advance rate (per
persona where personas differ, with the slope when not 0); the goal stage drawn with a
double border. Each event node shows its label, p, impact and condition, and is filled
red for a negative mean impact, green for a positive one, grey for 0. Dashed edges run
from an event to each event whose condition refers to it, labelled ``recovers`` (a
positive event that depends on a negative one), ``compounds`` (same sign), ``when`` or
``unless`` (the reference is negated). Each survey is a note-shaped node in the cluster
of the stage it asks at (its label, name, ``at STAGE`` and who it asks; ``headline
survey`` for the headline one); a survey ``at end`` sits after the last stage, joined to
it by a dotted edge. An uncertain value carries the range of 95% of its draws after it,
``p 5% (1.06%–11.7%)``, ``impact -3 (-4.96–-1.04)``, ``advance 35% (30.3%–39.8%)``, and an
event with an uncertain value has a dashed border. Every label is a double-quoted DOT string with
``\\`` and ``"`` escaped, so no label can break the graph. Render it with
``dot -Tsvg journey.dot -o journey.svg``.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from dataclasses import dataclass

from ..model import ir
from .numbers import fmt_num, fmt_pct

FORMATS = ("mermaid", "dot", "json")

# --------------------------------------------------------------------- shared helpers


def display(decl) -> str:
    """A declaration's human label, or its name."""
    return decl.label if decl.label else decl.name


def dist_text(d: ir.Dist, signed: bool = False) -> str:
    """Source form of a value: ``-3``, ``+1.5``, ``normal(-2, 0.5)``, ``discrete(1: 0.5,
    2: 0.5)``."""
    return d.text(signed=signed)


def mean_impact(model: ir.Model, event: ir.Event) -> float:
    """The share-weighted mean impact of ``event`` over the personas it can happen to
    (over all personas when it can happen to none)."""
    pairs = [(p.share, d.mean()) for p, d, prob in
             zip(model.personas, event.impact, event.p) if prob > 0]
    if not pairs:
        pairs = [(p.share, d.mean()) for p, d in zip(model.personas, event.impact)]
    total = sum(w for w, _ in pairs)
    if total <= 0:
        return sum(m for _, m in pairs) / len(pairs)
    return sum(w * m for w, m in pairs) / total


def sign(x: float, eps: float = 1e-12) -> int:
    return 0 if abs(x) <= eps else (1 if x > 0 else -1)


def event_sign(model: ir.Model, event: ir.Event) -> int:
    """-1, 0 or +1: the sign of the event's share-weighted mean impact."""
    return sign(mean_impact(model, event))


@dataclass(frozen=True)
class Dependency:
    """Event ``target``'s condition refers to event ``source``.

    ``kind``: ``recovery`` (a positive event that depends on a negative one happening),
    ``compounding`` (depends on an event of the same sign happening), ``condition`` (any
    other reference, including negated ones: ``when not X``)."""

    source: str
    target: str
    negated: bool
    kind: str


def _refs_with_polarity(c: ir.Cond | None) -> list[tuple[str, bool]]:
    """(event, negated) for each reference of a condition, in order, first occurrence of
    each (event, polarity) pair only."""
    out: list[tuple[str, bool]] = []

    def walk(node, neg: bool) -> None:
        if isinstance(node, ir.Ref):
            if (node.event, neg) not in out:
                out.append((node.event, neg))
        elif isinstance(node, ir.Not):
            walk(node.operand, not neg)
        elif isinstance(node, (ir.And, ir.Or)):
            for o in node.operands:
                walk(o, neg)

    if c is not None:
        walk(c, False)
    return out


def dependencies(model: ir.Model) -> list[Dependency]:
    """Every reference from an event's condition to another event, in declaration order of
    the dependent event."""
    signs = {e.name: event_sign(model, e) for e in model.events}
    out = []
    for e in model.events:
        for ref, neg in _refs_with_polarity(e.when):
            s, t = signs.get(ref, 0), signs[e.name]
            if neg:
                kind = "condition"
            elif s < 0 < t:
                kind = "recovery"
            elif s != 0 and s == t:
                kind = "compounding"
            else:
                kind = "condition"
            out.append(Dependency(ref, e.name, neg, kind))
    return out


def survey_where(survey: ir.Survey) -> str:
    """Where a survey asks, as the spec says it: ``at STAGE`` or ``at end``."""
    return "at end" if survey.stage is None else f"at {survey.stage}"


def survey_asks(model: ir.Model, survey: ir.Survey) -> str:
    """Who a survey asks, in words: ``converted customers`` (at the goal stage),
    ``customers who reached Evaluation``, or everyone (``at end``)."""
    if survey.stage is None:
        return "every customer, at the end of their journey"
    if survey.stage == model.goal:
        return "converted customers"
    stage = model.stages[model.stage_index(survey.stage)]
    return f"customers who reached {display(stage)}"


def surveys_at(model: ir.Model, stage: str | None) -> list[tuple[ir.Survey, bool]]:
    """(survey, is the headline) for each survey that asks at ``stage`` (None: ``at
    end``), in declaration order."""
    headline = model.headline_survey.name
    return [(v, v.name == headline) for v in model.all_surveys if v.stage == stage]


# --------------------------------------------------------------- uncertain values

#: The middle share of an uncertain value's draws that the exports show the range of.
UNCERTAIN_RANGE = 0.95


def with_scenario(model: ir.Model, name: str | None) -> ir.Model:
    """The baseline with scenario ``name`` applied, as the exports draw it: a path the
    scenario sets is certain there, so its uncertain value goes (for the personas it sets,
    when it sets some)."""
    if name is None:
        return model
    changes = ir.scenario_changes(model, name)
    kept: list[ir.Uncertain] = []
    for u in model.uncertain:
        p = u.path
        if any(isinstance(c, ir.RemoveEvent) and c.name == p.target for c in changes):
            continue
        set_for = {c.path.persona for c in changes if isinstance(c, ir.SetAttr)
                   and (c.path.target, c.path.attr) == (p.target, p.attr)}
        if None in set_for or p.persona in set_for:
            continue
        if set_for:  # every persona's value, set for some: uncertain for the others
            kept += [ir.Uncertain(ir.PathRef(p.kind, p.target, p.attr, q.name), u.dist)
                     for q in model.personas if q.name not in set_for
                     and not any(v.path == ir.PathRef(p.kind, p.target, p.attr, q.name)
                                 for v in model.uncertain)]
            continue
        kept.append(u)
    return dataclasses.replace(ir.with_scenario(model, name), uncertain=tuple(kept))


def uncertain_range(model: ir.Model, target: str, attr: str, persona: str | None = None
                    ) -> tuple[float, float] | None:
    """The range of 95% of the draws of the value ``target.attr`` has for ``persona`` in a
    forecast (its persona's own uncertain value, else the every-persona one), or None when
    it is certain."""
    found = [u for u in model.uncertain if (u.path.target, u.path.attr) == (target, attr)
             and u.path.persona in (persona, None)]
    if not found:
        return None
    u = max(found, key=lambda v: v.path.persona is not None)  # a persona's own comes first
    tail = (1.0 - UNCERTAIN_RANGE) / 2
    return u.dist.quantile(tail), u.dist.quantile(1.0 - tail)


def range_number(x: float, signed: bool = False) -> str:
    """An end of a plain number's range, 3 significant digits: ``-4.96``, ``+1.22``."""
    return f"{x:+.3g}" if signed and x != 0 else f"{x:.3g}"


def uncertain_parts(model: ir.Model, values: tuple, fmt, target: str, attr: str,
                    range_fmt=None) -> list[str]:
    """:func:`per_persona_parts` of a per-persona attribute, each value followed by the
    range of its draws (written by ``range_fmt``, default ``fmt``) when it is uncertain:
    ``["5% (1.06%–11.7%)"]``."""
    range_fmt = range_fmt or fmt
    texts = []
    for p, v in zip(model.personas, values):
        found = uncertain_range(model, target, attr, p.name)
        texts.append(fmt(v) + ("" if found is None else
                               f" ({range_fmt(found[0])}–{range_fmt(found[1])})"))
    return per_persona_parts(model, tuple(texts), str)


def is_uncertain(model: ir.Model, target: str) -> bool:
    """Whether any value of declaration ``target`` is uncertain."""
    return any(u.path.target == target for u in model.uncertain)


def per_persona_parts(model: ir.Model, values: tuple, fmt) -> list[str]:
    """``[fmt(v)]`` when every persona has the same value, else ``["name v", …]``, one
    entry per persona."""
    texts = [fmt(v) for v in values]
    if len(set(texts)) <= 1:
        return texts[:1]
    return [f"{p.name} {t}" for p, t in zip(model.personas, texts)]


def per_persona(model: ir.Model, values: tuple, fmt) -> str:
    """``fmt(v)`` when every persona has the same value, else ``name v, name v``."""
    return ", ".join(per_persona_parts(model, values, fmt))


# ---------------------------------------------------------------------------- Mermaid

_MERMAID_KEYWORDS = ("journey", "title", "section", "acctitle", "accdescr")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def mermaid_text(text: str, *, actor: bool = False) -> str:
    """``text`` cleaned of what Mermaid's journey syntax cannot take (see the module
    docstring). ``actor``: also drop commas, which separate actors."""
    t = _CONTROL.sub(" ", text)
    t = t.replace("#", "").replace(":", " -").replace(";", ",")
    while "%%" in t:
        t = t.replace("%%", "%")
    t = t.replace("<", "‹").replace(">", "›")
    if actor:
        t = t.replace(",", " ")
    return _SPACES.sub(" ", t).strip()


def _mermaid_label(decl, *, actor: bool = False) -> str:
    text = mermaid_text(display(decl), actor=actor)
    return text if re.search(r"\w", text) else decl.name


def _guard_keyword(text: str) -> str:
    # a task line starting with '%' is a comment to Mermaid's journey lexer, not only '%%'
    if text.startswith("%") or text.lower().startswith(_MERMAID_KEYWORDS):
        return f"“{text}”"
    return text


def mermaid_score(impact_mean: float, scale: tuple[int, int]) -> int:
    """Mermaid's 1..5 task score for a mean impact (table in the module docstring)."""
    lo, hi = scale
    u = impact_mean * 10.0 / (hi - lo)
    if u <= -2:
        return 1
    if u <= -0.25:
        return 2
    if u < 0.25:
        return 3
    if u < 2:
        return 4
    return 5


def _actor_names(model: ir.Model) -> list[str]:
    """One distinct Mermaid actor name per persona."""
    names = [_mermaid_label(p, actor=True) for p in model.personas]
    out = []
    for p, n in zip(model.personas, names):
        if names.count(n) > 1 and n != p.name:
            n = f"{n} ({p.name})"
        out.append(n)
    return out


def _mermaid_surveys(model: ir.Model, stage: str | None, actors: list[str]) -> list[str]:
    """The task lines of the surveys that ask at ``stage`` (None: ``at end``): neutral,
    every persona, since everyone who gets there is asked."""
    out = []
    for survey, headline in surveys_at(model, stage):
        name = f"{'headline survey' if headline else 'survey'} {_mermaid_label(survey)}"
        if survey.label:
            name += f" ({survey.name})"
        out.append(f"      {_guard_keyword(name)}: 3: {', '.join(actors)}")
    return out


def to_mermaid(model: ir.Model, title: str | None = None) -> str:
    """The Mermaid ``journey`` diagram of ``model`` (see the module docstring).
    ``title`` is used when the journey has none."""
    actors = _actor_names(model)
    lines = ["journey"]
    heading = mermaid_text(model.title or title or "")
    if heading:
        lines.append(f"    title {heading}")
    for stage in model.stages:
        lines.append(f"    section {_mermaid_label(stage)}{_mermaid_stage_note(model, stage)}")
        lines += _mermaid_event_tasks(model, stage, actors)
        lines += _mermaid_surveys(model, stage.name, actors)
    at_end = _mermaid_surveys(model, None, actors)
    if at_end:
        lines.append("    section at end")
        lines += at_end
    return "\n".join(lines) + "\n"


def _mermaid_stage_note(model: ir.Model, stage: ir.Stage) -> str:
    """`` (advance uncertain 30%–40%)`` after the name of a stage whose advance is
    uncertain (the first persona's range; per-persona ones in the DOT graph)."""
    notes = []
    for attr, fmt in (("advance", fmt_pct), ("slope", range_number)):
        found = [uncertain_range(model, stage.name, attr, p.name) for p in model.personas]
        found = [r for r in found if r is not None]
        if found:
            notes.append(f"{attr} uncertain {fmt(found[0][0])}–{fmt(found[0][1])}")
    return f" ({mermaid_text(', '.join(notes))})" if notes else ""


def _mermaid_task_name(model: ir.Model, e: ir.Event, name: str, p: float,
                       persona: str) -> str:
    """A task's name: the event's, its probability (when not 100% or uncertain), and the
    ranges of its uncertain values."""
    parts = []
    p_range = uncertain_range(model, e.name, "p", persona)
    if p_range is not None:
        parts.append(f"{fmt_pct(p)}, uncertain {fmt_pct(p_range[0])}–{fmt_pct(p_range[1])}")
    elif p != 1:
        parts.append(fmt_pct(p))
    i_range = uncertain_range(model, e.name, "impact", persona)
    if i_range is not None:
        parts.append(f"impact uncertain {range_number(i_range[0], True)}–"
                     f"{range_number(i_range[1], True)}")
    return mermaid_text(f"{name} ({', '.join(parts)})") if parts else name


def _mermaid_event_tasks(model: ir.Model, stage: ir.Stage, actors: list[str]) -> list[str]:
    """The task lines of a stage's events, or the neutral task of a stage without any."""
    lines: list[str] = []
    # personas an event never happens to are no task of it; an event that happens to
    # nobody has no task at all
    events = [e for e in model.events if e.stage == stage.name and any(p > 0 for p in e.p)]
    if not events:
        return [f"      no moments of truth: 3: {', '.join(actors)}"]
    for e in events:
        name = _mermaid_label(e)
        groups: dict[tuple[str, int], list[str]] = {}
        for q, (p, d) in enumerate(zip(e.p, e.impact)):
            if p > 0:
                task = _mermaid_task_name(model, e, name, p, model.personas[q].name)
                groups.setdefault((task, mermaid_score(d.mean(), model.scale)), []).append(
                    actors[q])
        for (task, score), who in groups.items():
            lines.append(f"      {_guard_keyword(task)}: {score}: {', '.join(who)}")
    return lines


def to_markdown(model: ir.Model, title: str | None = None) -> str:
    """The Mermaid diagram in a fenced block, ready to paste into GitHub Markdown."""
    return "```mermaid\n" + to_mermaid(model, title) + "```\n"


# -------------------------------------------------------------------------------- DOT

NEGATIVE_FILL, NEGATIVE_LINE = "#fde2e1", "#c0392b"
POSITIVE_FILL, POSITIVE_LINE = "#dff3e3", "#2e7d32"
NEUTRAL_FILL, NEUTRAL_LINE = "#eeeeee", "#757575"
_EDGE = {"recovery": ("recovers", POSITIVE_LINE), "compounding": ("compounds", NEGATIVE_LINE),
         "condition": ("when", NEUTRAL_LINE)}


def dot_string(text: str) -> str:
    """``text`` as a double-quoted DOT string: backslashes and quotes escaped, control
    characters turned into spaces, newlines into DOT's centred line breaks."""
    lines = [_CONTROL.sub(" ", line) for line in str(text).split("\n")]
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    return '"' + "\\n".join(escaped) + '"'


def _wrap(text: str, width: int = 34) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _attr_lines(word: str, parts: list[str]) -> list[str]:
    """``word value, value`` on one line when it fits, else ``word`` then one line per
    persona."""
    one = f"{word} {', '.join(parts)}"
    if len(parts) == 1 or len(one) <= 34:
        return _wrap(one)
    return [word] + [line for part in parts for line in _wrap(part)]


def _stage_edge_label(model: ir.Model, stage: ir.Stage) -> str:
    lines = _attr_lines("advance", uncertain_parts(model, stage.advance, fmt_pct, stage.name,
                                                   "advance"))
    if any(k != 0 for k in stage.slope) or uncertain_range(model, stage.name, "slope") \
            or any(uncertain_range(model, stage.name, "slope", p.name)
                   for p in model.personas):
        lines += _attr_lines("slope", uncertain_parts(model, stage.slope, fmt_num, stage.name,
                                                      "slope", range_number))
    return "\n".join(lines)


def _event_label(model: ir.Model, e: ir.Event) -> str:
    lines = _wrap(display(e))
    if e.label:
        lines.append(f"({e.name})")
    lines += _attr_lines("p", uncertain_parts(model, e.p, fmt_pct, e.name, "p"))
    lines += _attr_lines("impact", uncertain_parts(
        model, e.impact, lambda d: dist_text(d, True), e.name, "impact",
        lambda x: range_number(x, True)))
    if e.when is not None:
        lines += _wrap(f"when {ir.cond_text(e.when)}")
    return "\n".join(lines)


SURVEY_FILL, SURVEY_LINE = "#fff4d6", "#9a6b00"


def _survey_node(model: ir.Model, survey: ir.Survey, headline: bool) -> str:
    """A survey's note-shaped node: its label (or name), its name, where it asks, who."""
    lines = _wrap(f"{'headline survey' if headline else 'survey'} {display(survey)}")
    if survey.label:
        lines.append(f"({survey.name})")
    lines.append(survey_where(survey))
    lines += _wrap(f"asks {survey_asks(model, survey)}")
    return (f"survey_{survey.name} [label={dot_string(chr(10).join(lines))}, shape=note, "
            f"style=filled, fillcolor=\"{SURVEY_FILL}\", color=\"{SURVEY_LINE}\"];")


def _dot_at_end(model: ir.Model) -> list[str]:
    """The surveys that ask at the end of the journey, after the last stage, with a dotted
    edge from it: they ask everyone who entered, not only those who reach it."""
    surveys = surveys_at(model, None)
    if not surveys:
        return []
    out = [f"  {_survey_node(model, v, headline)}" for v, headline in surveys]
    out.append(f"  {{ rank=same; {'; '.join(f'survey_{v.name}' for v, _ in surveys)}; }}")
    last = model.stages[-1].name
    out += [f"  s_{last} -> survey_{v.name} [style=dotted, color=\"{SURVEY_LINE}\"];"
            for v, _ in surveys]
    return out


def to_dot(model: ir.Model, title: str | None = None) -> str:
    """The Graphviz DOT graph of ``model`` (see the module docstring). ``title`` is used
    when the journey has none."""
    heading = model.title or title or "journey"
    out = [
        "digraph journey {",
        f"  graph [rankdir=LR, newrank=true, compound=true, fontname=\"Helvetica\", "
        f"fontsize=14, labelloc=t, labeljust=l, nodesep=0.3, ranksep=0.7, "
        f"label={dot_string(heading)}];",
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10, "
        "margin=\"0.12,0.06\"];",
        "  edge [fontname=\"Helvetica\", fontsize=9];",
    ]
    for i, stage in enumerate(model.stages):
        sid = f"s_{stage.name}"
        stage_lines = _wrap(display(stage), 24)
        if stage.label:
            stage_lines.append(f"({stage.name})")
        if stage.name == model.goal:
            stage_lines.append("goal")
        out.append(f"  subgraph cluster_{i} {{")
        out.append("    label=\"\"; style=\"rounded,filled\"; fillcolor=\"#f5f7fb\"; "
                   "color=\"#c5cedb\";")
        goal = ", peripheries=2" if stage.name == model.goal else ""
        out.append(f"    {sid} [label={dot_string(chr(10).join(stage_lines))}, "
                   f"style=\"filled,bold\", fillcolor=\"#d6e0f0\", color=\"#34495e\", "
                   f"fontsize=12{goal}];")
        members = [sid]
        for e in model.events:
            if e.stage != stage.name:
                continue
            s = event_sign(model, e)
            fill, line = ((NEGATIVE_FILL, NEGATIVE_LINE) if s < 0 else
                          (POSITIVE_FILL, POSITIVE_LINE) if s > 0 else
                          (NEUTRAL_FILL, NEUTRAL_LINE))
            eid = f"e_{e.name}"
            members.append(eid)
            dashed = ', style="rounded,filled,dashed"' if is_uncertain(model, e.name) else ""
            out.append(f"    {eid} [label={dot_string(_event_label(model, e))}, "
                       f"fillcolor=\"{fill}\", color=\"{line}\"{dashed}];")
        for survey, headline in surveys_at(model, stage.name):
            members.append(f"survey_{survey.name}")
            out.append(f"    {_survey_node(model, survey, headline)}")
        out.append(f"    {{ rank=same; {'; '.join(members)}; }}")
        out.append("  }")
    for a, b in zip(model.stages, model.stages[1:]):
        out.append(f"  s_{a.name} -> s_{b.name} [label={dot_string(_stage_edge_label(model, a))}"
                   ", penwidth=2, weight=10, color=\"#34495e\"];")
    out += _dot_at_end(model)
    for dep in dependencies(model):
        word, color = _EDGE[dep.kind]
        if dep.negated:
            word = "unless"
        out.append(f"  e_{dep.source} -> e_{dep.target} [label={dot_string(word)}, "
                   f"style=dashed, color=\"{color}\", fontcolor=\"{color}\", constraint=false];")
    out.append("}")
    return "\n".join(out) + "\n"


__all__ = ["FORMATS", "UNCERTAIN_RANGE", "Dependency", "dependencies", "display", "dist_text",
           "dot_string", "event_sign", "fmt_pct", "is_uncertain", "mean_impact",
           "mermaid_score", "mermaid_text", "survey_asks", "survey_where", "surveys_at",
           "range_number", "to_dot", "to_markdown", "to_mermaid", "uncertain_parts",
           "uncertain_range", "with_scenario"]
