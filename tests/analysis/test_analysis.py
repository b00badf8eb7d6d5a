"""The analysis API: exact deltas and mot figures against hand computations, the numba
engine's paired intervals against the exact engine, sweep points against single runs, and
the validation of sweep axes."""

from __future__ import annotations

import math

import pytest

import cxdsl
from cxdsl import analysis
from cxdsl.analysis import AnalysisError
from cxdsl.model import ir
from cxdsl.sim.simulate import simulate

# one persona, one stage: every figure can be worked out by hand
TINY = """
persona a share=100% baseline=7 value=100
stage S
event e p=50% impact=+2 at S
scenario more { e.p = 80% }
scenario costly cost=1000 { e.p = 100% }
"""

# several personas and stages, constants and discrete values only (the exact engine's
# domain), with a funnel, a condition and a recovery
FUNNEL = """
persona big share=30% baseline=discrete(7: 50%, 8: 50%) value=1000
persona small share=70% baseline=7 value=100
stage A advance=70%
stage B advance=50% slope=0.3
  for big advance=60%
stage C
event wow p=40% impact=+1 at A
event glitch p=20% impact=-3 at B
  for big p=10%
event fix p=60% impact=discrete(1: 50%, 2: 50%) at B when glitch
event delight p=50% impact=+1 at C when score >= 7
scenario fewer_glitches cost=5000 { glitch.p = 15% }
scenario bigger_wow { wow.impact = 2 }
"""


def load(text: str) -> ir.Model:
    return cxdsl.loads(text)


def value(metric) -> float:
    return metric.value


# -------------------------------------------------------------------- statistics


def test_t_quantiles():
    assert analysis.t975(1) == pytest.approx(12.706, abs=1e-3)
    assert analysis.t975(10) == pytest.approx(2.228, abs=1e-3)
    assert analysis.t975(30) == pytest.approx(2.042, abs=1e-3)
    assert analysis.t975(60) == pytest.approx(2.0003, abs=1e-3)
    assert analysis.t975(120) == pytest.approx(1.9799, abs=1e-3)
    assert analysis.t975(math.inf) == pytest.approx(1.95996, abs=1e-4)


# ------------------------------------------------------------- exact, by hand


def test_compare_exact_by_hand():
    cmp = analysis.compare(load(TINY), engine="exact")
    base = cmp.baseline.result
    # half stay at 7 (passive), half reach 9 (promoter): mean 8, nps 50
    assert base.metric("mean").value == pytest.approx(8)
    assert base.metric("nps").value == pytest.approx(50)
    by = {s.scenario.name: s for s in cmp.scenarios}
    more = by["more"]
    # p 80%: mean 7 + 0.8 * 2 = 8.6 (+0.6); nps 80 (+30); csat (r >= 9) 80 (+30)
    assert more.delta["mean"].value == pytest.approx(0.6)
    assert more.delta["nps"].value == pytest.approx(30)
    assert more.delta["csat"].value == pytest.approx(30)
    assert more.delta["conversion"].value == pytest.approx(0)
    for m in more.delta.values():  # exact: zero-width intervals
        assert m.lo == m.hi == m.value
    costly = by["costly"]
    assert costly.delta["nps"].value == pytest.approx(50)
    # revenue does not move (everyone converts): net 0, never paid back; 50 nps points
    # per 1,000 of one-off cost
    assert costly.money.net.value == pytest.approx(0)
    assert costly.money.payback.value is None
    assert costly.money.per_10k_cost.value == pytest.approx(500)
    assert more.money.cost is None and more.money.per_10k_cost.value is None
    # sorted by the headline change, largest first
    assert [s.scenario.name for s in cmp.scenarios] == ["costly", "more"]


def test_mot_exact_by_hand():
    model = load(TINY)
    res = analysis.mot(model, "mean", engine="exact")
    (row,) = res.events
    assert row.if_never.value == pytest.approx(7)
    assert row.if_always.value == pytest.approx(9)
    assert row.contribution.value == pytest.approx(1)       # 8 - 7
    assert row.leverage.value == pytest.approx(0.2)         # (9 - 7) / 10
    nps = analysis.mot(model, "nps", engine="exact").events[0]
    assert (nps.if_never.value, nps.if_always.value) == (pytest.approx(0),
                                                         pytest.approx(100))
    assert nps.contribution.value == pytest.approx(50)
    assert nps.leverage.value == pytest.approx(10)
    d = res.to_dict()
    assert set(d) == {"manifest", "metric", "events"}
    assert set(d["events"][0]) == {"name", "stage", "contribution", "if_never", "if_always",
                                   "leverage"}
    assert d["events"][0]["contribution"]["ci95"] == [1.0, 1.0]


