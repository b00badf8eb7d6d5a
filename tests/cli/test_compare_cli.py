"""``cxdsl compare``: the table, the JSON of DESIGN.md, the targets gate and bad input."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from cxdsl.cli.main import cli
from support import (
    EXAMPLES,
    TWO_PERSONAS_TWO_STAGES,
    invoke,
    invoke_json,
    separate_runner,
    spec_fixture,
    write,
)

SPEC = 'journey "Compare test"\n' + TWO_PERSONAS_TWO_STAGES + """\
event e p=50% impact=+2 at S
event f p=20% impact=-3 at T
scenario more "More e" cost=1000 { e.p = 80% }
scenario less_f { f.p = 10% }
target nps >= 10
"""


spec = spec_fixture(SPEC, "j.cxj")


def test_json_shape(spec):
    doc = invoke_json("compare", spec, "-n", "20000", "--seed", "3", "--json")
    assert set(doc) == {"manifest", "baseline", "scenarios"}
    assert doc["manifest"] == {**doc["manifest"], "seed": 3, "customers": 20000,
                               "engine": "numba", "scenario": None}
    assert len(doc["manifest"]["spec_sha256"]) == 64
    assert set(doc["baseline"]) == {"overall", "personas", "surveys", "targets"}
    assert set(doc["baseline"]["personas"]) == {"a", "b"}
    scen = doc["scenarios"]
    assert {s["name"] for s in scen} == {"more", "less_f"}
    for s in scen:
        assert set(s) == {"name", "label", "cost", "running_cost", "overall", "personas",
                          "surveys", "targets", "delta", "money"}
        assert [t["target"] for t in s["targets"]] == ["nps >= 10"]
        assert set(s["delta"]) == {"nps", "csat", "mean", "conversion", "revenue"}
        for d in s["delta"].values():
            lo, hi = d["ci95"]
            assert lo <= d["value"] <= hi
    # sorted by the headline change, largest first
    assert scen[0]["delta"]["nps"]["value"] >= scen[1]["delta"]["nps"]["value"]
    more = next(s for s in scen if s["name"] == "more")
    assert more["label"] == "More e" and more["cost"] == 1000
    assert more["running_cost"] is None
    money = more["money"]
    assert set(money) == {"volume", "period", "revenue_change", "net", "payback",
                          "per_10k_cost"}
    # no volume: per customer who enters; net = revenue change without a running cost
    assert money["volume"] is None and money["period"] == "year"
    assert money["net"] == money["revenue_change"]
    less_f = next(s for s in scen if s["name"] == "less_f")
    assert less_f["cost"] is None and less_f["money"]["per_10k_cost"]["value"] is None


def test_exact_engine_and_chosen_scenario(spec):
    doc = invoke_json("compare", spec, "--engine", "exact", "--scenario", "more", "--json")
    assert doc["manifest"]["engine"] == "exact" and doc["manifest"]["seed"] is None
    (s,) = doc["scenarios"]
    # mean: e at S adds 2 with p 0.5 -> 0.8, so the mean rises by 0.3 * 2 = 0.6
    d = s["delta"]["mean"]
    assert d["value"] == pytest.approx(0.6) and d["ci95"] == [d["value"], d["value"]]


def test_human_table(spec):
    out = invoke("compare", spec, "-n", "20000")
    assert out.exit_code == 0, out.output
    for word in ("Compare test", "baseline", "more", "less_f", "Change against the baseline",
                 "Money per customer who enters", "volume 40_000 per year", "Targets",
                 "Meet every target: baseline", "Best net per customer"):
        assert word in out.output


def render(cmp) -> str:
    from rich.console import Console

    from cxdsl.cli.compare import render_human

    console = Console(width=160, record=True, file=io.StringIO())
    render_human(cmp, console)
    return console.export_text()


def test_table_with_a_volume(spec):
    from cxdsl import analysis
    from cxdsl.lang.api import check_file

    model = check_file(str(spec)).model
    more = dataclasses.replace(model.scenario("more"), running_cost=50)
    model = dataclasses.replace(model, volume=40_000, period="quarter",
                                scenarios=(more, model.scenario("less_f")))
    text = render(analysis.compare(model, engine="exact"))
    assert "Money per quarter (volume 40,000 customers per quarter)" in text
    assert "running cost" in text and "payback (quarters)" in text
    assert "Best net per quarter:" in text
    assert "customers)" not in text.split("Money")[1].split("\n")[0]
    assert "revenue over" not in text and "paired" not in text


def test_each_scenario_meets_or_misses_targets(tmp_path):
    # exact nps: baseline 34.4, more 62.2, less_f 42.2
    path = write(tmp_path, "t.cxj", SPEC.replace("target nps >= 10", "target nps >= 50"))
    out = separate_runner().invoke(cli, ["compare", str(path), "--engine", "exact", "--json"])
    assert out.exit_code == 1  # the baseline misses it
    doc = json.loads(out.stdout)
    met = {s["name"]: s["targets"][0]["met"] for s in doc["scenarios"]}
    assert doc["baseline"]["targets"][0]["met"] is False
    assert met == {"more": True, "less_f": False}
    out = invoke("compare", path, "--engine", "exact")
    assert "Meet every target: more." in out.output


def test_missed_target_exits_1(tmp_path):
    path = write(tmp_path, "miss.cxj", SPEC.replace("target nps >= 10", "target nps >= 90"))
    out = invoke("compare", path, "--engine", "exact")
    assert out.exit_code == 1
    assert "missed" in out.output


def test_output_file(spec, tmp_path):
    target = tmp_path / "cmp.json"
    out = invoke("compare", spec, "--engine", "exact", "--json", "-o", target)
    assert out.exit_code == 0 and out.output == ""
    assert set(json.loads(target.read_text())) == {"manifest", "baseline", "scenarios"}


@pytest.mark.parametrize("args, code, message", [
    (["--scenario", "mroe"], 2, "did you mean 'more'"),
    (["-o", "/no/such/dir/x.json"], 2, "does not exist"),
    (["-n", "0"], 2, "at least 1"),
    (["--scheduler", "tcp://a", "--dask", "local"], 2, "not both"),
])
def test_bad_arguments(spec, args, code, message):
    out = invoke("compare", spec, *args)
    assert out.exit_code == code, out.output
    assert message in out.output
    assert "Traceback" not in out.output


def test_exact_engine_refuses_continuous_values(tmp_path):
    path = write(tmp_path, "c.cxj", SPEC.replace("impact=+2", "impact=normal(2, 1)"))
    out = invoke("compare", path, "--engine", "exact")
    assert out.exit_code == 1
    assert "continuous" in out.output


def test_spec_errors_exit_1(tmp_path):
    path = write(tmp_path, "bad.cxj", "persona a share=1 baseline=7\nstage S\nevent e p=2 at S\n")
    out = invoke("compare", path)
    assert out.exit_code == 1
    assert "error[" in out.output


def test_through_the_console_script(spec, cxdsl_cli):
    out = cxdsl_cli("compare", spec, "--engine", "exact", "--scenario", "nope")
    assert out.returncode == 2
    assert "unknown scenario 'nope'" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example(example):
    for cmd in ("compare", "mot"):
        out = separate_runner().invoke(cli, [cmd, str(example), "-n", "5000", "--json"])
        assert out.exit_code in (0, 1), out.output  # 1: a target the example misses
        assert json.loads(out.stdout)["manifest"]["customers"] == 5000
