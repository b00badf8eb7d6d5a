"""compare, sweep and mot of specs with uncertain values, world by world, against closed forms.

The journey: one persona at 9 (a promoter), event e at S (uncertain p) and event g at T
when not e, each −3 (a detractor at 6), everyone reaching T, asked at the end. In a world
with e.p = p and g.p = q the share of detractors is p + (1 − p) q, so

    NPS = 100 (1 − 2 (p + (1 − p) q)),   with q = 20%:  NPS = 60 − 160 p.

The exact engine gives these to rounding; percentiles over worlds of a quantity linear in
p are that line applied to the percentiles of the worlds' draws of p (linear
interpolation commutes with an affine map).
"""

from __future__ import annotations

import numpy as np
import pytest

import cxdsl
from cxdsl import analysis
from cxdsl.sim.worlds import world_draws

JOURNEY = """\
persona a share=1 baseline=9 value=100
stage S advance=100%
stage T
event e p=5% impact=-3 at S
event g p=20% impact=-3 at T when not e
survey all at end
"""

BETA = JOURNEY + """\
uncertain e.p ~ beta(3, 57)
scenario fix_g { g.p = 10% }
scenario worse_g { g.p = 30% }
scenario fix_e { e.p = 1% }
"""


def p_draws(cmp_or_result) -> np.ndarray:
    """The worlds' draws of e.p (the spec's only uncertain value)."""
    return cmp_or_result.draws[:, 0]


def pct(x: np.ndarray) -> np.ndarray:
    return np.percentile(x, [2.5, 97.5])


def scenario(cmp, name):
    return next(s for s in cmp.scenarios if s.scenario.name == name)


@pytest.fixture(scope="module")
def exact_cmp():
    return analysis.compare(cxdsl.loads(BETA), engine="exact", worlds=120, seed=3)


def test_levels_and_deltas_are_the_closed_forms(exact_cmp):
    base = exact_cmp.baseline.result
    p = p_draws(base)
    assert base.draws.shape == (120, 1)
    nps = base.metric("nps")
    assert nps.value == pytest.approx(np.mean(60 - 160 * p), abs=1e-9)
    assert nps.forecast == pytest.approx(tuple(60 - 160 * pct(p)[::-1]), abs=1e-9)
    # fix_g changes a value the uncertain one does not set: Δ = 20 (1 − p) in every world
    d = scenario(exact_cmp, "fix_g").delta["nps"]
    assert d.value == pytest.approx(np.mean(20 * (1 - p)), abs=1e-9)
    assert d.forecast == pytest.approx(tuple(20 * (1 - pct(p)[::-1])), abs=1e-9)
    assert d.lo == d.hi == d.value  # exact: no simulation noise


def test_unrelated_change_has_a_narrow_delta(exact_cmp):
    """Paired world by world, the delta's spread is 1/8 of the level's (20 vs 160 per
    unit of p)."""
    level = exact_cmp.baseline.result.metric("nps").forecast
    d = scenario(exact_cmp, "fix_g").delta["nps"].forecast
    assert (d[1] - d[0]) == pytest.approx((level[1] - level[0]) / 8, rel=1e-9)


def test_setting_the_uncertain_path_makes_it_certain(exact_cmp):
    """fix_e sets e.p: its level is certain (58.4 in every world), so its delta carries
    exactly the baseline level's spread."""
    s = scenario(exact_cmp, "fix_e")
    level = s.point.result.metric("nps")
    assert level.forecast == pytest.approx((58.4, 58.4), abs=1e-9)
    base = exact_cmp.baseline.result.metric("nps").forecast
    d = s.delta["nps"].forecast
    assert d[1] - d[0] == pytest.approx(base[1] - base[0], abs=1e-9)
    assert d == pytest.approx((58.4 - base[1], 58.4 - base[0]), abs=1e-9)


def test_p_better_all_or_none(exact_cmp):
    assert scenario(exact_cmp, "fix_g").chances.p_better == 1.0
    assert scenario(exact_cmp, "worse_g").chances.p_better == 0.0


