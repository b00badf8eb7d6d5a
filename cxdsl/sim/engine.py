"""The simulator's wrapper: it validates, allocates, chunks, threads and tallies the runs of
the kernel (:mod:`cxdsl.sim.kernel`), and owns their randomness (the stream keys and integer
thresholds of :func:`pack`), progress and interruption.

Work and determinism
--------------------
Customer j of persona q (at sweep point p) is simulated from random numbers keyed by names
(:mod:`cxdsl.sim.rng`), so what happens to each customer does not depend on how the work is
split. Block b of (p, q) holds customers ``b·BLOCK_SIZE … min((b+1)·BLOCK_SIZE, n_q) - 1``:
block boundaries depend on j alone, never on chunking or threads. Each block tallies its
customers in j order (integer counts in int64, score sums as float64 in the kernel's
SUM_LANES accumulators), and the blocks' float sums are combined *exactly* (Shewchuk
partials, rounded once with ``math.fsum``), which makes the result independent of the
order blocks finish in. Hence: identical seed ⇒ bit-identical
:class:`~cxdsl.sim.tallies.Tallies` for any thread count and chunk size.

Chunks bound memory: a run walks the blocks in chunks of about ``chunk_size`` customers,
folding each chunk into running totals, so memory does not grow with the number of
customers (one int64 triple per block is kept to order the work: ~6 MB at 10⁹ customers).
Blocks are ordered by how far through its persona each one ends, interleaving personas (and
points), so after any chunk every persona has simulated about the same fraction of its
customers: the running tallies are a near-stratified sample, which is what a precision-driven
early stop needs.

Public API
----------
``simulate_tallies(source, customers, seed, ...) -> Tallies`` — one journey.
``simulate_points(source, customers, seed, ...) -> list[Tallies]`` — P points at once.
``iter_chunks(source, customers, seed, ...)`` — a generator of :class:`ChunkReport` with the
cumulative tallies after each chunk (for ``--precision``).
The kernel's bit-for-bit oracle, a slow pure-Python engine of the same meaning and the same
random numbers, is :func:`cxdsl.sim.reference.simulate_reference`.

Interruption: a Ctrl-C (KeyboardInterrupt) takes effect when the running chunk finishes
(numba code does not poll for signals); the run then raises :class:`SimulationInterrupted`,
which is a KeyboardInterrupt carrying the tallies of the chunks that completed.

Compilation cache: numba keys each cached function on its own source file; everything the
kernel compiles in lives in kernel.py (see there), and the jitted fold below uses nothing
from other modules, so an edit that changes compiled code always recompiles it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..model import ir
from .jit import njit, numba
from .kernel import (
    BLOCK_SIZE,
    KIND_CONST,
    MODE_ALWAYS,
    MODE_LOGISTIC,
    MODE_NEVER,
    MODE_THRESHOLD,
    simulate_blocks,
)
from .lower import Tables, lower, lower_points, persona_counts
from .rng import below_threshold, stream_key
from .tallies import SUMMED, Tallies, TalliesList

#: Default customers per chunk (rounded down to whole blocks): ~0.05–0.2 s of work, so
#: progress is smooth and Ctrl-C is answered promptly.
DEFAULT_CHUNK = 1 << 21
#: Capacity of one exact-sum accumulator (Shewchuk partials). Sums of bounded scores need
#: two or three; running out is reported, never silently rounded.
_PARTIALS = 64


class SimulationInterrupted(KeyboardInterrupt):
    """The run was interrupted (Ctrl-C) between chunks.

    ``tallies``: the cumulative tallies of the completed chunks, one per point (a list, even
    for :func:`simulate_tallies`); ``done`` / ``total``: customers simulated / requested,
    summed over points. A subclass of KeyboardInterrupt, so code that does not look for it
    still treats it as an interrupt."""

    def __init__(self, tallies: list[Tallies], done: int, total: int):
        super().__init__(f"interrupted after {done:,} of {total:,} customers")
        self.tallies = tallies
        self.done = done
        self.total = total


# ---------------------------------------------------------------------- exact sums


@njit(cache=True)
def _grow_partials(partials, g, a, n, x):
    """Add ``x`` exactly to the non-overlapping partials ``partials[:n, g, a]``
    (Shewchuk's algorithm, as in Python's ``math.fsum`` recipe); returns the new count."""
    i = 0
    for k in range(n):
        y = partials[k, g, a]
        if abs(x) < abs(y):
            x, y = y, x
        high = x + y
        low = y - (high - x)
        if low != 0.0:
            partials[i, g, a] = low
            i += 1
        x = high
    if i >= partials.shape[0]:
        raise OverflowError("exact-sum accumulator is full")
    partials[i, g, a] = x
    return i + 1


@njit(cache=True)
def _fold(item_point, item_persona, n_personas, out_counts, out_sums, total_counts,
          partials, n_partials):
    """Add a chunk's block tallies to the running totals of group (point, persona): counts
    as integers, float sums exactly (order-independent)."""
    for it in range(item_point.shape[0]):
        g = item_point[it] * n_personas + item_persona[it]
        for c in range(out_counts.shape[1]):
            total_counts[g, c] += out_counts[it, c]
        for a in range(out_sums.shape[1]):
            n_partials[g, a] = _grow_partials(partials, g, a, n_partials[g, a],
                                              out_sums[it, a])


# -------------------------------------------------------------------------- wrapper


@dataclass
class ChunkReport:
    """The state of a run after one chunk.

    ``done``/``total``: customers simulated so far / in the whole run, summed over points.
    :meth:`tallies` gives the cumulative tallies, one per point, read from the running
    totals: call it before asking the generator for the next chunk (a stale report raises
    RuntimeError rather than answer for a later chunk)."""

    done: int
    total: int
    chunk: int
    _run: _Run

    def tallies(self) -> list[Tallies]:
        if self._run.chunks_done != self.chunk:
            raise RuntimeError(f"this report is of chunk {self.chunk}; the run has moved on "
                               f"to chunk {self._run.chunks_done}")
        return self._run.tallies()


def _as_tables(source) -> Tables:
    if isinstance(source, Tables):
        return source
    if isinstance(source, ir.Model):
        return lower(source)
    if isinstance(source, (list, tuple)) and all(isinstance(m, ir.Model) for m in source):
        return lower_points(source)
    raise TypeError("expected an ir.Model, a list of ir.Model or lower.Tables, not "
                    f"{type(source).__name__}")


def _check_int(name: str, value, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def stream_keys(tables: Tables, seed: int) -> dict[str, np.ndarray]:
    """The stream keys of a run (uint64): ``baseline`` [Q], ``occurs`` and ``impact``
    [Q,E], ``advance`` [Q,S] — from the names, so the same for every point."""
    personas, events, stages = tables.persona_names, tables.event_names, tables.stage_names

    def table(purpose, decls):
        return np.array([[stream_key(seed, purpose, d, p) for d in decls] for p in personas],
                        dtype=np.uint64).reshape(len(personas), len(decls))

    return {"baseline": np.array([stream_key(seed, "baseline", p, p) for p in personas],
                                 dtype=np.uint64),
            "occurs": table("occurs", events), "impact": table("impact", events),
            "advance": table("advance", stages)}


def work_order(counts: np.ndarray, block_size: int = BLOCK_SIZE
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The blocks of a run as (point, persona, block) int64 arrays, in run order: by the
    fraction of its persona's customers a block ends at, then by (point, persona). Any
    prefix therefore covers every persona of every point in about equal proportion.
    ``counts`` is int64[P,Q] customers per point and persona."""
    P, Q = counts.shape
    n = np.asarray(counts, dtype=np.int64).reshape(P * Q)
    nb = -(-n // block_size)  # blocks of each (point, persona); 0 without customers
    total = int(nb.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    group = np.repeat(np.arange(P * Q, dtype=np.int64), nb)
    block = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(nb) - nb, nb)
    size = n[group]
    ends = np.minimum((block + 1) * block_size, size) / size
    point, persona = group // Q, group % Q
    order = np.lexsort((persona, point, ends))
    return (np.ascontiguousarray(point[order]), np.ascontiguousarray(persona[order]),
            np.ascontiguousarray(block[order]))


@dataclass(frozen=True)
class Packed:
    """The kernel's view of a run: tables regrouped per (point, persona) in the order the
    kernel reads them, with the stream keys of the seed and integer thresholds in place of
    fixed probabilities (:func:`cxdsl.sim.rng.below_threshold`: the same decisions)."""

    ev_int: np.ndarray     # int64[P,Q,E,6]: event, mode, cond first, cond end, dist or -1,
                           # 1 if a condition reads whether it happened (flagged), else 0
    ev_u64: np.ndarray     # uint64[P,Q,E,3]: threshold, occurs key, impact key
    ev_value: np.ndarray   # float64[P,Q,E]: the impact when constant (dist -1)
    st_mode: np.ndarray    # int64[P,Q,S]: MODE_* of the advance
    st_u64: np.ndarray     # uint64[P,Q,S,2]: threshold, advance key
    st_f64: np.ndarray     # float64[P,Q,S,2]: logit(advance), slope
    key_baseline: np.ndarray  # uint64[Q]


def _decision(p: float) -> tuple[int, int]:
    """(mode, threshold) of "with probability p"."""
    t = below_threshold(float(p))
    if t == 0:
        return MODE_NEVER, 0
    if t >= 1 << 64:
        return MODE_ALWAYS, 0
    return MODE_THRESHOLD, t


def _decisions(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mode int64, threshold uint64) of "with probability p" for every entry of ``p``
    (in [0, 1]): what :func:`_decision` gives, over whole arrays.

    :func:`cxdsl.sim.rng.below_threshold` is T = K · 2**12 with K = ceil(p · 2**52 − 1/2)
    clipped to [0, 2**52]. In doubles, p · 2**52 is exact (a power-of-two scaling) and so
    is subtracting 1/2 from it when it is at least 1/2 (it is at most 2**52 and a multiple
    of half its ulp); below 1/2 the difference lies in (−1/2, 0] however it rounds, and its
    ceiling is 0 — so the float computation is exact."""
    if p.size and not ((p >= 0.0) & (p <= 1.0)).all():  # also refuses NaN
        raise ValueError("not a probability")
    k = np.clip(np.ceil(p * float(1 << 52) - 0.5), 0.0, float(1 << 52))
    mode = np.where(k == 0.0, MODE_NEVER,
                    np.where(k == float(1 << 52), MODE_ALWAYS, MODE_THRESHOLD))
    threshold = np.where(mode == MODE_THRESHOLD, k, 0.0).astype(np.uint64) << np.uint64(12)
    return mode.astype(np.int64), threshold


def pack(tables: Tables, seed: int) -> Packed:
    """The packed tables of a run of ``tables`` with ``seed`` (see :class:`Packed`), built
    with whole-array operations over the points, personas, events and stages."""
    t = tables
    keys = stream_keys(t, seed)
    P, Q, S, E = t.points, t.n_personas, t.n_stages, t.n_events
    order = np.asarray(t.stage_events, dtype=np.int64)
    ev_int = np.zeros((P, Q, E, 6), dtype=np.int64)
    ev_u64 = np.zeros((P, Q, E, 3), dtype=np.uint64)
    mode, threshold = _decisions(t.p_occurs[:, :, order])
    d = t.impact_dist[:, :, order]
    const = t.dist_kind[d] == KIND_CONST
    ev_int[..., 0] = order
    ev_int[..., 1] = mode
    ev_int[..., 2] = t.cond_first[order]
    ev_int[..., 3] = t.cond_first[order + 1]
    ev_int[..., 4] = np.where(const, -1, d)
    ev_int[..., 5] = np.isin(order, t.read_events)
    ev_u64[..., 0] = threshold
    ev_u64[..., 1] = keys["occurs"][:, order]
    ev_u64[..., 2] = keys["impact"][:, order]
    ev_value = np.where(const, t.dist_param[d, 0], 0.0) if E else np.zeros((P, Q, E))
    a, k = t.advance, t.slope
    logistic = (a > 0.0) & (a < 1.0) & (k != 0.0)
    mode, threshold = _decisions(np.clip(a, 0.0, 1.0))
    st_mode = np.where(logistic, MODE_LOGISTIC, mode).astype(np.int64)
    st_u64 = np.zeros((P, Q, S, 2), dtype=np.uint64)
    st_u64[..., 0] = np.where(logistic, np.uint64(0), threshold)
    st_u64[..., 1] = keys["advance"]
    st_f64 = np.stack([t.advance_logit, k], axis=-1).astype(np.float64)
    return Packed(*(np.ascontiguousarray(x) for x in (
        ev_int, ev_u64, ev_value, st_mode, st_u64, st_f64, keys["baseline"])))


class _Run:
    """One simulation: the tables, the per-point persona counts, the work order and the
    running totals."""

    def __init__(self, tables: Tables, customers: int, seed: int, threads: int | None,
                 chunk_size: int | None, world_of=None):
        self.tables = t = tables
        self.customers = _check_int("customers", customers, 1)
        world_of = None if world_of is None else np.asarray(world_of, dtype=np.int64)
        if world_of is not None:
            if world_of.shape != (t.points,) or (t.points and world_of.min() < 0):
                raise ValueError("world_of must give a world index >= 0 for each point")
            n_worlds = int(world_of.max()) + 1 if t.points else 0
            if self.customers < n_worlds:
                raise ValueError(f"customers must be at least the number of worlds "
                                 f"({n_worlds}) to split them, got {self.customers}")
        self.seed = _check_int("seed", seed, None)
        max_threads = numba.config.NUMBA_NUM_THREADS
        self.threads = max_threads if threads is None else _check_int("threads", threads, 1)
        if self.threads > max_threads:
            raise ValueError(f"threads must be <= {max_threads} (the cores numba may use; "
                             "set NUMBA_NUM_THREADS to raise it)")
        chunk = DEFAULT_CHUNK if chunk_size is None else _check_int("chunk_size",
                                                                    chunk_size, 1)
        self.blocks_per_chunk = max(1, chunk // BLOCK_SIZE)

        P, Q, S, E, K = t.points, t.n_personas, t.n_stages, t.n_events, t.n_scores
        self.j_first = np.zeros((P, Q), dtype=np.int64)
        if world_of is None:
            self.counts = _point_counts(t, [self.customers] * P)
        else:
            self.counts, self.j_first = _world_counts(t, self.customers, world_of)
        self.total = int(self.counts.sum())
        self.item_point, self.item_persona, self.item_block = work_order(self.counts)
        self.packed = pack(t, self.seed)
        self.n_count_cols = 1 + K + 2 * S + E + S * K
        self.n_sum_cols = 2 + 2 * S
        self.total_counts = np.zeros((P * Q, self.n_count_cols), dtype=np.int64)
        # partial k of every accumulator together: a run touches only the few levels its
        # sums need (two or three), not the capacity of every accumulator — with many
        # small groups (a forecast's worlds) that is most of the fold's memory traffic
        self.partials = np.zeros((_PARTIALS, P * Q, self.n_sum_cols))
        self.n_partials = np.zeros((P * Q, self.n_sum_cols), dtype=np.int64)
        rows = min(self.blocks_per_chunk, max(1, len(self.item_block)))
        self.out_counts = np.zeros((rows, self.n_count_cols), dtype=np.int64)
        self.out_sums = np.zeros((rows, self.n_sum_cols))
        self.chunks_done = 0

    @property
    def done(self) -> int:
        return int(self.total_counts[:, 0].sum())

    def run_chunk(self, start: int, stop: int) -> None:
        """Simulate work items ``[start, stop)`` and fold them into the totals."""
        t, pk = self.tables, self.packed
        ip, iq, ib = (a[start:stop] for a in (self.item_point, self.item_persona,
                                              self.item_block))
        m = stop - start
        previous = numba.get_num_threads()
        numba.set_num_threads(self.threads)
        try:
            simulate_blocks(ip, iq, ib, self.counts, self.j_first, t.lo, t.hi, t.stage_first,
                    pk.ev_int, pk.ev_u64, pk.ev_value, pk.st_mode, pk.st_u64, pk.st_f64,
                    t.baseline_dist, pk.key_baseline, t.cond_op, t.cond_arg, t.cond_value,
                    t.dist_kind, t.dist_param, t.dist_first, t.dist_count,
                    t.discrete_value, t.discrete_cum, t.flag_words, t.stage_surveyed,
                    self.out_counts[:m], self.out_sums[:m])
        finally:
            numba.set_num_threads(previous)
        # one compiled call: a Ctrl-C lands before or after it, never half-way through a fold
        _fold(ip, iq, t.n_personas, self.out_counts[:m], self.out_sums[:m],
              self.total_counts, self.partials, self.n_partials)
        self.chunks_done += 1

    def tallies(self) -> list[Tallies]:
        """The cumulative tallies so far, one per point (each field a contiguous view of
        one array over all points, so the cost per point is small)."""
        t = self.tables
        P, Q, S, E, K = t.points, t.n_personas, t.n_stages, t.n_events, t.n_scores
        c = self.total_counts.astype(np.float64).reshape(P, Q, self.n_count_cols)
        sums = exact_sums(self.partials, self.n_partials).reshape(P, Q, self.n_sum_cols)
        col = 1 + K

        def part(a, lo, hi, shape=None):
            x = np.ascontiguousarray(a[:, :, lo:hi])
            return x if shape is None else x.reshape(P, *shape)

        n = part(c, 0, 1)[:, :, 0]
        total = n.sum(axis=1, keepdims=True)
        weight = np.divide(n, total, out=np.zeros_like(n), where=total > 0)
        fields = dict(
            score_sum=part(sums, 0, 1)[:, :, 0], score_sq=part(sums, 1, 2)[:, :, 0],
            hist=part(c, 1, col), reached=part(c, col, col + S),
            advanced=part(c, col + S, col + 2 * S),
            stage_score_sum=part(sums, 2, 2 + S),
            event_count=part(c, col + 2 * S, col + 2 * S + E),
            stage_score_sq=part(sums, 2 + S, 2 + 2 * S),
            stage_hist=part(c, col + 2 * S + E, col + 2 * S + E + S * K, (Q, S, K)))
        # each field's rows as a list of views first: one C loop per field, where indexing
        # every field of every point costs a forecast a few microseconds per world
        rows = zip(list(n), list(weight), *(list(fields[k]) for k in SUMMED))
        items = [Tallies(False, *row) for row in rows]
        return TalliesList(items, {"n": n, "weight": weight, **fields})


def exact_sums(partials: np.ndarray, n_partials: np.ndarray) -> np.ndarray:
    """float64[G, A]: each accumulator's sum, correctly rounded (``math.fsum`` of its
    ``n_partials[g, a]`` partials ``partials[:n, g, a]``, float64[capacity, G, A]). An
    accumulator of one partial holds its sum exactly, so only the others go through fsum."""
    out = np.where(n_partials >= 1, partials[0], 0.0)
    for g, a in zip(*np.nonzero(n_partials > 1)):
        out[g, a] = math.fsum(partials[:n_partials[g, a], g, a].tolist())
    return out


def _world_counts(t: Tables, customers: int, world_of: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(counts, j_first), int64[P, Q] each, of points grouped into worlds: world w has
    ``split_evenly(customers, W)[w]`` customers, split over personas by each point's
    shares; its customers come after those of worlds 0 … w-1, and the points of world w
    simulate the same ones (common random numbers within a world)."""
    Q = t.n_personas
    n_worlds = int(world_of.max()) + 1
    sizes = split_evenly(customers, n_worlds)
    counts = _point_counts(t, [sizes[w] for w in world_of.tolist()])
    # a world's range of customer indices per persona covers the most any of its points
    # uses (a scenario may change the shares)
    widest = np.zeros((n_worlds, Q), dtype=np.int64)
    np.maximum.at(widest, world_of, counts)
    starts = np.zeros((n_worlds, Q), dtype=np.int64)
    starts[1:] = np.cumsum(widest, axis=0)[:-1]
    return counts, starts[world_of]


