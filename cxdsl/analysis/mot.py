"""Moments of truth (``cxdsl mot``): what each event contributes to a metric, and the
tornado of every numeric parameter moved down and up.

With uncertain values everything is computed world by world over the same worlds, on the
same customers in each world (:mod:`cxdsl.analysis.world_points`): in world w, the metric
now, with the event's p at 0 and at 1 (p is then certain, whatever its declaration), and
the contribution, leverage and swing of that world. Every figure reports the mean over
worlds (the forecast's expected value), its simulation interval and its ``forecast95``; the
ranking is by the expected contribution (swing). The tornado moves each parameter by ±X%
around its value in each world (an uncertain value's draw); its ``current``,
``low_setting`` and ``high_setting`` texts are those of the spec's declared values.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from ..model import ir
from ..model.diff import _attr_text
from ..sim.metrics import Metric
from ..sim.worlds import world_models
from .common import (
    AnalysisError,
    Point,
    Progress,
    check_metric,
    check_scenario,
    manifest_for,
    settings_for,
)
from .paired import combine, delta
from .world_points import Variant, evaluate_variants

#: Default move of every parameter in a tornado.
TORNADO_BY = 0.20


def _run_setup(model: ir.Model, metric: str | None, scenario: str | None, engine: str,
               customers: int | None, seed: int | None, threads: int | None,
               spec_sha: str | None):
    """(metric, base model, settings, manifest) of a mot or tornado run, its arguments
    checked."""
    check_scenario(model, scenario)
    metric = check_metric(model, metric)
    base = ir.with_scenario(model, scenario)
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    return metric, base, s, manifest_for(s, spec_sha, scenario)


def _set_p(model: ir.Model, event: str, p: float) -> ir.Model:
    return ir.with_overrides(model, {ir.PathRef("event", event, "p"): p})


def _metric_dicts(row, *names: str) -> dict:
    """The JSON of each named :class:`Metric` field of ``row``, in that order."""
    return {name: getattr(row, name).to_dict() for name in names}


@dataclass
class EventImportance:
    event: ir.Event
    contribution: Metric
    if_never: Metric
    if_always: Metric
    leverage: Metric

    def to_dict(self) -> dict:
        return {"name": self.event.name, "stage": self.event.stage,
                **_metric_dicts(self, "contribution", "if_never", "if_always", "leverage")}


@dataclass
class MotResult:
    manifest: dict
    model: ir.Model
    metric: str
    now: Metric
    events: list[EventImportance]
    tornado: TornadoResult | None = None

    def to_dict(self) -> dict:
        out = {"manifest": dict(self.manifest), "metric": self.metric,
               "events": [e.to_dict() for e in self.events]}
        if self.tornado is not None:
            out["tornado"] = self.tornado.section()
        return out


def mot(model: ir.Model, metric: str | None = None, *, scenario: str | None = None,
        engine: str = "numba", customers: int | None = None, seed: int | None = None,
        threads: int | None = None, executor=None, spec_sha: str | None = None,
        progress: Progress | None = None, tornado_by: float | None = None,
        worlds: int | None = None) -> MotResult:
    """For every event: its contribution (metric now − if_never), if_never and if_always
    (the metric with the event's p at 0 and at 1 for every persona) and its leverage
    ((if_always − if_never) / 10: the change per 10 percentage points of p), ranked by
    |contribution|. With ``tornado_by``, also the tornado of every numeric parameter
    (evaluated in the same batch). With uncertain values, world by world over ``worlds``
    worlds (module docstring)."""
    metric, base, s, man = _run_setup(model, metric, scenario, engine, customers, seed,
                                      threads, spec_sha)
    params = tornado_parameters(base, tornado_by) if tornado_by is not None else []
    variants = _mot_variants(base, params)
    points, man = evaluate_variants(
        model, variants, worlds, s, man,
        lambda draws: _mot_grid(model, draws, scenario, base.events, params, tornado_by),
        executor=executor, progress=progress)
    now = points[0]
    rows = []
    for i, e in enumerate(base.events):
        never, always = points[1 + 2 * i], points[2 + 2 * i]
        rows.append(EventImportance(
            e, delta(now, never, metric), never.result.metric(metric),
            always.result.metric(metric), combine([always, never], [0.1, -0.1], metric)))
    rows.sort(key=lambda r: -abs(r.contribution.value or 0.0))
    torn = None
    if tornado_by is not None:
        off = 1 + 2 * len(base.events)
        torn = _tornado_result(man, base, metric, tornado_by, now, params,
                               points[off:])
    return MotResult(man, base, metric, now.result.metric(metric), rows, torn)


def _mot_variants(base: ir.Model, params: list[TornadoParam]) -> list[ir.Model]:
    """The models mot evaluates: ``base``, each event's p at 0 and at 1, then each
    tornado parameter low and high."""
    models = [base]
    for e in base.events:
        models += [_set_p(base, e.name, 0.0), _set_p(base, e.name, 1.0)]
    for prm in params:
        models += [prm.low_model, prm.high_model]
    return models


def _mot_grid(model: ir.Model, draws, scenario: str | None, events,
              params: list[TornadoParam], by: float | None) -> list:
    """The variants (:func:`_mot_variants`, of ``events``) in every world: the model now
    and, in each world, the event's p set on the world's model (:class:`Variant`: the
    point's override on top of the world's draws); each tornado parameter moved around
    the world's value, as world models (a parameter the move leaves unchanged in a world
    keeps that world's model)."""
    grid: list = [Variant(model, scenario)]
    for e in events:
        grid += [Variant(model, scenario, {ir.PathRef("event", e.name, "p"): p})
                 for p in (0.0, 1.0)]
    if params:
        worlds = world_models(model, draws, scenario)
        moved = [{prm.path: prm for prm in tornado_parameters(w, by)} for w in worlds]
        for prm in params:
            grid += [[m[prm.path].low_model if prm.path in m else w
                      for w, m in zip(worlds, moved)],
                     [m[prm.path].high_model if prm.path in m else w
                      for w, m in zip(worlds, moved)]]
    return grid


@dataclass
class TornadoParam:
    """One parameter moved down and up: ``path`` names it (per-persona values move
    together), ``low``/``high`` describe the moved values."""

    path: str
    current: str
    low: str
    high: str
    low_model: ir.Model = field(repr=False)
    high_model: ir.Model = field(repr=False)


@dataclass
class TornadoRow:
    param: TornadoParam
    low: Metric
    high: Metric
    swing: Metric

    def to_dict(self) -> dict:
        return {"parameter": self.param.path, "current": self.param.current,
                "low_setting": self.param.low, "high_setting": self.param.high,
                **_metric_dicts(self, "low", "high", "swing")}


@dataclass
class TornadoResult:
    manifest: dict
    model: ir.Model
    metric: str
    by: float
    now: Metric
    rows: list[TornadoRow]

    def section(self) -> dict:
        return {"by": self.by, "metric": self.metric, "now": self.now.to_dict(),
                "parameters": [r.to_dict() for r in self.rows]}

    def to_dict(self) -> dict:
        return {"manifest": dict(self.manifest), **self.section()}


def _per_text(attr: str, values: tuple) -> str:
    uniq = list(dict.fromkeys(values))
    return " / ".join(_attr_text(attr, v) for v in uniq)


def tornado_parameters(model: ir.Model, by: float = TORNADO_BY) -> list[TornadoParam]:
    """Every numeric parameter of ``model`` moved by ±``by`` (a fraction): persona share,
    baseline and value; stage advance and slope (not on the last stage); event p and
    impact. Per-persona values move together, each by the same factor; probabilities are
    clipped to [0, 1]; a share is renormalised with the others. Parameters the move leaves
    unchanged on both sides (zeros, a single persona's share) are left out."""
    if not (isinstance(by, (int, float)) and math.isfinite(by) and 0 < by <= 10):
        raise AnalysisError(f"the tornado's move must be a fraction above 0 (e.g. 20%), "
                            f"got {by!r}")
    out: list[TornadoParam] = []
    lo, hi = model.scale

    def prob(x):
        return min(max(x, 0.0), 1.0)

    def add(path, attr, current, low, high, lm, hm):
        if lm == model and hm == model:
            return
        out.append(TornadoParam(path, _per_text(attr, current), _per_text(attr, low),
                                _per_text(attr, high), lm, hm))

    for p in model.personas:
        for attr in ("share", "baseline", "value"):
            vals = {}
            for side, k in (("low", 1 - by), ("high", 1 + by)):
                if attr == "share":
                    nv = p.share * k
                    m = ir.apply_change(model, ir.SetAttr(ir.PathRef("persona", p.name,
                                                                     "share"), nv))
                elif attr == "baseline":
                    nv = p.baseline.scaled(k, (lo, hi))
                    m = _replace_persona(model, p.name, baseline=nv)
                else:
                    nv = p.value * k
                    m = _replace_persona(model, p.name, value=nv)
                vals[side] = (nv, m)
            cur = getattr(p, attr)
            add(f"{p.name}.{attr}", attr, (cur,), (vals["low"][0],), (vals["high"][0],),
                vals["low"][1], vals["high"][1])
    for s in model.stages[:-1]:
        for attr in ("advance", "slope"):
            cur = getattr(s, attr)
            f = prob if attr == "advance" else (lambda x: x)
            low = tuple(f(v * (1 - by)) for v in cur)
            high = tuple(f(v * (1 + by)) for v in cur)
            add(f"{s.name}.{attr}", attr, cur, low, high,
                _replace_stage(model, s.name, **{attr: low}),
                _replace_stage(model, s.name, **{attr: high}))
    for e in model.events:
        low = tuple(prob(v * (1 - by)) for v in e.p)
        high = tuple(prob(v * (1 + by)) for v in e.p)
        add(f"{e.name}.p", "p", e.p, low, high, _replace_event(model, e.name, p=low),
            _replace_event(model, e.name, p=high))
        low_i = tuple(d.scaled(1 - by) for d in e.impact)
        high_i = tuple(d.scaled(1 + by) for d in e.impact)
        add(f"{e.name}.impact", "impact", e.impact, low_i, high_i,
            _replace_event(model, e.name, impact=low_i),
            _replace_event(model, e.name, impact=high_i))
    return out


def _replace_persona(model, name, **kw):
    return dataclasses.replace(model, personas=tuple(
        dataclasses.replace(p, **kw) if p.name == name else p for p in model.personas))


def _replace_stage(model, name, **kw):
    return dataclasses.replace(model, stages=tuple(
        dataclasses.replace(s, **kw) if s.name == name else s for s in model.stages))


def _replace_event(model, name, **kw):
    return dataclasses.replace(model, events=tuple(
        dataclasses.replace(e, **kw) if e.name == name else e for e in model.events))


def _tornado_result(man, model, metric, by, now: Point, params, points) -> TornadoResult:
    rows = []
    for i, prm in enumerate(params):
        low, high = points[2 * i], points[2 * i + 1]
        rows.append(TornadoRow(prm, low.result.metric(metric), high.result.metric(metric),
                               delta(high, low, metric)))
    rows.sort(key=lambda r: -abs(r.swing.value or 0.0))
    return TornadoResult(man, model, metric, by, now.result.metric(metric), rows)


def tornado(model: ir.Model, metric: str | None = None, by: float = TORNADO_BY, *,
            scenario: str | None = None, engine: str = "numba", customers: int | None = None,
            seed: int | None = None, threads: int | None = None, executor=None,
            spec_sha: str | None = None, progress: Progress | None = None,
            worlds: int | None = None) -> TornadoResult:
    """Every numeric parameter moved ±``by`` (:func:`tornado_parameters`), ranked by the
    swing of ``metric`` (high − low, paired interval); with uncertain values, world by
    world (module docstring)."""
    metric, base, s, man = _run_setup(model, metric, scenario, engine, customers, seed,
                                      threads, spec_sha)
    params = tornado_parameters(base, by)
    models = [base] + [m for prm in params for m in (prm.low_model, prm.high_model)]
    points, man = evaluate_variants(
        model, models, worlds, s, man,
        lambda draws: _mot_grid(model, draws, scenario, (), params, by),
        executor=executor, progress=progress)
    return _tornado_result(man, base, metric, by, points[0], params, points[1:])
