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
from .money import Money, money
from .paired import delta


@dataclass
class ScenarioComparison:
    """One scenario against the baseline: its point, every metric's paired change
    (scenario − baseline) and its money."""

    scenario: ir.Scenario
    point: Point
    delta: dict[str, Metric]
    money: Money

    @property
    def targets_met(self) -> bool:
        return self.point.result.targets_met

    def to_dict(self) -> dict:
        return {"name": self.scenario.name, "label": self.scenario.label,
                "cost": self.money.cost, "running_cost": self.money.running_cost,
                **group_dict(self.point.result),
                "targets": [t.to_dict() for t in self.point.result.targets],
                "delta": {m: d.to_dict() for m, d in self.delta.items()},
                "money": self.money.to_dict()}


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

    @property
    def meeting_targets(self) -> list[str]:
        """The variants (``baseline`` and scenario names) that meet every target."""
        return ((["baseline"] if self.targets_met else [])
                + [s.scenario.name for s in self.scenarios if s.targets_met])

    @property
    def best_net(self) -> ScenarioComparison | None:
        """The scenario with the largest net money (per period, or per customer), None
        when no scenario's net is known."""
        known = [s for s in self.scenarios if s.money.net.value is not None]
        return max(known, key=lambda s: s.money.net.value, default=None)

    def to_dict(self) -> dict:
        base = self.baseline.result
        return {"manifest": dict(self.manifest),
                "baseline": {**group_dict(base),
                             "targets": [t.to_dict() for t in base.targets]},
                "scenarios": [s.to_dict() for s in self.scenarios]}


def compare(model: ir.Model, scenarios: Sequence[str] | None = None, *,
            engine: str = "numba", customers: int | None = None, seed: int | None = None,
            threads: int | None = None, executor=None, spec_sha: str | None = None,
            progress: Progress | None = None) -> Comparison:
    """The baseline and each named scenario (default: all of the spec's, in order), with
    every metric's change against the baseline and its paired interval, and each
    scenario's money (:mod:`cxdsl.analysis.money`)."""
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
        rows.append(ScenarioComparison(model.scenario(n), p, d,
                                       money(model, n, d["revenue"], d[headline])))
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
