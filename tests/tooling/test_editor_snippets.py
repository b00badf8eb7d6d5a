"""The editor snippets work as given: every VS Code snippet accepted with its default
placeholders parses (no keyword where a name goes), the extension declares what it may do
in an untrusted workspace, and the Neovim setup of editors/README.md for the installed
Neovim's version starts the language server and shows its diagnostics (headless)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from cxdsl.lang import api, parser
from support import ROOT, write

VSCODE = ROOT / "editors" / "vscode"
SNIPPETS = json.loads((VSCODE / "snippets" / "cxj.json").read_text("utf-8"))
#: Declarations a snippet refers to, so that a fragment reads as part of a spec.
CONTEXT = ("persona persona_name share=1 baseline=7\nstage Stage\nstage Name\n"
           "event event_name at Stage\nevent other_event at Stage\n")


def accepted(body: list[str]) -> str:
    """A snippet's text with every placeholder taken as offered: ``${1:x}`` is x, a
    choice ``${1|a,b|}`` its first option, ``$0`` nothing, a tab two spaces."""
    text = "\n".join(body)
    text = re.sub(r"\$\{\d+\|([^,|}]*)[^}]*\}", r"\1", text)
    while re.search(r"\$\{\d+:([^{}]*)\}", text):
        text = re.sub(r"\$\{\d+:([^{}]*)\}", r"\1", text)
    return re.sub(r"\$\d+", "", text).replace("\t", "  ")


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_a_snippet_accepted_as_offered_parses(name):
    text = accepted(SNIPPETS[name]["body"])
    before = CONTEXT if not text.startswith("journey") else ""
    if text.lstrip().startswith("for "):
        before += "stage With_for\n"
    comp = api.check_text(before + text + "\n", "snippet.cxj")
    # no syntax error, and no keyword where a name goes (E203)
    wrong = [d for d in comp.diagnostics if d.code.startswith("E1") or d.code == "E203"]
    assert not wrong, (text, [d.message for d in wrong])


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_no_placeholder_offers_a_keyword(name):
    """A keyword is never a name: accepted as it is, it would be an error."""
    defaults = re.findall(r"\$\{\d+:([A-Za-z_][A-Za-z0-9_]*)\}", "\n".join(
        SNIPPETS[name]["body"]))
    keywords = set(parser.keywords())
    assert not [d for d in defaults if d in keywords], defaults


def test_the_extension_limits_itself_in_untrusted_workspaces():
    package = json.loads((VSCODE / "package.json").read_text("utf-8"))
    untrusted = package["capabilities"]["untrustedWorkspaces"]
    assert untrusted["supported"] == "limited"
    settings = package["contributes"]["configuration"]["properties"]
    # the settings that choose the program that runs are not taken from the workspace
    chosen = {k for k, v in settings.items() if v.get("scope") == "machine-overridable"}
    assert {"cxdsl.path", "cxdsl.args"} <= chosen
    assert set(untrusted["restrictedConfigurations"]) == chosen


def _readme_lua() -> dict[str, str]:
    """The Neovim setups of editors/README.md: '0.8' and '0.7'."""
    text = (ROOT / "editors" / "README.md").read_text("utf-8")
    blocks = re.findall(r"```lua\n(.*?)```", text, re.S)
    setups = {("0.8" if "vim.lsp.start(" in b else "0.7"): b for b in blocks
              if "cxdsl" in b and "lsp" in b}
    assert set(setups) == {"0.8", "0.7"}, setups
    return setups


def _nvim_version(nvim: str) -> tuple[int, int]:
    out = subprocess.run([nvim, "--version"], capture_output=True, text=True).stdout
    major, minor = re.match(r"NVIM v(\d+)\.(\d+)", out).groups()
    return int(major), int(minor)


def test_the_neovim_setup_for_the_installed_version_shows_diagnostics(tmp_path):
    nvim = shutil.which("nvim")
    if nvim is None:
        if os.environ.get("CI"):
            pytest.fail("nvim is missing: .ci/run installs it")
        pytest.skip("nvim is not installed")
    version = _nvim_version(nvim)
    setup = _readme_lua()["0.8" if version >= (0, 8) else "0.7"]
    # `cxdsl` on the PATH, as the README assumes: this checkout's
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = write(bindir, "cxdsl", f'#!/bin/sh\nexec "{sys.executable}" -m cxdsl "$@"\n')
    wrapper.chmod(0o755)
    spec = write(tmp_path, "spec.cxj", "persona a share=100% baseline=7\nstage S\n"
                                      "event e p=5% at Nowhere\n")
    result = tmp_path / "diagnostics.txt"
    init = write(tmp_path, "init.lua", setup + f"""
vim.cmd("filetype on")
vim.cmd("autocmd BufRead,BufNewFile *.cxj setfiletype cxj")
vim.cmd("edit {spec}")
local ok = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 100)
local lines = {{}}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(lines, (d.lnum + 1) .. ":" .. d.message)
end
vim.fn.writefile(lines, "{result}")
vim.cmd("qall!")
""")
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([nvim, "--headless", "-u", str(init), "-i", "NONE"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert result.exists(), proc.stdout + proc.stderr
    shown = result.read_text("utf-8").splitlines()
    assert any(line.startswith("3:") and "Nowhere" in line for line in shown), shown
