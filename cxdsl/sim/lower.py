"""Lowering: a resolved :class:`cxdsl.model.ir.Model` in, flat numpy tables for the kernel out.

The kernel (:mod:`cxdsl.sim.kernel`) is compiled once and reads every journey from the same
fixed set of arrays; nothing is generated per journey. The tables have a leading *point*
dimension P: one kernel call evaluates P parameter sets of one structure (the baseline alone
is P = 1; a sweep batches its grid points). Structure — scale, persona/stage/event names and
order, each event's stage and condition — is shared; numbers (shares, p, impacts, baselines,
advance, slope) are per point.

Shapes: P points, Q personas, S stages, E events, D distinct distributions, M discrete
values, L condition instructions. Every integer array is int64 and every real array float64,
C-contiguous, so the kernel has a single compiled signature.

Distributions (baselines and impacts) live in one pool, deduplicated: ``dist_kind[d]`` is
one of the ``KIND_*`` codes and ``dist_param[d]`` holds its numbers (u is the stream's
uniform draw 0, :func:`cxdsl.sim.rng.uniform_py`). The codes (``KIND_*``, ``OP_*``,
``CMP_*``) are defined with the kernel, which compiles them in:

===============  ===========================  ==========================================
kind             ``dist_param[d, 0:4]``       draw
===============  ===========================  ==========================================
KIND_CONST       value, -, -, -               the value (no draw)
KIND_NORMAL      mu, sd, -, -                 mu + sd · ppnd16(u) (inverse normal CDF)
KIND_UNIFORM     lo, hi, -, -                 lo + (hi - lo) · u
KIND_TRIANGULAR  lo, mode, hi, c              inverse CDF of u, with
                                              c = (mode - lo) / (hi - lo)
KIND_DISCRETE    -, -, -, -                   the first i with u < cum[i] (see below)
===============  ===========================  ==========================================

A discrete distribution's values are ``discrete_value[f : f + n]`` with cumulative weights
``discrete_cum[f : f + n]`` (``f = dist_first[d]``, ``n = dist_count[d]``); values of weight
0 are dropped and the last cumulative weight is +inf, so rounding never leaves a uniform
without a value. Degenerate distributions (normal with sd 0, uniform or triangular with
lo = hi, a single discrete value) are lowered to constants: same values, no draw.

Conditions compile to a postfix program per event: ``cond_op/cond_arg/cond_value
[cond_first[e] : cond_first[e + 1]]`` (empty: always true). Ops: ``OP_EVENT`` (push whether
event ``arg`` happened), ``OP_SCORE`` (push ``score CMP value`` with ``arg`` a ``CMP_*``
code), ``OP_NOT``, ``OP_AND``, ``OP_OR`` (binary). The kernel keeps the boolean stack in
the bits of one uint64, so a program may need at most :data:`MAX_COND_DEPTH` entries; the
operands of ``and``/``or`` are emitted deepest first (Sethi–Ullman), which keeps even deeply
nested conditions at a depth of a few entries.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..model import ir
from ..model.values import ValueForm
from .kernel import (
    CMP_EQ,
    CMP_GE,
    CMP_GT,
    CMP_LE,
    CMP_LT,
    CMP_NE,
    KIND_CODES,
    KIND_CONST,
    OP_AND,
    OP_EVENT,
    OP_NOT,
    OP_OR,
    OP_SCORE,
)

CMP_CODES = {"<": CMP_LT, "<=": CMP_LE, ">": CMP_GT, ">=": CMP_GE, "==": CMP_EQ,
             "!=": CMP_NE}
#: Deepest boolean stack a condition program may use (the bits of one uint64).
MAX_COND_DEPTH = 64


@dataclass(frozen=True, eq=False)
class Tables:
    """A journey (or P journeys of one structure) as flat arrays. See the module docstring
    for the encodings; all per-persona arrays follow ``persona_names``' order."""

    # structure, shared by every point
    lo: int                       # scale bounds (integers)
    hi: int
    persona_names: tuple[str, ...]  # [Q]
    stage_names: tuple[str, ...]    # [S]
    event_names: tuple[str, ...]    # [E] in declaration order (the order of Tallies' E axis)
    event_stage: np.ndarray       # int64[E]   stage index of each event
    stage_first: np.ndarray       # int64[S+1] stage s runs stage_events[first[s]:first[s+1]]
    stage_events: np.ndarray      # int64[E]   event indices, by stage, in declaration order
    cond_first: np.ndarray        # int64[E+1] event e's program: [first[e], first[e+1])
    cond_op: np.ndarray           # int64[L]   OP_* codes
    cond_arg: np.ndarray          # int64[L]   event index (OP_EVENT), CMP_* (OP_SCORE)
    cond_value: np.ndarray        # float64[L] the number of OP_SCORE
    stage_surveyed: np.ndarray    # int64[S]   1 where a survey is asked at stage s (its
                                  #   score histogram is tallied), else 0
    # numbers, per point
    share: np.ndarray             # float64[P,Q] persona shares, normalised per point
    p_occurs: np.ndarray          # float64[P,Q,E] probability the event happens
    impact_dist: np.ndarray       # int64[P,Q,E] index into the distribution pool
    baseline_dist: np.ndarray     # int64[P,Q]   index into the distribution pool
    advance: np.ndarray           # float64[P,Q,S] advance probability at score == score0
    slope: np.ndarray             # float64[P,Q,S] log-odds per score point above score0
    advance_logit: np.ndarray     # float64[P,Q,S] log(a / (1 - a)); 0 where a is 0 or 1
    # distribution pool
    dist_kind: np.ndarray         # int64[D]
    dist_param: np.ndarray        # float64[D,4]
    dist_first: np.ndarray        # int64[D]   first discrete value (KIND_DISCRETE)
    dist_count: np.ndarray        # int64[D]   number of discrete values
    discrete_value: np.ndarray    # float64[M]
    discrete_cum: np.ndarray      # float64[M] cumulative weights, last of each run +inf

    @property
    def points(self) -> int:
        return self.share.shape[0]

    @property
    def n_personas(self) -> int:
        return len(self.persona_names)

    @property
    def n_stages(self) -> int:
        return len(self.stage_names)

    @property
    def n_events(self) -> int:
        return len(self.event_names)

    @property
    def n_scores(self) -> int:
        """K: the number of integer scores LO … HI (the width of ``Tallies.hist``)."""
        return self.hi - self.lo + 1

    @property
    def read_events(self) -> np.ndarray:
        """int64: the events some condition reads (``OP_EVENT``), ascending, once each."""
        return np.unique(self.cond_arg[self.cond_op == OP_EVENT])

    @property
    def flag_words(self) -> int:
        """uint64 words per customer the kernel marks happened events in: those of the
        events a condition reads (bit e % 64 of word e // 64); 0 when none is read."""
        read = self.read_events
        return int(read[-1]) // 64 + 1 if read.size else 0

    def point(self, i: int) -> Tables:
        """The tables of point ``i`` alone (P = 1), sharing the structure arrays."""
        if not 0 <= i < self.points:
            raise IndexError(f"point {i} out of range 0..{self.points - 1}")
        sl = slice(i, i + 1)
        return _replace(self, share=self.share[sl], p_occurs=self.p_occurs[sl],
                        impact_dist=self.impact_dist[sl],
                        baseline_dist=self.baseline_dist[sl], advance=self.advance[sl],
                        slope=self.slope[sl], advance_logit=self.advance_logit[sl])


