"""A forecast's metrics computed for all worlds at once: the worlds' tallies stacked on a
leading world axis, every figure of :func:`cxdsl.sim.metrics.compute` as an array over
the worlds, combined as :mod:`cxdsl.sim.forecast` says — without building W Results.

It computes what :func:`~cxdsl.sim.metrics.compute` computes, world by world (the tests
compare the two): the metrics' estimates are the registry's
(:class:`~cxdsl.model.metrics.MetricSpec.estimate`, called per world and persona), the
survey figures :mod:`cxdsl.sim.surveys`' ratio estimator written over arrays.

Shapes: W worlds, Q personas, S stages, E events, K scores. ``Figure`` = (value, se), two
float64[W] arrays with NaN where a world has no figure.
"""

from __future__ import annotations

import numpy as np

from ..model import ir
from ..model.metrics import REGISTRY, PersonaStats
from .metrics import Z95, Group, LazyResult, Metric, Result, compute, metric_names
from .tallies import Tallies

_FIELDS = ("n", "weight", "score_sum", "score_sq", "hist", "reached", "advanced",
           "stage_score_sum", "event_count", "stage_score_sq", "stage_hist")


class Stacked:
    """The worlds' tallies on a leading world axis (each field float64[W, ...]), the
    persona weights normalised over the personas with customers (``wn`` [W, Q]) and the
    personas' values per world (``values`` [W, Q]: given, or read from ``models``, the
    world models, of which only the first is read otherwise)."""

    def __init__(self, tallies: list[Tallies], models, values: np.ndarray | None = None):
        stacked = getattr(tallies, "stacked", None)  # the engine's: already on a world axis
        for name in _FIELDS:
            a = (stacked[name] if stacked is not None
                 else np.stack([getattr(t, name) for t in tallies]))
            setattr(self, name, np.asarray(a, dtype=np.float64))
        self.exact = tallies[0].exact
        self.model = models[0]
        self.values = (np.array([[float(p.value) for p in m.personas] for m in models])
                       if values is None else np.asarray(values, dtype=np.float64))
        self.present = self.n > 0
        w = np.where(self.present, self.weight, 0.0)
        total = w.sum(axis=1, keepdims=True)
        self.wn = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        self.safe_n = np.where(self.present, self.n, 1.0)


