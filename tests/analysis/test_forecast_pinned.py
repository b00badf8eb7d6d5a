"""Forecasts pinned bit for bit: the JSON documents of ``run``, ``sweep``, ``compare`` and
``mot`` of a spec with uncertain values of every kind, as SHA-256 digests of their canonical
JSON (floats written by ``repr``, so a change in the last bit of any figure changes the
digest). The digests were taken from the per-world path (a model and a Result per world);
faster paths must give the same documents, with any number of threads."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import cxdsl
from cxdsl import analysis
from cxdsl.sim.simulate import simulate

SPEC = (Path(__file__).resolve().parents[2] / "benchmarks" / "reference.cxj").read_text(
    encoding="utf-8") + """
uncertain glitch.p ~ beta(5, 95)
uncertain demo.impact ~ uniform(1, 2)
uncertain enterprise.baseline ~ normal(7.5, 0.3)
uncertain Convert.advance ~ beta(50, 50)
uncertain bug.impact[smb] ~ triangular(-2, -1.5, -1)
uncertain smb.value ~ discrete(1000: 0.5, 1400: 0.5)
uncertain Close.slope ~ normal(0.4, 0.1)
target nps >= 10
target conversion >= 20% for smb
scenario faster { Convert.advance = 65% }
scenario fewer_glitches cost=5000 running_cost=100 { glitch.p = 1% }
volume 1000 per month
"""

PINNED = {
    "run": "c2c8a462e0646156e99af5d79ada7cd7c219128ea117ec9d38fd7449ff614cff",
    "sweep": "89ca8e189404149b54fa7b2c3ce2e2205a4285bfc95a9d2d288f40ad364f201b",
    "sweep_csv": "85bde64ca5800151d2bd3259d4dc4149c9eee61ac9b2595ace346439579f65cb",
    "compare": "d31f941719b12ec59a2c7c073d6fb143b2a3c431665297ce4f3479eabaa471eb",
    "mot": "f8dcb74f1f3915b795f41a34f465feee58e2bfab7e71f4b418eb10be2112cce0",
}


def digest(doc) -> str:
    text = doc if isinstance(doc, str) else json.dumps(doc, sort_keys=True,
                                                       allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def model():
    return cxdsl.loads(SPEC)


@pytest.mark.parametrize("threads", [1, 2])
def test_run_forecast_is_pinned(model, threads):
    r = simulate(model, customers=40_000, seed=7, worlds=30, threads=threads)
    assert r.metric("nps").value == 46.23594921634311
    assert digest(r.to_dict()) == PINNED["run"]


@pytest.mark.parametrize("threads", [1, 2])
def test_sweep_forecast_is_pinned(model, threads):
    sw = analysis.sweep(model, [analysis.parse_vary("glitch.p=0:10%:3", model),
                                analysis.parse_vary("demo.p=40%,80%", model)],
                        file_sweeps=False, customers=30_000, seed=7, worlds=25,
                        threads=threads)
    assert digest(sw.to_dict()) == PINNED["sweep"]
    assert digest(sw.to_csv()) == PINNED["sweep_csv"]


def test_compare_forecast_is_pinned(model):
    c = analysis.compare(model, customers=30_000, seed=7, worlds=25, threads=2)
    assert digest(c.to_dict()) == PINNED["compare"]


def test_mot_forecast_is_pinned(model):
    m = analysis.mot(model, customers=20_000, seed=7, worlds=12, threads=1,
                     tornado_by=0.2)
    assert digest(m.to_dict()) == PINNED["mot"]
