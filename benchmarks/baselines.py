"""The baselines the engine is judged against (see benchmarks/README.md).

* :func:`simulate_numpy`: the same meaning written as a good data scientist writes it in
  NumPy — one persona at a time, cache-sized chunks, NumPy's fastest generator (SFC64),
  occurrences as 0/1 multiply-adds (no ``where=`` masks), the customers who leave dropped
  after every stage, and only the event flags a later condition reads kept and filtered.
* :func:`draw_floor`: the counter-based generator alone (:mod:`cxdsl.sim.rng`), vectorised,
  with ``fastmath`` so the sum that keeps the draws alive is no serial chain. Given one
  (stream key, customers) pair per draw it times every draw any customer could need (the
  *all-draws floor*) or only those of the customers still in the journey (the
  *needed-draws floor*, counts from the engine's own tallies).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from cxdsl.model import ir
from cxdsl.sim.kernel import customer_hash_nb, uniform_nb
from cxdsl.sim.lower import persona_counts
from cxdsl.sim.rng import stream_key
from cxdsl.sim.tallies import Tallies

# ------------------------------------------------------------------------ draw floors

_CHUNK = 4096


# Not cached: numba's cache keys a function by its own source only, so a cached copy would
# keep calling the kernel's generator as it was compiled, after it changes.
@numba.njit(fastmath=True, cache=False)
def _floor_nb(keys, counts, hashes):
    """Sum of uniform(keys[i], hash(j), 0) for j < counts[i], for every i; hashes is
    scratch (uint64[_CHUNK]). The customer hashes are computed once per chunk, as the
    engine does, and shared by the streams."""
    total = 0.0
    top = counts.max() if counts.shape[0] else 0
    for j0 in range(0, top, _CHUNK):
        n = min(_CHUNK, top - j0)
        for k in range(n):
            hashes[k] = customer_hash_nb(j0 + k)
        for i in range(keys.shape[0]):
            m = min(n, counts[i] - j0)
            key = keys[i]
            for k in range(m):
                total += uniform_nb(key, hashes[k], 0)
    return total


def draw_floor(keys: np.ndarray, counts: np.ndarray) -> float:
    """Draw ``counts[i]`` uniforms from stream ``keys[i]`` (customers 0, 1, …)."""
    return _floor_nb(np.asarray(keys, dtype=np.uint64), np.asarray(counts, dtype=np.int64),
                     np.empty(_CHUNK, dtype=np.uint64))


def _random(d: ir.Dist) -> bool:
    outcomes = d.outcomes()
    return outcomes is None or len(outcomes) > 1


def floor_streams(model: ir.Model, customers: int, seed: int,
                  tallies: Tallies | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(keys, counts) of every draw the journey needs: its baseline, every occurrence with
    0 < p < 1, every drawn impact and every advance with 0 < advance < 1. With ``tallies``
    (the engine's, same customers) only the draws of customers still in the journey: an
    occurrence or advance per customer who reached the stage, an impact per occurrence."""
    counts = persona_counts([p.share for p in model.personas], customers,
                            [p.name for p in model.personas])
    stage_of = {s.name: i for i, s in enumerate(model.stages)}
    keys, sizes = [], []

    def add(purpose, decl, persona, q, n):
        keys.append(stream_key(seed, purpose, decl, persona.name))
        sizes.append(int(n))

    for q, persona in enumerate(model.personas):
        n = counts[q]
        if _random(persona.baseline):
            add("baseline", persona.name, persona, q, n)
        for k, e in enumerate(model.events):
            s = stage_of[e.stage]
            if 0.0 < e.p[q] < 1.0:
                add("occurs", e.name, persona, q, n if tallies is None else tallies.reached[q, s])
            if _random(e.impact[q]):
                add("impact", e.name, persona, q,
                    n if tallies is None else tallies.event_count[q, k])
        for s, stage in enumerate(model.stages[:-1]):
            if 0.0 < stage.advance[q] < 1.0:
                add("advance", stage.name, persona, q,
                    n if tallies is None else tallies.reached[q, s])
    return np.array(keys, dtype=np.uint64), np.array(sizes, dtype=np.int64)


