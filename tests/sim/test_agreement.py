"""The numba engine against the exact engine, and against known moments.

Every metric the numba engine reports on a corpus of journeys that exercises every feature
lies within 4.5 standard errors of the exact value. The standard errors are the *true* ones
(from the exact probabilities), so a rare outcome that a sample happens to miss still has a
positive error bar. Continuous distributions, which the exact engine refuses, are checked by
their first two moments. Identical seeds give byte-identical JSON for any thread count and
chunk size.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

import cxdsl
from cxdsl.sim.exact import exact_tallies
from cxdsl.sim.metrics import compute
from cxdsl.sim.simulate import simulate
from support import GOAL_BEFORE_LAST

engine = pytest.importorskip("cxdsl.sim.engine")

N = 200_000
SIGMAS = 4.5

CORPUS = {
    "recoveries_and_overrides": """
persona enterprise share=30% baseline=8 value=12_000
persona smb share=70% baseline=discrete(6: 0.3, 7: 0.4, 8: 0.3) value=1_200
stage Attract advance=60%
stage Convert advance=35% slope=0.4
  for enterprise advance=45%
stage Close advance=80% slope=0.2
stage Delight
event personalized_demo p=60% impact=+1.5 at Convert
event demo_glitch p=5% impact=-3 at Convert
  for enterprise p=2%
event instant_recovery p=70% impact=+2 at Convert when demo_glitch
event slow_followup p=20% impact=-2 at Close
  for enterprise p=10% impact=-3
event compounded_frustration impact=-1 at Close when demo_glitch and slow_followup
event onboarding_wow p=40% impact=discrete(0.5: 1, 1.5: 1) at Delight
event rescue_call p=50% impact=+2 at Delight when score < 5
target nps >= 20
""",
    "conditions_and_clamping": """
persona low share=1 baseline=discrete(0: 0.2, 1: 0.3, 2: 0.5)
persona high share=1 baseline=discrete(9: 0.5, 10: 0.5)
stage A advance=90% slope=-0.5
stage B advance=70% slope=1.5
stage C
event crash p=50% impact=-4 at A
  for high impact=+4
event hit p=60% impact=+3 at A when score < 0 or crash
event exact_ten p=90% impact=-1 at A when score == 10
event odd p=30% impact=discrete(-2: 1, 2: 1) at B when not (crash and hit)
event tail p=80% impact=+5 at B when (score >= 3 and not odd) or score != 5
event last_word impact=-10 at C when crash and not hit
""",
    "goal_before_last_small_scale": GOAL_BEFORE_LAST + """\
event upsell p=50% impact=+0.5 at Buy when score > 3
event churn_risk p=30% impact=-2 at Stay
""",
    "odd_scale_three_personas": """
scale -5..5
persona x share=1 baseline=discrete(-2: 1, 0: 1, 3: 1) value=1
persona y share=1 baseline=4.4
persona z share=1 baseline=-4.6 value=3
stage One advance=0%
  for y advance=100%
  for z advance=55%
stage Two advance=75% slope=0.8
stage Three
event e1 p=100% impact=+6 at One
  for x p=0%