def test_mot_ranks_by_absolute_contribution_and_conditions_still_apply():
    model = load("""
persona a share=1 baseline=6
stage S
event small p=10% impact=+1 at S
event bad p=50% impact=-2 at S
event rescue p=50% impact=+1 at S when bad
""")
    res = analysis.mot(model, "mean", engine="exact")
    names = [r.event.name for r in res.events]
    assert names == ["bad", "rescue", "small"]
    rescue = next(r for r in res.events if r.event.name == "rescue")
    # p = 1 still needs the condition: only the 50% who had `bad` get +1
    assert rescue.if_always.value - rescue.if_never.value == pytest.approx(0.5)


def test_tornado_exact_by_hand():
    model = load("""
persona a share=1 baseline=5
stage S
event e p=50% impact=+2 at S
""")
    res = analysis.tornado(model, "mean", by=0.2, engine="exact")
    rows = {r.param.path: r for r in res.rows}
    # baseline 4 .. 6: mean 5 ± 1 -> swing 2
    assert rows["a.baseline"].swing.value == pytest.approx(2.0)
    # p 40% .. 60%: mean 5.8 .. 6.2
    assert rows["e.p"].low.value == pytest.approx(5.8)
    assert rows["e.p"].swing.value == pytest.approx(0.4)
    # impact 1.6 .. 2.4
    assert rows["e.impact"].swing.value == pytest.approx(0.4)
    assert [r.param.path for r in res.rows][0] == "a.baseline"
    # value 0 and a single persona's share move nothing: left out
    assert "a.value" not in rows and "a.share" not in rows


def test_tornado_clips_probabilities():
    model = load("""
persona a share=1 baseline=5
stage S advance=90%
stage T
event e p=90% impact=+1 at S
""")
    params = {p.path: p for p in analysis.tornado_parameters(model, 0.2)}
    assert params["e.p"].high_model.event("e").p == (1.0,)
    assert params["S.advance"].high_model.stages[0].advance == (1.0,)
    assert "T.advance" not in params  # the last stage takes no advance
    with pytest.raises(AnalysisError):
        analysis.tornado_parameters(model, 0)


# ----------------------------------------------- numba against the exact engine


@pytest.fixture(scope="module")
def funnel_compare():
    model = load(FUNNEL)
    exact = analysis.compare(model, engine="exact")
    sim = analysis.compare(model, customers=200_000, seed=7)
    return model, exact, sim


def test_paired_interval_covers_exact_delta_and_is_narrow(funnel_compare):
    model, exact, sim = funnel_compare
    ex = {s.scenario.name: s for s in exact.scenarios}
    for sc in sim.scenarios:
        truth = ex[sc.scenario.name].delta
        for m, d in sc.delta.items():
            assert d.lo < d.value < d.hi
            half = (d.hi - d.lo) / 2
            # within 1.5 half-widths (~3 se) for every metric, so the test does not hinge
            # on one seed's luck (with seed 7 the headline's delta, a ratio over the
            # converted customers, lies 2.3 se from the truth; over 40 seeds the paired
            # z-scores have mean 0.2 and sd 1.0)
            assert abs(d.value - truth[m].value) <= 1.5 * half, (sc.scenario.name, m)
        # common random numbers: the paired interval is narrower than the unpaired one,
        # far narrower for a small change (most customers' stories do not change at all)
        small = sc.scenario.name == "fewer_glitches"
        for m in ("nps", "mean", "csat", "conversion", "revenue"):
            se_unpaired = math.hypot(sc.point.result.metric(m).se,
                                     sim.baseline.result.metric(m).se)
            assert sc.delta[m].se < (0.4 if small else 0.8) * se_unpaired, (
                sc.scenario.name, m, sc.delta[m].se / se_unpaired)


def test_point_estimates_are_those_of_single_runs(funnel_compare):
    model, _exact, sim = funnel_compare
    for sc in sim.scenarios:
        run = simulate(model, customers=200_000, seed=7, scenario=sc.scenario.name)
        assert sc.point.result.overall.to_dict() == run.overall.to_dict()
        assert sc.delta["nps"].value == pytest.approx(
            run.metric("nps").value - sim.baseline.result.metric("nps").value, abs=1e-9)


