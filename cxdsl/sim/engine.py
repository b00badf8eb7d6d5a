"""The simulator: one table-driven numba kernel and the Python wrapper that drives it.

The kernel is compiled once (``cache=True``) for every journey: a journey is data
(:class:`cxdsl.lower.Tables`), never code. It runs DESIGN.md "Meaning" for every customer,
in parallel (``prange``) over *blocks* of :data:`BLOCK_SIZE` customers. Within a block it
works on :data:`LANES` customers at a time, stage by stage and event by event, with the
customers still in the journey kept contiguous: each step is a branch-free loop over them
(random decisions become 0/1 values), which the compiler vectorises. Fixed probabilities
are compared as integers (:func:`cxdsl.rng.below_threshold`) and the logistic advance is
decided from a table of bounds, falling back to the formula near the boundary — every
decision is the one the plain formula gives, which :func:`simulate_reference` checks bit
for bit.

Work and determinism
--------------------
Customer j of persona q (at sweep point p) is simulated from random numbers keyed by names
(:mod:`cxdsl.rng`), so what happens to each customer does not depend on how the work is
split. Block b of (p, q) holds customers ``b·BLOCK_SIZE … min((b+1)·BLOCK_SIZE, n_q) - 1``:
block boundaries depend on j alone, never on chunking or threads. Each block tallies its
customers in j order (integer counts in int64, score sums as float64 added sequentially),
and the blocks' float sums are combined *exactly* (Shewchuk partials, rounded once with
``math.fsum``), which makes the result independent of the order blocks finish in. Hence:
identical seed ⇒ bit-identical :class:`~cxdsl.tallies.Tallies` for any thread count and
chunk size.

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
``simulate_reference(model, customers, seed) -> Tallies`` — a slow pure-Python engine of
the same meaning and the same random numbers: the kernel's bit-for-bit oracle.

Interruption: a Ctrl-C (KeyboardInterrupt) takes effect when the running chunk finishes
(numba code does not poll for signals); the run then raises :class:`SimulationInterrupted`,
which is a KeyboardInterrupt carrying the tallies of the chunks that completed.

Compilation cache: numba keys the cached kernel on this file only. The kernel also bakes in
functions and constants of :mod:`cxdsl.rng` and :mod:`cxdsl.lower` — after changing those,
touch this file (or delete ``__pycache__``) so the kernel is recompiled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numba
import numpy as np

from ..model import ir
from .lower import (
    CMP_EQ,
    CMP_GE,
    CMP_GT,
    CMP_LE,
    CMP_LT,
    KIND_CONST,
    KIND_NORMAL,
    KIND_TRIANGULAR,
    KIND_UNIFORM,
    OP_AND,
    OP_EVENT,
    OP_NOT,
    OP_SCORE,
    Tables,
    lower,
    lower_points,
    persona_counts,
)
from .rng import (
    below_threshold,
    customer_hash_nb,
    customer_hash_py,
    draw_u64_nb,
    ppnd16,
    ppnd16_nb,
    stream_key,
    uniform_nb,
    uniform_py,
)
from .tallies import Tallies

#: Customers per block: the unit of parallel work and of float summation. Part of the
#: determinism contract — changing it changes the last bits of the score sums.
BLOCK_SIZE = 4096
#: Default customers per chunk (rounded down to whole blocks): ~0.05–0.2 s of work, so
#: progress is smooth and Ctrl-C is answered promptly.
DEFAULT_CHUNK = 1 << 21
#: Capacity of one exact-sum accumulator (Shewchuk partials). Sums of bounded scores need
#: two or three; running out is reported, never silently rounded.
_PARTIALS = 64

_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_NOT_ONE = np.uint64(0xFFFFFFFFFFFFFFFE)
_LOW6 = np.uint64(63)


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


# ------------------------------------------------------------------------- the kernel


@numba.njit(inline="always", cache=True)
def _draw_lanes(d, key, count, pos, lane_hash, out, add, dist_kind, dist_param, dist_first,
                dist_count, discrete_value, discrete_cum):
    """Draw pooled distribution ``d`` from stream ``key`` for positions ``k = pos[t]``,
    ``t < count`` (customer hash ``lane_hash[k]``): ``out[k] += draw`` when ``add``, else
    ``out[k] = draw``. The forms are listed in :mod:`cxdsl.lower`; the kind is switched on
    once, outside the loops, so each loop is straight-line code."""
    kind = dist_kind[d]
    a = dist_param[d, 0]
    b = dist_param[d, 1]
    if kind == KIND_CONST:
        for t in range(count):
            k = pos[t]
            out[k] = out[k] + a if add else a
    elif kind == KIND_UNIFORM:
        for t in range(count):
            k = pos[t]
            x = a + (b - a) * uniform_nb(key, lane_hash[k], 0)
            out[k] = out[k] + x if add else x
    elif kind == KIND_NORMAL:
        for t in range(count):
            k = pos[t]
            x = a + b * ppnd16_nb(uniform_nb(key, lane_hash[k], 0))
            out[k] = out[k] + x if add else x
    elif kind == KIND_TRIANGULAR:
        hi = dist_param[d, 2]
        split = dist_param[d, 3]
        span = hi - a
        for t in range(count):
            k = pos[t]
            u = uniform_nb(key, lane_hash[k], 0)
            # Both halves of the inverse CDF blended by a 0/1 weight rather than a branch on
            # the random u (which mispredicts half the time; a select becomes such a branch).
            # One weight is 0 and the other 1, so the result is exactly the chosen half.
            w = 1.0 if u < split else 0.0
            root = math.sqrt(w * (u * span * (b - a)) + (1.0 - w) * ((1.0 - u) * span * (hi - b)))
            x = w * (a + root) + (1.0 - w) * (hi - root)
            out[k] = out[k] + x if add else x
    else:
        first = dist_first[d]
        last = first + dist_count[d] - 1
        for t in range(count):
            k = pos[t]
            u = uniform_nb(key, lane_hash[k], 0)
            i = first
            while i < last and not u < discrete_cum[i]:
                i += 1
            x = discrete_value[i]
            out[k] = out[k] + x if add else x


@numba.njit(inline="always", cache=True)
def _holds(c0, c1, n_active, score, flags, stack, ok, cond_op, cond_arg, cond_value):
    """Evaluate the postfix condition program ``[c0, c1)`` for the first ``n_active``
    positions: on exit ``ok[k]`` is 1 where it holds for (``score[k]``, ``flags[k]``), else 0.

    Each position's boolean stack lives in the bits of ``stack[k]`` (top = bit 0); the
    program is the outer loop, so the inner loops have no data-dependent branches."""
    for k in range(n_active):
        stack[k] = _ZERO
    for i in range(c0, c1):
        op = cond_op[i]
        if op == OP_EVENT:
            e = cond_arg[i]
            word = e >> 6
            bit = numba.uint64(e) & _LOW6
            for k in range(n_active):
                stack[k] = (stack[k] << _ONE) | ((flags[k, word] >> bit) & _ONE)
        elif op == OP_SCORE:
            v = cond_value[i]
            cmp = cond_arg[i]
            for k in range(n_active):
                x = score[k]
                if cmp == CMP_LT:
                    b = x < v
                elif cmp == CMP_LE:
                    b = x <= v
                elif cmp == CMP_GT:
                    b = x > v
                elif cmp == CMP_GE:
                    b = x >= v
                elif cmp == CMP_EQ:
                    b = x == v
                else:
                    b = x != v
                stack[k] = (stack[k] << _ONE) | (_ONE if b else _ZERO)
        elif op == OP_NOT:
            for k in range(n_active):
                stack[k] ^= _ONE
        elif op == OP_AND:  # pop b (bit 0), then a (bit 1): push a and b — keep bit 0
            # of x >> 1 (that is a) only where b is 1
            for k in range(n_active):
                x = stack[k]
                stack[k] = (x >> _ONE) & (x | _NOT_ONE)
        else:  # OP_OR
            for k in range(n_active):
                x = stack[k]
                stack[k] = (x >> _ONE) | (x & _ONE)
    for k in range(n_active):
        ok[k] = stack[k] & _ONE


@numba.njit(inline="always", cache=True)
def _logistic(x):
    """1 / (1 + e^-x) without overflow (the exact engine's formula)."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _logistic_py(x: float) -> float:
    """:func:`_logistic` in Python (the grid below and the reference engine)."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# The logistic advance without an exp for almost every customer: logistic is increasing, so
# for x in [x_i, x_i+1] of a fine grid, logistic(x) lies between the grid values (less or
# more a margin far wider than the rounding of _logistic). A uniform outside that band is
# decided by the grid; one inside it (at most 0.4% of them: the band is at most 0.25/64
# wide), or an x off the grid, by _logistic itself — the same decision as computing
# _logistic every time, at a fraction of the cost. (The margin, 1e-12, also covers the
# rounding of the cell index: x is placed in its cell to within ~1e-14.)
_GRID_LO = -40.0
_GRID_PER_UNIT = 64.0
_GRID_CELLS = 80 * 64
_GRID = np.array([_logistic_py(_GRID_LO + i / _GRID_PER_UNIT) for i in range(_GRID_CELLS + 1)])
_GRID_MARGIN = 1e-12


# How a decision with a fixed probability is taken (events' occurrence, stages' advance).
MODE_NEVER, MODE_ALWAYS, MODE_THRESHOLD, MODE_LOGISTIC = range(4)
# Columns of the packed event table ``ev_int`` (int64[P,Q,E,5], events in processing order)
EV_EVENT, EV_MODE, EV_COND_FIRST, EV_COND_END, EV_DIST = range(5)
# Columns of ``ev_u64`` (uint64[P,Q,E,3])
EV_THRESHOLD, EV_KEY_OCCURS, EV_KEY_IMPACT = range(3)
#: Customers a block works on together (lanes). Each stage and event is a loop over the
#: customers still in the journey, kept contiguous (compacted after every stage), without
#: data-dependent branches: the random decisions that would mispredict one customer at a
#: time become 0/1 values, and the loops vectorise. Results do not depend on it (every float
#: sum still runs in customer order).
LANES = 256


@numba.njit(inline="always", cache=True)
def _compact(n_active, keep, lane, lane_hash, score, score0, flags, final):
    """Drop the positions with ``keep[k] == 0`` from the active arrays, preserving order;
    every position's current score is written to ``final[lane]`` first (a customer who stays
    has it overwritten later). Returns the new number of active positions."""
    kept = 0
    for k in range(n_active):
        # copy unconditionally to position kept <= k, then advance kept by keep[k]: the
        # copy of a dropped position is overwritten by the next kept one
        i = lane[k]
        final[i] = score[k]
        lane[kept] = i
        lane_hash[kept] = lane_hash[k]
        score[kept] = score[k]
        score0[kept] = score0[k]
        for w in range(flags.shape[1]):
            flags[kept, w] = flags[k, w]
        kept += numba.int64(keep[k])
    return kept


@numba.njit(parallel=True, cache=True, nogil=True)
def _kernel(item_point, item_persona, item_block, counts, lo, hi, stage_first,
            ev_int, ev_u64, ev_value, st_mode, st_u64, st_f64, baseline_dist, key_baseline,
            cond_op, cond_arg, cond_value, dist_kind, dist_param, dist_first, dist_count,
            discrete_value, discrete_cum, flag_words, out_counts, out_sums):
    """Simulate the blocks ``item_*[i]`` = (point, persona, block index) and write block i's
    tallies to row i of ``out_counts`` (int64: customers | hist[K] | reached[S] |
    advanced[S] | events[E]) and ``out_sums`` (float64: score sum | score² sum |
    stage score sums[S]). The packed tables are built by :func:`pack`.

    A block runs LANES customers at a time. The customers still in the journey occupy
    positions ``0 … n_active - 1`` of the state arrays, in customer order; ``lane[k]`` is
    the customer (lane) at position k, ``final[lane]`` a customer's final score."""
    n_items = item_point.shape[0]
    n_stages = stage_first.shape[0] - 1
    n_scores = hi - lo + 1
    col_reached = 1 + n_scores
    col_advanced = col_reached + n_stages
    col_event = col_advanced + n_stages
    flo = float(lo)
    fhi = float(hi)
    for it in numba.prange(n_items):
        pt = item_point[it]
        q = item_persona[it]
        j_start = item_block[it] * BLOCK_SIZE
        j_end = min(j_start + BLOCK_SIZE, counts[pt, q])
        cnt = out_counts[it]
        sums = out_sums[it]
        cnt[:] = 0
        sums[:] = 0.0
        # state per active position
        # (lane numbers are unsigned: indexing with them skips numba's negative-index fix-up)
        lane = np.empty(LANES, dtype=np.uint64)
        lane_hash = np.empty(LANES, dtype=np.uint64)
        score = np.empty(LANES)
        score0 = np.empty(LANES)
        flags = np.empty((LANES, flag_words), dtype=np.uint64)
        ok = np.empty(LANES, dtype=np.uint64)      # 0 or 1
        stack = np.empty(LANES, dtype=np.uint64)   # condition stacks
        hits = np.empty(LANES, dtype=np.int64)     # positions an event happened to
        final = np.empty(LANES)                    # per lane
        iota = np.arange(LANES)
        # this block's rows of the tables, looked up once
        ev_i = ev_int[pt, q]
        ev_u = ev_u64[pt, q]
        ev_v = ev_value[pt, q]
        st_m = st_mode[pt, q]
        st_u = st_u64[pt, q]
        st_f = st_f64[pt, q]
        key_base = key_baseline[q]
        base = baseline_dist[pt, q]
        score_sum = 0.0
        score_sq = 0.0
        for j0 in range(j_start, j_end, LANES):
            n = min(LANES, j_end - j0)
            for k in range(n):
                lane_hash[k] = customer_hash_nb(j0 + k)
                lane[k] = k
                for w in range(flag_words):
                    flags[k, w] = _ZERO
            _draw_lanes(base, key_base, n, iota, lane_hash, score0, False, dist_kind,
                        dist_param, dist_first, dist_count, discrete_value, discrete_cum)
            for k in range(n):
                x = score0[k]
                x = fhi if x > fhi else (flo if x < flo else x)
                score0[k] = x
                score[k] = x
            n_active = n
            for s in range(n_stages):
                cnt[col_reached + s] += n_active
                for idx in range(stage_first[s], stage_first[s + 1]):
                    mode = ev_i[idx, EV_MODE]
                    if mode == MODE_NEVER:
                        continue
                    c0 = ev_i[idx, EV_COND_FIRST]
                    c1 = ev_i[idx, EV_COND_END]
                    if c1 > c0:
                        _holds(c0, c1, n_active, score, flags, stack, ok, cond_op, cond_arg,
                               cond_value)
                    else:
                        for k in range(n_active):
                            ok[k] = _ONE
                    if mode == MODE_THRESHOLD:
                        # uniform < p decided on the integer draw (rng.below_threshold)
                        key = ev_u[idx, EV_KEY_OCCURS]
                        threshold = ev_u[idx, EV_THRESHOLD]
                        for k in range(n_active):
                            below = draw_u64_nb(key, lane_hash[k], 0) < threshold
                            ok[k] &= _ONE if below else _ZERO
                    e = ev_i[idx, EV_EVENT]
                    word = e >> 6
                    bit = numba.uint64(e) & _LOW6
                    d = ev_i[idx, EV_DIST]
                    happened = 0
                    if d < 0:  # a constant impact, stored inline: no draw, no branch
                        v = ev_v[idx]
                        for k in range(n_active):
                            o = ok[k]
                            flags[k, word] |= o << bit
                            happened += numba.int64(o)
                            x = score[k]
                            score[k] = x + v if o != _ZERO else x
                    else:  # list the positions it happened to, then draw for those only
                        for k in range(n_active):
                            hits[happened] = k
                            happened += numba.int64(ok[k])
                        for t in range(happened):
                            flags[hits[t], word] |= _ONE << bit
                        _draw_lanes(d, ev_u[idx, EV_KEY_IMPACT], happened, hits, lane_hash,
                                    score, True, dist_kind, dist_param, dist_first,
                                    dist_count, discrete_value, discrete_cum)
                    cnt[col_event + e] += happened
                stage_sum = sums[2 + s]  # continue the block's sum in customer order
                for k in range(n_active):
                    x = score[k]
                    x = fhi if x > fhi else (flo if x < flo else x)
                    score[k] = x
                    stage_sum += x
                sums[2 + s] = stage_sum
                if s == n_stages - 1:
                    break
                mode = st_m[s]
                if mode == MODE_ALWAYS:
                    cnt[col_advanced + s] += n_active
                    continue
                if mode == MODE_NEVER:
                    for k in range(n_active):
                        ok[k] = _ZERO
                elif mode == MODE_THRESHOLD:
                    key = st_u[s, 1]
                    threshold = st_u[s, 0]
                    for k in range(n_active):
                        ok[k] = _ONE if draw_u64_nb(key, lane_hash[k], 0) < threshold \
                            else _ZERO
                else:
                    key = st_u[s, 1]
                    logit = st_f[s, 0]
                    slope = st_f[s, 1]
                    # decide on the grid, listing the positions too close to call ...
                    undecided = 0
                    for k in range(n_active):
                        x = logit + slope * (score[k] - score0[k])
                        u = uniform_nb(key, lane_hash[k], 0)
                        g = (x - _GRID_LO) * _GRID_PER_UNIT
                        on_grid = (g >= 0.0) & (g < _GRID_CELLS)
                        cell = int(min(max(g, 0.0), _GRID_CELLS - 1.0))
                        below_low = u < _GRID[cell] - _GRID_MARGIN
                        below_high = u < _GRID[cell + 1] + _GRID_MARGIN
                        ok[k] = _ONE if below_low else _ZERO
                        hits[undecided] = k
                        undecided += 0 if on_grid & (below_low == below_high) else 1
                    # ... then decide those with _logistic itself, in a loop of their own:
                    # inside the first one the compiler computes the exp for every position
                    # (it may, exp having no side effects), which costs more than the grid
                    # saves
                    for t in range(undecided):
                        k = hits[t]
                        x = logit + slope * (score[k] - score0[k])
                        u = uniform_nb(key, lane_hash[k], 0)
                        ok[k] = _ONE if u < _logistic(x) else _ZERO
                n_active = _compact(n_active, ok, lane, lane_hash, score, score0, flags,
                                    final)
                cnt[col_advanced + s] += n_active
                if n_active == 0:
                    break  # everyone left: no further draws
            for k in range(n_active):
                final[lane[k]] = score[k]
            for i in range(n):  # in customer order
                x = final[i]
                r = int(math.floor(x + 0.5))
                cnt[1 + r - lo] += 1
                score_sum += x
                score_sq += x * x
        cnt[0] = j_end - j_start
        sums[0] = score_sum
        sums[1] = score_sq


