"""A forecast: the per-world results of a spec with ``uncertain`` values combined into one
:class:`~cxdsl.sim.metrics.Result` (DESIGN.md "Uncertain values").

For every metric, with ``v_w`` and ``se_w`` its value and standard error in world w (the
worlds where it is defined, W' of them):

* ``value`` = mean of ``v_w``: the forecast's expected value;
* ``ci95`` = value ± 1.96 × √(Σ se_w²) / W': how precisely the simulation knows that mean
  (the worlds' customers are independent), so ``--precision`` keeps its meaning;
* ``forecast95`` = the 2.5th and 97.5th percentiles of ``v_w`` (:func:`percentiles`:
  linear interpolation between order statistics): what the metric will plausibly be.

Shares of the answer distribution, stage and event figures are means over worlds.

Simulation noise: each ``v_w`` carries its world's sampling error, which widens the spread
of the ``v_w`` by about mean(se_w²) in variance. :func:`noise` reports that share of the
headline's spread and the customers that would make it at most :data:`NEGLIGIBLE` of it
(the noise variance falls as 1/N).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..model.metrics import REGISTRY
from . import world_arrays as wa
from .metrics import (
    Z95,
    EventResult,
    Group,
    Metric,
    Result,
    StageResult,
    SurveyResult,
    _target,
    compute,
)

#: Simulation noise at least this share of the headline's spread over worlds is noted.
NOTICEABLE = 0.10
#: The share of the spread the suggested run size brings the noise down to.
NEGLIGIBLE = 0.02


def percentiles(values: np.ndarray, levels=(2.5, 97.5)) -> tuple[float, ...]:
    """The ``levels`` (in percent) of ``values`` (float64[n], n ≥ 1, no NaN) by linear
    interpolation between order statistics: with x sorted and h = (n − 1) · level / 100,
    x[⌊h⌋] + (h − ⌊h⌋) · (x[⌊h⌋ + 1] − x[⌊h⌋]) — the definition of NumPy's default
    percentile, computed in one sort for every level."""
    x = np.sort(values).tolist()
    n = len(x)
    out = []
    for level in levels:
        h = (n - 1) * (level / 100.0)
        i = min(int(math.floor(h)), n - 1)
        t = h - i
        a, b = x[i], x[min(i + 1, n - 1)]
        out.append(a + (b - a) * t)
    return tuple(out)


def combine_metric(parts: list[Metric], exact: bool) -> Metric:
    """One metric over the worlds (see the module's docstring)."""
    got = [m for m in parts if m.value is not None]
    if not got:
        return Metric(None, None, None, None, (None, None))
    v = np.array([m.value for m in got], dtype=np.float64)
    value = float(v.mean())
    lo95, hi95 = percentiles(v)
    if exact:
        return Metric(value, value, value, 0.0, (lo95, hi95))
    se = math.sqrt(math.fsum((m.se or 0.0) ** 2 for m in got)) / len(got)
    # the interval stays inside what the worlds' own intervals allow (a metric's range)
    lo = min(m.lo for m in got if m.lo is not None) if all(m.lo is not None for m in got) \
        else None
    hi = max(m.hi for m in got if m.hi is not None) if all(m.hi is not None for m in got) \
        else None
    ci_lo, ci_hi = value - Z95 * se, value + Z95 * se
    if lo is not None:
        ci_lo = max(ci_lo, min(lo, value))
    if hi is not None:
        ci_hi = min(ci_hi, max(hi, value))
    return Metric(value, ci_lo, ci_hi, se, (lo95, hi95))


def _mean(xs: list) -> float | None:
    got = [x for x in xs if x is not None]
    return float(np.mean(got)) if got else None


def combine_group(parts: list[Group], exact: bool) -> Group:
    metrics = {name: combine_metric([g.metrics[name] for g in parts], exact)
               for name in parts[0].metrics}
    K = len(parts[0].distribution)
    dist = [_mean([g.distribution[k] for g in parts]) for k in range(K)]
    return Group(metrics, dist, float(sum(g.customers for g in parts)))


def combine(worlds: list[Result], manifest: dict, draws: np.ndarray) -> Result:
    """The forecast of the per-world results ``worlds`` (all of one model's structure),
    with ``manifest`` (which should carry ``worlds``) and the world ``draws``."""
    first = worlds[0]
    exact = first.exact
    overall = combine_group([r.overall for r in worlds], exact)
    personas = {name: combine_group([r.personas[name] for r in worlds], exact)
                for name in first.personas}
    surveys = {}
    for name, s in first.surveys.items():
        parts = [r.surveys[name] for r in worlds]
        surveys[name] = SurveyResult(
            s.name, s.label, s.stage, s.implicit,
            combine_group([p.overall for p in parts], exact),
            {q: combine_group([p.personas[q] for p in parts], exact) for q in s.personas})
    stages = [StageResult(st.name, st.label,
                          _mean([r.stages[i].reached for r in worlds]),
                          _mean([r.stages[i].advanced for r in worlds]),
                          _mean([r.stages[i].mean_score for r in worlds]))
              for i, st in enumerate(first.stages)]
    events = [EventResult(ev.name, ev.label, ev.stage,
                          _mean([r.events[i].rate for r in worlds]),
                          _mean([r.events[i].rate_reached for r in worlds]))
              for i, ev in enumerate(first.events)]
    model = first.model
    targets = ([_target(t, overall, personas, surveys) for t in model.targets]
               if model is not None else [])
    for i, target in enumerate(targets):
        target.worlds_met = sum(r.targets[i].met for r in worlds) / len(worlds)
    out = Result(dict(manifest), overall, personas, stages, events, targets, surveys,
                 exact=exact, model=model, tallies=None, worlds=worlds, draws=draws)
    out.noise = noise(out)
    return out


def combine_values(v: np.ndarray, lo: np.ndarray, hi: np.ndarray, se: np.ndarray,
                   exact: bool) -> Metric:
    """:func:`combine_metric` of the worlds' (value, lo, hi, se) float64[W] arrays, NaN
    where a world has no value: the same numbers, without a Metric per world."""
    ok = ~np.isnan(v)
    if not ok.any():
        return Metric(None, None, None, None, (None, None))
    got = v[ok]
    value = float(got.mean())
    lo95, hi95 = percentiles(got)
    if exact:
        return Metric(value, value, value, 0.0, (lo95, hi95))
    s = se[ok]
    sd = math.sqrt(math.fsum((s * s).tolist())) / len(got)  # the same squares, in NumPy
    ci_lo = max(value - Z95 * sd, min(float(lo[ok].min()), value))
    ci_hi = min(value + Z95 * sd, max(float(hi[ok].max()), value))
    return Metric(value, ci_lo, ci_hi, sd, (lo95, hi95))


def _column_means(a: np.ndarray) -> list[float | None]:
    """The mean over the worlds (rows) of each column, over the worlds that have it: each
    column's ``mean()`` — the columns every world has at once, each a contiguous row of
    the transposed copy, which NumPy sums as it sums the column alone."""
    missing = np.isnan(a).any(axis=0)
    out = np.ascontiguousarray(a.T).mean(axis=1).tolist() if len(a) else [None] * a.shape[1]
    for k in np.nonzero(missing)[0].tolist():
        got = a[~np.isnan(a[:, k]), k]
        out[k] = float(got.mean()) if len(got) else None
    return out


class LazyWorlds(Sequence):
    """The per-world Results of a forecast, each computed from its tallies when first
    asked for (a forecast's figures come from :mod:`.world_arrays`, not from these)."""

    def __init__(self, tallies, models):
        # ``models`` may make its world models when asked (WorldModels): not listed here
        self._tallies, self._models = list(tallies), models
        self._done: dict[int, Result] = {}

    def __len__(self) -> int:
        return len(self._tallies)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._done:
            self._done[i] = compute(self._tallies[i], self._models[i], {})
        return self._done[i]


def combine_tallies(tallies: list, models, manifest: dict, draws: np.ndarray,
                    values: np.ndarray | None = None) -> Result:
    """The forecast of the worlds' ``tallies`` of ``models`` (one per world, a sequence
    that may make them when asked: :class:`~cxdsl.sim.worlds.WorldModels`): what
    :func:`combine` of their computed Results gives, computed over arrays. ``values``
    [W, Q]: the personas' values per world, when the models are not to be made."""
    st = wa.Stacked(tallies, models, values)
    model = st.model
    names = wa.metric_names(model)
    scores = tuple(m for m in names if REGISTRY[m].audience == "survey")
    funnel = tuple(m for m in names if REGISTRY[m].audience == "funnel")
    bounds = wa.bounds(st, names)

    def group(figs: dict, keys, key, dist, customers) -> Group:
        metrics = {}
        for m in keys:
            v, lo, hi, se = wa.intervals(m, figs[m][key], st.exact, bounds[m])
            metrics[m] = combine_values(v, lo, hi, se, st.exact)
        return Group(metrics, _column_means(dist), float(customers.sum()))

    surveys, headline_figs, survey_figs = {}, None, {}
    for survey in model.all_surveys:
        figs, dists, asked = wa.survey_arrays(st, survey, scores)
        survey_figs[survey.name] = figs
        keys = ("respondents", *scores)
        surveys[survey.name] = SurveyResult(
            survey.name, survey.label, survey.stage, survey.implicit,
            group(figs, keys, None, dists[None], asked[None]),
            {p.name: group(figs, keys, q, dists[q], asked[q])
             for q, p in enumerate(model.personas)})
        if headline_figs is None:
            headline_figs = (figs, dists)
    figs = {**headline_figs[0], **wa.funnel_arrays(st, funnel)}
    dists = headline_figs[1]
    overall = group(figs, names, None, dists[None], st.n.sum(axis=1))
    personas = {p.name: group(figs, names, q, dists[q], st.n[:, q])
                for q, p in enumerate(model.personas)}
    reached, advanced, mean_score, rates, rate_reached = wa.stage_event_arrays(st)
    means = [_column_means(a) for a in (reached, advanced, mean_score, rates,
                                        rate_reached)]
    stages = [StageResult(s.name, s.label, means[0][i], means[1][i], means[2][i])
              for i, s in enumerate(model.stages)]
    events = [EventResult(e.name, e.label, e.stage, means[3][k], means[4][k])
              for k, e in enumerate(model.events)]
    targets = [_target(t, overall, personas, surveys) for t in model.targets]
    for target in targets:
        v = _target_values(target.target, model, survey_figs.get(target.target.survey,
                                                                 figs))
        target.worlds_met = float(np.mean([not np.isnan(x) and target.target.met(x)
                                           for x in v.tolist()]))
    head = "nps" if "nps" in overall.metrics else "mean"
    out = Result(dict(manifest), overall, personas, stages, events, targets, surveys,
                 exact=st.exact, model=model, tallies=None,
                 worlds=LazyWorlds(tallies, models), draws=draws)
    out.world_metrics = {}
    for m in names:
        v, _lo, _hi, se = wa.intervals(m, figs[m][None], st.exact, bounds[m])
        out.world_metrics[m] = (v, se)
    hv, hse = figs[head][None]
    out.noise = noise_of(hv, hse, st.exact, head, int(manifest.get("customers") or 0))
    return out


def _target_values(target, model, figs: dict) -> np.ndarray:
    """The worlds' values of the metric a target judges, from its group's figures
    ``figs`` (NaN where undefined, as :func:`~cxdsl.sim.metrics._target` reads it)."""
    names = [p.name for p in model.personas]
    if target.metric not in figs or (target.persona is not None
                                     and target.persona not in names):
        return np.full(len(next(iter(figs.values()))[None][0]), np.nan)
    key = None if target.persona is None else names.index(target.persona)
    return figs[target.metric][key][0]


def noise(result: Result, metric: str | None = None) -> dict | None:
    """The simulation noise in ``metric``'s spread over the worlds (default the
    headline): ``{"metric", "share", "noticeable", "customers"}`` — the share of the
    spread's variance that is noise, whether it is at least :data:`NOTICEABLE`, and the
    customers that would bring it to :data:`NEGLIGIBLE` (None when it already is). None
    for the exact engine, or with fewer than two worlds."""
    worlds = result.worlds or []
    metric = metric or result.headline
    if result.exact or len(worlds) < 2:
        return None
    parts = [r.metric(metric) for r in worlds]
    v = np.array([np.nan if m.value is None else m.value for m in parts])
    se = np.array([np.nan if m.se is None else m.se for m in parts])
    return noise_of(v, se, result.exact, metric, int(result.manifest.get("customers") or 0))


def noise_of(v: np.ndarray, se: np.ndarray, exact: bool, metric: str, run: int
             ) -> dict | None:
    """:func:`noise` of the worlds' values and standard errors of ``metric`` (float64[W],
    NaN where undefined) in a run of ``run`` customers."""
    if exact:
        return None
    ok = ~np.isnan(v)
    values, se2 = v[ok], [x * x for x in se[ok & ~np.isnan(se)].tolist()]
    if len(values) < 2 or not se2:
        return None
    spread = float(np.var(values, ddof=1))
    noise_var = float(np.mean(se2))
    share = min(1.0, noise_var / spread) if spread > 0 else (1.0 if noise_var > 0 else 0.0)
    customers = None
    if share > NEGLIGIBLE:
        signal = max(spread - noise_var, 0.0)
        if signal > 0 and run > 0:
            wanted = NEGLIGIBLE / (1 - NEGLIGIBLE) * signal
            need = run * noise_var / wanted
            digits = max(0, int(math.floor(math.log10(need))) - 1)
            customers = int(math.ceil(need / 10 ** digits) * 10 ** digits)
    return {"metric": metric, "share": share, "noticeable": share >= NOTICEABLE,
            "customers": customers}


__all__ = ["percentiles", "combine", "combine_metric", "combine_group", "combine_tallies",
           "combine_values", "LazyWorlds", "noise", "noise_of", "NOTICEABLE", "NEGLIGIBLE"]
