"""Lowering a model to the kernel's tables: shapes, encodings, persona counts, conditions."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxdsl.model import ir
from cxdsl.sim.kernel import (
    CMP_LT,
    KIND_CONST,
    KIND_DISCRETE,
    KIND_NORMAL,
    KIND_TRIANGULAR,
    KIND_UNIFORM,
    OP_AND,
    OP_EVENT,
    OP_NOT,
    OP_OR,
    OP_SCORE,
)
from cxdsl.sim.lower import (
    MAX_COND_DEPTH,
    compile_condition,
    lower,
    lower_points,
    persona_counts,
)
from support import journey

TWO_PERSONAS = journey(
    personas=(("ent", 0.3, ir.Const(8.0)), ("smb", 0.7, ir.Normal(7.2, 1.0))),
    stages=(("Attract", 0.6, 0.0), ("Convert", (0.45, 0.35), 0.4), ("Close", 1.0, 0.0)),
    events=(
        ("demo", "Convert", 0.6, ir.Const(1.5), None),
        ("early", "Attract", 0.1, ir.Uniform(0.0, 1.0), None),
        ("glitch", "Convert", (0.02, 0.05), ir.Const(-3.0), None),
        ("recover", "Convert", 0.7, ir.Triangular(0.0, 1.0, 3.0), ir.Ref("glitch")),
        ("slow", "Close", 0.2, (ir.Const(-3.0), ir.Normal(-2.0, 0.5)),
         ir.And((ir.Ref("glitch"), ir.Not(ir.Ref("recover"))))),
        ("wow", "Close", 0.4, ir.Discrete((1.0, 2.0, 3.0), (0.5, 0.0, 0.5)),
         ir.ScoreCmp("<", 5.0)),
    ))


def test_shapes_and_dtypes():
    t = lower(TWO_PERSONAS)
    assert (t.points, t.n_personas, t.n_stages, t.n_events, t.n_scores) == (1, 2, 3, 6, 11)
    assert t.persona_names == ("ent", "smb")
    assert t.event_names == ("demo", "early", "glitch", "recover", "slow", "wow")
    for name in ("event_stage", "stage_first", "stage_events", "cond_first", "cond_op",
                 "cond_arg", "impact_dist", "baseline_dist", "dist_kind", "dist_first",
                 "dist_count"):
        arr = getattr(t, name)
        assert arr.dtype == np.int64 and arr.flags.c_contiguous, name
    for name in ("cond_value", "share", "p_occurs", "advance", "slope", "advance_logit",
                 "dist_param", "discrete_value", "discrete_cum"):
        arr = getattr(t, name)
        assert arr.dtype == np.float64 and arr.flags.c_contiguous, name
    assert t.p_occurs.shape == (1, 2, 6) and t.advance.shape == (1, 2, 3)
    assert t.dist_param.shape == (len(t.dist_kind), 4)
    assert t.flag_words == 1


def test_events_are_grouped_by_stage_in_declaration_order():
    t = lower(TWO_PERSONAS)
    assert list(t.event_stage) == [1, 0, 1, 1, 2, 2]
    assert list(t.stage_first) == [0, 1, 4, 6]
    assert list(t.stage_events) == [1, 0, 2, 3, 4, 5]


def test_per_persona_numbers_and_logits():
    t = lower(TWO_PERSONAS)
    np.testing.assert_allclose(t.share[0], [0.3, 0.7])
    assert list(t.p_occurs[0, :, 2]) == [0.02, 0.05]
    assert list(t.advance[0, :, 1]) == [0.45, 0.35]
    assert t.advance_logit[0, 0, 1] == math.log(0.45 / 0.55)
    assert t.advance_logit[0, 0, 0] == math.log(0.6 / 0.4)
    # the last stage takes no advance: 1, slope 0, logit 0
    assert list(t.advance[0, :, 2]) == [1.0, 1.0] and list(t.advance_logit[0, :, 2]) == [0, 0]


def test_distribution_pool_kinds_dedupe_and_discrete_encoding():
    t = lower(TWO_PERSONAS)

    def kind(d):
        return int(t.dist_kind[d])

    assert kind(t.baseline_dist[0, 0]) == KIND_CONST
    assert t.dist_param[t.baseline_dist[0, 0], 0] == 8.0
    assert kind(t.baseline_dist[0, 1]) == KIND_NORMAL
    assert list(t.dist_param[t.baseline_dist[0, 1], :2]) == [7.2, 1.0]
    assert kind(t.impact_dist[0, 0, 1]) == KIND_UNIFORM
    assert kind(t.impact_dist[0, 0, 3]) == KIND_TRIANGULAR
    # lo, mode, hi and the split point (mode - lo) / (hi - lo) of the inverse CDF
    assert list(t.dist_param[t.impact_dist[0, 0, 3]]) == [0.0, 1.0, 3.0, 1.0 / 3.0]
    assert kind(t.impact_dist[0, 1, 4]) == KIND_NORMAL
    # one pool entry per distinct distribution: demo's 1.5 is shared by both personas
    assert t.impact_dist[0, 0, 0] == t.impact_dist[0, 1, 0]
    assert len(t.dist_kind) == len(set(map(tuple, np.column_stack(
        [t.dist_kind, t.dist_param, t.dist_first * (t.dist_kind == KIND_DISCRETE)]))))
    d = t.impact_dist[0, 0, 5]
    assert kind(d) == KIND_DISCRETE
    f, n = t.dist_first[d], t.dist_count[d]
    # the zero-weight value is dropped; the last cumulative weight is +inf
    assert list(t.discrete_value[f:f + n]) == [1.0, 3.0]
    assert list(t.discrete_cum[f:f + n]) == [0.5, math.inf]


@pytest.mark.parametrize("dist,value", [
    (ir.Normal(3.0, 0.0), 3.0), (ir.Uniform(2.0, 2.0), 2.0),
    (ir.Triangular(1.0, 1.0, 1.0), 1.0), (ir.Discrete((4.0, 4.0, 9.0), (0.5, 0.5, 0.0)), 4.0),
])
def test_degenerate_distributions_become_constants(dist, value):
    t = lower(journey(events=(("e", "s1", 1.0, dist, None),)))
    d = t.impact_dist[0, 0, 0]
    assert t.dist_kind[d] == KIND_CONST and t.dist_param[d, 0] == value


@pytest.mark.parametrize("dist", [ir.Normal(0.0, -1.0), ir.Uniform(2.0, 1.0),
                                  ir.Triangular(0.0, 3.0, 2.0), ir.Const(math.nan),
                                  ir.Discrete((1.0,), (0.0,))])
def test_unusable_distributions_are_refused(dist):
    with pytest.raises(ValueError):
        lower(journey(events=(("e", "s1", 1.0, dist, None),)))


def test_unusable_numbers_are_refused():
    with pytest.raises(ValueError, match="probability"):
        lower(journey(events=(("e", "s1", 1.5, ir.Const(1.0), None),)))
    with pytest.raises(ValueError, match="probability"):
        lower(journey(stages=(("s1", -0.1, 0.0), ("s2", 1.0, 0.0))))
    with pytest.raises(ValueError, match="shares"):
        lower(journey(personas=(("a", 0.0, ir.Const(1.0)),)))
    with pytest.raises(ValueError, match="unknown event"):
        lower(journey(events=(("e", "s1", 1.0, ir.Const(1.0), ir.Ref("nope")),)))


# -------------------------------------------------------------------- persona counts


def test_persona_counts_are_exact_largest_remainder():
    assert list(persona_counts([0.3, 0.7], 10)) == [3, 7]
    assert list(persona_counts([1, 1, 1], 100)) == [34, 33, 33]
    assert list(persona_counts([1, 1, 1], 100, ["c", "b", "a"])) == [33, 33, 34]
    assert list(persona_counts([0.5, 0.25, 0.25], 7)) == [3, 2, 2]  # 3.5, 1.75, 1.75
    assert list(persona_counts([1, 0, 1], 5, ["a", "b", "c"])) == [3, 0, 2]
    assert list(persona_counts([0.3, 0.7], 10 ** 9)) == [300_000_000, 700_000_000]
    assert persona_counts([1.0], 0).tolist() == [0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 10.0), min_size=1, max_size=6).filter(lambda s: sum(s) > 0),
       st.integers(0, 10 ** 12))
def test_persona_counts_sum_and_stay_within_one_of_the_quota(shares, n):
    counts = persona_counts(shares, n)
    assert counts.sum() == n
    total = sum(Fraction(s) for s in shares)
    for s, c in zip(shares, counts):
        quota = Fraction(s) * n / total
        assert math.floor(quota) <= c <= math.ceil(quota)
        if s == 0:
            assert c == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=2, max_size=5).filter(lambda s: sum(s) > 0),
       st.integers(0, 1000), st.randoms())
def test_persona_counts_do_not_depend_on_persona_order(shares, n, random):
    names = [f"p{i}" for i in range(len(shares))]
    counts = dict(zip(names, persona_counts(shares, n, names)))
    order = list(range(len(shares)))
    random.shuffle(order)
    shuffled = persona_counts([shares[i] for i in order], n, [names[i] for i in order])
    assert {names[i]: c for i, c in zip(order, shuffled)} == counts


def test_persona_counts_refuse_bad_input():
    with pytest.raises(ValueError):
        persona_counts([0.0, 0.0], 10)
    with pytest.raises(ValueError):
        persona_counts([1.0, -1.0], 10)
    with pytest.raises(ValueError):
        persona_counts([1.0], -1)
    with pytest.raises(TypeError):
        persona_counts([1.0], 2.5)


# ------------------------------------------------------------------------ conditions


def run_program(code, score: float, happened: set[int]) -> bool:
    """The documented semantics of a postfix program, with a Python list as the stack."""
    stack: list[bool] = []
    for op, arg, value in code:
        if op == OP_EVENT:
            stack.append(arg in happened)
        elif op == OP_SCORE:
            stack.append([score < value, score <= value, score > value, score >= value,
                          score == value, score != value][arg])
        elif op == OP_NOT:
            stack.append(not stack.pop())
        else:
            b, a = stack.pop(), stack.pop()
            stack.append((a and b) if op == OP_AND else (a or b))
    assert len(stack) == 1
    return stack[0]


def depth_of(code) -> int:
    depth = best = 0
    for op, _, _ in code:
        depth += {OP_EVENT: 1, OP_SCORE: 1, OP_NOT: 0, OP_AND: -1, OP_OR: -1}[op]
        best = max(best, depth)
    return best


def evaluate(c: ir.Cond, score: float, happened: set[str]) -> bool:
    if isinstance(c, ir.Ref):
        return c.event in happened
    if isinstance(c, ir.ScoreCmp):
        return {"<": score < c.value, "<=": score <= c.value, ">": score > c.value,
                ">=": score >= c.value, "==": score == c.value, "!=": score != c.value}[c.op]
    if isinstance(c, ir.Not):
        return not evaluate(c.operand, score, happened)
    if isinstance(c, ir.And):
        return all(evaluate(o, score, happened) for o in c.operands)
    return any(evaluate(o, score, happened) for o in c.operands)


EVENTS = ["a", "b", "c", "d"]
conditions = st.recursive(
    st.one_of(st.sampled_from(EVENTS).map(ir.Ref),
              st.builds(ir.ScoreCmp, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
                        st.sampled_from([3.0, 5.0, 7.5]))),
    lambda sub: st.one_of(
        sub.map(ir.Not),
        st.lists(sub, min_size=2, max_size=4).map(lambda xs: ir.And(tuple(xs))),
        st.lists(sub, min_size=2, max_size=4).map(lambda xs: ir.Or(tuple(xs)))),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(conditions, st.sets(st.sampled_from(EVENTS)), st.sampled_from([2.0, 3.0, 5.0, 7.5, 9]))
def test_condition_programs_mean_what_the_condition_says(cond, happened, score):
    index = {e: i for i, e in enumerate(EVENTS)}
    code = compile_condition(cond, index)
    assert depth_of(code) <= MAX_COND_DEPTH
    assert run_program(code, score, {index[e] for e in happened}) == evaluate(
        cond, score, happened)


def test_condition_encoding():
    index = {"a": 0, "b": 1}
    assert compile_condition(None, index) == []
    assert compile_condition(ir.And((ir.Ref("a"), ir.Not(ir.ScoreCmp("<", 5.0)))), index) == [
        (OP_EVENT, 0, 0.0), (OP_SCORE, CMP_LT, 5.0), (OP_NOT, 0, 0.0), (OP_AND, 0, 0.0)]
    # the deeper operand goes first, keeping the stack shallow
    code = compile_condition(ir.Or((ir.Ref("a"), ir.And((ir.Ref("a"), ir.Ref("b"))))), index)
    assert [op for op, _, _ in code] == [OP_EVENT, OP_EVENT, OP_AND, OP_EVENT, OP_OR]


def test_deep_nesting_keeps_a_shallow_stack():
    cond: ir.Cond = ir.Ref("a")
    for i in range(200):  # a and (b or (a and (b or ...)))
        cls = ir.And if i % 2 else ir.Or
        cond = cls((ir.Ref("b" if i % 2 else "a"), cond))
    code = compile_condition(cond, {"a": 0, "b": 1})
    assert depth_of(code) == 2


def test_condition_tables_of_a_model():
    t = lower(TWO_PERSONAS)
    spans = [(int(t.cond_first[e]), int(t.cond_first[e + 1])) for e in range(6)]
    assert [b - a for a, b in spans] == [0, 0, 0, 1, 4, 1]
    a, b = spans[4]  # slow: glitch and not recover
    assert list(t.cond_op[a:b]) == [OP_EVENT, OP_EVENT, OP_NOT, OP_AND]
    assert list(t.cond_arg[a:b])[:2] == [2, 3]
    a, _ = spans[5]
    assert (t.cond_op[a], t.cond_arg[a], t.cond_value[a]) == (OP_SCORE, CMP_LT, 5.0)


def test_flag_words_cover_the_events_conditions_read():
    events = tuple((f"e{i}", "s1", 1.0, ir.Const(0.0), None) for i in range(130))
    assert lower(journey(events=events)).flag_words == 0  # none is read
    for read, words in (("e5", 1), ("e63", 1), ("e64", 2), ("e129", 3)):
        reader = ("reader", "s1", 1.0, ir.Const(0.0), ir.Ref(read))
        t = lower(journey(events=events + (reader,)))
        assert t.flag_words == words, read
        assert t.read_events.tolist() == [t.event_names.index(read)]


# ---------------------------------------------------------------------------- points


def test_points_share_structure_and_vary_numbers():
    p = ir.PathRef("event", "glitch", "p")
    adv = ir.PathRef("stage", "Convert", "advance", "smb")
    t = lower(TWO_PERSONAS, points=[{p: 0.0}, {p: 0.1, adv: 0.5}, {}])
    assert t.points == 3
    assert list(t.p_occurs[:, 0, 2]) == [0.0, 0.1, 0.02]
    assert list(t.p_occurs[:, 1, 2]) == [0.0, 0.1, 0.05]
    assert list(t.advance[:, 1, 1]) == [0.35, 0.5, 0.35]
    assert list(t.advance[:, 0, 1]) == [0.45, 0.45, 0.45]
    one = t.point(1)
    assert one.points == 1 and list(one.p_occurs[0, :, 2]) == [0.1, 0.1]
    np.testing.assert_array_equal(lower_points([TWO_PERSONAS]).p_occurs, t.point(2).p_occurs)


def test_points_must_share_structure():
    other = journey(personas=(("ent", 0.3, ir.Const(8.0)), ("smb", 0.7, ir.Const(7.0))))
    with pytest.raises(ValueError, match="structure"):
        lower_points([TWO_PERSONAS, other])
    with pytest.raises(ValueError):
        lower_points([])
