"""Pass: uncertain values and worlds. Each ``uncertain PATH ~ DIST`` line's path (as in
scenarios and sweeps, on the baseline's declarations), its distribution (a form whose draws
stay inside the attribute's range: 0..1 for a probability, ≥ 0 for a share; baselines and
impacts may draw anything, their scores are clamped, but a baseline's mean stays on the
scale), and ``worlds W``.

A path may be uncertain for every persona (``e.p``) and, on another line, for one persona
(``e.p[smb]``): a world applies the every-persona draws first, then the per-persona ones.

Messages quote a distribution as the user wrote it (``normal(50%, 1%)``), from the source.
"""

from __future__ import annotations

import dataclasses
import math

from ...model import ir
from ...model.attributes import ATTRIBUTES, BASELINE, NON_NEGATIVE, PROBABILITY, UNITS
from ...model.values import FORMS, ValueForm
from .. import ast
from .. import messages as msg
from ..diagnostics import Span, did_you_mean
from ..printer import path_text, value_text
from ..vocabulary import uncertain_forms
from . import values
from .context import Context
from .scenarios import claim_path

#: Most worlds one forecast may run (each world is a simulation of its own).
MAX_WORLDS = 100_000

#: An example distribution for each kind of attribute, for hints.
_EXAMPLES = {PROBABILITY: "beta(5, 95)", NON_NEGATIVE: "uniform(0.2, 0.4)"}


def run(ctx: Context) -> None:
    model = ctx.model
    worlds = _worlds(ctx)
    added = _added_events(ctx)
    out: list[ir.Uncertain] = []
    seen: dict[ir.PathRef, Span] = {}
    for st in ctx.statements_of(ast.Uncertain):
        target = st.path.target.text
        if target in added and not any(e.name == target for e in model.events):
            ctx.err("E602", msg.UNCERTAIN_ADDED_EVENT.format(
                path=path_text(st.path), target=target, scenario=added[target]),
                st.path.target.span, msg.UNCERTAIN_ADDED_EVENT_HINT.format(
                    target=target, attr=st.path.attr.text, scenario=added[target]))
            continue
        path = claim_path(ctx, st.path, st.span, model, seen,
                          ("E607", msg.UNCERTAIN_TWICE, msg.KEEP_ONE_UNCERTAIN_HINT))
        if path is None:
            continue
        dist = _distribution(ctx, st, path)
        if dist is not None:
            out.append(ir.Uncertain(path, dist))
    _never_matters(ctx, model, out, seen)
    given = ctx.statements_of(ast.Worlds)
    if worlds is not None and not ctx.statements_of(ast.Uncertain):
        ctx.warn("W011", msg.WORLDS_UNUSED.format(raw=given[0].count.raw), given[0].span,
                 msg.WORLDS_UNUSED_HINT)
    ctx.model = dataclasses.replace(model, uncertain=tuple(out), worlds=worlds)


def _worlds(ctx: Context) -> int | None:
    """The checked ``worlds W`` (None when absent or wrong, reported). Every line's number
    is checked; a line after the first is reported as given twice as well."""
    given = ctx.statements_of(ast.Worlds)
    for extra in given[1:]:
        ctx.err("E209", msg.GIVEN_MORE_THAN_ONCE.format(what="worlds", path=given[0].span.path,
                                                        line=given[0].span.line),
                extra.span, msg.KEEP_ONE_HINT)
    counts = [_world_count(ctx, st.count) for st in given]
    return counts[0] if counts else None


def _world_count(ctx: Context, n: ast.Number) -> int | None:
    if values.number(ctx, n) is None:
        return None
    whole = n.value == n.value.to_integral_value()
    if not n.is_percent and whole and 1 <= n.value <= MAX_WORLDS:
        return int(n.value)
    hundred = n.value * 100
    if n.is_percent and hundred == hundred.to_integral_value() and 1 <= hundred <= MAX_WORLDS:
        hint = msg.WORLDS_PERCENT_HINT.format(whole=f"{int(hundred):_}")
    else:
        hint = msg.WORLDS_HINT.format(default=ir.DEFAULT_WORLDS)
    ctx.err("E306", msg.NOT_WHOLE.format(what=msg.WORLDS, lo=1, hi=MAX_WORLDS, raw=n.raw),
            n.span, hint)
    return None


def _added_events(ctx: Context) -> dict[str, str]:
    """Event name -> the first scenario that declares it in its block (read from the
    syntax tree, so a scenario with errors of its own counts too)."""
    out: dict[str, str] = {}
    for sc in ctx.statements_of(ast.Scenario):
        for item in sc.items:
            if isinstance(item, ast.Event):
                out.setdefault(item.name.text, sc.name.text)
    return out


def _kind(path: ir.PathRef) -> str:
    return ATTRIBUTES[path.kind][path.attr].kind