def _point_counts(t: Tables, sizes: list[int]) -> np.ndarray:
    """int64[P, Q]: point p's ``sizes[p]`` customers over its personas
    (:func:`persona_counts`), computed once per distinct (shares, size)."""
    known: dict[tuple, np.ndarray] = {}
    rows = []
    for share, size in zip(t.share.tolist(), sizes):
        key = (*share, size)
        row = known.get(key)
        if row is None:
            row = known[key] = persona_counts(share, size, t.persona_names)
        rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(t.points, t.n_personas)


def split_evenly(customers: int, parts: int) -> list[int]:
    """``customers`` split into ``parts`` sizes that differ by at most one, the larger
    first (world w of a forecast simulates ``split_evenly(N, W)[w]`` customers)."""
    size, extra = divmod(customers, parts)
    return [size + (1 if w < extra else 0) for w in range(parts)]


def iter_chunks(source, customers: int, seed: int, *, threads: int | None = None,
                chunk_size: int | None = None) -> Iterator[ChunkReport]:
    """Run the simulation chunk by chunk, yielding a :class:`ChunkReport` after each.

    ``source``: an ``ir.Model``, a list of models of one structure (one point each) or
    :class:`~cxdsl.sim.lower.Tables`. ``customers``: N per point (≥ 1), split over personas by
    largest remainder. ``seed``: any integer. ``threads``: numba threads (default: all).
    ``chunk_size``: customers per chunk, rounded down to whole blocks of
    :data:`BLOCK_SIZE` (default :data:`DEFAULT_CHUNK`).

    Arguments are checked when this is called, before the first chunk. Stop consuming to
    end the run early (``--precision``): the last report's tallies cover the customers
    simulated so far, every persona about equally far. A KeyboardInterrupt while a chunk
    runs raises :class:`SimulationInterrupted` out of the generator."""
    return _chunks(_Run(_as_tables(source), customers, seed, threads, chunk_size))


