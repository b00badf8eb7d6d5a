"""The ``--json`` documents of compare, sweep and mot for a spec with uncertain values
against their JSON Schemas: the forecast keys are there, and the schemas catch a misspelled
one."""

from __future__ import annotations

import copy

import pytest

from cxdsl.cli.main import cli
from support import schema_validator, separate_runner, strict_json, write

SPEC = """\
persona a share=60% baseline=9 value=100
persona b share=40% baseline=normal(7, 1) value=300
stage S advance=60% slope=0.2
stage T
event e p=5% impact=-3 at S
event g p=20% impact=uniform(-4, -1) at T when not e
survey all at end
uncertain e.p ~ beta(3, 57)
uncertain b.baseline ~ normal(7, 0.5)
volume 5000 per month
scenario fix cost=2000 { e.p = 1% }
scenario bot running_cost=100 { event chat p=10% impact=+1 at S }
sweep g.p in [10%, 30%]
"""

EXACT_SPEC = SPEC.replace("normal(7, 1)", "7").replace("uniform(-4, -1)", "-3").replace(
    "scenario bot running_cost=100 { event chat p=10% impact=+1 at S }",
    "scenario bot running_cost=100 { event chat p=10% impact=+1 at S }\n"
    "scenario price { a.value = 110 }")


def validator(name: str):
    return schema_validator(name)


def document(*args) -> dict:
    out = separate_runner().invoke(cli, [str(a) for a in args] + ["--json"])
    assert out.exit_code == 0, out.output
    return strict_json(out.stdout)


def check(name: str, doc: dict) -> None:
    errors = sorted(validator(name).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture(params=["numba", "exact"])
def run(request, tmp_path):
    exact = request.param == "exact"
    path = write(tmp_path, "j.cxj", EXACT_SPEC if exact else SPEC)
    how = ["--engine", "exact"] if exact else ["-n", "6000", "--seed", "2"]
    return lambda *cmd: document(cmd[0], path, *cmd[1:], *how, "--worlds", "12")


def test_compare(run):
    doc = run("compare")
    check("compare", doc)
    assert doc["manifest"]["worlds"] == 12
    assert set(doc["decision"]) == {"rule", "per", "pick", "expected_net"}
    for s in doc["scenarios"]:
        assert {"p_better", "p_net_positive", "expected_net"} <= set(s)
        assert all("forecast95" in d for d in s["delta"].values())
        assert all("forecast95" in s["money"][k] for k in ("revenue_change", "net"))
        assert ("forecast95" in s["money"]["per_10k_cost"]) == bool(s["cost"])
    broken = copy.deepcopy(doc)
    broken["decision"]["pick_"] = broken["decision"].pop("pick")
    assert not validator("compare").is_valid(broken)
    broken = copy.deepcopy(doc)
    broken["scenarios"][0]["p_better"] = 1.5
    assert not validator("compare").is_valid(broken)


def test_sweep(run):
    doc = run("sweep")
    check("sweep", doc)
    assert all("forecast95" in m for p in doc["points"] for k, m in p["overall"].items()
               if k != "distribution")


def test_mot(run):
    doc = run("mot", "--tornado")
    check("mot", doc)
    assert all("forecast95" in e["contribution"] for e in doc["events"])
    assert all("forecast95" in r["swing"] for r in doc["tornado"]["parameters"])
