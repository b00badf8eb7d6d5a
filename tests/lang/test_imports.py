"""Imports resolve against the importing file's directory and stay inside its tree: a file
is valid or not whoever imports it."""

from __future__ import annotations

import os
from pathlib import Path

from cxdsl.lang import api
from support import write

BASE = "persona a share=100% baseline=7\nstage S\n"


def _findings(comp: api.Compilation) -> list[tuple[str, str, int, int]]:
    return sorted((d.code, os.path.basename(d.span.path), d.span.line, d.span.col)
                  for d in comp.diagnostics)


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    write(tmp_path, "base.cxj", BASE)
    sub = write(tmp_path, "sub/a.cxj", 'import "../base.cxj"\n')
    top = write(tmp_path, "top.cxj", 'import "sub/a.cxj"\n')
    return top, sub


def test_a_file_reaching_out_is_refused_alone_and_when_imported(tmp_path):
    top, sub = _tree(tmp_path)
    alone = api.check_file(str(sub))
    imported = api.check_file(str(top))
    assert _findings(alone) == [("E502", "a.cxj", 1, 8)]
    assert _findings(imported) == [("E502", "a.cxj", 1, 8)]
    assert alone.model is None and imported.model is None


def test_outside_imports_allowed_are_allowed_at_every_depth(tmp_path):
    top, sub = _tree(tmp_path)
    for path in (top, sub):
        comp = api.check_file(str(path), allow_outside_imports=True)
        assert not comp.diagnostics.has_errors, _findings(comp)
        assert [p.name for p in comp.model.personas] == ["a"]


def test_a_subfolder_may_import_its_own_subfolders(tmp_path):
    write(tmp_path, "sub/lib/base.cxj", BASE)
    write(tmp_path, "sub/a.cxj", 'import "lib/base.cxj"\n')
    top = write(tmp_path, "top.cxj", 'import "sub/a.cxj"\n')
    comp = api.check_file(str(top))
    assert not comp.diagnostics.has_errors, _findings(comp)


def test_a_cycle_through_the_main_file_via_another_file(tmp_path):
    main = write(tmp_path, "main.cxj", 'import "other.cxj"\n' + BASE)
    other = write(tmp_path, "other.cxj", 'import "main.cxj"\n')
    comp = api.check_file(str(main))
    assert _findings(comp) == [("E501", "other.cxj", 1, 8)]
    [d] = comp.diagnostics
    assert d.message == "import cycle: main.cxj -> other.cxj -> main.cxj"
    # checked from the other end, the same cycle is reported at the other import
    back = api.check_file(str(other))
    assert _findings(back) == [("E501", "main.cxj", 1, 8)]