def _chunks(run: _Run) -> Iterator[ChunkReport]:
    n_items = len(run.item_block)
    step = run.blocks_per_chunk
    for start in range(0, n_items, step):
        try:
            run.run_chunk(start, min(start + step, n_items))
        except KeyboardInterrupt:
            raise SimulationInterrupted(run.tallies(), run.done, run.total) from None
        yield ChunkReport(run.done, run.total, run.chunks_done, run)


def simulate_points(source, customers: int, seed: int, *, threads: int | None = None,
                    chunk_size: int | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    should_stop: Callable[[list[Tallies]], bool] | None = None,
                    world_of=None) -> list[Tallies]:
    """Simulate every point of ``source`` with ``customers`` customers each; one Tallies
    per point, in point order. Arguments as :func:`iter_chunks`, plus:

    ``progress(done, total)``: called before the first chunk (done = 0) and after each
    chunk, with customers counted over all points.
    ``should_stop(tallies)``: called after each chunk with the cumulative tallies (one per
    point); True ends the run there and returns those tallies (the hook of
    ``--precision``).
    ``world_of``: int[P], the world of each point (0 … W-1) in a forecast. ``customers``
    is then the total, split evenly over the worlds (:func:`split_evenly`); each world has
    customers of its own, and the points of one world (its baseline, scenarios, sweep
    points) share them. By default every point simulates the same ``customers`` customers
    (common random numbers).

    Raises :class:`SimulationInterrupted` (carrying the partial tallies) on Ctrl-C, also
    when the KeyboardInterrupt is raised inside ``progress`` or ``should_stop``."""
    run = _Run(_as_tables(source), customers, seed, threads, chunk_size, world_of)
    try:
        if progress is not None:
            progress(0, run.total)
        for report in _chunks(run):
            if progress is not None:
                progress(report.done, report.total)
            if should_stop is not None and should_stop(report.tallies()):
                break
    except SimulationInterrupted:
        raise
    except KeyboardInterrupt:
        raise SimulationInterrupted(run.tallies(), run.done, run.total) from None
    return run.tallies()


