"""Simulated customers one by one: the outcome of each customer of a run, not its tallies.

``cxdsl sample`` writes the respondent table of the customers ``cxdsl run`` simulates with
the same seed. :func:`population` lays out those customers exactly as a run does — the
persona counts (largest remainder), and for a spec with ``uncertain`` values the worlds
(the run's customers split evenly over them, each world with customers of its own:
:func:`cxdsl.sim.engine.simulate_points` with ``world_of``) — and :func:`record` simulates
a list of :class:`Segment` s of them with the recorder of :mod:`cxdsl.sim.kernel`, which
takes the kernel's decisions from the kernel's draws. So the recorded outcomes, counted,
are the run's tallies exactly.

Non-response: with ``respond=P`` an asked customer answers survey v with probability P,
decided by the draw of stream (seed, ``respond``, survey name, persona name) for that
customer — keyed like every draw, so reproducible and independent of the journey's own
draws (the answers given are the same with or without non-response).

    pop = population(model, customers=10_000, seed=42)
    for seg in pop.segments():
        reached, happened, answer = record(pop, [seg], respond=0.4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import ir
from .engine import Packed, _world_counts, pack
from .kernel import BLOCK_SIZE, MODE_ALWAYS, MODE_NEVER, MODE_THRESHOLD, record_customers
from .lower import Tables, lower_points, persona_counts
from .rng import below_threshold, stream_key
from .simulate import check_customers, check_scenario, check_seed, forecast_worlds

#: The answer code of a survey not asked or not answered (``RespondentTable.NO_ANSWER``).
BLANK = np.iinfo(np.int32).min


@dataclass(frozen=True)
class Segment:
    """Customers ``j … j + count - 1`` of persona ``persona`` at point (world) ``point``."""

    point: int
    persona: int
    j: int
    count: int


@dataclass(frozen=True)
class Population:
    """The customers of a run: ``models`` one per point (one, or one per world of a
    forecast: ``worlds`` True), their ``tables`` and ``packed`` tables, and per point and
    persona ``counts`` and ``j_first`` (int64[P, Q]): point p's customers of persona q are
    ``j_first[p, q] … j_first[p, q] + counts[p, q] - 1``."""

    models: tuple[ir.Model, ...]
    tables: Tables
    packed: Packed
    counts: np.ndarray
    j_first: np.ndarray
    seed: int
    worlds: bool
    draws: np.ndarray | None = None

    @property
    def model(self) -> ir.Model:
        """The structure every point shares (point 0's model)."""
        return self.models[0]

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def segments(self, size: int | None = None) -> list[Segment]:
        """The customers in file order — by point, then persona, then j — as segments of at
        most ``size`` customers (default: one per point and persona)."""
        out = []
        P, Q = self.counts.shape
        for p in range(P):
            for q in range(Q):
                n, first = int(self.counts[p, q]), int(self.j_first[p, q])
                step = n if size is None else size
                for start in range(0, n, max(step, 1)):
                    out.append(Segment(p, q, first + start, min(step, n - start)))
        return out


def population(model: ir.Model, customers: int, seed: int, scenario: str | None = None,
               worlds: int | None = None) -> Population:
    """The customers ``simulate(model, customers, seed, scenario=…, worlds=…)`` simulates
    (raises :class:`cxdsl.sim.simulate.SimulationError` for bad arguments)."""
    customers = check_customers(customers)
    seed = check_seed(seed)
    check_scenario(model, scenario)
    if model.uncertain:
        models, draws = forecast_worlds(model, worlds, customers, seed, scenario, "numba")
        tables = lower_points(models)
        counts, j_first = _world_counts(tables, customers,
                                        np.arange(len(models), dtype=np.int64))
        return Population(tuple(models), tables, pack(tables, seed), counts, j_first, seed,
                          True, draws)
    run_model = ir.with_scenario(model, scenario)
    tables = lower_points([run_model])
    counts = persona_counts(tables.share[0], customers, tables.persona_names)[None, :]
    return Population((run_model,), tables, pack(tables, seed), counts.astype(np.int64),
                      np.zeros_like(counts, dtype=np.int64), seed, False)


def respond_keys(pop: Population) -> np.ndarray:
    """uint64[Q, V]: the stream key of persona q's non-response draws for survey v."""
    personas = [p.name for p in pop.model.personas]
    surveys = [s.name for s in pop.model.all_surveys]
    return np.array([[stream_key(pop.seed, "respond", s, p) for s in surveys]
                     for p in personas], dtype=np.uint64).reshape(len(personas), len(surveys))


def _respond_decision(respond: float | None) -> tuple[int, int]:
    if respond is None:
        return MODE_ALWAYS, 0
    t = below_threshold(float(respond))
    if t == 0:
        return MODE_NEVER, 0
    if t >= 1 << 64:
        return MODE_ALWAYS, 0
    return MODE_THRESHOLD, t


def record(pop: Population, segments: Sequence[Segment], respond: float | None = None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The outcomes of the customers of ``segments``, in order: ``reached`` int32[n]
    (index of the last stage reached), ``happened`` int8[n, E] (1/0 by event declaration
    index), ``answer`` int32[n, V] (survey v of ``model.all_surveys``: the rounded score
    when asked and answering, else :data:`BLANK`). ``respond``: the probability that an
    asked customer answers (None: everyone asked answers)."""
    t, pk, model = pop.tables, pop.packed, pop.model
    items = []  # (point, persona, j, count, row), split for the threads
    row = 0
    for seg in segments:
        for start in range(0, seg.count, BLOCK_SIZE):
            n = min(BLOCK_SIZE, seg.count - start)
            items.append((seg.point, seg.persona, seg.j + start, n, row))
            row += n
    cols = np.array(items, dtype=np.int64).reshape(-1, 5).T.copy()
    stage_of = {s.name: i for i, s in enumerate(model.stages)}
    surveys = model.all_surveys
    survey_stage = np.array([stage_of[s.stage] if s.stage is not None else -1
                             for s in surveys], dtype=np.int64)
    mode, threshold = _respond_decision(respond)
    reached = np.empty(row, dtype=np.int32)
    happened = np.empty((row, t.n_events), dtype=np.int8)
    answer = np.empty((row, len(surveys)), dtype=np.int32)
    if row:
        record_customers(
            *(np.ascontiguousarray(c) for c in cols), t.lo, t.hi, t.stage_first,
            pk.ev_int, pk.ev_u64, pk.ev_value, pk.st_mode, pk.st_u64, pk.st_f64,
            t.baseline_dist, pk.key_baseline, t.cond_op, t.cond_arg, t.cond_value,
            t.dist_kind, t.dist_param, t.dist_first, t.dist_count, t.discrete_value,
            t.discrete_cum, survey_stage, mode, np.uint64(threshold), respond_keys(pop),
            np.int32(BLANK), reached, happened, answer)
    return reached, happened, answer


__all__ = ["BLANK", "Segment", "Population", "population", "record", "respond_keys"]
