"""Each stage's ``advance`` and ``slope``.

Among the rows that reached stage s (their ``reached`` stage is s or later), those whose
``reached`` is later advanced. A customer advances with probability
``logistic(logit(advance) + slope × (score − score0))``, and score − score0 is the sum of
the impacts of the events that happened to them up to s — observable from the event
columns once the impacts are known (fitted from the surveys, else the spec's). So:

* when that sum is the same for every row of a group (no event before the decision, or
  no impact known), ``slope`` cannot be told from the data: k of n advanced gives
  advance ~ beta(1 + k, 1 + n − k), and the slope keeps the spec's value;
* otherwise a logistic regression of advancing on that sum (scipy.optimize, an intercept
  per advance group, a slope per slope group) with the uniform prior on ``advance`` (one
  pseudo-advance and one pseudo-stop at score = score0, which makes the no-slope case the
  beta above); the intercept's normal posterior gives advance's beta (matched moments),
  the slope's is a normal.

The sum is the clamped path's (the journey clamps the score at every stage's end, so a
customer near an end of the scale gains less than the impacts add): each row's advance
probability is averaged over Gauss–Hermite points of the fitted baseline, weighted by the
chance of having advanced at the earlier stages from there; impacts enter at their means.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from ..model import ir
from ..model.values import Beta, Normal
from .fit_cells import pack as _pack
from .fit_events import NO_ROWS, beta_value, persona_mask
from .fit_groups import FittedValue, Group, group_ref
from .table import UNKNOWN, RespondentTable

_Z95, _Z90 = 1.959963984540054, 1.6448536269514722
#: Why a slope is kept.
NO_SCORE_CHANGE = "no fitted impact varies the score before the decision"
SEPARATED = ("the score changes of those who advanced and of those who did not do not "
             "overlap (or one of them has no rows)")
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
#: Nodes of the baseline's normal the clamped score changes are averaged over.
_BNODES, _BWEIGHTS = np.polynomial.hermite_e.hermegauss(24)


def _shift(model: ir.Model, table: RespondentTable, rows: np.ndarray, stage: int,
           means: dict[tuple[int, int], float]) -> tuple[np.ndarray, np.ndarray]:
    """(score − score0 float[n], known bool[n]) of each row at the end of ``stage``."""
    d = np.zeros(table.rows)
    known = rows.copy()
    persona = table.persona
    columns = table.has_event or (True,) * len(model.events)
    for k, e in enumerate(model.events):
        if model.stage_index(e.stage) > stage or not columns[k]:
            continue
        col = table.happened[:, k]
        known &= col != UNKNOWN
        per = np.array([means[(k, q)] for q in range(len(model.personas))])
        d += np.where(col == 1, per[persona], 0.0)
    return d, known


def _overlap(d: np.ndarray, advanced: np.ndarray) -> bool:
    """Whether the score changes of those who advanced and of those who did not overlap:
    otherwise the slope separates them perfectly and runs off without bound."""
    yes, no = d[advanced], d[~advanced]
    return bool(yes.size and no.size and yes.min() < no.max() and no.min() < yes.max())


def _beta_of_logit(eta: float, se: float) -> tuple[float, float]:
    """A beta with the mean and variance of logistic(normal(eta, se²))."""
    p = special.expit(eta + se * _NODES)
    w = _WEIGHTS / _WEIGHTS.sum()
    m = float(w @ p)
    v = float(w @ (p - m) ** 2)
    if v <= 0 or m <= 0 or m >= 1:
        return 1.0 + 1e6 * m, 1.0 + 1e6 * (1 - m)
    k = m * (1 - m) / v - 1
    return m * k, (1 - m) * k


def _logistic(y: np.ndarray, w: np.ndarray, X: np.ndarray, offset: np.ndarray,
              node_w: np.ndarray):
    """Weighted logistic regression whose rows are averaged over nodes: P(y_i = 1) =
    Σ_j node_w_ij logistic(X_ij · beta + offset_ij), with ``X`` float[n, J, K], ``offset``
    and ``node_w`` float[n, J]: (coefficients, covariance)."""
    def nll(beta):
        p = special.expit(X @ beta + offset)
        P = np.clip((p * node_w).sum(axis=1), 1e-300, 1 - 1e-16)
        dP = np.einsum("ijk,ij->ik", X, p * (1 - p) * node_w)
        g = w * (y / P - (1 - y) / (1 - P))
        return (-float(w @ (y * np.log(P) + (1 - y) * np.log1p(-P))), -(g @ dP))

    def hess(beta):
        K = beta.size
        H = np.zeros((K, K))
        for i in range(K):
            h = 1e-5 * max(1.0, abs(beta[i]))
            e = np.zeros(K)
            e[i] = h
            H[:, i] = (nll(beta + e)[1] - nll(beta - e)[1]) / (2 * h)
        return (H + H.T) / 2

    res = optimize.minimize(nll, np.zeros(X.shape[2]), jac=True, method="BFGS",
                            options={"gtol": 1e-8, "maxiter": 1000})
    return res.x, np.linalg.pinv(hess(res.x))


def _spread(d: ir.Dist) -> float:
    pairs = d.outcomes()
    if isinstance(d, ir.Normal):
        return float(d.sd)
    if pairs is None:
        return 0.0
    m = sum(v * w for v, w in pairs)
    return math.sqrt(max(sum(w * (v - m) ** 2 for v, w in pairs), 0.0))


def _clamped_shift(model: ir.Model, persona: np.ndarray, bits: np.ndarray,
                   before: np.ndarray, stage: int, means, baselines) -> np.ndarray:
    """float[n, J]: score − score0 at the end of ``stage`` of rows with persona int[n] and
    events ``bits`` int8[n, len(before)], at the :data:`_BNODES` of their baseline's normal:
    the baseline draw clamped, then each stage's impact means added and clamped."""
    lo, hi = (float(x) for x in model.scale)
    sums = np.zeros((persona.size, stage + 1))
    for col, k in enumerate(before):
        if model.stage_index(model.events[k].stage) > stage:
            continue
        per = np.array([means[(k, q)] for q in range(len(model.personas))])
        sums[:, model.stage_index(model.events[k].stage)] += bits[:, col] * per[persona]
    score0 = np.clip(_baseline_nodes(baselines)[0][persona], lo, hi)
    score = score0.copy()
    for t in range(stage + 1):
        score = np.clip(score + sums[:, t:t + 1], lo, hi)
    return score - score0


