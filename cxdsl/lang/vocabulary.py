"""The words of the language that the grammar leaves to the checker, in one place.

The grammar (``grammar/cxj.lark``) reads attribute, metric and distribution names as plain
NAMEs so that a typo gets a "did you mean" from the checker instead of a token list; the
checker validates them against the tuples below, and the highlighters (Pygments, VS Code,
Vim, Emacs) colour the same words. ``KEYWORDS`` is the grammar's own keyword list
(:func:`cxdsl.lang.grammar.keywords`), computed on first use.

``tests/tooling/test_editors.py`` checks that every editor file knows exactly these words.
"""

from __future__ import annotations

from ..model.attributes import ALL_ATTRIBUTES, NON_NEGATIVE, PROBABILITY, attributes_of
from ..model.attributes import ATTRIBUTES as _ATTRIBUTE_REGISTRY
from ..model.ir import TARGET_OPS
from ..model.metrics import METRICS  # the metric registry's names
from ..model.metrics import REGISTRY as _METRIC_REGISTRY
from ..model.values import FORMS, forms_for
from .grammar import keywords

#: Attribute names, and which attributes each declaration takes (the attribute registry).
ATTRIBUTES: tuple[str, ...] = ALL_ATTRIBUTES
ATTRIBUTES_OF: dict[str, tuple[str, ...]] = {d: attributes_of(d) for d in _ATTRIBUTE_REGISTRY}

#: Distribution functions a value may call (the value-form registry).
DISTRIBUTIONS: tuple[str, ...] = tuple(FORMS)

#: Forms whose draws have no bounds: they fit no bounded attribute.
_UNBOUNDED = ("normal",)


def uncertain_forms(kind: str) -> tuple[str, ...]:
    """The distributions an ``uncertain`` value of an attribute of ``kind`` may take, the
    usual one first: for a probability or a share, the probability forms (``beta``) and
    the bounded score forms; for anything else, the score forms."""
    score = forms_for("score")
    if kind in (PROBABILITY, NON_NEGATIVE):
        return forms_for("probability") + tuple(n for n in score if n not in _UNBOUNDED)
    return score


#: The metrics of ``target SURVEY.METRIC``: those a survey's answers give. The others
#: (conversion, revenue) are funnel metrics over all customers.
SURVEY_METRICS: tuple[str, ...] = tuple(
    m for m in METRICS if _METRIC_REGISTRY[m].audience == "survey")

#: Comparison operators of conditions and targets.
COMPARISONS: tuple[str, ...] = ("<", "<=", ">", ">=", "==", "!=")
#: The comparisons a ``target`` accepts.
TARGET_COMPARISONS: tuple[str, ...] = TARGET_OPS

__all__ = [  # KEYWORDS is made on first use by __getattr__
    "ATTRIBUTES", "ATTRIBUTES_OF", "COMPARISONS", "DISTRIBUTIONS",
    "KEYWORDS",  # noqa: F822
    "METRICS", "SURVEY_METRICS", "TARGET_COMPARISONS", "uncertain_forms",
]


def __getattr__(name: str):
    # KEYWORDS comes from the grammar; building the parser is deferred to first use.
    if name == "KEYWORDS":
        value = keywords()
        globals()["KEYWORDS"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
