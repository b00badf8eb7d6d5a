"""A spec fitted to its own sample forecasts that sample's observed NPS: the fitted spec
has an ``uncertain`` line per fitted value, so ``simulate`` runs worlds, and the sample's
NPS lies inside the forecast's 95% range."""

from __future__ import annotations

import numpy as np
import pytest

import cxdsl
from cxdsl.data.fit import fit_table
from cxdsl.data.fitted_spec import fitted_text
from cxdsl.data.sample import sample_table
from cxdsl.data.table import NO_ANSWER
from cxdsl.lang.api import check_text

SPEC = """\
journey "Fitted to itself"
persona a share=40% baseline=normal(6.5, 1.2)
persona b share=60% baseline=normal(7, 1)
stage S advance=60% slope=0.3
stage T
survey rel at T
survey early at S
event e p=30% impact=-2 at S
  for b p=20%
event f p=50% impact=+1.5 at T when not e
"""


def observed_nps(answers: np.ndarray) -> float:
    a = answers[answers != NO_ANSWER]
    return 100.0 * ((a >= 9).mean() - (a <= 6).mean())


@pytest.mark.parametrize("seed", [5, 6])
def test_the_fitted_spec_forecasts_its_samples_nps(seed):
    comp = check_text(SPEC)
    t = sample_table(comp.model, 4_000, seed)
    fitted = fitted_text(fit_table(comp.model, t, comp.module), SPEC)
    model = cxdsl.loads(fitted)
    assert len(model.uncertain) >= 10
    nps = cxdsl.simulate(model, customers=200_000, seed=1).metric("nps")
    lo, hi = nps.forecast
    observed = observed_nps(t.answer[:, t.surveys.index("rel")])
    assert lo <= observed <= hi
    # the forecast's range is about what 4,000 rows leave unknown: not a plain run's
    assert hi - lo > 2 * (nps.hi - nps.lo)
