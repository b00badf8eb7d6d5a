"""Surveys in the engines: hand-computed audiences and weights, the numba engine against the
exact one on every survey's metrics, the reference bit for bit, any thread count."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

import cxdsl
from cxdsl.model import ir
from cxdsl.sim.exact import exact_tallies
from cxdsl.sim.metrics import compute
from cxdsl.sim.simulate import simulate
from support import GOAL_BEFORE_LAST

engine = pytest.importorskip("cxdsl.sim.engine")
from cxdsl.sim.reference import simulate_reference  # noqa: E402

N = 200_000
SIGMAS = 4.5


def with_surveys(model: ir.Model, *surveys: tuple[str, str | None],
                 targets: tuple[ir.Target, ...] = ()) -> ir.Model:
    """``model`` with the surveys (name, stage or None for at end), the first the headline,
    and ``targets`` added."""
    return dataclasses.replace(
        model, surveys=tuple(ir.Survey(n, None, s) for n, s in surveys),
        targets=model.targets + targets)


def exact(model: ir.Model):
    return compute(exact_tallies(model), model, {})


# ------------------------------------------------------------------ hand-computed


ISSUE = """
persona a share=1 baseline=9
stage One advance=10%
stage Two
event bad p=100% impact=-8 at Two
"""


def test_converted_customers_not_everyone():
    # 90% leave at One with 9 (promoters); the 10% who convert all meet `bad` and end at 1.
    # Over everyone NPS would be 90 - 10 = 80; the converted customers give -100.
    r = exact(cxdsl.loads(ISSUE))
    assert r.metric("nps").value == pytest.approx(-100)
    assert r.metric("mean").value == pytest.approx(1)
    s = r.surveys["customers"]
    assert s.stage == "Two" and s.implicit
    assert s.overall["respondents"].value == pytest.approx(0.1)
    everyone = exact(with_surveys(cxdsl.loads(ISSUE), ("everyone", None)))
    assert everyone.metric("nps").value == pytest.approx(80)
    assert everyone.metric("mean").value == pytest.approx(0.9 * 9 + 0.1 * 1)
    assert r.events[0].rate == pytest.approx(0.1)
    assert r.events[0].rate_reached == pytest.approx(1)


def test_a_survey_at_a_stage_answers_before_the_advance():
    # asked at One, after its event and the clamp: 9 + 3 -> 10 for half, 9 for the rest;
    # those who leave and those who stay are asked alike
    model = with_surveys(cxdsl.loads("""
persona a share=1 baseline=9
stage One advance=50%
stage Two
event up p=50% impact=+3 at One
event down impact=-9 at Two
"""), ("after_one", "One"), ("everyone", None))
    r = exact(model)
    one = r.surveys["after_one"].overall
    assert one["respondents"].value == 1.0
    assert one["mean"].value == pytest.approx(9.5)
    assert one.distribution[9] == pytest.approx(0.5) and one.distribution[10] == 0.5
    # at end: half leave at One (9.5 on average), half end at Two with 0.5 on average
    end = r.surveys["everyone"].overall
    assert end["mean"].value == pytest.approx(0.5 * 9.5 + 0.5 * 0.5)
    assert r.metric("mean").value == pytest.approx(9.5)  # the headline is the first


def test_personas_count_by_their_respondents():
    # fans (10%) all convert, foes (90%) convert 1 in 9: respondents 0.1 and 0.1, so each
    # is half of the converted customers: nps (100 - 100) / 2 = 0; by share it would be -80
    model = cxdsl.loads("""
persona fan share=10% baseline=10
persona foe share=90% baseline=2
stage S advance=100%
  for foe advance=11.111111111111111%
stage T
""")
    r = exact(model)
    assert r.metric("respondents", survey="customers").value == pytest.approx(0.2)
    assert r.metric("nps").value == pytest.approx(0, abs=1e-9)
    assert r.overall.distribution[10] == pytest.approx(0.5)
    assert r.metric("nps", "foe").value == -100


def test_nobody_asked_gives_none_not_a_crash():
    model = with_surveys(cxdsl.loads("""
persona a share=1 baseline=8
stage S advance=0%
stage T
target nps >= 0
"""), ("late", "T"), ("everyone", None))
    for r in (exact(model), simulate(model, customers=5000, seed=1)):
        d = json.loads(r.to_json())
        late = d["surveys"]["late"]["overall"]
        assert late["respondents"]["value"] == 0
        assert late["nps"] == {"value": None, "ci95": [None, None]}
        assert late["distribution"] == [None] * 11
        assert d["overall"]["nps"]["value"] is None
        assert d["overall"]["conversion"]["value"] == 0
        assert d["targets"] == [{"target": "nps >= 0", "value": None, "met": False}]
        assert d["surveys"]["everyone"]["overall"]["mean"]["value"] == pytest.approx(8)
        assert d["events"] == []


def test_targets_name_their_survey():
    model = with_surveys(cxdsl.loads(ISSUE), ("customers", "Two"), ("everyone", None),
                         targets=(ir.Target("nps", ">=", 50, None, "everyone"),
                                  ir.Target("nps", ">=", 50, None),
                                  ir.Target("mean", ">", 8.5, "a", "everyone"),
                                  ir.Target("conversion", ">=", 0.1, None)))
    r = exact(model)
    assert [(str(t.target), t.value, t.met) for t in r.targets] == [
        ("everyone.nps >= 50", pytest.approx(80), True),
        ("nps >= 50", pytest.approx(-100), False),
        ("everyone.mean > 8.5 for a", pytest.approx(8.2), False),
        ("conversion >= 10%", pytest.approx(0.1), True)]


def test_ratio_interval_by_hand():
    # two personas, weights 1/2 each, 1000 customers each; survey at T
    # a: 500 asked, answers 10 (promoters); b: 100 asked, 50 answer 10 and 50 answer 0
    model = with_surveys(cxdsl.loads("""
