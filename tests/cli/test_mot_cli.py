"""``cxdsl mot``: the ranking, exact figures, the tornado and bad input."""

from __future__ import annotations

import json

import pytest

from support import BAD_RUN_OPTIONS, invoke, invoke_json, refused, spec_fixture, write

SPEC = """\
journey "Moments"
persona a share=100% baseline=6 value=50
stage S advance=50%
stage T
event good p=40% impact=+3 at S
event bad p=10% impact=-2 at S
event late p=50% impact=+1 at T
"""


spec = spec_fixture(SPEC, "m.cxj")


def test_exact_mean_by_hand(spec):
    doc = invoke_json("mot", spec, "--engine", "exact", "--metric", "mean", "--json")
    assert set(doc) == {"manifest", "metric", "events"}
    assert doc["metric"] == "mean"
    events = {e["name"]: e for e in doc["events"]}
    assert [e["name"] for e in doc["events"]] == ["good", "late", "bad"]
    # good: +3 with p 40% -> contribution 1.2, never/always differ by 3, leverage 0.3
    g = events["good"]
    assert g["stage"] == "S"
    assert g["contribution"]["value"] == pytest.approx(1.2)
    assert g["if_always"]["value"] - g["if_never"]["value"] == pytest.approx(3)
    assert g["leverage"]["value"] == pytest.approx(0.3)
    assert g["leverage"]["ci95"] == [g["leverage"]["value"]] * 2
    # the mean is the converted customers' (the implicit survey at T), and late happens
    # to half of them: +1 * 0.5
    assert events["late"]["contribution"]["value"] == pytest.approx(0.5)
    assert events["bad"]["contribution"]["value"] == pytest.approx(-0.2)


def test_numba_within_intervals_of_exact(spec):
    exact = json.loads(invoke("mot", spec, "--engine", "exact", "--metric", "mean",
                              "--json").output)
    sim = json.loads(invoke("mot", spec, "-n", "50000", "--metric", "mean",
                            "--json").output)
    want = {e["name"]: e for e in exact["events"]}
    for e in sim["events"]:
        for part in ("contribution", "leverage"):
            lo, hi = e[part]["ci95"]
            # good's leverage is exactly 0.3 in every run: p = 1 vs p = 0 moves every
            # customer by exactly +3, so even the simulated interval has zero width
            assert lo <= e[part]["value"] <= hi
            truth = want[e["name"]][part]["value"]
            assert abs(e[part]["value"] - truth) <= 1.5 * (hi - lo) / 2 + 1e-12, (
                e["name"], part)


def test_tornado_json(spec):
    doc = invoke_json("mot", spec, "--engine", "exact", "--metric", "mean", "--tornado",
                 "--by", "10%", "--json")
    t = doc["tornado"]
    assert t["by"] == pytest.approx(0.1) and t["metric"] == "mean"
    rows = {r["parameter"]: r for r in t["parameters"]}
    # the mean of the converted customers (all of whom reached T): baseline 6 -> 5.4 ..
    # 6.6 moves every score by ∓0.6 (swing 1.2), except at 6.6 who had good and late but
    # not bad: 6.6 + 3 + 1 = 10.6 is clamped to 10, 0.6 lost for 0.4 * 0.9 * 0.5 of them
    assert rows["a.baseline"]["swing"]["value"] == pytest.approx(
        1.2 - 0.6 * 0.4 * 0.9 * 0.5)
    assert t["parameters"][0]["parameter"] == "a.baseline"
    # good.p 36% .. 44%: swing 3 * 0.08 = 0.24
    assert rows["good.p"]["swing"]["value"] == pytest.approx(0.24)
    assert rows["good.p"]["low_setting"] == "36%" and rows["good.p"]["high_setting"] == "44%"
    swings = [abs(r["swing"]["value"]) for r in t["parameters"]]
    assert swings == sorted(swings, reverse=True)
    assert "T.advance" not in rows  # the last stage


def test_human_output(spec):
    out = invoke("mot", spec, "-n", "20000", "--tornado")
    assert out.exit_code == 0, out.output
    for word in ("Moments of truth", "good", "contribution", "Tornado", "a.baseline"):
        assert word in out.output


@pytest.mark.parametrize("args, message", BAD_RUN_OPTIONS + [
    (["--by", "10%"], "add --tornado"),
    (["--tornado", "--by", "0"], "above 0"),
    (["--metric", "loyalty"], "loyalty"),
])
def test_bad_input(spec, args, message):
    assert message in refused("mot", spec, *args)


def test_nps_needs_the_0_10_scale(tmp_path):
    path = write(tmp_path, "s.cxj", "scale 1..5\n" + SPEC.replace("baseline=6", "baseline=3"))
    out = invoke("mot", path, "--metric", "nps", "--engine", "exact")
    assert out.exit_code == 2 and "0..10 scale" in out.output
    out = invoke("mot", path, "--engine", "exact", "--json")  # default metric: mean
    assert out.exit_code == 0 and json.loads(out.output)["metric"] == "mean"
