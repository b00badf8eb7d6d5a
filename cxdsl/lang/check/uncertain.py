"""Pass: uncertain values and worlds. Each ``uncertain PATH ~ DIST`` line's path (as in
scenarios and sweeps, on the baseline's declarations), its distribution (a form whose draws
stay inside the attribute's range: 0..1 for a probability, ≥ 0 for a share; baselines and
impacts may draw anything, their scores are clamped), and ``worlds W``.

A path may be uncertain for every persona (``e.p``) and, on another line, for one persona
(``e.p[smb]``): a world applies the every-persona draws first, then the per-persona ones.
"""

from __future__ import annotations

import dataclasses
import math

from ...model import ir, paths
from ...model.attributes import ATTRIBUTES, NON_NEGATIVE, PROBABILITY, UNITS
from ...model.values import FORMS
from .. import ast
from .. import messages as msg
from ..diagnostics import Span, did_you_mean
from . import values
from .context import Context
from .scenarios import resolve_path

#: Most worlds one forecast may run (each world is a simulation of its own).
MAX_WORLDS = 100_000

#: An example distribution for each kind of attribute, for hints.
_EXAMPLES = {PROBABILITY: "beta(5, 95)", NON_NEGATIVE: "uniform(0.2, 0.4)"}


def run(ctx: Context) -> None:
    model = ctx.model
    worlds_st = ctx.statements_of(ast.Worlds)
    for extra in worlds_st[1:]:
        ctx.err("E209", msg.GIVEN_MORE_THAN_ONCE.format(what="worlds",
                                                        path=worlds_st[0].span.path,
                                                        line=worlds_st[0].span.line),
                extra.span, msg.KEEP_ONE_HINT)
    worlds = (values.integer(ctx, worlds_st[0].count, msg.WORLDS, 1, MAX_WORLDS)
              if worlds_st else None)
    out: list[ir.Uncertain] = []
    seen: dict[ir.PathRef, Span] = {}
    for st in ctx.statements_of(ast.Uncertain):
        path = resolve_path(ctx, st.path, model)
        if path is None:
            continue
        if path in seen:
            ctx.err("E607", msg.UNCERTAIN_TWICE.format(path=str(path), line=seen[path].line),
                    st.path.span, msg.KEEP_ONE_UNCERTAIN_HINT)
            continue
        seen[path] = st.span
        if paths.on_last_stage(path, model):
            ctx.err("E309", msg.LAST_STAGE_ATTRIBUTE.format(attr=path.attr, stage=path.target),
                    st.path.span)
            continue
        dist = _distribution(ctx, st, path)
        if dist is not None:
            out.append(ir.Uncertain(path, dist))
    _never_matters(ctx, model, out, seen)
    ctx.model = dataclasses.replace(model, uncertain=tuple(out), worlds=worlds)


def _kind(path: ir.PathRef) -> str:
    return ATTRIBUTES[path.kind][path.attr].kind


def _distribution(ctx: Context, st: ast.Uncertain, path: ir.PathRef) -> ir.Dist | None:
    """The checked distribution of one ``uncertain`` line; None after a reported error."""
    kind = _kind(path)
    what = msg.ATTRIBUTE_OF.format(attr=path.attr, who=f"'{path.target}'")
    value = st.dist
    if isinstance(value, ast.Number):
        ctx.err("E607", msg.UNCERTAIN_NEEDS_DISTRIBUTION.format(raw=value.raw), value.span,
                msg.UNCERTAIN_DISTRIBUTION_HINT.format(
                    example=_EXAMPLES.get(kind, "normal(-2, 0.5)")))
        return None
    name = value.func.text
    if name not in FORMS:
        ctx.err("E208", msg.UNKNOWN_DISTRIBUTION.format(name=name), value.func.span,
                did_you_mean(name, tuple(FORMS)) or msg.DISTRIBUTIONS_HINT)
        return None
    unit = None if kind in (PROBABILITY, NON_NEGATIVE) else UNITS.get(path.attr)
    if name == "discrete":
        dist = values.discrete(ctx, value, what, unit)
    else:
        cls = FORMS[name]
        # beta's numbers are counts, never in the attribute's unit
        dist = values.form(ctx, value, cls, what, None if name == "beta" else unit)
    if dist is None:
        return None
    lo, hi = dist.support()
    shown = dist.text()
    if kind == PROBABILITY and (lo < 0.0 or hi > 1.0 or math.isnan(lo)):
        ctx.err("E607", msg.UNCERTAIN_NOT_PROBABILITY.format(path=str(path), dist=shown),
                value.span, msg.UNCERTAIN_PROBABILITY_HINT)
        return None
    if kind == NON_NEGATIVE and lo < 0.0:
        ctx.err("E607", msg.UNCERTAIN_NEGATIVE.format(path=str(path), dist=shown),
                value.span, msg.UNCERTAIN_NEGATIVE_HINT)
        return None
    return dist


def _sets(change: ir.Change, path: ir.PathRef) -> bool:
    """True when a scenario's change fixes the value at ``path``."""
    if not isinstance(change, ir.SetAttr):
        return isinstance(change, ir.RemoveEvent) and change.name == path.target
    p = change.path
    return ((p.target, p.attr) == (path.target, path.attr)
            and (p.persona is None or p.persona == path.persona))


def _never_matters(ctx: Context, model: ir.Model, out: list[ir.Uncertain],
                   seen: dict[ir.PathRef, Span]) -> None:
    """W010 for an uncertain path that every scenario sets (when there are scenarios)."""
    if not model.scenarios:
        return
    for u in out:
        if all(any(_sets(c, u.path) for c in ir.scenario_changes(model, sc.name))
               for sc in model.scenarios):
            ctx.warn("W010", msg.UNCERTAIN_ALWAYS_SET.format(path=str(u.path)), seen[u.path],
                     msg.UNCERTAIN_ALWAYS_SET_HINT)
