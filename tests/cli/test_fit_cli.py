"""``cxdsl fit FILE DATA``: the comparison table, the written spec (which ``fmt --check``
and ``check`` pass), the JSON document against its schema, and bad input."""

from __future__ import annotations

import csv
import re

import pytest

from cxdsl.cli.main import cli
from cxdsl.lang.printer import comment_texts
from cxdsl.model import serialize
from support import SAAS, invoke, separate_runner, strict_json, write

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

ROWS = 20_000


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("fit") / "saas.csv"
    out = invoke("sample", SAAS, "-n", ROWS, "--seed", 7, "-o", path)
    assert out.exit_code == 0, out.output
    return path


def validator():
    schemas = [serialize.schema(n) for n in ("common", "fit")]
    registry = referencing.Registry().with_resources(
        (s["$id"], referencing.Resource.from_contents(s)) for s in schemas)
    schema = serialize.schema("fit")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry)


def fit_json(*args) -> dict:
    out = separate_runner().invoke(cli, ["fit", *map(str, args), "--json"])
    assert out.exit_code == 0, out.output
    return strict_json(out.stdout)


def test_the_json_document_validates(sample):
    doc = fit_json(SAAS, sample)
    errors = sorted(validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert doc["rows"] == doc["used"] == ROWS
    paths = [v["path"] for v in doc["values"]]
    assert "demo_glitch.p[smb]" in paths and "Convert.advance[enterprise]" in paths
    kept = {v["path"] for v in doc["values"] if v["fitted"] is None}
    assert kept == {"rescue_call.impact", "Attract.slope"}
    assert {(q["survey"], q["persona"]) for q in doc["quality"]} == {
        (s, p) for s in ("customers", "evaluation") for p in (None, "enterprise", "smb")}
    assert len(doc["funnel"]) == 4 * 3


def test_the_schema_catches_a_missing_key(sample):
    doc = fit_json(SAAS, sample)
    del doc["values"][0]["ci95"]
    assert list(validator().iter_errors(doc))


def test_the_written_spec_passes_fmt_check_and_check(sample, tmp_path):
    out_path = tmp_path / "fitted.cxj"
    out = invoke("fit", SAAS, sample, "-o", out_path)
    assert out.exit_code == 0, out.output
    assert "Spec against data" in out.output and f"wrote {out_path}" in out.output
    assert invoke("fmt", "--check", out_path).exit_code == 0
    assert invoke("check", out_path).exit_code == 0
    text = re.sub(r" +~ ", " ~ ", out_path.read_text())  # the layout's padding aside
    original = SAAS.read_text()
    assert all(c in comment_texts(text) for c in comment_texts(original))
    assert re.search(r"uncertain demo_glitch\.p\[smb\] +~ beta\(", text)
    assert "uncertain instant_recovery.impact ~ triangular" not in text  # replaced
    assert re.search(r"uncertain instant_recovery\.impact +~ normal\(", text)


def test_without_o_only_the_table_is_printed(sample, tmp_path):
    out = invoke("fit", SAAS, sample)
    assert out.exit_code == 0, out.output
    assert "Answers: observed against predicted" in out.output
    assert "uncertain" not in out.output
    assert "warning: rescue_call.p: its condition reads the score" in out.output


def test_personas_that_do_not_match_are_the_readers_error(tmp_path):
    data = write(tmp_path, "bad.csv", "persona,reached\nsmb,Attract\nenterprize,Convert\n")
    out = invoke("fit", SAAS, data)
    assert out.exit_code == 1
    assert f"{data}:3:persona: error:" in out.output
    assert "enterprize" in out.output


def test_an_output_that_is_not_a_spec_is_a_usage_error(sample, tmp_path):
    out = invoke("fit", SAAS, sample, "-o", tmp_path / "fitted.txt")
    assert out.exit_code == 2
    assert ".cxj" in out.output


def test_report_with_data_adds_observed_against_predicted(sample, tmp_path):
    html_path = tmp_path / "r.html"
    out = invoke("report", SAAS, "--data", sample, "-o", html_path, "-n", 5000,
                 "--no-scenarios")
    assert out.exit_code == 0, out.output
    html = html_path.read_text()
    assert 'id="observed"' in html and 'data-chart="observed-answers"' in html
    assert 'data-chart="observed-funnel"' in html
    assert "demo_glitch.p[smb]" in html
    with open(sample, newline="") as f:
        reached = [r["reached"] for r in csv.DictReader(f)]
    share = sum(r in ("Close", "Delight") for r in reached) / len(reached)
    assert f"{100 * share:.1f}%" in html  # the observed share that reached Close


def test_report_with_bad_data_is_the_readers_error(tmp_path):
    data = write(tmp_path, "bad.csv", "persona\nnobody\n")
    out = invoke("report", SAAS, "--data", data, "-o", tmp_path / "r.html")
    assert out.exit_code == 1
    assert f"{data}:2:persona: error:" in out.output
    assert not (tmp_path / "r.html").exists()


def test_a_missing_data_file_is_one_line_and_exit_1(tmp_path):
    out = invoke("fit", SAAS, tmp_path / "none.csv")
    assert out.exit_code == 1
    assert f"{tmp_path / 'none.csv'}: error:" in out.output


def test_map_renames_a_column_and_a_malformed_map_is_a_usage_error(sample, tmp_path):
    text = sample.read_text().replace("evaluation", "Q7", 1)
    renamed = write(tmp_path, "renamed.csv", text)
    doc = fit_json(SAAS, renamed, "--map", "Q7=evaluation")
    assert any(q["survey"] == "evaluation" and q["respondents"] > 0 for q in doc["quality"])
    out = invoke("fit", SAAS, renamed, "--map", "Q7")
    assert out.exit_code == 2 and "--map" in out.output
