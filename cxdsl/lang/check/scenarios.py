"""Pass: scenarios. Names and ``extends`` (no unknown parent, no cycle), then each
scenario's changes, checked against the model it starts from: the baseline with the
scenarios it extends applied."""

from __future__ import annotations

import dataclasses

from ...model import ir, paths
from .. import ast
from .. import messages as msg
from ..diagnostics import Span, did_you_mean
from . import declarations, values
from .context import RESERVED, Context


def run(ctx: Context) -> None:
    decls = ctx.statements_of(ast.Scenario)
    by_name = _by_name(ctx, decls)
    bad = _bad_extends(ctx, by_name)
    out: dict[str, ir.Scenario] = {}
    ends: dict[str, ir.Model] = {}  # the model each checked scenario leads to
    # changes, checked against the model each scenario starts from: parents first
    for name in _parents_first(by_name):
        s = by_name[name]
        if name in bad or any(p.text in bad for p in s.extends):
            bad.add(name)
            continue
        sc = _scenario(ctx, s, ctx.model, out, ends)
        if sc is None:
            bad.add(name)
        else:
            out[name] = sc
    scenarios = [out[s.name.text] for s in decls if s.name.text in out]
    ctx.model = dataclasses.replace(ctx.model, scenarios=tuple(scenarios))


def _by_name(ctx: Context, decls: list[ast.Scenario]) -> dict[str, ast.Scenario]:
    by_name: dict[str, ast.Scenario] = {}
    for s in decls:
        if s.name.text in RESERVED:
            ctx.err("E203", msg.SCENARIO_RESERVED.format(name=s.name.text), s.name.span)
        elif s.name.text in by_name:
            ctx.err("E202", msg.SCENARIO_DECLARED.format(name=s.name.text,
                                                         line=by_name[s.name.text].name.span.line),
                    s.name.span)
        else:
            by_name[s.name.text] = s
    return by_name


def _bad_extends(ctx: Context, by_name: dict[str, ast.Scenario]) -> set[str]:
    """The scenarios whose ``extends`` names a scenario twice, an unknown one, or one that
    extends it back (reported)."""
    bad: set[str] = set()
    for s in by_name.values():
        for i, parent in enumerate(s.extends):
            if parent.text in (p.text for p in s.extends[:i]):
                ctx.err("E205", msg.EXTENDS_TWICE.format(name=s.name.text, parent=parent.text),
                        parent.span, msg.EXTENDS_ONCE_HINT)
                bad.add(s.name.text)
            elif parent.text not in by_name:
                ctx.unknown(parent, "scenario", list(by_name))
                bad.add(s.name.text)
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    # depth-first without recursion: an ``extends`` chain may be thousands deep
    for root in by_name:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(by_name[root].extends))]
        while stack:
            name, parents = stack[-1]
            parent = next(parents, None)
            if parent is None:
                state[name] = 2
                stack.pop()
            elif parent.text not in by_name or state.get(parent.text) == 2:
                continue
            elif state.get(parent.text) == 1:
                trail = [n for n, _ in stack]
                loop = trail[trail.index(parent.text):] + [parent.text]
                ctx.err("E601", msg.extends_cycle(loop), parent.span)
                bad.update(loop)
            else:
                state[parent.text] = 1
                stack.append((parent.text, iter(by_name[parent.text].extends)))
    return bad


def _parents_first(by_name: dict[str, ast.Scenario]) -> list[str]:
    """The scenarios in an order where each comes after those it extends (a cycle's
    members in any order; they are reported already)."""
    order: list[str] = []
    seen: set[str] = set()
    for root in by_name:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(by_name[root].extends))]
        while stack:
            name, parents = stack[-1]
            parent = next(parents, None)
            if parent is None:
                order.append(name)
                stack.pop()
            elif parent.text in by_name and parent.text not in seen:
                seen.add(parent.text)
                stack.append((parent.text, iter(by_name[parent.text].extends)))
    return order


