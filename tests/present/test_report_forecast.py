"""The report of a forecast: the section over the worlds, its fan charts and histogram, in
the HTML and opened in headless Chromium; a plain spec's report has none of it."""

from __future__ import annotations

import re

import numpy as np
import pytest
from present.test_report import browse, console_messages, parse, pixels, section_of

import cxdsl
from cxdsl.present import report
from cxdsl.present.report.forecast import forecast_of
from support import invoke, write

SPEC = """journey "Forecast report"
persona pro share=40% baseline=8 value=1_000
persona hobby share=60% baseline=discrete(6: 0.5, 9: 0.5) value=100
stage Look advance=50% slope=0.5
stage Try advance=70%
stage Buy
event glitch p=10% impact=-3 at Look
event fix p=50% impact=+2 at Look when glitch
uncertain glitch.p ~ beta(10, 90)
uncertain Look.advance ~ beta(50, 50)
uncertain fix.impact ~ uniform(1, 3)
"""
FORECAST_CHARTS = ["forecast-histogram", "forecast-fan"]
PLAIN_CHARTS = ["journey-map", "funnel", "distribution", "tornado"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("forecast-reports")
    spec = write(out, "f.cxj", SPEC)
    plain = write(out, "p.cxj", SPEC.split("uncertain")[0])
    made = {}
    for key, path, extra in [("forecast", spec, ["--worlds", "60"]), ("plain", plain, []),
                             ("exact", spec, ["--engine", "exact", "--worlds", "40"])]:
        page = out / f"{key}.html"
        res = invoke("report", path, "-o", page, "-n", "12000", *extra)
        assert res.exit_code == 0, res.output
        made[key] = page
    return made


def test_forecast_section_and_charts(pages):
    doc = pages["forecast"].read_text(encoding="utf-8")
    parse(doc)
    body = section_of(doc, "worlds")
    for key in FORECAST_CHARTS:
        assert f'<figure id="chart-{key}"' in body
    words = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert "this forecast ran 60 worlds" in words
    assert re.search(r"95% of the worlds land from -?[\d.]+ to -?[\d.]+", words)
    assert "the simulation knows that mean to ±" in words
    assert "the darker band holds the middle half of the worlds" in words
    assert "95% of worlds:" in section_of(doc, "overview")
    assert doc.count('<svg role="img"') == len(PLAIN_CHARTS + FORECAST_CHARTS)


def test_exact_forecast_says_there_is_no_sampling_noise(pages):
    doc = pages["exact"].read_text(encoding="utf-8")
    assert "this forecast ran 40 worlds" in doc
    assert "without sampling noise" in doc


def test_a_plain_report_has_no_forecast(pages):
    doc = pages["plain"].read_text(encoding="utf-8")
    assert 'id="worlds"' not in doc and "chart-forecast-" not in doc
    assert "95% of worlds" not in doc and "forecast95" not in doc
    assert doc.count('<svg role="img"') == len(PLAIN_CHARTS)


def test_the_bands_are_percentiles_of_the_worlds():
    model = cxdsl.loads(SPEC)
    result = cxdsl.simulate(model, customers=6000, seed=3, worlds=30)
    fc = forecast_of(result)
    assert fc["worlds"] == 30 and len(fc["values"]) == 30
    assert fc["values"] == [w.metric("nps").value for w in result.worlds]
    data = report.ReportData(model, result.to_dict(), forecast=fc)
    fan = next(c for c in report.charts(data) if c.key == "forecast-fan")
    reached = np.array(fc["reached"])
    goal_row = fan.table[1 + model.goal_index]
    assert goal_row[6] == f"{np.percentile(reached[:, model.goal_index], 2.5) * 100:.1f}%"
    assert goal_row[9] == f"{np.percentile(reached[:, model.goal_index], 97.5) * 100:.1f}%"
    assert forecast_of(cxdsl.simulate(cxdsl.loads(SPEC.split("uncertain")[0]),
                                      customers=1000)) is None


@pytest.mark.parametrize("key, charts", [("forecast", PLAIN_CHARTS + FORECAST_CHARTS),
                                         ("plain", PLAIN_CHARTS)])
def test_in_chromium(pages, tmp_path, key, charts):
    page = pages[key]
    shot = tmp_path / "shot.png"
    res = browse(page, tmp_path, "--window-size=1280,2000", f"--screenshot={shot}")
    assert shot.exists(), res.stderr[-2000:]
    assert not console_messages(res.stderr), console_messages(res.stderr)
    img = pixels(shot)[..., :3]
    assert float(img.std()) > 0.05, "the screenshot is blank"
    dom = browse(page, tmp_path, "--dump-dom").stdout
    for chart in charts:
        assert re.search(rf'<figure id="chart-{chart}"[^>]*>\s*<svg [^>]*role="img"', dom), chart
    assert len(re.findall(r"<svg [^>]*role=\"img\"", dom)) == len(charts)


def test_persona_curves_of_a_forecast_are_means_over_the_worlds():
    from cxdsl.present.report.data import persona_stages_of

    result = cxdsl.simulate(cxdsl.loads(SPEC), customers=6000, seed=3, worlds=30)
    rows = persona_stages_of(result)
    per_world = [persona_stages_of(w) for w in result.worlds]
    for name in ("pro", "hobby"):
        for s in range(3):
            got = [p[name][s]["reached"] for p in per_world]
            assert rows[name][s]["reached"] == pytest.approx(np.mean(got))
