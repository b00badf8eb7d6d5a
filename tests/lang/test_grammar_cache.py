"""The built Lark parser is kept in the user's cache directory, keyed by the grammar:
loaded when its file is there and sound, built and saved atomically otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark import Lark

from cxdsl.lang import grammar

SOURCE = (Path(__file__).resolve().parents[2] / "examples" / "saas_onboarding.cxj").read_text(
    "utf-8")


def _positions(tree) -> list[tuple[int, int, int, int]]:
    return [(t.meta.line, t.meta.column, t.meta.start_pos, t.meta.end_pos)
            for t in tree.iter_subtrees() if not t.meta.empty]


class _NoBuild(Lark):
    """A Lark that can only be loaded: building one fails the test."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("the parser was built, not loaded from its cache")


def test_saved_then_loaded_with_the_same_trees_and_positions(tmp_path, monkeypatch):
    text = grammar.grammar_text()
    built = grammar.build_parser(text, tmp_path)
    files = list(tmp_path.iterdir())
    assert files == [grammar.cache_file(text, tmp_path)]  # no temporary file left behind
    monkeypatch.setattr(grammar, "Lark", _NoBuild)
    loaded = grammar.build_parser(text, tmp_path)
    assert isinstance(loaded, _NoBuild)
    a, b = built.parse(SOURCE), loaded.parse(SOURCE)
    assert a == b
    assert _positions(a) == _positions(b) and _positions(a)


def test_a_damaged_cache_file_is_rebuilt(tmp_path):
    text = grammar.grammar_text()
    path = grammar.cache_file(text, tmp_path)
    path.write_bytes(b"not a pickle")
    parser = grammar.build_parser(text, tmp_path)
    assert parser.parse(SOURCE) == grammar.lark_parser().parse(SOURCE)
    assert path.read_bytes() != b"not a pickle"


def test_the_file_name_follows_the_grammar(tmp_path):
    text = grammar.grammar_text()
    assert grammar.cache_file(text, tmp_path) == grammar.cache_file(text, tmp_path)
    assert grammar.cache_file(text + "\n", tmp_path) != grammar.cache_file(text, tmp_path)


def test_an_unwritable_cache_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    parser = grammar.build_parser(grammar.grammar_text(), blocker / "cxdsl")
    assert parser.parse(SOURCE) == grammar.lark_parser().parse(SOURCE)


@pytest.mark.parametrize("xdg", ["", "set"])
def test_the_cache_directory(tmp_path, monkeypatch, xdg):
    if xdg:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert grammar.cache_dir() == tmp_path / "cxdsl"
    else:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        monkeypatch.setenv("HOME", str(tmp_path))
        assert grammar.cache_dir() == tmp_path / ".cache" / "cxdsl"
