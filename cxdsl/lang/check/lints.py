"""Pass: lints. Warnings about a model that checks but cannot do what it says: events
that can never happen, stages nobody reaches, surveys nobody answers."""

from __future__ import annotations

import itertools

from ...model import ir
from .. import ast
from .. import messages as msg
from .context import Context

#: Most events a condition may name for :func:`_satisfiable` to try every combination.
_MAX_EXHAUSTIVE_REFS = 12


def run(ctx: Context) -> None:
    if not (ctx.personas and ctx.stages):
        return
    model = ctx.model
    spans = {e.name.text: e for e in ctx.statements_of(ast.Event)}
    stage_spans = {s.name.text: s for s in ctx.statements_of(ast.Stage)}
    impossible: set[str] = set()
    # p=0% in the baseline and raised by a scenario or a sweep: a change being weighed
    raised = {c.path.target for sc in model.scenarios for c in sc.changes
              if isinstance(c, ir.SetAttr) and c.path.kind == "event"
              and c.path.attr == "p"}
    raised |= {sw.path.target for sw in model.sweeps
               if sw.path.kind == "event" and sw.path.attr == "p"}
    for ev in model.events:
        node = spans.get(ev.name)
        if node is None:
            continue
        if all(p == 0 for p in ev.p) and ev.name in raised:
            continue
        if all(p == 0 for p in ev.p):
            impossible.add(ev.name)
            ctx.warn("W002", msg.NEVER_HAPPENS_P.format(name=ev.name), node.name.span)
        elif ev.when is not None and not _satisfiable(ev.when, impossible):
            impossible.add(ev.name)
            ctx.warn("W002", msg.NEVER_HAPPENS_CONDITION.format(name=ev.name),
                     node.when.span if node.when else node.span)
    for i, st in enumerate(model.stages[:-1]):
        if all(a == 0 for a in st.advance):
            nxt = model.stages[i + 1].name
            ctx.warn("W003", msg.UNREACHABLE_STAGE.format(stage=nxt, before=st.name),
                     stage_spans[nxt].name.span)
            _unreachable_surveys(ctx, model, i)
            break


def _unreachable_surveys(ctx: Context, model: ir.Model, blocked: int) -> None:
    """W009 for each survey at a stage after ``blocked``, the first stage nobody leaves."""
    nodes = {s.name.text: s for s in ctx.statements_of(ast.Survey)}
    before = model.stages[blocked].name
    for survey in model.surveys:
        node = nodes.get(survey.name)
        if survey.stage is None or node is None or node.stage is None:
            continue
        if model.stage_index(survey.stage) > blocked:
            ctx.warn("W009", msg.UNREACHABLE_SURVEY.format(survey=survey.name, stage=survey.stage,
                                                           before=before),
                     node.stage.span, msg.UNREACHABLE_SURVEY_HINT)


def _satisfiable(c: ir.Cond, impossible: set[str]) -> bool:
    """Whether some combination of past events and some score makes ``c`` true.

    Events that can never happen count as false; the score may be any real number (within
    a stage it is not yet clamped)."""
    refs = sorted(set(ir.cond_refs(c)) - impossible)
    if len(refs) > _MAX_EXHAUSTIVE_REFS:
        return True
    cuts = sorted({node.value for node in _walk(c) if isinstance(node, ir.ScoreCmp)})
    points = [float("-inf"), float("inf")] + cuts
    points += [(a + b) / 2 for a, b in zip(cuts, cuts[1:])]
    points += [x - 1 for x in cuts] + [x + 1 for x in cuts]
    for bits in itertools.product((False, True), repeat=len(refs)):
        happened = {r for r, b in zip(refs, bits) if b}
        if any(ir.cond_holds(c, happened, s) for s in points):
            return True
    return False


def _walk(c: ir.Cond):
    stack = [c]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ir.Not):
            stack.append(node.operand)
        elif isinstance(node, (ir.And, ir.Or)):
            stack.extend(node.operands)
