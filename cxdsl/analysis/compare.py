"""Scenario comparison (``cxdsl compare``) and the paired forecast of two versions of a
journey (``cxdsl diff --forecast``).

With uncertain values the baseline and the scenarios are forecast over the same worlds, on
the same customers in each world (:mod:`cxdsl.analysis.world_points`), and compared world
by world: each delta and money figure is the mean over worlds with its ``forecast95``;
each scenario has :class:`Chances` (``p_better``, ``p_net_positive``, ``expected_net``)
and the comparison a risk-neutral pick (:attr:`Comparison.pick`: the highest expected net,
none when no expected net is above 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import ir
from ..sim.metrics import Metric, headline_metric, metric_names
from .batches import evaluate
from .common import Point, Progress, check_scenario, group_dict, manifest_for, settings_for
from .money import Money, money, net_line
from .paired import delta
from .world_points import (
    Variant,
    evaluate_variants,
    share,
    world_values,
)

#: A headline change at most this (in the metric's unit) is a tie, not "better": exact
#: figures of two variants may differ in the last bits of a float.
TIE = 1e-9


@dataclass(frozen=True)
class Chances:
    """A scenario's odds over the worlds of a forecast: ``p_better`` (share of worlds where
    its headline beats the baseline's), ``p_net_positive`` (share where its net money per
    period, per customer without a volume, is above 0; None when the net is unknown) and
    ``expected_net`` (the mean net over worlds, None when unknown)."""

    p_better: float | None
    p_net_positive: float | None
    expected_net: float | None

    def to_dict(self) -> dict:
        return {"p_better": self.p_better, "p_net_positive": self.p_net_positive,
                "expected_net": self.expected_net}


def chances(model: ir.Model, name: str, base: Point, point: Point, headline: str,
            net: Metric) -> Chances:
    """The :class:`Chances` of scenario ``name`` (``point``) against ``base``, world by
    world."""
    d = world_values(point, headline) - world_values(base, headline)
    known = ~np.isnan(d)
    p_better = share(np.greater(d, TIE, where=known, out=np.zeros(len(d), bool)), known)
    line = net_line(model, name)
    p_net = None
    if line is not None:
        k, shift = line
        nets = k * (world_values(point, "revenue") - world_values(base, "revenue")) + shift
        ok = ~np.isnan(nets)
        p_net = share(np.greater(nets, 0.0, where=ok, out=np.zeros(len(nets), bool)), ok)
    return Chances(p_better, p_net, net.value)


@dataclass
class ScenarioComparison:
    """One scenario against the baseline: its point, every metric's paired change
    (scenario − baseline) and its money."""

    scenario: ir.Scenario
    point: Point
    delta: dict[str, Metric]
    money: Money
    #: over the worlds of a forecast (uncertain values); None otherwise
    chances: Chances | None = None

    @property
    def targets_met(self) -> bool:
        return self.point.result.targets_met

    def to_dict(self) -> dict:
        return {"name": self.scenario.name, "label": self.scenario.label,
                "cost": self.money.cost, "running_cost": self.money.running_cost,
                **group_dict(self.point.result),
                "targets": [t.to_dict() for t in self.point.result.targets],
                "delta": {m: d.to_dict() for m, d in self.delta.items()},
                "money": self.money.to_dict(),
                **(self.chances.to_dict() if self.chances is not None else {})}


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

    @property
    def forecast(self) -> bool:
        """Whether the variants were forecast over worlds (uncertain values)."""
        return self.baseline.result.worlds is not None

    @property
    def pick(self) -> ScenarioComparison | None:
        """What a risk-neutral decision funds: the scenario with the highest expected net
        (per period, or per customer), None when no expected net is above 0."""
        best = self.best_net
        return best if best is not None and best.money.net.value > 0 else None

    @property
    def per(self) -> str:
        """What net money is counted per: the spec's period, or ``customer``."""
        return self.model.period if self.model.volume is not None else "customer"

    def decision(self) -> dict:
        """The ``decision`` object of a forecast's document."""
        pick = self.pick
        return {"rule": "risk-neutral", "per": self.per,
                "pick": None if pick is None else pick.scenario.name,
                "expected_net": None if pick is None else pick.money.net.value}

    def to_dict(self) -> dict:
        base = self.baseline.result
        out = {"manifest": dict(self.manifest),
               "baseline": {**group_dict(base),
                            "targets": [t.to_dict() for t in base.targets]},
               "scenarios": [s.to_dict() for s in self.scenarios]}
        if self.forecast:
            out["decision"] = self.decision()
        return out


def compare(model: ir.Model, scenarios: Sequence[str] | None = None, *,
            engine: str = "numba", customers: int | None = None, seed: int | None = None,
            threads: int | None = None, executor=None, spec_sha: str | None = None,
            progress: Progress | None = None, worlds: int | None = None) -> Comparison:
    """The baseline and each named scenario (default: all of the spec's, in order), with
    every metric's change against the baseline and its paired interval, and each
    scenario's money (:mod:`cxdsl.analysis.money`).

    A spec with uncertain values is forecast over ``worlds`` worlds (default the spec's
    ``worlds``, else 200), baseline and scenarios in the same worlds on the same customers
    (:mod:`cxdsl.analysis.world_points`): every delta and money figure gets a
    ``forecast``, each scenario its :class:`Chances`, and the comparison a risk-neutral
    :attr:`Comparison.pick`."""
    names = list(scenarios) if scenarios else [s.name for s in model.scenarios]
    for n in names:
        check_scenario(model, n)
    names = list(dict.fromkeys(names))
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, None)
    models = [model] + [ir.with_scenario(model, n) for n in names]
    points, man = evaluate_variants(
        model, models, worlds, s, man,
        lambda draws: [Variant(model, n) for n in [None, *names]],
        executor=executor, progress=progress)
    forecast = "worlds" in man
    base = points[0]
    headline = headline_metric(model)
    metrics = metric_names(model)
    rows = []
    for n, p in zip(names, points[1:]):
        d = {m: delta(p, base, m) for m in metrics}
        cash = money(model, n, d["revenue"], d[headline])
        odds = chances(model, n, base, p, headline, cash.net) if forecast else None
        rows.append(ScenarioComparison(model.scenario(n), p, d, cash, odds))
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