def test_p_better_a_known_fraction():
    """Δ = 160 (p − 5%) with p ~ uniform(0, 20%): better in the worlds where p > 5%, a
    quarter of the way up the range, so 3/4 of them."""
    spec = JOURNEY + "uncertain e.p ~ uniform(0, 0.2)\nscenario fix_e { e.p = 5% }\n"
    cmp = analysis.compare(cxdsl.loads(spec), engine="exact", worlds=2000, seed=1)
    p = p_draws(cmp.baseline.result)
    (row,) = cmp.scenarios
    assert row.chances.p_better == pytest.approx(float(np.mean(p > 0.05)), abs=1e-12)
    assert row.chances.p_better == pytest.approx(0.75, abs=0.03)
    d = row.delta["nps"]
    assert d.forecast == pytest.approx(tuple(160 * (pct(p) - 0.05)), abs=1e-9)


MONEY = """\
persona a share=1 baseline=8 value=100
stage S advance=50%
stage T
volume 1000 per month
uncertain S.advance ~ uniform(0.4, 0.6)
scenario price cost=5000 running_cost=500 { a.value = 120 }
scenario costly cost=5000 running_cost=10000 { a.value = 120 }
scenario loser running_cost=20000 { a.value = 120 }
"""


def test_money_forecast_of_a_linear_revenue():
    """Δrevenue = 20 × advance per customer: net per month = 20,000 × advance − running
    cost, its forecast95 that line at the draws' percentiles; payback = cost / net."""
    cmp = analysis.compare(cxdsl.loads(MONEY), engine="exact", worlds=400, seed=5)
    a = p_draws(cmp.baseline.result)
    price, costly, loser = (scenario(cmp, n) for n in ("price", "costly", "loser"))
    m = price.money
    assert m.revenue_change.forecast == pytest.approx(tuple(20_000 * pct(a)), rel=1e-9)
    assert m.net.forecast == pytest.approx(tuple(20_000 * pct(a) - 500), rel=1e-9)
    assert m.net.value == pytest.approx(20_000 * a.mean() - 500, rel=1e-9)
    net_band = 20_000 * pct(a) - 500
    assert m.payback.forecast == pytest.approx((5000 / net_band[1], 5000 / net_band[0]),
                                               rel=1e-9)
    assert price.chances.p_net_positive == 1.0
    assert price.chances.expected_net == pytest.approx(m.net.value)
    # net = 20,000 advance − 10,000 > 0 where advance > 50%: half the range
    assert costly.chances.p_net_positive == pytest.approx(float(np.mean(a > 0.5)), abs=1e-12)
    assert costly.money.payback.forecast[1] is None  # in some worlds it never pays back
    assert loser.chances.p_net_positive == 0.0
    assert cmp.pick is price
    doc = cmp.to_dict()
    assert doc["decision"] == {"rule": "risk-neutral", "per": "month", "pick": "price",
                               "expected_net": pytest.approx(m.net.value)}


def test_no_pick_when_no_expected_net_is_positive():
    spec = MONEY.replace("scenario price cost=5000 running_cost=500", "scenario price "
                         "running_cost=30000").replace("running_cost=10000",
                                                       "running_cost=40000")
    cmp = analysis.compare(cxdsl.loads(spec), engine="exact", worlds=50)
    assert cmp.pick is None
    assert cmp.to_dict()["decision"]["pick"] is None


def test_net_per_customer_without_a_volume():
    spec = MONEY.replace("volume 1000 per month\n", "")
    cmp = analysis.compare(cxdsl.loads(spec), ["price", "costly"], engine="exact", worlds=40)
    for row in cmp.scenarios:  # a running cost without a volume: the net is unknown
        assert row.chances.p_net_positive is None and row.chances.expected_net is None
    assert cmp.pick is None and cmp.to_dict()["decision"]["per"] == "customer"
    free = MONEY.replace("volume 1000 per month\n", "") + "scenario free { a.value = 110 }\n"
    cmp = analysis.compare(cxdsl.loads(free), ["free"], engine="exact", worlds=40)
    a = p_draws(cmp.baseline.result)
    (row,) = cmp.scenarios
    assert row.chances.expected_net == pytest.approx(10 * a.mean(), rel=1e-9)
    assert row.chances.p_net_positive == 1.0 and cmp.pick is row


# --------------------------------------------------------------------- the simulator


@pytest.fixture(scope="module")
def sim_cmp():
    return analysis.compare(cxdsl.loads(BETA), ["fix_g", "fix_e"], customers=2_000_000,
                            worlds=100, seed=11)


