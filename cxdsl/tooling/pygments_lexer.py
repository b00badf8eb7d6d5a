"""A Pygments lexer for ``.cxj`` journeys, registered as the ``cxj`` lexer.

Installed with the package through the ``pygments.lexers`` entry point, so
``pygmentize -l cxj FILE`` and documentation tools (Sphinx, MkDocs) highlight journeys::

    pygmentize -l cxj -f terminal256 examples/saas_onboarding.cxj

Its words come from the grammar (:func:`cxdsl.lang.grammar.keywords`) and from
:mod:`cxdsl.lang.vocabulary`: keywords anywhere, persona/stage/event/scenario/survey names
where they are declared, attribute names before ``=`` or after the ``.`` of a path, metric
names after ``target`` (and after ``target SURVEY.``), distribution names before ``(``.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, default, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from ..lang import vocabulary

__all__ = ["CxjLexer"]

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
#: The grammar's NUMBER: sign, digit groups, decimals, exponent, and whatever a number runs
#: into (`1.2.3`, `5pct`: the checker calls those malformed, the highlighter keeps them whole).
_NUMBER = r"[+-]?(?:[0-9]|(?<![0-9.])\.[0-9])(?:\.(?!\.)|[0-9A-Za-z_]|(?<=[eE])[+-])*"

# How the grammar's keywords are shown; a keyword added to the grammar and not listed here
# is still highlighted, as a plain Keyword.
_DECLARATIONS = ("persona", "stage", "event", "scenario", "survey")
_NAMESPACE = ("import",)
_LOGICAL = ("not", "and", "or")
_PSEUDO = ("score",)


def _alternation(names) -> str:
    return "(?:" + "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))) + ")"


def _tokens() -> dict:
    keywords = tuple(vocabulary.KEYWORDS)
    special = set(_DECLARATIONS + _NAMESPACE + _LOGICAL + _PSEUDO)
    plain = tuple(k for k in keywords if k not in special)
    declared = {"persona": Name.Class, "stage": Name.Label, "event": Name.Function,
                "scenario": Name.Namespace, "survey": Name.Variable}
    attrs = _alternation(vocabulary.ATTRIBUTES)
    metrics = _alternation(vocabulary.METRICS)
    dists = _alternation(vocabulary.DISTRIBUTIONS)
    return {
        "root": [
            (r"[ \t\f\v]+", Whitespace),
            (r"\n", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"', String.Double, "string"),
            # names at their declaration
            *[(rf"\b({kw})(\s+)({_ID})", bygroups(Keyword.Declaration, Whitespace, token))
              for kw, token in declared.items() if kw in keywords],
            # metric names after `target`, and after the survey of `target SURVEY.METRIC`
            (rf"\b(target)(\s+)({metrics})\b", bygroups(Keyword, Whitespace, Name.Constant)),
            (rf"\b(target)(\s+)({_ID})(\.)({metrics})\b",
             bygroups(Keyword, Whitespace, Name.Variable, Punctuation, Name.Constant)),
            # attribute names before `=` (not `==`) and after the `.` of a path
            (rf"\b{attrs}(?=\s*=(?!=))", Name.Attribute),
            (rf"(?<=\.){attrs}\b", Name.Attribute),
            # distribution functions
            (rf"\b{dists}(?=\s*\()", Name.Builtin),
            # keywords
            (words(tuple(k for k in _DECLARATIONS if k in keywords), suffix=r"\b"),
             Keyword.Declaration),
            (words(tuple(k for k in _NAMESPACE if k in keywords), suffix=r"\b"),
             Keyword.Namespace),
            (words(tuple(k for k in _LOGICAL if k in keywords), suffix=r"\b"), Operator.Word),
            (words(tuple(k for k in _PSEUDO if k in keywords), suffix=r"\b"), Keyword.Pseudo),
            (words(plain, prefix=r"\b", suffix=r"\b"), Keyword),
            # numbers, read as the grammar's lexer reads them: percentages, integers,
            # decimals
            (_NUMBER + "%", Number),
            (r"[+-]?[0-9][0-9_]*(?![0-9_]|\.[0-9]|[eE][+-]?[0-9])", Number.Integer),
            (_NUMBER, Number.Float),
            # operators and punctuation
            (r"\.\.", Operator),
            (r"[<>!=]=|[<>=~]", Operator),
            (r"[{}()\[\],:.]", Punctuation),
            (r"[+-]", Operator),
            (_ID, Name),
        ],
        # Labels: one line, with backslash escapes; an unterminated label ends at the line's
        # end, as the parser reports it.
        "string": [
            (r'[^"\\\n]+', String.Double),
            (r"\\.", String.Escape),
            (r'"', String.Double, "#pop"),
            (r"\\(?=\n)", String.Double),
            default("#pop"),
        ],
    }


class CxjLexer(RegexLexer):
    """cxdsl customer-experience journeys (``.cxj``)."""

    name = "cxdsl journey"
    aliases = ["cxj", "cxdsl"]
    filenames = ["*.cxj"]
    mimetypes = ["text/x-cxj"]

    flags = re.MULTILINE
    tokens = _tokens()
