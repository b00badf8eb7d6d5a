"""``cxdsl compare``, ``sweep`` and ``mot`` of a spec with uncertain values: ``--worlds``,
the human output in words, the CSV's forecast columns, and bad numbers of worlds."""

from __future__ import annotations

import csv
import io

import pytest

from cxdsl.cli.compare import chance_words
from support import GLITCH_FORECAST, invoke, invoke_json, refused, spec_fixture, write

SPEC = GLITCH_FORECAST + "sweep e.p in [1%, 5%]\n"

spec = spec_fixture(SPEC, "j.cxj")


def test_worlds_option_sets_the_worlds(spec):
    for command in ("compare", "sweep", "mot"):
        doc = invoke_json(command, spec, "--engine", "exact", "--worlds", "7", "--json")
        assert doc["manifest"]["worlds"] == 7
    doc = invoke_json("compare", spec, "--engine", "exact", "--json")
    assert doc["manifest"]["worlds"] == 200  # the default


def test_compare_says_chances_and_the_pick_in_words(spec):
    out = invoke("compare", spec, "--engine", "exact", "--worlds", "40")
    assert out.exit_code == 0, out.output
    text = " ".join(out.output.split())
    assert "Forecast over 40 plausible worlds" in text
    assert "range of 95% of the worlds" in text
    # more never changes NPS (asked at S) and always makes money; fix the reverse
    assert "more: beats the baseline's NPS in none of them" in text
    assert "makes money (net per month above 0) in every one of them" in text
    assert "A risk-neutral choice (the highest expected net per month): more" in text
    doc = invoke_json("compare", spec, "--engine", "exact", "--worlds", "40", "--json")
    assert doc["decision"]["pick"] == "more"
    fix = next(s for s in doc["scenarios"] if s["name"] == "fix")
    lo, hi = fix["delta"]["nps"]["forecast95"]
    assert lo < fix["delta"]["nps"]["value"] < hi
    assert f"fix: beats the baseline's NPS in {chance_words(fix['p_better'])} of them" in text


def test_no_pick_is_said_too(tmp_path):
    path = write(tmp_path, "j.cxj", SPEC.replace("running_cost=10", "running_cost=50000"))
    out = invoke("compare", path, "--engine", "exact", "--worlds", "10")
    assert "A risk-neutral choice funds none of them" in " ".join(out.output.split())


def test_sweep_csv_has_forecast_columns(spec, tmp_path):
    target = tmp_path / "points.csv"
    out = invoke("sweep", spec, "--engine", "exact", "--worlds", "9", "-o", target)
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert [float(r["e.p"]) for r in rows] == [0.01, 0.05]
    for r in rows:  # a swept uncertain path is certain: the forecast has no width
        assert float(r["nps_f_lo"]) == pytest.approx(float(r["nps_f_hi"]))
        assert float(r["nps_f_lo"]) == pytest.approx(100 * (1 - 2 * float(r["e.p"])))
    out = invoke("sweep", spec, "--engine", "exact", "--worlds", "9")
    assert "forecast over 9 plausible worlds" in " ".join(out.output.split())


def test_mot_human_output(spec):
    out = invoke("mot", spec, "--engine", "exact", "--worlds", "9", "--tornado")
    assert out.exit_code == 0, out.output
    assert "Over 9 plausible worlds" in " ".join(out.output.split())


@pytest.mark.parametrize("command", ["compare", "sweep", "mot"])
@pytest.mark.parametrize("worlds", ["0", "abc", "1e9", "2.5"])
def test_bad_worlds_are_usage_errors(spec, command, worlds):
    assert "worlds" in refused(command, spec, "--worlds", worlds)


def test_more_worlds_than_customers_is_a_usage_error(spec):
    assert "needs at least 300 customers" in refused("compare", spec, "--worlds", "300",
                                                     "-n", "100")


def test_worlds_without_uncertain_values_is_a_note(tmp_path):
    path = write(tmp_path, "j.cxj", SPEC.replace("uncertain e.p ~ beta(3, 57)\n", ""))
    out = invoke("compare", path, "--engine", "exact", "--worlds", "10")
    assert out.exit_code == 0
    assert "--worlds has no effect" in out.output


def test_chance_words():
    assert [chance_words(p) for p in (0.0, 0.004, 0.874, 0.995, 1.0, None)] == [
        "none", "0.4%", "87%", "99.5%", "every one", "—"]
