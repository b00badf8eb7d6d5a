"""Scenario comparison (``cxdsl compare``) and the paired forecast of two versions of a
journey (``cxdsl diff --forecast``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import ir
from ..sim.metrics import Metric, headline_metric, metric_names
from .batches import evaluate
from .common import Point, Progress, check_scenario, group_dict, manifest_for, settings_for
from .paired import delta


@dataclass
class ScenarioComparison:
    scenario: ir.Scenario
    point: Point
    delta: dict[str, Metric]
    roi: dict | None

    def to_dict(self) -> dict:
        roi = None
        if self.roi is not None:
            roi = {k: (v.to_dict() if isinstance(v, Metric) else v)
                   for k, v in self.roi.items()}
        return {"name": self.scenario.name, "label": self.scenario.label,
                "cost": self.scenario.cost, **group_dict(self.point.result),
                "delta": {m: d.to_dict() for m, d in self.delta.items()}, "roi": roi}


@dataclass
class Comparison:
    """The baseline and each scenario, with paired deltas; ``scenarios`` are sorted by the
    change of the headline metric, largest first."""

    manifest: dict
    model: ir.Model
    baseline: Point
    scenarios: list[ScenarioComparison]
    headline: str

    @property
    def targets_met(self) -> bool:
        return self.baseline.result.targets_met

    def to_dict(self) -> dict:
        return {"manifest": dict(self.manifest), "baseline": group_dict(self.baseline.result),
                "scenarios": [s.to_dict() for s in self.scenarios]}


def _roi(scenario: ir.Scenario, d: dict[str, Metric], headline: str, customers: int
         ) -> dict | None:
    """Revenue change over the run's customers minus the cost, and headline points per
    10,000 of cost; None for a scenario without a cost."""
    if scenario.cost is None:
        return None
    cost = float(scenario.cost)
    rev = d.get("revenue")

    def scaled(m: Metric, k: float, shift: float = 0.0) -> Metric:
        if m is None or m.value is None:
            return Metric(None, None, None)
        lo, hi = sorted((m.lo * k + shift, m.hi * k + shift))
        return Metric(m.value * k + shift, lo, hi, None if m.se is None else m.se * abs(k))

    out: dict = {"metric": headline, "customers": customers,
                 "revenue_change": scaled(rev, customers),
                 "net": scaled(rev, customers, -cost)}
    out["per_10k_cost"] = scaled(d[headline], 10_000 / cost) if cost > 0 else None
    return out


def compare(model: ir.Model, scenarios: Sequence[str] | None = None, *,
            engine: str = "numba", customers: int | None = None, seed: int | None = None,
            threads: int | None = None, executor=None, spec_sha: str | None = None,
            progress: Progress | None = None) -> Comparison:
    """The baseline and each named scenario (default: all of the spec's, in order), with
    every metric's change against the baseline and its paired interval."""
    names = list(scenarios) if scenarios else [s.name for s in model.scenarios]
    for n in names:
        check_scenario(model, n)
    names = list(dict.fromkeys(names))
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, None)
    models = [model] + [ir.with_scenario(model, n) for n in names]
    points = evaluate(models, s, paired=True, executor=executor, progress=progress,
                      manifest=man)
    base = points[0]
    headline = headline_metric(model)
    metrics = metric_names(model)
    rows = []
    for n, p in zip(names, points[1:]):
        d = {m: delta(p, base, m) for m in metrics}
        sc = model.scenario(n)
        rows.append(ScenarioComparison(sc, p, d, _roi(sc, d, headline, s.customers)))
    rows.sort(key=lambda r: -(r.delta[headline].value or 0.0))
    return Comparison(man, model, base, rows, headline)


@dataclass
class ForecastDiff:
    """Two versions of a journey forecast with the same seed and customers, and the paired
    change of each metric (new − old)."""

    manifest: dict
    old: Point
    new: Point
    delta: dict[str, Metric]

    def to_dict(self) -> dict:
        return {"old": group_dict(self.old.result), "new": group_dict(self.new.result),
                "delta": {m: d.to_dict() for m, d in self.delta.items()}}


def paired_forecast(old: ir.Model, new: ir.Model, *, engine: str = "numba",
                    customers: int | None = None, seed: int | None = None,
                    threads: int | None = None, executor=None,
                    spec_sha: str | None = None, progress: Progress | None = None
                    ) -> ForecastDiff:
    """Forecast both versions (run size and seed from the arguments, else the new spec's)
    and every metric's paired change. Metrics only one version defines (nps when the scale
    changed) are left out of ``delta``."""
    s = settings_for(new, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, None)
    a, b = evaluate([old, new], s, paired=True, executor=executor, progress=progress,
                    manifest=man)
    common = [m for m in metric_names(new) if m in metric_names(old)]
    return ForecastDiff(man, a, b, {m: delta(b, a, m) for m in common})
