"""What a scenario is worth in money: revenue change, net, payback and headline points per
10,000 of one-off cost (DESIGN.md "Volume and money").

``revenue`` is per customer who enters the journey, so with ``volume N per PERIOD``:

* revenue change per period = Δrevenue × N;
* net per period = revenue change − running cost (the scenario's and what it extends);
* payback, in periods = one-off cost / net (null when net ≤ 0, or without a one-off cost);
* headline points per 10,000 of one-off cost = Δheadline × 10,000 / one-off cost.

Without a volume the same figures are per customer who enters: revenue change = Δrevenue,
net = Δrevenue when the scenario has no running cost (unknown otherwise: a cost per period
cannot be shared over customers without a volume), and payback is the number of entering
customers that recovers the one-off cost.

Intervals. Revenue change, net and points per 10k are linear in one paired delta
(Δrevenue or Δheadline), so their intervals are that delta's paired interval mapped by the
same line. Payback is ``C / net``, decreasing in net: while the whole net interval is
positive its interval is ``[C / net_hi, C / net_lo]``; when the net interval reaches 0 the
payback is unbounded and its interval is null. The run size ``-n`` only narrows the
intervals; no figure scales with it.

Forecasts (uncertain values). The deltas are means over worlds with a ``forecast95``; the
linear figures map it by the same line, so a figure's forecast95 is its 2.5th and 97.5th
percentiles over worlds. Payback's forecast95 is ``[C / net_f_hi, C / net_f_lo]``, its upper
bound null when the net's lower one is ≤ 0 (in some plausible worlds it never pays back).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import ir
from ..sim.metrics import Metric

#: Points of the headline metric are reported per this much one-off cost.
PER_COST = 10_000.0

_UNKNOWN = Metric(None, None, None)


def _mapped(pair, k: float, shift: float):
    """An interval ``pair`` (bounds may be None) mapped by ``k × x + shift``, in order."""
    if pair is None:
        return None
    if pair[0] is None or pair[1] is None:
        return (None, None)
    lo, hi = sorted((pair[0] * k + shift, pair[1] * k + shift))
    return (lo, hi)


def affine(m: Metric, k: float, shift: float = 0.0) -> Metric:
    """``k × m + shift`` with its interval and forecast95 mapped the same way (bounds
    reordered for k < 0): percentiles over worlds commute with an affine map."""
    if m.value is None:
        return _UNKNOWN if m.forecast is None else Metric(None, None, None, None, (None, None))
    band = _mapped(m.forecast, k, shift)
    if m.lo is None or m.hi is None:
        return Metric(m.value * k + shift, None, None, None, band)
    lo, hi = _mapped((m.lo, m.hi), k, shift)
    return Metric(m.value * k + shift, lo, hi, None if m.se is None else m.se * abs(k), band)


def _payback_band(cost: float, net: Metric):
    """The forecast95 of a payback: ``cost`` over the net's forecast95 bounds, reversed
    (payback falls as net rises); a bound is None where the net's is ≤ 0 (never pays back)."""
    if net.forecast is None:
        return None
    lo, hi = net.forecast
    return (cost / hi if hi is not None and hi > 0 else None,
            cost / lo if lo is not None and lo > 0 else None)


def payback(cost: float, net: Metric) -> Metric:
    """``cost / net`` (periods, or customers without a volume): value None when net ≤ 0 or
    there is no one-off cost; interval None unless the whole net interval is positive. For
    a forecast, its forecast95 is :func:`_payback_band`."""
    if cost <= 0:
        return _UNKNOWN
    band = _payback_band(cost, net)
    if net.value is None or net.value <= 0:
        return _UNKNOWN if band is None else Metric(None, None, None, None, band)
    if net.lo is None or net.hi is None or net.lo <= 0:
        return Metric(cost / net.value, None, None, None, band)
    return Metric(cost / net.value, cost / net.hi, cost / net.lo, None, band)


@dataclass(frozen=True)
class Money:
    """A scenario's money. ``volume``: customers entering per ``period`` (None: the figures
    are per customer); ``cost``/``running_cost``: summed through ``extends`` (None when no
    scenario of the chain declares one); ``revenue_change``/``net``: money per period (per
    customer without a volume); ``payback``: periods (customers without a volume);
    ``per_10k_cost``: headline points per 10,000 of one-off cost."""

    volume: float | None
    period: str
    cost: float | None
    running_cost: float | None
    revenue_change: Metric
    net: Metric
    payback: Metric
    per_10k_cost: Metric

    def to_dict(self) -> dict:
        return {"volume": self.volume, "period": self.period,
                "revenue_change": self.revenue_change.to_dict(), "net": self.net.to_dict(),
                "payback": self.payback.to_dict(), "per_10k_cost": self.per_10k_cost.to_dict()}


def declared_costs(model: ir.Model, name: str) -> tuple[float | None, float | None]:
    """(one-off, running per period) of scenario ``name`` through ``extends``; each None
    when no scenario of the chain declares it."""
    chain = [model.scenario(n) for n in ir.scenario_order(model, name)]
    one_off, running = ir.scenario_costs(model, name)
    return (one_off if any(s.cost is not None for s in chain) else None,
            running if any(s.running_cost is not None for s in chain) else None)


def net_line(model: ir.Model, name: str) -> tuple[float, float] | None:
    """(k, shift) with net = k × Δrevenue + shift (per period with a volume, per customer
    without one), None when the net is unknown (a running cost without a volume)."""
    _cost, running = declared_costs(model, name)
    per_period = running or 0.0
    if model.volume is not None:
        return model.volume, -per_period
    return (1.0, 0.0) if per_period == 0 else None


def money(model: ir.Model, name: str, d_revenue: Metric, d_headline: Metric) -> Money:
    """The money of scenario ``name`` from its paired deltas of revenue (per customer who
    enters) and of the headline metric."""
    cost, running = declared_costs(model, name)
    one_off, per_period = cost or 0.0, running or 0.0
    if model.volume is not None:
        change = affine(d_revenue, model.volume)
        net = affine(d_revenue, model.volume, -per_period)
    else:
        change = affine(d_revenue, 1.0)
        net = change if per_period == 0 else _UNKNOWN
    per_10k = affine(d_headline, PER_COST / one_off) if one_off > 0 else _UNKNOWN
    return Money(model.volume, model.period, cost, running, change, net,
                 payback(one_off, net), per_10k)