# ------------------------------------------------------------------------- NumPy peer


def _draw(gen: np.random.Generator, d: ir.Dist, size: int):
    """``size`` draws of ``d`` (a scalar for a constant)."""
    outcomes = d.outcomes()
    if outcomes is not None and len(outcomes) == 1:
        return outcomes[0][0]
    if isinstance(d, ir.Normal):
        return gen.normal(d.mu, d.sd, size)
    if isinstance(d, ir.Uniform):
        return gen.uniform(d.lo, d.hi, size)
    if isinstance(d, ir.Triangular):
        return gen.triangular(d.lo, d.mode, d.hi, size)
    return gen.choice(np.asarray(d.values, dtype=float), size, p=np.asarray(d.weights))


_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "==": np.equal, "!=": np.not_equal}


def _holds(c: ir.Cond, score: np.ndarray, flags: dict[str, np.ndarray]) -> np.ndarray:
    if isinstance(c, ir.Ref):
        return flags[c.event]
    if isinstance(c, ir.ScoreCmp):
        return _CMP[c.op](score, c.value)
    if isinstance(c, ir.Not):
        return ~_holds(c.operand, score, flags)
    parts = [_holds(o, score, flags) for o in c.operands]
    out = parts[0]
    for p in parts[1:]:
        out = (out & p) if isinstance(c, ir.And) else (out | p)
    return out


def _refs(c: ir.Cond | None) -> set[str]:
    if c is None or isinstance(c, ir.ScoreCmp):
        return set()
    if isinstance(c, ir.Ref):
        return {c.event}
    if isinstance(c, ir.Not):
        return _refs(c.operand)
    return set().union(*(_refs(o) for o in c.operands))


def simulate_numpy(model: ir.Model, customers: int, seed: int,
                   chunk: int = 1 << 16) -> dict[str, np.ndarray]:
    """The meaning of ``model`` in NumPy (SFC64 random numbers: it agrees with the engine in
    distribution, not bit for bit). Returns per-persona customer counts, final-score sums
    and histograms."""
    gen = np.random.Generator(np.random.SFC64(seed))
    lo, hi = model.scale
    K = hi - lo + 1
    counts = persona_counts([p.share for p in model.personas], customers,
                            [p.name for p in model.personas])
    by_stage = [[e for e in model.events if e.stage == s.name] for s in model.stages]
    read = set().union(*(_refs(e.when) for e in model.events))
    S = len(model.stages)
    out = {"n": counts.astype(float), "score_sum": np.zeros(len(counts)),
           "hist": np.zeros((len(counts), K))}

    def tally(q, final):
        out["score_sum"][q] += final.sum()
        out["hist"][q] += np.bincount(np.floor(final + 0.5).astype(np.int64) - lo,
                                      minlength=K)

    for q, persona in enumerate(model.personas):
        for start in range(0, int(counts[q]), chunk):
            m = min(chunk, int(counts[q]) - start)
            score0 = np.clip(np.broadcast_to(_draw(gen, persona.baseline, m), (m,)), lo, hi)
            score = score0.copy()
            flags: dict[str, np.ndarray] = {}
            for s, stage in enumerate(model.stages):
                n = score.size
                for e in by_stage[s]:
                    p = e.p[q]
                    if p <= 0.0:
                        continue
                    hit = gen.random(n) < p if p < 1.0 else np.ones(n, bool)
                    if e.when is not None:
                        hit &= _holds(e.when, score, flags)
                    if e.name in read:
                        flags[e.name] = hit
                    score += hit * _draw(gen, e.impact[q], n)
                np.clip(score, lo, hi, out=score)
                if s == S - 1:
                    break
                a, k = stage.advance[q], stage.slope[q]
                if a >= 1.0:
                    continue
                if a <= 0.0 or k == 0.0:
                    stay = gen.random(n) < a
                else:
                    x = math.log(a / (1 - a)) + k * (score - score0)
                    stay = gen.random(n) * (1.0 + np.exp(-x)) < 1.0
                tally(q, score[~stay])
                score, score0 = score[stay], score0[stay]
                flags = {name: f[stay] for name, f in flags.items()}
            tally(q, score)
    return out