persona a share=1 baseline=10
persona b share=1 baseline=10
stage S advance=50%
stage T
"""), ("t", "T"))
    from cxdsl.sim.tallies import empty

    t = empty(2, 2, 0, 11)
    t.n = np.array([1000.0, 1000.0])
    t.weight = t.n / 2000
    t.reached[:] = [[1000, 500], [1000, 100]]
    t.stage_hist[0, 1, 10] = 500
    t.stage_hist[1, 1, 10], t.stage_hist[1, 1, 0] = 50, 50
    t.stage_score_sum[:, 1] = [5000, 500]
    t.stage_score_sq[:, 1] = [50_000, 5000]
    t.hist[:, 10] = 1000
    r = compute(t, model, {})
    nps = r.metric("nps")
    # r_a = 0.5, r_b = 0.1, r = 0.3; m_a = 100, m_b = 0; m = (0.25 * 100 + 0) / 0.3
    m = 0.25 * 100 / 0.3
    assert nps.value == pytest.approx(m)
    # v_a = 0, v_b = 1e4; se² = Σ w² (r v + r (1 - r) (m_q - m)²) / (n r²)
    var = (0.25 * (0.5 * 0 + 0.25 * (100 - m) ** 2)
           + 0.25 * (0.1 * 1e4 + 0.09 * (0 - m) ** 2)) / (1000 * 0.09)
    assert nps.se == pytest.approx(math.sqrt(var))
    assert r.metric("nps", "b").se == pytest.approx(math.sqrt(1e4 / 100))
    resp = r.metric("respondents", survey="t")
    assert resp.se == pytest.approx(math.sqrt(0.25 * 0.25 / 1000 + 0.25 * 0.09 / 1000))


# ------------------------------------------------- numba against the exact engine

BASE = """
persona ent share=20% baseline=discrete(6: 0.5, 9: 0.5) value=1000
persona smb share=80% baseline=discrete(7: 0.5, 8: 0.5) value=50
stage Attract advance=90%
  for smb advance=15%
stage Demo advance=60% slope=0.5
stage Close advance=70%
stage Delight
event wow p=40% impact=+2 at Attract
event glitch p=20% impact=-3 at Demo
event fix p=60% impact=discrete(1: 1, 2: 1) at Demo when glitch
event slow p=30% impact=-2 at Close
  for ent p=10%
