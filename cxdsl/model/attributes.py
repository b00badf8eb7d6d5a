"""The attribute registry: every attribute of every declaration, once.

``ATTRIBUTES[declaration][attr]`` is an :class:`AttributeSpec`; the dict order of each
declaration is the canonical order (the formatter writes attributes in it). The checker
converts and checks values by ``kind`` and ``unit``; scenario and sweep paths set only
``settable`` attributes, per persona where ``per_persona``; the language server's completion
and hover show ``doc``; the docs list the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds of value an attribute takes.
PROBABILITY = "probability"      # a number in [0, 1], or a form used for probabilities
NUMBER = "number"                # any finite number
NON_NEGATIVE = "non-negative number"
SCORE_VALUE = "distribution"     # a number or a distribution of score points (impact)
BASELINE = "baseline"            # a score on the scale, or a distribution of scores

#: What the attributes that take no percentage count, for the message when one is given.
SCORE_POINT = "a point on the scale"


@dataclass(frozen=True)
class AttributeSpec:
    """One attribute: ``kind`` of value; ``unit`` of a plain number where a percentage would
    be wrong (None: a percentage is fine); ``default`` when omitted (None: required or no
    default); ``per_persona``: may differ per persona (``for`` lines, ``X.attr[q]``);
    ``settable``: scenario and sweep paths may set it; ``doc``: one line for hovers."""

    kind: str
    unit: str | None
    default: float | None
    per_persona: bool
    settable: bool
    doc: str

    @property
    def takes_distribution(self) -> bool:
        return self.kind in (SCORE_VALUE, BASELINE)


ATTRIBUTES: dict[str, dict[str, AttributeSpec]] = {
    "persona": {
        "share": AttributeSpec(
            NON_NEGATIVE, None, None, False, True,
            "share: the persona's relative weight in the population (normalised)."),
        "baseline": AttributeSpec(
            BASELINE, SCORE_POINT, None, False, True,
            "baseline: the score this persona gives when nothing notable happens "
            "(a number or a distribution)."),
        "value": AttributeSpec(
            NUMBER, "money per converted customer", 0.0, False, True,
            "value: revenue per converted customer (default 0)."),
    },
    "stage": {
        "advance": AttributeSpec(
            PROBABILITY, None, 1.0, True, True,
            "advance: the probability of moving on to the next stage for a customer "
            "whose score equals their starting score (default 100%)."),
        "slope": AttributeSpec(
            NUMBER, "a change in log-odds per score point", 0.0, True, True,
            "slope: change in log-odds of advancing per score point above the starting "
            "score (default 0)."),
    },
    "event": {
        "p": AttributeSpec(
            PROBABILITY, None, 1.0, True, True,
            "p: the probability that the event happens (default 100%)."),
        "impact": AttributeSpec(
            SCORE_VALUE, "a number of score points", 0.0, True, True,
            "impact: what the event adds to the score (a number or a distribution; "
            "default 0)."),
    },
    "scenario": {
        "cost": AttributeSpec(
            NON_NEGATIVE, "money", None, False, False,
            "cost: what the scenario costs, for its return on investment."),
        "running_cost": AttributeSpec(
            NON_NEGATIVE, "money per period", None, False, False,
            "running_cost: what the scenario costs per period of the volume (money per "
            "period), on top of its one-off cost."),
    },
}


def attributes_of(declaration: str) -> tuple[str, ...]:
    """The attribute names of a declaration kind, in canonical order."""
    return tuple(ATTRIBUTES.get(declaration, ()))


#: Every attribute name, in canonical order, each once.
ALL_ATTRIBUTES: tuple[str, ...] = tuple(dict.fromkeys(
    a for attrs in ATTRIBUTES.values() for a in attrs))

#: The value units of the attributes that take no percentage.
UNITS: dict[str, str] = {a: s.unit for attrs in ATTRIBUTES.values()
                         for a, s in attrs.items() if s.unit}

__all__ = ["ALL_ATTRIBUTES", "ATTRIBUTES", "AttributeSpec", "BASELINE", "NON_NEGATIVE",
           "NUMBER", "PROBABILITY", "SCORE_POINT", "SCORE_VALUE", "UNITS", "attributes_of"]
