"""Metrics: raw :class:`~cxdsl.sim.tallies.Tallies` of a model in, a :class:`Result` out.

Definitions (DESIGN.md "Meaning"), per persona and for the whole population, on rounded
scores ``r = floor(score + 0.5)``:

* ``mean``: mean final score;
* ``distribution``: share of each r from LO to HI;
* ``nps`` = 100 × (share r ≥ 9 − share r ≤ 6), only on a 0..10 scale;
* ``csat`` = 100 × share r ≥ HI − 1 (top-two-box);
* ``conversion``: share that reached the goal stage;
* ``revenue``: mean over customers of the persona's value, counted for converted customers.

Intervals are 95% normal approximations, ``value ± 1.96 × se``, clipped to the metric's
range. Per persona, ``se² = var / n`` with ``var`` the per-customer variance of the metric's
indicator (or score). Overall values are the weighted means ``Σ w_q m_q`` of the personas'
values and ``se² = Σ w_q² var_q / n_q`` — the stratified estimator, since each persona gets
an exact share of the customers. For the exact engine every interval is ``[value, value]``.

Per stage: share of all customers who reached it, share who advanced past it (the last
stage has no advance: 0), mean score at the end of the stage among those who reached it
(None when nobody did). Per event: share of all customers it happened to.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from ..model import ir
from ..model.metrics import METRICS, REGISTRY, PersonaStats, headline_for, metrics_for
from .tallies import Tallies

Z95 = 1.959963984540054
#: Order of the metrics in every Result and every JSON object.
METRIC_ORDER = METRICS


def headline_metric(model: ir.Model) -> str:
    """The metric ``--precision`` watches and reports lead with: nps on a 0..10 scale,
    otherwise the mean score."""
    return headline_for(model.scale)


def metric_names(model: ir.Model) -> tuple[str, ...]:
    return metrics_for(model.scale)


def _float(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass
class Metric:
    """A value with its 95% interval and standard error (None where undefined)."""

    value: float | None
    lo: float | None
    hi: float | None
    se: float | None = None

    @property
    def half_width(self) -> float | None:
        if self.lo is None or self.hi is None or self.se is None:
            return None
        return Z95 * self.se

    def to_dict(self) -> dict:
        return {"value": _float(self.value), "ci95": [_float(self.lo), _float(self.hi)]}


@dataclass
class Group:
    """The metrics of one persona or of the whole population."""

    metrics: dict[str, Metric]
    distribution: list[float | None]
    customers: float  # customers behind these figures (exact engine: 1 per persona)

    def __getitem__(self, name: str) -> Metric:
        return self.metrics[name]

    def to_dict(self) -> dict:
        out: dict = {name: m.to_dict() for name, m in self.metrics.items()}
        out["distribution"] = [_float(x) for x in self.distribution]
        return out


@dataclass
class StageResult:
    name: str
    label: str | None
    reached: float
    advanced: float
    mean_score: float | None

    def to_dict(self) -> dict:
        return {"name": self.name, "reached": _float(self.reached),
                "advanced": _float(self.advanced), "mean_score": _float(self.mean_score)}


@dataclass
class EventResult:
    name: str
    label: str | None
    stage: str
    rate: float

    def to_dict(self) -> dict:
        return {"name": self.name, "rate": _float(self.rate)}


@dataclass
class TargetResult:
    target: ir.Target
    value: float | None
    met: bool

    def to_dict(self) -> dict:
        return {"target": str(self.target), "value": _float(self.value), "met": self.met}


@dataclass
class Result:
    """Everything one run forecast. ``to_dict()`` is the ``cxdsl run --json`` document."""

    manifest: dict
    overall: Group
    personas: dict[str, Group]
    stages: list[StageResult]
    events: list[EventResult]
    targets: list[TargetResult]
    exact: bool = False
    model: ir.Model | None = field(default=None, repr=False, compare=False)
    tallies: Tallies | None = field(default=None, repr=False, compare=False)

    @property
    def headline(self) -> str:
        return "nps" if "nps" in self.overall.metrics else "mean"

    @property
    def targets_met(self) -> bool:
        return all(t.met for t in self.targets)

    @property
    def missed(self) -> list[TargetResult]:
        return [t for t in self.targets if not t.met]

    def metric(self, name: str, persona: str | None = None) -> Metric:
        group = self.overall if persona is None else self.personas[persona]
        return group.metrics[name]

    def half_width(self, name: str | None = None, persona: str | None = None) -> float:
        """95% half-width of a metric (default: the headline metric); 0 for the exact
        engine, inf while it is undefined."""
        hw = self.metric(name or self.headline, persona).half_width
        return math.inf if hw is None else hw

    def to_dict(self) -> dict:
        return {
            "manifest": dict(self.manifest),
            "overall": self.overall.to_dict(),
            "personas": {name: g.to_dict() for name, g in self.personas.items()},
            "stages": [s.to_dict() for s in self.stages],
            "events": [e.to_dict() for e in self.events],
            "targets": [t.to_dict() for t in self.targets],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False,
                          allow_nan=False)


# ---------------------------------------------------------------------- computing


def _per_customer(t: Tallies, model: ir.Model, q: int) -> dict[str, tuple[float, float]]:
    """(value, per-customer variance) of each metric for persona q (n[q] > 0)."""
    n = float(t.n[q])
    mean = t.score_sum[q] / n
    # unbiased variance of the score for a sample; the exact engine's is the true one
    var_score = max(t.score_sq[q] / n - mean * mean, 0.0)
    if not t.exact and n > 1:
        var_score *= n / (n - 1)
    stats = PersonaStats(t.hist[q] / n, float(mean), var_score,
                         float(t.reached[q, model.goal_index] / n),
                         float(model.personas[q].value), model.scale)
    return {m: REGISTRY[m].estimate(stats) for m in metric_names(model)}


def compute(tallies: Tallies, model: ir.Model, manifest: dict | None = None) -> Result:
    """The Result of ``model`` from its tallies. ``manifest`` is copied as given."""
    t = tallies
    names = metric_names(model)
    Q = len(model.personas)
    K = model.scale[1] - model.scale[0] + 1
    values = [p.value for p in model.personas]
    w = np.asarray(t.weight, float)
    present = [q for q in range(Q) if t.n[q] > 0]
    wsum = float(sum(w[q] for q in present))

    per: list[dict[str, tuple[float, float]] | None] = [
        _per_customer(t, model, q) if t.n[q] > 0 else None for q in range(Q)]

    def interval(name: str, value: float, se: float) -> Metric:
        if t.exact:
            return Metric(value, value, value, 0.0)
        lo, hi = REGISTRY[name].bounds(model.scale, values)
        return Metric(value, max(lo, value - Z95 * se), min(hi, value + Z95 * se), se)

    personas: dict[str, Group] = {}
    for q, persona in enumerate(model.personas):
        pq = per[q]
        if pq is None:
            metrics = {m: Metric(None, None, None) for m in names}
            personas[persona.name] = Group(metrics, [None] * K, 0.0)
            continue
        n = float(t.n[q])
        metrics = {m: interval(m, pq[m][0], math.sqrt(pq[m][1] / n)) for m in names}
        personas[persona.name] = Group(metrics, [float(x) for x in t.hist[q] / n], n)

    # overall: stratified combination over the personas that have customers
    wn = {q: float(w[q]) / wsum for q in present} if wsum > 0 else {}
    overall_metrics: dict[str, Metric] = {}
    for m in names:
        value = sum(wn[q] * per[q][m][0] for q in present)
        var = sum(wn[q] ** 2 * per[q][m][1] / float(t.n[q]) for q in present)
        overall_metrics[m] = interval(m, value, math.sqrt(var))
    dist = np.zeros(K)
    for q in present:
        dist += wn[q] * t.hist[q] / float(t.n[q])
    overall = Group(overall_metrics, [float(x) for x in dist], float(t.n.sum()))

    def share(arr: np.ndarray) -> np.ndarray:
        """Population share per column of a [Q, X] tally."""
        out = np.zeros(arr.shape[1])
        for q in present:
            out += wn[q] * arr[q] / float(t.n[q])
        return out

    reached, advanced, stage_sum = share(t.reached), share(t.advanced), share(
        t.stage_score_sum)
    stages = []
    for s, stage in enumerate(model.stages):
        mean_score = float(stage_sum[s] / reached[s]) if reached[s] > 0 else None
        stages.append(StageResult(stage.name, stage.label, float(reached[s]),
                                  float(advanced[s]), mean_score))
    rates = share(t.event_count)
    events = [EventResult(e.name, e.label, e.stage, float(rates[k]))
              for k, e in enumerate(model.events)]

    targets = []
    for target in model.targets:
        group = overall if target.persona is None else personas.get(target.persona)
        metric = group.metrics.get(target.metric) if group is not None else None
        value = metric.value if metric is not None else None
        targets.append(TargetResult(target, value,
                                    bool(value is not None and target.met(value))))

    return Result(dict(manifest or {}), overall, personas, stages, events, targets,
                  exact=t.exact, model=model, tallies=t)


__all__ = ["Metric", "Group", "StageResult", "EventResult", "TargetResult", "Result",
           "compute", "headline_metric", "metric_names", "Z95", "METRIC_ORDER"]
