"""The exact engine against hand computations, and against a naive path enumerator."""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
import pytest

import cxdsl
from cxdsl.model import ir
from cxdsl.sim.exact import (
    ExactTooLarge,
    ExactUnsupported,
    exact_tallies,
    logistic_advance,
    unsupported_values,
)
from cxdsl.sim.metrics import compute


def run(text: str):
    model = cxdsl.loads(text)
    return compute(exact_tallies(model), model, {})


def value(result, metric, persona=None):
    return result.metric(metric, persona).value


def logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# ----------------------------------------------------------------- hand computations


def test_one_event():
    r = run("""
persona a share=1 baseline=7
stage S
event e p=50% impact=+2 at S
""")
    # half the customers stay at 7, half go to 9: mean 8
    assert value(r, "mean") == pytest.approx(8)
    d = r.overall.distribution
    assert d[7] == pytest.approx(0.5) and d[9] == pytest.approx(0.5)
    assert sum(d) == pytest.approx(1)
    # promoters (r >= 9) 50%, detractors (r <= 6) 0%: nps = 100 * (0.5 - 0) = 50
    assert value(r, "nps") == pytest.approx(50)
    # top-two-box on 0..10 is r >= 9: 50%
    assert value(r, "csat") == pytest.approx(50)
    # one stage: everybody reached the goal (the last stage)
    assert value(r, "conversion") == pytest.approx(1)
    assert r.events[0].rate == pytest.approx(0.5)
    assert r.stages[0].reached == 1 and r.stages[0].mean_score == pytest.approx(8)
    # exact: zero-width intervals
    m = r.metric("nps")
    assert m.lo == m.hi == m.value
    assert r.half_width() == 0


def test_recovery():
    r = run("""
persona a share=1 baseline=8
stage S
event glitch p=20% impact=-3 at S
event recovery p=50% impact=+2 at S when glitch
""")
    # no glitch 0.8 -> 8; glitch+recovery 0.1 -> 7; glitch alone 0.1 -> 5
    # mean = 0.8*8 + 0.1*7 + 0.1*5 = 6.4 + 0.7 + 0.5 = 7.6
    assert value(r, "mean") == pytest.approx(7.6)
    # promoters 0 (8 and 7 are passives), detractors 0.1 (the 5s): nps = -10
    assert value(r, "nps") == pytest.approx(-10)
    assert value(r, "csat") == pytest.approx(0)
    # the recovery happens to 20% * 50% = 10% of all customers
    assert [e.rate for e in r.events] == pytest.approx([0.2, 0.1])


def test_compounding_and():
    r = run("""
persona x share=1 baseline=8
stage S
event a p=50% impact=-1 at S
event b p=50% impact=-1 at S
event c impact=-2 at S when a and b
""")
    # neither 0.25 -> 8; a only 0.25 -> 7; b only 0.25 -> 7; both 0.25 -> 8-1-1-2 = 4
    # mean = 2 + 3.5 + 1 = 6.5; nps = 0 - 25 = -25
    assert value(r, "mean") == pytest.approx(6.5)
    assert value(r, "nps") == pytest.approx(-25)
    d = r.overall.distribution
    assert (d[4], d[7], d[8]) == pytest.approx((0.25, 0.5, 0.25))
    assert r.events[2].rate == pytest.approx(0.25)


def test_or_and_not_across_stages():
    r = run("""
persona x share=1 baseline=5
stage S
stage T
event a p=50% at S
event b p=50% at S
event either impact=+1 at T when a or b
event neither impact=-1 at T when not (a or b)
""")
    # a or b: 1 - 0.25 = 0.75 -> 6; neither: 0.25 -> 4; mean = 4.5 + 1 = 5.5
    assert value(r, "mean") == pytest.approx(5.5)
    assert [e.rate for e in r.events] == pytest.approx([0.5, 0.5, 0.75, 0.25])


def test_conditions_on_events_declared_further_down_at_earlier_stages():
    # the same journey as above with the follow-ups written first: stages set the order
    r = run("""
persona x share=1 baseline=5
stage S
stage T
event either impact=+1 at T when a or b
event neither impact=-1 at T when not (a or b)
event a p=50% at S
event b p=50% at S
""")
    assert value(r, "mean") == pytest.approx(5.5)
    assert [e.rate for e in r.events] == pytest.approx([0.75, 0.25, 0.5, 0.5])


