"""The words of the language as the language server explains them: the kinds of
declaration, the attributes of each, the distributions (with their completion snippets),
the metrics, and a one-line doc for every keyword, attribute and metric; and how the
server writes a distribution or a number in a hover.

Attributes, distributions and metrics come from the registries of :mod:`cxdsl.model`
(their docs, snippets and summaries are the registries'); the keywords' docs are the
server's own.
"""

from __future__ import annotations

from ...lang.vocabulary import ATTRIBUTES_OF  # noqa: F401  (the features read it from here)
from ...model import ir
from ...model.attributes import ATTRIBUTES
from ...model.metrics import REGISTRY as METRIC_REGISTRY
from ...model.values import FORMS

KINDS = ("persona", "stage", "event", "scenario", "survey")
METRICS = ir.METRICS
#: name -> (completion snippet, one-line doc)
DISTRIBUTIONS = {name: (form.snippet, form.summary) for name, form in FORMS.items()}

KEYWORD_DOCS = {
    "journey": 'journey "Title": the title of the journey (at most once).',
    "scale": "scale LO..HI: the integer score scale (default 0..10; NPS needs 0..10).",
    "customers": "customers N: the default number of customers per run.",
    "seed": "seed N: the default random seed; the same seed gives the same forecast.",
    "import": 'import "file.cxj": merge the declarations of another file.',
    "persona": 'persona NAME ["Label"] share=W baseline=B [value=V]: a kind of customer.',
    "stage": 'stage NAME ["Label"] [advance=P] [slope=K]: a step of the journey, in order.',
    "goal": "goal STAGE: reaching STAGE counts as conversion (default: the last stage).",
    "survey": 'survey NAME ["Label"] at STAGE, or at end: who is asked for a score, and '
              "when (the first survey is the headline; without any, `customers` at the "
              "goal stage).",
    "volume": "volume N [per PERIOD]: customers who enter the journey per period (day, "
              "week, month, quarter or year; default year): what money is counted over.",
    "per": "volume N per PERIOD: the period the volume counts (day, week, month, quarter, "
           "year).",
    "end": "survey NAME at end: everyone who entered is asked at the end of their journey.",
    "event": 'event NAME ["Label"] [p=P] [impact=I] at STAGE [when COND]: a moment of '
             "truth.",
    "at": "at STAGE: the stage at which the event can happen.",
    "when": "when COND: the event can only happen when COND holds (events that happened, "
            "score comparisons, not/and/or).",
    "for": "for PERSONA attr=value ...: a value for one persona (on the line after a "
           "stage or an event), or the persona a target is about.",
    "target": "target [SURVEY.]METRIC OP NUMBER [for PERSONA]: a forecast to meet (a "
              "bare nps, csat or mean is the headline survey's).",
    "scenario": 'scenario NAME ["Label"] [extends A, B] [cost=C] [running_cost=R] { ... }: '
                "a set of changes to the baseline.",
    "extends": "extends A, B: apply these scenarios first, in order.",
    "remove": "remove EVENT: a scenario without this event.",
    "sweep": "sweep PATH from A to B step S, or sweep PATH in [v1, v2]: a parameter axis.",
    "uncertain": "uncertain PATH ~ DIST: the value at PATH is not known exactly; each world "
                 "of a forecast draws it from DIST (as in uncertain demo_glitch.p ~ "
                 "beta(3, 57)).",
    "worlds": "worlds W: how many worlds a forecast draws (default 200; the customers are "
              "split over them; --worlds overrides).",
    "from": "sweep PATH from A to B step S", "to": "sweep PATH from A to B step S",
    "step": "sweep PATH from A to B step S", "in": "sweep PATH in [v1, v2, ...]",
    "not": "not COND: true when COND is false.", "and": "A and B: both hold.",
    "or": "A or B: either holds.",
    "score": "score: the customer's running score, as in `when score < 5`.",
}
ATTRIBUTE_DOCS = {attr: spec.doc for attrs in ATTRIBUTES.values()
                  for attr, spec in attrs.items()}
METRIC_DOCS = {name: spec.doc for name, spec in METRIC_REGISTRY.items()}


def percent_text(x: float) -> str:
    """A probability or a share (0..1) as a percentage, 4 significant digits."""
    return f"{x * 100:.4g}%"


def number_text(x: float) -> str:
    """A number with 6 significant digits."""
    return f"{x:.6g}"


def dist_text(d: ir.Dist, signed: bool = False) -> str:
    """A distribution as written in a spec; a constant with its sign when ``signed``."""
    if signed and isinstance(d, ir.Const):
        return f"{d.value:+.6g}"
    return d.text(number=number_text, weight=percent_text)
