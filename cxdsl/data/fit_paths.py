"""The clamped score path of an answer cell, as a function of the baseline draw.

The journey (DESIGN.md "Meaning") clamps the baseline draw to the scale, then at the end of
every stage adds the impacts of the events that happened there and clamps again. With
constant impacts d_1, …, d_S per stage, the score at the end of stage S as a function of
the baseline draw b is

    f(b) = clamp(b + D, A, B),   D = d_1 + … + d_S,

where A and B are the paths of LO and HI (A_0 = LO, A_t = clamp(A_{t−1} + d_t)): a
composition of shifts and clamps is nondecreasing and continuous, flat at both ends and of
slope one between. So the answer r (the rounded f(b)) is an interval of b,

    r − ½ ≤ f(b)  ⇔  A ≥ r − ½, or B ≥ r − ½ and b ≥ r − ½ − D
    f(b) < r + ½  ⇔  B < r + ½, or A < r + ½ and b < r + ½ − D

(the lowest answer has no lower edge, the highest no upper one), and with b ~ normal(mu,
sigma²) its probability is a difference of two normal distribution functions: exact.

An impact with a spread enters as *branches*: its distribution replaced by a few points
around its mean, each a constant-impact path with the point's weight. A ``discrete(…)``
impact's branches are its outcomes (exact); a ``normal``, ``uniform`` or ``triangular``
impact's are :data:`POINTS` equal-probability points (the quantiles at the middles of
equal slices of probability, stretched to the form's variance): an approximation whose
error, where an atom's answer turns on the impact's draw, shrinks as 1/POINTS. A cell with
several such impacts has the product of their branches; past :data:`MAX_BRANCHES` they
fall back to :data:`COARSE` points, and an impact that would still take a cell past it
enters at its mean alone.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..model import ir

#: How near a rounding edge an atom keeps the side it had (score points).
EDGE = 0.02
#: The most branches one cell may have at 5 points per continuous impact.
MAX_BRANCHES = 125
#: Points per impact with a spread, and when a cell's branches would pass the cap.
POINTS, COARSE = 11, 5


def _sd(d: ir.Dist) -> float:
    if isinstance(d, ir.Normal):
        return float(d.sd)
    if isinstance(d, ir.Uniform):
        return (d.hi - d.lo) / math.sqrt(12)
    a, c, b = d.lo, d.mode, d.hi
    return math.sqrt(max(a * a + b * b + c * c - a * b - a * c - b * c, 0.0) / 18)


def nodes(d: ir.Dist, coarse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(offsets from the mean, weights summing to 1) of the points that stand for ``d``:
    a discrete form's outcomes, else :data:`POINTS` (``coarse``: :data:`COARSE`)
    equal-probability points, the quantiles at the middles of equal slices of
    probability, shifted and stretched to the form's mean and variance."""
    m = d.mean()
    pairs = d.outcomes()
    if pairs is not None:
        v = np.array([x for x, _ in pairs], dtype=float)
        w = np.array([p for _, p in pairs], dtype=float)
        keep = w > 0
        return v[keep] - m, w[keep] / w[keep].sum()
    n = COARSE if coarse else POINTS
    u = (np.arange(n) + 0.5) / n
    if isinstance(d, ir.Normal):
        x = d.mu + d.sd * special.ndtri(u)
    elif isinstance(d, ir.Uniform):
        x = d.lo + u * (d.hi - d.lo)
    elif isinstance(d, ir.Triangular):
        a, c, b = d.lo, d.mode, d.hi
        f = (c - a) / (b - a) if b > a else 0.5
        x = np.where(u < f, a + np.sqrt(u * (b - a) * (c - a)),
                     b - np.sqrt((1 - u) * (b - a) * (b - c)))
    else:
        return np.zeros(1), np.ones(1)
    if np.ptp(x) == 0:
        return np.zeros(1), np.ones(1)
    off = x - x.mean()
    # the middles' quantiles are a little narrower than the form: stretch them to its
    # variance
    return off * (_sd(d) / math.sqrt(float(np.mean(off ** 2)))), np.full(n, 1.0 / n)