def test_score_condition_discrete_baseline():
    r = run("""
persona a share=1 baseline=discrete(3: 0.5, 8: 0.5)
stage S
event rescue p=50% impact=+2 at S when score < 5
""")
    # 3 (0.5): rescued 0.25 -> 5, not 0.25 -> 3; 8 (0.5) stays 8
    # mean = 0.25*5 + 0.25*3 + 0.5*8 = 1.25 + 0.75 + 4 = 6
    assert value(r, "mean") == pytest.approx(6)
    assert r.events[0].rate == pytest.approx(0.25)


def test_condition_sees_running_unclamped_score():
    r = run("""
persona a share=1 baseline=1
stage S
event drop impact=-4 at S
event lift impact=+3 at S when score < -2
""")
    # 1 - 4 = -3 within the stage (not clamped yet): lift applies, -3 + 3 = 0; clamp -> 0.
    # Had the score been clamped after the drop (0), the lift would not apply.
    assert r.events[1].rate == pytest.approx(1)
    assert value(r, "mean") == pytest.approx(0)


def test_clamping_both_ends_between_stages():
    r = run("""
persona low  share=50% baseline=1
persona high share=50% baseline=9
stage S
stage T
event shock impact=-5 at S
  for high impact=+5
event bounce impact=+3 at T
  for high impact=-3
""")
    # low: 1 - 5 = -4, clamped to 0 at the end of S, then +3 -> 3 (not -1 -> 0)
    # high: 9 + 5 = 14, clamped to 10, then -3 -> 7 (not 11 -> 10)
    assert value(r, "mean", "low") == pytest.approx(3)
    assert value(r, "mean", "high") == pytest.approx(7)
    assert r.stages[0].mean_score == pytest.approx((0 + 10) / 2)
    # overall: the weighted mean of the personas
    assert value(r, "mean") == pytest.approx(5)


def with_baseline(text: str, baseline: ir.Dist):
    """The model of ``text`` with its one persona's baseline replaced (the checker keeps
    baselines inside the scale; the engine clamps whatever it is given, e.g. by the API)."""
    model = cxdsl.loads(text)
    persona = dataclasses.replace(model.personas[0], baseline=baseline)
    model = dataclasses.replace(model, personas=(persona,))
    return compute(exact_tallies(model), model, {})


def test_baseline_clamped_to_scale():
    r = with_baseline("""
scale 1..5
persona a share=1 baseline=3
stage S
""", ir.Discrete((0.0, 6.0), (0.5, 0.5)))
    # draws of 0 and 6 are clamped to 1 and 5
    assert value(r, "mean") == pytest.approx(3)
    assert r.overall.distribution == pytest.approx([0.5, 0, 0, 0, 0.5])


def test_slope_logistic_advance():
    r = run("""
persona a share=1 baseline=5
stage S advance=50% slope=1
stage T
event e p=50% impact=+2 at S
event g impact=+1 at T
""")
    # with e (0.5): score 7, score0 5: advance = logistic(logit(0.5) + 1*2) = logistic(2)
    # without e (0.5): advance = 0.5
    up = logistic(2.0)  # 0.8808
    reached_t = 0.5 * up + 0.5 * 0.5
    assert value(r, "conversion") == pytest.approx(reached_t)
    assert r.stages[0].advanced == pytest.approx(reached_t)
    assert r.stages[1].reached == pytest.approx(reached_t)
    # emotion curve: at the end of T, among those who reached it (those who advance get
    # +1 in T)
    at_t = (0.5 * up * 8 + 0.25 * 6) / reached_t
    assert r.stages[1].mean_score == pytest.approx(at_t)
    # the headline (implicit) survey asks the converted customers, at T
    assert value(r, "mean") == pytest.approx(at_t)
    assert r.metric("respondents", survey="customers").value == pytest.approx(reached_t)
    # a survey at end asks everyone: mean = 0.5*(7 + up) + 0.5*(5 + 0.5)
    model = dataclasses.replace(r.model, surveys=(ir.Survey("everyone", None, None),))
    everyone = compute(exact_tallies(model), model, {})
    assert value(everyone, "mean") == pytest.approx(0.5 * (7 + up) + 0.5 * 5.5)


