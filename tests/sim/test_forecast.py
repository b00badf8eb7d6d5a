"""Forecasts against exact answers: closed forms of a metric in each world, mapped through
the distribution of the uncertain value.

Tolerances come from the order statistics: the sample q-quantile of W draws of a value
with density f has standard error √(q(1 − q) / W) / f(x_q); a metric g(x) of the value
moves it by |g'(x_q)| times that. The tests allow Z of those standard errors (the draws are
a pure function of the seed, so each test is deterministic; Z bounds how unlucky a seed may
be before the test says the forecast is wrong)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import cxdsl
from cxdsl.model import ir
from cxdsl.sim import simulate
from cxdsl.sim.exact import exact_tallies
from cxdsl.sim.metrics import Z95, compute
from cxdsl.sim.worlds import with_value

Z = 4.0
LEVELS = (0.025, 0.975)


def order_se(q: float, worlds: int, density: float) -> float:
    """Standard error of the sample q-quantile of ``worlds`` draws."""
    return math.sqrt(q * (1 - q) / worlds) / density


BETA = ("persona a share=1 baseline=9\nstage S\nevent e p=5% impact=-3 at S\n"
        "survey all at S\nuncertain e.p ~ beta({a}, {b})\n")


@pytest.mark.parametrize("engine, a, b, worlds", [("exact", 3, 57, 400), ("exact", 8, 12, 300),
                                                  ("numba", 3, 57, 400)])
def test_nps_of_an_uncertain_probability(engine, a, b, worlds):
    """Baseline 9, impact −3: a customer the event happens to answers 6 (a detractor),
    any other 9 (a promoter), so NPS = 100 × (1 − 2p) in a world with probability p."""
    model = cxdsl.loads(BETA.format(a=a, b=b))
    n = 800_000 if engine == "numba" else None
    r = simulate(model, customers=n, seed=7, engine=engine, worlds=worlds)
    nps = r.metric("nps")
    dist = stats.beta(a, b)
    noise = 0.0
    if engine == "numba":
        # each world's NPS is its own customers' 100 × (1 − 2 × share the event happened to)
        for w in r.worlds:
            t = w.tallies
            assert w.metric("nps").value == pytest.approx(
                100 * (1 - 2 * t.event_count[0, 0] / t.n[0]), abs=1e-9)
        n_w = n / worlds
        noise = 200 * math.sqrt(dist.mean() * (1 - dist.mean()) / n_w)
    for level, got in zip(LEVELS, nps.forecast):
        p = dist.ppf(1 - level)  # NPS falls as p grows
        se = 200 * order_se(level, worlds, dist.pdf(p))
        assert abs(got - 100 * (1 - 2 * p)) <= Z * math.hypot(se, noise), (level, got)
    mean_se = 200 * dist.std() / math.sqrt(worlds)
    assert abs(nps.value - 100 * (1 - 2 * a / (a + b))) <= Z * math.hypot(mean_se, noise)
    # the forecast's figures are the documented functions of the worlds' figures
    values = np.array([w.metric("nps").value for w in r.worlds])
    assert nps.value == pytest.approx(values.mean(), abs=1e-9)
    assert nps.forecast == pytest.approx(tuple(np.percentile(values, [2.5, 97.5])), abs=1e-9)
    if engine == "exact":
        assert nps.lo == nps.hi == nps.value
        assert r.noise is None
    else:
        se = math.sqrt(sum(w.metric("nps").se ** 2 for w in r.worlds)) / worlds
        assert nps.hi - nps.value == pytest.approx(Z95 * se, rel=1e-9)
        assert set(r.noise) == {"metric", "share", "noticeable", "customers"}


def test_noise_note_and_the_customers_that_make_it_negligible():
    model = cxdsl.loads(BETA.format(a=30, b=570))  # a narrow spread: p = 5% ± 0.9%
    small = simulate(model, customers=40_000, seed=3, worlds=200)
    assert small.noise["noticeable"] and small.noise["customers"] > 40_000
    big = simulate(model, customers=small.noise["customers"], seed=3, worlds=200)
    assert big.noise["share"] < small.noise["share"] / 5
    values = np.array([w.metric("nps").value for w in small.worlds])
    se2 = np.mean([w.metric("nps").se ** 2 for w in small.worlds])
    assert small.noise["share"] == pytest.approx(min(1.0, se2 / values.var(ddof=1)))


def exact_mean(model: ir.Model, path: str, value: float) -> float:
    """The exact engine's mean score with the value at ``path`` set to ``value``."""
    ref = next(u.path for u in model.uncertain if str(u.path) == path)
    m = with_value(model, ref, value)
    return compute(exact_tallies(m), m).metric("mean").value


