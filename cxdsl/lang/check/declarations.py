"""Pass: declarations. Personas, stages and events, each merged with its ``for`` lines
into dense per-persona values, and the goal; leaves the baseline model in the context."""

from __future__ import annotations

import math

from ...model import ir
from ...model.attributes import attributes_of
from .. import ast
from .. import messages as msg
from ..diagnostics import Span
from . import conditions, values
from .context import RESERVED, Context, State


def run(ctx: Context) -> None:
    personas = _personas(ctx, ctx.statements_of(ast.Persona))
    stages = _stages(ctx, ctx.statements_of(ast.Stage))
    ctx.personas, ctx.stages = personas, stages
    stage_names = [s.name for s in stages]
    event_decls = ctx.statements_of(ast.Event)
    ctx.event_stages = {e.name.text: e.stage.text for e in reversed(event_decls)}
    events = _events(ctx, event_decls, stages)
    goal = stage_names[-1] if stage_names else ""
    goal_st = ctx.header["goal"]
    if goal_st is not None:
        if goal_st.stage.text in stage_names:
            goal = goal_st.stage.text
        else:
            ctx.unknown(goal_st.stage, "stage", stage_names)
    if ctx.diags.has_errors and not personas:
        ctx.stopped = True
        return
    journey = ctx.header["journey"]
    ctx.model = ir.Model(
        title=journey.title.value if journey else None, scale=ctx.scale,
        customers=ctx.customers, seed=ctx.seed, personas=tuple(personas),
        stages=tuple(stages), goal=goal, events=tuple(events), volume=ctx.volume,
        period=ctx.period)


def _persona_lines(ctx: Context, decls: list[ast.Persona]) -> tuple[list[tuple], bool]:
    """The accepted personas as (node, attributes), and whether any was rejected."""
    raw: list[tuple] = []
    allowed = attributes_of("persona")
    rejected = False
    for p in decls:
        new = ctx.declare(p.name, "persona")
        got = values.attrs(ctx, "persona", p.attrs, p.name.text)
        for required in ("share", "baseline"):
            written = [a.name.text for a in p.attrs]
            # an unknown attribute on the line most likely stands for the missing one:
            # its E204 lists what a persona takes, one message for one mistake
            misspelled = any(w not in allowed for w in written)
            if required not in written and not misspelled:
                ctx.err("E206", msg.PERSONA_NEEDS.format(name=p.name.text, required=required),
                        p.name.span, msg.persona_needs_hint(required))
        if not new:
            rejected = True
            if p.name.text in RESERVED:
                ctx.symbols.reject(p.name.text, "persona", p.name.span)
            continue  # a rejected persona has no customers and no share
        raw.append((p, got))
    return raw, rejected


def _personas(ctx: Context, decls: list[ast.Persona]) -> list[ir.Persona]:
    raw, rejected = _persona_lines(ctx, decls)
    if not decls:
        if not ctx.symbols.incomplete:
            ctx.err("E010", msg.NO_PERSONA, Span.point(ctx.module.path), msg.NO_PERSONA_HINT)
        return []
    if not raw:
        return []
    shares = [got.get("share", (None,))[0] for _, got in raw]
    total = math.fsum(s for s in shares if s is not None)
    if all(s is not None for s in shares):
        if total <= 0:
            ctx.err("E308", msg.SHARES_ZERO, raw[0][0].span, msg.SHARES_ZERO_HINT)
        elif not rejected:
            _share_warnings(ctx, raw, total)
    if total <= 0 or any(s is None for s in shares):
        # stand-ins after a reported error: the rest of the file is still checked
        shares, total = [1.0] * len(raw), float(len(raw))
    out = []
    for (p, got), share in zip(raw, shares):
        baseline = got.get("baseline", (None,))[0]
        value = got.get("value", (None,))[0]
        out.append(ir.Persona(p.name.text, p.label.value if p.label else None,
                              share / total,
                              ir.Const(float(ctx.scale[0])) if baseline is None
                              else baseline,
                              0.0 if value is None else value))
    return out


def _share_warnings(ctx: Context, raw: list[tuple], total: float) -> None:
    written = [got["share"][1].value for _, got in raw]
    if all(n.is_percent for n in written) and abs(total - 1.0) > 1e-9:
        ctx.warn("W001", msg.shares_not_100(total), raw[0][0].span,
                 msg.RELATIVE_WEIGHTS_HINT)
    elif any(n.is_percent for n in written) and not all(n.is_percent for n in written):
        odd = next(n for n in written if n.is_percent != written[0].is_percent)
        ctx.warn("W001", msg.MIXED_SHARES.format(first=written[0].raw, odd=odd.raw), odd.span,
                 msg.MIXED_SHARES_HINT)


