"""The numba engine: hand-computed answers, the pure-Python reference bit for bit, the exact
engine within sampling error, reproducibility, keyed randomness, chunking and interrupts."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import cxdsl
from cxdsl.model import ir
from cxdsl.sim import engine, kernel
from cxdsl.sim.engine import (
    BLOCK_SIZE,
    SimulationInterrupted,
    iter_chunks,
    simulate_points,
    simulate_tallies,
)
from cxdsl.sim.exact import exact_tallies
from cxdsl.sim.lower import lower, lower_points, persona_counts
from cxdsl.sim.reference import simulate_reference
from cxdsl.sim.tallies import Tallies
from support import SAAS, journey

FIELDS = ("n", "weight", "score_sum", "score_sq", "hist", "reached", "advanced",
          "stage_score_sum", "event_count", "stage_score_sq", "stage_hist")


def assert_identical(a: Tallies, b: Tallies) -> None:
    for f in FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        assert x.shape == y.shape and np.array_equal(x, y), f


def within(observed: float, expected: float, se: float, z: float = 5.0) -> bool:
    return abs(observed - expected) <= z * se + 1e-12


def share_ok(count: float, n: float, p: float) -> bool:
    """A binomial count is within 5 standard errors of n·p."""
    return within(count / n, p, math.sqrt(max(p * (1 - p), 1e-12) / n))


# A journey using every value form, conditions on events and scores, per-persona values,
# logistic advance and a goal before the end.
RICH = journey(
    personas=(("ent", 0.3, ir.Triangular(6.0, 8.0, 10.0)), ("smb", 0.7, ir.Normal(7.2, 1.0)),
              ("gov", 0.2, ir.Discrete((5.0, 6.5, 9.0), (0.25, 0.5, 0.25)))),
    stages=(("Attract", 0.6, 0.0), ("Convert", (0.45, 0.35, 0.3), 0.4),
            ("Close", 0.8, (0.2, 0.3, -0.1)), ("Delight", 1.0, 0.0)),
    events=(
        ("demo", "Convert", 0.6, ir.Const(1.5), None),
        ("early", "Attract", 0.1, ir.Uniform(-1.0, 1.0), None),
        ("glitch", "Convert", (0.02, 0.05, 0.1), ir.Const(-3.0), None),
        ("recover", "Convert", 0.7, ir.Triangular(0.0, 1.0, 3.0), ir.Ref("glitch")),
        ("slow", "Close", 0.2, (ir.Const(-3.0), ir.Normal(-2.0, 0.5), ir.Const(-1.0)),
         ir.And((ir.Ref("glitch"), ir.Not(ir.Ref("recover"))))),
        ("wow", "Delight", 0.4, ir.Discrete((1.0, 2.0, 3.0), (0.5, 0.25, 0.25)), None),
        ("rescue", "Delight", 0.5, ir.Const(2.0),
         ir.Or((ir.ScoreCmp("<", 5.0), ir.And((ir.Ref("slow"), ir.ScoreCmp("!=", 7.0)))))),
    ))


# ----------------------------------------------------------------- hand-computed cases


def test_one_event_coin_flip():
    model = journey(events=(("e", "s1", 0.5, ir.Const(2.0), None),))
    n = 20_000
    t = simulate_tallies(model, n, seed=1)
    assert t.n.tolist() == [n] and t.weight.tolist() == [1.0] and not t.exact
    assert within(t.score_sum[0] / n, 8.0, 1 / math.sqrt(n))
    happened = t.event_count[0, 0]
    assert share_ok(happened, n, 0.5)
    # the score is 7 or 9: the histogram and the sums follow from the event count exactly
    expected_hist = np.zeros(11)
    expected_hist[7], expected_hist[9] = n - happened, happened
    assert t.hist[0].tolist() == expected_hist.tolist()
    assert t.score_sum[0] == 7 * n + 2 * happened
    assert t.score_sq[0] == 49 * (n - happened) + 81 * happened
    assert t.reached[0].tolist() == [n] and t.advanced[0].tolist() == [0]
    assert t.stage_score_sum[0, 0] == t.score_sum[0]


def test_persona_counts_are_exactly_stratified():
    model = journey(personas=(("a", 1.0, ir.Const(5.0)), ("b", 1.0, ir.Const(5.0)),
                              ("c", 1.0, ir.Const(5.0)), ("z", 0.0, ir.Const(5.0))))
    t = simulate_tallies(model, 1001, seed=3)
    assert t.n.tolist() == [334, 334, 333, 0]
    assert t.n.tolist() == persona_counts([1, 1, 1, 0], 1001, "abcz").tolist()
    assert t.weight.tolist() == [334 / 1001, 334 / 1001, 333 / 1001, 0.0]
    assert t.reached[:, 0].tolist() == t.n.tolist()
    assert t.hist[:, 5].tolist() == t.n.tolist()


def test_clamping_at_both_ends_only_at_the_end_of_a_stage():
    model = journey(
        personas=(("up", 1.0, ir.Const(9.0)), ("down", 1.0, ir.Const(1.0))),
        stages=(("s1", 1.0, 0.0), ("s2", 1.0, 0.0)),
        events=(("big", "s1", 1.0, (ir.Const(3.0), ir.Const(-3.0)), None),
                # the running score is 12 (or -2) here: not clamped yet
                ("beyond", "s1", 1.0, ir.Const(0.5),
                 ir.Or((ir.ScoreCmp(">", 10.0), ir.ScoreCmp("<", 0.0)))),
                # after the stage the score was clamped to 10 (or 0)
                ("after", "s2", 1.0, ir.Const(1.0),
                 ir.Or((ir.ScoreCmp(">", 10.0), ir.ScoreCmp("<", 0.0))))))
    n = 1000
    t = simulate_tallies(model, 2 * n, seed=5)
    assert t.event_count.tolist() == [[n, n, 0], [n, n, 0]]
    assert t.hist[0, 10] == n and t.hist[1, 0] == n
    assert t.score_sum.tolist() == [10.0 * n, 0.0]
    assert t.stage_score_sum.tolist() == [[10.0 * n, 10.0 * n], [0.0, 0.0]]


def test_baseline_is_clamped_to_the_scale():
    model = journey(personas=(("a", 1.0, ir.Normal(10.0, 3.0)),))
    n = 20_000
    t = simulate_tallies(model, n, seed=8)
    # score0 = min(draw, 10): rounded to 10 whenever the draw is >= 9.5
    p10 = 0.5 * math.erfc(-0.5 / 3.0 / math.sqrt(2))
    assert share_ok(t.hist[0, 10], n, p10)
    assert t.hist[0, :].sum() == n


@pytest.mark.parametrize("delta,slope,expected", [
    (1.5, 0.8, 1 / (1 + math.exp(-1.2))),
    (-1.5, 0.8, 1 / (1 + math.exp(1.2))),
    (0.0, 0.8, 0.5),
    (3.0, 0.8, 1 / (1 + math.exp(-0.8))),   # 9 + 3 is clamped to 10: one point up
])
def test_logistic_advance_follows_the_score_change(delta, slope, expected):
    model = journey(personas=(("a", 1.0, ir.Const(9.0 if delta == 3.0 else 5.0)),),
                    stages=(("s1", 0.5, slope), ("s2", 1.0, 0.0)),
                    events=(("e", "s1", 1.0, ir.Const(delta), None),))
    n = 20_000
    t = simulate_tallies(model, n, seed=11)
    assert share_ok(t.advanced[0, 0], n, expected)
    assert t.reached[0, 1] == t.advanced[0, 0]


def test_advance_zero_and_one_and_the_funnel():
    model = journey(
        personas=(("never", 1.0, ir.Const(5.0)), ("always", 1.0, ir.Const(5.0)),
                  ("half", 1.0, ir.Const(5.0))),
        stages=(("s1", (0.0, 1.0, 0.5), 5.0), ("s2", (0.0, 1.0, 0.5), 5.0),
                ("s3", 1.0, 0.0)),
        events=(("last", "s3", 1.0, ir.Const(1.0), None),))
    n = 16_000
    t = simulate_tallies(model, 3 * n, seed=2)
    assert t.reached[0].tolist() == [n, 0, 0] and t.advanced[0].tolist() == [0, 0, 0]
    assert t.reached[1].tolist() == [n, n, n] and t.advanced[1].tolist() == [n, n, 0]
    assert t.event_count[:2, 0].tolist() == [0, n]
    # score never moves before s3, so the slope does not matter: 1/2 then 1/4 reach
    assert share_ok(t.reached[2, 1], n, 0.5) and share_ok(t.reached[2, 2], n, 0.25)
    assert t.advanced[2, 1] == t.reached[2, 2] == t.event_count[2, 0]
    assert t.stage_score_sum[2, 2] == 6.0 * t.reached[2, 2]


def test_a_goal_before_the_last_stage_is_just_a_reached_count():
    model = dataclasses.replace(
        journey(stages=(("a", 0.5, 0.0), ("b", 0.5, 0.0), ("c", 1.0, 0.0))), goal="b")
    n = 16_000
    t = simulate_tallies(model, n, seed=4)
    assert share_ok(t.reached[0, model.goal_index], n, 0.5)
    assert share_ok(t.reached[0, 2], n, 0.25)


def test_other_scales_and_rounding_half_up():
    model = journey(personas=(("a", 1.0, ir.Const(3.0)),), scale=(1, 5),
                    events=(("e", "s1", 1.0, ir.Discrete((-10.0, 10.0), (0.5, 0.5)), None),))
    n = 10_000
    t = simulate_tallies(model, n, seed=6)
    assert t.hist.shape == (1, 5)
    assert t.hist[0, 1:4].tolist() == [0, 0, 0] and t.hist[0, 0] + t.hist[0, 4] == n
    assert share_ok(t.hist[0, 0], n, 0.5)
    # r = floor(score + 0.5) on a scale with negative scores: -1.5 -> -1, -0.5 -> 0, 0.5 -> 1
    model = journey(personas=(("m", 1.0, ir.Const(-1.0)), ("z", 1.0, ir.Const(0.0)),
                              ("p", 1.0, ir.Const(1.0))), scale=(-3, 3),
                    events=(("e", "s1", 1.0, ir.Const(-0.5), None),))
    t = simulate_tallies(model, 30, seed=6)
    assert [int(np.argmax(h)) - 3 for h in t.hist] == [-1, 0, 1]


@pytest.mark.parametrize("impact,mean,var", [
    (ir.Normal(0.0, 2.0), 0.0, 4.0),
    (ir.Uniform(-3.0, 1.0), -1.0, 16 / 12),
    (ir.Triangular(-2.0, 0.0, 4.0), 2 / 3, 28 / 18),
    (ir.Discrete((-2.0, 1.0, 3.0), (0.2, 0.5, 0.3)), 1.0, 3.0),
])
@pytest.mark.parametrize("where", ["impact", "baseline"])
def test_value_forms_have_their_moments(impact, mean, var, where):
    n = 40_000
    if where == "impact":
        model = journey(personas=(("a", 1.0, ir.Const(50.0)),), scale=(0, 100),
                        events=(("e", "s1", 1.0, impact, None),))
    else:
        shifted = {ir.Normal: lambda d: ir.Normal(d.mu + 50, d.sd),
                   ir.Uniform: lambda d: ir.Uniform(d.lo + 50, d.hi + 50),
                   ir.Triangular: lambda d: ir.Triangular(d.lo + 50, d.mode + 50, d.hi + 50),
                   ir.Discrete: lambda d: ir.Discrete(tuple(v + 50 for v in d.values),
                                                      d.weights)}[type(impact)](impact)
        model = journey(personas=(("a", 1.0, shifted),), scale=(0, 100))
    t = simulate_tallies(model, n, seed=9)
    m = t.score_sum[0] / n
    v = t.score_sq[0] / n - m * m
    assert within(m, 50 + mean, math.sqrt(var / n))
    assert within(v, var, var * math.sqrt(2 / n))   # kurtosis <= 3 for all four forms
    if isinstance(impact, ir.Discrete):
        for value, w in zip(impact.values, impact.weights):
            assert share_ok(t.hist[0, int(50 + value)], n, w)
        assert t.hist[0].sum() == t.hist[0, [48, 51, 53]].sum()
    if isinstance(impact, (ir.Uniform, ir.Triangular)):
        lo, hi = 50 + impact.lo, 50 + impact.hi
        assert t.hist[0, :int(lo)].sum() == 0 and t.hist[0, int(hi) + 1:].sum() == 0


def test_conditions_with_and_or_not_and_score():
    model = journey(
        personas=(("a", 1.0, ir.Const(6.0)),),
        stages=(("s1", 1.0, 0.0), ("s2", 1.0, 0.0)),
        events=(
            ("A", "s1", 0.5, ir.Const(1.0), None),
            ("B", "s1", 0.5, ir.Const(0.0), None),
            ("sameStage", "s1", 1.0, ir.Const(0.0), ir.Ref("A")),
            ("AnotB", "s2", 1.0, ir.Const(0.0), ir.And((ir.Ref("A"), ir.Not(ir.Ref("B"))))),
            ("AorB", "s2", 1.0, ir.Const(0.0), ir.Or((ir.Ref("A"), ir.Ref("B")))),
            ("neither", "s2", 1.0, ir.Const(0.0), ir.Not(ir.Or((ir.Ref("A"), ir.Ref("B"))))),
            ("high", "s2", 1.0, ir.Const(0.0), ir.ScoreCmp(">=", 7.0)),
            ("lowB", "s2", 1.0, ir.Const(0.0), ir.And((ir.ScoreCmp("<", 7.0), ir.Ref("B")))),
            ("eq", "s2", 1.0, ir.Const(0.0), ir.ScoreCmp("==", 7.0)),
            ("ne", "s2", 1.0, ir.Const(0.0), ir.ScoreCmp("!=", 7.0)),
            ("le", "s2", 1.0, ir.Const(0.0), ir.ScoreCmp("<=", 6.0)),
            ("gt", "s2", 1.0, ir.Const(0.0), ir.ScoreCmp(">", 6.0)),
        ))
    n = 20_000
    t = simulate_tallies(model, n, seed=12)
    c = dict(zip([e.name for e in model.events], t.event_count[0]))
    a, b = c["A"], c["B"]
    assert share_ok(a, n, 0.5) and share_ok(b, n, 0.5)
    assert c["sameStage"] == a and c["high"] == a and c["eq"] == a and c["gt"] == a
    assert c["ne"] == n - a and c["le"] == n - a
    # lowB counts B without A (score < 7 exactly when A did not happen)
    assert c["AorB"] == a + c["lowB"] and c["AnotB"] == a - (b - c["lowB"])
    assert c["neither"] == n - c["AorB"]
    for name, p in [("AnotB", 0.25), ("AorB", 0.75), ("neither", 0.25), ("lowB", 0.25)]:
        assert share_ok(c[name], n, p), name


def test_more_than_64_events():
    events = [(f"e{i}", "s1", 1.0, ir.Const(0.0), None) for i in range(70)]
    events += [("both", "s1", 1.0, ir.Const(1.0), ir.And((ir.Ref("e65"), ir.Ref("e1")))),
               ("none", "s1", 1.0, ir.Const(1.0), ir.Not(ir.Ref("e69"))),
               ("half", "s1", 0.5, ir.Const(0.0), None),
               ("after", "s1", 1.0, ir.Const(0.0), ir.Ref("half"))]
    t = simulate_tallies(journey(events=tuple(events)), 1000, seed=1)
    assert t.event_count[0, :70].tolist() == [1000] * 70
    assert t.event_count[0, 70:72].tolist() == [1000, 0]
    assert t.event_count[0, 72] == t.event_count[0, 73]
    assert t.hist[0, 8] == 1000


# --------------------------------------------------------------------------- oracles


def test_kernel_equals_the_python_reference_bit_for_bit():
    for model, n, seed in [(RICH, 6000, 7), (RICH, 3 * BLOCK_SIZE + 17, -3),
                           (cxdsl.load(SAAS), 5000, 42)]:
        assert_identical(simulate_tallies(model, n, seed), simulate_reference(model, n, seed))


def test_logistic_advance_within_and_beyond_the_polynomial_equals_the_reference():
    # slopes this steep put x = logit(a) + slope * delta beyond the polynomial's range
    # (|x| > 700), where the kernel computes the logistic itself; the gentle one stays
    # within it
    model = journey(
        personas=(("gentle", 1.0, ir.Normal(5.0, 2.0)), ("steep", 1.0, ir.Normal(5.0, 2.0)),
                  ("down", 1.0, ir.Normal(5.0, 2.0))),
        stages=(("s1", 0.5, (0.05, 450.0, -450.0)), ("s2", 0.7, (0.3, 450.0, -450.0)),
                ("s3", 1.0, 0.0)),
        events=(("e1", "s1", 0.5, ir.Normal(0.0, 1.5), None),
                ("e2", "s2", 0.5, ir.Uniform(-2.0, 2.0), None)))
    n = 3 * 2500
    t = simulate_tallies(model, n, 21)
    assert_identical(t, simulate_reference(model, n, 21))
    # steep: advance exactly when the score went up (or stayed, p = 0.5 then)
    assert 0 < t.advanced[1, 0] < t.reached[1, 0] and 0 < t.advanced[2, 0] < t.reached[2, 0]


def test_fixed_probabilities_become_integer_thresholds():
    model = journey(stages=(("s1", 1e-17, 0.0), ("s2", 0.25, 3.0), ("s3", 1.0, 0.0)),
                    events=(("never", "s1", 1e-18, ir.Const(1.0), None),
                            ("half", "s1", 0.5, ir.Const(1.0), None),
                            ("always", "s1", 1.0, ir.Const(1.0), None)))
    packed = engine.pack(lower(model), 1)
    modes = packed.ev_int[0, 0, :, kernel.EV_MODE].tolist()
    assert modes == [kernel.MODE_NEVER, kernel.MODE_THRESHOLD, kernel.MODE_ALWAYS]
    assert packed.ev_u64[0, 0, 1, kernel.EV_THRESHOLD] == 2 ** 63
    assert packed.st_mode[0, 0, :2].tolist() == [kernel.MODE_NEVER, kernel.MODE_LOGISTIC]
    t = simulate_tallies(model, 100, 1)
    assert t.event_count[0].tolist() == [0, t.event_count[0, 1], 100]
    assert t.advanced[0].tolist() == [0, 0, 0]


def test_agrees_with_the_exact_engine_within_sampling_error():
    from cxdsl.sim.exact import exact_tallies

    model = cxdsl.load(SAAS)
    model = dataclasses.replace(model, personas=tuple(  # make every value exact
        dataclasses.replace(p, baseline=ir.Discrete((p.baseline.mu - 1, p.baseline.mu + 1),
                                                    (0.5, 0.5)))
        if isinstance(p.baseline, ir.Normal) else p for p in model.personas))
    model = dataclasses.replace(model, events=tuple(
        dataclasses.replace(e, impact=tuple(
            ir.Discrete((d.mu - 0.5, d.mu + 0.5), (0.5, 0.5)) if isinstance(d, ir.Normal)
            else ir.Discrete((d.lo, d.hi), (0.5, 0.5)) if isinstance(d, ir.Uniform) else d
            for d in e.impact)) for e in model.events))
    exact = exact_tallies(model)
    n = 200_000
    t = simulate_tallies(model, n, seed=42)
    for q in range(len(model.personas)):
        nq = t.n[q]
        for f in ("hist", "reached", "advanced", "event_count"):
            for got, p in zip(getattr(t, f)[q], getattr(exact, f)[q]):
                assert share_ok(got, nq, p), (f, q)
        mean = exact.score_sum[q]
        sd = math.sqrt(max(exact.score_sq[q] - mean * mean, 0.0))
        assert within(t.score_sum[q] / nq, mean, sd / math.sqrt(nq))


# ------------------------------------------------------------------- reproducibility


def test_bit_identical_across_threads_and_chunk_sizes():
    n = 5 * BLOCK_SIZE + 321
    runs = [simulate_tallies(RICH, n, 99, threads=threads, chunk_size=chunk)
            for threads, chunk in [(1, BLOCK_SIZE), (2, None), (2, 3 * BLOCK_SIZE + 5),
                                   (1, 10 ** 9), (2, 1)]]
    for other in runs[1:]:
        assert_identical(runs[0], other)
    # ... and the seed matters
    assert not np.array_equal(simulate_tallies(RICH, n, 100).event_count, runs[0].event_count)


def test_points_equal_separate_runs():
    p = ir.PathRef("event", "glitch", "p")
    values = [0.0, 0.3, 1.0]
    tables = lower(RICH, points=[{p: v} for v in values])
    batched = simulate_points(tables, 7000, 5, chunk_size=2 * BLOCK_SIZE)
    assert len(batched) == 3
    for v, t in zip(values, batched):
        assert_identical(t, simulate_tallies(ir.with_overrides(RICH, {p: v}), 7000, 5))
    assert batched[0].event_count[:, 2].tolist() == [0, 0, 0]


def _integer_model(extra=(), personas=None, order=None):
    personas = personas or (("a", 1.0, ir.Discrete((5.0, 7.0, 9.0), (0.3, 0.4, 0.3))),
                            ("b", 1.0, ir.Const(6.0)))
    events = [("x", "s1", 0.4, ir.Const(1.0), None),
              ("y", "s2", 0.5, ir.Const(-2.0), ir.Ref("x")),
              ("z", "s3", 0.3, ir.Discrete((1.0, 2.0), (0.5, 0.5)), ir.ScoreCmp("<", 7.0))]
    if order:
        events = [events[i] for i in order]
    return journey(personas=personas,
                   stages=(("s1", 0.6, 0.3), ("s2", 0.5, 0.0), ("s3", 1.0, 0.0)),
                   events=tuple(list(extra) + events))


def test_adding_removing_or_reordering_declarations_leaves_the_others_alone():
    n = 10_000
    base = simulate_tallies(_integer_model(), n, 17)
    # an unrelated event (no impact), declared first, at the first stage
    added = simulate_tallies(
        _integer_model(extra=[("unrelated", "s1", 0.5, ir.Const(0.0), None)]), n, 17)
    assert added.event_count[:, 0].sum() > 0
    for f in FIELDS:
        if f != "event_count":
            assert np.array_equal(getattr(base, f), getattr(added, f)), f
    assert np.array_equal(base.event_count, added.event_count[:, 1:])
    # declarations in another order (each stage keeps its own order)
    reordered = simulate_tallies(_integer_model(order=[2, 0, 1]), n, 17)
    assert np.array_equal(base.event_count, reordered.event_count[:, [1, 2, 0]])
    for f in ("n", "score_sum", "score_sq", "hist", "reached", "advanced", "stage_score_sum"):
        assert np.array_equal(getattr(base, f), getattr(reordered, f)), f
    # personas in another order
    swapped = simulate_tallies(_integer_model(personas=(
        ("b", 1.0, ir.Const(6.0)),
        ("a", 1.0, ir.Discrete((5.0, 7.0, 9.0), (0.3, 0.4, 0.3))))), n, 17)
    for f in FIELDS:
        assert np.array_equal(getattr(base, f), getattr(swapped, f)[::-1]), f
    # another persona (shares and N chosen so a and b keep their counts)
    more = simulate_tallies(_integer_model(personas=(
        ("a", 1.0, ir.Discrete((5.0, 7.0, 9.0), (0.3, 0.4, 0.3))), ("b", 1.0, ir.Const(6.0)),
        ("c", 2.0, ir.Const(3.0)))), 2 * n, 17)
    for f in FIELDS:
        if f != "weight":
            assert np.array_equal(getattr(base, f), getattr(more, f)[:2]), f
    # whereas renaming an event gives it new random numbers
    renamed = _integer_model()
    renamed = dataclasses.replace(renamed, events=(
        dataclasses.replace(renamed.events[0], name="x2"),) + tuple(
        dataclasses.replace(e, when=ir.Ref("x2")) if e.name == "y" else e
        for e in renamed.events[1:]))
    assert not np.array_equal(simulate_tallies(renamed, n, 17).event_count[:, 0],
                              base.event_count[:, 0])


# ------------------------------------------------------- chunks, progress, interrupts


def _two_equal_personas():
    return journey(personas=(("a", 1.0, ir.Const(5.0)), ("b", 1.0, ir.Const(6.0))),
                   events=(("e", "s1", 0.5, ir.Const(1.0), None),))


def test_chunks_interleave_personas_and_accumulate():
    model = _two_equal_personas()
    n = 8 * BLOCK_SIZE
    done, sizes = [], []
    for report in iter_chunks(model, n, 3, chunk_size=2 * BLOCK_SIZE):
        done.append(report.done)
        sizes.append(report.tallies()[0].n.tolist())
    assert done == [2 * BLOCK_SIZE * k for k in range(1, 5)]
    # every chunk takes one block of each persona
    assert sizes == [[BLOCK_SIZE * k, BLOCK_SIZE * k] for k in range(1, 5)]
    assert_identical(report.tallies()[0], simulate_tallies(model, n, 3))
    reports = list(iter_chunks(model, n, 3, chunk_size=2 * BLOCK_SIZE))
    with pytest.raises(RuntimeError, match="moved on"):
        reports[0].tallies()


def test_progress_and_should_stop():
    model = _two_equal_personas()
    seen = []
    t = simulate_tallies(model, 8 * BLOCK_SIZE, 3, chunk_size=2 * BLOCK_SIZE,
                         progress=lambda done, total: seen.append((done, total)),
                         should_stop=lambda t: t.n.sum() >= 4 * BLOCK_SIZE)
    total = 8 * BLOCK_SIZE
    assert seen == [(0, total), (2 * BLOCK_SIZE, total), (4 * BLOCK_SIZE, total)]
    assert t.n.tolist() == [2 * BLOCK_SIZE, 2 * BLOCK_SIZE]
    # the customers simulated so far are the first ones of each persona
    assert_identical(t, simulate_tallies(model, 4 * BLOCK_SIZE, 3))


def test_ctrl_c_between_chunks_raises_with_the_partial_tallies():
    model = _two_equal_personas()

    def progress(done, total):
        if done >= 2 * BLOCK_SIZE:
            raise KeyboardInterrupt

    with pytest.raises(SimulationInterrupted) as info:
        simulate_tallies(model, 8 * BLOCK_SIZE, 3, chunk_size=2 * BLOCK_SIZE,
                         progress=progress)
    exc = info.value
    assert isinstance(exc, KeyboardInterrupt)
    assert (exc.done, exc.total) == (2 * BLOCK_SIZE, 8 * BLOCK_SIZE)
    assert_identical(exc.tallies[0], simulate_tallies(model, 2 * BLOCK_SIZE, 3))


def test_ctrl_c_during_a_chunk_raises_after_it(monkeypatch):
    model = _two_equal_personas()
    calls = []
    real = engine._Run.run_chunk

    def interrupted_chunk(self, start, stop):
        calls.append(start)
        real(self, start, stop)
        if len(calls) == 2:  # the signal arrives while the second chunk runs
            raise KeyboardInterrupt

    monkeypatch.setattr(engine._Run, "run_chunk", interrupted_chunk)
    chunks = iter_chunks(model, 8 * BLOCK_SIZE, 3, chunk_size=2 * BLOCK_SIZE)
    assert next(chunks).done == 2 * BLOCK_SIZE
    with pytest.raises(SimulationInterrupted) as info:
        next(chunks)
    assert info.value.done == 4 * BLOCK_SIZE


def test_bad_arguments_are_refused():
    model = _two_equal_personas()
    for kwargs, error in [({"customers": 0}, ValueError), ({"customers": True}, TypeError),
                          ({"customers": 10.0}, TypeError), ({"seed": "1"}, TypeError),
                          ({"threads": 0}, ValueError), ({"threads": 10 ** 6}, ValueError),
                          ({"chunk_size": 0}, ValueError)]:
        args = {"customers": 10, "seed": 1} | kwargs
        with pytest.raises(error):
            simulate_tallies(model, **args)
    with pytest.raises(ValueError, match="one point"):
        simulate_tallies(lower_points([model, model]), 10, 1)
    with pytest.raises(TypeError):
        simulate_tallies("journey.cxj", 10, 1)


def test_huge_seeds_and_tiny_runs():
    model = _two_equal_personas()
    t = simulate_tallies(model, 1, 2 ** 100)
    assert t.n.tolist() in ([1, 0], [0, 1]) and t.hist.sum() == 1
    engine.warm_up()


def test_a_wide_scale_counts_its_histograms_without_copies_bit_for_bit():
    # (S + 1)·K bins above HIST_COPIED: the block keeps a single copy of its histograms
    model = journey(personas=(("p", 1.0, ir.Normal(1500.0, 400.0)),),
                    stages=(("a", 0.8, 0.001), ("b", 0.9, 0.0), ("c", 1.0, 0.0)),
                    events=(("e", "a", 0.5, ir.Normal(30.0, 200.0), None),
                            ("f", "b", 0.3, ir.Const(-700.0), None)),
                    scale=(0, 2000))
    model = dataclasses.replace(model, surveys=tuple(ir.Survey(s, None, s) for s in "abc"))
    assert 4 * 2001 > kernel.HIST_COPIED
    n = 2 * BLOCK_SIZE + 77
    t = simulate_tallies(model, n, 8)
    assert_identical(t, simulate_reference(model, n, 8))
    assert t.hist[0, 0] > 0 and t.hist[0, 2000] > 0 and t.stage_hist[0].sum() > n


def test_a_stage_histogram_is_tallied_only_where_a_survey_is_asked():
    # nothing but a survey reads a stage's histogram: the others stay 0, in every engine
    base = journey(personas=(("p", 1.0, ir.Const(5.0)),),
                   stages=(("a", 0.8, 0.0), ("b", 0.9, 0.0), ("c", 1.0, 0.0)),
                   events=(("e", "a", 0.5, ir.Const(1.0), None),), scale=(0, 10))
    model = dataclasses.replace(base, surveys=(ir.Survey("mid", None, "b"),
                                               ir.Survey("all", None, None)))
    assert model.stages_surveyed == (False, True, False)
    n = BLOCK_SIZE + 5
    t = simulate_tallies(model, n, 3)
    assert_identical(t, simulate_reference(model, n, 3))
    assert t.stage_hist[0, 0].sum() == 0 and t.stage_hist[0, 2].sum() == 0
    assert t.stage_hist[0, 1].sum() == t.reached[0, 1] > 0
    x = exact_tallies(model)
    assert x.stage_hist[0, 0].sum() == 0 and x.stage_hist[0, 2].sum() == 0
    assert x.stage_hist[0, 1].sum() == pytest.approx(x.reached[0, 1])