def test_mean_score_of_an_uncertain_impact_follows_the_uniform():
    """p = 50%, impact uniform(−2, 2) around baseline 7: no score leaves 0..10, so the
    mean score is linear in the drawn impact and its percentiles are the uniform's,
    mapped through the exact engine."""
    model = cxdsl.loads("persona a share=1 baseline=7\nstage S\nevent e p=50% impact=1 at S\n"
                        "uncertain e.impact ~ uniform(-2, 2)\n")
    W = 500
    r = simulate(model, engine="exact", worlds=W, seed=1)
    mean = r.metric("mean")
    slope = exact_mean(model, "e.impact", 1.0) - exact_mean(model, "e.impact", 0.0)
    assert slope == pytest.approx(0.5)
    draws = r.draws[:, 0]
    # linear: the percentiles of the worlds are the percentiles of the draws, mapped
    mapped = [exact_mean(model, "e.impact", x) for x in np.percentile(draws, [2.5, 97.5])]
    assert mean.forecast == pytest.approx(tuple(mapped), abs=1e-9)
    for level, got in zip(LEVELS, mean.forecast):
        x = -2 + 4 * level
        se = slope * order_se(level, W, 1 / 4)
        assert abs(got - exact_mean(model, "e.impact", x)) <= Z * se
    assert abs(mean.value - 7.0) <= Z * slope * (4 / math.sqrt(12)) / math.sqrt(W)


@pytest.mark.parametrize("engine", ["exact", "numba"])
def test_an_uncertain_baseline_distribution_is_shifted_with_its_spread_kept(engine):
    """baseline discrete(4, 6) (exact) or normal(5, 1) (numba), its mean drawn from
    uniform(4, 6): in each world the mean score is the draw and the spread stays 1."""
    base = "discrete(4: 0.5, 6: 0.5)" if engine == "exact" else "normal(5, 1)"
    model = cxdsl.loads(f"persona a share=1 baseline={base}\nstage S\n"
                        "uncertain a.baseline ~ uniform(4, 6)\n")
    W = 300
    n = 300_000 if engine == "numba" else None
    r = simulate(model, customers=n, engine=engine, worlds=W, seed=2)
    for w, x in zip(r.worlds, r.draws[:, 0]):
        t = w.tallies
        mean = t.score_sum[0] / t.n[0]
        var = t.score_sq[0] / t.n[0] - mean ** 2
        if engine == "exact":
            assert mean == pytest.approx(x, abs=1e-9) and var == pytest.approx(1.0)
        else:
            n_w = t.n[0]
            assert abs(mean - x) <= Z / math.sqrt(n_w)
            assert abs(var - 1.0) <= Z * math.sqrt(2 / n_w)
    noise = 0.0 if engine == "exact" else 1 / math.sqrt(n / W)
    for level, got in zip(LEVELS, r.metric("mean").forecast):
        se = order_se(level, W, 1 / 2)
        assert abs(got - (4 + 2 * level)) <= Z * math.hypot(se, noise)


def test_an_uncertain_share_reweights_the_personas():
    """a answers 9, b answers 5; share a ~ uniform(0.2, 0.8) against b's 0.5: the mean
    score is g(s) = (9 s + 2.5) / (s + 0.5), increasing in s."""
    model = cxdsl.loads("persona a share=0.5 baseline=9\npersona b share=0.5 baseline=5\n"
                        "stage S\nuncertain a.share ~ uniform(0.2, 0.8)\n")

    def g(s):
        return (9 * s + 2.5) / (s + 0.5)

    def dg(s):
        return 2.0 / (s + 0.5) ** 2

    W = 400
    r = simulate(model, engine="exact", worlds=W, seed=4)
    for w, s in zip(r.worlds, r.draws[:, 0]):
        assert w.metric("mean").value == pytest.approx(g(s), abs=1e-9)
    for level, got in zip(LEVELS, r.metric("mean").forecast):
        s = 0.2 + 0.6 * level
        assert abs(got - g(s)) <= Z * dg(s) * order_se(level, W, 1 / 0.6)
    # the numba engine splits each world's customers by that world's shares
    nr = simulate(model, customers=40_000, worlds=W, seed=4)
    for w, s in zip(nr.worlds, nr.draws[:, 0]):
        n = w.tallies.n
        assert n.sum() == 100
        assert abs(n[0] - 100 * s / (s + 0.5)) <= 0.5 + 1e-9