def _stages(ctx: Context, decls: list[ast.Stage]) -> list[ir.Stage]:
    out = []
    if not decls:
        if not ctx.symbols.incomplete:
            ctx.err("E011", msg.NO_STAGE, Span.point(ctx.module.path), msg.NO_STAGE_HINT)
        return []
    for i, s in enumerate(decls):
        new = ctx.declare(s.name, "stage")
        got = values.attrs(ctx, "stage", s.attrs, s.name.text)
        if i == len(decls) - 1:
            # once per attribute and line: a repeated one is E205 already
            lines = [{a.name.text: a for a in reversed(s.attrs)}]
            lines += [{a.name.text: a for a in reversed(ov.attrs)} for ov in s.overrides]
            for attrs in lines:
                for name in ("advance", "slope"):
                    if name in attrs:
                        ctx.err("E309", msg.LAST_STAGE_ATTRIBUTE.format(attr=name,
                                                                        stage=s.name.text),
                                attrs[name].span, msg.REMOVE_IT_HINT)
        per = per_persona(ctx, "stage", s.name.text, got, s.overrides,
                          ("advance", "slope"), {"advance": 1.0, "slope": 0.0})
        if not new:
            ctx.symbols.reject(s.name.text, "stage", s.name.span)
        else:
            out.append(ir.Stage(s.name.text, s.label.value if s.label else None,
                                tuple(per["advance"]), tuple(per["slope"])))
    return out


def _events(ctx: Context, decls: list[ast.Event], stages: list[ir.Stage]) -> list[ir.Event]:
    out: list[ir.Event] = []
    for e in decls:
        if not ctx.declare(e.name, "event"):
            values.attrs(ctx, "event", e.attrs, e.name.text)  # its own mistakes still count
            continue
        ev = event(ctx, e, stages, out)
        if ev is not None:
            out.append(ev)
    return out


def event(ctx: Context, e: ast.Event, stages: list[ir.Stage], known: list[ir.Event]
          ) -> ir.Event | None:
    """Check one event against the stages and the events declared before it (``known``)."""
    who = e.name.text
    got = values.attrs(ctx, "event", e.attrs, who)
    stage_names = [s.name for s in stages]
    stage = e.stage.text
    placed = stage in stage_names
    if not placed and not ctx.symbols.has(stage, State.BROKEN, "stage"):
        ctx.unknown(e.stage, "stage", stage_names)
    # a condition with an error (reported) stands in as no condition
    when = (conditions.resolve(ctx, e.when, e, stage, stages, known)
            if e.when is not None else None)
    per = per_persona(ctx, "event", who, got, e.overrides, ("p", "impact"),
                      {"p": 1.0, "impact": ir.Const(0.0)})
    if not placed:
        # events that refer to this one are not told it is unknown
        ctx.symbols.unplace(who)
        return None
    return ir.Event(who, e.label.value if e.label else None, stage, tuple(per["p"]),
                    tuple(per["impact"]), when)


def per_persona(ctx: Context, kind: str, who: str, base: dict, overrides,
                attrs: tuple[str, ...], defaults: dict) -> dict[str, list]:
    """Dense per-persona values: the declaration's, then each ``for`` line's."""
    # A value with an error (None, reported) stands in as the default: the declaration
    # still exists for everything that refers to it, and the model is not returned.
    personas = ctx.persona_names
    out = {a: [base[a][0] if base.get(a, (None,))[0] is not None else defaults[a]]
           * len(personas) for a in attrs}
    seen: dict[str, Span] = {}
    for ov in overrides:
        q = ctx.persona_ref(ov.persona)
        whom = msg.FOR_PERSONA.format(who=who, persona=ov.persona.text)
        got = values.attrs(ctx, kind, ov.attrs, whom, attrs)
        if q is None:
            continue
        if q in seen:
            ctx.err("E205", msg.SECOND_FOR_LINE.format(persona=q, line=seen[q].line),
                    ov.persona.span, msg.MERGE_FOR_HINT)
            continue
        seen[q] = ov.span
        if not ov.attrs:
            ctx.warn("W006", msg.FOR_CHANGES_NOTHING.format(persona=q), ov.span)
        i = personas.index(q)
        for a, (v, _) in got.items():
            if v is not None:
                out[a][i] = v
    return out
