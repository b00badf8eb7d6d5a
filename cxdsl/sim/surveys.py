"""Surveys: who answers, and the score metrics of their answers, from the tallies.

A survey ``at STAGE`` asks every customer who reached STAGE, for the rounded score at the
end of that stage; a survey ``at end`` asks every customer who entered, for the final score
(DESIGN.md "Surveys: who is asked, and when"). Its answers per persona are therefore columns
of the tallies (:func:`answers`), and its metrics are those of the metric registry over the
respondents.

Estimator. For persona q with n_q customers, R_q of them asked: ``r_q = R_q / n_q`` is its
response rate, and a score metric's value over its respondents is ``m_q`` with per-respondent
variance ``v_q`` (:meth:`cxdsl.model.metrics.MetricSpec.estimate` on the respondents'
statistics). Over all respondents each persona counts in proportion to its respondents,
``ρ_q = w_q r_q / r`` with ``r = Σ w_q r_q`` (``w_q``: the persona's weight, normalised), so

    m = Σ_q ρ_q m_q = Σ_q w_q Ȳ_q / Σ_q w_q r_q,

a ratio of two stratified means (``Ȳ_q``: the metric's per-customer quantity summed over
the persona's respondents, divided by n_q). The number of respondents is random, so its
interval comes from the delta method: the per-customer quantity ``u = a (y − m) / r``
(``a`` = 1 when asked) has, within persona q, variance ``(r_q v_q + r_q (1 − r_q)
(m_q − m)²) / r²``, and

    se²(m) = Σ_q w_q² (r_q v_q + r_q (1 − r_q) (m_q − m)²) / (n_q r²).

Per persona this is ``v_q / R_q``; when everyone answers (r_q = 1) it is the stratified
``Σ w_q² v_q / n_q`` of a metric over all customers. ``respondents`` is the share ``r`` with
``se² = Σ w_q² r_q (1 − r_q) / n_q``. A survey nobody answered has no score metrics (None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import ir
from ..model.metrics import REGISTRY, PersonaStats


@dataclass(frozen=True)
class Answers:
    """One survey's answers per persona, read from the tallies: ``asked`` [Q] customers
    asked (exact engine: the probability of being asked), ``hist`` [Q,K] of them whose
    answer is LO + k, ``score_sum`` / ``score_sq`` [Q] sums of their unrounded score and its
    square."""

    asked: np.ndarray
    hist: np.ndarray
    score_sum: np.ndarray
    score_sq: np.ndarray


def answers(t, model: ir.Model, survey: ir.Survey) -> Answers:
    """The answers of ``survey`` in tallies ``t`` of ``model``."""
    if survey.stage is None:
        return Answers(t.n, t.hist, t.score_sum, t.score_sq)
    s = next(i for i, st in enumerate(model.stages) if st.name == survey.stage)
    return Answers(t.reached[:, s], t.stage_hist[:, s], t.stage_score_sum[:, s],
                   t.stage_score_sq[:, s])


def respondent_stats(t, model: ir.Model, a: Answers, q: int) -> PersonaStats | None:
    """The statistics of persona q's respondents (None when nobody of it was asked); the
    funnel figures (conversion, value) are over all its customers."""
    asked = float(a.asked[q])
    if asked <= 0.0:
        return None
    mean = float(a.score_sum[q]) / asked
    var = max(float(a.score_sq[q]) / asked - mean * mean, 0.0)
    if not t.exact and asked > 1:  # unbiased for a sample; the exact engine's is the true one
        var *= asked / (asked - 1)
    conversion = float(t.reached[q, model.goal_index]) / float(t.n[q])
    return PersonaStats(a.hist[q] / asked, mean, var, conversion,
                        float(model.personas[q].value), model.scale)


@dataclass
class SurveyFigures:
    """A survey's numbers before they become Groups: per persona (None where nobody of it
    was asked, or it has no customers) and over all respondents. ``values[name]`` maps a
    persona index, or None for all respondents, to (value, se); ``distribution`` likewise to
    the shares of LO..HI; ``asked[q]``: customers asked."""

    values: dict[str, dict[int | None, tuple[float, float] | None]]
    distribution: dict[int | None, np.ndarray | None]
    asked: dict[int | None, float]


def survey_figures(t, model: ir.Model, survey: ir.Survey, names: tuple[str, ...],
                   wn: dict[int, float]) -> SurveyFigures:
    """``respondents`` and the score metrics ``names`` of ``survey``, per persona and over
    all respondents (see the module docstring). ``wn``: the normalised weight of each
    persona that has customers."""
    a = answers(t, model, survey)
    present = list(wn)
    rate = {q: float(a.asked[q]) / float(t.n[q]) for q in present}
    stats = {q: respondent_stats(t, model, a, q) for q in present}
    est = {q: {m: REGISTRY[m].estimate(s) for m in names} for q, s in stats.items()
           if s is not None}
    values: dict[str, dict[int | None, tuple[float, float] | None]] = {}
    r = sum(wn[q] * rate[q] for q in present)
    values["respondents"] = {q: (rate[q], math.sqrt(rate[q] * (1 - rate[q]) / float(t.n[q])))
                             for q in present}
    values["respondents"][None] = (r, math.sqrt(sum(
        wn[q] ** 2 * rate[q] * (1 - rate[q]) / float(t.n[q]) for q in present)))
    answered = [q for q in present if q in est]
    rho = {q: wn[q] * rate[q] / r for q in answered} if r > 0 else {}
    for m in names:
        per: dict[int | None, tuple[float, float] | None] = {
            q: (est[q][m][0], math.sqrt(est[q][m][1] / float(a.asked[q]))) if q in est
            else None for q in present}
        if rho:
            value = sum(rho[q] * est[q][m][0] for q in answered)
            var = sum(wn[q] ** 2 * (rate[q] * est[q][m][1]
                                    + rate[q] * (1 - rate[q]) * (est[q][m][0] - value) ** 2)
                      / (float(t.n[q]) * r * r) for q in answered)
            per[None] = (value, math.sqrt(var))
        else:
            per[None] = None
        values[m] = per
    dist: dict[int | None, np.ndarray | None] = {
        q: (stats[q].distribution if stats[q] is not None else None) for q in present}
    if rho:
        total = np.zeros(a.hist.shape[1])
        for q in answered:
            total += rho[q] * stats[q].distribution
        dist[None] = total
    else:
        dist[None] = None
    asked = {q: float(a.asked[q]) for q in present}
    asked[None] = float(sum(asked.values()))
    return SurveyFigures(values, dist, asked)


__all__ = ["Answers", "SurveyFigures", "answers", "respondent_stats", "survey_figures"]
