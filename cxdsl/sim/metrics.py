"""Metrics: raw :class:`~cxdsl.sim.tallies.Tallies` of a model in, a :class:`Result` out.

Definitions (DESIGN.md "Meaning" and "Surveys"), on rounded scores ``r = floor(score +
0.5)``. Score metrics are over a survey's respondents (:mod:`cxdsl.sim.surveys`: who is
asked, respondent weighting and the ratio estimator's interval):

* ``respondents``: share of all customers who are asked;
* ``mean``: mean score of the answers (unrounded);
* ``distribution``: share of each r from LO to HI;
* ``nps`` = 100 × (share r ≥ 9 − share r ≤ 6), only on a 0..10 scale;
* ``csat`` = 100 × share r ≥ HI − 1 (top-two-box).

Funnel metrics are over every customer who entered:

* ``conversion``: share that reached the goal stage;
* ``revenue``: mean over customers of the persona's value, counted for converted customers.

``overall`` and each persona's block carry the headline survey's score metrics and the
funnel metrics; ``surveys`` carries every survey.

Intervals are 95% normal approximations, ``value ± 1.96 × se``, clipped to the metric's
range. For a funnel metric, per persona ``se² = var / n`` with ``var`` the per-customer
variance of the metric's indicator, and overall ``Σ w_q m_q`` with ``se² = Σ w_q² var_q /
n_q`` — the stratified estimator, since each persona gets an exact share of the customers.
For the exact engine every interval is ``[value, value]``.

Per stage: share of all customers who reached it, share who advanced past it (the last
stage has no advance: 0), mean score at the end of the stage among those who reached it
(None when nobody did). Per event: share of all customers it happened to (``rate``) and of
those who reached its stage (``rate_reached``, None when nobody did).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from ..model import ir
from ..model.metrics import METRICS, REGISTRY, PersonaStats, headline_for, metrics_for
from .surveys import SurveyFigures, survey_figures
from .tallies import Tallies

Z95 = 1.959963984540054
#: Order of the metrics in every Result and every JSON object.
METRIC_ORDER = METRICS


def headline_metric(model: ir.Model) -> str:
    """The metric ``--precision`` watches and reports lead with: nps on a 0..10 scale,
    otherwise the mean score."""
    return headline_for(model.scale)


def metric_names(model: ir.Model) -> tuple[str, ...]:
    return metrics_for(model.scale)


def _float(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass
class Metric:
    """A value with its 95% interval and standard error (None where undefined)."""

    value: float | None
    lo: float | None
    hi: float | None
    se: float | None = None
    #: (2.5th, 97.5th percentile) over the worlds of a forecast; None without worlds
    forecast: tuple[float | None, float | None] | None = None

    @property
    def half_width(self) -> float | None:
        if self.lo is None or self.hi is None or self.se is None:
            return None
        return Z95 * self.se

    def to_dict(self) -> dict:
        out = {"value": _float(self.value), "ci95": [_float(self.lo), _float(self.hi)]}
        if self.forecast is not None:
            out["forecast95"] = [_float(self.forecast[0]), _float(self.forecast[1])]
        return out


@dataclass
class Group:
    """The metrics of one persona or of the whole population (of a survey: its
    respondents). ``distribution``: shares of LO..HI of the survey's answers."""

    metrics: dict[str, Metric]
    distribution: list[float | None]
    customers: float  # customers behind these figures (exact engine: 1 per persona);
                      #   of a survey's group: its respondents

    def __getitem__(self, name: str) -> Metric:
        return self.metrics[name]

    def to_dict(self) -> dict:
        out: dict = {name: m.to_dict() for name, m in self.metrics.items()}
        out["distribution"] = [_float(x) for x in self.distribution]
        return out


@dataclass
class StageResult:
    name: str
    label: str | None
    reached: float
    advanced: float
    mean_score: float | None

    def to_dict(self) -> dict:
        return {"name": self.name, "reached": _float(self.reached),
                "advanced": _float(self.advanced), "mean_score": _float(self.mean_score)}