@numba.njit(cache=True)
def _grow_partials(partials, n, x):
    """Add ``x`` exactly to the non-overlapping partials ``partials[:n]`` (Shewchuk's
    algorithm, as in Python's ``math.fsum`` recipe); returns the new count."""
    i = 0
    for k in range(n):
        y = partials[k]
        if abs(x) < abs(y):
            x, y = y, x
        high = x + y
        low = y - (high - x)
        if low != 0.0:
            partials[i] = low
            i += 1
        x = high
    if i >= partials.shape[0]:
        raise OverflowError("exact-sum accumulator is full")
    partials[i] = x
    return i + 1


@numba.njit(cache=True)
def _fold(item_point, item_persona, n_personas, out_counts, out_sums, total_counts,
          partials, n_partials):
    """Add a chunk's block tallies to the running totals of group (point, persona): counts
    as integers, float sums exactly (order-independent)."""
    for it in range(item_point.shape[0]):
        g = item_point[it] * n_personas + item_persona[it]
        for c in range(out_counts.shape[1]):
            total_counts[g, c] += out_counts[it, c]
        for a in range(out_sums.shape[1]):
            n_partials[g, a] = _grow_partials(partials[g, a], n_partials[g, a],
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
    points, personas, blocks, ends = [], [], [], []
    for p in range(P):
        for q in range(Q):
            n = int(counts[p, q])
            if n == 0:
                continue
            nb = -(-n // block_size)
            b = np.arange(nb, dtype=np.int64)
            points.append(np.full(nb, p, dtype=np.int64))
            personas.append(np.full(nb, q, dtype=np.int64))
            blocks.append(b)
            ends.append(np.minimum((b + 1) * block_size, n) / n)
    if not blocks:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    point, persona, block = (np.concatenate(x) for x in (points, personas, blocks))
    order = np.lexsort((persona, point, np.concatenate(ends)))
    return (np.ascontiguousarray(point[order]), np.ascontiguousarray(persona[order]),
            np.ascontiguousarray(block[order]))


@dataclass(frozen=True)
class Packed:
    """The kernel's view of a run: tables regrouped per (point, persona) in the order the
    kernel reads them, with the stream keys of the seed and integer thresholds in place of
    fixed probabilities (:func:`cxdsl.rng.below_threshold`: the same decisions)."""

    ev_int: np.ndarray     # int64[P,Q,E,5]: event, mode, cond first, cond end, dist or -1
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


def pack(tables: Tables, seed: int) -> Packed:
    """The packed tables of a run of ``tables`` with ``seed`` (see :class:`Packed`)."""
    t = tables
    keys = stream_keys(t, seed)
    P, Q, S, E = t.points, t.n_personas, t.n_stages, t.n_events
    order = t.stage_events
    ev_int = np.zeros((P, Q, E, 5), dtype=np.int64)
    ev_u64 = np.zeros((P, Q, E, 3), dtype=np.uint64)
    ev_value = np.zeros((P, Q, E))
    decisions = {p: _decision(p) for p in np.unique(t.p_occurs)}
    for p in range(P):
        for q in range(Q):
            for idx, e in enumerate(order):
                mode, threshold = decisions[t.p_occurs[p, q, e]]
                d = t.impact_dist[p, q, e]
                const = t.dist_kind[d] == KIND_CONST
                ev_int[p, q, idx] = (e, mode, t.cond_first[e], t.cond_first[e + 1],
                                     -1 if const else d)
                ev_u64[p, q, idx] = (threshold, keys["occurs"][q, e], keys["impact"][q, e])
                ev_value[p, q, idx] = t.dist_param[d, 0] if const else 0.0
    st_mode = np.zeros((P, Q, S), dtype=np.int64)
    st_u64 = np.zeros((P, Q, S, 2), dtype=np.uint64)
    st_f64 = np.zeros((P, Q, S, 2))
    for p in range(P):
        for q in range(Q):
            for s in range(S):
                a, k = t.advance[p, q, s], t.slope[p, q, s]
                if 0.0 < a < 1.0 and k != 0.0:
                    mode, threshold = MODE_LOGISTIC, 0
                else:
                    mode, threshold = _decision(min(max(a, 0.0), 1.0))
                st_mode[p, q, s] = mode
                st_u64[p, q, s] = (threshold, keys["advance"][q, s])
                st_f64[p, q, s] = (t.advance_logit[p, q, s], k)
    return Packed(ev_int, ev_u64, ev_value, st_mode, st_u64, st_f64, keys["baseline"])


class _Run:
    """One simulation: the tables, the per-point persona counts, the work order and the
    running totals."""

    def __init__(self, tables: Tables, customers: int, seed: int, threads: int | None,
                 chunk_size: int | None):
        self.tables = t = tables
        self.customers = _check_int("customers", customers, 1)
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
        self.counts = np.stack([persona_counts(t.share[p], self.customers, t.persona_names)
                                for p in range(P)]).astype(np.int64)
        self.total = int(self.counts.sum())
        self.item_point, self.item_persona, self.item_block = work_order(self.counts)
        self.packed = pack(t, self.seed)
        self.n_count_cols = 1 + K + 2 * S + E
        self.n_sum_cols = 2 + S
        self.total_counts = np.zeros((P * Q, self.n_count_cols), dtype=np.int64)
        self.partials = np.zeros((P * Q, self.n_sum_cols, _PARTIALS))
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
            _kernel(ip, iq, ib, self.counts, t.lo, t.hi, t.stage_first,
                    pk.ev_int, pk.ev_u64, pk.ev_value, pk.st_mode, pk.st_u64, pk.st_f64,
                    t.baseline_dist, pk.key_baseline, t.cond_op, t.cond_arg, t.cond_value,
                    t.dist_kind, t.dist_param, t.dist_first, t.dist_count,
                    t.discrete_value, t.discrete_cum, t.flag_words,
                    self.out_counts[:m], self.out_sums[:m])
        finally:
            numba.set_num_threads(previous)
        # one compiled call: a Ctrl-C lands before or after it, never half-way through a fold
        _fold(ip, iq, t.n_personas, self.out_counts[:m], self.out_sums[:m],
              self.total_counts, self.partials, self.n_partials)
        self.chunks_done += 1

    def tallies(self) -> list[Tallies]:
        """The cumulative tallies so far, one per point."""
        t = self.tables
        P, Q, S, K = t.points, t.n_personas, t.n_stages, t.n_scores
        out = []
        for p in range(P):
            rows = slice(p * Q, (p + 1) * Q)
            c = self.total_counts[rows].astype(np.float64)
            sums = np.array([[math.fsum(self.partials[g, a, :self.n_partials[g, a]])
                              for a in range(self.n_sum_cols)]
                             for g in range(p * Q, (p + 1) * Q)]).reshape(Q, self.n_sum_cols)
            n = c[:, 0].copy()
            total = n.sum()
            col = 1 + K
            out.append(Tallies(
                exact=False, n=n, weight=n / total if total > 0 else np.zeros(Q),
                score_sum=sums[:, 0].copy(), score_sq=sums[:, 1].copy(),
                hist=c[:, 1:col].copy(),
                reached=c[:, col:col + S].copy(),
                advanced=c[:, col + S:col + 2 * S].copy(),
                stage_score_sum=sums[:, 2:].copy(),
                event_count=c[:, col + 2 * S:].copy()))
        return out


def iter_chunks(source, customers: int, seed: int, *, threads: int | None = None,
                chunk_size: int | None = None) -> Iterator[ChunkReport]:
    """Run the simulation chunk by chunk, yielding a :class:`ChunkReport` after each.

    ``source``: an ``ir.Model``, a list of models of one structure (one point each) or
    :class:`~cxdsl.lower.Tables`. ``customers``: N per point (≥ 1), split over personas by
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
                    should_stop: Callable[[list[Tallies]], bool] | None = None
                    ) -> list[Tallies]:
    """Simulate every point of ``source`` with ``customers`` customers each; one Tallies
    per point, in point order. Arguments as :func:`iter_chunks`, plus:

    ``progress(done, total)``: called before the first chunk (done = 0) and after each
    chunk, with customers counted over all points.
    ``should_stop(tallies)``: called after each chunk with the cumulative tallies (one per
    point); True ends the run there and returns those tallies (the hook of
    ``--precision``).

    Raises :class:`SimulationInterrupted` (carrying the partial tallies) on Ctrl-C, also
    when the KeyboardInterrupt is raised inside ``progress`` or ``should_stop``."""
    run = _Run(_as_tables(source), customers, seed, threads, chunk_size)
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


def warm_up() -> None:
    """Compile (or load from the cache) the kernel on a tiny journey, so the first real run
    does not pay for it inside a progress bar."""
    model = ir.Model(None, (0, 10), None, None,
                     (ir.Persona("p", None, 1.0, ir.Const(5.0), 0.0),),
                     (ir.Stage("s", None, (1.0,), (0.0,)),), "s",
                     (ir.Event("e", None, "s", (0.5,), (ir.Const(1.0),), ir.ScoreCmp("<", 9)),))
    simulate_tallies(model, 1, 0, threads=1)


# ---------------------------------------------------------- pure-Python reference engine


def _draw_py(d: ir.Dist, key: int, h: int) -> float:
    """A draw of ``d`` with the kernel's arithmetic (see :mod:`cxdsl.lower` for forms)."""
    if isinstance(d, ir.Const):
        return float(d.value)
    if isinstance(d, ir.Normal):
        if d.sd == 0:
            return float(d.mu)
        return d.mu + d.sd * ppnd16(uniform_py(key, h, 0))
    if isinstance(d, ir.Uniform):
        if d.lo == d.hi:
            return float(d.lo)
        return d.lo + (d.hi - d.lo) * uniform_py(key, h, 0)
    if isinstance(d, ir.Triangular):
        if d.lo == d.hi:
            return float(d.lo)
        u = uniform_py(key, h, 0)
        span = d.hi - d.lo
        if u < (d.mode - d.lo) / (d.hi - d.lo):
            return d.lo + math.sqrt(u * span * (d.mode - d.lo))
        return d.hi - math.sqrt((1.0 - u) * span * (d.hi - d.mode))
    pairs = [(float(v), float(w)) for v, w in zip(d.values, d.weights) if w > 0]
    if len({v for v, _ in pairs}) == 1:
        return pairs[0][0]
    u = uniform_py(key, h, 0)
    total = math.fsum(w for _, w in pairs)
    acc = 0.0
    for v, w in pairs[:-1]:
        acc += w / total
        if u < acc:
            return v
    return pairs[-1][0]


def simulate_reference(model: ir.Model, customers: int, seed: int) -> Tallies:
    """The meaning of ``model``, simulated one customer at a time in plain Python.

    Same persona counts, random numbers, arithmetic and block-wise summation as the kernel,
    so for the same (customers, seed) the Tallies agree bit for bit; written straight from
    DESIGN.md "Meaning" against the IR (no tables), it checks the lowering as well. Slow:
    for tests and the benchmark's pure-Python baseline."""
    lo, hi = model.scale
    flo, fhi = float(lo), float(hi)
    Q, S, E, K = len(model.personas), len(model.stages), len(model.events), hi - lo + 1
    names = [p.name for p in model.personas]
    counts = persona_counts([p.share for p in model.personas], customers, names)
    by_stage = [[k for k, e in enumerate(model.events) if e.stage == s.name]
                for s in model.stages]
    n = counts.astype(np.float64)
    out = Tallies(False, n, n / n.sum(), np.zeros(Q), np.zeros(Q), np.zeros((Q, K)),
                  np.zeros((Q, S)), np.zeros((Q, S)), np.zeros((Q, S)), np.zeros((Q, E)))

    def clamp(x: float) -> float:
        return fhi if x > fhi else (flo if x < flo else x)

    for q, persona in enumerate(model.personas):
        key_base = stream_key(seed, "baseline", persona.name, persona.name)
        key_occ = [stream_key(seed, "occurs", e.name, persona.name) for e in model.events]
        key_imp = [stream_key(seed, "impact", e.name, persona.name) for e in model.events]
        key_adv = [stream_key(seed, "advance", s.name, persona.name) for s in model.stages]
        # block partial sums: [block][0 = score, 1 = score², 2 + s = stage s]
        blocks: list[list[float]] = []
        for j in range(int(counts[q])):
            if j % BLOCK_SIZE == 0:
                blocks.append([0.0] * (2 + S))
            part = blocks[-1]
            h = customer_hash_py(j)
            score0 = clamp(_draw_py(persona.baseline, key_base, h))
            score = score0
            happened: set[str] = set()
            for s, stage in enumerate(model.stages):
                out.reached[q, s] += 1
                for k in by_stage[s]:
                    e = model.events[k]
                    p = e.p[q]
                    if p <= 0.0 or not ir.cond_holds(e.when, happened, score):
                        continue
                    if p < 1.0 and uniform_py(key_occ[k], h, 0) >= p:
                        continue
                    happened.add(e.name)
                    out.event_count[q, k] += 1
                    score += _draw_py(e.impact[q], key_imp[k], h)
                score = clamp(score)
                part[2 + s] += score
                if s == S - 1:
                    break
                a, slope = stage.advance[q], stage.slope[q]
                if a <= 0.0:
                    break
                if a < 1.0:
                    if slope == 0.0:
                        prob = a
                    else:
                        prob = _logistic_py(math.log(a / (1.0 - a)) + slope * (score - score0))
                    if uniform_py(key_adv[s], h, 0) >= prob:
                        break
                out.advanced[q, s] += 1
            out.hist[q, math.floor(score + 0.5) - lo] += 1
            part[0] += score
            part[1] += score * score
        out.score_sum[q] = math.fsum(b[0] for b in blocks)
        out.score_sq[q] = math.fsum(b[1] for b in blocks)
        for s in range(S):
            out.stage_score_sum[q, s] = math.fsum(b[2 + s] for b in blocks)
    return out