event rescue p=50% impact=+3 at Delight when score < 7
"""
SMALL = GOAL_BEFORE_LAST + "event churn_risk p=30% impact=-2 at Stay\n"

CASES = {
    # the implicit survey at the goal stage, the last one; funnels 90% vs 15% at Attract
    "implicit_at_goal": (BASE, ()),
    # a transactional survey first, then the relationship survey and everyone at the end
    "stage_end_and_goal": (BASE, (("demo", "Demo"), ("customers", "Delight"),
                                  ("everyone", None))),
    # at end as the headline
    "end_first": (BASE, (("everyone", None), ("attract", "Attract"))),
    # the implicit survey at a goal before the last stage, on a 1..5 scale
    "goal_before_last": (SMALL, ()),
    "goal_before_last_surveys": (SMALL, (("stay", "Stay"), ("end", None), ("try", "Try"))),
}

SURVEY_TARGETS = (ir.Target("nps", ">=", 0, None, None), ir.Target("csat", ">=", 40, "smb"))


def _case(name: str) -> ir.Model:
    text, surveys = CASES[name]
    model = cxdsl.loads(text)
    if surveys:
        model = with_surveys(model, *surveys)
    if model.has_nps:
        targets = SURVEY_TARGETS + tuple(
            ir.Target("mean", ">", 7, None, s.name) for s in model.surveys[1:])
        model = dataclasses.replace(model, targets=targets)
    return model


def _true_se_tallies(ex, sampled):
    """Tallies with ``sampled``'s n holding the exact expectations: through compute they
    give the exact values with their true standard errors."""
    n = sampled.n
    fields = ("score_sum", "score_sq", "hist", "reached", "advanced", "stage_score_sum",
              "event_count", "stage_score_sq", "stage_hist")
    scaled = {f: getattr(ex, f) * n.reshape((-1,) + (1,) * (getattr(ex, f).ndim - 1))
              for f in fields}
    return dataclasses.replace(ex, exact=False, n=n.copy(), weight=sampled.weight.copy(),
                               **scaled)


@pytest.mark.parametrize("name", sorted(CASES))
def test_numba_agrees_with_exact_on_every_survey(name):
    model = _case(name)
    ex = exact_tallies(model)
    sampled = engine.simulate_tallies(model, N, 5)
    got, want = compute(sampled, model, {}), compute(ex, model, {})
    truth = compute(_true_se_tallies(ex, sampled), model, {})
    wdiff = float(np.abs(sampled.weight - ex.weight).sum())
    lo, hi = model.scale
    span = {"nps": 200.0, "csat": 100.0, "mean": float(hi - lo), "respondents": 1.0}
    failures = []
    assert list(got.surveys) == [s.name for s in model.all_surveys]
    for sname, ws in want.surveys.items():
        gs, ts = got.surveys[sname], truth.surveys[sname]
        asked = ws.overall["respondents"].value
        groups = [("overall", gs.overall, ts.overall, ws.overall)] + [
            (p, gs.personas[p], ts.personas[p], ws.personas[p]) for p in ws.personas]
        for label, g, tr, w in groups:
            for m, wm in w.metrics.items():
                slack = wdiff * span[m] / asked if label == "overall" else 0.0
                gv, se = g[m].value, tr[m].se
                if abs(gv - wm.value) > SIGMAS * se + slack + 1e-9:
                    failures.append(f"{sname}.{label}.{m}: numba {gv:.6g} vs exact "
                                    f"{wm.value:.6g} (se {se:.3g})")
            for k, (gp, wp) in enumerate(zip(g.distribution, w.distribution)):
                n = g.customers
                se = math.sqrt(max(wp * (1 - wp), 1e-12) / n)
                if abs(gp - wp) > SIGMAS * se + (wdiff / asked if label == "overall" else 0):
                    failures.append(f"{sname}.{label}.distribution[{lo + k}]")
    for ge, we in zip(got.events, want.events):
        if abs(ge.rate_reached - we.rate_reached) > 0.01:
            failures.append(f"event {ge.name}.rate_reached {ge.rate_reached} vs "
                            f"{we.rate_reached}")
    # a target reads its survey's figure (the headline's when it names none)
    for gt in got.targets:
        t = gt.target
        survey = t.survey or model.headline_survey.name
        assert gt.value == got.metric(t.metric, t.persona, survey=survey).value, str(t)
    assert not failures, "\n".join(failures)


def test_the_corpus_covers_what_surveys_need():
    stages = {s for _, surveys in CASES.values() for _, s in surveys}
    assert None in stages and "Demo" in stages and "Attract" in stages
    assert any(not surveys for _, surveys in CASES.values())
    small = cxdsl.loads(SMALL)
    assert small.goal != small.stages[-1].name
    base = cxdsl.loads(BASE)
    attract = next(s for s in base.stages if s.name == "Attract")
    assert attract.advance == (0.9, 0.15)  # very different funnels


def test_the_response_rate_matters_in_the_weights():
    """In BASE the converted enterprise buyers outnumber the small businesses although
    they are a fifth of the customers: weighting by share would be far off."""
    r = exact(_case("implicit_at_goal"))
    s = r.surveys["customers"]
    ent, smb = (s.personas[p]["respondents"].value for p in ("ent", "smb"))
    share_ent = 0.2 * ent / (0.2 * ent + 0.8 * smb)
    assert share_ent > 0.5
    by_respondents = share_ent * s.personas["ent"]["nps"].value + (
        1 - share_ent) * s.personas["smb"]["nps"].value
    assert s.overall["nps"].value == pytest.approx(by_respondents)
    by_share = 0.2 * s.personas["ent"]["nps"].value + 0.8 * s.personas["smb"]["nps"].value
    assert abs(by_share - by_respondents) > 4


# ------------------------------------------------------------------ determinism


def _document(result) -> str:
    d = result.to_dict()
    d.pop("manifest")
    return json.dumps(d)


def test_kernel_and_reference_give_the_same_survey_figures_bit_for_bit():
    model = _case("stage_end_and_goal")
    model = dataclasses.replace(model, events=tuple(
        dataclasses.replace(e, impact=(ir.Normal(-3.0, 1.0),) * 2) if e.name == "glitch"
        else e for e in model.events))
    kernel = engine.simulate_tallies(model, 9000, 3)
    ref = simulate_reference(model, 9000, 3)
    for f in ("stage_hist", "stage_score_sum", "stage_score_sq", "hist", "score_sq"):
        assert np.array_equal(getattr(kernel, f), getattr(ref, f)), f
    assert _document(compute(kernel, model, {})) == _document(compute(ref, model, {}))


def test_survey_figures_identical_for_any_thread_count_and_chunk_size():
    model = _case("stage_end_and_goal")
    runs = [simulate(model, customers=60_000, seed=2, threads=1),
            simulate(model, customers=60_000, seed=2, threads=2),
            simulate(model, customers=60_000, seed=2, threads=2, chunk_size=4096 * 2)]
    assert len({_document(r) for r in runs}) == 1