event e2 p=45% impact=discrete(-3: 2, 1: 1) at One when not e1
event e3 p=35% impact=-7 at Two when e1 or e2
event e4 impact=+2.5 at Three when score <= -1
""",
}


def _true_se_tallies(exact, sampled):
    """Tallies shaped like ``sampled`` (same n) holding the exact expectations: fed to
    :func:`compute`, they give the exact values with their *true* standard errors."""
    n = sampled.n
    scale = n[:, None]
    return dataclasses.replace(
        exact, exact=False, n=n.copy(), weight=sampled.weight.copy(),
        score_sum=exact.score_sum * n, score_sq=exact.score_sq * n, hist=exact.hist * scale,
        reached=exact.reached * scale, advanced=exact.advanced * scale,
        stage_score_sum=exact.stage_score_sum * scale, event_count=exact.event_count * scale,
        stage_score_sq=exact.stage_score_sq * scale, stage_hist=exact.stage_hist * n[:, None, None])


def _close(label, got, want, se, failures, slack=0.0):
    """Record a failure unless |got - want| <= 4.5 se (+ ``slack``, for the population
    figures: a run of N customers weighs persona q by n_q / N, the exact engine by its
    share; they differ by less than 1/N each)."""
    if got is None or want is None:
        if got != want:
            failures.append(f"{label}: {got} vs {want}")
        return
    tol = SIGMAS * se + slack + 1e-9
    if abs(got - want) > tol:
        failures.append(f"{label}: numba {got:.6g} vs exact {want:.6g} "
                        f"({abs(got - want) / se if se else math.inf:.1f} se)")


def _prop_se(p, n):
    return math.sqrt(max(p * (1 - p), 0.0) / n) if n else 0.0


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_numba_agrees_with_exact(name):
    model = cxdsl.loads(CORPUS[name])
    ex = exact_tallies(model)
    sampled = engine.simulate_tallies(model, N, 7)
    got = compute(sampled, model, {})
    truth = compute(_true_se_tallies(ex, sampled), model, {})
    want = compute(ex, model, {})
    failures: list[str] = []
    groups = [("overall", got.overall, truth.overall, want.overall)] + [
        (p, got.personas[p], truth.personas[p], want.personas[p]) for p in got.personas]
    wdiff = float(np.abs(sampled.weight - ex.weight).sum())
    assert wdiff <= len(model.personas) / N
    lo, hi = model.scale
    span = {"nps": 200.0, "csat": 100.0, "mean": float(hi - lo), "conversion": 1.0,
            "revenue": max(abs(p.value) for p in model.personas)}
    for label, g, tr, w in groups:
        for m in w.metrics:
            slack = wdiff * span[m] if label == "overall" else 0.0
            _close(f"{label}.{m}", g[m].value, w[m].value, tr[m].se, failures, slack)
    # distributions: each bin a proportion
    lo = model.scale[0]
    for q, persona in enumerate(model.personas):
        n = float(sampled.n[q])
        for k in range(ex.hist.shape[1]):
            p = float(ex.hist[q, k])
            _close(f"{persona.name}.distribution[{lo + k}]", sampled.hist[q, k] / n, p,
                   _prop_se(p, n), failures)
        for s, stage in enumerate(model.stages):
            for arr, what in ((ex.reached, "reached"), (ex.advanced, "advanced")):
                p = float(arr[q, s])
                got_p = (sampled.reached if what == "reached" else sampled.advanced)[q, s] / n
                _close(f"{persona.name}.{stage.name}.{what}", got_p, p, _prop_se(p, n),
                       failures)
            # the emotion curve: a mean of scores in [LO, HI] over those who reached the
            # stage; its sd is at most (HI - LO) / 2
            reached = float(sampled.reached[q, s])
            if ex.reached[q, s] > 0 and reached > 0:
                _close(f"{persona.name}.{stage.name}.mean_score",
                       sampled.stage_score_sum[q, s] / reached,
                       ex.stage_score_sum[q, s] / ex.reached[q, s],
                       (model.scale[1] - model.scale[0]) / 2 / math.sqrt(reached), failures)
        for k, event in enumerate(model.events):
            p = float(ex.event_count[q, k])
            _close(f"{persona.name}.{event.name}.rate", sampled.event_count[q, k] / n, p,
                   _prop_se(p, n), failures)
    # population-level stage shares and event rates (stratified)
    w = sampled.weight
    for s, (gs, ws) in enumerate(zip(got.stages, want.stages)):
        se = math.sqrt(sum(w[q] ** 2 * float(ex.reached[q, s]) * (1 - float(ex.reached[q, s]))
                           / sampled.n[q] for q in range(len(w))))
        _close(f"stage {gs.name}.reached", gs.reached, ws.reached, se, failures, wdiff)
    for ge, we in zip(got.events, want.events):
        k = [e.name for e in model.events].index(ge.name)
        se = math.sqrt(sum(w[q] ** 2 * float(ex.event_count[q, k])
                           * (1 - float(ex.event_count[q, k])) / sampled.n[q]
                           for q in range(len(w))))
        _close(f"event {ge.name}.rate", ge.rate, we.rate, se, failures, wdiff)
    assert not failures, "\n".join(failures)


def test_corpus_exercises_every_feature():
    """The corpus above covers what the agreement must hold for."""
    text = "\n".join(CORPUS.values())
    for feature in (" and ", " or ", "not ", "score <", "score ==", "score !=", "score >=",
                    "score <=", "score >", "slope=-", "slope=", "goal ", "discrete(",
                    "scale 1..5", "scale -5..5", "  for ", "advance=0%", "advance=100%",
                    "impact=-10", "value="):
        assert feature in text, feature


# ------------------------------------------------------------- continuous: moments

MOMENTS = [
    # (value, mean, variance, fourth central moment)
    ("normal(1.5, 2)", 1.5, 4.0, 3 * 16.0),
    ("uniform(-3, 5)", 1.0, 64 / 12, 8 ** 4 / 80),
    ("triangular(-2, 0, 4)", 2 / 3, (4 + 0 + 16 - 0 + 8 - 0) / 18, None),
]


@pytest.mark.parametrize("value,mean,var,mu4", MOMENTS)
@pytest.mark.parametrize("where", ["baseline", "impact"])
def test_continuous_moments(value, mean, var, mu4, where):
    # a wide scale and a start at 50 keep clamping out of reach (> 10 sd away)
    if where == "baseline":
        spec = f"scale 0..100\npersona a share=1 baseline={_shift(value, 50)}\nstage S\n"
    else:
        spec = (f"scale 0..100\npersona a share=1 baseline=50\nstage S\n"
                f"event e impact={value} at S\n")
    model = cxdsl.loads(spec)
    t = engine.simulate_tallies(model, N, 3)
    n = float(t.n[0])
    m = t.score_sum[0] / n
    v = t.score_sq[0] / n - m * m
    assert abs(m - (50 + mean)) <= SIGMAS * math.sqrt(var / n)
    if mu4 is None:  # triangular(-2, 0, 4): |x - mean| < 3.4, so mu4 < 3.4^4
        mu4 = 3.4 ** 4
    assert abs(v - var) <= SIGMAS * math.sqrt((mu4 - var * var) / n)


def _shift(value: str, by: float) -> str:
    """``value`` moved by ``by`` (a baseline around 50 instead of 0)."""
    name, args = value.split("(", 1)
    nums = [float(x) for x in args.rstrip(")").split(",")]
    if name == "normal":
        nums[0] += by
    else:
        nums = [x + by for x in nums]
    return f"{name}({', '.join(f'{x:g}' for x in nums)})"


# ------------------------------------------------------------------ determinism


def _without_manifest(result) -> str:
    d = result.to_dict()
    d.pop("manifest")
    return json.dumps(d, indent=2)


def test_json_identical_across_threads_and_chunks():
    model = cxdsl.loads(CORPUS["recoveries_and_overrides"].replace(
        "impact=-2 at Close", "impact=normal(-2, 0.5) at Close"))
    runs = [
        simulate(model, customers=300_000, seed=11, threads=1),
        simulate(model, customers=300_000, seed=11, threads=2),
        simulate(model, customers=300_000, seed=11, threads=2, chunk_size=4096 * 3),
        simulate(model, customers=300_000, seed=11, threads=1, chunk_size=100_000),
    ]
    texts = {_without_manifest(r) for r in runs}
    assert len(texts) == 1
    assert runs[0].to_dict()["manifest"]["customers"] == 300_000
    other = simulate(model, customers=300_000, seed=12, threads=2)
    assert _without_manifest(other) != texts.pop()


def test_precision_run_equals_plain_run_of_its_size():
    model = cxdsl.loads(CORPUS["recoveries_and_overrides"])
    r = simulate(model, seed=5, precision=0.8)
    n = r.manifest["customers"]
    assert r.half_width() <= 0.8
    plain = simulate(model, customers=n, seed=5)
    assert _without_manifest(r) == _without_manifest(plain)
    # a precision the cap cannot reach stops at the cap
    capped = simulate(model, customers=30_000, seed=5, precision=0.01)
    assert capped.manifest["customers"] == 30_000


def test_exact_engine_through_simulate():
    model = cxdsl.loads(CORPUS["goal_before_last_small_scale"])
    r = simulate(model, engine="exact")
    assert r.manifest["engine"] == "exact" and r.manifest["customers"] is None
    assert "nps" not in r.to_dict()["overall"]
    assert np.isclose(r.metric("conversion").value,
                      compute(exact_tallies(model), model, {}).metric("conversion").value)
