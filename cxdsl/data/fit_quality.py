"""How well a fitted spec reproduces its table: each survey's answers per persona, and the
funnel.

The prediction is the fitted spec's own forecast (its uncertain values at their fitted
means): the exact engine when every value is exact, else a simulation of
:data:`PREDICT_CUSTOMERS` customers. For each survey and persona (and over all
respondents, ``persona`` None) the observed answer counts O_r are compared with
E_r = n × (predicted share of answer r), by the G statistic G = 2 Σ O_r ln(O_r / E_r)
over the answers, after merging answers with E_r < 5 into their neighbour towards the
middle of the scale; dof = (answers left) − 1 − (values fitted from those answers), and
p = P(χ²_dof > G) (dof and p none when no degree of freedom is left). The values fitted from a
survey's answers in a group are the score model's: each persona's baseline mean and spread,
and each impact of an event before the survey's answer that some respondent of the group
had (see :func:`fitted_from`). The funnel compares the observed share of rows reaching each
stage with the predicted share.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc

from ..model import ir
from ..model.values import is_exact
from .fit import Fit
from .fit_cells import window
from .table import NO_ANSWER, UNKNOWN, RespondentTable

#: Customers of the simulated prediction when the exact engine cannot run.
PREDICT_CUSTOMERS = 200_000
#: The seed of that simulation.
PREDICT_SEED = 1
#: Expected counts below this are merged with a neighbour.
MIN_EXPECTED = 5.0


@dataclass
class SurveyFit:
    survey: str
    persona: str | None
    respondents: int
    observed: list[float]   # shares of LO..HI among the respondents
    predicted: list[float]  # predicted shares of LO..HI
    statistic: float | None
    dof: int | None
    p_value: float | None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class StageFit:
    stage: str
    persona: str | None
    rows: int
    observed: float | None
    predicted: float

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _exact(model: ir.Model) -> bool:
    return all(is_exact(p.baseline) for p in model.personas) and all(
        is_exact(d) for e in model.events for d in e.impact)


def predict(model: ir.Model):
    """The fitted model's forecast Result (the exact engine where it can run)."""
    from ..sim.exact import ExactError  # lazy: numba, only fit quality needs a forecast
    from ..sim.simulate import simulate  # lazy: as above

    certain = dataclasses.replace(model, uncertain=())
    if _exact(certain):
        try:
            return simulate(certain, engine="exact")
        except ExactError:  # too many states: simulate instead
            pass
    return simulate(certain, customers=PREDICT_CUSTOMERS, seed=PREDICT_SEED)


def g_test(observed: np.ndarray, expected: np.ndarray, fitted: int = 0
           ) -> tuple[float, int | None, float | None] | None:
    """(G, dof, p) of counts ``observed`` against ``expected`` (same total), sparse
    answers merged, ``fitted`` values estimated from the counts subtracted from the degrees
    of freedom (dof and p None when none is left); None when fewer than two answers are
    left."""
    obs, exp = [float(x) for x in observed], [float(x) for x in expected]
    while len(exp) > 1 and min(exp) < MIN_EXPECTED:
        i = int(np.argmin(exp))
        j = i + 1 if i < (len(exp) - 1) / 2 else i - 1
        o, e = obs.pop(i), exp.pop(i)
        j -= int(j > i)
        obs[j] += o
        exp[j] += e
    if len(exp) < 2:
        return None
    o, e = np.array(obs), np.array(exp)
    g = 2.0 * float(np.sum(np.where(o > 0, o * np.log(np.where(o > 0, o, 1) / e), 0.0)))
    dof = len(exp) - 1 - int(fitted)
    if dof < 1:  # the fitted values use up every degree of freedom: nothing to test
        return g, None, None
    return g, dof, float(chdtrc(dof, g))