def test_mot_numba_agrees_with_exact():
    model = load(FUNNEL)
    exact = {r.event.name: r for r in analysis.mot(model, "mean", engine="exact").events}
    sim = analysis.mot(model, "mean", customers=100_000, seed=3)
    for r in sim.events:
        for part in ("contribution", "leverage"):
            got, want = getattr(r, part), getattr(exact[r.event.name], part)
            assert abs(got.value - want.value) <= 1.5 * (got.hi - got.lo) / 2 + 1e-12, (
                r.event.name, part)


def test_paired_interval_with_a_structural_scenario():
    # a scenario that adds and removes events cannot share a kernel call with the
    # baseline; the pairing (by customer) still holds
    model = load(FUNNEL + """
scenario redesign {
  event chat p=30% impact=+1 at A
  remove delight
}
""")
    exact = {s.scenario.name: s for s in analysis.compare(model, ["redesign"],
                                                          engine="exact").scenarios}
    sim = analysis.compare(model, ["redesign"], customers=100_000, seed=1).scenarios[0]
    d = sim.delta["mean"]
    assert abs(d.value - exact["redesign"].delta["mean"].value) <= 1.5 * (d.hi - d.lo) / 2


def test_blocks_partition_the_run():
    from cxdsl.sim import engine

    model = load(FUNNEL)
    tallies, blocks = analysis.simulate_blocks(model, 20_000, 9)
    assert tallies.n.tolist() == [6000, 14000]
    assert blocks["big"][:, 0].tolist() == [4096, 6000 - 4096]
    assert blocks["small"][:, 0].tolist() == [4096] * 3 + [14000 - 3 * 4096]
    full = engine.simulate_tallies(model, 20_000, 9)
    for q, name in enumerate(["big", "small"]):
        assert blocks[name].sum(axis=0) == pytest.approx(analysis.block_sums(full, model, q))
    assert tallies.score_sum.tolist() == full.score_sum.tolist()


def test_small_runs_fall_back_to_unpaired_per_persona():
    # fewer customers than one block: no batch variance, a finite conservative interval
    model = load(TINY)
    cmp = analysis.compare(model, ["more"], customers=500, seed=1)
    d = cmp.scenarios[0].delta["nps"]
    assert d.se > 0 and math.isfinite(d.se)


# --------------------------------------------------------------------- sweeps


def test_sweep_point_equals_a_run_number_for_number():
    model = load(FUNNEL)
    axes = [analysis.parse_vary("glitch.p=0:30%:4", model),
            analysis.parse_vary("big.share=0.2,0.5", model),
            analysis.parse_vary("wow.impact[small]=1,3", model)]
    sw = analysis.sweep(model, axes, customers=30_000, seed=11)
    assert len(sw.points) == 16
    for vals, point in list(zip(sw.params, sw.points))[::5]:
        over = dict(zip([a.path for a in axes], vals))
        run = simulate(ir.with_overrides(model, over), customers=30_000, seed=11)
        assert point.result.overall.to_dict() == run.overall.to_dict()
        assert point.result.to_dict()["personas"] == run.to_dict()["personas"]


def test_sweep_split_over_threads_is_identical():
    # 48 points: several tasks, run on one thread per core with the kernel single-threaded
    model = load(FUNNEL)
    axes = [analysis.parse_vary("glitch.p=0:20%:12", model),
            analysis.parse_vary("A.advance=40%:70%:4", model)]
    many = analysis.sweep(model, axes, customers=3000, seed=5)
    one = analysis.sweep(model, axes, customers=3000, seed=5, threads=1)
    assert many.to_dict() == one.to_dict()
    vals, point = many.params[-1], many.points[-1]
    run = simulate(ir.with_overrides(model, dict(zip([a.path for a in axes], vals))),
                   customers=3000, seed=5)
    assert point.result.overall.to_dict() == run.overall.to_dict()


def test_sweep_on_a_scenario_and_exact():
    model = load(TINY)
    ax = analysis.parse_vary("e.impact=1:3:3", model)
    sw = analysis.sweep(model, [ax], scenario="more", engine="exact")
    means = [p.result.metric("mean").value for p in sw.points]
    # p = 80% (the scenario): 7 + 0.8 * impact
    assert means == pytest.approx([7.8, 8.6, 9.4])
    d = sw.to_dict()
    assert d["axes"] == ["e.impact"]
    assert d["manifest"]["scenario"] == "more" and d["manifest"]["engine"] == "exact"
    assert d["points"][0]["params"] == {"e.impact": 1.0}
    csv = sw.to_csv().splitlines()
    assert csv[0] == ("e.impact,nps,nps_lo,nps_hi,csat,csat_lo,csat_hi,mean,mean_lo,"
                      "mean_hi,conversion,conversion_lo,conversion_hi,revenue,revenue_lo,"
                      "revenue_hi")
    assert len(csv) == 4