@dataclass
class EventResult:
    """``rate``: share of all customers the event happened to; ``rate_reached``: share of
    those who reached its stage (None when nobody did)."""

    name: str
    label: str | None
    stage: str
    rate: float
    rate_reached: float | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "rate": _float(self.rate),
                "rate_reached": _float(self.rate_reached)}


@dataclass
class SurveyResult:
    """One survey: its stage (None: at end), and ``respondents`` with the score metrics of
    its answers over all respondents (``overall``) and per persona."""

    name: str
    label: str | None
    stage: str | None
    implicit: bool
    overall: Group
    personas: dict[str, Group]

    def to_dict(self) -> dict:
        return {"stage": self.stage, "overall": self.overall.to_dict(),
                "personas": {name: g.to_dict() for name, g in self.personas.items()}}


@dataclass
class TargetResult:
    """A target judged on the metric's value; in a forecast, ``worlds_met`` is the share
    of worlds whose value meets it (None without worlds)."""

    target: ir.Target
    value: float | None
    met: bool
    worlds_met: float | None = None

    def to_dict(self) -> dict:
        out = {"target": str(self.target), "value": _float(self.value), "met": self.met}
        if self.worlds_met is not None:
            out["worlds_met"] = _float(self.worlds_met)
        return out


@dataclass
class Result:
    """Everything one run forecast. ``to_dict()`` is the ``cxdsl run --json`` document."""

    manifest: dict
    overall: Group
    personas: dict[str, Group]
    stages: list[StageResult]
    events: list[EventResult]
    targets: list[TargetResult]
    surveys: dict[str, SurveyResult] = field(default_factory=dict)
    exact: bool = False
    model: ir.Model | None = field(default=None, repr=False, compare=False)
    tallies: Tallies | None = field(default=None, repr=False, compare=False)
    #: a forecast's per-world results, and draws float64[W, U] (model.uncertain order)
    worlds: list[Result] | None = field(default=None, repr=False, compare=False)
    draws: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: a forecast's simulation noise in the headline's spread (:mod:`cxdsl.sim.forecast`)
    noise: dict | None = field(default=None, repr=False, compare=False)
    #: a forecast's per-world figures of each overall metric: name -> (value, se), two
    #: float64[W] arrays (NaN where a world has no value; se 0 for the exact engine)
    world_metrics: dict | None = field(default=None, repr=False, compare=False)

    @property
    def headline(self) -> str:
        return "nps" if "nps" in self.overall.metrics else "mean"

    @property
    def targets_met(self) -> bool:
        return all(t.met for t in self.targets)

    @property
    def missed(self) -> list[TargetResult]:
        return [t for t in self.targets if not t.met]

    @property
    def headline_survey(self) -> SurveyResult | None:
        """The survey whose answers ``overall`` and the persona blocks report."""
        return next(iter(self.surveys.values()), None)

    def metric(self, name: str, persona: str | None = None, survey: str | None = None
               ) -> Metric:
        """A metric over everyone (or ``persona``); with ``survey``, over that survey's
        respondents (``respondents`` or a score metric)."""
        if survey is not None:
            s = self.surveys[survey]
            group = s.overall if persona is None else s.personas[persona]
        else:
            group = self.overall if persona is None else self.personas[persona]
        return group.metrics[name]

    def half_width(self, name: str | None = None, persona: str | None = None) -> float:
        """95% half-width of a metric (default: the headline metric); 0 for the exact
        engine, inf while it is undefined."""
        hw = self.metric(name or self.headline, persona).half_width
        return math.inf if hw is None else hw

    def to_dict(self) -> dict:
        return {
            "manifest": dict(self.manifest),
            "overall": self.overall.to_dict(),
            "personas": {name: g.to_dict() for name, g in self.personas.items()},
            "stages": [s.to_dict() for s in self.stages],
            "events": [e.to_dict() for e in self.events],
            "targets": [t.to_dict() for t in self.targets],
            "surveys": {name: s.to_dict() for name, s in self.surveys.items()},
        } | ({"noise": dict(self.noise)} if self.noise is not None else {})

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False,
                          allow_nan=False)