def test_slope_negative_delta_and_score0_is_clamped_baseline():
    r = with_baseline("""
persona a share=1 baseline=5
stage S advance=50% slope=0.5
stage T
event e p=100% impact=-4 at S
""", ir.Const(12.0))
    # score0 = clamp(12) = 10; end of S: 6; delta = -4: logistic(0 + 0.5*-4) = logistic(-2)
    assert value(r, "conversion") == pytest.approx(logistic(-2.0))


def test_advance_zero_and_one_ignore_slope():
    r = run("""
persona a share=1 baseline=5
stage S advance=100% slope=3
stage T advance=0% slope=3
stage U
event e impact=-3 at S
""")
    assert [s.reached for s in r.stages] == pytest.approx([1, 1, 0])
    assert [s.advanced for s in r.stages] == pytest.approx([1, 0, 0])
    assert r.stages[2].mean_score is None
    assert value(r, "conversion") == pytest.approx(0)


def test_goal_before_last_stage_and_revenue():
    r = run("""
persona a share=1 baseline=7 value=100
stage A advance=50%
stage B advance=50%
stage C
goal B
""")
    # reaching B (the goal) = 50%; C is reached by 25%
    assert value(r, "conversion") == pytest.approx(0.5)
    assert value(r, "revenue") == pytest.approx(50)
    assert [s.reached for s in r.stages] == pytest.approx([1, 0.5, 0.25])


def test_personas_weighted_overall_and_overrides():
    r = run("""
persona fan  share=25% baseline=10 value=100
persona foe  share=75% baseline=0
stage S advance=40%
  for foe advance=20%
stage T
target nps >= -60
target conversion >= 30% for foe
""")
    # nps of the converted customers: fan 100, foe -100; each persona counts by its
    # respondents, 0.25*0.4 = 0.1 fans and 0.75*0.2 = 0.15 foes: (10 - 15) / 0.25 = -20
    assert value(r, "nps", "fan") == pytest.approx(100)
    assert value(r, "nps") == pytest.approx(-20)
    assert r.metric("respondents", survey="customers").value == pytest.approx(0.25)
    assert r.metric("respondents", "foe", survey="customers").value == pytest.approx(0.2)
    # conversion: 0.25*0.4 + 0.75*0.2 = 0.25; revenue = 0.25*0.4*100 = 10
    assert value(r, "conversion") == pytest.approx(0.25)
    assert value(r, "revenue") == pytest.approx(10)
    assert value(r, "revenue", "foe") == 0
    assert [(t.value, t.met) for t in r.targets] == [(pytest.approx(-20), True),
                                                     (pytest.approx(0.2), False)]
    assert not r.targets_met and len(r.missed) == 1


def test_discrete_impact():
    r = run("""
persona a share=1 baseline=8
stage S
event e impact=discrete(-1: 0.5, 1: 0.5) at S
""")
    # 7 or 9, half each: promoters 0.5, detractors 0: nps 50, mean 8
    assert value(r, "nps") == pytest.approx(50)
    assert value(r, "mean") == pytest.approx(8)


def test_rounding_half_up():
    r = run("""
persona p share=50% baseline=6.5
persona d share=50% baseline=6.4
stage S
""")
    # r = floor(score + 0.5): 6.5 -> 7 (passive), 6.4 -> 6 (detractor)
    assert value(r, "nps", "p") == pytest.approx(0)
    assert value(r, "nps", "d") == pytest.approx(-100)
    assert value(r, "mean") == pytest.approx(6.45)


def test_one_to_five_scale_has_no_nps():
    r = run("""
scale 1..5
persona a share=1 baseline=4
stage S
event e p=50% impact=-2 at S
""")
    # 2 or 4: csat = share r >= HI-1 = 4: 50; mean 3
    assert "nps" not in r.overall.metrics
    d = r.to_dict()
    assert "nps" not in d["overall"] and "nps" not in d["personas"]["a"]
    assert value(r, "csat") == pytest.approx(50)
    assert value(r, "mean") == pytest.approx(3)
    assert r.overall.distribution == pytest.approx([0, 0.5, 0, 0.5, 0])
    assert r.headline == "mean"