def _estimates(stats: dict[tuple[int, int], PersonaStats], names, W: int, Q: int
               ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each metric's (value, per-customer variance) [W, Q] from the registry, NaN where a
    (world, persona) has no statistics."""
    where = tuple(np.array(k, dtype=np.int64) for k in zip(*stats)) if stats else None
    out = {}
    for m in names:
        estimate = REGISTRY[m].estimate
        pairs = [estimate(s) for s in stats.values()]
        v, var = np.full((W, Q), np.nan), np.full((W, Q), np.nan)
        if where is not None:
            v[where] = [x for x, _ in pairs]
            var[where] = [x for _, x in pairs]
        out[m] = (v, var)
    return out


def _python_max0(x: np.ndarray) -> np.ndarray:
    """``max(x, 0.0)`` as Python evaluates it, elementwise (x unless 0.0 > x)."""
    return np.where(0.0 > x, 0.0, x)


def _share_at_least(dist: np.ndarray, r: int, lo: int) -> np.ndarray:
    return dist[..., max(r - lo, 0):].sum(axis=-1)


def _share_at_most(dist: np.ndarray, r: int, lo: int) -> np.ndarray:
    return dist[..., :max(r - lo + 1, 0)].sum(axis=-1)


def _nps_arrays(dist, mean, var, conversion, value, scale):
    promoters = _share_at_least(dist, 9, scale[0])
    detractors = _share_at_most(dist, 6, scale[0])
    nps = promoters - detractors
    return 100.0 * nps, 1e4 * _python_max0(promoters + detractors - nps * nps)


def _csat_arrays(dist, mean, var, conversion, value, scale):
    top = _share_at_least(dist, scale[1] - 1, scale[0])
    return 100.0 * top, 1e4 * top * (1.0 - top)


#: The registry's estimates (:mod:`cxdsl.model.metrics`) over arrays of (world, persona)
#: statistics, in the same operations in the same order, so the same doubles (the
#: registry's shares add at most a few entries of a distribution, in the order NumPy adds
#: one row of it); a metric not listed goes through the registry one pair at a time.
_ARRAY_ESTIMATES = {
    "nps": _nps_arrays,
    "csat": _csat_arrays,
    "mean": lambda dist, mean, var, conversion, value, scale: (mean, var),
    "conversion": lambda dist, mean, var, conversion, value, scale: (
        conversion, conversion * (1.0 - conversion)),
    "revenue": lambda dist, mean, var, conversion, value, scale: (
        value * conversion, value * value * conversion * (1.0 - conversion)),
}


def _estimates_over(names, mask: np.ndarray, dist: np.ndarray, mean: np.ndarray,
                    var: np.ndarray, conversion: np.ndarray, values: np.ndarray,
                    scale) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """:func:`_estimates` of the (world, persona) pairs where ``mask`` [W, Q] holds, from
    their statistics over arrays (``dist`` [W, Q, K], the others [W, Q])."""
    W, Q = mask.shape
    out, slow = {}, [m for m in names if m not in _ARRAY_ESTIMATES]
    for m in names:
        if m in _ARRAY_ESTIMATES:
            v, pvar = _ARRAY_ESTIMATES[m](dist, mean, var, conversion, values, scale)
            out[m] = (np.where(mask, v, np.nan), np.where(mask, pvar, np.nan))
    if slow:
        stats = {(w, q): PersonaStats(dist[w, q], float(mean[w, q]), float(var[w, q]),
                                      float(conversion[w, q]), float(values[w, q]), scale)
                 for w, q in zip(*np.nonzero(mask))}
        out.update(_estimates(stats, slow, W, Q))
    return out


def _answers(st: Stacked, survey: ir.Survey):
    if survey.stage is None:
        return st.n, st.hist, st.score_sum, st.score_sq
    s = st.model.stage_index(survey.stage)
    return (st.reached[:, :, s], st.stage_hist[:, :, s], st.stage_score_sum[:, :, s],
            st.stage_score_sq[:, :, s])


def survey_arrays(st: Stacked, survey: ir.Survey, names: tuple[str, ...]):
    """A survey's figures over the worlds: ``{metric: {persona index or None: Figure}}``
    (``respondents`` included), distributions ``{key: float64[W, K]}`` (NaN rows where
    none) and customers asked ``{key: float64[W]}`` — :func:`surveys.survey_figures`
    over arrays."""
    model = st.model
    asked, hist, ssum, ssq = _answers(st, survey)
    W, Q = asked.shape
    goal = model.goal_index
    answered = st.present & (asked > 0)
    safe = np.where(answered, asked, 1.0)
    mean = ssum / safe
    var = np.maximum(ssq / safe - mean * mean, 0.0)
    if not st.exact:
        var = np.where(asked > 1, var * (asked / np.where(asked > 1, asked - 1, 1.0)), var)
    dist = hist / safe[:, :, None]
    conversion = st.reached[:, :, goal] / st.safe_n
    est = _estimates_over(names, answered, dist, mean, var, conversion, st.values,
                          model.scale)
    rate = np.where(st.present, asked / st.safe_n, 0.0)
    wn = st.wn
    r = (wn * rate).sum(axis=1)
    nan = np.full(W, np.nan)
    figures: dict[str, dict] = {"respondents": {None: (
        r, np.sqrt((wn ** 2 * rate * (1 - rate) / st.safe_n).sum(axis=1)))}}
    for q in range(Q):
        figures["respondents"][q] = (np.where(st.present[:, q], rate[:, q], np.nan),
                                     np.where(st.present[:, q], np.sqrt(
                                         rate[:, q] * (1 - rate[:, q]) / st.safe_n[:, q]),
                                              np.nan))
    safe_r = np.where(r > 0, r, 1.0)
    rho = np.where(answered, wn * rate / safe_r[:, None], 0.0)
    any_answer = (r > 0) & answered.any(axis=1)
    for m in names:
        v, pvar = est[m]
        vz, pz = np.where(answered, v, 0.0), np.where(answered, pvar, 0.0)
        value = (rho * vz).sum(axis=1)
        total = (wn ** 2 * (rate * pz + rate * (1 - rate) * (vz - value[:, None]) ** 2)
                 / (st.safe_n * safe_r[:, None] * safe_r[:, None]))
        total = np.where(answered, total, 0.0).sum(axis=1)
        figures[m] = {None: (np.where(any_answer, value, nan),
                             np.where(any_answer, np.sqrt(total), nan))}
        for q in range(Q):
            figures[m][q] = (np.where(answered[:, q], v[:, q], np.nan),
                             np.where(answered[:, q], np.sqrt(pz[:, q] / safe[:, q]),
                                      np.nan))
    dists = {q: np.where(answered[:, q, None], dist[:, q], np.nan) for q in range(Q)}
    dists[None] = np.where(any_answer[:, None], (rho[:, :, None] * dist).sum(axis=1),
                           np.nan)
    customers = {q: np.where(st.present[:, q], asked[:, q], 0.0) for q in range(Q)}
    customers[None] = np.where(st.present, asked, 0.0).sum(axis=1)
    return figures, dists, customers


def funnel_arrays(st: Stacked, names: tuple[str, ...]) -> dict[str, dict]:
    """The funnel metrics' figures ``{metric: {persona index or None: Figure}}``: the
    registry's estimate per world and persona, stratified over the personas."""
    model = st.model
    W, Q = st.n.shape
    goal = model.goal_index
    dist = st.hist / st.safe_n[:, :, None]
    conversion = st.reached[:, :, goal] / st.safe_n
    zero = np.zeros((W, Q))
    est = _estimates_over(names, st.present, dist, zero, zero, conversion, st.values,
                          model.scale)
    out = {}
    for m in names:
        v, var = est[m]
        vz, varz = np.where(st.present, v, 0.0), np.where(st.present, var, 0.0)
        out[m] = {None: ((st.wn * vz).sum(axis=1),
                         np.sqrt((st.wn ** 2 * varz / st.safe_n).sum(axis=1)))}
        for q in range(Q):
            out[m][q] = (np.where(st.present[:, q], v[:, q], np.nan),
                         np.where(st.present[:, q], np.sqrt(varz[:, q] / st.safe_n[:, q]),
                                  np.nan))
    return out


def bounds(st: Stacked, names) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each metric's range in each world (revenue's follows the personas' values)."""
    W = len(st.values)
    out = {"respondents": (np.zeros(W), np.ones(W))}
    rows = [tuple(row) for row in st.values.tolist()]
    for m in names:
        known: dict[tuple, tuple[float, float]] = {}  # most worlds share their values
        pairs = [known[row] if row in known else known.setdefault(
            row, REGISTRY[m].bounds(st.model.scale, row)) for row in rows]
        out[m] = (np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]))
    return out


