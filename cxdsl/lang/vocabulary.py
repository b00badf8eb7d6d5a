"""The words of the language that the grammar leaves to the checker, in one place.

The grammar (``grammar/cxj.lark``) reads attribute, metric and distribution names as plain
NAMEs so that a typo gets a "did you mean" from the checker instead of a token list; the
checker validates them against the tuples below, and the highlighters (Pygments, VS Code,
Vim, Emacs) colour the same words. ``KEYWORDS`` is the grammar's own keyword list
(:func:`cxdsl.lang.grammar.keywords`), computed on first use.

``tests/test_editors.py`` checks that every editor file knows exactly these words.
"""

from __future__ import annotations

from .grammar import keywords

#: Attribute names: persona (share, baseline, value), stage (advance, slope), event (p,
#: impact), scenario (cost).
ATTRIBUTES: tuple[str, ...] = ("share", "baseline", "value", "advance", "slope", "p", "impact",
                               "cost")

#: Which attributes each declaration takes.
ATTRIBUTES_OF: dict[str, tuple[str, ...]] = {
    "persona": ("share", "baseline", "value"),
    "stage": ("advance", "slope"),
    "event": ("p", "impact"),
    "scenario": ("cost",),
}

#: Metric names a ``target`` may name.
from ..model.metrics import METRICS  # noqa: E402

#: Distribution functions a ``baseline`` or ``impact`` may call, with their arity
#: (None: any number of ``value: weight`` pairs).
DISTRIBUTIONS: tuple[str, ...] = ("normal", "uniform", "triangular", "discrete")
DISTRIBUTION_ARITY: dict[str, int | None] = {
    "normal": 2, "uniform": 2, "triangular": 3, "discrete": None,
}

#: Comparison operators of conditions and targets.
COMPARISONS: tuple[str, ...] = ("<", "<=", ">", ">=", "==", "!=")
#: The comparisons a ``target`` accepts.
from ..model.ir import TARGET_OPS as TARGET_COMPARISONS  # noqa: E402

__all__ = [  # KEYWORDS is made on first use by __getattr__
    "ATTRIBUTES", "ATTRIBUTES_OF", "COMPARISONS", "DISTRIBUTIONS", "DISTRIBUTION_ARITY",
    "KEYWORDS",  # noqa: F822
    "METRICS", "TARGET_COMPARISONS",
]


def __getattr__(name: str):
    # KEYWORDS comes from the grammar; building the parser is deferred to first use.
    if name == "KEYWORDS":
        value = keywords()
        globals()["KEYWORDS"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
