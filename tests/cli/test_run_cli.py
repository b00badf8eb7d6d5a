"""``cxdsl run``: output, exit codes, and a clear error (never a traceback) for bad input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from support import BAD_RUN_OPTIONS, invoke, refused, run_main, write

SPEC = """journey "CLI journey"
customers 20_000
seed 3
persona pro "Professional" share=40% baseline=8 value=1_000
persona hobby share=60% baseline=discrete(6: 0.5, 9: 0.5) value=100
stage Look advance=50% slope=0.5
stage Buy
event glitch p=10% impact=-3 at Look
event fix p=50% impact=+2 at Look when glitch
target conversion >= 10%
scenario no_glitch { glitch.p = 0% }
"""

CONTINUOUS = SPEC.replace("impact=-3 at Look", "impact=normal(-2, 0.5) at Look")
MISSED = SPEC.replace("target conversion >= 10%", "target nps >= 90")


@pytest.fixture
def spec(tmp_path):
    return write(tmp_path, "journey.cxj", SPEC)


# ------------------------------------------------------------------------ good runs


def test_human_output(spec):
    r = invoke("run", spec, "-n", "20000")
    assert r.exit_code == 0, r.output
    out = r.output
    for text in ("CLI journey", "20,000 customers, seed 3", "NPS", "CSAT", "Mean score",
                 "Conversion", "Revenue", "Personas", "pro", "hobby", "Funnel",
                 "Look", "Buy ◆", "glitch", "fix", "Targets", "met", "conversion >= 10%"):
        assert text in out, text


def test_json_shape_defaults_and_manifest(spec):
    r = invoke("run", spec, "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert list(d) == ["manifest", "overall", "personas", "stages", "events", "targets",
                       "surveys"]
    assert list(d["surveys"]) == ["customers"] and d["surveys"]["customers"]["stage"] == "Buy"
    assert set(d["events"][0]) == {"name", "rate", "rate_reached"}
    text = open(spec, encoding="utf-8").read()
    assert d["manifest"] == {
        "cxdsl": d["manifest"]["cxdsl"], "schema_version": 1,
        "spec_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "seed": 3, "customers": 20_000, "engine": "numba", "scenario": None}
    assert list(d["personas"]) == ["pro", "hobby"]
    assert [s["name"] for s in d["stages"]] == ["Look", "Buy"]
    assert [e["name"] for e in d["events"]] == ["glitch", "fix"]
    assert d["targets"][0]["target"] == "conversion >= 10%" and d["targets"][0]["met"]
    assert len(d["overall"]["distribution"]) == 11


def test_scenario_and_exact_engine(spec):
    r = invoke("run", spec, "--engine", "exact", "--scenario", "no_glitch", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["manifest"]["engine"] == "exact" and d["manifest"]["scenario"] == "no_glitch"
    assert d["events"][0]["rate"] == 0
    nps = d["overall"]["nps"]
    assert nps["ci95"] == [nps["value"], nps["value"]]


@pytest.mark.parametrize("n", ["1e3", "2_000", "1000", "2.5e3"])
def test_customer_spellings(spec, n):
    r = invoke("run", spec, "-n", n, "--json")
    assert r.exit_code == 0, r.output
    want = int(float(n.replace("_", "")))
    assert json.loads(r.stdout)["manifest"]["customers"] == want


def test_seed_from_command_line_and_threads_identical(spec):
    one = invoke("run", spec, "--seed", "99", "--threads", "1", "--json", "-n", "50000")
    two = invoke("run", spec, "--seed", "99", "--threads", "2", "--json", "-n", "50000")
    assert one.exit_code == two.exit_code == 0
    d1, d2 = json.loads(one.stdout), json.loads(two.stdout)
    assert d1["manifest"]["seed"] == 99
    d1.pop("manifest"), d2.pop("manifest")
    assert json.dumps(d1) == json.dumps(d2)
    assert one.output == two.output  # the manifest holds no thread count either


def test_missed_target_exits_1(tmp_path):
    path = write(tmp_path, "j.cxj", MISSED)
    r = invoke("run", path, "-n", "5000")
    assert r.exit_code == 1
    assert "missed" in r.output
    r = invoke("run", path, "-n", "5000", "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["targets"][0]["met"] is False


def test_output_file_written_atomically(spec, tmp_path):
    out = tmp_path / "result.json"
    r = invoke("run", spec, "-n", "3000", "-o", str(out), "--json")
    assert r.exit_code == 0, r.output
    assert r.output == ""  # --json with -o: the document goes to the file only
    assert json.loads(out.read_text())["manifest"]["customers"] == 3000
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cxdsl-")] == []
    r = invoke("run", spec, "-n", "3000", "-o", str(out))
    assert r.exit_code == 0 and "NPS" in r.output and "wrote" in r.output


def test_precision(spec):
    r = invoke("run", spec, "--precision", "2", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    lo, hi = d["overall"]["nps"]["ci95"]
    assert (hi - lo) / 2 <= 2.0 + 1e-9
    r = invoke("run", spec, "--precision", "2")
    assert "precision: nps" in r.output and "reached" in r.output


def test_stdin(spec):
    r = invoke("run", "-", "-n", "2000", "--json", input=SPEC)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["manifest"]["customers"] == 2000


def test_one_to_five_scale_has_no_nps(tmp_path):
    path = write(tmp_path, "j.cxj", "scale 1..5\npersona a share=1 baseline=4\nstage S\n")
    r = invoke("run", path, "-n", "1000", "--json")
    assert r.exit_code == 0
    assert "nps" not in json.loads(r.stdout)["overall"]
    r = invoke("run", path, "-n", "1000")
    assert "NPS" not in r.output and "CSAT" in r.output


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("args,needle", BAD_RUN_OPTIONS + [
    (["--precision", "0"], "positive"),
    (["--precision", "-1"], "positive"),
    (["--precision", "abc"], "not a number"),
    (["--scenario", "no_glich"], "did you mean 'no_glitch'"),
])
def test_usage_errors_exit_2(spec, args, needle):
    assert needle in refused("run", spec, *args)


def test_exact_engine_refuses_continuous_with_exit_1(tmp_path):
    path = write(tmp_path, "j.cxj", CONTINUOUS)
    r = invoke("run", path, "--engine", "exact")
    assert r.exit_code == 1
    assert ("event glitch: impact normal(-2, 0.5) for persona pro is continuous; the exact "
            "engine takes constants and discrete(...) only") in r.output
    assert "use --engine numba" in r.output


def test_missing_output_directory_writes_nothing(spec, tmp_path):
    out = tmp_path / "nope" / "result.json"
    r = invoke("run", spec, "-n", "1000", "-o", str(out))
    assert r.exit_code == 2
    assert "does not exist" in r.output
    assert not out.parent.exists()


def test_spec_errors_are_rendered_exit_1(tmp_path):
    path = write(tmp_path, "j.cxj", SPEC.replace("at Look when glitch", "at Lok when glitch"))
    r = invoke("run", path)
    assert r.exit_code == 1
    assert "error[" in r.output and "Lok" in r.output and "did you mean 'Look'" in r.output


def test_missing_file_exit_1(tmp_path):
    r = invoke("run", str(tmp_path / "absent.cxj"))
    assert r.exit_code == 1
    assert "absent.cxj" in r.output


def test_console_script_no_traceback(tmp_path):
    """Through the real entry point: exit codes and messages as a user sees them."""
    path = write(tmp_path, "j.cxj", CONTINUOUS)
    env = dict(os.environ, CXDSL_NO_PROGRESS="1")
    for args, code in ((["-n", "0"], 2), (["--engine", "exact"], 1), (["-n", "1e20"], 2)):
        p = subprocess.run([sys.executable, "-m", "cxdsl", "run", path, *args],
                           capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode == code, (args, p.stderr)
        assert "Traceback" not in p.stderr and p.stderr.strip()


# ---------------------------------------------------------------------- progress bar


def test_progress_only_after_a_second_and_on_a_terminal(monkeypatch):
    from cxdsl.cli.common import LazyProgress

    off = LazyProgress(False)
    off(10, 100)
    assert off.progress is None
    on = LazyProgress(True)
    on(10, 100)  # a fast run: no bar yet
    assert on.progress is None
    on.start -= 5  # the run has now lasted more than a second
    on(50, 100)
    assert on.progress is not None
    on.close()
    assert on.progress is None


# ------------------------------------------------------------------------ python API


def test_python_api_matches_cli(spec):
    import cxdsl
    import cxdsl.sim.simulate  # binds the package attribute to the module: still callable

    model = cxdsl.load(spec)
    by_path = cxdsl.simulate(spec, customers=4000, seed=8)
    by_model = cxdsl.simulate(model, customers=4000, seed=8)
    cli_doc = json.loads(invoke("run", spec, "-n", "4000", "--seed", "8", "--json").stdout)
    assert by_path.to_dict() == cli_doc
    by_model_doc = by_model.to_dict()
    assert by_model_doc.pop("manifest")["spec_sha256"] is None
    cli_doc.pop("manifest")
    assert by_model_doc == cli_doc


@pytest.mark.parametrize("kwargs,needle", [
    ({"customers": 0}, "at least 1"),
    ({"customers": 1.5}, "whole number"),
    ({"customers": True}, "whole number"),
    ({"seed": "7"}, "seed must be an integer"),
    ({"scenario": "no_glich"}, "did you mean 'no_glitch'"),
    ({"engine": "gpu"}, "unknown engine"),
    ({"threads": 0}, "threads"),
    ({"precision": -1}, "positive"),
])
def test_python_api_bad_arguments(spec, kwargs, needle):
    import cxdsl
    from cxdsl.sim.simulate import SimulationError

    with pytest.raises(SimulationError, match=needle):
        cxdsl.simulate(cxdsl.load(spec), **kwargs)


def test_warnings_go_to_stderr_json_stays_clean(tmp_path):
    path = write(tmp_path, "j.cxj",
                 "persona a share=30% baseline=7\npersona b share=30% baseline=8\nstage S\n")
    r = invoke("run", path, "-n", "1000", "--json")
    assert r.exit_code == 0
    assert "warning[" in r.stderr and "warning" not in r.stdout
    assert json.loads(r.stdout)["manifest"]["customers"] == 1000


def test_human_output_names_the_headline_survey_and_lists_the_surveys():
    import dataclasses
    import io

    from rich.console import Console

    import cxdsl
    from cxdsl.cli.run import render_human
    from cxdsl.model import ir

    model = cxdsl.loads("""