def intervals(name: str, fig, exact: bool, bound) -> tuple[np.ndarray, ...]:
    """(value, lo, hi, se) [W] of a figure: each world's clipped 95% interval, as
    :func:`~cxdsl.sim.metrics.compute` gives it (zero width for the exact engine)."""
    v, se = fig
    if exact:
        return v, v, v, np.where(np.isnan(v), np.nan, 0.0)
    lo, hi = bound
    return v, np.maximum(lo, v - Z95 * se), np.minimum(hi, v + Z95 * se), se


def stage_event_arrays(st: Stacked):
    """Per world: reached, advanced [W, S], mean score at the end of each stage [W, S]
    (NaN where nobody reached it), event rates [W, E] and rates among those who reached
    the event's stage [W, E] (NaN where nobody did)."""
    def share(a):
        return (st.wn[:, :, None] * np.where(st.present[:, :, None], a, 0.0)
                / st.safe_n[:, :, None]).sum(axis=1)

    reached, advanced, stage_sum = share(st.reached), share(st.advanced), share(
        st.stage_score_sum)
    mean_score = np.where(reached > 0, stage_sum / np.where(reached > 0, reached, 1.0),
                          np.nan)
    rates = share(st.event_count)
    model = st.model
    at = reached[:, [model.stage_index(e.stage) for e in model.events]]
    rate_reached = np.where(at > 0, rates / np.where(at > 0, at, 1.0), np.nan)
    return reached, advanced, mean_score, rates, rate_reached


#: Most personas whose sums over arrays add in the order Python's ``sum`` adds them
#: (NumPy adds fewer than 8 items of a row one after another, more in pairs).
_SEQUENTIAL = 8


def point_results(tallies: list[Tallies], models, manifest: dict | None = None,
                  values: np.ndarray | None = None) -> list[Result]:
    """The Result of each point of one structure — what ``compute(tallies[i], models[i],
    manifest)`` gives — with the ``overall`` figures of every point computed at once over
    the stacked tallies and the rest of each Result (personas, stages, events, targets,
    surveys) only when first read (:class:`~cxdsl.sim.metrics.LazyResult`). ``models``: a
    sequence of the points' models, which may make them when asked (only the first is
    read, when ``values`` [P, Q], the personas' values, is given). With 8 or more
    personas, or no tallies, each point is computed alone."""
    if not tallies or len(models[0].personas) >= _SEQUENTIAL:
        return [compute(t, models[i], manifest) for i, t in enumerate(tallies)]
    st = Stacked(tallies, models, values)
    model = st.model
    names = metric_names(model)
    scores = tuple(m for m in names if REGISTRY[m].audience == "survey")
    funnel = tuple(m for m in names if REGISTRY[m].audience == "funnel")
    figs, dists, _asked = survey_arrays(st, model.headline_survey, scores)
    figs = {**figs, **funnel_arrays(st, funnel)}
    limits = bounds(st, names)
    P = len(st.n)
    columns = []
    for m in names:
        v, lo, hi, se = intervals(m, figs[m][None], st.exact, limits[m])
        columns.append(_metrics_of(v, lo, hi, se))
    dist = dists[None]
    known = (~np.isnan(dist).any(axis=1)).tolist()
    rows = dist.tolist()
    none = [None] * dist.shape[1]
    customers = st.n.sum(axis=1).tolist()
    out = []
    for i in range(P):
        overall = Group({m: col[i] for m, col in zip(names, columns)},
                        rows[i] if known[i] else list(none), customers[i])
        out.append(LazyResult(manifest, overall, tallies[i], models, i))
    return out


def _metrics_of(v, lo, hi, se) -> list[Metric]:
    """A Metric per point from float64[P] arrays; Metric(None, None, None) where the value
    is NaN (undefined), as :func:`~cxdsl.sim.metrics.compute` leaves it."""
    out = []
    for a, b, c, d in zip(v.tolist(), lo.tolist(), hi.tolist(), se.tolist()):
        out.append(Metric(None, None, None) if a != a else Metric(a, b, c, d))
    return out


__all__ = ["point_results", "Stacked", "survey_arrays", "funnel_arrays", "bounds", "intervals",
           "stage_event_arrays", "metric_names"]