def fitted_from(fit: Fit, table: RespondentTable, survey: ir.Survey, rows: np.ndarray
                ) -> int:
    """How many of ``fit``'s informed values the answers to ``survey`` of ``rows`` (bool[n])
    inform: the baseline mean and spread of each persona among them, and each fitted impact
    of an event before the answer (in the survey's window) that one of them had, for a group
    holding that persona."""
    model = fit.model
    if not rows.any():
        return 0
    present = set(np.unique(table.persona[rows]).tolist())
    names = {model.personas[q].name for q in present}
    win = window(model, survey)
    columns = table.has_event or (True,) * len(model.events)
    count = 0
    for v in fit.values:
        if not v.informed:
            continue
        if v.kind in ("baseline", "baseline_sd") and v.group.target in names:
            # a discrete baseline's free values are its weights less one
            weights = _weights(fit, v.group.target)
            count += 1 if weights is None else (len(weights) - 1) * (v.kind == "baseline")
        elif v.kind == "impact":
            k = [e.name for e in model.events].index(v.group.target)
            mine = rows & np.isin(table.persona, np.asarray(v.group.personas))
            if win[k] and columns[k] and (table.happened[mine, k] == 1).any():
                count += 1
    return count


def _weights(fit: Fit, persona: str) -> list | None:
    """The fitted weights of ``persona``'s discrete baseline, None for another form."""
    mean = next((v for v in fit.values if v.kind == "baseline" and v.group.target == persona),
                None)
    return None if mean is None else mean.extra.get("weights")


def survey_quality(fit: Fit, table: RespondentTable, result) -> list[SurveyFit]:
    model = fit.model
    lo, hi = model.scale
    use = ~table.inconsistent if table.inconsistent.size == table.rows else \
        np.ones(table.rows, dtype=bool)
    out = []
    for sv in model.all_surveys:
        if sv.name not in table.surveys:
            continue
        ans = table.answer[:, table.surveys.index(sv.name)]
        ok = use & (ans != NO_ANSWER) & (ans >= lo) & (ans <= hi)
        pred = result.surveys[sv.name]
        groups = [(None, ok, pred.overall)] + [
            (q.name, ok & (table.persona == i), pred.personas[q.name])
            for i, q in enumerate(model.personas)]
        for name, rows, group in groups:
            counts = np.bincount(ans[rows] - lo, minlength=hi - lo + 1).astype(float)
            n = int(counts.sum())
            shares = np.array([x or 0.0 for x in group.distribution])
            test = g_test(counts, n * shares, fitted_from(fit, table, sv, rows)) \
                if n > 0 and shares.sum() > 0 else None
            out.append(SurveyFit(sv.name, name, n,
                                 (counts / n).tolist() if n else [0.0] * counts.size,
                                 shares.tolist(), *(test or (None, None, None))))
    return out


def funnel_quality(fit: Fit, table: RespondentTable, result) -> list[StageFit]:
    model = fit.model
    use = ~table.inconsistent if table.inconsistent.size == table.rows else \
        np.ones(table.rows, dtype=bool)
    known = use & (table.reached != UNKNOWN)
    t = result.tallies
    weight = np.asarray(t.weight, dtype=float)
    reached = np.asarray(t.reached, dtype=float) / np.asarray(t.n, dtype=float)[:, None]
    out = []
    for s, stage in enumerate(model.stages):
        groups = [(None, known, float(weight @ reached[:, s]))] + [
            (q.name, known & (table.persona == i), float(reached[i, s]))
            for i, q in enumerate(model.personas)]
        for name, rows, predicted in groups:
            n = int(rows.sum())
            observed = float((table.reached[rows] >= s).mean()) if n else None
            out.append(StageFit(stage.name, name, n, observed, predicted))
    return out


def quality(fit: Fit, table: RespondentTable) -> tuple[list[SurveyFit], list[StageFit], dict]:
    """(survey fits, stage fits, the prediction's manifest)."""
    result = predict(fit.fitted)
    return survey_quality(fit, table, result), funnel_quality(fit, table, result), \
        result.manifest


__all__ = ["PREDICT_CUSTOMERS", "StageFit", "SurveyFit", "fitted_from", "funnel_quality",
           "g_test", "predict", "quality", "survey_quality"]
