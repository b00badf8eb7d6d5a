"""``path:line:col`` counts screen columns (a tab to the next multiple of 8, a wide
character such as an emoji as 2, as GCC prints by default): Vim's ``:cfile`` with the
project's compiler plugin (``%v``) and Emacs's compilation mode (screen columns) land on
the character the diagnostic is about, after an accent, an emoji or a tab.

Both run headless (``vim -es``, ``emacs --batch``); a missing editor skips locally and
fails under CI, which installs both."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from cxdsl.lang import api
from cxdsl.lang.diagnostics import render
from support import ROOT, write

#: Each line has one mistake; the text the cursor must land on.
SPEC = (
    'persona a "Café 😀 au lait" share=100% baseline=7 bogus=1\n'
    "stage S\n"
    '\tevent e "\tA tab in the label" p=5 at S\n'
    'event f "日本語のラベル" p=5% impact=-1 at S when nowhere\n'
)
LANDS_ON = {1: "bogus", 3: "5 at S", 4: "nowhere"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture()
def errors(tmp_path):
    """(folder, file of ``cxdsl check`` output) for SPEC."""
    spec = write(tmp_path, "spec.cxj", SPEC)
    comp = api.check_file(str(spec))
    assert sorted(d.span.line for d in comp.diagnostics) == sorted(LANDS_ON)
    out = write(tmp_path, "errors.txt", render(comp.diagnostics.sorted(), comp.sources) + "\n")
    return tmp_path, out


def test_the_columns_are_screen_columns(errors):
    _, out = errors
    heads = [line.split(": ")[0] for line in out.read_text("utf-8").splitlines()
             if ": error[" in line]
    # é is one column and the emoji two; a leading tab runs to column 9, the tab inside
    # the label to the next multiple of 8; each CJK character is two columns
    assert [h.split(":")[1:] for h in heads] == [["1", "51"], ["3", "47"], ["4", "51"]]


def _landed(lines: list[str]) -> None:
    got = {int(x.split(":", 1)[0]): x.split(":", 1)[1] for x in lines}
    assert set(got) == set(LANDS_ON), lines
    for line, text in LANDS_ON.items():
        assert got[line].startswith(text), (line, got[line])


def test_vim_make_lands_on_the_character(errors):
    vim = _tool("vim")
    tmp, out = errors
    script = write(tmp, "jump.vim", "\n".join([
        "set nocompatible encoding=utf-8",
        f"set runtimepath^={ROOT / 'editors' / 'vim'}",
        "compiler cxdsl",
        "let g:landed = []",
        f"cfile {out}",
        "for n in range(1, len(getqflist()))",
        "  execute 'silent cc ' . n",
        "  call add(g:landed, line('.') . ':' . strpart(getline('.'), col('.') - 1))",
        "endfor",
        "call writefile(g:landed, 'landed.txt')",
        "qall!",
    ]) + "\n")
    run = subprocess.run([vim, "-es", "-N", "-u", "NONE", "-i", "NONE", "-S", str(script)],
                         cwd=tmp, capture_output=True, text=True, timeout=60)
    result = tmp / "landed.txt"
    assert result.exists(), run.stdout + run.stderr
    _landed(result.read_text("utf-8").splitlines())


#: Visits each error of the log with compile-goto-error, the spec in cxj-mode.
_EMACS = r"""
(require 'compile)
(load (expand-file-name "editors/emacs/cxj-mode.el" (getenv "CXDSL_ROOT")))
(let ((log (find-file-noselect "errors.txt")) (landed nil))
  (with-current-buffer log
    (compilation-mode)
    (goto-char (point-min))
    (while (re-search-forward "^[^ ].*: error\\[" nil t)
      (beginning-of-line)
      (let ((here (point)))
        (compile-goto-error)
        (let ((w (selected-window)))
          (with-current-buffer (window-buffer w)
            (unless (eq major-mode 'cxj-mode) (error "not in cxj-mode: %s" major-mode))
            (save-excursion
              (goto-char (window-point w))
              (push (format "%d:%s" (line-number-at-pos)
                            (buffer-substring (point) (line-end-position)))
                    landed))))
        (set-buffer log)
        (goto-char here)
        (forward-line 1))))
  (with-temp-file "landed.txt"
    (insert (mapconcat #'identity (nreverse landed) "
"))))
"""


def test_emacs_compile_lands_on_the_character(errors):
    emacs = _tool("emacs")
    tmp, _ = errors
    script = write(tmp, "jump.el", _EMACS)
    run = subprocess.run([emacs, "--batch", "-Q", "-l", str(script)], cwd=tmp,
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "CXDSL_ROOT": str(ROOT)})
    result = tmp / "landed.txt"
    assert result.exists(), run.stdout + run.stderr
    _landed(result.read_text("utf-8").splitlines())
