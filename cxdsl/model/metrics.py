"""The metric registry: every metric a forecast reports and a ``target`` may name, once.

Each :class:`MetricSpec` owns its name, labels, unit, range, how it is estimated from one
persona's statistics (value and per-customer variance, the quantity the stratified and the
paired intervals are built from), and how it is printed. The metrics (``cxdsl/sim/
metrics.py``), targets, compare/mot, the command tables, the report and the language server
all read :data:`METRICS`; adding a metric is an entry here.

Score metrics are computed on rounded scores ``r = floor(score + 0.5)``; see docs/model.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PersonaStats:
    """What one persona's customers add up to, the input of every estimate.

    ``distribution``: share of each rounded score LO..HI (a NumPy array of length
    HI - LO + 1, summed with its own ``sum`` so every engine adds in one order); ``mean`` and
    ``var_score``: mean and per-customer variance of the unrounded final score;
    ``conversion``: share who reached the goal stage; ``value``: revenue per converted
    customer; ``scale``: (LO, HI)."""

    distribution: Any
    mean: float
    var_score: float
    conversion: float
    value: float
    scale: tuple[int, int]

    def share_at_least(self, r: int) -> float:
        return float(self.distribution[max(r - self.scale[0], 0):].sum())

    def share_at_most(self, r: int) -> float:
        return float(self.distribution[:max(r - self.scale[0] + 1, 0)].sum())


def _nps(s: PersonaStats) -> tuple[float, float]:
    promoters, detractors = s.share_at_least(9), s.share_at_most(6)
    nps = promoters - detractors
    return 100.0 * nps, 1e4 * max(promoters + detractors - nps * nps, 0.0)


def _csat(s: PersonaStats) -> tuple[float, float]:
    top = s.share_at_least(s.scale[1] - 1)
    return 100.0 * top, 1e4 * top * (1.0 - top)


def _mean(s: PersonaStats) -> tuple[float, float]:
    return float(s.mean), s.var_score


def _conversion(s: PersonaStats) -> tuple[float, float]:
    c = s.conversion
    return c, c * (1.0 - c)


def _revenue(s: PersonaStats) -> tuple[float, float]:
    c, v = s.conversion, float(s.value)
    return v * c, v * v * c * (1.0 - c)


@dataclass(frozen=True)
class MetricSpec:
    """One metric.

    ``label``: its name in tables; ``title``: in the report's headings; ``phrase``: inside a
    sentence; ``unit``: ``points`` (nps, csat), ``score``, ``share`` or ``money``;
    ``audience``: ``survey`` (a score metric of the respondents) or ``funnel`` (over every
    customer who entered); ``nps_scale_only``: reported only on a 0..10 scale; ``estimate``:
    (value, per-customer variance) from a persona's :class:`PersonaStats`; ``decimals``: digits
    after the point when printed; ``doc``: one line for hovers."""

    name: str
    label: str
    title: str
    phrase: str
    unit: str
    audience: str
    nps_scale_only: bool
    estimate: Callable[[PersonaStats], tuple[float, float]]
    decimals: int
    doc: str

    def bounds(self, scale: tuple[int, int], values: Sequence[float] = ()
               ) -> tuple[float, float]:
        """The smallest and largest value the metric can take (``values``: the personas'
        revenue per converted customer, for revenue)."""
        if self.unit == "points":
            return (-100.0, 100.0) if self.name == "nps" else (0.0, 100.0)
        if self.unit == "score":
            return float(scale[0]), float(scale[1])
        if self.unit == "share":
            return 0.0, 1.0
        return min([0.0, *values]), max([0.0, *values])

    def format(self, value: float, decimals: int | None = None) -> str:
        """The value as the tables print it: ``23.1``, ``7.412``, ``22.71%``, ``1,234.50``."""
        d = self.decimals if decimals is None else decimals
        if self.unit == "share":
            return f"{value * 100:.{d}f}%"
        if self.unit == "money":
            return f"{value:,.{d}f}"
        return f"{value:.{d}f}"

    def threshold_text(self, threshold: float) -> str:
        """A target's threshold as written back: a share as a percentage, else a number."""
        return f"{threshold * 100:g}%" if self.unit == "share" else f"{threshold:g}"


METRIC_SPECS: tuple[MetricSpec, ...] = (
    MetricSpec("nps", "NPS", "NPS", "NPS", "points", "survey", True, _nps, 1,
               "nps: net promoter score, 100 × (share scoring 9-10 − share scoring 0-6); "
               "only on a 0..10 scale."),
    MetricSpec("csat", "CSAT", "CSAT", "CSAT", "points", "survey", False, _csat, 1,
               "csat: 100 × the share in the top two scores."),
    MetricSpec("mean", "Mean score", "Mean score", "the mean score", "score", "survey", False,
               _mean, 3, "mean: the mean final score."),
    MetricSpec("conversion", "Conversion", "Conversion", "conversion", "share", "funnel",
               False, _conversion, 2,
               "conversion: the share of customers who reach the goal stage."),
    MetricSpec("revenue", "Revenue / customer", "Revenue per customer", "revenue per customer",
               "money", "funnel", False, _revenue, 2,
               "revenue: the mean revenue per customer (value of the converted)."),
)

#: Every metric by name, in the order of every Result and every JSON object.
REGISTRY: dict[str, MetricSpec] = {m.name: m for m in METRIC_SPECS}
#: Metric names a ``target`` may name.
METRICS: tuple[str, ...] = tuple(REGISTRY)


def metrics_for(scale: tuple[int, int]) -> tuple[str, ...]:
    """The metrics reported on ``scale`` (nps only on 0..10)."""
    return tuple(m.name for m in METRIC_SPECS if not m.nps_scale_only or scale == (0, 10))


def headline_for(scale: tuple[int, int]) -> str:
    """The metric reports lead with and ``--precision`` watches: nps on a 0..10 scale,
    otherwise the mean score."""
    return "nps" if scale == (0, 10) else "mean"


__all__ = ["METRICS", "METRIC_SPECS", "MetricSpec", "PersonaStats", "REGISTRY",
           "headline_for", "metrics_for"]