#: The parts of a :class:`LazyResult` computed when first read.
_LAZY_PARTS = ("personas", "stages", "events", "targets", "surveys")


class LazyResult(Result):
    """A :class:`Result` of which ``overall`` is given (computed with other points' over
    arrays: :func:`cxdsl.sim.world_arrays.point_results`) and the other parts are computed
    from ``tallies`` by :func:`compute` when one of them is first read; equal to the
    Result ``compute`` gives. Its model is ``models[index]``, read when first needed (a
    sweep's point models may be made on demand)."""

    def __init__(self, manifest: dict | None, overall: Group, tallies: Tallies, models,
                 index: int):
        self.manifest = dict(manifest or {})
        self.overall = overall
        self.exact = tallies.exact
        self.tallies = tallies
        self._source = (models, index)

    @property
    def model(self) -> ir.Model:
        models, index = self._source
        return models[index]

    @model.setter
    def model(self, model: ir.Model) -> None:
        self._source = ((model,), 0)

    def __getattr__(self, name: str):
        if name not in _LAZY_PARTS:
            raise AttributeError(name)
        full = compute(self.tallies, self.model, self.manifest)
        for part in _LAZY_PARTS:
            setattr(self, part, getattr(full, part))
        return getattr(self, name)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f)
                   for f in ("manifest", "overall", *_LAZY_PARTS, "exact"))

    __hash__ = None


# ---------------------------------------------------------------------- computing


def _funnel(t: Tallies, model: ir.Model, q: int, names: tuple[str, ...]
            ) -> dict[str, tuple[float, float]]:
    """(value, per-customer variance) of each funnel metric for persona q (n[q] > 0)."""
    n = float(t.n[q])
    stats = PersonaStats(t.hist[q] / n, 0.0, 0.0, float(t.reached[q, model.goal_index] / n),
                         float(model.personas[q].value), model.scale)
    return {m: REGISTRY[m].estimate(stats) for m in names}


def _survey_groups(fig: SurveyFigures, model: ir.Model, names: tuple[str, ...],
                   interval, K: int) -> tuple[Group, dict[str, Group]]:
    """The Groups of one survey: over all respondents, and per persona."""
    def group(key: int | None) -> Group:
        if key is not None and key not in fig.asked:  # a persona without customers
            return Group({m: Metric(None, None, None) for m in ("respondents", *names)},
                         [None] * K, 0.0)
        metrics = {}
        for m in ("respondents", *names):
            got = fig.values[m][key]
            metrics[m] = Metric(None, None, None) if got is None else interval(m, *got)
        dist = fig.distribution[key]
        return Group(metrics, [None] * K if dist is None else [float(x) for x in dist],
                     fig.asked[key])

    return group(None), {p.name: group(q) for q, p in enumerate(model.personas)}