def _replace(t: Tables, **changes) -> Tables:
    return dataclasses.replace(t, **{k: np.ascontiguousarray(v) for k, v in changes.items()})


# ------------------------------------------------------------------------- counts


def persona_counts(shares: Sequence[float], customers: int,
                   names: Sequence[str] | None = None) -> np.ndarray:
    """Customers per persona: ``customers × share`` rounded by largest remainder.

    The counts are exact integers summing to ``customers``. Quotas are computed in exact
    rational arithmetic (shares are normalised here, so they need not sum to 1 in binary);
    equal remainders go to personas in order of ``names`` (sorted), not of position, so
    reordering the personas does not move a customer between them. Returns int64[Q]."""
    if isinstance(customers, bool) or not isinstance(customers, (int, np.integer)):
        raise TypeError(f"customers must be an integer, not {type(customers).__name__}")
    customers = int(customers)
    if customers < 0:
        raise ValueError(f"customers must be >= 0, got {customers}")
    fr = [Fraction(float(s)) for s in shares]
    if any(f < 0 for f in fr) or not all(math.isfinite(float(s)) for s in shares):
        raise ValueError("persona shares must be finite and >= 0")
    total = sum(fr)
    if total <= 0:
        raise ValueError("persona shares add up to 0")
    names = list(names) if names is not None else [f"{i:012d}" for i in range(len(fr))]
    quotas = [f * customers / total for f in fr]
    counts = [math.floor(x) for x in quotas]
    missing = customers - sum(counts)
    # only personas with a positive share can take a remaining customer
    order = sorted((i for i in range(len(fr)) if fr[i] > 0),
                   key=lambda i: (-(quotas[i] - counts[i]), names[i]))
    for i in order[:missing]:
        counts[i] += 1
    return np.array(counts, dtype=np.int64)


