"""A sweep's points' Results computed over arrays (:func:`cxdsl.sim.world_arrays.
point_results`) against :func:`cxdsl.sim.metrics.compute` of each point alone: the same
JSON, to the last bit, on several scales and with a persona without customers."""

from __future__ import annotations

import json

import pytest

import cxdsl
from cxdsl.analysis.paths import resolve_path
from cxdsl.model import ir
from cxdsl.sim import engine
from cxdsl.sim.lower import lower_points
from cxdsl.sim.metrics import LazyResult, compute
from cxdsl.sim.world_arrays import point_results

NPS = """
scale 0..10
persona a share=40% baseline=7 value=10
persona b share=60% baseline=6 value=20
stage S advance=50% slope=0.2
stage T advance=80%
stage U
event glitch p=10% impact=-2 at S
survey mid at T
"""

FIVE = """
scale 1..5
persona a share=30% baseline=3.5 value=5
persona b share=70% baseline=2.5 value=8
stage S advance=60%
stage T
event glitch p=20% impact=-1 at S
"""


def _models(text):
    model = cxdsl.loads(text)
    share = resolve_path("a.share", model)
    p = resolve_path("glitch.p", model)
    value = resolve_path("b.value", model)
    points = [{share: s, p: x, value: v} for s in (0.0, 0.3, 1.0) for x in (0.0, 0.2)
              for v in (8.0, 30.5)]
    return [ir.with_overrides(model, pt) for pt in points]


@pytest.mark.parametrize("text", [NPS, FIVE])
@pytest.mark.parametrize("customers", [1, 7, 3000])
def test_point_results_equal_compute(text, customers):
    models = _models(text)
    tallies = engine.simulate_points(lower_points(models), customers, 3, threads=1)
    got = point_results(tallies, models, {"seed": 3})
    for t, m, r in zip(tallies, models, got):
        want = compute(t, m, {"seed": 3})
        assert json.dumps(r.overall.to_dict()) == json.dumps(want.overall.to_dict())
        assert r.overall.customers == want.overall.customers
        assert isinstance(r, LazyResult) and r == want
        assert r.to_json() == want.to_json()  # the parts computed when read


@pytest.mark.parametrize("threads", [1, 2])
def test_grid_written_into_tables_equals_the_points_models(threads):
    """A grid the tables take as numbers (no model per point) against the same points'
    models evaluated one by one: the same JSON and CSV, over several tasks of points."""
    from cxdsl import analysis
    from cxdsl.analysis.batches import GridPoint, evaluate
    from cxdsl.analysis.common import settings_for

    model = cxdsl.loads(NPS)
    vary = ["glitch.p=0:30%:5", "S.advance[a]=20%:80%:4", "glitch.impact[b]=-3,-1",
            "b.baseline=4,8", "a.value=3,40", "glitch.p[a]=5%,50%"]
    axes = [analysis.parse_vary(v, model) for v in vary]
    sw = analysis.sweep(model, axes, customers=500, seed=9, threads=threads)
    assert len(sw.points) == 320 and all(isinstance(p, GridPoint) for p in sw.points)
    s = settings_for(model, customers=500, seed=9, threads=threads)
    models = [p.model for p in sw.points]
    for m, vals in zip(models, sw.params):
        assert m == ir.with_overrides(model, dict(zip([a.path for a in axes], vals)))
    want = evaluate(models, s, manifest=sw.manifest)
    for got, ref in zip(sw.points, want):
        assert got.result.to_json() == ref.result.to_json()
