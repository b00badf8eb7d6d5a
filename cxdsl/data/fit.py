"""Fitting a spec to a respondent table (DESIGN.md "Collected data: sample and fit").

    result = fit_table(model, table, module)   # a Fit: every value, fitted or kept
    result.fitted                              # the model with the fitted values in place

Rows flagged inconsistent are left out (and counted). The estimators, their priors and
the score model's likelihood are in :mod:`fit_events` (shares, ``p``), :mod:`fit_scores`
(baselines, impacts) and :mod:`fit_funnel` (``advance``, ``slope``); docs/fit.md writes
them as formulas. A value the data cannot inform keeps the spec's value, with a warning.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..lang import ast
from ..model import ir
from ..model.values import Const, Discrete, Normal
from . import fit_cells
from .fit_events import (
    NO_COLUMN,
    SCORE_CONDITION,
    event_columns,
    fit_event_p,
    fit_shares,
    reads_score,
)
from .fit_funnel import fit_stage
from .fit_groups import KINDS, FittedValue, declared_here, groups_for, overrides_of
from .fit_latent import fit_latent_p
from .fit_mixture import discrete_values
from .fit_scores import SELECTED_ON_SCORE, fit_scores, spread
from .table import RespondentTable

#: The kinds of value the score model fits.
SCORE_KINDS = ("baseline", "baseline_sd", "baseline_weight", "impact")


@dataclass
class Fit:
    """What a fit found. ``values``: every fitted or kept value, in :data:`KINDS` order
    then declaration order; ``rows``: the table's rows; ``used``: those fitted (the
    consistent ones); ``inconsistent``: those left out; ``warnings``: one line each."""

    model: ir.Model
    fitted: ir.Model
    values: list[FittedValue]
    rows: int
    used: int
    inconsistent: int
    warnings: list[str] = field(default_factory=list)
    source: str = ""

    def value(self, path: str) -> FittedValue:
        found = next((v for v in self.values if v.path == path), None)
        if found is None:
            raise KeyError(f"no fitted value {path!r}")
        return found


def fit_table(model: ir.Model, table: RespondentTable, module: ast.Module | None = None
              ) -> Fit:
    """Fit ``model``'s values to ``table``. ``module``: the spec's syntax tree, whose
    ``for`` lines say which values are per persona (without it, personas with equal
    values are pooled)."""
    n = table.rows
    bad = table.inconsistent if table.inconsistent.size == n else np.zeros(n, dtype=bool)
    use = ~bad
    overrides, here = overrides_of(module), declared_here(module)
    if module is None:
        here = frozenset()
    values = fit_shares(model, table, use)
    for e in model.events:
        for g in groups_for(model, "event", e, "p", overrides, here):
            values.append(fit_event_p(model, table, use, e, g))
    impact_groups = [(k, g) for k, e in enumerate(model.events)
                     for g in groups_for(model, "event", e, "impact", overrides, here)]
    cells = fit_cells.build(model, table, use)
    kept = {k: NO_COLUMN if not has else SELECTED_ON_SCORE
            for k, (e, has) in enumerate(zip(model.events, event_columns(table)))
            if not has or reads_score(e.when)}
    scores, means = fit_scores(model, cells, impact_groups, kept)
    values += scores
    fitted_impacts = {k for (k, g), fv in zip(impact_groups, scores[-len(impact_groups):])
                      if fv.informed} if impact_groups else set()
    baselines, earlier = _baselines(model, scores), []
    for s, stage in enumerate(model.stages[:-1]):
        found = fit_stage(model, table, use, s,
                          groups_for(model, "stage", stage, "advance", overrides, here),
                          groups_for(model, "stage", stage, "slope", overrides, here),
                          means, fitted_impacts, baselines, earlier)
        values += found
        earlier.append(_decision(model, s, found))
    # an event whose condition reads the score: its p through the fitted score model
    prelim = fitted_model(model, values)
    for v in values:
        if v.kind == "p" and v.note == SCORE_CONDITION:
            fit_latent_p(model, prelim, table, use, v)
    if any(discrete_values(p.baseline) is not None for p in model.personas):
        # a discrete baseline's respondents are selected by the chances, advances and
        # slopes, first the spec's: again with the fitted ones
        again, _ = fit_scores(model, cells, impact_groups, kept, fitted_model(model, values))
        values = [v for v in values if v.kind not in SCORE_KINDS] + again
    values.sort(key=lambda v: KINDS.index(v.kind))
    fitted = fitted_model(model, values)
    warnings = [f"{v.path}: {v.note}; the spec's value is kept" for v in values
                if not v.informed]
    warnings += [f"{v.path}: {v.extra['caveat']}" for v in values if "caveat" in v.extra]
    return Fit(model, fitted, values, n, int(use.sum()), int(bad.sum()), warnings,
               table.source)


def _baselines(model: ir.Model, scores: list[FittedValue]) -> list[tuple]:
    """Per persona, the baseline's (mean, sd, discrete (value, weight) pairs or None):
    fitted, else the spec's."""
    out = []
    for p in model.personas:
        mean = next((v for v in scores if v.kind == "baseline" and v.group.target == p.name),
                    None)
        sd = next((v for v in scores if v.kind == "baseline_sd"
                   and v.group.target == p.name), None)
        m = mean.fitted if mean is not None and mean.informed else p.baseline.mean()
        s = sd.fitted if sd is not None and sd.informed else spread(p.baseline)
        pairs = mean.extra.get("weights") if mean is not None and mean.informed else (
            p.baseline.outcomes() if isinstance(p.baseline, ir.Discrete) else None)
        out.append((float(m), float(s), pairs))
    return out


