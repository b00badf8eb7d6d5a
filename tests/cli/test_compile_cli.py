"""``cxdsl compile``: canonical JSON of the model, to stdout or a file, validated against the
schema and loadable back into the same model."""

from __future__ import annotations

import pytest

from cxdsl.lang import api
from cxdsl.model import ir, serialize
from support import CASES_DIR, strict_json, write

CASES = CASES_DIR / "ok"

GOOD = """\
journey "Compile"
persona a share=60% baseline=7 value=10
persona b share=40% baseline=normal(6, 1)
stage S advance=50% slope=0.3
  for b advance=40%
stage T
event e p=10% impact=-1 at S
event f p=50% impact=uniform(0, 2) at T when e and score < 5
target nps >= 10
scenario s cost=100 {
  e.p = 5%
}
sweep e.p in [1%, 2%]
"""


def test_compile_to_stdout(tmp_path, cxdsl_cli):
    path = write(tmp_path, "j.cxj", GOOD)
    out = cxdsl_cli("compile", path)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout == serialize.dumps(api.load(path))
    assert out.stdout.endswith("}\n")
    data = strict_json(out.stdout)
    assert data["schema_version"] == ir.SCHEMA_VERSION
    assert list(data) == ["schema_version", "title", "scale", "customers", "seed",
                          "volume", "period", "personas", "stages", "goal", "surveys",
                          "events", "targets", "scenarios", "sweeps",
                          "uncertain", "worlds"]


def test_compile_to_a_file(tmp_path, cxdsl_cli):
    path = write(tmp_path, "j.cxj", GOOD)
    target = tmp_path / "out" / "model.json"
    target.parent.mkdir()
    out = cxdsl_cli("compile", path, "-o", target)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert target.read_text("utf-8") == cxdsl_cli("compile", path).stdout
    out = cxdsl_cli("compile", path, "--output", target)  # overwrite
    assert out.returncode == 0


def test_output_is_byte_identical_across_runs(tmp_path, cxdsl_cli):
    path = write(tmp_path, "j.cxj", GOOD)
    first = cxdsl_cli("compile", path).stdout
    second = cxdsl_cli("compile", path).stdout
    assert first == second


def test_output_does_not_depend_on_where_the_file_is(tmp_path, cxdsl_cli):
    a = write(tmp_path, "a.cxj", GOOD)
    (tmp_path / "sub").mkdir()
    b = write(tmp_path, "sub/b.cxj", GOOD)
    assert cxdsl_cli("compile", a).stdout == cxdsl_cli("compile", "b.cxj",
                                                       cwd=tmp_path / "sub").stdout
    assert cxdsl_cli("compile", b).stdout == cxdsl_cli("compile", "-",
                                                       input=GOOD.encode()).stdout


def test_comments_and_layout_do_not_change_the_output(tmp_path, cxdsl_cli):
    spaced = "# a comment\n\n" + GOOD.replace(" ", "   ").replace(
        "\n", "   # note\n").replace('"Compile"', '"Compile"')
    a = cxdsl_cli("compile", write(tmp_path, "a.cxj", GOOD)).stdout
    b = cxdsl_cli("compile", write(tmp_path, "b.cxj", spaced)).stdout
    assert a == b


def test_output_validates_against_the_schema(tmp_path, cxdsl_cli):
    jsonschema = pytest.importorskip("jsonschema")
    out = cxdsl_cli("compile", write(tmp_path, "j.cxj", GOOD))
    jsonschema.validate(strict_json(out.stdout), serialize.schema())


def test_schema_is_a_valid_json_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = serialize.schema()
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_schema_rejects_what_is_not_a_model():
    jsonschema = pytest.importorskip("jsonschema")
    model = serialize.model_to_dict(api.loads(GOOD))
    schema = serialize.schema()
    for broken in ({**model, "schema_version": "1"}, {**model, "personas": "a"},
                   {k: v for k, v in model.items() if k != "stages"},
                   {**model, "surprise": 1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_round_trip(tmp_path):
    model = api.loads(GOOD)
    text = serialize.dumps(model)
    assert serialize.loads(text) == model
    assert serialize.dumps(serialize.loads(text)) == text


@pytest.mark.parametrize("path", sorted(CASES.glob("*.cxj")), ids=lambda p: p.stem)
def test_round_trip_of_every_golden_case(path):
    comp = api.check_file(str(path))
    if comp.model is None:
        pytest.skip(f"{path.name} does not compile (see test_golden)")
    text = serialize.dumps(comp.model)
    assert serialize.loads(text) == comp.model
    strict_json(text)


def test_reading_another_schema_version_is_refused():
    data = serialize.model_to_dict(api.loads(GOOD))
    data["schema_version"] = ir.SCHEMA_VERSION + 1
    with pytest.raises(ValueError, match="schema_version"):
        serialize.model_from_dict(data)


def test_warnings_go_to_stderr_and_json_to_stdout(tmp_path, cxdsl_cli):
    path = write(tmp_path, "w.cxj", GOOD.replace("share=40%", "share=30%"))
    out = cxdsl_cli("compile", path)
    assert out.returncode == 0
    assert "warning[W001]" in out.stderr
    strict_json(out.stdout)


def test_errors_exit_1_with_no_output(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bad.cxj", GOOD.replace("at T when", "at Q when"))
    target = tmp_path / "model.json"
    out = cxdsl_cli("compile", path, "-o", target)
    assert out.returncode == 1
    assert out.stdout == ""
    assert "error[E201]" in out.stderr
    assert "1 error in" in out.stderr
    assert not target.exists()


def test_errors_leave_an_existing_output_alone(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bad.cxj", GOOD.replace("at T when", "at Q when"))
    target = write(tmp_path, "model.json", "previous\n")
    assert cxdsl_cli("compile", path, "-o", target).returncode == 1
    assert target.read_text("utf-8") == "previous\n"


def test_output_into_a_missing_directory_is_a_usage_error(tmp_path, cxdsl_cli):
    path = write(tmp_path, "j.cxj", GOOD)
    out = cxdsl_cli("compile", path, "-o", tmp_path / "no" / "such" / "dir.json")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "does not exist" in out.stderr


def test_compile_from_stdin(cxdsl_cli):
    out = cxdsl_cli("compile", "-", input=GOOD.encode())
    assert out.returncode == 0
    assert serialize.loads(out.stdout) == api.loads(GOOD)


def test_compile_needs_exactly_one_file(tmp_path, cxdsl_cli):
    assert cxdsl_cli("compile").returncode == 2
    path = write(tmp_path, "j.cxj", GOOD)
    assert cxdsl_cli("compile", path, path).returncode == 2


def test_the_api(tmp_path):
    import cxdsl

    path = write(tmp_path, "j.cxj", GOOD)
    assert cxdsl.load(path) == cxdsl.loads(GOOD) == cxdsl.load(str(path))
    with pytest.raises(cxdsl.CompileError) as info:
        cxdsl.loads(GOOD.replace("at T when", "at Q when") + "target nsp >= 1\n")
    assert [d.code for d in info.value.diagnostics if d.is_error] == ["E201", "E207"]
    assert "E201" in str(info.value)
    module = cxdsl.parse(GOOD)
    assert len(module.statements) == 10