# --------------------------------------------------------------------- distributions


class _DistPool:
    """Deduplicating builder of the distribution pool."""

    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        #: id(d) -> (d, index): the points of a sweep or forecast share most of their
        #: distribution objects, so most lookups skip canonicalising (d is kept alive here)
        self.seen: dict[int, tuple[ir.Dist, int]] = {}
        self.equal: dict[ir.Dist, int] = {}
        self.kind: list[int] = []
        self.param: list[tuple[float, float, float, float]] = []
        self.first: list[int] = []
        self.count: list[int] = []
        self.values: list[float] = []
        self.cum: list[float] = []

    def add(self, d: ir.Dist, where: str) -> int:
        hit = self.seen.get(id(d))
        if hit is not None and hit[0] is d:
            return hit[1]
        try:  # equal forms (a world's shifted impact for each persona) lower alike
            index = self.equal.get(d)
        except TypeError:  # an unhashable form: canonicalise it
            index = None
        if index is None:
            index = self._add(d, where)
            try:
                self.equal[d] = index
            except TypeError:
                pass
        self.seen[id(d)] = (d, index)
        return index

    def _add(self, d: ir.Dist, where: str) -> int:
        return self.add_entry(_canonical(d, where))

    @staticmethod
    def entry(d: ir.Dist, where: str) -> tuple:
        """The pool entry of ``d``, (kind, params, discrete values, weights): what
        :meth:`add_entry` takes (ValueError for parameters no draw can use)."""
        return _canonical(d, where)

    def add_entry(self, key: tuple) -> int:
        """The index of the pool entry ``key`` (:meth:`entry`), added when new."""
        found = self.index.get(key)
        if found is not None:
            return found
        kind, param, values, weights = key
        self.index[key] = found = len(self.kind)
        self.kind.append(kind)
        self.param.append(param)
        self.first.append(len(self.values))
        self.count.append(len(values))
        if values:
            total = math.fsum(weights)
            acc = 0.0
            for k, (v, w) in enumerate(zip(values, weights)):
                acc += w / total
                self.values.append(v)
                self.cum.append(math.inf if k == len(values) - 1 else acc)
        return found


def _finite(where: str, *xs: float) -> None:
    for x in xs:
        if not math.isfinite(x):
            raise ValueError(f"{where}: {x} is not a finite number")


def _canonical(d: ir.Dist, where: str) -> tuple[int, tuple, tuple, tuple]:
    """(kind, params, discrete values, discrete weights) of a distribution, degenerate ones
    as constants; raises ValueError for parameters no draw can use."""
    if not isinstance(d, ValueForm) or d.kernel_kind not in KIND_CODES:
        raise TypeError(f"{where}: not a distribution the kernel draws: {d!r}")
    if isinstance(d, ir.Discrete):
        if len(d.values) != len(d.weights):
            raise ValueError(f"{where}: discrete values and weights differ in number")
        _finite(where, *d.values, *d.weights)
        if any(w < 0 for w in d.weights):
            raise ValueError(f"{where}: discrete weights must be >= 0")
        values, weights = d.kernel_table()
        if not values:
            raise ValueError(f"{where}: discrete weights add up to 0")
    else:
        numbers = d.numbers()
        _finite(where, *numbers)
        problem = type(d).problem(numbers)
        if problem is not None:
            raise ValueError(f"{where}: {d.text()} breaks the rule {problem.kind}")
        values = weights = ()
    outcomes = d.outcomes()
    if outcomes is not None and len(outcomes) == 1:
        return KIND_CONST, (outcomes[0][0], 0.0, 0.0, 0.0), (), ()
    return KIND_CODES[d.kernel_kind], d.kernel_params(), values, weights


# ------------------------------------------------------------------------ conditions