def _scenario(ctx: Context, s: ast.Scenario, model: ir.Model,
              done: dict[str, ir.Scenario], ends: dict[str, ir.Model]
              ) -> ir.Scenario | None:
    who = msg.SCENARIO_WHO.format(name=s.name.text)
    got = values.attrs(ctx, "scenario", s.attrs, s.name.text)
    cost = got.get("cost", (None,))[0]
    running_cost = got.get("running_cost", (None,))[0]
    if not s.items and not s.extends and len(got) == len(s.attrs):
        if cost is not None or running_cost is not None:
            ctx.warn("W004", msg.COST_CHANGES_NOTHING.format(who=who), s.span, msg.COST_ONLY_HINT)
        else:
            ctx.warn("W005", msg.CHANGES_NOTHING.format(who=who), s.span)
    if len(s.extends) == 1:  # where its one parent ended: linear in a chain's length
        current = ends[s.extends[0].text]
    else:
        base = dataclasses.replace(model, scenarios=tuple(done.values()))
        current = ir.with_scenario(
            dataclasses.replace(base, scenarios=base.scenarios + (
                ir.Scenario(s.name.text, None, None, tuple(p.text for p in s.extends),
                            ()),)),
            s.name.text)
    # events gone from the scenario's model, and who removed them, for the messages
    remaining = {e.name for e in current.events}
    ctx.symbols.begin_scenario({e.name: msg.REMOVED_BY_PARENTS for e in model.events
                                if e.name not in remaining})
    removals: dict[str, ast.Remove] = {}
    assigned: dict[ir.PathRef, Span] = {}
    changes: list[ir.Change] = []
    ok = True
    for item in s.items:
        change = _change(ctx, item, current, who)
        if change is None:
            ok = False
            continue
        if isinstance(change, ir.RemoveEvent):
            removals[change.name] = item
            ctx.symbols.remove(change.name, msg.REMOVED_BY.format(who=who))
        if isinstance(change, ir.SetAttr):
            if change.path in assigned:
                ctx.err("E205", msg.SETS_TWICE.format(who=who, path=str(change.path),
                                                      line=assigned[change.path].line),
                        item.path.span, msg.KEEP_ONE_LINE_HINT)
                ok = False
                continue
            assigned[change.path] = item.span
        changes.append(change)
        current = ir.apply_change(current, change)
    ctx.symbols.end_scenario()
    # an event may be removed together with the events whose conditions refer to it,
    # in any order: what counts is what remains at the end
    for name, item in removals.items():
        users = [e.name for e in current.events if name in ir.cond_refs(e.when)]
        if users:
            ctx.err("E604", msg.removes_referenced(who, name, users), item.span,
                    msg.REMOVE_TOO_HINT.format(user=users[0]))
            ok = False
    if not ok:
        return None
    ends[s.name.text] = current
    return ir.Scenario(s.name.text, s.label.value if s.label else None, cost,
                       tuple(p.text for p in s.extends), tuple(changes), running_cost)


def _change(ctx: Context, item, current: ir.Model, who: str) -> ir.Change | None:
    """One line of a scenario as a change to ``current``; None after a reported error."""
    if isinstance(item, ast.Remove):
        return _removal(ctx, item, current)
    if isinstance(item, ast.Event):
        return _addition(ctx, item, current, who)
    path = resolve_path(ctx, item.path, current)
    if path is None:
        return None
    if paths.on_last_stage(path, current):
        ctx.err("E309", msg.LAST_STAGE_CHANGE.format(attr=path.attr, stage=path.target), item.span)
        return None
    whom = (msg.FOR_PERSONA.format(who=path.target, persona=path.persona) if path.persona
            else path.target)
    value = values.attr_value(ctx, path.kind, path.attr, item.value, whom)
    if value is None:
        return None
    if path.attr == "share" and value == 0 and all(
            q.share == 0 or q.name == path.target for q in current.personas):
        ctx.err("E308", msg.NO_SHARE_LEFT, item.span)
        return None
    return ir.SetAttr(path, value)


