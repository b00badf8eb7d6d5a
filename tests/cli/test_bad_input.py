"""Bad input through the command line, as a user meets it: every case gets a diagnostic or
a clear one-line error and exit code 1 (or is accepted, where it is legal), never a
Python traceback.

E002 (invalid UTF-8, NUL bytes) and E003 (a file over the size limit) are covered here
rather than by a golden case, because they cannot be written into a text file.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from support import write

GOOD = """\
journey "Bad input"
persona a "A persona" share=100% baseline=7
stage S advance=50%
stage T
event e p=10% impact=-1 at S
event f p=50% impact=+1 at T when e or score < 5
"""

#: a diagnostic line: path:line:col: error[CODE]: message
DIAG = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)"
                  r"\[(?P<code>[EW]\d{3})\]: (?P<msg>.+)$", re.M)


def no_traceback(out) -> None:
    assert "Traceback" not in out.stderr, out.stderr
    assert "Traceback" not in out.stdout, out.stdout
    assert "internal error" not in out.stderr, out.stderr


def assert_clean(out) -> None:
    no_traceback(out)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "", out.stderr


def assert_error(out, code: str, path: str | None = None, line: int | None = None):
    """Exit 1 with a rendered ``path:line:col: error[CODE]: message``; returns the match."""
    no_traceback(out)
    assert out.returncode == 1, (out.returncode, out.stderr)
    found = [m for m in DIAG.finditer(out.stderr) if m["code"] == code]
    assert found, f"no error[{code}] in:\n{out.stderr}"
    m = found[0]
    assert m["sev"] == "error"
    if path is not None:
        assert m["path"] == path, m.group(0)
    if line is not None:
        assert int(m["line"]) == line, m.group(0)
    return m


def codes_of(out) -> list[str]:
    return [m["code"] for m in DIAG.finditer(out.stderr)]


# ------------------------------------------------------------------------- accepted forms

def test_a_good_file_checks_clean(tmp_path, cxdsl_cli):
    path = write(tmp_path, "good.cxj", GOOD)
    assert_clean(cxdsl_cli("check", path))


def test_utf8_bom_is_accepted(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bom.cxj", b"\xef\xbb\xbf" + GOOD.encode())
    assert_clean(cxdsl_cli("check", path))


def test_utf8_bom_keeps_columns(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bom.cxj", b"\xef\xbb\xbf" + GOOD.replace(
        "baseline=7", "baselin=7").encode())
    m = assert_error(cxdsl_cli("check", path), "E204", str(path), 2)
    assert int(m["col"]) == GOOD.splitlines()[1].index("baseline") + 1


def test_crlf_line_endings_are_accepted(tmp_path, cxdsl_cli):
    path = write(tmp_path, "crlf.cxj", GOOD.replace("\n", "\r\n"))
    assert_clean(cxdsl_cli("check", path))


def test_crlf_diagnostics_have_the_right_place(tmp_path, cxdsl_cli):
    text = GOOD.replace("at T when", "at Tx when").replace("\n", "\r\n")
    path = write(tmp_path, "crlf.cxj", text)
    out = cxdsl_cli("check", path)
    m = assert_error(out, "E201", str(path), 6)
    assert int(m["col"]) == GOOD.splitlines()[5].index("T when") + 1
    assert "\r" not in out.stderr


def test_tabs_are_accepted(tmp_path, cxdsl_cli):
    path = write(tmp_path, "tabs.cxj", GOOD.replace(" ", "\t").replace(
        '"A\tpersona"', '"A persona"').replace('"Bad\tinput"', '"Bad input"'))
    assert_clean(cxdsl_cli("check", path))


def test_tabs_run_to_the_next_multiple_of_8_columns(tmp_path, cxdsl_cli):
    path = write(tmp_path, "tabs.cxj", GOOD.replace("stage T\n", "stage\tT\tadvanc=1\n"))
    m = assert_error(cxdsl_cli("check", path), "E204", str(path), 4)
    assert int(m["col"]) == len("stage\tT\t".expandtabs(8)) + 1


def test_a_file_without_a_final_newline_is_accepted(tmp_path, cxdsl_cli):
    path = write(tmp_path, "eof.cxj", GOOD.rstrip("\n"))
    assert_clean(cxdsl_cli("check", path))


def test_standard_input(cxdsl_cli):
    assert_clean(cxdsl_cli("check", "-", input=GOOD.encode()))


def test_standard_input_with_errors(cxdsl_cli):
    out = cxdsl_cli("check", "-", input=GOOD.replace("at S\n", "at Sx\n").encode())
    assert_error(out, "E201", "<stdin>", 5)


def test_standard_input_invalid_utf8(cxdsl_cli):
    assert_error(cxdsl_cli("check", "-", input=b"persona \xff\n"), "E002", "<stdin>", 1)


# -------------------------------------------------------------------------- unreadable

def test_empty_file(tmp_path, cxdsl_cli):
    path = write(tmp_path, "empty.cxj", "")
    out = cxdsl_cli("check", path)
    assert_error(out, "E010", str(path), 1)
    assert "E011" in codes_of(out)


def test_only_whitespace_and_comments(tmp_path, cxdsl_cli):
    path = write(tmp_path, "blank.cxj", "\n\n   \t\n# nothing here\n\n")
    out = cxdsl_cli("check", path)
    assert_error(out, "E010", str(path))


def test_random_bytes(tmp_path, cxdsl_cli):
    data = bytes((i * 7919 + 13) % 256 for i in range(4096))  # deterministic noise
    path = write(tmp_path, "noise.cxj", data)
    assert_error(cxdsl_cli("check", path), "E002", str(path))


def test_random_bytes_that_decode(tmp_path, cxdsl_cli):
    """Printable garbage is valid UTF-8: it gets syntax errors, a bounded number of them."""
    data = "".join(chr(33 + (i * 7919) % 94) for i in range(5000))
    path = write(tmp_path, "garbage.cxj", "\n".join(data[i:i + 70]
                                                    for i in range(0, 5000, 70)))
    out = cxdsl_cli("check", path)
    no_traceback(out)
    assert out.returncode == 1
    assert 0 < len(codes_of(out)) <= 25


def test_invalid_utf8(tmp_path, cxdsl_cli):
    path = write(tmp_path, "latin1.cxj", GOOD.replace("A persona", "Caf\u00e9").encode(
        "latin-1"))
    m = assert_error(cxdsl_cli("check", path), "E002", str(path), 2)
    assert int(m["col"]) == len('persona a "Caf') + 1
    assert "UTF-8" in m["msg"]


def test_nul_byte(tmp_path, cxdsl_cli):
    path = write(tmp_path, "nul.cxj", GOOD.replace("stage T", "stage \x00T"))
    m = assert_error(cxdsl_cli("check", path), "E002", str(path), 4)
    assert int(m["col"]) == len("stage ") + 1


def test_ten_megabyte_file(tmp_path, cxdsl_cli):
    line = "# " + "x" * 98 + "\n"
    path = write(tmp_path, "huge.cxj", GOOD + line * (10 * 1024 * 1024 // len(line)))
    out = cxdsl_cli("check", path)
    m = assert_error(out, "E003", str(path))
    assert "MB" in m["msg"]
    assert len(out.stderr) < 2000


def test_file_just_over_the_limit(tmp_path, cxdsl_cli):
    from cxdsl.lang.source import MAX_BYTES

    path = write(tmp_path, "over.cxj", GOOD + "#" * (MAX_BYTES - len(GOOD)) + "\n")
    assert_error(cxdsl_cli("check", path), "E003", str(path))


def test_missing_file(tmp_path, cxdsl_cli):
    path = tmp_path / "nowhere.cxj"
    out = cxdsl_cli("check", path)
    m = assert_error(out, "E001", str(path))
    assert "no such file" in m["msg"]


def test_directory_given_as_a_file(tmp_path, cxdsl_cli):
    out = cxdsl_cli("check", tmp_path)
    m = assert_error(out, "E001", str(tmp_path))
    assert "directory" in m["msg"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs file permissions that the user cannot bypass")
def test_unreadable_file(tmp_path, cxdsl_cli):
    path = write(tmp_path, "secret.cxj", GOOD)
    path.chmod(0)
    try:
        assert_error(cxdsl_cli("check", path), "E001", str(path))
    finally:
        path.chmod(0o644)


def test_several_files_one_bad(tmp_path, cxdsl_cli):
    good = write(tmp_path, "good.cxj", GOOD)
    out = cxdsl_cli("check", good, tmp_path / "missing.cxj")
    assert_error(out, "E001")
    assert "1 of 2 files failed" in out.stderr


# ----------------------------------------------------------------------------- huge input

def test_five_thousand_nested_parentheses(tmp_path, cxdsl_cli):
    """A condition nested deeper than the documented limit (64 levels) is refused with
    E005, whatever nests it: parentheses as well as `not`, `and`, `or`."""
    cond = "(" * 5000 + "e" + ")" * 5000
    path = write(tmp_path, "parens.cxj", GOOD + f"event g at T when {cond}\n")
    out = cxdsl_cli("check", path)
    assert_error(out, "E005", str(path), 7)


def test_five_thousand_nested_parentheses_with_operators(tmp_path, cxdsl_cli):
    cond = "(e or " * 5000 + "e" + ")" * 5000
    path = write(tmp_path, "parens_or.cxj", GOOD + f"event g at T when {cond}\n")
    assert_error(cxdsl_cli("check", path), "E005", str(path), 7)


def test_five_thousand_nots(tmp_path, cxdsl_cli):
    path = write(tmp_path, "nots.cxj", GOOD + "event g at T when " + "not " * 5000 + "e\n")
    out = cxdsl_cli("check", path)
    assert_error(out, "E005", str(path), 7)
    assert all(len(line) < 200 for line in out.stderr.splitlines()), out.stderr


def test_five_thousand_unbalanced_parentheses(tmp_path, cxdsl_cli):
    path = write(tmp_path, "open.cxj", GOOD + "event g at T when " + "(" * 5000 + "e\n")
    out = cxdsl_cli("check", path)
    no_traceback(out)
    assert out.returncode == 1
    assert codes_of(out)


def test_a_long_flat_condition_is_fine(tmp_path, cxdsl_cli):
    cond = " or ".join(["e"] * 5000)
    path = write(tmp_path, "flat.cxj", GOOD + f"event g at T when {cond}\n")
    assert_clean(cxdsl_cli("check", path))


def test_hundred_thousand_character_line(tmp_path, cxdsl_cli):
    label = "x" * 100_000
    path = write(tmp_path, "long.cxj", GOOD + f'event g "{label}" at T when nobody\n')
    out = cxdsl_cli("check", path)
    m = assert_error(out, "E201", str(path), 7)
    assert int(m["col"]) == len(f'event g "{label}" at T when ') + 1
    # the rendered source line and caret are cut to a window around the problem
    assert all(len(line) < 300 for line in out.stderr.splitlines()), \
        max(len(line) for line in out.stderr.splitlines())
    caret = next(line for line in out.stderr.splitlines() if "^" in line)
    source = out.stderr.splitlines()[out.stderr.splitlines().index(caret) - 1]
    start = caret.index("^")
    assert source[start:start + len("nobody")] == "nobody", (source, caret)


def test_hundred_thousand_character_line_syntax_error(tmp_path, cxdsl_cli):
    path = write(tmp_path, "long2.cxj", GOOD + "event g at T when " + "e " * 50_000 + "\n")
    out = cxdsl_cli("check", path)
    assert_error(out, "E100", str(path), 7)
    assert all(len(line) < 300 for line in out.stderr.splitlines())


def test_many_syntax_errors_are_capped(tmp_path, cxdsl_cli):
    path = write(tmp_path, "many.cxj", GOOD + "stage ?\n" * 1000)
    out = cxdsl_cli("check", path)
    no_traceback(out)
    assert out.returncode == 1
    assert 0 < len(codes_of(out)) <= 25


def test_thousands_of_declarations(tmp_path, cxdsl_cli):
    events = "".join(f"event e{i} p=1% impact=-0.1 at S when e or e{i - 1}\n"
                     for i in range(1, 1000))
    path = write(tmp_path, "wide.cxj", GOOD + "event e0 at S\n" + events)
    assert_clean(cxdsl_cli("check", path))


# -------------------------------------------------------------------------------- imports

def test_import_cycle(tmp_path, cxdsl_cli):
    write(tmp_path, "a.cxj", 'import "b.cxj"\n' + GOOD)
    write(tmp_path, "b.cxj", 'import "a.cxj"\n')
    out = cxdsl_cli("check", tmp_path / "a.cxj")
    assert_error(out, "E501", line=1)


def test_import_of_itself(tmp_path, cxdsl_cli):
    path = write(tmp_path, "self.cxj", 'import "self.cxj"\n' + GOOD)
    assert_error(cxdsl_cli("check", path), "E501", str(path), 1)


def test_import_of_a_missing_file(tmp_path, cxdsl_cli):
    path = write(tmp_path, "main.cxj", 'import "gone.cxj"\n' + GOOD)
    m = assert_error(cxdsl_cli("check", path), "E001", str(path), 1)
    assert int(m["col"]) == len("import ") + 1


def test_import_of_a_directory(tmp_path, cxdsl_cli):
    (tmp_path / "lib").mkdir()
    path = write(tmp_path, "main.cxj", 'import "lib"\n' + GOOD)
    assert_error(cxdsl_cli("check", path), "E001", str(path), 1)


def test_import_of_a_binary_file(tmp_path, cxdsl_cli):
    write(tmp_path, "bin.cxj", b"\x00\x01\x02\xff")
    path = write(tmp_path, "main.cxj", 'import "bin.cxj"\n' + GOOD)
    assert_error(cxdsl_cli("check", path), "E002")


def test_import_escaping_the_directory(tmp_path, cxdsl_cli):
    write(tmp_path, "shared/personas.cxj", "persona b share=1 baseline=6\n")
    path = write(tmp_path, "project/main.cxj",
                 'import "../shared/personas.cxj"\n' + GOOD.replace("share=100%", "share=1"))
    out = cxdsl_cli("check", path)
    m = assert_error(out, "E502", str(path), 1)
    assert "--allow-outside-imports" in out.stderr, m
    assert_clean(cxdsl_cli("check", "--allow-outside-imports", path))


def test_import_escaping_through_a_symlink(tmp_path, cxdsl_cli):
    write(tmp_path, "outside/personas.cxj", "persona b share=1 baseline=6\n")
    (tmp_path / "project").mkdir()
    try:
        (tmp_path / "project" / "link").symlink_to(tmp_path / "outside")
    except OSError:
        pytest.skip("symlinks are not available")
    path = write(tmp_path, "project/main.cxj",
                 'import "link/personas.cxj"\n' + GOOD.replace("share=100%", "share=1"))
    assert_error(cxdsl_cli("check", path), "E502", str(path), 1)


def test_absolute_import_outside_the_directory(tmp_path, cxdsl_cli):
    other = write(tmp_path, "elsewhere/p.cxj", "persona b share=1 baseline=6\n")
    path = write(tmp_path, "project/main.cxj", f'import "{other.as_posix()}"\n'
                 + GOOD.replace("share=100%", "share=1"))
    assert_error(cxdsl_cli("check", path), "E502", str(path), 1)
    assert_clean(cxdsl_cli("check", "--allow-outside-imports", path))


def test_stdin_imports_resolve_against_the_working_directory(tmp_path, cxdsl_cli):
    write(tmp_path, "personas.cxj", 'persona a share=100% baseline=7\n')
    text = 'import "personas.cxj"\nstage S\n'
    assert_clean(cxdsl_cli("check", "-", input=text.encode(), cwd=tmp_path))


# ---------------------------------------------------------------------------- json format

def test_json_format_fields(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bad.cxj", GOOD.replace("baseline=7", "baselin=7"))
    out = cxdsl_cli("check", "--format", "json", path)
    no_traceback(out)
    assert out.returncode == 1
    items = json.loads(out.stdout)
    assert items, out.stdout
    for item in items:
        assert list(item) == ["code", "severity", "message", "path", "line", "col",
                              "end_line", "end_col", "hint"]
    e204 = next(i for i in items if i["code"] == "E204")
    col = GOOD.splitlines()[1].index("baseline") + 1
    assert e204 == {"code": "E204", "severity": "error",
                    "message": e204["message"], "path": str(path), "line": 2, "col": col,
                    "end_line": 2, "end_col": col + len("baselin"),
                    "hint": "did you mean 'baseline'?"}
    assert "baselin" in e204["message"]


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00", b"(" * 3000, "é".encode() * 10])
def test_json_format_for_unreadable_input(tmp_path, cxdsl_cli, data):
    path = write(tmp_path, "x.cxj", data)
    out = cxdsl_cli("check", "--format", "json", path)
    no_traceback(out)
    assert out.returncode == 1
    items = json.loads(out.stdout)
    assert items and all(i["severity"] in ("error", "warning") for i in items)
    assert all(i["path"] == str(path) for i in items)


def test_json_format_of_a_missing_file(tmp_path, cxdsl_cli):
    out = cxdsl_cli("check", "--format", "json", tmp_path / "gone.cxj")
    assert out.returncode == 1
    [item] = json.loads(out.stdout)
    assert item["code"] == "E001" and item["line"] == 1


# ---------------------------------------------------------------------------- usage errors

def test_no_file_is_a_usage_error(cxdsl_cli):
    out = cxdsl_cli("check")
    no_traceback(out)
    assert out.returncode == 2


def test_unknown_format_is_a_usage_error(tmp_path, cxdsl_cli):
    path = write(tmp_path, "good.cxj", GOOD)
    out = cxdsl_cli("check", "--format", "xml", path)
    no_traceback(out)
    assert out.returncode == 2


def test_compile_of_bad_input_fails_cleanly(tmp_path, cxdsl_cli):
    path = write(tmp_path, "bad.cxj", b"\xff" * 100)
    out = cxdsl_cli("compile", path)
    assert_error(out, "E002", str(path))
    assert out.stdout == ""
