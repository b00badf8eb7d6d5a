"""Scenario and sweep paths, and the range rules of swept values, stated once.

A path is ``X.attr`` (every persona) or ``X.attr[persona]``, where X names a persona, stage
or event of a model. The checker resolves the paths of a file with these rules, and the
analyses those typed on a command line; each turns a problem into its own wording, so the
functions here return structured problems instead of messages:

    resolve(model, target, attr, persona)  -> ir.PathRef | PathProblem
    resolve_text("demo_glitch.p[smb]", m)  -> ir.PathRef | PathProblem (last stage included)
    range_problem(path, value, scale)      -> ValueProblem | None
    value_problem(path, value, scale)      -> ValueProblem | None (finiteness included)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from . import ir

# The kinds of PathProblem.
#: The text is not ``X.attr`` or ``X.attr[persona]``.
NOT_A_PATH = "not a path"
#: No persona, stage or event is called ``target``.
NO_DECLARATION = "no declaration"
#: ``target`` exists but has no attribute ``attr``.
NO_ATTRIBUTE = "no attribute"
#: ``[persona]`` on an attribute that is the same for every persona.
NOT_PER_PERSONA = "not per persona"
#: ``[persona]`` names no persona of the model.
UNKNOWN_PERSONA = "unknown persona"
#: A stage attribute of the last stage, which nobody advances past.
LAST_STAGE = "last stage"

# The kinds of ValueProblem.
NOT_FINITE = "not finite"
NOT_PROBABILITY = "not a probability"
NEGATIVE_SHARE = "negative share"
OUTSIDE_SCALE = "outside the scale"
MONEY_TOO_LARGE = "money too large"

#: The largest amount of money a value or cost may be: far from overflow once multiplied by
#: a volume (at most 1e15) and squared for an interval.
MAX_MONEY = 1e15

#: Attributes whose values are probabilities, in [0, 1].
PROBABILITY_ATTRIBUTES = ("advance", "p")


@dataclass(frozen=True)
class PathProblem:
    """Why a path names nothing settable.

    ``kind`` is one of the constants above; ``declaration`` is the kind of declaration
    ``target`` names (None for NOT_A_PATH and NO_DECLARATION); ``candidates`` are the names
    the mistaken word could stand for (declarations, attributes or personas), for a
    did-you-mean hint."""

    kind: str
    target: str
    attr: str
    persona: str | None = None
    declaration: str | None = None
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueProblem:
    """Why ``value`` cannot be given to ``path``; ``scale`` is the model's (lo, hi)."""

    kind: str
    path: ir.PathRef
    value: float
    scale: tuple[int, int]


def split(text: str) -> tuple[str, str, str | None] | None:
    """``X.attr`` / ``X.attr[persona]`` as (target, attr, persona), spaces stripped; None
    when the text has no ``.``."""
    persona = None
    body = text.strip()
    if body.endswith("]") and "[" in body:
        body, persona = body[:-1].split("[", 1)
        persona = persona.strip()
    if "." not in body:
        return None
    target, attr = (x.strip() for x in body.split(".", 1))
    return target, attr, persona


def declaration_kind(model: ir.Model, target: str, extra_events: Iterable[str] = ()
                     ) -> str | None:
    """"persona", "stage" or "event" for the declaration called ``target``, or None.

    ``extra_events``: names of events that count although ``model`` lacks them (those the
    scenarios add, for a sweep)."""
    if any(q.name == target for q in model.personas):
        return "persona"
    if any(s.name == target for s in model.stages):
        return "stage"
    if any(e.name == target for e in model.events) or target in extra_events:
        return "event"
    return None


def declaration_names(model: ir.Model) -> tuple[str, ...]:
    """Every persona, stage and event name of ``model``, in that order."""
    return (tuple(q.name for q in model.personas) + tuple(s.name for s in model.stages)
            + tuple(e.name for e in model.events))


def resolve(model: ir.Model, target: str, attr: str, persona: str | None = None, *,
            extra_events: Iterable[str] = ()) -> ir.PathRef | PathProblem:
    """The path ``target.attr[persona]`` in ``model``, or the first problem with it.

    The checks run in this order: the declaration, its attribute, then the persona. The
    last stage is not checked here (see :func:`on_last_stage`)."""
    kind = declaration_kind(model, target, extra_events)
    if kind is None:
        return PathProblem(NO_DECLARATION, target, attr, persona,
                           candidates=declaration_names(model))
    attrs = ir.ATTRIBUTES[kind]
    if attr not in attrs:
        return PathProblem(NO_ATTRIBUTE, target, attr, persona, kind, tuple(attrs))
    if persona is not None:
        if not attrs[attr]:
            return PathProblem(NOT_PER_PERSONA, target, attr, persona, kind)
        names = tuple(q.name for q in model.personas)
        if persona not in names:
            return PathProblem(UNKNOWN_PERSONA, target, attr, persona, kind, names)
    return ir.PathRef(kind, target, attr, persona)


def on_last_stage(path: ir.PathRef, model: ir.Model) -> bool:
    """Whether ``path`` sets an attribute of the last stage (which means nothing)."""
    return path.kind == "stage" and path.target == model.stages[-1].name


def resolve_text(text: str, model: ir.Model) -> ir.PathRef | PathProblem:
    """A path written as text, resolved against ``model``, including the last-stage rule."""
    parts = split(text)
    if parts is None:
        return PathProblem(NOT_A_PATH, text.strip(), "")
    target, attr, persona = parts
    found = resolve(model, target, attr, persona)
    if isinstance(found, ir.PathRef) and on_last_stage(found, model):
        return PathProblem(LAST_STAGE, target, attr, persona, "stage")
    return found


def range_problem(path: ir.PathRef, value: float, scale: tuple[int, int]
                  ) -> ValueProblem | None:
    """The range rule ``value`` breaks as a value of ``path``, or None: probabilities in
    [0, 1], shares >= 0, baselines within ``scale``."""
    if path.attr in PROBABILITY_ATTRIBUTES and not 0.0 <= value <= 1.0:
        return ValueProblem(NOT_PROBABILITY, path, value, scale)
    if path.attr == "share" and value < 0:
        return ValueProblem(NEGATIVE_SHARE, path, value, scale)
    if path.attr == "baseline" and not scale[0] <= value <= scale[1]:
        return ValueProblem(OUTSIDE_SCALE, path, value, scale)
    if path.attr == "value" and abs(value) > MAX_MONEY:
        return ValueProblem(MONEY_TOO_LARGE, path, value, scale)
    return None


def value_problem(path: ir.PathRef, value: float, scale: tuple[int, int]
                  ) -> ValueProblem | None:
    """:func:`range_problem`, after checking that ``value`` is a finite number."""
    if not math.isfinite(value):
        return ValueProblem(NOT_FINITE, path, value, scale)
    return range_problem(path, value, scale)
