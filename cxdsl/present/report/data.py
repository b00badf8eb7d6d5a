"""What a report shows, collected: the run, the moments of truth and the scenario
comparison, as the commands' JSON documents give them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...model import ir
from ...sim.metrics import Metric
from ...sim.simulate import check_scenario, simulate
from ..export import display
from .forecast import forecast_of


@dataclass
class ReportData:
    """Everything a report shows.

    ``result``: the run result as ``cxdsl run --json`` gives it (DESIGN.md).
    ``persona_stages``: per persona name, one ``{"reached", "advanced", "mean_score"}``
    per stage (None when only the overall figures are known).
    ``mot``: the ``cxdsl mot --json`` document (or None). ``compare``: the ``cxdsl compare
    --json`` document (or None; a document without scenarios says the spec has none).
    ``source``: the spec's text; ``path``: its file name, as shown."""

    model: ir.Model
    result: dict
    persona_stages: dict[str, list[dict]] | None = None
    mot: dict | None = None
    compare: dict | None = None
    source: str | None = None
    path: str | None = None
    notes: list[str] = field(default_factory=list)
    #: the ``cxdsl voi --json`` document (or None)
    voi: dict | None = None
    #: a forecast's figures over the worlds (:func:`.forecast.forecast_of`), None otherwise
    forecast: dict | None = None

    @property
    def metric(self) -> str:
        """The headline metric: nps on a 0..10 scale, else the mean score."""
        return "nps" if self.model.has_nps else "mean"


def persona_stages_of(result) -> dict[str, list[dict]] | None:
    """Per persona, the funnel and emotion curve of a :class:`cxdsl.sim.metrics.Result` (from
    its tallies); None when the result carries none."""
    t = getattr(result, "tallies", None)
    model = getattr(result, "model", None)
    worlds = getattr(result, "worlds", None)
    if t is None and worlds:
        return _mean_over_worlds([persona_stages_of(w) for w in worlds])
    if t is None or model is None:
        return None
    out: dict[str, list[dict]] = {}
    for q, persona in enumerate(model.personas):
        n = float(t.n[q])
        rows = []
        for s in range(len(model.stages)):
            if n <= 0:
                rows.append({"reached": None, "advanced": None, "mean_score": None})
                continue
            reached = float(t.reached[q, s])
            rows.append({"reached": reached / n, "advanced": float(t.advanced[q, s]) / n,
                         "mean_score": (float(t.stage_score_sum[q, s]) / reached
                                        if reached > 0 else None)})
        out[persona.name] = rows
    return out


def _mean_over_worlds(parts: list) -> dict[str, list[dict]] | None:
    """A forecast's per-persona stage rows: each figure's mean over the worlds that have
    it (the forecast's own figures are means over worlds too)."""
    parts = [p for p in parts if p]
    if not parts:
        return None
    out: dict[str, list[dict]] = {}
    for name, rows in parts[0].items():
        out[name] = []
        for s in range(len(rows)):
            row = {}
            for key in rows[s]:
                got = [p[name][s][key] for p in parts if p[name][s][key] is not None]
                row[key] = sum(got) / len(got) if got else None
            out[name].append(row)
    return out


def metric_value(group: dict, metric: str) -> float | None:
    m = group.get(metric)
    return None if m is None else m.get("value")


def num(x) -> float | None:
    """A metric's number: ``x`` itself, or ``x["value"]`` for a ``{value, ci95}`` dict."""
    if isinstance(x, dict):
        x = x.get("value")
    return None if x is None else float(x)


def as_metric(doc) -> Metric:
    """A ``{value, ci95}`` document as a :class:`Metric` (the form the shared number
    formats take); an absent one is unknown."""
    doc = doc or {}
    lo, hi = (doc.get("ci95") or [None, None])[:2]
    return Metric(doc.get("value"), lo, hi)


def target_metric(target_text: str) -> str:
    """The metric a target's text names: ``nps`` for ``nps >= 20`` and for
    ``evaluation.nps >= 20`` (a named survey's)."""
    return target_text.split()[0].split(".")[-1]


def event_rates(result: dict) -> dict[str, tuple[float | None, float | None]]:
    """Per event: (share of all customers it happened to, share of those who reached its
    stage)."""
    return {e["name"]: (e.get("rate"), e.get("rate_reached"))
            for e in result.get("events", [])}


def _analysis():
    try:
        from ... import analysis  # lazy: an optional part of an installation
    except ImportError:  # an installation without the analysis module: no mot, no compare
        return None
    return analysis


def collect(model: ir.Model, *, source: str | None = None, path: str | None = None,
            customers: int | None = None, seed: int | None = None,
            scenarios: list[str] | None = None, engine: str = "numba",
            spec_sha: str | None = None, worlds: int | None = None) -> ReportData:
    """Run what the report shows: the baseline, the moments of truth
    (:func:`cxdsl.analysis.mot` on the headline metric) and the ``scenarios`` named
    (default: every scenario of the spec; ``[]`` for none) against the baseline
    (:func:`cxdsl.analysis.compare`), all with the same customers and seed — common random
    numbers, so the differences carry little noise. ``worlds``: the worlds of the
    baseline's forecast when the spec has uncertain values (default the spec's).

    Raises :class:`cxdsl.sim.simulate.SimulationError` or
    :class:`cxdsl.analysis.AnalysisError` for bad arguments (an unknown scenario) and
    :class:`cxdsl.sim.exact.ExactError` when the exact engine cannot take the journey."""
    names = [s.name for s in model.scenarios] if scenarios is None else list(scenarios)
    for name in names:
        check_scenario(model, name)
    base = simulate(model, customers=customers, seed=seed, engine=engine, spec_sha=spec_sha,
                    worlds=worlds)
    data = ReportData(model, base.to_dict(), persona_stages_of(base), source=source,
                      path=path, forecast=forecast_of(base))
    analysis = _analysis()
    if analysis is None:
        data.notes.append("The moments-of-truth ranking and the scenario comparison need "
                          "cxdsl.analysis, which this installation lacks.")
        return data
    kw = {"engine": engine, "customers": customers, "seed": seed, "spec_sha": spec_sha}
    if model.events:
        data.mot = analysis.mot(model, data.metric, **kw).to_dict()
    if names:
        data.compare = analysis.compare(model, names, **kw).to_dict()
    return data



def persona_name(model: ir.Model, name: str) -> str:
    for p in model.personas:
        if p.name == name:
            return display(p)
    return name


def mot_rows(data: ReportData) -> list[dict]:
    """The moments-of-truth rows with plain numbers (None where undefined)."""
    out = []
    for r in (data.mot or {}).get("events", []):
        out.append({"name": r.get("name"), "stage": r.get("stage", ""),
                    **{k: num(r.get(k)) for k in ("contribution", "if_never", "if_always",
                                                  "leverage")}})
    return out