def _removal(ctx: Context, item: ast.Remove, current: ir.Model) -> ir.Change | None:
    name = item.event.text
    if not any(e.name == name for e in current.events):
        removed_by = ctx.symbols.removed_by(name)
        if removed_by is not None:
            ctx.err("E602", msg.REMOVED_ALREADY.format(name=name, removed_by=removed_by),
                    item.event.span)
            return None
        ctx.unknown(item.event, "event", [e.name for e in current.events])
        return None
    return ir.RemoveEvent(name)


def _addition(ctx: Context, item: ast.Event, current: ir.Model, who: str
              ) -> ir.Change | None:
    name = item.name.text
    if name in RESERVED:
        ctx.err("E203", msg.reserved_name(name, "event"), item.name.span)
        return None
    other = ctx.symbols.declared(name)
    if any(e.name == name for e in current.events) or (
            other is not None and other.kind != "event"):
        ctx.err("E202", msg.ADDS_TAKEN_NAME.format(who=who, name=name), item.name.span,
                msg.OWN_NAME_HINT)
        return None
    ev = declarations.event(ctx, item, list(current.stages), list(current.events))
    return None if ev is None else ir.AddEvent(ev)


def claim_path(ctx: Context, p: ast.Path, span, model: ir.Model, seen: dict,
               twice: tuple[str, str, str], extra_events=()) -> ir.PathRef | None:
    """The path ``p`` of a statement that may name each path once (a sweep, an uncertain
    line), recorded in ``seen`` (path -> the statement's span); None after a reported
    error: the path names nothing, was claimed before (``twice`` = (code, message with
    {path} and {line}, hint)), or is an attribute of the last stage."""
    path = resolve_path(ctx, p, model, extra_events)
    if path is None:
        return None
    if path in seen:
        code, message, hint = twice
        ctx.err(code, message.format(path=str(path), line=seen[path].line), p.span, hint)
        return None
    seen[path] = span
    if paths.on_last_stage(path, model):
        ctx.err("E309", msg.LAST_STAGE_ATTRIBUTE.format(attr=path.attr, stage=path.target),
                p.span)
        return None
    return path


def resolve_path(ctx: Context, p: ast.Path, model: ir.Model, extra_events=()
                 ) -> ir.PathRef | None:
    """The path ``p`` of a scenario or sweep in ``model``; None after a reported error.
    ``extra_events``: names of events the scenarios add (a sweep may set them)."""
    target, attr = p.target.text, p.attr.text
    found = paths.resolve(model, target, attr, p.persona.text if p.persona else None,
                          extra_events=extra_events)
    if isinstance(found, ir.PathRef):
        return found
    if found.kind == paths.NO_DECLARATION:
        removed_by = ctx.symbols.removed_by(target)
        if removed_by is not None:
            ctx.err("E602", msg.PATH_NAMES_REMOVED.format(path=str(p), target=target,
                                                          removed_by=removed_by),
                    p.target.span, msg.SET_BEFORE_REMOVING_HINT.format(attr=attr, target=target))
        elif not (ctx.symbols.incomplete or ctx.symbols.reported_at_declaration(target)):
            ctx.err("E602", msg.PATH_NAMES_NOTHING.format(path=str(p), target=target),
                    p.target.span, did_you_mean(target, found.candidates))
        # else: its declaration has errors of its own (reported there)
    elif found.kind == paths.NO_ATTRIBUTE:
        ctx.err("E602", msg.NO_SUCH_ATTRIBUTE.format(kind=found.declaration, target=target,
                                                     attr=attr),
                p.attr.span, did_you_mean(attr, found.candidates)
                or msg.has_attributes_hint(found.declaration, found.candidates))
    elif found.kind == paths.NOT_PER_PERSONA:
        ctx.err("E603", msg.NOT_PER_PERSONA.format(kind=found.declaration, attr=attr,
                                                   persona=p.persona.text),
                p.persona.span)
    else:  # UNKNOWN_PERSONA: told unless its declaration was
        ctx.persona_ref(p.persona)
    return None
