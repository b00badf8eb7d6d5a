"""Example mistakes, each with the message it should get: a syntax error that leaves the
LALR parser in the same state as one of them gets its message (:func:`match_example`), so
a slip reads the same on line 1 and on line 100.
"""

from __future__ import annotations

from functools import lru_cache

from lark.exceptions import UnexpectedInput

from .grammar import lark_parser

#: The message of a word where an attribute's '=' was expected.
NEEDS_EQUALS = "expected '=' and a value after an attribute name"
_EXAMPLE_HINTS = {
    "event needs 'at STAGE' to say where it happens": [
        "event x\n", "event x p=5%\n", 'event x "L" p=5% impact=-1\n', "event x at\n",
        "event x p=5% at\n"],
    'a declaration starts with its name, then its label, as in stage Convert "Evaluation"': [
        'stage "L"\n', 'persona "L"\n', 'event "L"\n', 'scenario "L"\n', "stage\n",
        "persona\n", "event\n", "scenario\n"],
    NEEDS_EQUALS: [
        "persona a share\n", "persona a share 5\n", "stage s advance\n",
        "event e p at S\n", "for a p\n"],
    "expected a value after '='": ["persona a share=\n", "event e p= at S\n",
                                   "scenario s {\nx.p =\n}\n"],
    'import takes a file path in double quotes, as in import "personas.cxj"': [
        "import foo\n", "import\n", "import foo.cxj\n"],
    "'scale' takes a range written LO..HI, such as 0..10": [
        "scale 0\n", "scale 0-10\n", "scale 0 10\n", "scale 1 .. \n"],
    "a condition is missing after 'when'": ["event e at S when\n"],
    "a condition is incomplete": ["event e at S when a and\n", "event e at S when not\n",
                                  "event e at S when a or\n"],
    "'score' must be compared with a number, as in 'score < 5'": [
        "event e at S when score\n", "event e at S when score <\n",
        "event e at S when score = 5\n"],
    "missing ')'": ["event e at S when (a\n", "event e at S when (a and b\n",
                    "event e p=normal(1, 2 at S\n"],
    "a scenario block is not closed: missing '}'": ["scenario s {\n", "scenario s {\nx.p = 1\n"],
    "a sweep is written 'sweep PATH from A to B step S' or 'sweep PATH in [v1, v2]'": [
        "sweep x.p\n", "sweep x.p from 1\n", "sweep x.p from 1 to 2\n",
        "sweep x.p from 1 to 2 step\n", "sweep x.p in\n", "sweep x.p 1 2\n",
        "sweep x.p from 1 to\n", "sweep x.p from\n", "sweep x.p in [\n", "sweep x.p in [1\n",
        "sweep x.p in [1,\n", "sweep x.p in [1, 2\n"],
    "a sweep takes numbers; to compare distributions, write one scenario for each": [
        "sweep x.p in [normal(1, 2)]\n", "sweep x.p in [1, normal(1, 2)]\n",
        "sweep x.p in [1, 2, normal(1, 2)]\n", "sweep x.p in [1, 2, 3, normal(1, 2)]\n",
        "sweep x.p from normal(1, 2)\n", "sweep x.p from 1 to normal(1, 2)\n"],
    "goal names the stage that counts as conversion, as in goal Delight": ["goal\n"],
    "'extends' names the scenarios this one builds on, as in scenario both extends a, b": [
        "scenario s extends\n", "scenario s extends {\n", "scenario s extends a,\n"],
    "a path is written NAME.attribute, such as demo_glitch.p": [
        "sweep x from\n", "scenario s {\nx = 1\n}\n", "sweep x. from\n"],
    "a target is written 'target METRIC OP NUMBER', such as 'target nps >= 20'": [
        "target nps\n", "target nps 20\n", "target nps >=\n", "target\n"],
}


@lru_cache(maxsize=1)
def _example_signatures() -> tuple:
    """(parser state, accepted terminals, token type, label) of each example's error.

    Lark's own ``match_examples`` compares whole parser stacks, which grow with every
    statement above the error; comparing the state on top of the stack makes a mistake
    get the same message on line 1 and on line 100."""
    out = []
    for label, texts in _EXAMPLE_HINTS.items():
        for text in texts:
            try:
                lark_parser().parse(text)
            except UnexpectedInput as ut:
                if ut.state is None:
                    continue
                tok = getattr(ut, "token", None)
                out.append((getattr(ut.state, "position", None),
                            frozenset(getattr(ut, "accepts", None) or ()),
                            tok.type if tok is not None else "$END", label))
    return tuple(out)


def match_example(exc: UnexpectedInput) -> str | None:
    """The message of the example mistake that stops the parser in the same state as
    ``exc``, or None."""
    state = getattr(exc, "state", None)
    if state is None:
        return None
    position = getattr(state, "position", None)
    accepts = frozenset(getattr(exc, "accepts", None) or ())
    tok = getattr(exc, "token", None)
    tok_type = tok.type if tok is not None else "$END"
    fallback = None
    for pos, acc, ttype, label in _example_signatures():
        if pos != position or (accepts and acc and acc != accepts):
            continue
        if ttype == tok_type:
            return label
        fallback = fallback or label
    return fallback
