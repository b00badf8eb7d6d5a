"""The pure-Python reference engine: the kernel's bit-for-bit oracle.

:func:`simulate_reference` simulates a journey one customer at a time, written straight from
DESIGN.md "Meaning" against the IR, with the kernel's random numbers (:mod:`cxdsl.sim.rng`),
persona counts, arithmetic (the same logistic and inverse normal CDF, as Python functions)
and block-wise summation (each block's sums in the kernel's SUM_LANES accumulators) — so
for the same (customers, seed) its Tallies equal the kernel's bit for bit. Slow: for tests
and the benchmark's pure-Python baseline.
"""

from __future__ import annotations

import math

import numpy as np

from ..model import ir
from .kernel import BLOCK_SIZE, LANES, SUM_LANES, logistic
from .lower import persona_counts
from .rng import customer_hash_py, ppnd16, stream_key, uniform_py
from .tallies import Tallies, empty


def _draw_py(d: ir.Dist, key: int, h: int) -> float:
    """A draw of ``d`` with the kernel's arithmetic: the Python twin of the kernel's branch
    on ``d.kernel_kind`` (see :mod:`cxdsl.sim.lower` for the forms)."""
    outcomes = d.outcomes()
    if outcomes is not None and len(outcomes) == 1:
        return outcomes[0][0]  # a constant, or a degenerate form: no draw
    kind = d.kernel_kind
    if kind == "normal":
        return d.mu + d.sd * ppnd16(uniform_py(key, h, 0))
    if kind == "uniform":
        return d.lo + (d.hi - d.lo) * uniform_py(key, h, 0)
    if kind == "triangular":
        u = uniform_py(key, h, 0)
        span = d.hi - d.lo
        if u < (d.mode - d.lo) / (d.hi - d.lo):
            return d.lo + math.sqrt(u * span * (d.mode - d.lo))
        return d.hi - math.sqrt((1.0 - u) * span * (d.hi - d.mode))
    values, weights = d.kernel_table()
    u = uniform_py(key, h, 0)
    total = math.fsum(weights)
    acc = 0.0
    for v, w in zip(values[:-1], weights[:-1]):
        acc += w / total
        if u < acc:
            return v
    return values[-1]


def simulate_reference(model: ir.Model, customers: int, seed: int,
                       first: list[int] | None = None) -> Tallies:
    """The meaning of ``model``, simulated one customer at a time in plain Python.

    Same persona counts, random numbers, arithmetic and block-wise summation as the kernel,
    so for the same (customers, seed) the Tallies agree bit for bit; written straight from
    DESIGN.md "Meaning" against the IR (no tables), it checks the lowering as well. Slow:
    for tests and the benchmark's pure-Python baseline. ``first[q]``: the index of persona
    q's first customer (default 0; a world of a forecast starts after the earlier worlds'
    customers)."""
    lo, hi = model.scale
    flo, fhi = float(lo), float(hi)
    Q, S, E, K = len(model.personas), len(model.stages), len(model.events), hi - lo + 1
    names = [p.name for p in model.personas]
    counts = persona_counts([p.share for p in model.personas], customers, names)
    by_stage = [[k for k, e in enumerate(model.events) if e.stage == s.name]
                for s in model.stages]
    n = counts.astype(np.float64)
    surveyed = model.stages_surveyed
    out = empty(Q, S, E, K)
    out.n, out.weight = n, n / n.sum()

    def clamp(x: float) -> float:
        return fhi if x > fhi else (flo if x < flo else x)

    for q, persona in enumerate(model.personas):
        key_base = stream_key(seed, "baseline", persona.name, persona.name)
        key_occ = [stream_key(seed, "occurs", e.name, persona.name) for e in model.events]
        key_imp = [stream_key(seed, "impact", e.name, persona.name) for e in model.events]
        key_adv = [stream_key(seed, "advance", s.name, persona.name) for s in model.stages]
        # block partial sums: [block][0 = score, 1 = score², 2 + s = stage s's scores,
        # 2 + S + s = their squares][accumulator]: the kernel's SUM_LANES accumulators, the
        # value of the customer at position k of a loop over the LANES customers of a
        # group going to accumulator k % SUM_LANES (at a stage, k counts the customers of
        # the group who reached it)
        blocks: list[list[list[float]]] = []
        j_first = first[q] if first is not None else 0
        for i in range(int(counts[q])):
            if i % BLOCK_SIZE == 0:
                blocks.append([[0.0] * SUM_LANES for _ in range(2 + 2 * S)])
            if i % LANES == 0:
                rank = [0] * S
            part = blocks[-1]
            h = customer_hash_py(j_first + i)
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
                w = rank[s] % SUM_LANES
                rank[s] += 1
                part[2 + s][w] += score
                part[2 + S + s][w] += score * score
                if surveyed[s]:
                    out.stage_hist[q, s, math.floor(score + 0.5) - lo] += 1
                if s == S - 1:
                    break
                if not _advances(stage.advance[q], stage.slope[q], score - score0,
                                 key_adv[s], h):
                    break
                out.advanced[q, s] += 1
            out.hist[q, math.floor(score + 0.5) - lo] += 1
            w = i % LANES % SUM_LANES
            part[0][w] += score
            part[1][w] += score * score
        sums = [math.fsum(_total(b[c]) for b in blocks) for c in range(2 + 2 * S)]
        out.score_sum[q], out.score_sq[q] = sums[0], sums[1]
        out.stage_score_sum[q], out.stage_score_sq[q] = sums[2:2 + S], sums[2 + S:]
    return out


def _advances(a: float, slope: float, delta: float, key: int, h: int) -> bool:
    """Whether the customer of hash ``h`` advances past a stage of advance ``a`` and
    ``slope`` with a score ``delta`` above its start (DESIGN.md "Meaning", step 4)."""
    if a <= 0.0 or a >= 1.0:
        return a > 0.0
    prob = a if slope == 0.0 else logistic(math.log(a / (1.0 - a)) + slope * delta)
    return uniform_py(key, h, 0) < prob


def _total(a: list[float]) -> float:
    """A block's sum from its SUM_LANES accumulators, paired as the kernel pairs them."""
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
