"""Value of information against exact answers: the exact engine on specs whose options'
values are linear in one uncertain value (closed-form EVPI, EVPPI and variance shares),
a money decision with a volume, and the estimators on synthetic worlds with noise."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

import cxdsl
from cxdsl.analysis import voi as v
from cxdsl.sim.worlds import world_draws

W = 2000


def normal_evpi(mu: float, sigma: float) -> float:
    """EVPI of "fund or not" when the change is D ~ N(mu, sigma²): E[max(D, 0)] − max(mu, 0)."""
    z = mu / sigma
    return sigma * stats.norm.pdf(z) + mu * stats.norm.cdf(z) - max(mu, 0.0)


# mean score = 10 + 0.5·X in the baseline and 10 when the event never happens, so the
# scenario's change is D = −0.5·X ~ N(0.1, 0.5²); `quiet` has no impact at all
LINEAR = """
scale 0..20
persona a share=1 baseline=10
stage S
survey all at S
event e p=50% impact=-0.2 at S
event quiet p=50% impact=0 at S
uncertain e.impact ~ normal(-0.2, 1)
uncertain quiet.p ~ beta(2, 2)
scenario never { e.p = 0% }
"""


@pytest.fixture(scope="module")
def linear():
    return v.voi(cxdsl.loads(LINEAR), engine="exact", worlds=W, seed=3, resamples=100)


def test_evpi_matches_the_closed_form(linear):
    assert linear.decision == "mean" and linear.worlds == W
    true = normal_evpi(0.1, 0.5)
    draws = world_draws(cxdsl.loads(LINEAR), W, 3)
    d = -0.5 * draws[:, 0]
    # the exact engine's worlds carry no noise: the estimate is the sample's own EVPI …
    sample = np.maximum(d, 0).mean() - max(d.mean(), 0)
    assert linear.evpi.value == pytest.approx(sample, rel=1e-9, abs=1e-12)
    # … which is the closed form within the Monte Carlo error over W worlds
    se = np.maximum(d, 0).std() / math.sqrt(W)
    assert abs(linear.evpi.value - true) < 4 * se
    assert linear.evpi.lo <= linear.evpi.value <= linear.evpi.hi


def test_the_value_that_alone_decides_is_worth_the_evpi(linear):
    by = {x.path: x for x in linear.values}
    assert [x.path for x in linear.values] == ["e.impact", "quiet.p"]  # sorted by evppi
    assert by["e.impact"].evppi.value == pytest.approx(linear.evpi.value, rel=1e-3)
    assert by["e.impact"].variance_share.value == pytest.approx(1.0, abs=1e-3)


def test_a_value_that_cannot_change_the_decision_is_worth_nothing(linear):
    quiet = next(x for x in linear.values if x.path == "quiet.p")
    assert quiet.evppi.value < 0.05 * linear.evpi.value
    assert quiet.variance_share.value < 0.01
    assert quiet.evppi.lo == 0.0 or quiet.evppi.lo < 0.05 * linear.evpi.value


def test_options_and_their_chances(linear):
    base, never = linear.options
    assert (base.name, never.name) == ("baseline", "never")
    draws = world_draws(cxdsl.loads(LINEAR), W, 3)
    assert base.expected.value == pytest.approx(10 + 0.5 * draws[:, 0].mean(), rel=1e-9)
    assert never.expected.value == pytest.approx(10.0, rel=1e-12)
    assert never.p_best == pytest.approx(np.mean(-0.5 * draws[:, 0] > 0))
    assert linear.noise is None  # the exact engine has no simulation noise


# mean = B + 0.5·I with B ~ N(10, 1) and I ~ N(0, 1): shares 1 / 1.25 and 0.25 / 1.25
SHARES = """
scale 0..20
persona a share=1 baseline=10
stage S
survey all at S
event e p=50% impact=0 at S
uncertain a.baseline ~ normal(10, 1)
uncertain e.impact ~ normal(0, 1)
"""


def test_variance_shares_of_two_independent_values_match_their_closed_form():
    res = v.voi(cxdsl.loads(SHARES), engine="exact", worlds=W, seed=5, resamples=50)
    by = {x.path: x.variance_share for x in res.values}
    # y is linear in each value, so the smoother's fit is the straight line: the share is
    # the sample's squared correlation …
    draws = world_draws(cxdsl.loads(SHARES), W, 5)
    y = draws[:, 0] + 0.5 * draws[:, 1]
    for u, path in enumerate(("a.baseline", "e.impact")):
        r2 = np.corrcoef(y, draws[:, u])[0, 1] ** 2
        assert by[path].value == pytest.approx(r2, rel=1e-3)
    # … and the closed form within the sampling error of W worlds (a sample correlation
    # between independent draws is about ±1/√W)
    assert by["a.baseline"].value == pytest.approx(0.8, abs=0.05)
    assert by["e.impact"].value == pytest.approx(0.2, abs=0.05)
    for share in by.values():
        assert share.lo <= share.value <= share.hi
    # no scenarios: no decision, and the document says why
    assert res.decision is None and res.evpi is None and res.options == []
    assert all(x.evppi is None for x in res.values)
    assert "no scenarios" in res.note
    assert [x.path for x in res.values] == ["a.baseline", "e.impact"]  # by variance share


# revenue = 100 × a per customer; the scenario fixes a at 50% for 10,000 a year:
# net = (0.5 − a) × 100 × 1,000 − 10,000, and a ~ beta(4, 6) has mean 0.4, so E[net] = 0
MONEY = """
volume 1_000 per year
persona a share=1 baseline=7 value=100
stage Visit advance=40%
stage Buy
uncertain Visit.advance ~ beta(4, 6)
scenario sure running_cost=10_000 { Visit.advance = 50% }
"""


def test_money_decision_is_the_net_per_period():
    res = v.voi(cxdsl.loads(MONEY), engine="exact", worlds=W, seed=11, resamples=50)
    assert res.decision == "net"
    doc = res.to_dict()
    assert doc["volume"] == 1000 and doc["period"] == "year"
    base, sure = res.options
    assert base.expected.value == 0.0
    assert sure.expected.value == pytest.approx(0.0, abs=4 * 100_000 * 0.15 / math.sqrt(W))
    # EVPI = E[max(net, 0)] = 100,000 × E[max(0.4 − a, 0)]
    f = stats.beta(4, 6).pdf
    true = 100_000 * integrate.quad(lambda a: (0.4 - a) * f(a), 0, 0.4)[0]
    draws = world_draws(cxdsl.loads(MONEY), W, 11)
    net = (0.5 - draws[:, 0]) * 100_000 - 10_000
    se = np.maximum(net, 0).std() / math.sqrt(W)
    assert abs(res.evpi.value - true) < 4 * se + abs(net.mean())
    (only,) = res.values
    assert only.evppi.value == pytest.approx(res.evpi.value, rel=1e-3)


def test_a_spec_without_uncertain_values_is_a_finding():
    with pytest.raises(v.NothingUncertain, match="no uncertain values"):
        v.voi(cxdsl.loads("persona a share=1 baseline=7\nstage S\n"), engine="exact")


def test_the_intervals_repeat_with_the_seed():
    model = cxdsl.loads(LINEAR)
    a = v.voi(model, engine="exact", worlds=200, seed=1, resamples=30).to_dict()
    b = v.voi(model, engine="exact", worlds=200, seed=1, resamples=30).to_dict()
    assert a == b


# --------------------------------------------------------------- the estimators alone


def test_regression_keeps_simulation_noise_out_of_the_evpi():
    """Per-world values with noise of their own: the direct EVPI is biased upward by it,
    the regression estimates (one value, or all jointly) are not."""
    rng = np.random.default_rng(7)
    n = 2000
    x1, x2 = rng.normal(0, 1, n), rng.uniform(0, 1, n)
    mu, sigma = 0.1, 0.5
    inb = (mu + sigma * x1 + rng.normal(0, 0.4, n))[:, None]
    bases = [v.spline_basis(x1), v.spline_basis(x2)]
    joint = v.joint_basis(bases, np.column_stack([x1, x2]))
    y = x1 + 0.5 * x2
    with v.one_blas_thread():
        f = v.estimate(bases, joint, y, inb, np.zeros(n), direct=False)
    true = normal_evpi(mu, sigma)
    assert v.expected_best(inb) > true * 1.15
    assert f.evpi == pytest.approx(true, rel=0.1)
    assert f.evppi[0] == pytest.approx(true, rel=0.1)
    assert f.evppi[1] < 0.05 * true
    # first-order shares of a linear y: Var(x1) / (Var(x1) + 0.25 Var(x2))
    total = 1 + 0.25 / 12
    assert f.shares[0] == pytest.approx(1 / total, abs=0.02)
    assert f.shares[1] == pytest.approx(0.25 / 12 / total, abs=0.01)


def test_the_smoother_follows_a_curve_and_a_discrete_value_gets_its_means():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 500)
    truth = np.sin(2 * math.pi * x)
    fitted, _ = v.smooth(v.spline_basis(x), (truth + rng.normal(0, 0.2, 500))[:, None])
    assert np.sqrt(np.mean((fitted[:, 0] - truth) ** 2)) < 0.06
    k = rng.integers(0, 3, 300).astype(float)
    y = k * 2 + rng.normal(0, 1, 300)
    fitted, _ = v.smooth(v.spline_basis(k), y[:, None])
    for value in range(3):
        assert fitted[k == value, 0] == pytest.approx(y[k == value].mean())


def test_the_simulator_agrees_with_the_exact_engine():
    """The same worlds simulated (20,000 customers each, paired between the options) give
    the exact engine's figures within their simulation noise, and say how noisy they are."""
    model = cxdsl.loads(LINEAR)
    exact = v.voi(model, engine="exact", worlds=200, seed=9, resamples=20)
    sim = v.voi(model, worlds=200, customers=200 * 20_000, seed=9, resamples=20)
    assert sim.decision == exact.decision == "mean"
    assert sim.evpi.value == pytest.approx(exact.evpi.value, abs=0.01)
    for a, b in zip(sim.values, exact.values):
        assert a.path == b.path
        assert a.evppi.value == pytest.approx(b.evppi.value, abs=0.01)
        assert a.variance_share.value == pytest.approx(b.variance_share.value, abs=0.02)
    assert sim.noise["metric"] < 0.01 and sim.noise["decision"] < 0.01
    assert sim.noise["customers"] is None
    assert sim.manifest["customers"] == 4_000_000 and sim.manifest["worlds"] == 200
