"""Discrete baselines in the score model, checked against closed forms: the weights'
maximum likelihood is the answers' shares (a multinomial), and an event whose condition
reads the score selects the values it can happen at (docs/fit.md "Discrete baselines")."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from test_fit_small import table

from cxdsl.data.fit import fit_table
from cxdsl.data.fit_scores import BOUNDED_ONLY
from cxdsl.data.fitted_spec import fitted_text
from cxdsl.lang.api import check_text

TWO = """\
scale 1..5
persona a share=100% baseline=discrete(3: 50%, 4: 50%)
stage Visit advance=100%
stage Done
survey s at Visit
"""


def test_the_weights_of_a_discrete_baseline_are_the_answers_shares():
    comp = check_text(TWO)
    m = comp.model
    n3, n4 = 30, 70
    t = table(m, ["a"] * 100, ["Done"] * 100, [[]] * 100, [[3]] * n3 + [[4]] * n4)
    fit = fit_table(m, t, comp.module)
    w3, w4 = fit.value("a.baseline[3]"), fit.value("a.baseline[4]")
    assert w3.fitted == pytest.approx(0.3, abs=1e-6)
    assert w4.fitted == pytest.approx(0.7, abs=1e-6)
    se = math.sqrt(0.3 * 0.7 / 100)  # the multinomial's
    assert w3.ci95[1] - w3.ci95[0] == pytest.approx(2 * 1.959963984540054 * se, rel=1e-4)
    base = fit.value("a.baseline")
    assert base.fitted == pytest.approx(3.7, abs=1e-6)
    assert base.posterior.sd == pytest.approx(se, rel=1e-4)  # (4 − 3) × se of the weight
    assert fit.value("a.baseline.sd").fitted == pytest.approx(math.sqrt(0.21), abs=1e-6)
    text = re.sub(r" +~ ", " ~ ", fitted_text(fit, TWO))
    assert "baseline=discrete(3: 0.3, 4: 0.7)" in text
    assert "uncertain a.baseline ~ normal(3.7, " in text
    assert "baseline[3]" not in text  # a weight has no uncertain line
    assert check_text(text).model.personas[0].baseline.weights == pytest.approx((0.3, 0.7))


SELECTED = """\
scale 1..5
persona a share=100% baseline=discrete(3: 50%, 5: 50%)
stage Visit advance=100%
stage Done
survey s at Visit
event rescue p=50% impact=-1 at Visit when score < 4
"""


def test_an_event_on_the_score_selects_the_values_it_can_happen_at():
    # b = 3: the event can happen (answer 2) or not (3); b = 5: it cannot (5). Given the
    # event did not happen, P(answer 3) = w3 (1 − p) / (w3 (1 − p) + w5).
    comp = check_text(SELECTED)
    m = comp.model
    rows = [(1, 2)] * 20 + [(0, 3)] * 20 + [(0, 5)] * 60
    t = table(m, ["a"] * 100, ["Done"] * 100, [[x] for x, _ in rows], [[r] for _, r in rows])
    fit = fit_table(m, t, comp.module)
    p = fit.value("rescue.p").fitted
    share = 20 / 80
    w3 = share / (share + (1 - share) * (1 - p))
    assert fit.value("a.baseline[3]").fitted == pytest.approx(w3, abs=1e-5)
    assert p == pytest.approx(0.5, abs=0.05)
    # without the selection the weight would be the 40 of 100 answers below 4 seen alike
    assert not np.isclose(w3, 0.25)


def test_an_impact_only_discrete_answers_inform_is_bounded_and_kept():
    # every answer is 3 or 4 plus the perk's 1 exactly: any impact in [0.5, 1.5) fits
    comp = check_text(TWO + "event perk p=50% impact=+1 at Visit\n")
    m = comp.model
    rows = [(0, 3)] * 25 + [(0, 4)] * 25 + [(1, 4)] * 25 + [(1, 5)] * 25
    t = table(m, ["a"] * 100, ["Done"] * 100, [[x] for x, _ in rows], [[r] for _, r in rows])
    fit = fit_table(m, t, comp.module)
    impact = fit.value("perk.impact")
    assert not impact.informed and impact.note == BOUNDED_ONLY
    assert fit.value("a.baseline[3]").fitted == pytest.approx(0.5, abs=1e-6)
