"""A forecast: the per-world results of a spec with ``uncertain`` values combined into one
:class:`~cxdsl.sim.metrics.Result` (DESIGN.md "Uncertain values").

For every metric, with ``v_w`` and ``se_w`` its value and standard error in world w (the
worlds where it is defined, W' of them):

* ``value`` = mean of ``v_w``: the forecast's expected value;
* ``ci95`` = value ± 1.96 × √(Σ se_w²) / W': how precisely the simulation knows that mean
  (the worlds' customers are independent), so ``--precision`` keeps its meaning;
* ``forecast95`` = the 2.5th and 97.5th percentiles of ``v_w`` (linear interpolation
  between order statistics, NumPy's default): what the metric will plausibly be.

Shares of the answer distribution, stage and event figures are means over worlds.

Simulation noise: each ``v_w`` carries its world's sampling error, which widens the spread
of the ``v_w`` by about mean(se_w²) in variance. :func:`noise` reports that share of the
headline's spread and the customers that would make it at most :data:`NEGLIGIBLE` of it
(the noise variance falls as 1/N).
"""

from __future__ import annotations

import math

import numpy as np

from .metrics import (
    Z95,
    EventResult,
    Group,
    Metric,
    Result,
    StageResult,
    SurveyResult,
    _target,
)

#: Simulation noise at least this share of the headline's spread over worlds is noted.
NOTICEABLE = 0.10
#: The share of the spread the suggested run size brings the noise down to.
NEGLIGIBLE = 0.02


def combine_metric(parts: list[Metric], exact: bool) -> Metric:
    """One metric over the worlds (see the module's docstring)."""
    got = [m for m in parts if m.value is not None]
    if not got:
        return Metric(None, None, None, None, (None, None))
    v = np.array([m.value for m in got], dtype=np.float64)
    value = float(v.mean())
    lo95, hi95 = (float(x) for x in np.percentile(v, [2.5, 97.5]))
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
    v = np.array([m.value for m in parts if m.value is not None])
    se2 = [m.se ** 2 for m in parts if m.value is not None and m.se is not None]
    if len(v) < 2 or not se2:
        return None
    spread = float(np.var(v, ddof=1))
    noise_var = float(np.mean(se2))
    share = min(1.0, noise_var / spread) if spread > 0 else (1.0 if noise_var > 0 else 0.0)
    customers = None
    if share > NEGLIGIBLE:
        signal = max(spread - noise_var, 0.0)
        run = int(result.manifest.get("customers") or 0)
        if signal > 0 and run > 0:
            wanted = NEGLIGIBLE / (1 - NEGLIGIBLE) * signal
            need = run * noise_var / wanted
            digits = max(0, int(math.floor(math.log10(need))) - 1)
            customers = int(math.ceil(need / 10 ** digits) * 10 ** digits)
    return {"metric": metric, "share": share, "noticeable": share >= NOTICEABLE,
            "customers": customers}


__all__ = ["combine", "combine_metric", "combine_group", "noise", "NOTICEABLE",
           "NEGLIGIBLE"]
