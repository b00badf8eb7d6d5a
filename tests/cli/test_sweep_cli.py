"""``cxdsl sweep``: grids from the spec and --vary, CSV and JSON output, a point equal to a
run, and bad input."""

from __future__ import annotations

import csv
import json

import pytest

from support import BAD_RUN_OPTIONS, invoke, invoke_json, refused, spec_fixture

SPEC = """\
journey "Sweep test"
persona a share=60% baseline=7 value=100
persona b share=40% baseline=normal(8, 1) value=300
stage S advance=60%
stage T
event e p=50% impact=+2 at S
event f p=20% impact=-3 at T
scenario rare_f { f.p = 5% }
sweep e.p from 0% to 100% step 50%
"""


spec = spec_fixture(SPEC, "j.cxj")


def test_json_shape_and_grid(spec):
    doc = invoke_json("sweep", spec, "-n", "5000", "--vary", "S.advance=40%,80%", "--json")
    assert set(doc) == {"manifest", "axes", "points"}
    assert doc["axes"] == ["e.p", "S.advance"]
    assert len(doc["points"]) == 6
    assert doc["points"][0]["params"] == {"e.p": 0.0, "S.advance": 0.4}
    assert doc["points"][-1]["params"] == {"e.p": 1.0, "S.advance": 0.8}
    point = doc["points"][0]
    assert set(point) == {"params", "overall"}
    assert set(point["overall"]) == {"nps", "csat", "mean", "conversion", "revenue",
                                     "distribution"}
    assert doc["manifest"]["customers"] == 5000


def test_point_equals_run_of_the_same_values(spec):
    # the scenario rare_f sets f.p = 5%: the sweep point f.p = 5% is the same run
    out = invoke("sweep", spec, "-n", "7000", "--seed", "5", "--no-file-sweeps",
                 "--vary", "f.p=1%,5%,9%", "--json")
    assert out.exit_code == 0, out.output
    point = json.loads(out.output)["points"][1]
    assert point["params"] == {"f.p": 0.05}
    run = invoke("run", spec, "-n", "7000", "--seed", "5", "--scenario", "rare_f", "--json")
    assert json.loads(run.output)["overall"] == point["overall"]


def test_csv_output(spec, tmp_path):
    target = tmp_path / "grid.csv"
    # b's baseline is continuous, but every point of the grid replaces it by a constant,
    # so the exact engine takes every point
    out = invoke("sweep", spec, "--engine", "exact", "--vary", "b.baseline=6:9:4",
                 "--vary", "e.impact=1,3", "--no-file-sweeps", "-o", target)
    assert out.exit_code == 0, out.output
    assert "wrote 8 points" in out.output
    rows = list(csv.reader(target.open()))
    assert rows[0][:5] == ["b.baseline", "e.impact", "nps", "nps_lo", "nps_hi"]
    assert rows[0][-3:] == ["revenue", "revenue_lo", "revenue_hi"]
    assert len(rows) == 9
    first = dict(zip(rows[0], rows[1]))
    assert float(first["b.baseline"]) == 6 and float(first["e.impact"]) == 1
    assert first["nps_lo"] == first["nps"] == first["nps_hi"]  # exact


def test_json_output_file_and_scenario(spec, tmp_path):
    target = tmp_path / "grid.json"
    out = invoke("sweep", spec, "-n", "3000", "--scenario", "rare_f", "-o", target, "--json")
    assert out.exit_code == 0 and out.output == ""
    doc = json.loads(target.read_text())
    assert doc["manifest"]["scenario"] == "rare_f" and len(doc["points"]) == 3


def test_human_table(spec):
    out = invoke("sweep", spec, "-n", "3000")
    assert out.exit_code == 0, out.output
    assert "sweep of 3 points" in out.output and "50%" in out.output


@pytest.mark.parametrize("args, message", BAD_RUN_OPTIONS + [
    (["--vary", "e.pp=0:1:3"], "no attribute 'pp'"),
    (["--vary", "ee.p=0:1:3"], "did you mean 'e'"),
    (["--vary", "e.p=0:1.5:3"], "not a probability"),
    (["--vary", "e.p=0:1:0"], "at least 1"),
    (["--vary", "e.p=0:1:-1"], "at least 1"),
    (["-o", "/no/such/dir/grid.csv"], "does not exist"),
    (["-o", "grid.txt"], ".csv or .json"),
    (["--no-file-sweeps"], "nothing to sweep"),
])
def test_bad_input_exits_2(spec, args, message, tmp_path):
    assert message in refused("sweep", spec, "-n", "1000", *args)
    assert not (tmp_path / "grid.txt").exists()


def test_scenario_added_event_needs_the_scenario(tmp_path):
    path = tmp_path / "s.cxj"
    path.write_text(SPEC.replace("sweep e.p from 0% to 100% step 50%\n", "") + """
scenario chat { event bot p=10% impact=+1 at S }
sweep bot.p in [10%, 20%]
""")
    out = invoke("sweep", path, "-n", "1000")
    assert out.exit_code == 2 and "bot" in out.output
    out = invoke("sweep", path, "-n", "1000", "--scenario", "chat", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["axes"] == ["bot.p"]