def test_p_zero_for_a_persona_and_event_that_never_happens():
    r = run("""
persona a share=50% baseline=5
persona b share=50% baseline=5
stage S
event e p=100% impact=+4 at S
  for b p=0%
event f impact=+1 at S when score > 100
""")
    assert value(r, "mean", "a") == 9 and value(r, "mean", "b") == 5
    assert r.events[0].rate == pytest.approx(0.5)
    assert r.events[1].rate == 0


# ------------------------------------------------------------------------- refusals


def test_refuses_continuous_impact_naming_it():
    model = cxdsl.loads("""
persona enterprise share=30% baseline=8
persona smb share=70% baseline=7
stage Close
event slow_followup p=20% impact=normal(-2, 0.5) at Close
  for enterprise p=10% impact=-3
""")
    with pytest.raises(ExactUnsupported) as exc:
        exact_tallies(model)
    assert str(exc.value) == (
        "event slow_followup: impact normal(-2, 0.5) for persona smb is continuous; the exact "
        "engine takes constants and discrete(...) only — use --engine numba")


def test_refuses_continuous_baseline_and_counts_the_rest():
    model = cxdsl.loads("""
persona a share=1 baseline=uniform(5, 9)
stage S
event e impact=triangular(0, 1, 2) at S
""")
    assert unsupported_values(model) == [
        "persona a: baseline uniform(5, 9)",
        "event e: impact triangular(0, 1, 2) for persona a"]
    with pytest.raises(ExactUnsupported, match=r"persona a: baseline uniform\(5, 9\).*1 more"):
        exact_tallies(model)


def test_continuous_impact_that_is_never_drawn_is_fine():
    model = cxdsl.loads("""
persona a share=1 baseline=7
stage S
event e p=0% impact=normal(1, 1) at S
""")
    assert exact_tallies(model).score_sum[0] == pytest.approx(7)


def test_state_explosion_is_a_clear_error():
    events = "\n".join(f"event e{i} impact=discrete({i * 0.001}: 0.5, {1 + i * 0.01}: 0.5) at S"
                       for i in range(12))
    model = cxdsl.loads("persona a share=1 baseline=5\nstage S\n" + events)
    with pytest.raises(ExactTooLarge, match="persona a: more than 100 distinct states"):
        exact_tallies(model, max_states=100)


def test_logistic_advance_extremes():
    assert logistic_advance(0.5, 1.0, 2.0) == pytest.approx(logistic(2.0))
    assert logistic_advance(0.3, 1e6, -1e6) == 0.0  # no overflow
    assert logistic_advance(0.3, 1e6, 1e6) == 1.0
    assert logistic_advance(1.0, 5.0, -3.0) == 1.0
    assert logistic_advance(0.0, 5.0, 3.0) == 0.0


# --------------------------------------------------- against a naive path enumerator


def _naive(model: ir.Model) -> dict:
    """Every path of every persona enumerated one by one: no merging, no pruning, straight
    from DESIGN.md "Meaning". Returns per-persona (mean, distribution, conversion, rates)."""
    lo, hi = model.scale
    out = {}
    stage_of = {s.name: i for i, s in enumerate(model.stages)}
    events = sorted(range(len(model.events)), key=lambda k: stage_of[model.events[k].stage])

    def holds(c, score, happened):
        if c is None:
            return True
        if isinstance(c, ir.Ref):
            return c.event in happened
        if isinstance(c, ir.ScoreCmp):
            return {"<": score < c.value, "<=": score <= c.value, ">": score > c.value,
                    ">=": score >= c.value, "==": score == c.value,
                    "!=": score != c.value}[c.op]
        if isinstance(c, ir.Not):
            return not holds(c.operand, score, happened)
        vals = [holds(o, score, happened) for o in c.operands]
        return all(vals) if isinstance(c, ir.And) else any(vals)

    def outcomes(d):
        if isinstance(d, ir.Const):
            return [(d.value, 1.0)]
        return list(zip(d.values, d.weights))

    for q, persona in enumerate(model.personas):
        acc = {"mean": 0.0, "dist": np.zeros(hi - lo + 1), "conv": 0.0,
               "rates": np.zeros(len(model.events))}

        def walk(si, idx, score, s0, happened, pr, q=q, acc=acc):
            stage_events = [k for k in events if stage_of[model.events[k].stage] == si]
            if idx < len(stage_events):
                k = stage_events[idx]
                ev = model.events[k]
                p = ev.p[q]
                if p > 0 and holds(ev.when, score, happened):
                    acc["rates"][k] += pr * p
                    for v, w in outcomes(ev.impact[q]):
                        walk(si, idx + 1, score + v, s0, happened | {ev.name}, pr * p * w)
                    walk(si, idx + 1, score, s0, happened, pr * (1 - p))
                else:
                    walk(si, idx + 1, score, s0, happened, pr)
                return
            score = min(max(score, lo), hi)
            if si == model.goal_index:
                acc["conv"] += pr
            if si == len(model.stages) - 1:
                pa = 0.0
            else:
                pa = logistic_advance(model.stages[si].advance[q], model.stages[si].slope[q],
                                      score - s0)
            if pa < 1:
                acc["mean"] += pr * (1 - pa) * score
                acc["dist"][math.floor(score + 0.5) - lo] += pr * (1 - pa)
            if pa > 0:
                walk(si + 1, 0, score, s0, happened, pr * pa)

        for v, w in outcomes(persona.baseline):
            s0 = min(max(v, lo), hi)
            walk(0, 0, s0, s0, frozenset(), w)
        out[persona.name] = acc
    return out