def compute(tallies: Tallies, model: ir.Model, manifest: dict | None = None) -> Result:
    """The Result of ``model`` from its tallies. ``manifest`` is copied as given."""
    t = tallies
    names = metric_names(model)
    score_names = tuple(m for m in names if REGISTRY[m].audience == "survey")
    funnel_names = tuple(m for m in names if REGISTRY[m].audience == "funnel")
    Q = len(model.personas)
    K = model.scale[1] - model.scale[0] + 1
    values = [p.value for p in model.personas]
    w = np.asarray(t.weight, float)
    present = [q for q in range(Q) if t.n[q] > 0]
    wsum = float(sum(w[q] for q in present))
    wn = {q: float(w[q]) / wsum for q in present} if wsum > 0 else {}

    def interval(name: str, value: float, se: float) -> Metric:
        if t.exact:
            return Metric(value, value, value, 0.0)
        lo, hi = (0.0, 1.0) if name == "respondents" else REGISTRY[name].bounds(
            model.scale, values)
        return Metric(value, max(lo, value - Z95 * se), min(hi, value + Z95 * se), se)

    surveys: dict[str, SurveyResult] = {}
    for survey in model.all_surveys:
        fig = survey_figures(t, model, survey, score_names, wn)
        s_overall, s_personas = _survey_groups(fig, model, score_names, interval, K)
        surveys[survey.name] = SurveyResult(survey.name, survey.label, survey.stage,
                                            survey.implicit, s_overall, s_personas)
    headline = surveys[model.headline_survey.name]

    def with_funnel(answers: Group, funnel: dict[str, Metric], customers: float) -> Group:
        """The headline survey's score metrics and the funnel metrics, in metric order."""
        both = {m: answers.metrics[m] for m in score_names} | funnel
        return Group({m: both[m] for m in names}, answers.distribution, customers)

    per = {q: _funnel(t, model, q, funnel_names) for q in present}
    personas: dict[str, Group] = {}
    for q, persona in enumerate(model.personas):
        n = float(t.n[q])
        funnel = ({m: interval(m, per[q][m][0], math.sqrt(per[q][m][1] / n))
                   for m in funnel_names} if q in per
                  else {m: Metric(None, None, None) for m in funnel_names})
        personas[persona.name] = with_funnel(headline.personas[persona.name], funnel, n)

    # overall: stratified combination over the personas that have customers
    funnel = {}
    for m in funnel_names:
        value = sum(wn[q] * per[q][m][0] for q in present)
        var = sum(wn[q] ** 2 * per[q][m][1] / float(t.n[q]) for q in present)
        funnel[m] = interval(m, value, math.sqrt(var))
    overall = with_funnel(headline.overall, funnel, float(t.n.sum()))

    def share(arr: np.ndarray) -> np.ndarray:
        """Population share per column of a [Q, X] tally."""
        out = np.zeros(arr.shape[1])
        for q in present:
            out += wn[q] * arr[q] / float(t.n[q])
        return out

    reached, advanced, stage_sum = share(t.reached), share(t.advanced), share(
        t.stage_score_sum)
    stages = []
    for s, stage in enumerate(model.stages):
        mean_score = float(stage_sum[s] / reached[s]) if reached[s] > 0 else None
        stages.append(StageResult(stage.name, stage.label, float(reached[s]),
                                  float(advanced[s]), mean_score))
    rates = share(t.event_count)
    stage_of = {st.name: s for s, st in enumerate(model.stages)}
    events = []
    for k, e in enumerate(model.events):
        at = reached[stage_of[e.stage]]
        events.append(EventResult(e.name, e.label, e.stage, float(rates[k]),
                                  float(rates[k] / at) if at > 0 else None))

    targets = [_target(target, overall, personas, surveys) for target in model.targets]
    return Result(dict(manifest or {}), overall, personas, stages, events, targets,
                  surveys, exact=t.exact, model=model, tallies=t)


def _target(target: ir.Target, overall: Group, personas: dict[str, Group],
            surveys: dict[str, SurveyResult]) -> TargetResult:
    """A target's forecast: a score metric of its survey (default the headline), a funnel
    metric over everyone; for its persona when it names one."""
    if target.survey is not None and target.survey in surveys:
        s = surveys[target.survey]
        overall, personas = s.overall, s.personas
    group = overall if target.persona is None else personas.get(target.persona)
    metric = group.metrics.get(target.metric) if group is not None else None
    value = metric.value if metric is not None else None
    return TargetResult(target, value, bool(value is not None and target.met(value)))


__all__ = ["Metric", "Group", "StageResult", "EventResult", "SurveyResult", "TargetResult",
           "Result", "LazyResult", "compute", "headline_metric", "metric_names", "Z95",
           "METRIC_ORDER"]
