"""The respondent table in memory: one row per customer, coded against a spec.

DESIGN.md "Collected data": a file has a ``persona`` column, an optional ``reached``
column (the last stage a customer reached), one column per event (1/0, blank unknown)
and one per survey (the answer, blank when not asked or no answer). Readers
(:mod:`cxdsl.data.read`) turn such a file — or a DataFrame — into a
:class:`RespondentTable`, the only shape the sampler writes and the fit reads: compact
NumPy columns indexed like the spec's declarations, so 10⁷ rows take well under 1 GB.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

#: ``reached`` and ``happened`` code for "unknown" (a blank cell or no such column).
UNKNOWN = -1
#: ``answer`` code for a blank answer: not asked, or asked and did not answer.
NO_ANSWER = np.iinfo(np.int32).min


@dataclass(frozen=True)
class RespondentTable:
    """A respondent table coded against a spec.

    ``personas``, ``stages``: the spec's names, in declaration order. ``events`` and
    ``surveys``: the spec's events and surveys, in declaration order, each with a column
    (``has_event[k]`` / ``has_survey[s]`` False when the file has no such column: every
    cell then reads as unknown / no answer).

    Columns (n rows): ``persona`` int32[n] (index into ``personas``); ``reached`` int32[n]
    (index into ``stages`` of the last stage reached, :data:`UNKNOWN` when blank);
    ``happened`` int8[n, E] (1, 0, or :data:`UNKNOWN`); ``answer`` int32[n, S] (the
    answer, :data:`NO_ANSWER` when blank). ``row`` int64[n]: each row's line in the source
    (1-based, the header is row 1), for messages.

    ``ignored``: the file's columns that name nothing in the spec. ``inconsistent``:
    bool[n], rows whose ``reached`` stage comes before a stage where an event is marked as
    happened (counted and reported, left out of the estimates).

    ``world``: int32[n], the world each row was simulated in, for a table sampled from a
    spec with ``uncertain`` values (``cxdsl sample`` writes it as the ``world`` column;
    None for collected data and for specs without uncertain values)."""

    source: str
    personas: tuple[str, ...]
    stages: tuple[str, ...]
    events: tuple[str, ...]
    surveys: tuple[str, ...]
    persona: np.ndarray
    reached: np.ndarray
    happened: np.ndarray
    answer: np.ndarray
    row: np.ndarray
    has_event: tuple[bool, ...] = ()
    has_survey: tuple[bool, ...] = ()
    has_reached: bool = True
    ignored: tuple[str, ...] = ()
    inconsistent: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    world: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return int(self.persona.shape[0])


def concat(parts: list[RespondentTable], source: str | None = None) -> RespondentTable:
    """The rows of ``parts`` (tables coded against one spec, with the same columns) in
    order, as one table; ``ignored`` is the first part's."""
    if not parts:
        raise ValueError("no tables to join")
    first = parts[0]

    def join(name: str):
        return np.concatenate([getattr(p, name) for p in parts])

    world = None if first.world is None else join("world")
    return dataclasses.replace(
        first, source=first.source if source is None else source, persona=join("persona"),
        reached=join("reached"), happened=join("happened"), answer=join("answer"),
        row=join("row"), inconsistent=join("inconsistent"), world=world)


__all__ = ["RespondentTable", "UNKNOWN", "NO_ANSWER", "concat"]
