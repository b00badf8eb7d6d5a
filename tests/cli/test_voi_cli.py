"""``cxdsl voi``: its JSON against cxdsl/schema/voi.schema.json, the human table and
advice, and the exit codes of a spec with nothing uncertain and of bad arguments."""

from __future__ import annotations

import pytest

from cxdsl.cli.main import cli
from cxdsl.model import serialize
from support import SAAS, invoke, separate_runner, strict_json, write

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

EXACT = """
scale 0..20
persona a share=1 baseline=10
stage S
survey all at S
event e p=50% impact=-0.2 at S
uncertain e.impact ~ normal(-0.2, 1)
uncertain a.baseline ~ normal(10, 1)
scenario never { e.p = 0% }
"""


def check(doc: dict) -> None:
    schemas = [serialize.schema(n) for n in ("common", "voi")]
    registry = referencing.Registry().with_resources(
        (s["$id"], referencing.Resource.from_contents(s)) for s in schemas)
    schema = serialize.schema("voi")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = list(cls(schema, registry=registry).iter_errors(doc))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def document(*args) -> dict:
    out = separate_runner().invoke(cli,
                                   [str(a) for a in args] + ["--json"])
    assert out.exit_code == 0, out.output
    return strict_json(out.stdout)


@pytest.fixture(scope="module")
def saas_doc():
    return document("voi", SAAS, "--worlds", "40", "-n", "400_000")


def test_saas_json_validates_and_is_sorted_by_evppi(saas_doc):
    check(saas_doc)
    assert saas_doc["decision"] == "net" and saas_doc["worlds"] == 40
    assert saas_doc["manifest"]["worlds"] == 40 and saas_doc["manifest"]["customers"] == 400_000
    values = [v["evppi"]["value"] for v in saas_doc["values"]]
    assert values == sorted(values, reverse=True) and len(values) == 5
    assert {o["name"] for o in saas_doc["options"]} == {
        "baseline", "reliable_demos", "fast_followup", "both", "chatbot"}
    assert saas_doc["evpi"]["ci95"][0] <= saas_doc["evpi"]["value"] <= saas_doc["evpi"]["ci95"][1]


def test_a_schema_catches_a_missing_key(saas_doc):
    broken = dict(saas_doc)
    del broken["evpi"]
    with pytest.raises(AssertionError):
        check(broken)


def test_exact_json_and_without_scenarios(tmp_path):
    path = write(tmp_path, "j.cxj", EXACT)
    doc = document("voi", path, "--engine", "exact", "--worlds", "300")
    check(doc)
    assert doc["decision"] == "mean" and doc["noise"] is None
    assert doc["values"][0]["path"] == "e.impact"
    none = write(tmp_path, "none.cxj", EXACT.replace("scenario never { e.p = 0% }\n", ""))
    doc = document("voi", none, "--engine", "exact", "--worlds", "300")
    check(doc)
    assert doc["decision"] is None and doc["evpi"] is None and doc["options"] == []
    assert all(v["evppi"] is None for v in doc["values"]) and "no scenarios" in doc["note"]


def test_human_output_and_file(tmp_path):
    path = write(tmp_path, "j.cxj", EXACT)
    out = tmp_path / "voi.json"
    res = invoke("voi", path, "--engine", "exact", "--worlds", "300", "-o", out)
    assert res.exit_code == 0, res.output
    assert "e.impact" in res.output and "EVPI (every value known)" in res.output
    assert "Measure e.impact first" in res.output or "The decision is clear" in res.output
    check(strict_json(out.read_text("utf-8")))


def test_a_spec_with_nothing_uncertain_is_a_finding(tmp_path):
    path = write(tmp_path, "j.cxj", "persona a share=1 baseline=7\nstage S\n")
    res = invoke("voi", path, "--engine", "exact")
    assert res.exit_code == 1
    assert "declares no uncertain values" in res.output and "uncertain " in res.output


@pytest.mark.parametrize("args", [["--worlds", "0"], ["--worlds", "abc"],
                                  ["--metric", "nps"], ["-n", "10", "--worlds", "20"]])
def test_bad_arguments_are_usage_errors(tmp_path, args):
    path = write(tmp_path, "j.cxj", EXACT)
    res = invoke("voi", path, *args)
    assert res.exit_code == 2, res.output


def test_report_shows_the_value_of_information(tmp_path):
    """A spec with uncertain values and scenarios gets the chart: its SVG, its data table
    (every uncertain value) and the section's note; one without scenarios does not."""
    path = write(tmp_path, "j.cxj", EXACT)
    out = tmp_path / "r.html"
    res = invoke("report", path, "--engine", "exact", "-o", out)
    assert res.exit_code == 0, res.output
    doc = out.read_text("utf-8")
    section = doc[doc.index('<section id="voi"'):]
    section = section[:section.index("</section>")]
    assert '<figure id="chart-voi"' in section and '<svg role="img"' in section
    assert "What knowing each value exactly is worth" in section  # the chart's title
    assert "e.impact" in section and "a.baseline" in section
    assert "Best option now: never" in section or "Best option now: baseline" in section
    none = write(tmp_path, "none.cxj", EXACT.replace("scenario never { e.p = 0% }\n", ""))
    res = invoke("report", none, "--engine", "exact", "-o", out)
    assert res.exit_code == 0, res.output
    assert 'id="chart-voi"' not in out.read_text("utf-8")