def fit_stage(model: ir.Model, table: RespondentTable, use: np.ndarray, s: int,
              adv_groups: list[Group], slope_groups: list[Group],
              means: dict[tuple[int, int], float], fitted_impacts: set[int],
              baselines: list[tuple] | None = None,
              earlier: list[tuple[np.ndarray, np.ndarray]] | None = None
              ) -> list[FittedValue]:
    """The fitted values of stage ``s``'s advance groups, then its slope groups.
    ``baselines``: per persona, the baseline's (mean, sd[, discrete (value, weight)
    pairs]) the clamped score changes are integrated over (default: the spec's);
    ``earlier``: per earlier stage, the fitted (logit advance, slope) float[Q] of each
    persona, which weigh those baselines by the chance of having reached stage ``s``."""
    stage = model.stages[s]
    reached = use & (table.reached != UNKNOWN) & (table.reached >= s)
    d, known = _shift(model, table, reached, s, means)
    advanced = table.reached > s
    informs = any(k in fitted_impacts for k, e in enumerate(model.events)
                  if model.stage_index(e.stage) <= s)
    slope_free, why = [], []
    for g in slope_groups:
        rows = known & persona_mask(table, g.personas)
        varies = bool(informs and rows.any() and np.ptp(d[rows]) > 1e-12)
        slope_free.append(varies and _overlap(d[rows], advanced[rows]))
        why.append(None if varies else NO_SCORE_CHANGE)
    if not any(slope_free):
        out = []
        for g in adv_groups:
            rows = reached & persona_mask(table, g.personas)
            out.append(_count_advance(model, g, stage, rows, advanced))
        return out + [_slope_kept(model, g, stage, w or SEPARATED)
                      for g, w in zip(slope_groups, why)]
    if baselines is None:
        baselines = [(p.baseline.mean(), _spread(p.baseline),
                      p.baseline.outcomes() if isinstance(p.baseline, ir.Discrete) else None)
                     for p in model.personas]
    return _regression(model, table, stage, known, d, advanced, adv_groups, slope_groups,
                       slope_free, why, (means, baselines, earlier or []))


def _count_advance(model, g: Group, stage: ir.Stage, rows, advanced) -> FittedValue:
    ref = group_ref(model, g)
    spec = float(np.mean([stage.advance[q] for q in g.personas]))
    n = int(rows.sum())
    if n == 0:
        return FittedValue("advance", str(ref), g, spec, ref, note=NO_ROWS)
    k = int(advanced[rows].sum())
    return beta_value("advance", str(ref), g, spec, ref, 1 + k, 1 + n - k, n)


def _slope_kept(model, g: Group, stage: ir.Stage, why: str | None = None) -> FittedValue:
    ref = group_ref(model, g)
    spec = float(np.mean([stage.slope[q] for q in g.personas]))
    return FittedValue("slope", str(ref), g, spec, ref, note=why or NO_SCORE_CHANGE)