def compile_condition(c: ir.Cond | None, event_index: Mapping[str, int]
                      ) -> list[tuple[int, int, float]]:
    """The postfix program of a condition: a list of (op, arg, value) instructions.

    ``and``/``or`` operands are emitted deepest first, so the stack stays shallow; the
    program's depth is checked against :data:`MAX_COND_DEPTH`."""
    if c is None:
        return []
    code, depth = _emit(c, event_index)
    if depth > MAX_COND_DEPTH:
        raise ValueError(f"condition {ir.cond_text(c)!r} needs a stack of {depth} entries; "
                         f"at most {MAX_COND_DEPTH} are supported")
    return code


def _emit(c: ir.Cond, event_index: Mapping[str, int]) -> tuple[list, int]:
    if isinstance(c, ir.Ref):
        if c.event not in event_index:
            raise ValueError(f"condition refers to unknown event {c.event!r}")
        return [(OP_EVENT, event_index[c.event], 0.0)], 1
    if isinstance(c, ir.ScoreCmp):
        if c.op not in CMP_CODES:
            raise ValueError(f"unknown comparison {c.op!r}")
        _finite("score comparison", c.value)
        return [(OP_SCORE, CMP_CODES[c.op], float(c.value))], 1
    if isinstance(c, ir.Not):
        code, depth = _emit(c.operand, event_index)
        return code + [(OP_NOT, 0, 0.0)], depth
    if isinstance(c, (ir.And, ir.Or)):
        if not c.operands:
            raise ValueError("empty and/or")
        op = OP_AND if isinstance(c, ir.And) else OP_OR
        parts = sorted((_emit(o, event_index) for o in c.operands), key=lambda cd: -cd[1])
        code, depth = list(parts[0][0]), parts[0][1]
        for sub_code, sub_depth in parts[1:]:
            code += sub_code
            code.append((op, 0, 0.0))
            depth = max(depth, sub_depth + 1)
        return code, depth
    raise TypeError(f"not a condition: {c!r}")


# ---------------------------------------------------------------------------- lower


def _same_structure(m: ir.Model, first: ir.Model) -> bool:
    """Whether ``m`` has ``first``'s structure; declarations that are ``first``'s own
    objects (most of a sweep point's or a world's) need no comparing."""
    if tuple(m.scale) != tuple(first.scale) or len(m.personas) != len(first.personas) \
            or len(m.stages) != len(first.stages) or len(m.events) != len(first.events):
        return False
    return (all(a is b or a.name == b.name for a, b in zip(m.personas, first.personas))
            and all(a is b or a.name == b.name for a, b in zip(m.stages, first.stages))
            and all(a is b or (a.name, a.stage, a.when) == (b.name, b.stage, b.when)
                    for a, b in zip(m.events, first.events)))


def _probability(x: float, where: str) -> float:
    x = float(x)
    if not (0.0 <= x <= 1.0):  # also refuses NaN
        raise ValueError(f"{where}: probability {x} outside [0, 1]")
    return x


def lower(model: ir.Model, points: Sequence[Mapping[ir.PathRef, float]] | None = None
          ) -> Tables:
    """The tables of ``model`` (P = 1), or of one model per point when ``points`` is given:
    point i is ``ir.with_overrides(model, points[i])`` (a sweep's grid, say)."""
    if points is None:
        return lower_points([model])
    return lower_points([ir.with_overrides(model, dict(pt)) for pt in points])


def lower_points(models: Sequence[ir.Model]) -> Tables:
    """The tables of several models that share one structure (same scale, personas,
    stages, and events with the same stages and conditions, in the same order), one point
    each. Raises ValueError when the structures differ or a number is unusable (the
    checker reports such input to users; this guards direct callers)."""
    models = list(models)
    first, lo, hi = _shared_structure(models)
    pool = _DistPool()
    numbers = _point_numbers(models, pool)
    finish_numbers(numbers)
    return tables_of(first, numbers, pool)


#: The distribution pool and the per-point numbers, for callers that write the numbers of
#: many points themselves (:func:`cxdsl.sim.worlds.world_tables`).
DistPool = _DistPool


def point_numbers(models: Sequence[ir.Model], pool: _DistPool) -> dict[str, np.ndarray]:
    """The per-point numbers of ``models`` (one structure; :func:`finish_numbers` still to
    run), their distributions added to ``pool``."""
    models = list(models)
    _shared_structure(models)
    return _point_numbers(models, pool)


