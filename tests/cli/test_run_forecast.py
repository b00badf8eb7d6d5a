"""``cxdsl run`` of a spec with uncertain values: ``--worlds``, the forecast interval in
words, per persona and per survey, the noise note, targets over worlds, and the JSON."""

from __future__ import annotations

import re

import pytest

from cxdsl.cli.main import cli
from support import invoke, refused, separate_runner, strict_json, write

SPEC = """journey "Forecast journey"
persona pro share=40% baseline=8 value=1_000
persona hobby share=60% baseline=discrete(6: 0.5, 9: 0.5) value=100
stage Look advance=50% slope=0.5
stage Buy
event glitch p=10% impact=-3 at Look
event fix p=50% impact=+2 at Look when glitch
survey look at Look
survey all at end
target nps >= -10
target conversion >= 60%
uncertain glitch.p ~ beta(10, 90)
uncertain Look.advance ~ beta(50, 50)
worlds 50
"""
METRICS = ("nps", "csat", "mean", "conversion", "revenue")


@pytest.fixture
def spec(tmp_path):
    return write(tmp_path, "forecast.cxj", SPEC)


@pytest.mark.parametrize("worlds, needle", [("0", "from 1 to"), ("1e9", "from 1 to"),
                                            ("abc", "not a number of worlds"),
                                            ("2.5", "not a whole number")])
def test_bad_worlds_are_usage_errors(spec, worlds, needle):
    assert needle in refused("run", spec, "--worlds", worlds)


def test_too_few_customers_for_the_worlds_is_a_usage_error(spec):
    assert "needs at least 500 customers" in refused("run", spec, "--worlds", "500",
                                                     "-n", "100")


def test_json_has_forecast95_everywhere(spec):
    r = separate_runner().invoke(_cli(), ["run", str(spec), "-n", "20000", "--worlds", "40",
                                          "--json"])
    assert r.exit_code == 1, r.output  # conversion >= 60% is missed
    d = strict_json(r.stdout)
    assert d["manifest"]["worlds"] == 40 and d["manifest"]["customers"] == 20000
    groups = [d["overall"], *d["personas"].values()]
    for s in d["surveys"].values():
        groups += [s["overall"], *s["personas"].values()]
    for g in groups:
        for name, m in g.items():
            if name == "distribution":
                continue
            lo, hi = m["forecast95"]
            assert lo <= m["value"] <= hi or lo == hi, (name, m)
    assert set(d["noise"]) == {"metric", "share", "noticeable", "customers"}
    nps, conv = d["targets"]
    assert nps["met"] and 0 < nps["worlds_met"] <= 1
    assert not conv["met"] and conv["worlds_met"] == 0


def _cli():
    return cli


def test_human_output_leads_with_the_forecast_in_words(spec):
    r = invoke("run", spec, "-n", "40000")
    assert r.exit_code == 1, r.output
    out = r.output
    assert "40,000 customers over 50 worlds, seed 0" in out
    first = " ".join(out.split("\n\n")[1].split())
    m = re.match(r"NPS (-?[\d.]+), forecast (-?[\d.]+) to (-?[\d.]+): with the spec's "
                 r"uncertain values, 95% of worlds land in this range", first)
    assert m, first
    assert "the simulation knows the expected value to ±" in first
    for text in ("Personas", "Surveys", "look ◆", "forecast: where 95% of the worlds land",
                 "met in", "% of worlds", "judged on the value"):
        assert text in out, text


def test_exact_engine_forecast_in_words(spec):
    r = invoke("run", spec, "--engine", "exact", "--worlds", "30")
    assert "exact engine (no sampling), 30 worlds" in r.output
    assert "without sampling noise" in words(r.output)
    assert "note: simulation noise" not in r.output


def words(out: str) -> str:
    return " ".join(out.split())


def test_the_noise_note_names_the_run_size_that_makes_it_negligible(spec, tmp_path):
    out = words(invoke("run", spec, "-n", "40000").output)
    m = re.search(r"note: simulation noise is (\d+)% of the spread of NPS over the worlds "
                  r"\(each world simulates 800 customers\).*-n ([\d,]+) would make it "
                  r"negligible", out)
    assert m, out
    assert int(m.group(1)) >= 10 and int(m.group(2).replace(",", "")) > 40000
    narrow = write(tmp_path, "narrow.cxj", SPEC.replace("beta(10, 90)", "beta(1000, 9000)"))
    out = words(invoke("run", narrow, "-n", "20000").output)
    assert "the spread is no wider than the noise itself" in out
    wide = write(tmp_path, "wide.cxj", SPEC.replace("beta(10, 90)", "beta(1, 3)"))
    assert "note: simulation noise" not in invoke("run", wide, "-n", "200000").output


def test_worlds_option_overrides_the_spec(spec):
    assert _doc(spec, "--engine", "exact")["manifest"]["worlds"] == 50
    doc = _doc(spec, "--engine", "exact", "--worlds", "20")
    assert doc["manifest"]["worlds"] == 20 and doc["manifest"]["customers"] is None
    assert "noise" not in doc  # the exact engine has no simulation noise


def _doc(spec, *args):
    r = separate_runner().invoke(_cli(), ["run", str(spec), "--json", *args])
    assert r.exit_code in (0, 1), r.output
    return strict_json(r.stdout)


def test_worlds_without_uncertain_values_is_noted(tmp_path):
    plain = write(tmp_path, "plain.cxj", "persona a share=1 baseline=7\nstage S\n")
    r = separate_runner().invoke(_cli(), ["run", str(plain), "--worlds", "10", "--json"])
    assert r.exit_code == 0
    assert "no effect" in r.stderr and "forecast95" not in r.stdout
    assert "worlds" not in strict_json(r.stdout)["manifest"]


def test_precision_of_a_forecast(spec):
    r = invoke("run", spec, "--precision", "1.5")
    out = words(r.output)
    m = re.search(r"precision: nps ±([\d.]+) at 95% \(of the mean over the worlds\) — the "
                  r"asked ±1.5 reached", out)
    assert m, out
    assert float(m.group(1)) <= 1.5
