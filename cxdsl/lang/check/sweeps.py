"""Pass: sweeps. Each ``sweep`` line's path and values (within the range of the swept
attribute), and the size of the grid they make together."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

from ...model import ir, paths
from ...model.attributes import UNITS
from .. import ast
from .. import messages as msg
from ..diagnostics import Span
from . import values
from .context import Context
from .scenarios import claim_path

#: Most grid points one `sweep` line may produce.
MAX_SWEEP_POINTS = 100_000

_OUT_OF_RANGE = {paths.NOT_PROBABILITY: (msg.SWEEP_NOT_PROBABILITY,
                                         msg.PROBABILITY_RANGE_HINT),
                 paths.NEGATIVE_SHARE: (msg.SWEEP_NEGATIVE_SHARE, None),
                 paths.OUTSIDE_SCALE: (msg.SWEEP_OUTSIDE_SCALE, None),
                 paths.MONEY_TOO_LARGE: (msg.SWEEP_MONEY_TOO_LARGE, msg.MONEY_LIMIT_HINT.format(
                     limit=paths.MAX_MONEY))}


def run(ctx: Context) -> None:
    decls = [s for s in ctx.statements if isinstance(s, (ast.SweepRange, ast.SweepList))]
    model = ctx.model
    extra = {c.event.name for sc in model.scenarios for c in sc.changes
             if isinstance(c, ir.AddEvent)}
    out = []
    seen: dict[ir.PathRef, Span] = {}
    for sw in decls:
        path = claim_path(ctx, sw.path, sw.span, model, seen,
                          ("E605", msg.SWEPT_TWICE, msg.MERGE_SWEEPS_HINT), extra)
        if path is None:
            continue
        sweep = _sweep(ctx, sw, path, model)
        if sweep is not None:
            out.append(sweep)
    total = math.prod(len(s.values) for s in out) if out else 0
    if total > MAX_SWEEP_POINTS:
        ctx.err("E605", msg.GRID_TOO_LARGE.format(total=total, limit=MAX_SWEEP_POINTS),
                decls[-1].span, msg.COARSER_STEPS_HINT)
    ctx.model = dataclasses.replace(model, sweeps=tuple(out))


def _sweep(ctx: Context, sw, path: ir.PathRef, model: ir.Model) -> ir.Sweep | None:
    """The values of one sweep line of ``path``; None after a reported error."""
    unit = UNITS.get(path.attr)
    written = (sw.values if isinstance(sw, ast.SweepList)
               else (sw.start, sw.stop, sw.step))
    pct = next((n for n in written if n.is_percent), None)
    if unit and pct is not None:
        values.plain(ctx, pct, msg.ATTRIBUTE_OF.format(attr=path.attr, who=path.target), unit)
        return None
    swept = _values(ctx, sw)
    if swept is None:
        return None
    for v, node in swept:
        problem = paths.range_problem(path, v, model.scale)
        if problem is None:
            continue
        shown = _spelled(Decimal(repr(v)), node)
        message, hint = _OUT_OF_RANGE[problem.kind]
        lo, hi = model.scale
        ctx.err("E606", message.format(path=str(path), shown=shown, lo=lo, hi=hi), node.span,
                hint)
        return None
    if isinstance(sw, ast.SweepRange) and swept[-1][0] != float(sw.stop.value):
        start, stop = sw.start.value, sw.stop.value
        last = _spelled(Decimal(repr(swept[-1][0])), sw.stop)
        ctx.warn("W008", msg.SWEEP_STOPS_SHORT.format(shown=last, stop=sw.stop.raw),
                 sw.step.span, msg.DIVIDING_STEP_HINT.format(span=_spelled(stop - start, sw.stop)))
    return ir.Sweep(path, tuple(v for v, _ in swept))


def _values(ctx: Context, sw) -> list[tuple[float, ast.Number]] | None:
    """The values of a sweep, each with the number a message about it points at."""
    if isinstance(sw, ast.SweepList):
        if not sw.values:
            ctx.err("E605", msg.SWEEP_EMPTY, sw.span)
            return None
        vals = [(values.number(ctx, n), n) for n in sw.values]
        if any(v is None for v, _ in vals):
            return None
        return vals
    start, stop, step = (sw.start.value, sw.stop.value, sw.step.value)
    checked = [values.number(ctx, n) for n in (sw.start, sw.stop, sw.step)]
    if start is None or stop is None or step is None or None in checked:
        return None  # reported: a value that is no usable number is not used
    if step <= 0:
        ctx.err("E605", msg.STEP_NOT_POSITIVE.format(raw=sw.step.raw), sw.step.span)
        return None
    if stop < start:
        ctx.err("E605", msg.SWEEP_GOES_DOWN.format(start=sw.start.raw, stop=sw.stop.raw), sw.span,
                msg.SMALLER_FIRST_HINT)
        return None
    try:
        count = int((stop - start) / step) + 1
    except ArithmeticError:  # decimal.Overflow: more points than a decimal can count
        count = None
    if count is None or count > MAX_SWEEP_POINTS:
        ctx.err("E605", msg.sweep_too_long(count, MAX_SWEEP_POINTS), sw.step.span,
                msg.COARSER_STEP_HINT)
        return None
    # exact decimal arithmetic: 0% to 20% step 1% gives exactly 21 points
    vals = [start + step * Decimal(i) for i in range(count)]
    last = vals[-1]
    if last > stop:
        vals.pop()
    # values rise from the start: the first one out of range is the start itself, or
    # one the walk up to the stop reaches, so the stop is the number to change
    return [(float(v), sw.start if i == 0 else sw.stop) for i, v in enumerate(vals)]


def _spelled(value: Decimal, like: ast.Number) -> str:
    """``value`` written the way ``like`` is: as a percentage or a plain number."""
    if like.is_percent:
        return f"{(value * 100).normalize():f}%"
    return f"{value.normalize():f}"
