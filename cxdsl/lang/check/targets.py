"""Pass: targets. Each ``target`` checked for a known metric (of a known survey, for
``SURVEY.METRIC``) and a threshold the forecast can both meet and miss."""

from __future__ import annotations

import dataclasses
import math

from ...model import ir
from ...model.attributes import SCORE_POINT
from .. import ast
from .. import messages as msg
from ..diagnostics import did_you_mean
from ..vocabulary import METRICS, SURVEY_METRICS
from . import values
from .context import Context


def run(ctx: Context) -> None:
    model = ctx.model
    # targets are also met or missed by the scenarios and sweeps, whose values count
    written = [p.value for p in ctx.personas] + [
        float(n.value) for n in _written_values(ctx.statements, "value")
        if n.value is not None]
    value_range = (min([0.0] + written), max([0.0] + written))
    if any(u.path.attr.text == "value" for u in ctx.statements_of(ast.Uncertain)):
        value_range = (-math.inf, math.inf)  # a world may draw any value
    out = []
    for t in ctx.statements_of(ast.Target):
        target = _target(ctx, t, model, value_range)
        if target is not None:
            out.append(target)
    ctx.model = dataclasses.replace(model, targets=tuple(out))


def _target(ctx: Context, t: ast.Target, model: ir.Model,
            value_range: tuple[float, float]) -> ir.Target | None:
    """``value_range``: the lowest and highest persona value the file sets anywhere, 0
    included (a customer who does not convert brings 0)."""
    metric = t.metric.text
    if metric not in METRICS:
        ctx.err("E207", msg.UNKNOWN_METRIC.format(metric=metric), t.metric.span,
                did_you_mean(metric, METRICS) or msg.metrics_hint(METRICS))
        return None
    survey = None
    if t.survey is not None:
        survey = _survey(ctx, t, model)
        if survey is None:
            return None
    if t.op not in ir.TARGET_OPS:
        ctx.err("E207", msg.TARGET_OPERATOR.format(op=t.op), t.op_span or t.span)
        return None
    if metric == "nps" and not model.has_nps:
        lo, hi = model.scale
        ctx.err("E608", msg.NPS_SCALE.format(lo=lo, hi=hi), t.metric.span, msg.NPS_SCALE_HINT)
        return None
    v = (values.plain(ctx, t.threshold, msg.MEAN_TARGET, SCORE_POINT)
         if metric == "mean" else
         values.plain(ctx, t.threshold, msg.REVENUE_TARGET, msg.MONEY_PER_CUSTOMER)
         if metric == "revenue" else values.number(ctx, t.threshold))
    if v is None:
        return None
    if metric in ("nps", "csat") and not t.threshold.is_percent and 0 < abs(v) < 1:
        ctx.warn("W007", msg.POINTS_OF_100.format(metric=metric, raw=t.threshold.raw, value=v),
                 t.threshold.span, msg.points_hint(v))
    if metric == "conversion" and not t.threshold.is_percent and not 0 <= v <= 1:
        ctx.err("E302", msg.CONVERSION_NOT_SHARE.format(raw=t.threshold.raw), t.threshold.span,
                msg.CONVERSION_HINT.format(value=v))
        return None
    if metric in ("nps", "csat") and t.threshold.is_percent:
        v *= 100  # csat and nps are already in points out of 100
    lo, hi = model.scale
    reach = {"nps": (-100, 100), "csat": (0, 100), "conversion": (0, 1),
             "mean": (lo, hi),
             # revenue: the mean value over all customers, converted or not
             "revenue": value_range}[metric]
    lo_r, hi_r = reach
    never = {">=": v > hi_r, ">": v >= hi_r, "<=": v < lo_r, "<": v <= lo_r}[t.op]
    always = {">=": v <= lo_r, ">": v < lo_r, "<=": v >= hi_r, "<": v > hi_r}[t.op]
    if never or always:
        ctx.err("E302", msg.target_decided(metric, msg.target_reach(metric, lo_r, hi_r),
                                           t.op, t.threshold.raw, always),
                t.threshold.span, msg.TARGET_MISSABLE_HINT)
        return None
    persona = None
    if t.persona is not None:
        persona = ctx.persona_ref(t.persona)
        if persona is None:
            return None
    return ir.Target(metric, t.op, v, persona, survey)


def _survey(ctx: Context, t: ast.Target, model: ir.Model) -> str | None:
    """The survey of ``target SURVEY.METRIC``; None after a reported error."""
    metric = t.metric.text
    if metric not in SURVEY_METRICS:
        ctx.err("E211", msg.FUNNEL_METRIC_OF_SURVEY.format(survey=t.survey.text, metric=metric),
                t.metric.span, msg.funnel_metric_hint(metric, SURVEY_METRICS))
        return None
    names = [s.name for s in model.all_surveys]
    if t.survey.text in names:
        return t.survey.text
    if not ctx.symbols.reported_at_declaration(t.survey.text):
        ctx.unknown(t.survey, "survey", names)
    return None


def _written_values(statements, attr: str):
    """Every number the scenarios and sweeps of ``statements`` give to ``X.attr``."""
    for st in statements:
        if isinstance(st, ast.Scenario):
            for item in st.items:
                if (isinstance(item, ast.Assign) and item.path.attr.text == attr
                        and isinstance(item.value, ast.Number)):
                    yield item.value
        elif isinstance(st, ast.SweepList) and st.path.attr.text == attr:
            yield from st.values
        elif isinstance(st, ast.SweepRange) and st.path.attr.text == attr:
            yield from (st.start, st.stop)
