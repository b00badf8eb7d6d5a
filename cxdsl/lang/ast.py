"""The syntax tree of a .cxj file: frozen dataclasses, each carrying its source span.

Built from Lark's parse tree by :mod:`cxdsl.lang.parser`. Nothing here is resolved: names are
still text, numbers keep their spelling (the formatter writes them back as written).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Union

from ..model.ir import path_text
from .diagnostics import Span


@dataclass(frozen=True)
class Name:
    text: str
    span: Span


@dataclass(frozen=True)
class String:
    value: str  # unescaped
    raw: str    # as written, with quotes and escapes
    span: Span


@dataclass(frozen=True)
class Number:
    """A literal number. ``value`` is exact (``5%`` is Decimal('0.05')), or None when the
    spelling is malformed (the checker reports it)."""

    raw: str
    value: Decimal | None
    is_percent: bool
    span: Span


@dataclass(frozen=True)
class Arg:
    value: Number
    weight: Number | None  # only in discrete(v: w, ...)
    span: Span


@dataclass(frozen=True)
class Call:
    """A distribution: ``normal(mu, sd)``, ``uniform(lo, hi)``, ``triangular(lo, mode, hi)``,
    ``discrete(v: w, ...)``."""

    func: Name
    args: tuple[Arg, ...]
    span: Span


Value = Union[Number, Call]


@dataclass(frozen=True)
class Attr:
    name: Name
    value: Value
    span: Span


# ------------------------------------------------------------------------- conditions

@dataclass(frozen=True)
class Ref:
    name: Name
    span: Span


@dataclass(frozen=True)
class ScoreCmp:
    op: str
    value: Number
    span: Span


@dataclass(frozen=True)
class Not:
    operand: Cond
    span: Span


@dataclass(frozen=True)
class And:
    operands: tuple[Cond, ...]
    span: Span


@dataclass(frozen=True)
class Or:
    operands: tuple[Cond, ...]
    span: Span


Cond = Union[Ref, ScoreCmp, Not, And, Or]


# ------------------------------------------------------------------------- statements

@dataclass(frozen=True)
class Journey:
    title: String
    span: Span


@dataclass(frozen=True)
class Scale:
    lo: Number
    hi: Number
    span: Span


@dataclass(frozen=True)
class Customers:
    count: Number
    span: Span


@dataclass(frozen=True)
class Seed:
    value: Number
    span: Span


@dataclass(frozen=True)
class Import:
    path: String
    span: Span


@dataclass(frozen=True)
class Persona:
    name: Name
    label: String | None
    attrs: tuple[Attr, ...]
    span: Span


@dataclass(frozen=True)
class ForClause:
    """``for PERSONA attr=value ...`` on the line after a stage or event."""

    persona: Name
    attrs: tuple[Attr, ...]
    span: Span


@dataclass(frozen=True)
class Stage:
    name: Name
    label: String | None
    attrs: tuple[Attr, ...]
    overrides: tuple[ForClause, ...]
    span: Span


@dataclass(frozen=True)
class Goal:
    stage: Name
    span: Span


@dataclass(frozen=True)
class Event:
    name: Name
    label: String | None
    attrs: tuple[Attr, ...]
    stage: Name
    when: Cond | None
    overrides: tuple[ForClause, ...]
    span: Span


@dataclass(frozen=True)
class Survey:
    """``survey NAME ["Label"] at STAGE``; ``stage`` None for ``at end``."""

    name: Name
    label: String | None
    stage: Name | None
    span: Span


@dataclass(frozen=True)
class Volume:
    """``volume N [per PERIOD]``: customers entering the journey per period."""

    count: Number
    period: Name | None
    span: Span


@dataclass(frozen=True)
class Target:
    """``target [SURVEY.]METRIC OP NUMBER [for PERSONA]``."""

    metric: Name
    op: str
    threshold: Number
    persona: Name | None
    span: Span
    op_span: Span | None = None
    survey: Name | None = None


@dataclass(frozen=True)
class Path:
    """``target.attr`` or ``target.attr[persona]`` in scenarios and sweeps."""

    target: Name
    attr: Name
    persona: Name | None
    span: Span

    def __str__(self) -> str:
        return path_text(self.target.text, self.attr.text,
                         self.persona.text if self.persona else None)


@dataclass(frozen=True)
class Assign:
    path: Path
    value: Value
    span: Span


@dataclass(frozen=True)
class Remove:
    event: Name
    span: Span


ScenarioItem = Union[Assign, Event, Remove]


@dataclass(frozen=True)
class Scenario:
    name: Name
    label: String | None
    extends: tuple[Name, ...]
    attrs: tuple[Attr, ...]
    items: tuple[ScenarioItem, ...]
    has_block: bool
    span: Span


@dataclass(frozen=True)
class SweepRange:
    path: Path
    start: Number
    stop: Number
    step: Number
    span: Span


@dataclass(frozen=True)
class SweepList:
    path: Path
    values: tuple[Number, ...]
    span: Span


@dataclass(frozen=True)
class Uncertain:
    """``uncertain PATH ~ DIST``: each world of a forecast draws the value at PATH."""

    path: Path
    dist: Value
    span: Span


@dataclass(frozen=True)
class Worlds:
    """``worlds W``: the default number of worlds of a forecast."""

    count: Number
    span: Span


Statement = Union[Journey, Scale, Customers, Seed, Import, Persona, Stage, Goal, Survey,
                  Volume, Event, Target, Scenario, SweepRange, SweepList, Uncertain, Worlds]


@dataclass(frozen=True)
class Comment:
    text: str  # with the leading '#'
    span: Span
    own_line: bool  # True for a comment alone on its line


@dataclass(frozen=True)
class Module:
    path: str
    statements: tuple[Statement, ...]
    comments: tuple[Comment, ...]