def _decision(model: ir.Model, s: int, found: list[FittedValue]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Stage ``s``'s (logit advance, slope) float[Q] per persona, fitted or the spec's; an
    advance of 0 or 1 (which the slope does not move) as logit 0 and slope 0."""
    stage = model.stages[s]
    adv = np.array(stage.advance, dtype=float)
    slope = np.array(stage.slope, dtype=float)
    for v in found:
        if v.informed:
            target = adv if v.kind == "advance" else slope
            target[list(v.group.personas)] = v.fitted
    edge = (adv <= 0) | (adv >= 1)
    with np.errstate(divide="ignore"):
        eta = np.where(edge, 0.0, np.log(np.where(edge, 0.5, adv) / np.where(edge, 0.5, 1 - adv)))
    return eta, np.where(edge, 0.0, slope)


def _set(model: ir.Model, fv: FittedValue, value) -> ir.Model:
    g = fv.group
    if g.kind == "persona":
        return ir.apply_change(model, ir.SetAttr(ir.PathRef("persona", g.target, g.attr),
                                                 value))
    for q in g.personas:
        path = ir.PathRef(g.kind, g.target, g.attr, model.personas[q].name)
        v = value(q) if callable(value) else value
        model = ir.apply_change(model, ir.SetAttr(path, v))
    return model


def baseline_form(model: ir.Model, mean: FittedValue, sd: FittedValue | None) -> ir.Dist:
    """A fitted baseline: normal(mean, sd), a number when the spread is 0; the mean kept
    on the scale. A discrete baseline keeps its values with the fitted weights."""
    if "weights" in mean.extra:
        v, w = zip(*mean.extra["weights"])
        # written to 3 decimals that sum to 1 (the largest takes the remainder)
        w = [round(x, 3) for x in w]
        top = int(np.argmax(w))
        w[top] = round(1.0 - sum(x for i, x in enumerate(w) if i != top), 3)
        return Discrete(tuple(v), tuple(w))
    lo, hi = model.scale
    mu = min(max(mean.fitted, float(lo)), float(hi))
    s = sd.fitted if sd is not None and sd.informed else 0.0
    return Normal(mu, s) if s > 0 else Const(mu)


def fitted_model(model: ir.Model, values: list[FittedValue]) -> ir.Model:
    """``model`` with every fitted value in place (uncertain values unchanged)."""
    out = model
    sds = {v.group.target: v for v in values if v.kind == "baseline_sd"}
    for fv in values:
        if not fv.informed or fv.kind in ("baseline_sd", "baseline_weight"):
            continue
        if fv.kind == "baseline":
            out = _set(out, fv, baseline_form(model, fv, sds.get(fv.group.target)))
        elif fv.kind == "impact":
            e = model.event(fv.group.target)
            out = _set(out, fv, lambda q, e=e, m=fv.fitted: e.impact[q].with_mean(m))
        else:
            out = _set(out, fv, float(fv.fitted))
    return dataclasses.replace(out)


__all__ = ["Fit", "baseline_form", "fit_table", "fitted_model"]
