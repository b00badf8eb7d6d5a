"""``cxdsl fmt``: rewriting files safely, --check, --diff, standard input, bad input, and the
git textconv and pre-commit wiring."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cxdsl.cli import fmt as fmt_cmd
from cxdsl.cli.main import main
from cxdsl.tooling.formatter import FormatError, format_text
from support import CASES_DIR, ROOT, SAAS, run_main, write

# a formatter case (tests/cases/fmt): the file tests need a text the formatter changes
MESSY = (CASES_DIR / "fmt" / "spacing_and_comment.cxj").read_text("utf-8")
TIDY = (CASES_DIR / "fmt" / "spacing_and_comment.expected.cxj").read_text("utf-8")
BROKEN = "persona a share=1 baseline=7\nevent e p= at S\n"


@pytest.fixture
def messy(tmp_path) -> Path:
    path = write(tmp_path, "j.cxj", MESSY)
    return path


def test_formats_in_place_keeping_the_mode(capsys, messy):
    messy.chmod(0o640)
    code, out, err = run_main(capsys, "fmt", str(messy))
    assert code == 0
    assert messy.read_text("utf-8") == TIDY
    assert stat.S_IMODE(messy.stat().st_mode) == 0o640
    assert f"reformatted {messy}" in err
    assert out == ""
    assert os.listdir(messy.parent) == ["j.cxj"]  # no temporary file left behind
    code, out, err = run_main(capsys, "fmt", str(messy))
    assert code == 0 and "1 file left unchanged" in err


def test_check_reports_and_writes_nothing(capsys, messy):
    code, out, err = run_main(capsys, "fmt", "--check", str(messy))
    assert code == 1
    assert f"would reformat {messy}" in err
    assert messy.read_text("utf-8") == MESSY
    messy.write_text(TIDY, "utf-8")
    assert run_main(capsys, "fmt", "--check", str(messy))[0] == 0


def test_diff_prints_a_unified_diff(capsys, messy):
    code, out, err = run_main(capsys, "fmt", "--diff", str(messy))
    assert code == 0
    assert out.startswith(f"--- {messy}\t(original)\n+++ {messy}\t(formatted)\n")
    assert "-persona  a share=1   baseline=7 # who\n" in out
    assert "+persona a share=1 baseline=7  # who\n" in out
    assert messy.read_text("utf-8") == MESSY
    assert run_main(capsys, "fmt", "--diff", "--check", str(messy))[0] == 1


def test_stdout_leaves_the_file_alone(capsys, messy):
    code, out, _ = run_main(capsys, "fmt", "--stdout", str(messy))
    assert (code, out) == (0, TIDY)
    assert messy.read_text("utf-8") == MESSY


def test_standard_input_to_standard_output(cxdsl_cli):
    proc = cxdsl_cli("fmt", "-", input=MESSY.encode())
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, TIDY, "")
    proc = cxdsl_cli("fmt", "--check", "-", input=MESSY.encode())
    assert proc.returncode == 1 and proc.stdout == ""
    assert "would reformat <stdin>" in proc.stderr


def test_stdin_filename_names_the_input(capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(BROKEN.encode())))
    code, out, err = run_main(capsys, "fmt", "--stdin-filename", "mine.cxj", "-")
    assert code == 1
    assert "mine.cxj:2:" in err
    assert out == BROKEN  # a filter hands its input back when it cannot format it


def test_syntax_errors_are_reported_and_nothing_is_written(capsys, tmp_path):
    path = write(tmp_path, "bad.cxj", BROKEN)
    code, out, err = run_main(capsys, "fmt", str(path))
    assert code == 1
    assert f"{path}:2:" in err and "error[" in err and "^" in err
    assert "cannot format" in err and "1 syntax error" in err
    assert "Traceback" not in err
    assert path.read_text("utf-8") == BROKEN


def test_read_only_file_is_left_alone(capsys, messy):
    messy.chmod(0o444)
    try:
        code, out, err = run_main(capsys, "fmt", str(messy))
    finally:
        messy.chmod(0o644)
    assert code == 1
    assert "read-only" in err and "left unchanged" in err
    assert messy.read_text("utf-8") == MESSY


def test_disk_full_never_loses_the_original(capsys, messy, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    code, out, err = run_main(capsys, "fmt", str(messy))
    monkeypatch.undo()
    assert code == 1
    assert "no space left on device" in err and "left unchanged" in err
    assert "Traceback" not in err
    assert messy.read_text("utf-8") == MESSY
    assert os.listdir(messy.parent) == ["j.cxj"]


def test_a_file_changed_while_formatting_is_not_overwritten(capsys, messy, monkeypatch):
    def edit_meanwhile(text, path, **kw):
        Path(path).write_text("seed 1\n", "utf-8")  # someone saves the file meanwhile
        return format_text(text, path, **kw)

    monkeypatch.setattr(fmt_cmd, "format_text", edit_meanwhile)
    code, out, err = run_main(capsys, "fmt", str(messy))
    assert code == 1
    assert "changed since it was read" in err
    assert messy.read_text("utf-8") == "seed 1\n"
    assert os.listdir(messy.parent) == ["j.cxj"]


def test_formatter_doubt_exits_123_and_writes_nothing(capsys, messy, monkeypatch):
    def doubtful(text, path, **kw):
        raise FormatError("the formatted text has a different syntax tree")

    monkeypatch.setattr(fmt_cmd, "format_text", doubtful)
    code, out, err = run_main(capsys, "fmt", str(messy))
    assert code == 123
    assert "internal error" in err and "nothing was written" in err
    assert messy.read_text("utf-8") == MESSY


def test_missing_file_and_usage_errors(capsys, tmp_path):
    code, _, err = run_main(capsys, "fmt", str(tmp_path / "nope.cxj"))
    assert code == 1 and "no such file" in err
    assert run_main(capsys, "fmt")[0] == 2
    assert run_main(capsys, "fmt", "--textconv", "--check", "x.cxj")[0] == 2


def test_directories_are_searched_for_cxj_files(capsys, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in ("a.cxj", "sub/b.cxj", ".hidden/c.cxj", "notes.txt"):
        (tmp_path / rel).write_text(MESSY, "utf-8")
    code, _, err = run_main(capsys, "fmt", str(tmp_path))
    assert code == 0 and "2 files reformatted" in err
    assert (tmp_path / "a.cxj").read_text("utf-8") == TIDY
    assert (tmp_path / "sub" / "b.cxj").read_text("utf-8") == TIDY
    assert (tmp_path / ".hidden" / "c.cxj").read_text("utf-8") == MESSY
    assert (tmp_path / "notes.txt").read_text("utf-8") == MESSY


def test_a_symlink_is_followed_not_replaced(capsys, messy):
    link = messy.parent / "link.cxj"
    link.symlink_to(messy.name)
    assert run_main(capsys, "fmt", str(link))[0] == 0
    assert link.is_symlink()
    assert messy.read_text("utf-8") == TIDY


def test_several_files_report_the_worst_status(capsys, tmp_path):
    good, bad = tmp_path / "good.cxj", tmp_path / "bad.cxj"
    good.write_text(MESSY, "utf-8")
    bad.write_text(BROKEN, "utf-8")
    code, _, err = run_main(capsys, "fmt", str(good), str(bad))
    assert code == 1
    assert good.read_text("utf-8") == TIDY
    assert "1 file reformatted, 1 file failed" in err


# -------------------------------------------------------------------- version control


def test_textconv_prints_the_normal_form_or_the_text_as_is(capsys, tmp_path):
    path = write(tmp_path, "x.cxj", MESSY)
    assert run_main(capsys, "fmt", "--textconv", str(path))[:2] == (0, TIDY)
    path.write_text(BROKEN, "utf-8")
    assert run_main(capsys, "fmt", "--textconv", str(path))[:2] == (0, BROKEN)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_diff_shows_the_normalised_form(tmp_path):
    def git(*args: str) -> str:
        env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path),
               "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
        out = subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True,
                             env=env, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    git("init", "-q")
    # the setup docs/git.md describes, with this interpreter spelled out
    git("config", "diff.cxj.textconv", f'"{sys.executable}" -m cxdsl fmt --textconv')
    (tmp_path / ".gitattributes").write_text("*.cxj diff=cxj\n", "utf-8")
    spec = write(tmp_path, "journey.cxj", MESSY)
    git("add", ".")
    git("commit", "-q", "-m", "first")

    # a change of layout only: nothing to show
    spec.write_text(MESSY.replace("stage   T", "stage T\t"), "utf-8")
    assert "@@" not in git("diff")
    # a real change: shown in the normalised form, and only that line
    spec.write_text(MESSY.replace("baseline=7", "baseline=8"), "utf-8")
    diff = git("diff")
    assert "-persona a share=1 baseline=7  # who" in diff
    assert "+persona a share=1 baseline=8  # who" in diff
    assert "stage" not in diff.split("@@")[-1].replace(" stage S\n", "").replace(
        " stage T\n", "")
    # a file that does not parse still diffs, as written
    spec.write_text(BROKEN, "utf-8")
    assert "+event e p= at S" in git("diff")


def test_pre_commit_hooks_are_declared():
    yaml = pytest.importorskip("yaml")
    hooks = {h["id"]: h for h in yaml.safe_load(
        (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))}
    assert set(hooks) == {"cxdsl-fmt", "cxdsl-check"}
    for hook in hooks.values():
        assert hook["files"] == r"\.cxj$"
        assert hook["language"] == "python"
        assert hook["entry"].split()[0] == "cxdsl"
    assert hooks["cxdsl-fmt"]["entry"].split()[1] == "fmt"
    assert hooks["cxdsl-check"]["entry"].split()[1] == "check"


def test_pre_commit_entries_run(tmp_path):
    """Each hook's entry, run as pre-commit would (the entry followed by file names)."""
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    path = tmp_path / "j.cxj"
    good = (SAAS).read_text("utf-8")
    for hook in hooks:
        path.write_text(format_text(good), "utf-8")
        argv = hook["entry"].split()[1:] + hook.get("args", []) + [str(path)]
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0, hook["id"]