journey "Issue"
persona a share=1 baseline=9
stage One advance=10%
stage Two
event bad p=100% impact=-8 at Two
""")
    one = cxdsl.simulate(model, engine="exact")
    out = io.StringIO()
    render_human(one, model, Console(file=out, width=200))
    text = out.getvalue()
    assert ("NPS, CSAT and mean score: converted customers, at Two (survey customers, "
            "10.0% of customers asked)") in text
    assert "Surveys" not in text  # one survey: the line above says it all
    assert "of those reaching its stage" in text and "100.00%" in text

    model = dataclasses.replace(model, surveys=(ir.Survey("customers", "Relationship", "Two"),
                                                ir.Survey("everyone", None, None)))
    out = io.StringIO()
    render_human(cxdsl.simulate(model, engine="exact"), model, Console(file=out, width=200))
    text = out.getvalue()
    assert "(survey customers “Relationship”, 10.0% of customers asked)" in text
    rows = [line for line in text.splitlines() if "customers ◆" in line or "everyone" in line]
    assert "converted customers, at Two" in rows[0] and "-100.0" in rows[0]
    # everyone: 90% promoters at 9, 10% detractors at 1
    assert "every customer, at the end of their journey" in rows[1] and "80.0" in rows[1]


def test_a_first_run_off_a_terminal_says_it_is_compiling(tmp_path, capsys, monkeypatch):
    from cxdsl.sim import engine

    monkeypatch.setattr(engine, "needs_compiling", lambda: True)
    path = write(tmp_path, "j.cxj", 'persona a share=1 baseline=7\nstage S\n')
    code, out, err = run_main(capsys, "run", str(path), "-n", "1000", "--json")
    assert code == 0, err
    assert err.count("compiling the simulator (first run only") == 1


def test_an_empty_numba_cache_needs_compiling(tmp_path):
    probe = "from cxdsl.sim import engine; print(engine.needs_compiling())"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}, timeout=120)
    assert out.stdout.strip() == "True", out.stderr


@pytest.mark.parametrize("precision", ["1e-300", "5e-324"])
def test_a_precision_no_run_can_reach_is_a_usage_error(tmp_path, capsys, precision):
    path = write(tmp_path, "j.cxj", 'persona a share=1 baseline=7\nstage S\n')
    code, out, err = run_main(capsys, "run", str(path), "--precision", precision)
    assert code == 2 and "finer than any run can reach" in err


def test_the_next_run_size_never_overflows():
    from cxdsl.sim.simulate import next_size

    assert next_size(1000, 1.0, 1e-300, 10**9) == 500_000