def tables_of(first: ir.Model, numbers: dict[str, np.ndarray], pool: _DistPool) -> Tables:
    """The Tables of points of ``first``'s structure with the per-point ``numbers``
    (finished: :func:`finish_numbers`) and the distribution ``pool`` they index."""
    lo, hi = (int(x) for x in first.scale)
    event_stage, stage_events, stage_first, cond_first, program = _event_layout(first)

    def i64(xs):
        return np.ascontiguousarray(np.asarray(xs, dtype=np.int64))

    def f64(xs):
        return np.ascontiguousarray(np.asarray(xs, dtype=np.float64))

    return Tables(
        lo=lo, hi=hi,
        persona_names=tuple(p.name for p in first.personas),
        stage_names=tuple(s.name for s in first.stages),
        event_names=tuple(e.name for e in first.events),
        event_stage=event_stage, stage_first=stage_first, stage_events=stage_events,
        cond_first=cond_first,
        cond_op=i64([c[0] for c in program]), cond_arg=i64([c[1] for c in program]),
        cond_value=f64([c[2] for c in program]),
        stage_surveyed=i64(first.stages_surveyed),
        **numbers,
        dist_kind=i64(pool.kind), dist_param=f64(pool.param).reshape(-1, 4),
        dist_first=i64(pool.first), dist_count=i64(pool.count),
        discrete_value=f64(pool.values), discrete_cum=f64(pool.cum),
    )


def concat_tables(parts: Sequence[Tables]) -> Tables:
    """The points of every Tables in ``parts`` (one structure: the first one's), in order,
    as one Tables: the per-point numbers stacked and the distribution pools appended, each
    part's pool indices moved past the pools before it (a pool may then hold equal forms
    twice; the kernel draws the same values from either)."""
    parts = list(parts)
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    d_off = np.cumsum([0] + [len(t.dist_kind) for t in parts[:-1]])
    m_off = np.cumsum([0] + [len(t.discrete_value) for t in parts[:-1]])

    def cat(name, offsets=None):
        xs = [getattr(t, name) for t in parts]
        if offsets is not None:
            xs = [x + np.int64(o) for x, o in zip(xs, offsets)]
        return np.ascontiguousarray(np.concatenate(xs))

    return dataclasses.replace(
        first, share=cat("share"), p_occurs=cat("p_occurs"),
        impact_dist=cat("impact_dist", d_off), baseline_dist=cat("baseline_dist", d_off),
        advance=cat("advance"), slope=cat("slope"), advance_logit=cat("advance_logit"),
        dist_kind=cat("dist_kind"), dist_param=cat("dist_param"),
        dist_first=cat("dist_first", m_off), dist_count=cat("dist_count"),
        discrete_value=cat("discrete_value"), discrete_cum=cat("discrete_cum"))


def _shared_structure(models: list[ir.Model]) -> tuple[ir.Model, int, int]:
    """(the first model, LO, HI) once every model is checked to share its structure and
    the structure is one the kernel can run."""
    if not models:
        raise ValueError("no models to lower")
    first = models[0]
    for i, m in enumerate(models[1:], 1):
        if m is not first and not _same_structure(m, first):
            raise ValueError(f"point {i} differs in structure (scale, personas, stages, "
                             "events or conditions) from point 0; only numbers may vary")
    lo, hi = (int(x) for x in first.scale)
    if lo >= hi:
        raise ValueError(f"scale {lo}..{hi}: LO must be below HI")
    if not first.personas:
        raise ValueError("a journey needs at least one persona")
    if not first.stages:
        raise ValueError("a journey needs at least one stage")
    return first, lo, hi


def _event_layout(first: ir.Model) -> tuple:
    """(event_stage, stage_events, stage_first, cond_first, program) of the shared
    structure: the Tables fields of those names, with the condition programs as one list
    of (op, arg, value) instructions."""
    Q, S, E = len(first.personas), len(first.stages), len(first.events)
    stage_index = {s.name: i for i, s in enumerate(first.stages)}
    event_index = {e.name: i for i, e in enumerate(first.events)}
    if len(stage_index) != S or len(event_index) != E or len(
            {p.name for p in first.personas}) != Q:
        raise ValueError("duplicate persona, stage or event names")
    try:
        event_stage = np.array([stage_index[e.stage] for e in first.events], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"an event is at unknown stage {exc.args[0]!r}") from None
    # a stable sort keeps declaration order within each stage
    stage_events = np.argsort(event_stage, kind="stable").astype(np.int64)
    stage_first = np.zeros(S + 1, dtype=np.int64)
    stage_first[1:] = np.cumsum(np.bincount(event_stage, minlength=S))

    cond_first = np.zeros(E + 1, dtype=np.int64)
    program: list[tuple[int, int, float]] = []
    for k, e in enumerate(first.events):
        program += compile_condition(e.when, event_index)
        cond_first[k + 1] = len(program)
    return event_stage, stage_events, stage_first, cond_first, program


