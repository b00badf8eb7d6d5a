"""A vectorised respondent-table generator written from DESIGN.md "Meaning" (the fit
tests' known truth), and its check against the exact engine."""

from __future__ import annotations

import math

import numpy as np
import pytest

import cxdsl
from cxdsl.data.table import NO_ANSWER, RespondentTable
from cxdsl.model import ir


def _draw(d: ir.Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    if isinstance(d, ir.Normal):
        return rng.normal(d.mu, d.sd, n)
    if isinstance(d, ir.Uniform):
        return rng.uniform(d.lo, d.hi, n)
    if isinstance(d, ir.Discrete):
        return rng.choice(np.asarray(d.values), n, p=np.asarray(d.weights))
    return np.full(n, float(d.mean()))


def _cond(c, happened: dict[str, np.ndarray], score: np.ndarray) -> np.ndarray:
    if c is None:
        return np.ones(score.size, dtype=bool)
    if isinstance(c, ir.Ref):
        return happened[c.event].copy()
    if isinstance(c, ir.ScoreCmp):
        ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
               "==": np.equal, "!=": np.not_equal}
        return ops[c.op](score, c.value)
    if isinstance(c, ir.Not):
        return ~_cond(c.operand, happened, score)
    parts = [_cond(o, happened, score) for o in c.operands]
    return np.logical_and.reduce(parts) if isinstance(c, ir.And) else \
        np.logical_or.reduce(parts)


def generate(model: ir.Model, customers: int, seed: int) -> RespondentTable:
    """``customers`` simulated customers of ``model`` as a respondent table (numpy's
    generator, not the engine's keyed draws: an independent implementation)."""
    rng = np.random.default_rng(seed)
    lo, hi = model.scale
    shares = np.array([p.share for p in model.personas])
    persona = rng.choice(len(shares), customers, p=shares / shares.sum()).astype(np.int32)
    score0 = np.empty(customers)
    for q, p in enumerate(model.personas):
        m = persona == q
        score0[m] = _draw(p.baseline, rng, int(m.sum()))
    score0 = np.clip(score0, lo, hi)
    score = score0.copy()
    alive = np.ones(customers, dtype=bool)
    reached = np.zeros(customers, dtype=np.int32)
    happened = {e.name: np.zeros(customers, dtype=bool) for e in model.events}
    at_stage = {}
    for s, stage in enumerate(model.stages):
        reached[alive] = s
        for e in (e for e in model.events if e.stage == stage.name):
            p = np.array(e.p)[persona]
            hit = alive & _cond(e.when, happened, score) & (rng.random(customers) < p)
            happened[e.name] = hit
            for q in range(len(model.personas)):
                m = hit & (persona == q)
                score[m] += _draw(e.impact[q], rng, int(m.sum()))
        score = np.clip(score, lo, hi)
        at_stage[stage.name] = np.floor(score + 0.5).astype(np.int32)
        if s == len(model.stages) - 1:
            break
        a, k = np.array(stage.advance)[persona], np.array(stage.slope)[persona]
        with np.errstate(divide="ignore"):
            eta = np.log(a) - np.log1p(-a) + k * (score - score0)
        prob = np.where((a <= 0) | (a >= 1), a, 1 / (1 + np.exp(-eta)))
        stay = alive & (rng.random(customers) < prob)
        alive = stay
    final = np.floor(score + 0.5).astype(np.int32)
    answers = np.full((customers, len(model.all_surveys)), NO_ANSWER, dtype=np.int32)
    for i, sv in enumerate(model.all_surveys):
        if sv.stage is None:
            answers[:, i] = final
        else:
            s = model.stage_index(sv.stage)
            ok = reached >= s
            answers[ok, i] = at_stage[sv.stage][ok]
    return RespondentTable(
        source="<generated>", personas=tuple(p.name for p in model.personas),
        stages=tuple(s.name for s in model.stages), events=tuple(e.name for e in model.events),
        surveys=tuple(s.name for s in model.all_surveys), persona=persona, reached=reached,
        happened=np.column_stack([happened[e.name] for e in model.events]).astype(np.int8)
        if model.events else np.zeros((customers, 0), dtype=np.int8),
        answer=answers, row=np.arange(2, customers + 2, dtype=np.int64),
        has_event=(True,) * len(model.events), has_survey=(True,) * len(model.all_surveys),
        inconsistent=np.zeros(customers, dtype=bool))


SPEC = """
scale 0..10
persona a share=40% baseline=discrete(5: 0.5, 7: 0.5)
persona b share=60% baseline=6
stage S1 advance=70% slope=0.5
stage S2 advance=80%
stage S3
survey mid at S2
survey last at end
event e1 p=30% impact=-2 at S1
event e2 p=50% impact=+1 at S2 when not e1
  for a p=20%
event e3 p=60% impact=+2 at S3 when e1 or e2
"""


def test_generator_matches_the_exact_engine():
    model = cxdsl.loads(SPEC)
    exact = cxdsl.simulate(model, engine="exact")
    t = generate(model, 200_000, 1)
    for k in range(len(model.events)):
        rate = t.happened[:, k].mean()
        want = exact.to_dict()["events"][k]["rate"]
        assert rate == pytest.approx(want, abs=4 * math.sqrt(want * (1 - want) / t.rows))
    for s in range(len(model.stages)):
        share = (t.reached >= s).mean()
        want = exact.to_dict()["stages"][s]["reached"]
        assert share == pytest.approx(want, abs=4 * math.sqrt(want * (1 - want) / t.rows) + 1e-9)
    for i, sv in enumerate(model.all_surveys):
        ans = t.answer[:, i]
        ans = ans[ans != NO_ANSWER]
        dist = np.bincount(ans, minlength=11) / ans.size
        want = np.array(exact.to_dict()["surveys"][sv.name]["overall"]["distribution"])
        assert np.abs(dist - want).max() < 0.01