class Branches:
    """The branches of every cell: ``cell`` int[B] (the cell each belongs to), ``weight``
    float[B], ``shift`` float[B, S] (per stage, the branch's impact points less their
    means)."""

    def __init__(self, model: ir.Model, persona: np.ndarray, x: np.ndarray):
        S = len(model.stages)
        stage_of = [model.stage_index(e.stage) for e in model.events]
        table = [[nodes(e.impact[q]) for q in range(len(model.personas))]
                 for e in model.events]
        coarse = [[nodes(e.impact[q], True) for q in range(len(model.personas))]
                  for e in model.events]
        cells, weights, shifts = [], [], []
        spread = np.array([[table[k][q][0].size > 1 for k in range(len(model.events))]
                           for q in range(len(model.personas))], dtype=bool)
        for c in range(persona.size):
            q = int(persona[c])
            ks = [k for k in np.flatnonzero(x[c] == 1) if spread[q, k]] if x.shape[1] else []
            sizes = [table[k][q][0].size for k in ks]
            use = table if math.prod(sizes) <= MAX_BRANCHES else coarse
            w = np.ones(1)
            sh = np.zeros((1, S))
            for k in ks:
                off, wk = use[k][q]
                if w.size * off.size > MAX_BRANCHES:  # past the cap: the impact's mean
                    continue
                nsh = np.repeat(sh, off.size, axis=0)
                nsh[:, stage_of[k]] += np.tile(off, sh.shape[0])
                w, sh = np.repeat(w, off.size) * np.tile(wk, w.size), nsh
            cells.append(np.full(w.size, c))
            weights.append(w)
            shifts.append(sh)
        if not cells:
            self.cell, self.weight = np.zeros(0, dtype=int), np.zeros(0)
            self.shift = np.zeros((0, S))
        else:
            self.cell = np.concatenate(cells)
            self.weight = np.concatenate(weights)
            self.shift = np.concatenate(shifts)
        self.trivial = self.cell.size == persona.size


def path(stage_sums: np.ndarray, lo: float, hi: float
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D, A, B) float[n] of paths with the per-stage impact sums ``stage_sums`` float[n, S]:
    the score at the end is clamp(b + D, A, B) for a baseline draw b."""
    n = stage_sums.shape[0]
    A, B = np.full(n, float(lo)), np.full(n, float(hi))
    for t in range(stage_sums.shape[1]):
        d = stage_sums[:, t]
        A = np.clip(A + d, lo, hi)
        B = np.clip(B + d, lo, hi)
    return stage_sums.sum(axis=1), A, B


def path_slopes(stage_sums: np.ndarray, design3: np.ndarray, lo: float, hi: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(D, A, B, dA, dB): :func:`path` and the derivatives float[n, J] of A and B in the
    fitted impact means, whose per-stage counts are ``design3`` float[S, n, J] (a clamp
    that binds sets the derivative to 0; past it the later stages' counts add up)."""
    n, J = stage_sums.shape[0], design3.shape[2]
    A, B = np.full(n, float(lo)), np.full(n, float(hi))
    dA, dB = np.zeros((n, J)), np.zeros((n, J))
    for t in range(stage_sums.shape[1]):
        d = stage_sums[:, t]
        for X, dX in ((A, dA), (B, dB)):
            y = X + d
            free = (y > lo) & (y < hi)
            dX += design3[t]
            dX *= free[:, None]
            np.clip(y, lo, hi, out=X)
    return stage_sums.sum(axis=1), A, B, dA, dB


def atom_answers(A: np.ndarray, B: np.ndarray, lo: float, hi: float,
                 previous: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The answers int[n] the two atoms of each path (its scores clamped at A and at B)
    round to; an atom within :data:`EDGE` of a rounding edge keeps its ``previous``
    answer when that is one of the edge's two sides."""
    out = []
    for i, X in enumerate((A, B)):
        r = np.clip(np.floor(X + 0.5), lo, hi)
        if previous is not None:
            near = np.abs(X + 0.5 - np.round(X + 0.5)) < EDGE
            old = previous[i]
            r = np.where(near & (np.abs(old - X) <= 0.5 + EDGE), old, r)
        out.append(r)
    return out[0], out[1]


def answer_bounds(answer: np.ndarray, D: np.ndarray, A: np.ndarray, B: np.ndarray,
                  lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) float[n]: the interval of baseline draws b whose path ends on
    ``answer`` (lower ≥ upper when none does)."""
    tl = np.where(answer <= lo, -np.inf, answer - 0.5)
    tu = np.where(answer >= hi, np.inf, answer + 0.5)
    lower = np.where(A >= tl, -np.inf, np.where(B >= tl, tl - D, np.inf))
    upper = np.where(B < tu, np.inf, np.where(A < tu, tu - D, -np.inf))
    return lower, upper


def score_bounds(a: float, b: float, D: np.ndarray, A: np.ndarray, B: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper): the interval of baseline draws whose path clamp(b + D, A, B) lies in
    [a, b) (a may be −inf, b +inf)."""
    lower = np.where(A >= a, -np.inf, np.where(B >= a, a - D, np.inf))
    upper = np.where(B < b, np.inf, np.where(A < b, b - D, -np.inf))
    return lower, upper


__all__ = ["EDGE", "MAX_BRANCHES", "Branches", "answer_bounds", "atom_answers", "nodes", "path",
           "path_slopes", "score_bounds"]
