"""Every command's ``--json`` document, on every example, against its JSON Schema in
``cxdsl/schema/`` (draft 2020-12); and the schemas catch a missing or misspelled key."""

from __future__ import annotations

import copy
import json

import pytest

from cxdsl.cli.main import cli
from support import EXAMPLES, SAAS, schema_validator, separate_runner, strict_json, write


def validator(name: str):
    return schema_validator(name)


def document(*args) -> dict:
    out = separate_runner().invoke(cli, [str(a) for a in args] + ["--json"])
    assert out.exit_code in (0, 1), out.output  # 1: a target the example misses
    return strict_json(out.stdout)


def check(name: str, doc: dict) -> None:
    errors = sorted(validator(name).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert doc["manifest"]["schema_version"] == 1


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_run(example):
    check("run", document("run", example, "-n", "3000"))


FORECAST = ("persona a share=60% baseline=normal(8, 1) value=10\n"
            "persona b share=40% baseline=6 value=5\nstage S advance=60% slope=0.3\n"
            "stage T\nevent e p=10% impact=-3 at S\nsurvey s at S\nsurvey all at end\n"
            "target nps >= 0\nuncertain e.p ~ beta(10, 90)\n"
            "uncertain S.advance[b] ~ uniform(40%, 80%)\nuncertain a.baseline ~ "
            "uniform(7, 9)\nworlds 30\n")


@pytest.mark.parametrize("engine", ["numba", "exact"])
def test_run_forecast(tmp_path, engine):
    spec = FORECAST.replace("normal(8, 1)", "8") if engine == "exact" else FORECAST
    doc = document("run", write(tmp_path, "f.cxj", spec), "-n", "3000", "--engine", engine)
    check("run", doc)
    assert doc["manifest"]["worlds"] == 30
    assert ("noise" in doc) == (engine == "numba")
    assert 0 <= doc["targets"][0]["worlds_met"] <= 1
    groups = [doc["overall"], *doc["personas"].values()]
    for survey in doc["surveys"].values():
        groups += [survey["overall"], *survey["personas"].values()]
    for g in groups:
        assert all("forecast95" in m for k, m in g.items() if k != "distribution")
    broken = copy.deepcopy(doc)
    broken["noise"] = {"metric": "nps", "share": 1.5, "noticeable": True, "customers": None}
    assert list(validator("run").iter_errors(broken))
    broken = copy.deepcopy(doc)
    broken["overall"]["nps"]["forecast95"] = [1.0]
    assert list(validator("run").iter_errors(broken))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_compare(example):
    check("compare", document("compare", example, "-n", "3000"))


def test_compare_exact(tmp_path):
    path = write(tmp_path, "j.cxj", "persona a share=1 baseline=7 value=10\nstage S "
                 "advance=50%\nstage T\nevent e p=50% impact=+2 at S\n"
                 "scenario s cost=100 { S.advance = 60% }\ntarget mean >= 7\n")
    check("compare", document("compare", path, "--engine", "exact"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_sweep(example):
    check("sweep", document("sweep", example, "-n", "2000"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_mot(example):
    check("mot", document("mot", example, "-n", "2000", "--tornado"))


def test_diff(tmp_path):
    text = SAAS.read_text(encoding="utf-8")
    old = write(tmp_path, "old.cxj", text)
    new = write(tmp_path, "new.cxj", text.replace("p=5% impact=-3", "p=7% impact=-3"))
    doc = document("diff", old, new, "-n", "3000")
    assert doc["changes"]
    check("diff", doc)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_export_json(example):
    out = separate_runner().invoke(cli, ["export", str(example), "--to", "json", "-n", "3000"])
    assert out.exit_code == 0, out.output
    check("run", strict_json(out.stdout))


def test_schemas_catch_missing_and_misspelled_keys():
    out = separate_runner().invoke(cli, ["compare", str(SAAS), "-n", "2000", "--json"])
    doc = json.loads(out.stdout)
    v = validator("compare")
    assert v.is_valid(doc)
    broken = []
    for edit in (lambda d: d["manifest"].pop("schema_version"),
                 lambda d: d["scenarios"][0].pop("money"),
                 lambda d: d["scenarios"][0]["money"].update(net_=d["scenarios"][0]["money"]
                                                             .pop("net")),
                 lambda d: d["baseline"]["overall"].update(conversoin=1.0),
                 lambda d: d["scenarios"][0]["delta"]["nps"].pop("ci95")):
        d = copy.deepcopy(doc)
        edit(d)
        broken.append(v.is_valid(d))
    assert broken == [False] * 5


def test_voi():
    check("voi", document("voi", SAAS, "-n", "20000", "--worlds", "40"))


def test_fit(tmp_path):
    data = tmp_path / "sample.csv"
    out = separate_runner().invoke(cli, ["sample", str(SAAS), "-n", "3000", "--worlds", "3",
                                         "-o", str(data)])
    assert out.exit_code == 0, out.output
    check("fit", document("fit", SAAS, data))
