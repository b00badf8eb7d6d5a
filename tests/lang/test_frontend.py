"""Front-end facts that are about the package rather than one input: the check path does
not load the simulator, the installed package carries its grammar, the API raises with
every diagnostic."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import cxdsl
from cxdsl.lang import parser
from support import ROOT, SAAS


def test_check_does_not_import_numba():
    code = ("import sys\nfrom cxdsl.cli.main import main\n"
            "try:\n    main(['check', sys.argv[1]])\nexcept SystemExit as e:\n"
            "    assert e.code == 0, e.code\n"
            "assert 'numba' not in sys.modules, 'numba was imported'\n"
            "assert 'numpy' not in sys.modules, 'numpy was imported'\n")
    out = subprocess.run([sys.executable, "-c", code, str(SAAS)], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr


def test_non_editable_install_carries_the_grammar(tmp_path):
    """`pip install .` (not editable) must produce a package that can check a file."""
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q",
         "--target", str(target), str(ROOT)],
        capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    assert (target / "cxdsl" / "grammar" / "cxj.lark").is_file()
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = ("import cxdsl, sys\nassert cxdsl.__file__.startswith(sys.argv[2]), cxdsl.__file__\n"
            "m = cxdsl.load(sys.argv[1])\nprint(len(m.events))")
    out = subprocess.run([sys.executable, "-c", code, str(SAAS), str(target)],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "7"


def test_loads_raises_with_every_diagnostic():
    text = "persona a share=100% baseline=7\nstage S\nevent x at Nowhere\nevent y p=2 at S\n"
    with pytest.raises(cxdsl.CompileError) as info:
        cxdsl.loads(text, "t.cxj")
    codes = [d.code for d in info.value.diagnostics]
    assert codes == ["E201", "E302"]
    assert "t.cxj:3:12: error[E201]: unknown stage 'Nowhere'" in info.value.render()


def test_parse_gives_the_syntax_tree():
    module = cxdsl.parse('journey "T"\nstage S\n')
    assert [type(s).__name__ for s in module.statements] == ["Journey", "Stage"]
    with pytest.raises(cxdsl.CompileError):
        cxdsl.parse("stage\n")


def test_keywords_come_from_the_grammar():
    words = parser.keywords()
    for w in ("journey", "persona", "stage", "event", "when", "scenario", "sweep", "score"):
        assert w in words
    assert "share" not in words  # attributes are names the checker validates


def test_percentages_are_exact():
    m = cxdsl.loads("persona a share=100% baseline=7\nstage S\nevent e p=5% at S\n")
    assert m.events[0].p == (0.05,)
    assert m.personas[0].share == 1.0
