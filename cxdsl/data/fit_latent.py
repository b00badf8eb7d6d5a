"""The ``p`` of an event whose condition reads the score, through the fitted score model.

A row does not show the running score, so whether such a condition held is not observed.
The fitted score model gives its chance: when event e is considered, a row of persona q
whose earlier events are x has the running score of the clamped path (:mod:`fit_paths`):
the baseline draw b ~ normal(mu_q, sigma_q²) clamped, each completed stage's impact means
added and clamped, then the earlier events of e's own stage added. The condition — its
event references read from the row — holds on intervals of that score, which the path maps
to intervals of b, of probability pi (exact for constant impacts; impacts with a spread
enter as weighted branches). The event happened to k_c of the n_c rows of each (persona,
earlier events) cell, so

    L(p) = prod_c (pi_c p)^k_c (1 − pi_c p)^(n_c − k_c)

with the uniform prior on p; the posterior is computed on a grid and written as the beta
with its mean and variance. The score model's own uncertainty is left out (its values are
plugged in), so the interval is somewhat narrow when few answers inform the score model.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..model import ir
from ..model.values import Beta
from .fit_cells import pack
from .fit_events import NO_ROWS, persona_mask, reads_score
from .fit_groups import FittedValue
from .fit_mixture import holds
from .fit_paths import nodes, path, score_bounds
from .fit_scores import spread
from .table import UNKNOWN, RespondentTable

_GRID = (np.arange(4000) + 0.5) / 4000


def _thresholds(c: ir.Cond | None, out: list[float]) -> list[float]:
    if isinstance(c, ir.ScoreCmp):
        out.append(float(c.value))
    elif isinstance(c, ir.Not):
        _thresholds(c.operand, out)
    elif isinstance(c, (ir.And, ir.Or)):
        for o in c.operands:
            _thresholds(o, out)
    return out


def path_chance(fitted: ir.Model, event: ir.Event, q: int, done: list[int]) -> float:
    """P(``event``'s condition holds when it is considered) for a customer of persona
    ``q`` to whom the events ``done`` (indices) happened: the baseline draw ~ normal (the
    fitted baseline's mean and spread) clamped, each completed stage's impacts added and
    clamped, then the impacts of the earlier events at ``event``'s own stage added (the
    clamp comes at the stage's end). Impacts with a spread enter as :func:`nodes`
    branches; per branch the condition holds on intervals of the score, which the path
    maps to intervals of the baseline draw (exact for constant impacts)."""
    lo, hi = (float(x) for x in fitted.scale)
    stage = fitted.stage_index(event.stage)
    base = fitted.personas[q].baseline
    tilted = [j for j in _before(fitted, event) if reads_score(fitted.events[j].when)]
    if tilted:
        return _tilted_chance(fitted, event, q, done, tilted)
    mu, sd = base.mean(), spread(base)
    pairs = base.outcomes() if isinstance(base, ir.Discrete) else None
    sums = np.zeros((1, max(stage, 1)))
    partial = np.zeros(1)
    weight = np.ones(1)
    for j in done:
        d = fitted.events[j].impact[q]
        off, w = nodes(d)
        t = fitted.stage_index(fitted.events[j].stage)
        sums = np.repeat(sums, off.size, axis=0)
        partial = np.repeat(partial, off.size)
        step = np.tile(d.mean() + off, weight.size)
        if t < stage:
            sums[:, t] += step
        else:
            partial = partial + step
        weight = np.repeat(weight, off.size) * np.tile(w, weight.size)
    D, A, B = path(sums[:, :stage], lo, hi) if stage else (
        np.zeros(weight.size), np.full(weight.size, lo), np.full(weight.size, hi))
    happened = frozenset(fitted.events[j].name for j in done)
    cuts = sorted(set(_thresholds(event.when, [])))
    edges = [-np.inf, *cuts, np.inf]
    total = np.zeros(weight.size)
    for a, b in zip(edges[:-1], edges[1:]):
        mid = (a + b) / 2 if np.isfinite(a) and np.isfinite(b) else (
            b - 1.0 if np.isfinite(b) else (a + 1.0 if np.isfinite(a) else 0.0))
        if not ir.cond_holds(event.when, happened, mid):
            continue
        low, up = score_bounds(a - partial, b - partial, D, A, B)
        if pairs is not None:  # a discrete baseline: its values' weights
            total += sum(w * ((low <= x) & (x < up)) for x, w in pairs)
        elif sd > 0:
            total += np.where(low < up, ndtr((up - mu) / sd) - ndtr((low - mu) / sd), 0.0)
        else:
            total += (low <= mu) & (mu < up)
    return float(weight @ total)


#: Points of the baseline's normal where earlier events' conditions read the score.
_Z = np.linspace(-8.0, 8.0, 3201)


def _tilted_chance(fitted: ir.Model, event: ir.Event, q: int, done: list[int],
                   tilted: list[int]) -> float:
    """:func:`path_chance` when earlier events ``tilted`` read the score too: what they
    did (happened, or not) says where the baseline draw lies, so the chance is
    integrated over the baseline weighted by their chances on each draw's running score
    — p or 1 − p where a condition held, 1 or 0 (as it did not or did happen) where it
    did not. The draw runs over 3,201 points of its normal (its values, for a discrete
    baseline); impacts enter at their means."""
    lo, hi = (float(x) for x in fitted.scale)
    base = fitted.personas[q].baseline
    if isinstance(base, ir.Discrete):
        b = np.array(base.values, dtype=float)
        w = np.array(base.weights, dtype=float)
    else:
        b = base.mean() + spread(base) * _Z
        w = np.exp(-0.5 * _Z ** 2)
    names = {e.name: k for k, e in enumerate(fitted.events)}
    x = np.zeros((1, len(fitted.events)), dtype=np.int8)
    x[0, list(done)] = 1
    for j in tilted:
        s = _running(fitted, fitted.events[j], q, x, b, lo, hi)
        ok = holds(fitted.events[j].when, np.repeat(x, b.size, axis=0), names, s)
        pj = fitted.events[j].p[q]
        w = w * (np.where(ok, pj, 0.0) if x[0, j] else np.where(ok, 1 - pj, 1.0))
    if w.sum() <= 0:
        return 0.0
    s = _running(fitted, event, q, x, b, lo, hi)
    ok = holds(event.when, np.repeat(x, b.size, axis=0), names, s)
    return float(w @ ok / w.sum())


def _running(fitted: ir.Model, event: ir.Event, q: int, x: np.ndarray, b: np.ndarray,
             lo: float, hi: float) -> np.ndarray:
    """float[n]: the running score when ``event`` is considered, from baseline draws
    ``b``, for a row whose events ``x`` int8[1, E] happened (impact means)."""
    t = fitted.stage_index(event.stage)
    s = np.clip(b, lo, hi)
    stage_of = [fitted.stage_index(e.stage) for e in fitted.events]
    for u in range(t):
        d = sum(e.impact[q].mean() for k, e in enumerate(fitted.events)
                if stage_of[k] == u and x[0, k])
        s = np.clip(s + d, lo, hi)
    for k, e in enumerate(fitted.events):
        if e.name == event.name:
            break
        if stage_of[k] == t and x[0, k]:
            s = s + e.impact[q].mean()
    return s


def _before(model: ir.Model, event: ir.Event) -> list[int]:
    """Indices of the events a customer has passed when ``event`` is considered."""
    out = []
    for k, e in enumerate(model.events):
        if e.name == event.name:
            break
        if model.stage_index(e.stage) <= model.stage_index(event.stage):
            out.append(k)
    return out


def fit_latent_p(model: ir.Model, fitted: ir.Model, table: RespondentTable, use: np.ndarray,
                 fv: FittedValue) -> FittedValue:
    """``fv`` (an event's ``p`` kept for its score condition) fitted through ``fitted``'s
    score model; unchanged when no row informs it."""
    event = model.event(fv.group.target)
    k_index = model.events.index(event)
    before = _before(model, event)
    columns = table.has_event or (True,) * len(model.events)
    if not columns[k_index] or not all(columns[k] for k in before):
        return fv
    col = table.happened[:, k_index]
    rows = (use & persona_mask(table, fv.group.personas) & (table.reached != UNKNOWN)
            & (table.reached >= model.stage_index(event.stage)) & (col != UNKNOWN))
    if before:
        rows &= (table.happened[:, before] != UNKNOWN).all(axis=1)
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return fv
    bits = (table.happened[np.ix_(idx, before)] == 1).astype(np.int8)
    key = pack(bits) * len(model.personas) + table.persona[idx]
    _, first, inverse, n = np.unique(key, return_index=True, return_inverse=True,
                                     return_counts=True)
    k = np.bincount(inverse.reshape(-1), weights=(col[idx] == 1), minlength=n.size)
    pi = np.empty(n.size)
    for c, r in enumerate(idx[first]):
        q = int(table.persona[r])
        done = [j for j, b in zip(before, bits[first[c]]) if b]
        pi[c] = path_chance(fitted, event, q, done)
    # cells that had the event where the score model's points of the impacts' spreads
    # never meet the condition (its tails are cut): left out, and counted
    unreached = (k > 0) & (pi <= 0)
    if (k > 0).any() and unreached[k > 0].all():
        return fv
    left_out = int(n[unreached].sum())
    n, k, pi = n[~unreached], k[~unreached], pi[~unreached]
    with np.errstate(divide="ignore"):
        logpost = (k @ np.log(np.outer(pi, _GRID) + 1e-300)
                   + (n - k) @ np.log1p(-np.outer(pi, _GRID)))
    post = np.exp(logpost - logpost.max())
    post /= post.sum()
    mean = float(post @ _GRID)
    var = float(post @ (_GRID - mean) ** 2)
    if var <= 0 or float(n @ pi) < 1.0:
        fv.note = NO_ROWS
        return fv
    s = mean * (1 - mean) / var - 1
    a, b = mean * s, (1 - mean) * s
    cdf = np.cumsum(post)
    q = [float(_GRID[min(np.searchsorted(cdf, u), _GRID.size - 1)])
         for u in (0.025, 0.975, 0.05, 0.95)]
    fv.fitted, fv.posterior, fv.rows, fv.note = mean, Beta(a, b), int(n.sum()), None
    fv.ci95, fv.ci90 = (q[0], q[1]), (q[2], q[3])
    fv.extra["caveat"] = ("its condition reads the score: fitted through the score model "
                          f"(about {float(n @ pi):,.0f} of its rows met the condition)")
    if left_out:
        fv.extra["caveat"] += (f"; {left_out:,} rows whose path the score model cannot bring "
                               "to the condition are left out")
    return fv


__all__ = ["fit_latent_p", "path_chance"]
