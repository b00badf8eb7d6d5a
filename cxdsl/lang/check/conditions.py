"""Conditions: an event's ``when`` resolved against the stages and the events before it.

Checked with the event that owns the condition, by the declarations pass for the baseline
and by the scenarios pass for the events a scenario adds: a condition may refer only to
events that exist where its event is declared.
"""

from __future__ import annotations

from ...model import ir
from ...model.attributes import SCORE_POINT
from .. import ast
from .. import messages as msg
from . import values
from .context import RESERVED, Context, State


def resolve(ctx: Context, c: ast.Cond, owner: ast.Event, stage: str,
            stages: list[ir.Stage], known: list[ir.Event]) -> ir.Cond | None:
    """The IR of condition ``c`` of event ``owner`` at ``stage``; ``known``: the events
    declared before it. None after a reported error."""
    stage_pos = {s.name: i for i, s in enumerate(stages)}

    def walk(node):
        if isinstance(node, ast.Ref):
            return _reference(ctx, node, owner, stage, stage_pos, known)
        if isinstance(node, ast.ScoreCmp):
            v = values.plain(ctx, node.value, msg.THE_SCORE, SCORE_POINT)
            return None if v is None else ir.ScoreCmp(node.op, v)
        if isinstance(node, ast.Not):
            inner = walk(node.operand)
            return None if inner is None else ir.Not(inner)
        parts = [walk(o) for o in node.operands]
        if any(p is None for p in parts):
            return None
        return (ir.And if isinstance(node, ast.And) else ir.Or)(tuple(parts))

    return walk(c)


def _reference(ctx: Context, node: ast.Ref, owner: ast.Event, stage: str,
               stage_pos: dict[str, int], known: list[ir.Event]) -> ir.Ref | None:
    """A condition's reference to an event, checked for existence and order."""
    here = stage_pos.get(stage)
    name = node.name.text
    if name in RESERVED:
        ctx.err("E203", msg.KEYWORD_IN_CONDITION.format(name=name), node.span,
                msg.INCOMPLETE_CONDITION_HINT)
        return None
    if name == owner.name.text:
        ctx.err("E401", msg.DEPENDS_ON_ITSELF.format(name=name), node.span, msg.SELF_REFERENCE_HINT)
        return None
    prior = next((k for k in known if k.name == name), None)
    if prior is None:
        if ctx.symbols.has(name, State.UNPLACED):
            return None  # its own stage is the error, reported there
        removed_by = ctx.symbols.removed_by(name)
        if removed_by is not None:
            ctx.err("E604", msg.REFERS_TO_REMOVED.format(owner=owner.name.text, name=name,
                                                         removed_by=removed_by),
                    node.span, msg.KEEP_OR_DROP_HINT.format(name=name))
            return None
        later = ctx.event_stages.get(name)  # declared further down
        if later is None:
            ctx.unknown(node.name, "event", [k.name for k in known])
            return None
        pos = stage_pos.get(later)
        if pos is None:
            return None  # its stage is unknown: reported at that event
        if here is None or pos < here:
            return ir.Ref(name)  # an earlier stage: the order in the file is free
        ctx.err("E401", msg.refers_to_later(owner.name.text, stage, name, later,
                                            pos == here),
                node.span, msg.EARLIER_EVENTS_HINT)
        return None
    if here is not None and stage_pos.get(prior.stage, -1) > here:
        ctx.err("E401", msg.refers_to_later(owner.name.text, stage, name, prior.stage,
                                            False),
                node.span, msg.EARLIER_EVENTS_HINT)
        return None
    return ir.Ref(name)
