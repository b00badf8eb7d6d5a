"""The sampler: the sampled customers are the run's customers (their counts are the run's
tallies exactly, plain and forecast, baseline and scenario), non-response is keyed and at
its rate, and the customer ids name each customer's persona and index."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pyarrow.csv as pacsv
import pytest

from cxdsl.data.sample import (
    SampleError,
    check_respond,
    iter_sample,
    output_format,
    sample_table,
    to_arrow,
)
from cxdsl.data.table import NO_ANSWER
from cxdsl.lang.api import check_text
from cxdsl.model import ir
from cxdsl.sim import engine, simulate
from support import SAAS

#: Every value form, a 1..7 scale, a survey at the end, conditions on events and scores,
#: and uncertain values (a forecast of 6 worlds).
FORECAST = """\
scale 1..7
persona a "Alpha" share=55% baseline=triangular(3, 5, 7)
persona b share=45% baseline=discrete(4: 1, 5: 2, 6: 1)
stage S advance=70% slope=0.5
stage T advance=60%
  for b advance=40%
stage U
survey first at S
survey last at end
event e p=10% impact=-2 at S
event f p=40% impact=normal(1, 0.5) at T when not e
  for a impact=uniform(0, 2)
event g p=50% impact=discrete(-1: 1, 1: 3) at U when score < 5 or e
uncertain e.p ~ beta(3, 27)
uncertain T.advance[b] ~ uniform(0.3, 0.5)
worlds 6
"""


def model_of(text: str):
    comp = check_text(text, "spec.cxj")
    assert comp.ok, comp.diagnostics
    return comp.model


def saas():
    """The saas example at its declared values (its uncertain lines dropped: these tests
    compare one sample with one plain run)."""
    return dataclasses.replace(model_of(SAAS.read_text("utf-8")), uncertain=())


def aggregate(table, model, rows):
    """The tallies the rows ``rows`` (bool mask) of a sampled table add up to, per
    persona: events, reached, advanced, and each survey's answer histogram."""
    lo, hi = model.scale
    Q, S = len(model.personas), len(model.stages)
    out = {"events": [], "reached": [], "advanced": [], "answers": []}
    for q in range(Q):
        mine = rows & (table.persona == q)
        reached = table.reached[mine]
        out["events"].append((table.happened[mine] == 1).sum(axis=0))
        out["reached"].append([(reached >= s).sum() for s in range(S)])
        out["advanced"].append([(reached > s).sum() for s in range(S)])
        hists = []
        for v in range(len(model.all_surveys)):
            a = table.answer[mine, v]
            hists.append(np.bincount(a[a != NO_ANSWER] - lo, minlength=hi - lo + 1))
        out["answers"].append(hists)
    return out


def assert_tallies(table, model, rows, t):
    agg = aggregate(table, model, rows)
    for q in range(len(model.personas)):
        assert np.array_equal(agg["events"][q], t.event_count[q])
        assert np.array_equal(agg["reached"][q], t.reached[q])
        assert np.array_equal(agg["advanced"][q], t.advanced[q])
        for v, survey in enumerate(model.all_surveys):
            expected = (t.hist[q] if survey.stage is None
                        else t.stage_hist[q, model.stage_index(survey.stage)])
            assert np.array_equal(agg["answers"][q][v], expected), survey.name
        assert (rows & (table.persona == q)).sum() == t.n[q]


@pytest.mark.parametrize("scenario", [None, "fast_followup", "chatbot"])
def test_a_sample_adds_up_to_the_runs_tallies(scenario):
    model = saas()
    table = sample_table(model, 30_011, 7, scenario)
    run_model = ir.with_scenario(model, scenario)
    assert table.events == tuple(e.name for e in run_model.events)
    t = engine.simulate_tallies(run_model, 30_011, 7)
    assert_tallies(table, run_model, np.ones(table.rows, dtype=bool), t)
    assert table.world is None
    # and the run's own figures: the share of customers each event happened to
    result = simulate(model, customers=30_011, seed=7, scenario=scenario)
    for k, e in enumerate(result.events):
        assert math.isclose(e.rate, (table.happened[:, k] == 1).mean(), rel_tol=1e-12)


def test_a_forecasts_sample_adds_up_to_each_worlds_tallies():
    from cxdsl.sim.simulate import forecast_worlds

    model = model_of(FORECAST)
    table = sample_table(model, 12_001, 3)
    models, _ = forecast_worlds(model, None, 12_001, 3, None, "numba")
    assert len(models) == 6
    tallies = engine.simulate_points(models, 12_001, 3, world_of=range(6))
    assert table.rows == 12_001
    assert set(np.unique(table.world)) == set(range(6))
    for w, t in enumerate(tallies):
        assert_tallies(table, models[w], table.world == w, t)


