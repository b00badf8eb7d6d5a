"""Where the score model's simplification bites: the running score clamped at an end of
the scale before a later impact.

The score model clamps only the answer; the journey clamps the score at the end of every
stage (and the baseline draw). When a respondent's score leaves the scale at the end of a
stage and a later impact then moves it back, the answer is not the latent sum, and the
fitted impacts lean towards zero. For each answer cell the fitted spec gives the chance
that the score lies outside the scale at the end of some stage (or at the start) with an
impact still to come before the survey; a baseline or impact whose answers carry more than
:data:`NOTICEABLE` of such chances gets a caveat.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from ..model import ir
from .fit_cells import Cells
from .fit_groups import FittedValue
from .fit_scores import spread

#: The share of a value's answers above which the caveat is given.
NOTICEABLE = 0.05
FUNNEL_CAVEAT = ("the score's change it is regressed on comes from impacts whose answers "
                 "reach an end of the scale: the clamps the score model leaves out bias it")
CAVEAT = ("in about {share} of the answers behind it the score reaches an end of the scale "
          "before a later impact, which the score model does not clamp: the estimate is "
          "biased (an impact towards 0)")


def clamped(model: ir.Model, cells: Cells) -> np.ndarray:
    """float[C]: per cell, the largest chance (over the start and the stages before the
    survey's) that the score is outside the scale there with an impact still to come."""
    lo, hi = model.scale
    S = len(model.stages)
    stage_of = np.array([model.stage_index(e.stage) for e in model.events], dtype=int)
    last = np.array([S - 1 if sv.stage is None else model.stage_index(sv.stage)
                     for sv in model.all_surveys], dtype=int)[cells.survey]
    q = cells.persona
    mu = np.array([p.baseline.mean() for p in model.personas])[q]
    var = np.array([spread(p.baseline) ** 2 for p in model.personas])[q]
    means = np.array([[e.impact[i].mean() for e in model.events]
                      for i in range(len(model.personas))]).reshape(len(model.personas), -1)
    spreads = np.array([[spread(e.impact[i]) ** 2 for e in model.events]
                        for i in range(len(model.personas))]).reshape(len(model.personas), -1)
    x = cells.x.astype(float)
    out = np.zeros(cells.count.size)
    for t in range(-1, S - 1):
        done = x * (stage_of <= t)
        later = (x * ((stage_of > t)[None, :] & (stage_of[None, :] <= last[:, None]))).any(1)
        m = mu + (done * means[q]).sum(1)
        s = np.sqrt(np.maximum(var + (done * spreads[q]).sum(1), 1e-12))
        p = ndtr((lo - m) / s) + ndtr((m - hi) / s)
        out = np.maximum(out, np.where(later & (t < last), p, 0.0))
    return out


def add_caveats(fitted: ir.Model, cells: Cells, values: list[FittedValue]) -> None:
    """Set ``extra["caveat"]`` on the informed baselines and impacts whose answers are
    noticeably clamped before a later impact (by the fitted spec's values)."""
    if cells.count.size == 0:
        return
    chance = clamped(fitted, cells)
    names = [p.name for p in fitted.personas]
    for fv in values:
        if not fv.informed or fv.kind not in ("baseline", "impact"):
            continue
        rows = np.isin(cells.persona, fv.group.personas)
        if fv.kind == "impact":
            k = [e.name for e in fitted.events].index(fv.group.target)
            rows &= cells.x[:, k] == 1
        else:
            rows &= cells.persona == names.index(fv.group.target)
        n = cells.count[rows].sum()
        share = float(cells.count[rows] @ chance[rows] / n) if n else 0.0
        if share > NOTICEABLE:
            fv.extra["caveat"] = CAVEAT.format(share=f"{math.ceil(100 * share)}%")
    _funnel_caveats(fitted, values)


def _funnel_caveats(model: ir.Model, values: list[FittedValue]) -> None:
    """A caveat on a stage's fitted advance and slope when the regression's score change
    involves a baseline or impact with a caveat."""
    flagged = [v for v in values if "caveat" in v.extra]
    for fv in values:
        if fv.kind not in ("advance", "slope") or not fv.informed:
            continue
        s = model.stage_index(fv.group.target)
        regressed = any(v.kind == "slope" and v.informed and v.group.target == fv.group.target
                        and set(v.group.personas) & set(fv.group.personas) for v in values)
        if not regressed:
            continue
        names = {model.personas[q].name for q in fv.group.personas}
        if any((v.kind == "baseline" and v.group.target in names) or
               (v.kind == "impact" and set(v.group.personas) & set(fv.group.personas)
                and model.stage_index(model.event(v.group.target).stage) <= s)
               for v in flagged):
            fv.extra["caveat"] = FUNNEL_CAVEAT


__all__ = ["CAVEAT", "FUNNEL_CAVEAT", "NOTICEABLE", "add_caveats", "clamped"]
