"""Metrics from raw tallies: values, intervals (stratified), the JSON shape, targets."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

import cxdsl
from cxdsl.model import ir
from cxdsl.sim.metrics import Z95, compute, headline_metric
from cxdsl.sim.simulate import manifest
from cxdsl.sim.tallies import Tallies

SPEC = """
journey "two personas"
persona a share=25% baseline=8 value=100
persona b share=75% baseline=5
stage S advance=50%
stage T
target nps >= -70
target mean > 6
target conversion >= 60% for a
"""


def tallies(model, n, hist, score_sum, score_sq, reached, advanced=None, stage_sum=None,
            events=None, exact=False, stage_sq=None, stage_hist=None):
    Q, S, E = len(model.personas), len(model.stages), len(model.events)
    K = model.scale[1] - model.scale[0] + 1
    n = np.array(n, float)

    def given(x, shape):
        return np.array(x if x is not None else np.zeros(shape), float)

    return Tallies(exact, n, n / n.sum(), np.array(score_sum, float),
                   np.array(score_sq, float), np.array(hist, float),
                   np.array(reached, float), given(advanced, (Q, S)),
                   given(stage_sum, (Q, S)), given(events, (Q, E)), given(stage_sq, (Q, S)),
                   given(stage_hist, (Q, S, K)))


@pytest.fixture
def model():
    # asked at the end of their journey, everyone answers: the score metrics of these
    # tests are over all customers (survey "at STAGE": see the tests at the end)
    return dataclasses.replace(cxdsl.loads(SPEC), surveys=(ir.Survey("everyone", None, None),))


@pytest.fixture
def sampled(model):
    # a: 100 customers, 50 ended at 9 and 50 at 7; 60 of them reached T (the goal)
    # b: 300 customers, all at 5; 30 reached T
    hist = np.zeros((2, 11))
    hist[0, 9], hist[0, 7], hist[1, 5] = 50, 50, 300
    t = tallies(model, [100, 300], hist,
                score_sum=[50 * 9 + 50 * 7, 300 * 5],
                score_sq=[50 * 81 + 50 * 49, 300 * 25],
                reached=[[100, 60], [300, 30]], advanced=[[60, 0], [30, 0]],
                stage_sum=[[800, 480], [1500, 150]])
    return compute(t, model, manifest(spec_sha256="x", seed=1, customers=400,
                                      engine="numba", scenario=None))


def test_persona_values_and_intervals(sampled):
    a = sampled.personas["a"]
    # nps: promoters 0.5, detractors 0 -> 50; per-customer variance of the +-100 indicator:
    # 1e4 * (0.5 + 0 - 0.25) = 2500; se = sqrt(2500 / 100) = 5
    assert a["nps"].value == pytest.approx(50)
    assert a["nps"].se == pytest.approx(5)
    assert (a["nps"].lo, a["nps"].hi) == pytest.approx((50 - Z95 * 5, 50 + Z95 * 5))
    # mean 8, sample variance of {9 x 50, 7 x 50} = 100/99
    assert a["mean"].value == pytest.approx(8)
    assert a["mean"].se == pytest.approx(math.sqrt(100 / 99 / 100))
    # conversion 0.6: se = sqrt(0.24 / 100); revenue = 100 * 0.6 = 60, se 100x
    assert a["conversion"].value == pytest.approx(0.6)
    assert a["conversion"].se == pytest.approx(math.sqrt(0.24 / 100))
    assert a["revenue"].value == pytest.approx(60)
    assert a["revenue"].se == pytest.approx(100 * math.sqrt(0.24 / 100))
    # csat (r >= 9): 50%
    assert a["csat"].value == pytest.approx(50)
    assert a.distribution[9] == 0.5 and sum(a.distribution) == pytest.approx(1)


def test_overall_is_stratified(sampled):
    nps = sampled.overall["nps"]
    # weights 0.25 / 0.75: 0.25 * 50 + 0.75 * -100 = -62.5
    assert nps.value == pytest.approx(-62.5)
    # var = 0.25^2 * 2500 / 100 + 0.75^2 * 0 / 300 = 1.5625 -> se 1.25
    assert nps.se == pytest.approx(1.25)
    conv = sampled.overall["conversion"]
    assert conv.value == pytest.approx(0.25 * 0.6 + 0.75 * 0.1)
    assert conv.se == pytest.approx(math.sqrt(0.25 ** 2 * 0.24 / 100 + 0.75 ** 2 * 0.09 / 300))
    d = sampled.overall.distribution
    assert d[9] == pytest.approx(0.125) and d[5] == pytest.approx(0.75)


def test_zero_variance_persona_interval_is_a_point_and_clipped(sampled):
    b = sampled.personas["b"]["nps"]
    assert b.value == -100 and b.lo == -100 and b.hi == -100


def test_stages_events_targets(sampled):
    s = sampled.stages
    assert s[0].reached == pytest.approx(1)
    assert s[0].advanced == pytest.approx(0.25 * 0.6 + 0.75 * 0.1)
    assert s[1].reached == pytest.approx(0.225)
    # mean at end of T among those who reached it: weighted sums / weighted reached
    assert s[1].mean_score == pytest.approx((0.25 * 4.8 + 0.75 * 0.5) / 0.225)
    t = sampled.targets
    assert [x.to_dict() for x in t] == [
        {"target": "nps >= -70", "value": pytest.approx(-62.5), "met": True},
        {"target": "mean > 6", "value": pytest.approx(0.25 * 8 + 0.75 * 5), "met": False},
        {"target": "conversion >= 60% for a", "value": pytest.approx(0.6), "met": True},
    ]
    assert not sampled.targets_met


def test_to_dict_shape(sampled):
    d = json.loads(sampled.to_json())
    assert list(d) == ["manifest", "overall", "personas", "stages", "events", "targets",
                       "surveys"]
    assert list(d["surveys"]) == ["everyone"]
    everyone = d["surveys"]["everyone"]
    assert everyone["stage"] is None and list(everyone["personas"]) == ["a", "b"]
    assert list(everyone["overall"]) == ["respondents", "nps", "csat", "mean", "distribution"]
    assert everyone["overall"]["respondents"]["value"] == 1.0
    assert everyone["overall"]["nps"] == d["overall"]["nps"]
    assert list(d["manifest"]) == ["cxdsl", "schema_version", "spec_sha256", "seed",
                                   "customers", "engine", "scenario"]
    assert list(d["overall"]) == ["nps", "csat", "mean", "conversion", "revenue",
                                  "distribution"]
    assert list(d["personas"]) == ["a", "b"]
    assert list(d["personas"]["a"]) == list(d["overall"])
    for m in ("nps", "csat", "mean", "conversion", "revenue"):
        assert set(d["overall"][m]) == {"value", "ci95"}
        lo, hi = d["overall"][m]["ci95"]
        assert lo <= d["overall"][m]["value"] <= hi
    assert len(d["overall"]["distribution"]) == 11
    assert d["stages"][0] == {"name": "S", "reached": 1.0, "advanced": pytest.approx(0.225),
                              "mean_score": pytest.approx(
                                  0.25 * 8 + 0.75 * 5)}
    assert d["events"] == []


def test_persona_without_customers_is_null_not_nan(model):
    # a tiny run can leave a persona with no customers
    hist = np.zeros((2, 11))
    hist[1, 5] = 1
    t = tallies(model, [0, 1], hist, [0, 5], [0, 25], [[0, 0], [1, 1]])
    r = compute(t, model, {})
    text = r.to_json()
    assert "NaN" not in text
    d = json.loads(text)
    assert d["personas"]["a"]["nps"] == {"value": None, "ci95": [None, None]}
    assert d["overall"]["mean"]["value"] == 5
    # a target on the persona without customers is not met
    assert d["targets"][2] == {"target": "conversion >= 60% for a", "value": None,
                               "met": False}


def test_headline_and_half_width(sampled, model):
    assert headline_metric(model) == "nps" and sampled.headline == "nps"
    assert sampled.half_width() == pytest.approx(Z95 * 1.25)
    assert sampled.half_width("mean", "a") == pytest.approx(Z95 * math.sqrt(100 / 99 / 100))
    small = cxdsl.loads("scale 1..5\npersona a share=1 baseline=3\nstage S\n")
    assert headline_metric(small) == "mean"


def test_exact_tallies_give_point_intervals(model):
    hist = np.zeros((2, 11))
    hist[0, 8] = 1
    hist[1, 5] = 1
    t = tallies(model, [1, 1], hist, [8, 5], [64, 25], [[1, 0.5], [1, 0.5]], exact=True)
    t.weight = np.array([0.25, 0.75])
    r = compute(t, model, {})
    for m in r.overall.metrics.values():
        assert m.lo == m.hi == m.value
    assert r.half_width() == 0
    assert r.overall["mean"].value == pytest.approx(0.25 * 8 + 0.75 * 5)


def test_next_size_for_precision():
    from cxdsl.sim.simulate import next_size

    # half-width 2 at 20k, asked 1: four times the customers, +10%, two digits
    assert next_size(20_000, 2.0, 1.0, 10 ** 9) == 88_000
    assert next_size(20_000, 1.01, 1.0, 10 ** 9) == 25_000  # at least 1.25x
    assert next_size(20_000, 100.0, 0.01, 10 ** 9) == 10_000_000  # at most 500x
    assert next_size(20_000, 100.0, 0.01, 50_000) == 50_000  # never above the cap
    assert next_size(20_000, math.inf, 1.0, 10 ** 9) == 80_000