def _baseline_nodes(baselines) -> tuple[np.ndarray, np.ndarray]:
    """(values, weights) float[Q, 24]: per persona, the points its baseline is averaged
    over — the :data:`_BNODES` of its normal (mean, sd), or, for a baseline given as
    (mean, sd, [(value, weight), …]), its discrete values (the rest weighted 0)."""
    Q = len(baselines)
    V = np.zeros((Q, _BNODES.size))
    W = np.tile(_BWEIGHTS / _BWEIGHTS.sum(), (Q, 1))
    for q, b in enumerate(baselines):
        if len(b) > 2 and b[2]:
            v, w = zip(*b[2])
            V[q], W[q] = v[-1], 0.0
            V[q, :len(v)], W[q, :len(v)] = v, w
        else:
            V[q] = b[0] + b[1] * _BNODES
    return V, W


def _regression(model, table, stage, known, d, advanced, adv_groups, slope_groups,
                slope_free, why, path) -> list[FittedValue]:
    """The logistic regression of advancing on the clamped score change, averaged over the
    baseline's normal (``path``: the impact means and the baselines)."""
    Q = len(model.personas)
    A, F = len(adv_groups), sum(slope_free)
    adv_of = np.zeros(Q, dtype=int)
    for i, g in enumerate(adv_groups):
        adv_of[list(g.personas)] = i
    slope_col = np.full(Q, -1)
    fixed_slope = np.zeros(Q)
    j = 0
    for g, free in zip(slope_groups, slope_free):
        for q in g.personas:
            if free:
                slope_col[q] = j
            else:
                fixed_slope[q] = stage.slope[q]
        j += int(free)
    # cells: (persona, shift, advanced) with counts, plus the prior's pseudo-rows
    idx = np.flatnonzero(known)
    columns = table.has_event or (True,) * len(model.events)
    before = np.flatnonzero([model.stage_index(e.stage) <= model.stage_index(stage.name)
                             and has for e, has in zip(model.events, columns)])
    code = _pack((table.happened[np.ix_(idx, before)] == 1).astype(np.int8))
    key = (code * Q + table.persona[idx]) * 2 + advanced[idx]
    _, first, count = np.unique(key, return_index=True, return_counts=True)
    rows = idx[first]
    uniq = np.column_stack([table.persona[rows], d[rows], advanced[rows]]).astype(float)
    q = uniq[:, 0].astype(int)
    bits = (table.happened[np.ix_(rows, before)] == 1).astype(np.int8)
    means, baselines, earlier = path
    shift = _clamped_shift(model, q, bits, before, model.stage_index(stage.name), means,
                           baselines)
    reach = np.ones_like(shift)
    for t, (eta, kappa) in enumerate(earlier):
        d_t = _clamped_shift(model, q, bits, before, t, means, baselines)
        reach *= special.expit(eta[q][:, None] + kappa[q][:, None] * d_t)
    node_w = _baseline_nodes(baselines)[1][q] * reach
    node_w = np.r_[node_w / node_w.sum(axis=1, keepdims=True),
                   np.tile(_BWEIGHTS / _BWEIGHTS.sum(), (2 * A, 1))]
    prior_q = np.array([g.personas[0] for g in adv_groups for _ in (0, 1)], dtype=int)
    q = np.r_[q, prior_q]
    dd = np.r_[shift, np.zeros((2 * A, _BNODES.size))]
    y = np.r_[uniq[:, 2], np.tile([1.0, 0.0], A)]
    w = np.r_[count.astype(float), np.ones(2 * A)]
    X = np.zeros((q.size, _BNODES.size, A + F))
    X[np.arange(q.size), :, adv_of[q]] = 1.0
    has = np.flatnonzero(slope_col[q] >= 0)
    X[has, :, A + slope_col[q][has]] = dd[has]
    coef, cov = _logistic(y, w, X, fixed_slope[q][:, None] * dd, node_w)
    out = []
    for i, g in enumerate(adv_groups):
        ref = group_ref(model, g)
        spec = float(np.mean([stage.advance[p] for p in g.personas]))
        n = int(count[np.isin(uniq[:, 0], g.personas)].sum())
        se = math.sqrt(max(cov[i, i], 0.0))
        a, b = _beta_of_logit(coef[i], se)
        fv = beta_value("advance", str(ref), g, spec, ref, a, b, n)
        fv.posterior = Beta(a, b)
        out.append(fv)
    j = 0
    for g, free, reason in zip(slope_groups, slope_free, why):
        if not free:
            out.append(_slope_kept(model, g, stage, reason or SEPARATED))
            continue
        ref = group_ref(model, g)
        spec = float(np.mean([stage.slope[p] for p in g.personas]))
        k, se = float(coef[A + j]), math.sqrt(max(float(cov[A + j, A + j]), 0.0))
        n = int(count[np.isin(uniq[:, 0], g.personas)].sum())
        out.append(FittedValue("slope", str(ref), g, spec, ref, float(k), Normal(k, se),
                               (k - _Z95 * se, k + _Z95 * se), (k - _Z90 * se, k + _Z90 * se),
                               n))
        j += 1
    return out


__all__ = ["fit_stage"]
