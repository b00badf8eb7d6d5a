"""The exact engine: the metrics of a journey with no sampling error.

For a journey whose baselines and impacts are constants or ``discrete(...)``, every customer
of a persona is in one of finitely many states at any point of the journey. The engine keeps,
per persona, a map from state to probability and advances it exactly as DESIGN.md "Meaning"
describes, stage by stage and event by event:

* a state is ``(score0, score, flags)``: the starting score (kept only while a later stage
  still has a logistic advance that depends on it), the running score (unclamped within a
  stage, clamped at the end of each stage), and a bit set of the events that happened —
  only of the events some later condition still refers to, so states that no later step can
  tell apart merge;
* an event whose condition holds splits a state in two (it happens with probability p, then
  once more per value of a discrete impact); one whose condition fails leaves it alone;
* at the end of a stage the score is clamped; unless the stage is the last one, a state
  advances with probability ``advance`` when advance is 0 or 1, else
  ``logistic(logit(advance) + slope * (score - score0))``; the rest leaves the journey.

The result is a :class:`cxdsl.sim.tallies.Tallies` with ``exact=True`` and ``n == 1`` per
persona: every entry is a probability or an expectation per customer.

Arithmetic mirrors the simulator's: scores are float64 sums of the impacts in event order,
so the rounded score ``floor(score + 0.5)`` of each state is the one the simulator computes
for a customer who took the same path.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from ..model import ir
from ..model.values import is_exact
from .kernel import logistic
from .tallies import Tallies, empty

#: Most states one persona may have at any point before the engine gives up (a state costs
#: a few hundred bytes of Python objects and about a microsecond per event).
MAX_STATES = 300_000


class ExactError(ValueError):
    """The exact engine cannot compute this journey."""


class ExactUnsupported(ExactError):
    """A value the exact engine cannot enumerate (a continuous distribution).

    ``offenders`` lists one message per offending value; the exception's text names the
    first one (and how many more there are)."""

    def __init__(self, offenders: list[str]):
        self.offenders = list(offenders)
        more = len(self.offenders) - 1
        tail = f" (and {more} more value{'s' if more > 1 else ''} like it)" if more else ""
        super().__init__(
            f"{self.offenders[0]} is continuous; the exact engine takes constants and "
            f"discrete(...) only{tail} — use --engine numba")


class ExactTooLarge(ExactError):
    """The journey has more reachable states than the exact engine enumerates."""


# ------------------------------------------------------------------------- helpers


def outcomes(d: ir.Dist) -> list[tuple[float, float]]:
    """The (value, probability) pairs of an exact value, equal values merged, in order of
    first appearance. Raises ValueError for a continuous distribution."""
    pairs = d.outcomes()
    if pairs is None:
        raise ValueError(f"{d.text()} is not exact")
    return pairs


def unsupported_values(model: ir.Model) -> list[str]:
    """Where the model has a value the exact engine cannot enumerate, one phrase each, e.g.
    ``event slow_followup: impact normal(-2, 0.5) for persona smb``. An impact of an event
    that cannot happen to a persona (p = 0) is never drawn and does not count."""
    found = []
    for p in model.personas:
        if not is_exact(p.baseline):
            found.append(f"persona {p.name}: baseline {p.baseline.text()}")
    for e in model.events:
        for q, (prob, imp) in enumerate(zip(e.p, e.impact)):
            if prob > 0 and not is_exact(imp):
                found.append(f"event {e.name}: impact {imp.text()} for persona "
                             f"{model.personas[q].name}")
    return found


def logistic_advance(advance: float, slope: float, delta: float) -> float:
    """Probability of advancing: ``advance`` when it is 0 or 1, else
    ``logistic(logit(advance) + slope * delta)`` (computed without overflow, by the
    kernel's own formula)."""
    if advance <= 0.0 or advance >= 1.0 or slope == 0.0:
        return min(max(advance, 0.0), 1.0)
    return logistic(math.log(advance / (1.0 - advance)) + slope * delta)


def _compile_cond(c: ir.Cond | None, bit: dict[str, int]) -> Callable[[float, int], bool]:
    """A function (score, flags) -> bool evaluating condition ``c``."""
    if c is None:
        return lambda score, flags: True
    if isinstance(c, ir.Ref):
        b = bit[c.event]
        return lambda score, flags: bool(flags & b)
    if isinstance(c, ir.ScoreCmp):
        v = float(c.value)
        return {
            "<": lambda score, flags: score < v,
            "<=": lambda score, flags: score <= v,
            ">": lambda score, flags: score > v,
            ">=": lambda score, flags: score >= v,
            "==": lambda score, flags: score == v,
            "!=": lambda score, flags: score != v,
        }[c.op]
    if isinstance(c, ir.Not):
        inner = _compile_cond(c.operand, bit)
        return lambda score, flags: not inner(score, flags)
    parts = [_compile_cond(o, bit) for o in c.operands]
    if isinstance(c, ir.And):
        return lambda score, flags: all(f(score, flags) for f in parts)
    return lambda score, flags: any(f(score, flags) for f in parts)


# -------------------------------------------------------------------------- engine


def event_order(model: ir.Model) -> list[list[int]]:
    """For each stage, the indices into ``model.events`` of its events, in declaration
    order."""
    by_stage: list[list[int]] = [[] for _ in model.stages]
    index = {s.name: i for i, s in enumerate(model.stages)}
    for k, e in enumerate(model.events):
        by_stage[index[e.stage]].append(k)
    return by_stage


def exact_tallies(model: ir.Model, *, max_states: int = MAX_STATES) -> Tallies:
    """The exact tallies of ``model`` (expectations per customer, ``exact=True``).

    Raises :class:`ExactUnsupported` when a baseline or impact is continuous and
    :class:`ExactTooLarge` when a persona has more than ``max_states`` reachable states."""
    bad = unsupported_values(model)
    if bad:
        raise ExactUnsupported(bad)

    Q, S, E = len(model.personas), len(model.stages), len(model.events)
    lo, hi = model.scale
    K = hi - lo + 1
    t = empty(Q, S, E, K, exact=True)
    t.n = np.ones(Q)
    t.weight = np.array([p.share for p in model.personas], float)
    total = t.weight.sum()
    if total > 0:
        t.weight = t.weight / total

    order = event_order(model)
    flat = [k for ks in order for k in ks]  # processing order of all events
    # one bit per event that some condition refers to
    referenced: list[str] = []
    for e in model.events:
        for name in ir.cond_refs(e.when):
            if name not in referenced:
                referenced.append(name)
    bit = {name: 1 << i for i, name in enumerate(referenced)}
    # live[i]: bits of the events a condition of an event after position i still reads
    live = [0] * len(flat)
    acc = 0
    for i in range(len(flat) - 1, -1, -1):
        live[i] = acc
        for name in ir.cond_refs(model.events[flat[i]].when):
            acc |= bit[name]
    conds = [_compile_cond(e.when, bit) for e in model.events]
    position = {k: i for i, k in enumerate(flat)}

    for q, persona in enumerate(model.personas):
        _persona(model, q, persona, t, order, position, live, bit, conds, max_states)
    return t


def _needs_score0(model: ir.Model, q: int, from_stage: int) -> bool:
    """Whether the advance of a stage at or after ``from_stage`` depends on score0."""
    for s in model.stages[from_stage: len(model.stages) - 1]:
        a, k = s.advance[q], s.slope[q]
        if 0.0 < a < 1.0 and k != 0.0:
            return True
    return False


def _event_step(states: dict, p: float, cond, keep: int, mark: int,
                impact: list[tuple[float, float]]) -> tuple[dict, float]:
    """The states after one event that happens with probability ``p`` where ``cond`` holds,
    adding each impact outcome and setting ``mark``; the flags outside ``keep`` are dropped
    (no later condition reads them). Returns the new states and the probability it
    happened."""
    nxt: dict[tuple[float, float, int], float] = defaultdict(float)
    happened = 0.0
    for (s0, score, flags), pr in states.items():
        f = flags & keep
        if cond(score, flags):
            hp = pr * p
            happened += hp
            for v, w in impact:
                nxt[(s0, score + v, f | mark)] += hp * w
            if p < 1.0:
                nxt[(s0, score, f)] += pr * (1.0 - p)
        else:
            nxt[(s0, score, f)] += pr
    return nxt, happened


def _persona(model, q, persona, t, order, position, live, bit, conds, max_states) -> None:
    lo, hi = model.scale
    flo, fhi = float(lo), float(hi)
    S = len(model.stages)
    surveyed = model.stages_surveyed

    def clamp(x: float) -> float:
        return fhi if x > fhi else flo if x < flo else x

    def final(states: dict) -> None:
        for (_s0, score, _flags), pr in states.items():
            if pr <= 0.0:
                continue
            r = math.floor(score + 0.5)
            t.hist[q, r - lo] += pr
            t.score_sum[q] += pr * score
            t.score_sq[q] += pr * score * score

    def guard(states: dict, where: str) -> None:
        if len(states) > max_states:
            raise ExactTooLarge(
                f"persona {persona.name}: more than {max_states:,} distinct states at "
                f"{where}; the exact engine enumerates every reachable combination of "
                "score and events, and this journey has too many — use --engine numba")

    keep0 = _needs_score0(model, q, 0)
    states: dict[tuple[float, float, int], float] = defaultdict(float)
    for v, w in outcomes(persona.baseline):
        s0 = clamp(v)
        states[(s0 if keep0 else 0.0, s0, 0)] += w

    for si, stage in enumerate(model.stages):
        if not states:
            break
        t.reached[q, si] = sum(states.values())
        for k in order[si]:
            ev = model.events[k]
            p = float(ev.p[q])
            if p <= 0.0:
                continue
            cond = conds[k]
            keep = live[position[k]]
            mark = bit.get(ev.name, 0) & keep
            states, happened = _event_step(states, p, cond, keep, mark,
                                           outcomes(ev.impact[q]))
            t.event_count[q, k] += happened
            guard(states, f"event {ev.name}")
        # end of stage: clamp, record the emotion curve, then advance or leave
        clamped: dict[tuple[float, float, int], float] = defaultdict(float)
        for (s0, score, flags), pr in states.items():
            clamped[(s0, clamp(score), flags)] += pr
        states = clamped
        t.stage_score_sum[q, si] = sum(pr * key[1] for key, pr in states.items())
        t.stage_score_sq[q, si] = sum(pr * key[1] * key[1] for key, pr in states.items())
        if surveyed[si]:
            for (_s0, score, _flags), pr in states.items():
                t.stage_hist[q, si, math.floor(score + 0.5) - lo] += pr
        if si == S - 1:
            final(states)
            break
        a, slope = float(stage.advance[q]), float(stage.slope[q])
        keep0 = _needs_score0(model, q, si + 1)
        stay: dict[tuple[float, float, int], float] = defaultdict(float)
        leave: dict[tuple[float, float, int], float] = defaultdict(float)
        for (s0, score, flags), pr in states.items():
            pa = logistic_advance(a, slope, score - s0)
            if pa > 0.0:
                stay[(s0 if keep0 else 0.0, score, flags)] += pr * pa
            if pa < 1.0:
                leave[(s0, score, flags)] += pr * (1.0 - pa)
        t.advanced[q, si] = sum(stay.values())
        final(leave)
        states = stay
        guard(states, f"the end of stage {stage.name}")


__all__ = ["ExactError", "ExactUnsupported", "ExactTooLarge", "MAX_STATES", "exact_tallies",
           "unsupported_values", "outcomes", "logistic_advance"]