def _random_model(rng: random.Random) -> ir.Model:
    lo, hi = rng.choice([(0, 10), (1, 5), (-3, 3)])
    names = ["p", "q"][: rng.randint(1, 2)]
    lines = [f"scale {lo}..{hi}"]
    for n in names:
        if rng.random() < 0.5:
            base = f"discrete({rng.uniform(lo, hi):.2f}: 1, {rng.randint(lo, hi)}: 2)"
        else:
            base = f"{rng.uniform(lo, hi):.1f}"
        lines.append(f"persona {n} share={rng.randint(1, 5)} baseline={base} "
                     f"value={rng.randint(0, 9)}")
    stages = [f"S{i}" for i in range(rng.randint(1, 4))]
    for i, s in enumerate(stages):
        if i < len(stages) - 1:
            lines.append(f"stage {s} advance={rng.choice([0, 30, 50, 90, 100])}% "
                         f"slope={rng.choice([0, 0.5, -1, 2])}")
            if len(names) > 1 and rng.random() < 0.4:
                lines.append(f"  for {names[-1]} advance={rng.randint(1, 99)}%")
        else:
            lines.append(f"stage {s}")
    if rng.random() < 0.5:
        lines.append(f"goal {rng.choice(stages)}")
    declared: list[str] = []
    for k in range(rng.randint(1, 6)):
        stage = rng.choice(stages)
        # only events of this or an earlier stage may be referred to
        earlier = [e for e, s in declared if stages.index(s) <= stages.index(stage)]
        atoms = [f"score {rng.choice(['<', '>=', '!=', '=='])} {rng.randint(lo, hi)}"]
        atoms += earlier
        when = ""
        if rng.random() < 0.6:
            a = rng.choice(atoms)
            if len(atoms) > 1 and rng.random() < 0.5:
                b = rng.choice(atoms)
                a = f"{a} {rng.choice(['and', 'or'])} {'not ' if rng.random() < 0.3 else ''}{b}"
            when = f" when {a}"
        impact = (f"discrete({rng.randint(-3, 3)}: 1, {rng.uniform(-2, 2):.2f}: 1)"
                  if rng.random() < 0.3 else f"{rng.randint(-4, 4):+d}")
        lines.append(f"event e{k} p={rng.choice([10, 50, 100, 75])}% impact={impact} "
                     f"at {stage}{when}")
        if len(names) > 1 and rng.random() < 0.3:
            lines.append(f"  for {names[0]} p={rng.randint(0, 100)}%")
        declared.append((f"e{k}", stage))
    return cxdsl.loads("\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", range(40))
def test_matches_naive_enumeration(seed):
    model = _random_model(random.Random(seed))
    t = exact_tallies(model)
    naive = _naive(model)
    for q, persona in enumerate(model.personas):
        acc = naive[persona.name]
        assert t.score_sum[q] == pytest.approx(acc["mean"], abs=1e-9)
        assert t.hist[q] == pytest.approx(acc["dist"], abs=1e-9)
        assert t.reached[q, model.goal_index] == pytest.approx(acc["conv"], abs=1e-9)
        assert t.event_count[q] == pytest.approx(acc["rates"], abs=1e-9)
        assert t.hist[q].sum() == pytest.approx(1)