def test_simulated_pairing_narrows_the_delta(sim_cmp):
    """On the same customers in each world the delta of an unrelated change carries little
    noise: its spread over worlds is far below the level's (1/8 of it exactly, plus
    noise)."""
    level = sim_cmp.baseline.result.metric("nps").forecast
    d = scenario(sim_cmp, "fix_g").delta["nps"]
    assert (d.forecast[1] - d.forecast[0]) < 0.3 * (level[1] - level[0])
    p = p_draws(sim_cmp.baseline.result)
    assert d.value == pytest.approx(np.mean(20 * (1 - p)), abs=3 * (d.hi - d.lo) / 3.92 + 0.1)
    assert scenario(sim_cmp, "fix_g").chances.p_better == 1.0


def test_simulated_worlds_match_the_forecast_of_run(sim_cmp):
    """The comparison's baseline is the forecast ``simulate`` gives: the same worlds and
    the same customers."""
    run = cxdsl.simulate(cxdsl.loads(BETA), customers=2_000_000, seed=11, worlds=100)
    base = sim_cmp.baseline.result
    assert np.array_equal(base.draws, run.draws)
    for name in ("nps", "conversion", "mean"):
        a, b = base.metric(name), run.metric(name)
        assert (a.value, a.lo, a.hi, a.forecast) == (b.value, b.lo, b.hi, b.forecast)


def test_the_certain_path_has_only_noise(sim_cmp):
    s = scenario(sim_cmp, "fix_e")
    level = s.point.result.metric("nps").forecast
    base = sim_cmp.baseline.result.metric("nps").forecast
    assert level[1] - level[0] < 0.25 * (base[1] - base[0])


def test_threads_give_identical_numbers():
    model = cxdsl.loads(BETA)
    axis = [analysis.parse_vary("g.p=10%,30%", model)]
    kw = {"customers": 40_000, "worlds": 20, "seed": 2}
    for threads in (1, 2):
        got = [analysis.compare(model, threads=threads, **kw).to_dict(),
               analysis.sweep(model, axis, threads=threads, **kw).to_dict(),
               analysis.mot(model, threads=threads, tornado_by=0.2, **kw).to_dict()]
        if threads == 1:
            one = got
    assert got == one


def test_without_uncertain_values_nothing_changes():
    model = cxdsl.loads(JOURNEY + "scenario fix_g { g.p = 10% }\n")
    doc = analysis.compare(model, engine="exact", worlds=30).to_dict()
    assert "decision" not in doc and "worlds" not in doc["manifest"]
    (row,) = doc["scenarios"]
    assert "p_better" not in row and "forecast95" not in row["delta"]["nps"]


def test_bad_worlds_are_analysis_errors():
    model = cxdsl.loads(BETA)
    with pytest.raises(analysis.AnalysisError, match="worlds"):
        analysis.compare(model, worlds=0)
    with pytest.raises(analysis.AnalysisError, match="at least 500 customers"):
        analysis.compare(model, worlds=500, customers=100)
    with pytest.raises(analysis.AnalysisError, match="world models"):
        analysis.sweep(model, [analysis.parse_vary("g.p=0:1:2001", model)], worlds=200,
                       engine="exact")


# ------------------------------------------------------------------------ sweep, mot


def test_sweep_points_are_forecasts_over_the_same_worlds():
    model = cxdsl.loads(BETA)
    sw = analysis.sweep(model, [analysis.parse_vary("g.p=10%,20%", model)],
                        file_sweeps=False, engine="exact", worlds=60, seed=3)
    p = p_draws(sw.points[0].result)
    for q, point in zip((0.1, 0.2), sw.points):
        nps = 100 * (1 - 2 * (pct(p)[::-1] + (1 - pct(p)[::-1]) * q))
        assert point.result.metric("nps").forecast == pytest.approx(tuple(nps), abs=1e-9)
        assert np.array_equal(point.result.draws[:, 0], p)
    # a swept uncertain path is certain at each point
    sw = analysis.sweep(model, [analysis.parse_vary("e.p=0%,50%", model)],
                        file_sweeps=False, engine="exact", worlds=60)
    assert [pt.result.metric("nps").forecast for pt in sw.points] == [
        pytest.approx((60.0, 60.0)), pytest.approx((-20.0, -20.0))]
    header, *rows = sw.to_csv().splitlines()
    assert header.split(",")[:6] == ["e.p", "nps", "nps_lo", "nps_hi", "nps_f_lo",
                                     "nps_f_hi"]
    assert [float(x) for x in rows[1].split(",")[4:6]] == pytest.approx([-20.0, -20.0])
    assert sw.to_dict()["manifest"]["worlds"] == 60


