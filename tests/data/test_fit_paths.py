"""The clamped score path of the fit: its closed form against the journey's own steps
(clamp the draw, add each stage's impacts, clamp), the branch points of impacts with a
spread, and the score model's analytic gradient."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxdsl.data import fit_cells
from cxdsl.data.fit_groups import Group
from cxdsl.data.fit_paths import answer_bounds, nodes, path, score_bounds
from cxdsl.data.fit_scores import ScoreModel
from cxdsl.data.table import NO_ANSWER, RespondentTable
from cxdsl.lang.api import check_text
from cxdsl.model import ir

LO, HI = 0.0, 10.0
# a fine grid of baseline draws, weighted by normal(8, 1.5)'s density
B_GRID = np.linspace(-4.0, 20.0, 480_001)
MU, SD = 8.0, 1.5


def stepped(b: np.ndarray, sums) -> np.ndarray:
    """The journey's steps: the draw clamped, then per stage add and clamp."""
    score = np.clip(b, LO, HI)
    for d in sums:
        score = np.clip(score + d, LO, HI)
    return score


@pytest.mark.parametrize("sums", [(1.5, -2.0), (3.0, -4.5, 2.0), (-9.0, 12.0), (0.5,),
                                  (2.5, 2.5, -1.0), (-0.5, 11.0, -3.0)])
def test_the_answer_probabilities_are_those_of_the_stepped_path(sums):
    w = stats.norm.pdf(B_GRID, MU, SD)
    w /= w.sum()
    answers = np.floor(stepped(B_GRID, sums) + 0.5)
    D, A, B = path(np.array([sums]), LO, HI)
    for r in range(11):
        low, up = answer_bounds(np.array([r]), D, A, B, LO, HI)
        # the atoms (draws clamped at an end) sit inside the bounds: no grid error there
        closed = float(stats.norm.cdf(up[0], MU, SD) - stats.norm.cdf(low[0], MU, SD)) \
            if low[0] < up[0] else 0.0
        assert closed == pytest.approx(w[answers == r].sum(), abs=2e-4), r


def test_score_intervals_map_to_baseline_intervals():
    sums = (2.0, -3.5)
    score = stepped(B_GRID, sums)
    D, A, B = path(np.array([sums]), LO, HI)
    for a, b in ((-np.inf, 5.0), (5.0, 6.5), (6.5, np.inf), (6.0, 6.5)):
        low, up = score_bounds(a, b, D, A, B)
        inside = (score >= a) & (score < b)
        grid = B_GRID[inside]
        if grid.size == 0:
            assert low[0] >= up[0]
            continue
        assert low[0] <= grid.min() + 1e-4 and grid.max() <= up[0] + 1e-4


def test_branch_points_keep_the_mean_and_the_variance():
    for d, var in ((ir.Normal(-2.0, 0.5), 0.25), (ir.Uniform(0.5, 1.5), 1 / 12),
                   (ir.Discrete((0.2, 0.5, 1.0), (0.25, 0.5, 0.25)), 0.0825),
                   (ir.Const(3.0), 0.0)):
        off, w = nodes(d)
        assert w.sum() == pytest.approx(1.0)
        assert w @ off == pytest.approx(0.0, abs=1e-12)
        assert w @ off ** 2 == pytest.approx(var)
    off, w = nodes(ir.Discrete((0.2, 0.5, 1.0), (0.25, 0.5, 0.25)))
    assert sorted(off + 0.55) == pytest.approx([0.2, 0.5, 1.0])  # the outcomes themselves


SPEC = """
scale 0..10
persona a share=1 baseline=normal(8.5, 1.2)
stage One
stage Two
survey asked at Two
event lift p=50% impact=+2 at One
event drop p=50% impact=normal(-3, 0.6) at Two
event wow p=40% impact=uniform(0.5, 1.5) at Two
"""


def test_the_analytic_gradient_is_the_likelihoods():
    comp = check_text(SPEC)
    m = comp.model
    rng = np.random.default_rng(3)
    n = 3000
    happened = (rng.random((n, 3)) < 0.5).astype(np.int8)
    answers = rng.integers(0, 11, n).astype(np.int32).reshape(n, 1)
    t = RespondentTable(
        source="<test>", personas=("a",), stages=("One", "Two"),
        events=("lift", "drop", "wow"), surveys=("asked",),
        persona=np.zeros(n, dtype=np.int32), reached=np.ones(n, dtype=np.int32),
        happened=happened, answer=np.where(answers >= 0, answers, NO_ANSWER),
        row=np.arange(n), has_event=(True,) * 3, has_survey=(True,),
        inconsistent=np.zeros(n, dtype=bool))
    cells = fit_cells.build(m, t, np.ones(n, dtype=bool))
    groups = [(k, Group("event", e.name, "impact", (0,))) for k, e in enumerate(m.events)]
    sm = ScoreModel(m, cells, groups, [True] * 3)
    theta = np.array([8.3, np.log(1.1), 1.7, -2.6, 0.9])
    sm.place_atoms(theta)
    value, grad = sm.nll(theta)
    for i in range(theta.size):
        e = np.zeros(theta.size)
        e[i] = 1e-6
        numeric = (sm.nll(theta + e)[0] - sm.nll(theta - e)[0]) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-4, abs=1e-3), i