def test_file_sweeps_and_vary_combine():
    model = load(TINY + "sweep e.p from 0% to 100% step 50%\nsweep a.value in [1, 2]\n")
    axes = analysis.grid_axes(model, [analysis.parse_vary("e.p=0.1,0.2", model)])
    assert [a.name for a in axes] == ["a.value", "e.p"]
    assert axes[1].values == (0.1, 0.2)  # the command line's axis replaces the file's
    assert [a.name for a in analysis.grid_axes(model, file_sweeps=False)] == []
    with pytest.raises(AnalysisError, match="nothing to sweep"):
        analysis.sweep(load(TINY), [], engine="exact")
    twice = [analysis.parse_vary("e.p=0.1", model), analysis.parse_vary("e.p=0.2", model)]
    with pytest.raises(AnalysisError, match="varied twice"):
        analysis.grid_axes(model, twice)
    with pytest.raises(AnalysisError, match="every persona's share is 0"):
        analysis.sweep(model, [analysis.parse_vary("a.share=0,1", model)],
                       file_sweeps=False, engine="exact")


def test_vary_ranges_are_exact_and_inclusive():
    model = load(TINY)
    ax = analysis.parse_vary("e.p=0%:20%:21", model)
    assert len(ax.values) == 21 and ax.values[0] == 0 and ax.values[-1] == 0.2
    assert ax.values[3] == 0.03
    assert analysis.parse_vary("e.p=0.5:0.5:1", model).values == (0.5,)
    assert analysis.parse_vary("e.p=5%, 10%", model).values == (0.05, 0.1)


@pytest.mark.parametrize("text, match", [
    ("e.q=0:1:3", "no attribute 'q'"),
    ("ee.p=0:1:3", "names nothing.*did you mean 'e'"),
    ("e.p=0:2:3", "not a probability"),
    ("e.p=-0.1,0.5", "not a probability"),
    ("e.p=0:1:0", "at least 1"),
    ("e.p=0:1:-3", "at least 1"),
    ("e.p=0:1", "A:B:N"),
    ("e.p=0:1:x", "whole number"),
    ("e.p=a,b", "not a number"),
    ("e.p=", "no values"),
    ("e.p", "PATH=A:B:N"),
    ("a.baseline=5:12:3", "outside the scale"),
    ("a.share=-1,1", ">= 0"),
    ("a.share[a]=1", "not per persona"),
    ("e.p[zz]=1", "unknown persona 'zz'"),
    ("S.advance=0.5", "last stage"),
    ("e.p=0:1:1", "one point"),
])
def test_bad_vary(text, match):
    with pytest.raises(AnalysisError, match=match):
        analysis.parse_vary(text, load(TINY))


def test_unknown_scenario_and_metric():
    model = load(TINY)
    with pytest.raises(AnalysisError, match="did you mean 'more'"):
        analysis.compare(model, ["mroe"], engine="exact")
    with pytest.raises(AnalysisError, match="unknown scenario"):
        analysis.mot(model, scenario="nope", engine="exact")
    scale5 = load("scale 1..5\npersona a share=1 baseline=3\nstage S\n")
    with pytest.raises(AnalysisError, match="0..10 scale"):
        analysis.mot(scale5, "nps", engine="exact")


# ---------------------------------------------------------------- forecast diff


def test_paired_forecast_across_structures():
    old = load(FUNNEL)
    # the new version drops a persona and an event and adds another
    new = load(FUNNEL.replace("persona big share=30% baseline=discrete(7: 50%, 8: 50%) "
                              "value=1000\n", "")
               .replace("  for big advance=60%\n", "").replace("  for big p=10%\n", "")
               .replace("event wow p=40% impact=+1 at A", "event chat p=30% impact=+1 at A")
               .replace("scenario bigger_wow { wow.impact = 2 }", ""))
    assert [p.name for p in new.personas] == ["small"]
    fc = analysis.paired_forecast(old, new, engine="exact")
    assert fc.delta["mean"].value == pytest.approx(
        fc.new.result.metric("mean").value - fc.old.result.metric("mean").value)
    sim = analysis.paired_forecast(old, new, customers=50_000, seed=2)
    d = sim.delta["mean"]
    assert abs(d.value - fc.delta["mean"].value) <= 1.5 * (d.hi - d.lo) / 2
