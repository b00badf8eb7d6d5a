"""The grammar and what is read straight from it: ``grammar/cxj.lark``, the Lark parser
built from it, its keywords, and the text patterns that scans of raw source share.

It sits at the bottom of the language layer: the parser, the syntax-error explainers and
the vocabulary all read it, and it imports none of them.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import lark
from lark import Lark


def grammar_text() -> str:
    """The text of ``cxj.lark``: installed as the ``cxdsl.grammar`` package data, or read
    from the source tree's ``grammar/`` when running from a checkout."""
    try:
        return resources.files("cxdsl.grammar").joinpath("cxj.lark").read_text("utf-8")
    except ModuleNotFoundError:
        return (Path(__file__).resolve().parents[2] / "grammar" / "cxj.lark").read_text(
            "utf-8")


# The contextual lexer lets a keyword serve as a name where only a name fits, so the checker
# can say "reserved word"; it also reads `stageX` at the start of a line as `stage X`, which
# the parser's glued-keyword check reports.
_OPTIONS = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": True}


def cache_dir() -> Path:
    """Where the built parser is kept: ``$XDG_CACHE_HOME/cxdsl`` (``~/.cache/cxdsl``;
    ``%LOCALAPPDATA%\\cxdsl`` on Windows)."""
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.environ.get("LOCALAPPDATA") if sys.platform == "win32" else None)
    return Path(base or Path.home() / ".cache") / "cxdsl"


def cache_file(text: str, directory: Path) -> Path:
    """The cache file of the parser of grammar ``text``: named by a hash of the grammar,
    the options and the Lark and Python versions, so any change of them builds anew."""
    key = "\0".join((text, repr(sorted(_OPTIONS.items())), lark.__version__,
                     "{}.{}".format(*sys.version_info[:2])))
    return directory / f"cxj-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.lark"


def build_parser(text: str, directory: Path | None) -> Lark:
    """The Lark parser of grammar ``text``, loaded from its cache file in ``directory``
    when there is one (building it takes ~0.1 s), else built and saved there, atomically.
    Not Lark's own ``cache=True``: that file lies in the shared temp directory under a
    predictable name and is unpickled, so another local user could plant it. A cache that
    cannot be read or written is only a slower start."""
    path = cache_file(text, directory) if directory is not None else None
    if path is not None:
        try:
            with open(path, "rb") as f:
                return Lark.load(f)
        except Exception:  # missing, damaged or from an incompatible Lark: build anew
            pass
    parser = Lark(text, **_OPTIONS)
    if path is not None:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cxj-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    parser.save(f)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass
    return parser


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The parser of ``cxj.lark`` (LALR, positions on), cached in :func:`cache_dir`."""
    return build_parser(grammar_text(), cache_dir())


@lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """Every keyword of the grammar (the words a highlighter should know), sorted."""
    words = set()
    for term in lark_parser().terminals:
        pat = term.pattern
        if pat.type == "str" and re.fullmatch(r"[A-Za-z_]+", pat.value):
            words.add(pat.value)
    return tuple(sorted(words))


#: The keywords a statement starts with.
STATEMENT_KEYWORDS = ("journey", "scale", "customers", "seed", "import", "persona", "stage",
                      "goal", "survey", "volume", "event", "for", "target", "scenario",
                      "sweep", "uncertain", "worlds")

#: A quoted string (closed or not) or a comment: what scans of the raw text step over.
STRING_OR_COMMENT = r'"(?:\\.|[^"\\\n])*"?|#[^\r\n]*'
COMMENT_SCAN = re.compile(STRING_OR_COMMENT)
#: A run of name characters: a word of the raw text.
WORD = re.compile(r"[A-Za-z0-9_]+")
