"""Coding a respondent table's columns against a spec: which file column is which, and the
cells of one batch of rows as the compact codes of :class:`~cxdsl.data.table.RespondentTable`.

Cells are read from Arrow arrays. Text columns (CSV cells are read as text) are
dictionary-encoded, so each distinct value is checked once, however many rows repeat it:
a file of 10⁷ rows with a few dozen distinct values per column costs a few NumPy passes.
Numeric and boolean columns (Parquet, DataFrames) are checked with NumPy.

Values: ``persona`` a persona's name (or its label); ``reached`` a stage's name (or
label), blank unknown; events ``1``/``0``, ``true``/``false``, ``yes``/``no`` (any case;
``1.0``/``0.0`` too, as a float column prints), blank unknown; surveys an integer on the
scale (``7`` or ``7.0``), blank no answer. Leading and trailing spaces are ignored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..lang.diagnostics import did_you_mean
from ..model import ir
from . import messages as msg
from .messages import DataError
from .table import NO_ANSWER, UNKNOWN

#: Columns the sampler writes that are not spec names: ``customer`` (an id, skipped
#: without a note) and ``world`` (read into ``RespondentTable.world``).
ID_COLUMN, WORLD_COLUMN = "customer", "world"
#: ``--map COLUMN=-``: ignore COLUMN (say, a ``world`` column of another meaning).
IGNORE = "-"

_TRUE = {"1", "true", "yes", "1.0"}
_FALSE = {"0", "false", "no", "0.0"}
_INTEGER = re.compile(r"[+-]?[0-9]+(\.0*)?")


@dataclass(frozen=True)
class Layout:
    """Which file column holds what: ``persona`` (its column name), ``reached``,
    ``events[k]`` / ``surveys[v]`` (the column of the spec's event k / survey v, or None),
    ``world``; ``ignored``: the columns that name nothing."""

    persona: str
    reached: str | None
    events: tuple[str | None, ...]
    surveys: tuple[str | None, ...]
    world: str | None
    ignored: tuple[str, ...]

    def used(self) -> list[str]:
        cols = [self.persona, self.reached, *self.events, *self.surveys, self.world]
        return [c for c in cols if c is not None]


def parse_mapping(items) -> dict[str, str]:
    """``--map COLUMN=NAME`` items as {COLUMN: NAME}; DataError-free: ValueError with the
    message for a malformed item (a usage error)."""
    out: dict[str, str] = {}
    for item in items or ():
        column, sep, name = str(item).partition("=")
        column, name = column.strip(), name.strip()
        if not sep or not column or not name:
            raise ValueError(msg.MAP_SYNTAX.format(item=item))
        if column in out:
            raise ValueError(msg.MAP_TWICE.format(column=column))
        out[column] = name
    return out


def layout(columns: list[str], model: ir.Model, mapping: dict[str, str] | None,
           source: str) -> Layout:
    """The layout of a file with ``columns`` (its header, in order)."""
    mapping = dict(mapping or {})
    events = [e.name for e in model.events]
    surveys = [s.name for s in model.all_surveys]
    targets = {"persona", "reached", *events, *surveys, WORLD_COLUMN, ID_COLUMN}
    shown = msg.names_list(columns)
    for column, name in mapping.items():
        if column not in columns:
            raise DataError(source, msg.MAP_NO_COLUMN.format(column=column, name=name),
                            hint=msg.MAP_NO_COLUMN_HINT.format(columns=shown))
        if name not in targets and name != IGNORE:
            hint = did_you_mean(name, sorted(targets)) or msg.MAP_NAMES_HINT.format(
                names=msg.names_list(["persona", "reached", *events, *surveys]))
            raise DataError(source, msg.MAP_UNKNOWN_NAME.format(column=column, name=name),
                            hint=hint)
    given: dict[str, list[str]] = {}
    ignored = []
    for column in columns:
        name = mapping.get(column, column)
        if name in targets:
            given.setdefault(name, []).append(column)
        else:
            ignored.append(column)
    for name, cols in given.items():
        if len(cols) > 1:
            raise DataError(source, msg.DUPLICATE_COLUMN.format(
                name=name, columns=msg.names_list(cols)), row=1, column=cols[1],
                hint=msg.DUPLICATE_HINT)
    if "persona" not in given:
        sep = next((c for c in (";", "\t", "|") if len(columns) == 1 and c in columns[0]),
                   None)
        hint = (msg.DELIMITER_HINT.format(column=columns[0], sep=sep.replace("\t", "\\t"))
                if sep else msg.NO_PERSONA_HINT.format(columns=shown))
        raise DataError(source, msg.NO_PERSONA, row=1, column="persona", hint=hint)

    def col(name):
        return given[name][0] if name in given else None

    return Layout(col("persona"), col("reached"), tuple(col(e) for e in events),
                  tuple(col(s) for s in surveys), col(WORLD_COLUMN), tuple(ignored))


def ignored_hint(ignored, model: ir.Model) -> str | None:
    """A did-you-mean for the first ignored column that is close to a spec name."""
    names = [e.name for e in model.events] + [s.name for s in model.all_surveys]
    for column in ignored:
        hint = did_you_mean(column, names)
        if hint:
            return f"column '{column}': {hint}"
    return None


# ------------------------------------------------------------------------ cells


class Coder:
    """Codes batches of rows of one source against ``model``."""

    def __init__(self, model: ir.Model, lay: Layout, source: str):
        self.model, self.layout, self.source = model, lay, source
        self.lo, self.hi = model.scale
        self.personas = _lookup(model.personas)
        self.stages = _lookup(model.stages)
        self.persona_names = [p.name for p in model.personas]
        self.stage_names = [s.name for s in model.stages]
        stage_of = {s.name: i for i, s in enumerate(model.stages)}
        self.event_stage = np.array([stage_of[e.stage] for e in model.events],
                                    dtype=np.int32)

    def fail(self, message: str, row: int, column: str, hint: str | None = None):
        raise DataError(self.source, message, row=row, column=column, hint=hint)

    def code(self, batch: pa.RecordBatch, first_row: int) -> dict[str, np.ndarray]:
        """The codes of ``batch`` whose first row is row ``first_row`` of the source:
        persona, reached, happened, answer, inconsistent and world (or None)."""
        n = batch.num_rows
        lay = self.layout
        column = batch.column

        persona = self._names(column(lay.persona), lay.persona, first_row, self.personas,
                              self.persona_names, "persona")
        reached = (np.full(n, UNKNOWN, dtype=np.int32) if lay.reached is None else
                   self._names(column(lay.reached), lay.reached, first_row, self.stages,
                               self.stage_names, "stage"))
        happened = np.full((n, len(lay.events)), UNKNOWN, dtype=np.int8)
        for k, c in enumerate(lay.events):
            if c is not None:
                happened[:, k] = self._event(column(c), c, first_row)
        answer = np.full((n, len(lay.surveys)), NO_ANSWER, dtype=np.int32)
        for v, c in enumerate(lay.surveys):
            if c is not None:
                answer[:, v] = self._answer(column(c), c, first_row)
        world = None if lay.world is None else self._world(column(lay.world), lay.world,
                                                           first_row)
        later = (happened == 1) & (self.event_stage[None, :] > reached[:, None])
        inconsistent = (reached != UNKNOWN) & later.any(axis=1)
        return dict(persona=persona, reached=reached, happened=happened, answer=answer,
                    inconsistent=inconsistent, world=world)

    # -- text columns, through their dictionary

    def _names(self, arr, column, first_row, lookup, names, kind) -> np.ndarray:
        """Persona (``kind`` "persona": a blank is an error) or stage indices."""
        what = msg.WHAT["persona" if kind == "persona" else "reached"]
        values, codes = _dictionary(arr, self, column, first_row, what)
        table = np.empty(len(values) + 1, dtype=np.int32)
        table[-1] = UNKNOWN  # null
        for i, v in enumerate(values):
            text = v.strip()
            if not text:
                table[i] = UNKNOWN
            elif text in lookup:
                table[i] = lookup[text]
            else:
                row = first_row + _first(codes, i)
                message = (msg.UNKNOWN_PERSONA if kind == "persona"
                           else msg.UNKNOWN_STAGE).format(value=text)
                hint = did_you_mean(text, names) or msg.NAMES_HINT.format(
                    kind=kind, names=msg.names_list(names))
                self.fail(message, row, column, hint)
        out = table[codes]
        if kind == "persona" and (out == UNKNOWN).any():
            row = first_row + int(np.flatnonzero(out == UNKNOWN)[0])
            self.fail(msg.BLANK_PERSONA, row, column, msg.BLANK_PERSONA_HINT.format(
                names=msg.names_list(names)))
        return out

    def _event(self, arr, column, first_row) -> np.ndarray:
        if _is_text(arr.type):
            values, codes = _dictionary(arr, self, column, first_row, msg.WHAT["event"])
            table = np.empty(len(values) + 1, dtype=np.int8)
            table[-1] = UNKNOWN
            for i, v in enumerate(values):
                text = v.strip().lower()
                if not text:
                    table[i] = UNKNOWN
                elif text in _TRUE or text in _FALSE:
                    table[i] = 1 if text in _TRUE else 0
                else:
                    self.fail(msg.BAD_EVENT_VALUE.format(value=v.strip()),
                              first_row + _first(codes, i), column, msg.EVENT_HINT)
            return table[codes]
        x, null = _numbers(arr, self, column, first_row, msg.WHAT["event"])
        bad = ~null & (x != 0.0) & (x != 1.0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            self.fail(msg.BAD_EVENT_VALUE.format(value=_show(x[i])), first_row + i, column,
                      msg.EVENT_HINT)
        out = x.astype(np.int8)
        out[null] = UNKNOWN
        return out

    def _answer(self, arr, column, first_row) -> np.ndarray:
        hint = msg.ANSWER_HINT.format(lo=self.lo, hi=self.hi)
        if _is_text(arr.type):
            values, codes = _dictionary(arr, self, column, first_row, msg.WHAT["survey"])
            table = np.empty(len(values) + 1, dtype=np.int32)
            table[-1] = NO_ANSWER
            for i, v in enumerate(values):
                text = v.strip()
                if not text:
                    table[i] = NO_ANSWER
                    continue
                row = first_row + _first(codes, i)
                if not _INTEGER.fullmatch(text):
                    self.fail(msg.NOT_INTEGER.format(value=text), row, column, hint)
                value = int(text.split(".")[0])
                if not self.lo <= value <= self.hi:
                    self.fail(msg.OUTSIDE_SCALE.format(value=value, lo=self.lo, hi=self.hi),
                              row, column, hint)
                table[i] = value
            return table[codes]
        x, null = _numbers(arr, self, column, first_row, msg.WHAT["survey"])
        ok = ~null
        bad = ok & (np.floor(x) != x)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            self.fail(msg.NOT_INTEGER.format(value=_show(x[i])), first_row + i, column, hint)
        bad = ok & ((x < self.lo) | (x > self.hi))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            self.fail(msg.OUTSIDE_SCALE.format(value=_show(x[i]), lo=self.lo, hi=self.hi),
                      first_row + i, column, hint)
        out = np.where(null, 0.0, x).astype(np.int32)
        out[null] = NO_ANSWER
        return out

    def _world(self, arr, column, first_row) -> np.ndarray:
        if _is_text(arr.type):
            values, codes = _dictionary(arr, self, column, first_row, msg.WHAT["world"])
            table = np.empty(len(values) + 1, dtype=np.int64)
            table[-1] = -1
            for i, v in enumerate(values):
                text = v.strip()
                table[i] = int(text) if text.isdigit() else -1
            x = table[codes]
        else:
            f, null = _numbers(arr, self, column, first_row, msg.WHAT["world"])
            x = np.where(null | (np.floor(f) != f), -1, f).astype(np.int64)
        bad = (x < 0) | (x > np.iinfo(np.int32).max)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = arr[i].as_py()
            self.fail(msg.BAD_WORLD.format(value="" if value is None else value),
                      first_row + i, column, msg.WORLD_HINT)
        return x.astype(np.int32)


def _lookup(decls) -> dict[str, int]:
    """Name → index, and label → index where the label is no other's name or label."""
    out = {d.name: i for i, d in enumerate(decls)}
    labels: dict[str, list[int]] = {}
    for i, d in enumerate(decls):
        if d.label:
            labels.setdefault(d.label.strip(), []).append(i)
    for label, idx in labels.items():
        if len(idx) == 1 and label not in out:
            out[label] = idx[0]
    return out


def _is_text(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def _dictionary(arr, coder: Coder, column: str, first_row: int, what: str
                ) -> tuple[list[str], np.ndarray]:
    """(distinct values, int64[n] code of each cell: an index into them, or len(values)
    for a null) of a text column."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_null(arr.type):
        return [], np.zeros(len(arr), dtype=np.int64)
    if not _is_text(arr.type):
        coder.fail(msg.BAD_TYPE.format(type=arr.type, what=what), first_row, column)
    if not pa.types.is_dictionary(arr.type):
        arr = pc.dictionary_encode(arr)
    values = [str(v) for v in arr.dictionary.to_pylist()]
    codes = arr.indices.to_numpy(zero_copy_only=False) if arr.null_count == 0 else \
        pc.fill_null(arr.indices, len(values)).to_numpy(zero_copy_only=False)
    return values, codes.astype(np.int64, copy=False)


def _numbers(arr, coder: Coder, column: str, first_row: int, what: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """(float64[n] values, bool[n] null) of a numeric or boolean column; NaN is null."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)):
        coder.fail(msg.BAD_TYPE.format(type=t, what=what), first_row, column)
    null = arr.is_null().to_numpy(zero_copy_only=False)
    x = pc.fill_null(pc.cast(arr, pa.float64()), 0.0).to_numpy(zero_copy_only=False)
    nan = np.isnan(x)
    if nan.any():
        null = null | nan
        x = np.where(nan, 0.0, x)
    return x, null


def _first(codes: np.ndarray, i: int) -> int:
    return int(np.flatnonzero(codes == i)[0])


def _show(x: float) -> str:
    return str(int(x)) if math.isfinite(x) and x == math.floor(x) else repr(float(x))


__all__ = ["Layout", "Coder", "layout", "parse_mapping", "ignored_hint", "ID_COLUMN",
           "WORLD_COLUMN"]
