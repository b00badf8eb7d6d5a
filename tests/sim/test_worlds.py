"""Forecast engines: world draws keyed by path, customers split over worlds, the kernel
against the pure-Python reference world by world, reproducibility across threads and
chunks, and the exact engine once per world."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import cxdsl
from cxdsl.model import ir
from cxdsl.sim import exact, simulate
from cxdsl.sim.engine import split_evenly
from cxdsl.sim.lower import persona_counts
from cxdsl.sim.reference import simulate_reference
from cxdsl.sim.tallies import Tallies
from cxdsl.sim.worlds import world_draws, world_model

FIELDS = ("n", "weight", "score_sum", "score_sq", "hist", "reached", "advanced",
          "stage_score_sum", "event_count", "stage_score_sq", "stage_hist")


def assert_identical(a: Tallies, b: Tallies) -> None:
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.shape == y.shape and np.array_equal(x, y), f


BASE = """persona a share=60% baseline=normal(7, 1.5) value=100
persona b share=40% baseline=discrete(5: 0.5, 8: 0.5) value=40
stage S advance=70% slope=0.3
stage T
event e p=20% impact=-2 at S
event f p=40% impact=uniform(0, 2) at T when not e
"""
LINES = ("uncertain e.p ~ beta(4, 16)\n"
         "uncertain f.impact ~ normal(1, 0.3)\n"
         "uncertain S.advance[b] ~ uniform(50%, 90%)\n"
         "uncertain a.baseline ~ uniform(6, 8)\n")


@pytest.fixture(scope="module")
def model():
    return cxdsl.loads(BASE + LINES)


def test_draws_are_keyed_by_path_not_position(model):
    draws = world_draws(model, 50, seed=5)
    other = cxdsl.loads(BASE + "uncertain a.share ~ uniform(0.2, 0.4)\n"
                        + "".join(reversed(LINES.splitlines(True))))
    more = world_draws(other, 50, seed=5)
    paths = [str(u.path) for u in model.uncertain]
    for u, path in enumerate(paths):
        v = next(i for i, x in enumerate(other.uncertain) if str(x.path) == path)
        assert np.array_equal(draws[:, u], more[:, v]), path
    # the first worlds of a longer forecast are the worlds of a shorter one
    assert np.array_equal(world_draws(model, 80, seed=5)[:50], draws)
    assert not np.array_equal(world_draws(model, 50, seed=6), draws)


def test_a_world_replaces_or_shifts_the_values(model):
    row = world_draws(model, 1, seed=3)[0]
    w = world_model(model, row)
    assert w.uncertain == ()
    p, impact, advance, base = row
    assert w.event("e").p == (p, p)
    for d in w.event("f").impact:  # uniform(0, 2) moved to the drawn mean, width kept
        assert d == ir.Uniform(impact - 1, impact + 1)
    assert w.stages[0].advance == (0.7, advance)
    assert w.personas[0].baseline == ir.Normal(base, 1.5)


def world_tallies(m, customers, seed, **kw):
    r = simulate(m, customers=customers, seed=seed, **kw)
    return r, [x.tallies for x in r.worlds]


def test_customers_are_split_evenly_over_the_worlds(model):
    r, ts = world_tallies(model, 10_007, 1, worlds=7)
    sizes = split_evenly(10_007, 7)
    assert sizes == [1430] * 4 + [1429] * 3
    assert [int(t.n.sum()) for t in ts] == sizes
    for t, size in zip(ts, sizes):
        assert t.n.tolist() == persona_counts([0.6, 0.4], size, ["a", "b"]).tolist()
    assert r.manifest["customers"] == 10_007 and r.manifest["worlds"] == 7


def test_each_world_equals_the_reference_bit_for_bit(model):
    """World w simulates its own customers: those after the earlier worlds' (per persona),
    with the kernel's random numbers — the reference engine from that offset agrees."""
    W, N, seed = 4, 9_001, 11
    r, ts = world_tallies(model, N, seed, worlds=W)
    first = np.zeros(2, dtype=np.int64)
    for w, (part, t) in enumerate(zip(r.worlds, ts)):
        size = split_evenly(N, W)[w]
        ref = simulate_reference(part.model, size, seed, first=first.tolist())
        assert_identical(t, ref)
        first += persona_counts([0.6, 0.4], size, ["a", "b"])


def test_threads_and_chunks_do_not_change_a_forecast(model):
    ref = simulate(model, customers=30_000, seed=2, worlds=9, threads=1)
    for threads, chunk in [(2, None), (1, 4096), (2, 3 * 4096), (2, 1)]:
        got = simulate(model, customers=30_000, seed=2, worlds=9, threads=threads,
                       chunk_size=chunk)
        assert got.to_json() == ref.to_json()
        for a, b in zip(ref.worlds, got.worlds):
            assert_identical(a.tallies, b.tallies)


def test_exact_engine_runs_once_per_world(model, monkeypatch):
    exactable = cxdsl.loads(BASE.replace("normal(7, 1.5)", "7").replace(
        "uniform(0, 2)", "1") + "uncertain e.p ~ beta(4, 16)\nuncertain a.baseline ~ "
        "uniform(6, 8)\n")
    calls = []
    real = exact.exact_tallies

    def counting(m):
        calls.append(m)
        return real(m)

    monkeypatch.setattr(exact, "exact_tallies", counting)
    r = simulate(exactable, engine="exact", worlds=13)
    assert len(calls) == 13 and len(r.worlds) == 13
    assert r.manifest["worlds"] == 13 and r.manifest["customers"] is None
    draws = world_draws(exactable, 13, 0)
    assert [m.event("e").p[0] for m in calls] == draws[:, 0].tolist()