def simulate_tallies(source, customers: int, seed: int, *, threads: int | None = None,
                     chunk_size: int | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     should_stop: Callable[[Tallies], bool] | None = None) -> Tallies:
    """Simulate one journey (an ``ir.Model`` or P = 1 ``Tables``) with ``customers``
    customers from ``seed``; see :func:`simulate_points` for the other arguments
    (``should_stop`` here receives a single Tallies)."""
    tables = _as_tables(source)
    if tables.points != 1:
        raise ValueError(f"simulate_tallies takes one point, got {tables.points}; "
                         "use simulate_points")
    stop = None if should_stop is None else (lambda ts: should_stop(ts[0]))
    return simulate_points(tables, customers, seed, threads=threads, chunk_size=chunk_size,
                           progress=progress, should_stop=stop)[0]


def needs_compiling() -> bool:
    """Whether the next run compiles the kernel (no usable entry in numba's cache: a first
    run, or the code changed since), which takes most of a minute."""
    for fn in (simulate_blocks, _fold, _grow_partials):
        try:
            if not fn._cache._cache_file._load_index():  # numba's index, {} when stale
                return True
        except Exception:  # a numba without this layout: say nothing rather than guess
            return False
    return False


def warm_up() -> None:
    """Compile (or load from the cache) the kernel on a tiny journey, so the first real run
    does not pay for it inside a progress bar."""
    model = ir.Model(None, (0, 10), None, None,
                     (ir.Persona("p", None, 1.0, ir.Const(5.0), 0.0),),
                     (ir.Stage("s", None, (1.0,), (0.0,)),), "s",
                     (ir.Event("e", None, "s", (0.5,), (ir.Const(1.0),), ir.ScoreCmp("<", 9)),))
    simulate_tallies(model, 1, 0, threads=1)