def _distribution(ctx: Context, st: ast.Uncertain, path: ir.PathRef) -> ir.Dist | None:
    """The checked distribution of one ``uncertain`` line; None after a reported error."""
    kind = _kind(path)
    what = msg.ATTRIBUTE_OF.format(attr=path.attr, who=f"'{path.target}'")
    value = st.dist
    fitting = uncertain_forms(kind)
    if isinstance(value, ast.Number):
        ctx.err("E607", msg.UNCERTAIN_NEEDS_DISTRIBUTION.format(raw=value.raw), value.span,
                msg.UNCERTAIN_DISTRIBUTION_HINT.format(example=_around(value, kind)))
        return None
    name = value.func.text
    if name not in FORMS:
        ctx.err("E208", msg.UNKNOWN_DISTRIBUTION.format(name=name), value.func.span,
                did_you_mean(name, fitting) or did_you_mean(name, tuple(FORMS))
                or msg.uncertain_forms_hint([FORMS[f].signature for f in fitting]))
        return None
    unit = None if kind in (PROBABILITY, NON_NEGATIVE) else UNITS.get(path.attr)
    if name == "discrete":
        dist = values.discrete(ctx, value, what, unit)
    else:
        # beta's numbers are counts, never in the attribute's unit
        dist = values.form(ctx, value, FORMS[name], what, None if name == "beta" else unit)
    if dist is None or not _in_range(ctx, dist, kind, path, value):
        return None
    return dist


def _around(n: ast.Number, kind: str) -> str:
    """A distribution centred on the single number ``n`` written where one was wanted, for
    the hint: ``beta(5, 95)`` for 5%, ``uniform(...)`` for a share, ``normal(-3, 0.75)``
    for -3; the kind's example when ``n`` gives no centre."""
    v = None if n.value is None else float(n.value)
    if v is None or not math.isfinite(v):
        return _EXAMPLES.get(kind, "normal(-2, 0.5)")
    if kind == PROBABILITY:
        if not 0.0 < v < 1.0:
            return _EXAMPLES[kind]
        return f"beta({_count(v * 100)}, {_count((1.0 - v) * 100)})"
    if kind == NON_NEGATIVE:
        if v <= 0:
            return _EXAMPLES[kind]
        return f"uniform({_count(v * 0.8)}, {_count(v * 1.2)})" if not n.is_percent else \
            f"uniform({_percent(v * 0.8)}, {_percent(v * 1.2)})"
    return f"normal({n.raw}, {_count(abs(v) / 4) if v else '0.5'})"


def _count(x: float) -> str:
    return f"{float(f'{x:.3g}'):g}"


def _in_range(ctx: Context, dist: ValueForm, kind: str, path: ir.PathRef,
              value: ast.Call) -> bool:
    """Whether every draw of ``dist`` is a valid value at ``path`` (reported when not)."""
    lo, hi = dist.support()
    shown = value_text(value)
    if kind == PROBABILITY and (lo < 0.0 or hi > 1.0 or math.isnan(lo)):
        ctx.err("E607", msg.UNCERTAIN_NOT_PROBABILITY.format(path=str(path), dist=shown),
                value.span, _probability_hint(dist, shown))
        return False
    if kind == NON_NEGATIVE and lo < 0.0:
        ctx.err("E607", msg.UNCERTAIN_NEGATIVE.format(path=str(path), dist=shown),
                value.span, msg.UNCERTAIN_NEGATIVE_HINT)
        return False
    s_lo, s_hi = ctx.scale
    if kind == BASELINE and not s_lo <= dist.mean() <= s_hi:
        ctx.err("E304", msg.UNCERTAIN_BASELINE_OUTSIDE.format(
            path=str(path), lo=s_lo, hi=s_hi, dist=shown, mean=dist.mean()), value.span,
            msg.UNCERTAIN_BASELINE_HINT.format(center=(s_lo + s_hi) / 2))
        return False
    return True


def _spread(dist: ValueForm, n: int = 4096) -> float:
    """The standard deviation of ``dist``, by the midpoint rule on its inverse CDF."""
    draws = [dist.quantile((i + 0.5) / n) for i in range(n)]
    mean = math.fsum(draws) / n
    return math.sqrt(math.fsum((x - mean) ** 2 for x in draws) / n)


def _probability_hint(dist: ValueForm, shown: str) -> str:
    """The hint for a probability's distribution that leaves 0..1: a beta with the same mean
    and spread when there is one, else an example."""
    m = dist.mean()
    sd = _spread(dist)
    if not (0.0 < m < 1.0 and 0.0 < sd * sd < m * (1.0 - m)):
        return msg.UNCERTAIN_PROBABILITY_HINT
    k = m * (1.0 - m) / (sd * sd) - 1.0  # a + b: the method of moments
    return msg.UNCERTAIN_MATCHING_BETA_HINT.format(
        beta=f"beta({_count(m * k)}, {_count((1.0 - m) * k)})", mean=_percent(m),
        sd=_percent(sd), dist=shown)


def _percent(x: float) -> str:
    return f"{float(f'{x * 100:.3g}'):g}%"


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