def test_precision_is_the_precision_of_the_mean_over_worlds():
    model = cxdsl.loads(BETA.format(a=3, b=57))
    r = simulate(model, seed=1, worlds=100, precision=0.5)
    assert r.half_width() <= 0.5
    n = r.manifest["customers"]
    assert n >= 20_000 and r.manifest["worlds"] == 100
    # the same as a forecast of that size asked for directly
    again = simulate(model, customers=n, seed=1, worlds=100)
    assert again.to_json() == r.to_json()


EDGES = {
    "rich": ("persona ent share=30% baseline=triangular(6, 8, 10) value=900\n"
             "persona smb share=70% baseline=normal(7.2, 1) value=90\n"
             "persona gov share=20% baseline=discrete(5: 0.25, 6.5: 0.5, 9: 0.25) value=0\n"
             "stage Attract advance=60%\nstage Convert advance=40% slope=0.4\n"
             "stage Close advance=80%\nstage Delight\n"
             "event demo p=60% impact=1.5 at Convert\n"
             "event glitch p=5% impact=-3 at Convert\n"
             "event fix p=70% impact=triangular(0, 1, 3) at Convert when glitch\n"
             "event wow p=40% impact=discrete(1: 0.5, 2: 0.5) at Delight\n"
             "survey early at Attract\nsurvey late at Delight\nsurvey all at end\n"
             "target nps >= 10\ntarget late.csat >= 30 for ent\ntarget conversion >= 20% for smb\n"
             "uncertain glitch.p ~ beta(5, 95)\nuncertain demo.impact[smb] ~ uniform(0, 3)\n"
             "uncertain ent.baseline ~ normal(8, 0.5)\nuncertain Convert.advance ~ "
             "beta(40, 60)\nuncertain gov.share ~ uniform(0.05, 0.4)\n"
             "uncertain ent.value ~ uniform(500, 1500)\n"),
    # a survey nobody may reach in a world: advance 0..2% and a few customers per world
    "sparse": ("scale 1..5\npersona a share=1 baseline=3\npersona b share=1 baseline=4\n"
               "stage S advance=1%\nstage T\nevent e p=50% impact=1 at T\n"
               "survey late at T\ntarget mean >= 3\nuncertain S.advance ~ uniform(0%, 2%)\n"),
}


@pytest.mark.parametrize("name", sorted(EDGES))
@pytest.mark.parametrize("engine", ["numba", "exact"])
def test_array_forecast_equals_combining_the_worlds_results(name, engine):
    """The forecast's figures come from the worlds' tallies stacked into arrays; they are
    those of combining each world's own Result (:func:`forecast.combine`)."""
    from cxdsl.sim.forecast import combine, combine_tallies
    from cxdsl.sim.simulate import forecast_worlds, world_tallies

    text = EDGES[name]
    if engine == "exact":
        text = text.replace("triangular(6, 8, 10)", "8").replace("normal(7.2, 1)", "7").replace(
            "triangular(0, 1, 3)", "1")
    model = cxdsl.loads(text)
    models, draws = forecast_worlds(model, 40, 4000, 9, None, engine)
    tallies = world_tallies(models, 4000, 9, engine)
    info = {"customers": 4000, "worlds": 40}
    by_results = combine([compute(t, m, {}) for t, m in zip(tallies, models)], info, draws)
    by_arrays = combine_tallies(tallies, models, info, draws)
    assert by_arrays.to_json() == by_results.to_json()
    assert by_arrays.noise == by_results.noise
    assert [t.worlds_met for t in by_arrays.targets] == [t.worlds_met for t in
                                                         by_results.targets]
    assert by_arrays.worlds[3].to_json() == compute(tallies[3], models[3], {}).to_json()
