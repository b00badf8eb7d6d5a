"""Sufficient statistics of the survey answers: counts per (survey, persona, event pattern,
answer), so the score model's likelihood costs a pass over a few thousand cells, not over
the rows.

For survey s asked at stage t (or at the end), the *window* is the events at stages up to
t (every event, at the end): those that happened before the answer was given. A row's
answer to s enters when it is given, on the scale, and every window event's cell is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import ir
from .table import NO_ANSWER, UNKNOWN, RespondentTable


@dataclass(frozen=True)
class Cells:
    """Unique answer cells over every survey. ``survey``, ``persona``, ``answer``: int[C];
    ``x``: int8[C, E] (1 where the event happened, 0 otherwise or outside the window);
    ``count``: int64[C]. ``row_cells``: int64[n, S] (the cell of each row's answer to
    each survey, -1 when none), for the per-row scores of the sandwich covariance."""

    survey: np.ndarray
    persona: np.ndarray
    answer: np.ndarray
    x: np.ndarray
    count: np.ndarray
    row_cells: np.ndarray


def window(model: ir.Model, survey: ir.Survey) -> np.ndarray:
    """bool[E]: the events that happen before ``survey``'s answer is given."""
    last = len(model.stages) - 1 if survey.stage is None else model.stage_index(survey.stage)
    return np.array([model.stage_index(e.stage) <= last for e in model.events], dtype=bool)


def _codes(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code int64[n], patterns int8[P, W]): each row's pattern as an index into the
    unique patterns."""
    if bits.shape[1] == 0:
        return np.zeros(bits.shape[0], dtype=np.int64), np.zeros((1, 0), dtype=np.int8)
    patterns, code = np.unique(bits, axis=0, return_inverse=True)
    return code.reshape(-1).astype(np.int64), patterns.astype(np.int8)


def pack(bits: np.ndarray) -> np.ndarray:
    """Rows of 0/1 as int64 codes (at most 62 columns), else unique-row indices."""
    if bits.shape[1] <= 62:
        weights = (np.int64(1) << np.arange(bits.shape[1], dtype=np.int64))
        return bits.astype(np.int64) @ weights
    return _codes(bits)[0]


def build(model: ir.Model, table: RespondentTable, use: np.ndarray) -> Cells:
    """The answer cells of ``table``'s rows selected by ``use`` (bool[n])."""
    lo, hi = model.scale
    n, E = table.rows, len(model.events)
    Q = len(model.personas)
    surveys = model.all_surveys
    row_cells = np.full((n, len(surveys)), -1, dtype=np.int64)
    parts: list[tuple] = []
    offset = 0
    for s, survey in enumerate(surveys):
        col = table.surveys.index(survey.name) if survey.name in table.surveys else None
        if col is None:
            continue
        # an event without a column is left out: as though it happened to nobody
        win = window(model, survey) & np.asarray(table.has_event or (True,) * E, dtype=bool)
        ans = table.answer[:, col]
        ok = use & (ans != NO_ANSWER) & (ans >= lo) & (ans <= hi)
        if win.any():
            ok &= (table.happened[:, win] != UNKNOWN).all(axis=1)
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            continue
        bits = (table.happened[np.ix_(idx, np.flatnonzero(win))] == 1).astype(np.int8)
        code = pack(bits)
        key = (code * Q + table.persona[idx]) * (hi - lo + 1) + (ans[idx] - lo)
        uniq, first, inverse, count = np.unique(key, return_index=True, return_inverse=True,
                                                return_counts=True)
        x = np.zeros((uniq.size, E), dtype=np.int8)
        x[:, win] = bits[first]
        parts.append((np.full(uniq.size, s), table.persona[idx][first],
                      ans[idx][first], x, count))
        row_cells[idx, s] = offset + inverse.reshape(-1)
        offset += uniq.size
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Cells(empty, empty, empty, np.zeros((0, E), dtype=np.int8), empty, row_cells)
    cols = list(zip(*parts))
    return Cells(*(np.concatenate(c) for c in cols[:3]), np.concatenate(cols[3]),
                 np.concatenate(cols[4]).astype(np.int64), row_cells)


def row_groups(row_cells: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(unique cell tuples int64[G, S], counts int64[G]) of the rows that answered more
    than one survey's cells, or None when no row answered two (the per-row scores are then
    the per-answer ones)."""
    answered = (row_cells >= 0).sum(axis=1)
    if row_cells.shape[1] < 2 or not (answered >= 2).any():
        return None
    keep = row_cells[answered > 0] + 1
    base = int(keep.max()) + 1
    if base ** keep.shape[1] >= 2 ** 62:
        uniq, count = np.unique(keep, axis=0, return_counts=True)
        return uniq - 1, count
    code = np.zeros(keep.shape[0], dtype=np.int64)
    for s in range(keep.shape[1]):
        code = code * base + keep[:, s]
    uniq, count = np.unique(code, return_counts=True)
    out = np.empty((uniq.size, keep.shape[1]), dtype=np.int64)
    for s in reversed(range(keep.shape[1])):
        out[:, s] = uniq % base - 1
        uniq = uniq // base
    return out, count


__all__ = ["Cells", "build", "pack", "row_groups", "window"]
