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