def _point_numbers(models: list[ir.Model], pool: _DistPool) -> dict[str, np.ndarray]:
    """The per-point Tables fields (share, p_occurs, impact_dist, baseline_dist, advance,
    slope; :func:`finish_numbers` adds advance_logit) of ``models``, adding their
    distributions to ``pool``.

    Point 0 is lowered in full and copied to every point; a point then lowers only the
    declarations that are not the very objects of point 0's (a sweep point or a world
    changes a few values, and ``ir.apply_change`` keeps the others), so the cost per point
    is that of what it changes."""
    first = models[0]
    Q, S, E, P = len(first.personas), len(first.stages), len(first.events), len(models)
    out = dict(share=np.zeros((P, Q)), p_occurs=np.zeros((P, Q, E)),
               impact_dist=np.zeros((P, Q, E), dtype=np.int64),
               baseline_dist=np.zeros((P, Q), dtype=np.int64),
               advance=np.ones((P, Q, S)), slope=np.zeros((P, Q, S)))
    _lower_personas(out, 0, first, pool)
    for s, stage in enumerate(first.stages):
        _lower_stage(out, 0, s, stage, Q)
    for k, e in enumerate(first.events):
        _lower_event(out, 0, k, e, first, pool)
    if P > 1:
        for name in out:
            out[name][1:] = out[name][0]
    for i, m in enumerate(models[1:], 1):
        if m.personas is not first.personas:
            _lower_personas(out, i, m, pool)
        for s, stage in enumerate(m.stages):
            if stage is not first.stages[s]:
                _lower_stage(out, i, s, stage, Q)
        for k, e in enumerate(m.events):
            if e is not first.events[k]:
                _lower_event(out, i, k, e, m, pool)
    return out


def finish_numbers(out: dict[str, np.ndarray]) -> None:
    """Complete the per-point numbers in place: the last stage's advance and slope made
    explicit, and ``advance_logit``."""
    advance, slope = out["advance"], out["slope"]
    P, Q, S = advance.shape
    # the last stage takes no advance: make it explicit so the tables say what the kernel does
    advance[:, :, S - 1] = 1.0
    slope[:, :, S - 1] = 0.0
    inner = (advance > 0.0) & (advance < 1.0)
    advance_logit = np.zeros((P, Q, S))
    # the same expression the exact engine evaluates, so both engines use identical
    # numbers: once per distinct advance
    values, where = np.unique(advance[inner], return_inverse=True)
    logits = np.array([math.log(a / (1.0 - a)) for a in values.tolist()])
    advance_logit[inner] = logits[where] if len(values) else 0.0
    out["advance_logit"] = advance_logit


def _lower_personas(out: dict, i: int, m: ir.Model, pool: _DistPool) -> None:
    shares = [float(p.share) for p in m.personas]
    if any(not math.isfinite(s) or s < 0 for s in shares) or sum(shares) <= 0:
        raise ValueError(f"point {i}: persona shares must be >= 0 and not all 0")
    out["share"][i] = np.array(shares) / math.fsum(shares)
    out["baseline_dist"][i] = [pool.add(p.baseline, f"persona {p.name} baseline")
                               for p in m.personas]


def _lower_stage(out: dict, i: int, s: int, stage: ir.Stage, Q: int) -> None:
    if len(stage.advance) != Q or len(stage.slope) != Q:
        raise ValueError(f"stage {stage.name}: one advance and slope per persona")
    slopes = [float(x) for x in stage.slope]
    _finite(f"stage {stage.name} slope", *slopes)
    out["advance"][i, :, s] = [_probability(a, f"stage {stage.name}") for a in stage.advance]
    out["slope"][i, :, s] = slopes


def _lower_event(out: dict, i: int, k: int, e: ir.Event, m: ir.Model,
                 pool: _DistPool) -> None:
    Q = len(m.personas)
    if len(e.p) != Q or len(e.impact) != Q:
        raise ValueError(f"event {e.name}: one p and impact per persona")
    out["p_occurs"][i, :, k] = [_probability(p, f"event {e.name}") for p in e.p]
    out["impact_dist"][i, :, k] = [
        pool.add(d, f"event {e.name} impact for {persona.name}")
        for d, persona in zip(e.impact, m.personas)]