def test_a_scenario_path_is_certain_in_that_scenario():
    m = cxdsl.loads("persona a share=1 baseline=9\nstage S\nevent e p=5% impact=-3 at S\n"
                    "survey all at S\nuncertain e.p ~ beta(3, 57)\n"
                    "scenario fix { e.p = 1% }\n")
    r = simulate(m, engine="exact", worlds=20, scenario="fix")
    nps = r.metric("nps")
    assert nps.forecast == pytest.approx((98.0, 98.0)) and nps.value == pytest.approx(98.0)


def test_fields_cover_every_tally():
    assert set(FIELDS) == {f.name for f in dataclasses.fields(
        type(simulate_reference(cxdsl.loads("persona a share=1 baseline=5\nstage S\n"),
                                3, 0)))} - {"exact"}


def test_whole_array_decisions_equal_the_integer_thresholds():
    """pack decides "with probability p" over arrays; every decision is the exact
    rational one of :func:`cxdsl.sim.rng.below_threshold`."""
    from cxdsl.sim.engine import _decision, _decisions

    rng = np.random.default_rng(0)
    edges = [0.0, 1.0, 5e-324, 1e-300, 2 ** -54, 2 ** -53, 2 ** -52, 3 * 2 ** -53, 0.5,
             0.25 + 2 ** -54, 1 - 2 ** -53, 1 - 2 ** -52, 1 - 2 ** -54]
    ps = np.concatenate([rng.random(20_000), rng.random(500) ** 30, 1 - rng.random(500) ** 30,
                         edges])
    mode, threshold = _decisions(ps)
    assert [(int(m), int(t)) for m, t in zip(mode, threshold)] == [_decision(p) for p in
                                                                   ps.tolist()]
    with pytest.raises(ValueError):
        _decisions(np.array([0.5, np.nan]))


TABLE_SPECS = [
    (BASE + LINES, None),
    (BASE + LINES + "uncertain e.p[b] ~ uniform(1%, 9%)\nuncertain f.impact[a] ~ "
     "uniform(0, 1)\nuncertain S.slope ~ uniform(0, 1)\nuncertain b.value ~ uniform(1, 9)\n"
     "scenario fix { e.p = 1%\n f.impact[b] = 2 }\nscenario faster { S.advance = 90% }\n",
     "fix"),
    (BASE + LINES + "scenario faster { S.advance = 90% }\n", "faster"),
    (BASE + LINES + "uncertain a.share ~ uniform(0.2, 0.8)\n", None),
    # a constant impact shifted for every persona, then again for one of them
    (BASE + LINES + "uncertain e.impact ~ uniform(-3, -1)\nuncertain e.impact[a] ~ "
     "normal(-2, 0.2)\nscenario kind { e.impact[b] = -1 }\n", "kind"),
    (BASE + LINES + "uncertain e.impact ~ uniform(-3, -1)\n", None),
]


@pytest.mark.parametrize("text, scenario", TABLE_SPECS)
def test_world_tables_equal_lowering_each_world_model(text, scenario):
    """The forecast writes each world's draws straight into the certain model's tables;
    they are the tables of lowering each world's own model."""
    from cxdsl.sim.lower import lower_points
    from cxdsl.sim.worlds import world_models, world_tables

    model = cxdsl.loads(text)
    draws = world_draws(model, 25, seed=4)
    got = world_tables(model, draws, scenario)
    want = lower_points(world_models(model, draws, scenario))
    for f in dataclasses.fields(got):
        a, b = getattr(got, f.name), getattr(want, f.name)
        if f.name in ("impact_dist", "baseline_dist"):  # pool indices: compare the forms
            def forms(t, idx):
                return [(t.dist_kind[d], tuple(t.dist_param[d]),
                         tuple(t.discrete_value[t.dist_first[d]:t.dist_first[d]
                                                + t.dist_count[d]])) for d in idx.ravel()]
            assert forms(got, a) == forms(want, b), f.name
        elif f.name.startswith(("dist_", "discrete_")):
            continue
        elif isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and np.array_equal(a, b), f.name
        else:
            assert a == b, f.name


@pytest.mark.parametrize("base", [ir.Normal(7.5, 0.0), ir.Normal(7.5, 0.3), ir.Normal(7, 2),
                                  ir.Uniform(1.0, 2.0), ir.Uniform(3.0, 3.0),
                                  ir.Triangular(0.0, 0.5, 1.0)], ids=str)
def test_shifted_forms_have_the_pool_entries_each_world_gets(base):
    from cxdsl.sim import worlds
    from cxdsl.sim.lower import DistPool
    values = [7.1, 7.9, -3.0, 0.0, 1e-300, 1e300]
    forms = [base.with_mean(v) for v in values]
    want = [DistPool.entry(f, "baseline of a world") for f in forms]
    assert worlds._shifted_entries(base, forms, "baseline of a world") == want
    with pytest.raises(ValueError, match="not a finite number"):
        bad = [base.with_mean(v) for v in (1.0, float("inf"))]
        worlds._shifted_entries(base, bad, "baseline of a world")
