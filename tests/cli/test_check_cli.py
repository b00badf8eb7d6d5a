"""``cxdsl check``: exit codes, the rendered diagnostics, ``--quiet``, ``--format json``,
several files at once."""

from __future__ import annotations

import json

from support import EXAMPLES, write

GOOD = """\
persona a share=100% baseline=7
stage Attract advance=50%
stage Convert
event e p=10% impact=-1 at Convert
"""
WARN = GOOD.replace("p=10%", "p=0%")                   # W002: e can never happen
BAD = GOOD.replace("at Convert", "at Convrt") + "target nsp >= 5\n"


def test_clean_file_exits_0_with_one_ok_line(tmp_path, cxdsl_cli):
    path = write(tmp_path, "good.cxj", GOOD)
    out = cxdsl_cli("check", path)
    assert (out.returncode, out.stdout, out.stderr) == (0, f"ok: {path}\n", "")


def test_examples_check_clean_in_one_call(cxdsl_cli):
    out = cxdsl_cli("check", *EXAMPLES)
    assert (out.returncode, out.stderr) == (0, "")
    assert out.stdout == "".join(f"ok: {path}\n" for path in EXAMPLES)


def test_warnings_are_printed_but_exit_0(tmp_path, cxdsl_cli):
    path = write(tmp_path, "warn.cxj", WARN)
    out = cxdsl_cli("check", path)
    assert out.returncode == 0
    assert f"{path}:4:7: warning[W002]: event e can never happen" in out.stderr


def test_quiet_hides_warnings(tmp_path, cxdsl_cli):
    out = cxdsl_cli("check", "--quiet", write(tmp_path, "warn.cxj", WARN))
    assert (out.returncode, out.stderr) == (0, "")
    out = cxdsl_cli("check", "-q", write(tmp_path, "bad.cxj", BAD + "event z p=0 at Attract\n"))
    assert out.returncode == 1
    assert "error[E201]" in out.stderr and "warning[" not in out.stderr


def test_errors_exit_1_and_all_are_reported(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bad.cxj", BAD)
    out = cxdsl_cli("check", path)
    assert out.returncode == 1
    assert out.stdout == ""
    assert f"{path}:4:28: error[E201]: unknown stage 'Convrt'" in out.stderr
    assert f"{path}:5:8: error[E207]: unknown metric 'nsp'" in out.stderr
    assert out.stderr.rstrip().endswith("1 of 1 file failed the check")


def test_rendering_shows_the_line_a_caret_under_the_span_and_the_hint(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bad.cxj", BAD)
    lines = cxdsl_cli("check", path).stderr.splitlines()
    i = lines.index(f"{path}:4:28: error[E201]: unknown stage 'Convrt'")
    source, caret, hint = lines[i + 1: i + 4]
    assert source.endswith("| event e p=10% impact=-1 at Convrt")
    assert caret.replace(" ", "") == "|^^^^^^"
    assert caret.index("^") == source.index("Convrt")
    assert hint == "  hint: did you mean 'Convert'?"


def test_no_color_codes_when_not_a_terminal(tmp_path, cxdsl_cli):
    out = cxdsl_cli("check", write(tmp_path, "bad.cxj", BAD))
    assert "\x1b[" not in out.stderr


def test_diagnostics_are_in_file_order(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bad.cxj", "target nsp >= 5\n" + BAD)
    out = cxdsl_cli("check", path)
    places = [line.split(": ")[0] for line in out.stderr.splitlines()
              if line.startswith(str(path) + ":")]
    keys = [tuple(int(x) for x in p.rsplit(":", 2)[1:]) for p in places]
    assert keys == sorted(keys) and len(keys) >= 3


def test_several_files(tmp_path, cxdsl_cli):
    good = write(tmp_path, "good.cxj", GOOD)
    bad = write(tmp_path, "bad.cxj", BAD)
    out = cxdsl_cli("check", good, bad, good)
    assert out.returncode == 1
    assert str(bad) in out.stderr and f"{good}:" not in out.stderr
    assert "1 of 3 files failed the check" in out.stderr
    assert cxdsl_cli("check", good, good).returncode == 0


def test_json_format(tmp_path, cxdsl_cli):
    good = write(tmp_path, "good.cxj", GOOD)
    bad = write(tmp_path, "bad.cxj", BAD)
    warn = write(tmp_path, "warn.cxj", WARN)
    out = cxdsl_cli("check", "--format", "json", good, bad, warn)
    assert out.returncode == 1
    assert out.stderr == ""
    items = json.loads(out.stdout)
    assert [(i["path"], i["code"]) for i in items] == [
        (str(bad), "E201"), (str(bad), "E207"), (str(warn), "W002")]
    e201 = items[0]
    assert e201 == {"code": "E201", "severity": "error",
                    "message": "unknown stage 'Convrt'", "path": str(bad), "line": 4,
                    "col": 28, "end_line": 4, "end_col": 34,
                    "hint": "did you mean 'Convert'?"}
    assert items[2]["severity"] == "warning"


def test_json_format_clean_is_an_empty_list(tmp_path, cxdsl_cli):
    out = cxdsl_cli("check", "--format", "json", write(tmp_path, "good.cxj", GOOD))
    assert out.returncode == 0
    assert json.loads(out.stdout) == []


def test_json_format_quiet(tmp_path, cxdsl_cli):
    out = cxdsl_cli("check", "--format", "json", "-q", write(tmp_path, "w.cxj", WARN))
    assert out.returncode == 0
    assert json.loads(out.stdout) == []


def test_json_hint_is_null_when_there_is_none(tmp_path, cxdsl_cli):
    out = cxdsl_cli("check", "--format", "json",
                    write(tmp_path, "bad.cxj", GOOD.replace("at Convert", "at Qqqqqq")))
    [item] = json.loads(out.stdout)
    assert item["code"] == "E201" and item["hint"] is None


def test_stdin(cxdsl_cli):
    out = cxdsl_cli("check", "-", input=BAD.encode())
    assert out.returncode == 1
    assert "<stdin>:4:28: error[E201]" in out.stderr
    out = cxdsl_cli("check", "--format", "json", "-", input=GOOD.encode())
    assert (out.returncode, json.loads(out.stdout)) == (0, [])


def test_usage_errors_exit_2(tmp_path, cxdsl_cli):
    assert cxdsl_cli("check").returncode == 2
    assert cxdsl_cli("check", "--format", "yaml", "x.cxj").returncode == 2
    assert cxdsl_cli("check", "--no-such-option", "x.cxj").returncode == 2


def test_help(cxdsl_cli):
    out = cxdsl_cli("check", "--help")
    assert out.returncode == 0
    for word in ("--format", "--allow-outside-imports", "--quiet"):
        assert word in out.stdout


def test_success_prints_one_ok_line_and_quiet_silences_it(tmp_path, cxdsl_cli):
    good = write(tmp_path, "good.cxj", GOOD)
    out = cxdsl_cli("check", good)
    assert out.returncode == 0 and out.stdout == f"ok: {good}\n"
    quiet = cxdsl_cli("check", "-q", good)
    assert quiet.returncode == 0 and quiet.stdout == ""
