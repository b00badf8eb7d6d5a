"""Every journey in ``examples/`` checks clean (no errors, no warnings), compiles to JSON that
validates against the schema, reads back to the same model, and compiles byte-identically
every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdsl.lang import api
from cxdsl.model import ir, serialize
from support import EXAMPLES, ROOT, strict_json


def _id(path: Path) -> str:
    return path.stem


def test_the_bundled_examples_are_there():
    names = {p.name for p in EXAMPLES}
    assert {"saas_onboarding.cxj", "online_shop.cxj", "hotel_stay.cxj"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_example_checks_clean(path: Path):
    comp = api.check_file(str(path))
    shown = "\n".join(f"{d.span.line}:{d.span.col} {d.severity}[{d.code}] {d.message}"
                      for d in comp.diagnostics.sorted())
    assert len(comp.diagnostics) == 0, f"{path.name}:\n{shown}"
    assert comp.model is not None


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_example_compiles_to_valid_json_that_reads_back(path: Path, cxdsl_cli):
    jsonschema = pytest.importorskip("jsonschema")
    first = cxdsl_cli("compile", path)
    assert (first.returncode, first.stderr) == (0, "")
    second = cxdsl_cli("compile", path)
    assert first.stdout == second.stdout, "compile output differs between two runs"

    data = strict_json(first.stdout)
    jsonschema.validate(data, serialize.schema())
    model = serialize.loads(first.stdout)
    assert model == api.load(path)
    assert serialize.dumps(model) == first.stdout
    assert serialize.loads(serialize.dumps(model)) == model


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_example_is_a_complete_model(path: Path):
    """An example shows the language at work: a title, several personas, targets,
    scenarios with costs, sweeps, and comments explaining the numbers."""
    model = api.load(path)
    assert model.title
    assert len(model.personas) >= 2
    assert len(model.stages) >= 3
    assert model.targets and model.scenarios and model.sweeps
    assert any(s.cost is not None for s in model.scenarios)
    assert any(e.when is not None for e in model.events)
    text = path.read_text("utf-8")
    commented = [line for line in text.splitlines() if "#" in line]
    assert len(commented) >= 5, f"{path.name} needs comments for the analyst"


def test_hotel_stay_is_on_a_five_point_scale():
    model = api.load(ROOT / "examples" / "hotel_stay.cxj")
    assert model.scale == (1, 5)
    assert not model.has_nps
    assert {t.metric for t in model.targets} >= {"csat"}
    assert "nps" not in {t.metric for t in model.targets}


def test_online_shop_is_on_the_nps_scale():
    model = api.load(ROOT / "examples" / "online_shop.cxj")
    assert model.scale == (0, 10)
    assert "nps" in {t.metric for t in model.targets}


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_example_is_in_the_canonical_layout(path: Path):
    from cxdsl.tooling.formatter import format_text

    text = path.read_text("utf-8")
    assert format_text(text, str(path)) == text, f"run: cxdsl fmt {path}"


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_example_says_who_is_asked_and_how_big_the_business_is(path: Path):
    """Surveys, a volume for the money, running costs, and a baseline that is a
    distribution: the habits a newcomer should copy."""
    model = api.load(path)
    assert model.surveys, "declare who is asked: survey NAME at STAGE"
    assert model.volume is not None, "declare the business size: volume N per PERIOD"
    assert any(s.running_cost for s in model.scenarios)
    assert any(not isinstance(p.baseline, ir.Const) for p in model.personas)


def test_one_example_runs_on_the_exact_engine():
    from cxdsl.sim.exact import unsupported_values

    exact = [p.name for p in EXAMPLES if not unsupported_values(api.load(p))]
    assert "hotel_stay.cxj" in exact


@pytest.mark.parametrize("path", EXAMPLES, ids=_id)
def test_some_variant_meets_every_target(path: Path, cxdsl_cli):
    out = cxdsl_cli("compare", path, "-n", "40000", "--json")
    doc = strict_json(out.stdout)
    variants = [doc["baseline"], *doc["scenarios"]]
    assert any(all(t["met"] for t in v["targets"]) for v in variants), path.name
