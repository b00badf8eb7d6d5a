"""A scenario's money in ``compare``: by hand on the exact engine (with a volume, running
costs and ``extends``, and without a volume), the intervals' mapping, and figures that do
not depend on the run size."""

from __future__ import annotations

import dataclasses

import pytest

import cxdsl
from cxdsl import analysis
from cxdsl.analysis.money import affine, payback
from cxdsl.model import ir
from cxdsl.sim.metrics import Metric

# one persona, two stages: revenue = 100 × P(advance), and the advance is constant
SPEC = """
persona a share=100% baseline=7 value=100
stage S advance=50%
stage T
event e p=50% impact=+2 at S
scenario faster cost=2000 { S.advance = 60% }
scenario wider extends faster cost=1000 { e.p = 100% }
scenario free { e.p = 60% }
"""


def with_money(model: ir.Model, volume: float | None, period: str = "year",
               running: dict[str, float] | None = None) -> ir.Model:
    """``model`` with a volume and running costs, as the ``volume`` statement and
    ``running_cost=`` would set them."""
    running = running or {}
    scenarios = tuple(dataclasses.replace(s, running_cost=running.get(s.name))
                      for s in model.scenarios)
    return dataclasses.replace(model, volume=volume, period=period, scenarios=scenarios)


def by_name(cmp) -> dict:
    return {s.scenario.name: s for s in cmp.scenarios}


def test_money_per_period_by_hand():
    model = with_money(cxdsl.loads(SPEC), 1000, "month", {"faster": 5, "wider": 10})
    rows = by_name(analysis.compare(model, engine="exact"))
    faster, wider = rows["faster"].money, rows["wider"].money
    # Δrevenue = 100 × (0.6 − 0.5) = 10 per customer; × 1,000 customers a month
    assert faster.revenue_change.value == pytest.approx(10_000)
    assert faster.net.value == pytest.approx(10_000 - 5)
    assert faster.payback.value == pytest.approx(2000 / 9995)
    assert faster.payback.lo == faster.payback.hi == faster.payback.value
    # costs through extends: one-off 2,000 + 1,000, running 5 + 10
    assert (wider.cost, wider.running_cost) == (3000, 15)
    assert wider.net.value == pytest.approx(10_000 - 15)
    assert wider.payback.value == pytest.approx(3000 / 9985)
    # nps: everyone stays at 7 or reaches 9; wider makes every customer a promoter
    d_nps = rows["wider"].delta["nps"].value
    assert wider.per_10k_cost.value == pytest.approx(d_nps * 10_000 / 3000)
    doc = rows["wider"].to_dict()
    assert doc["cost"] == 3000 and doc["running_cost"] == 15
    assert doc["money"]["volume"] == 1000 and doc["money"]["period"] == "month"
    assert set(doc["money"]) == {"volume", "period", "revenue_change", "net", "payback",
                                 "per_10k_cost"}


def test_money_without_volume_is_per_customer():
    model = with_money(cxdsl.loads(SPEC), None, running={"wider": 10})
    rows = by_name(analysis.compare(model, engine="exact"))
    faster = rows["faster"].money
    assert faster.volume is None
    assert faster.revenue_change.value == pytest.approx(10)
    assert faster.net.value == pytest.approx(10)
    assert faster.payback.value == pytest.approx(200)  # customers to recover 2,000
    # a cost per period cannot be shared over customers without a volume
    assert rows["wider"].money.net.value is None
    assert rows["wider"].money.payback.value is None
    free = rows["free"].money
    assert free.cost is None and free.payback.value is None
    assert free.per_10k_cost.value is None


def test_never_paid_back():
    model = with_money(cxdsl.loads(SPEC), 1000, running={"faster": 20_000})
    faster = by_name(analysis.compare(model, engine="exact"))["faster"].money
    assert faster.net.value == pytest.approx(-10_000)
    assert faster.payback.value is None and faster.payback.to_dict()["ci95"] == [None, None]


def test_interval_mapping():
    m = Metric(2.0, 1.0, 3.0, 0.5)
    down = affine(m, -10, 5)
    assert (down.value, down.lo, down.hi, down.se) == (-15, -25, -5, 5)
    p = payback(100, Metric(10.0, 5.0, 20.0))
    assert (p.value, p.lo, p.hi) == (10, 5, 20)
    # the net interval reaches 0: no upper bound, so no interval
    crossing = payback(100, Metric(10.0, -1.0, 21.0))
    assert crossing.value == 10 and crossing.lo is None and crossing.hi is None


def test_money_does_not_depend_on_run_size():
    model = with_money(cxdsl.loads(SPEC.replace("impact=+2", "impact=normal(2, 1)")),
                       40_000, running={"faster": 500})
    small, large = (by_name(analysis.compare(model, customers=n, seed=7))["faster"].money
                    for n in (20_000, 200_000))
    for name in ("revenue_change", "net", "per_10k_cost", "payback"):
        a, b = getattr(small, name), getattr(large, name)
        assert a.lo <= b.value <= a.hi, name
    # and both are near the exact 40,000 × 10 − 500
    assert small.net.lo <= 399_500 <= small.net.hi
    assert large.net.lo <= 399_500 <= large.net.hi
