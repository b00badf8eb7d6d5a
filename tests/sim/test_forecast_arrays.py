"""The forecast's array forms against their scalar definitions, bit for bit: the worlds'
uniforms and draws (:func:`cxdsl.sim.worlds.world_draws`) against ``uniform_py`` and each
form's ``quantile``."""

from __future__ import annotations

import numpy as np
import pytest

import cxdsl
from cxdsl.sim.rng import customer_hash_py, uniform_py
from cxdsl.sim.worlds import quantiles, uncertain_key, world_draws

SPEC = """\
persona a share=1 baseline=normal(7, 1)
persona b share=1 baseline=discrete(5: 0.25, 8: 0.75)
stage S advance=50%
stage T
event e p=5% impact=-3 at S
event f p=20% impact=triangular(0, 1, 3) at T
uncertain e.p ~ beta(3, 57)
uncertain f.p[b] ~ uniform(1%, 9%)
uncertain a.baseline ~ normal(7.5, 0.3)
uncertain f.impact ~ triangular(0.5, 1, 2)
uncertain b.baseline ~ discrete(6: 0.5, 7: 0.3, 8: 0.2)
uncertain S.advance ~ beta(40, 60)
uncertain a.share ~ uniform(1, 3)
"""


def scalar_draws(model, worlds: int, seed: int) -> np.ndarray:
    """The definition: ``dist.quantile(uniform_py(key, customer_hash_py(w)))``."""
    out = np.empty((worlds, len(model.uncertain)))
    for u, line in enumerate(model.uncertain):
        key = uncertain_key(seed, line.path)
        for w in range(worlds):
            out[w, u] = line.dist.quantile(uniform_py(key, customer_hash_py(w)))
    return out


@pytest.mark.parametrize("seed", [0, 7, -3, 2 ** 70])
def test_world_draws_are_the_scalar_definition_bit_for_bit(seed):
    model = cxdsl.loads(SPEC)
    got = world_draws(model, 300, seed)
    want = scalar_draws(model, 300, seed)
    assert got.dtype == np.float64 and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


def test_array_quantiles_of_every_form_equal_the_scalar_ones():
    model = cxdsl.loads(SPEC)
    u = np.array([2.0 ** -53, 1e-9, 0.01, 0.025, 0.3, 0.5, 0.75, 0.975, 1 - 2.0 ** -53])
    for line in model.uncertain:
        got = quantiles(line.dist, u)
        assert got.tolist() == [float(line.dist.quantile(x)) for x in u.tolist()], line.dist


@pytest.mark.parametrize("scale", [(0, 10), (1, 5), (-3, 3)])
def test_array_estimates_equal_the_registrys_bit_for_bit(scale):
    """world_arrays' estimates over (world, persona) arrays against the registry's
    estimate of each pair's PersonaStats, every metric of the scale."""
    from cxdsl.model.metrics import REGISTRY, PersonaStats, metrics_for
    from cxdsl.sim.world_arrays import _estimates_over

    rng = np.random.default_rng(5)
    W, Q, K = 60, 3, scale[1] - scale[0] + 1
    counts = rng.integers(0, 50, size=(W, Q, K)).astype(np.float64)
    counts[0, 0] = 0.0
    counts[1, 1, :] = 0.0
    counts[1, 1, -1] = 7.0  # everyone at the top
    n = np.maximum(counts.sum(axis=2), 1.0)
    dist = counts / n[:, :, None]
    mean = rng.normal(3, 2, size=(W, Q))
    var = rng.gamma(2.0, 1.0, size=(W, Q))
    conversion = rng.uniform(size=(W, Q))
    conversion[2, 0] = 0.0
    conversion[3, 1] = 1.0
    values = rng.uniform(0, 5000, size=(W, Q))
    mask = rng.uniform(size=(W, Q)) < 0.9
    names = metrics_for(scale)
    got = _estimates_over(names, mask, dist, mean, var, conversion, values, scale)
    for m in names:
        for w in range(W):
            for q in range(Q):
                v, pvar = got[m][0][w, q], got[m][1][w, q]
                if not mask[w, q]:
                    assert np.isnan(v) and np.isnan(pvar)
                    continue
                want = REGISTRY[m].estimate(PersonaStats(
                    dist[w, q], float(mean[w, q]), float(var[w, q]),
                    float(conversion[w, q]), float(values[w, q]), scale))
                assert (float(v), float(pvar)) == want, (m, w, q)


def test_a_scenario_that_adds_an_event_keeps_its_certain_value():
    """A scenario that adds an event (its worlds are lowered from world models) and sets an
    uncertain persona value: the value is the scenario's in every world, in the forecast's
    revenue as in each world's own model."""
    from cxdsl.sim.simulate import simulate
    from cxdsl.sim.worlds import world_draws, world_models, world_values

    model = cxdsl.loads(
        "persona a share=1 baseline=8 value=100\nstage S advance=50%\nstage T\n"
        "uncertain a.value ~ uniform(50, 150)\n"
        "scenario s {\n  a.value = 10\n  event x p=10% impact=1 at S\n}\n")
    draws = world_draws(model, 20, 3)
    want = [[p.value for p in m.personas] for m in world_models(model, draws, "s")]
    assert world_values(model, draws, "s").tolist() == want == [[10.0]] * 20
    r = simulate(model, customers=2000, seed=3, worlds=20, scenario="s")
    conversion = r.metric("conversion").value
    assert r.metric("revenue").value == pytest.approx(10.0 * conversion, rel=1e-12)


def test_column_means_are_each_columns_own_mean():
    from cxdsl.sim.forecast import _column_means

    rng = np.random.default_rng(2)
    for W in (1, 7, 8, 9, 200, 1001):
        a = rng.normal(3, 2, size=(W, 6)) * 10.0 ** rng.integers(-5, 5, size=(W, 6))
        a[::3, 2] = np.nan
        a[:, 4] = np.nan
        want = []
        for col in a.T:
            got = col[~np.isnan(col)]
            want.append(float(got.mean()) if len(got) else None)
        assert _column_means(a) == want