def test_the_answers_are_on_the_scale_and_asked_only_of_those_who_reached_the_stage():
    model = model_of(FORECAST)
    table = sample_table(model, 5_000, 1, worlds=2)
    first, last = table.answer[:, 0], table.answer[:, 1]
    assert (last != NO_ANSWER).all()  # at end: everyone
    assert ((first != NO_ANSWER) == (table.reached >= 0)).all()
    assert first[first != NO_ANSWER].min() >= 1 and last.max() <= 7
    # an event at a stage never reached did not happen
    t_idx = model.stage_index("T")
    assert (table.happened[table.reached < t_idx, 1] == 0).all()


def test_non_response_is_keyed_reproducible_and_at_its_rate():
    model = saas()
    full = sample_table(model, 40_000, 5)
    part = sample_table(model, 40_000, 5, respond=0.3)
    again = sample_table(model, 40_000, 5, respond="30%")
    assert np.array_equal(part.answer, again.answer)
    asked = full.answer != NO_ANSWER
    answered = part.answer != NO_ANSWER
    assert not (answered & ~asked).any()
    assert np.array_equal(part.answer[answered], full.answer[answered])
    for v in range(asked.shape[1]):
        n = asked[:, v].sum()
        k = answered[:, v].sum()
        assert abs(k - 0.3 * n) <= 4 * math.sqrt(n * 0.3 * 0.7), (k, n)
    # the journey's own draws are untouched: the same events and stages
    assert np.array_equal(part.happened, full.happened)
    assert np.array_equal(part.reached, full.reached)
    other = sample_table(model, 40_000, 6, respond=0.3)
    assert not np.array_equal(other.answer != NO_ANSWER, answered)
    none = sample_table(model, 1_000, 5, respond=0)
    assert (none.answer == NO_ANSWER).all()
    everyone = sample_table(model, 1_000, 5, respond=1)
    assert np.array_equal(everyone.answer, sample_table(model, 1_000, 5).answer)


def test_customer_ids_name_persona_and_index(tmp_path):
    model = model_of(FORECAST)
    chunks = list(iter_sample(model, 3_000, 2, worlds=3, chunk=700))
    assert len(chunks) > 3 and all(c.table.rows <= 700 for c in chunks)
    ids = []
    for c in chunks:
        ids += to_arrow(c).column("customer").to_pylist()
    assert len(set(ids)) == 3_000
    # world w's customers of a persona follow those of worlds 0 … w-1
    table = sample_table(model, 3_000, 2, worlds=3)
    names = [model.personas[q].name for q in table.persona]
    js = [int(i.rsplit("-", 1)[1]) for i in ids]
    assert [i.rsplit("-", 1)[0] for i in ids] == names
    for q in range(2):
        mine = [j for j, p in zip(js, table.persona) if p == q]
        assert mine == list(range(len(mine)))
    rows = np.concatenate([c.table.row for c in chunks])
    assert np.array_equal(rows, np.arange(2, 3_002))


def test_a_csv_of_the_sample_has_the_columns_in_order(tmp_path):
    from cxdsl.data.sample import write_sample

    model = saas()
    out = tmp_path / "s.csv"
    assert write_sample(str(out), model, 100, 1) == 100
    header = pacsv.read_csv(out).schema.names
    assert header == ["customer", "persona", "reached", *[e.name for e in model.events],
                      *[s.name for s in model.all_surveys]]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("bad", ["-0.1", "1.5", "abc", "nan", "200%"])
def test_a_bad_response_rate_is_refused(bad):
    with pytest.raises(SampleError, match="respond"):
        check_respond(bad)


def test_output_formats_by_suffix():
    assert output_format("a.CSV") == "csv"
    assert output_format("a.parquet") == "parquet"
    with pytest.raises(SampleError, match=r"\.csv or \.parquet"):
        output_format("a.xlsx")


def test_an_event_named_like_a_table_column_is_refused():
    model = model_of("persona a share=1 baseline=5\nstage S\nevent world p=50% at S\n")
    with pytest.raises(SampleError, match="'world'"):
        sample_table(model, 10, 0)


def test_writing_reports_progress_chunk_by_chunk(tmp_path):
    from cxdsl.data.sample import write_sample

    calls = []
    write_sample(str(tmp_path / "s.parquet"), saas(), 2_500, 1, chunk=1_000,
                 progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1_000, 2_500), (2_000, 2_500), (2_500, 2_500)]


def test_the_sample_does_not_depend_on_the_threads():
    import numba

    model = model_of(FORECAST)
    both = sample_table(model, 20_000, 4, respond=0.5)
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one = sample_table(model, 20_000, 4, respond=0.5)
    finally:
        numba.set_num_threads(previous)
    for f in ("persona", "reached", "happened", "answer", "world"):
        assert np.array_equal(getattr(one, f), getattr(both, f)), f