def test_mot_contributions_world_by_world():
    """contribution of e = −160 p; of g = −40 (1 − p); e's leverage (−100 − 60) / 10 in
    every world; if_never of e is 60 in every world."""
    res = analysis.mot(cxdsl.loads(BETA), engine="exact", worlds=80, seed=4)
    p = world_draws(cxdsl.loads(BETA), 80, 4)[:, 0]
    rows = {r.event.name: r for r in res.events}
    e, g = rows["e"], rows["g"]
    assert e.contribution.value == pytest.approx(-160 * p.mean(), abs=1e-9)
    assert e.contribution.forecast == pytest.approx(tuple(-160 * pct(p)[::-1]), abs=1e-9)
    assert g.contribution.forecast == pytest.approx(tuple(-40 * (1 - pct(p))), abs=1e-9)
    assert e.if_never.forecast == pytest.approx((60.0, 60.0))
    assert e.leverage.forecast == pytest.approx((-16.0, -16.0))
    assert res.to_dict()["manifest"]["worlds"] == 80


def test_mot_tornado_with_uncertain_values():
    res = analysis.mot(cxdsl.loads(BETA), engine="exact", worlds=40, tornado_by=0.2)
    rows = {r.param.path: r for r in res.tornado.rows}
    # g.p moved ±20% around 20%: Δ = −200 (1 − p) × 0.08 per world
    swing = rows["g.p"].swing
    assert swing.forecast[0] < swing.value < swing.forecast[1] < 0
    assert swing.value == pytest.approx(-16 * (1 - 0.05), abs=0.5)


def test_dask_gives_the_local_numbers():
    pytest.importorskip("distributed")
    import logging

    from distributed import LocalCluster

    from cxdsl.analysis.distributed import connect

    model = cxdsl.loads(BETA + "scenario bot { event chat p=10% impact=+1 at S }\n")
    kw = {"customers": 30_000, "seed": 6, "worlds": 15}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        with connect(scheduler=cluster.scheduler_address) as ex:
            remote = [analysis.compare(model, executor=ex, **kw).to_dict(),
                      analysis.sweep(model, [analysis.parse_vary("g.p=10%,30%", model)],
                                     executor=ex, **kw).to_dict(),
                      analysis.mot(model, executor=ex, **kw).to_dict(),
                      analysis.compare(model, engine="exact", executor=ex,
                                       worlds=15).to_dict()]
    local = [analysis.compare(model, **kw).to_dict(),
             analysis.sweep(model, [analysis.parse_vary("g.p=10%,30%", model)],
                            **kw).to_dict(),
             analysis.mot(model, **kw).to_dict(),
             analysis.compare(model, engine="exact", worlds=15).to_dict()]
    assert remote == local
    assert remote[0]["decision"] == local[0]["decision"]


def test_the_worked_example_of_the_model_doc():
    """docs/model.md "Comparing under uncertainty": Δ_w = 200 p_w − 2, better where
    p_w > 1% (P ≈ 0.979 under beta(3, 57)); a change after the survey: Δ = 0 everywhere."""
    spec = """\
persona a share=1 baseline=9 value=100
stage S advance=50%
stage T
event e p=5% impact=-3 at S
survey all at S
uncertain e.p ~ beta(3, 57)
scenario fix { e.p = 1% }
scenario more { S.advance = 60% }
"""
    cmp = analysis.compare(cxdsl.loads(spec), engine="exact", worlds=1000, seed=8)
    p = p_draws(cmp.baseline.result)
    fix, more = scenario(cmp, "fix"), scenario(cmp, "more")
    assert fix.delta["nps"].forecast == pytest.approx(tuple(200 * pct(p) - 2), abs=1e-9)
    assert fix.chances.p_better == pytest.approx(float(np.mean(p > 0.01)), abs=1e-12)
    assert fix.chances.p_better == pytest.approx(0.979, abs=0.015)
    assert more.chances.p_better == 0.0
    assert more.delta["nps"].forecast == (0.0, 0.0) and more.delta["nps"].value == 0.0
