"""Reading respondent tables: CSV and Parquet files, and DataFrames, coded against a spec.

    table = read_table("answers.csv", model)                       # RespondentTable
    table = read_table("export.csv", model, qualtrics=True, mapping={"Q7": "evaluation"})
    table = from_dataframe(df, model)                               # pandas, polars, Arrow

A file is read in batches (pyarrow's streaming CSV reader, or a Parquet file's row
batches), each coded at once into the table's compact columns (:mod:`cxdsl.data.columns`),
so memory holds the coded table and one batch, never the file: a 10⁷-row file takes a few
hundred MB. The format is found from the content: a Parquet file starts with ``PAR1``;
anything else must be UTF-8 CSV text with a header row (a byte-order mark is fine).

``qualtrics``: a Qualtrics CSV export has three header rows — the column IDs, the question
texts, the import IDs; the first names the columns and the next two are skipped (data
rows are numbered from 4). ``mapping``: {file column: spec name} for exports whose column
names differ from the spec's (``--map COLUMN=NAME``).

Every problem is a :class:`~cxdsl.data.messages.DataError` naming the file, the row (the
header is row 1; a record's physical line in the CSV) and the column. Columns that name
nothing in the spec are ignored and listed in ``RespondentTable.ignored``; rows whose
``reached`` stage comes before an event marked as happened are counted in
``RespondentTable.inconsistent``. :func:`notes` words both.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..model import ir
from . import messages as msg
from .columns import Coder, Layout, ignored_hint, layout, parse_mapping
from .messages import DataError
from .table import RespondentTable

#: Bytes looked at to tell a file's format.
SNIFF = 1 << 16
#: Bytes per block of the CSV reader, rows per Parquet or DataFrame batch.
CSV_BLOCK = 1 << 20
BATCH_ROWS = 1 << 16
#: The name DataFrames go by in messages.
FRAME_SOURCE = "<DataFrame>"



def read_table(path: str | os.PathLike, model: ir.Model, *, qualtrics: bool = False,
               mapping: dict[str, str] | None = None) -> RespondentTable:
    """The respondent table in the CSV or Parquet file ``path``, coded against ``model``
    (see the module docstring). Raises DataError."""
    source = os.fspath(path)
    kind = _sniff(source)
    if kind == "parquet":
        if qualtrics:
            raise DataError(source, msg.QUALTRICS_PARQUET)
        columns, batches, capacity = _parquet(source, model, mapping)
        first_row = 2
    else:
        columns, batches = _csv(source, model, mapping, qualtrics)
        first_row = 4 if qualtrics else 2
        capacity = _line_count(source)
    return _collect(source, model, columns, batches, first_row, capacity)


def from_dataframe(df, model: ir.Model, mapping: dict[str, str] | None = None
                   ) -> RespondentTable:
    """The respondent table in ``df``: a pandas or polars DataFrame (or a pyarrow Table),
    with the columns of a file. Its rows are numbered as in its CSV form (the first is row
    2). Raises DataError; TypeError for something that is not a table."""
    table = _arrow_table(df)
    lay = layout(table.schema.names, model, mapping, FRAME_SOURCE)
    if table.num_rows == 0:
        raise DataError(FRAME_SOURCE, msg.HEADER_ONLY, hint=msg.HEADER_ONLY_HINT)
    batches = table.select(lay.used()).to_batches(max_chunksize=BATCH_ROWS)
    return _collect(FRAME_SOURCE, model, lay, iter(batches), 2, table.num_rows)


def notes(table: RespondentTable, model: ir.Model | None = None) -> list[str]:
    """The table's notes, in words: the ignored columns (with a did-you-mean when one is
    close to a spec name) and the inconsistent rows."""
    out = []
    if table.ignored:
        line = msg.IGNORED_NOTE.format(s=msg.plural(len(table.ignored)),
                                       columns=msg.names_list(table.ignored))
        hint = ignored_hint(table.ignored, model) if model is not None else None
        out.append(line + (f" ({hint})" if hint else ""))
    n = int(table.inconsistent.sum())
    if n:
        row = int(table.row[np.flatnonzero(table.inconsistent)[0]])
        out.append(msg.INCONSISTENT_NOTE.format(n=f"{n:,}", s=msg.plural(n), row=row))
    return out


# --------------------------------------------------------------------------- sources


def _sniff(path: str) -> str:
    """``"parquet"`` or ``"csv"``; DataError for an empty, binary or non-UTF-8 file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF)
            size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise DataError(path, msg.CANNOT_READ.format(
            reason=exc.strerror or str(exc))) from None
    if not head.strip(b" \t\r\n\xef\xbb\xbf") and size <= len(head):
        raise DataError(path, msg.EMPTY_FILE, hint=msg.EMPTY_HINT)
    if head[:4] == b"PAR1":
        return "parquet"
    if b"\x00" in head:
        raise DataError(path, msg.NOT_TABULAR.format(why=msg.WHY_BINARY),
                        hint=msg.TABULAR_HINT)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=size <= len(head))
    except UnicodeDecodeError:
        raise DataError(path, msg.NOT_TABULAR.format(why=msg.WHY_NOT_UTF8),
                        hint=msg.TABULAR_HINT) from None
    return "csv"


class _BadRows:
    """pyarrow's invalid-row handler: remembers the first row with the wrong number of
    cells, and stops the read there."""

    def __init__(self):
        self.row = None

    def __call__(self, row) -> str:
        if self.row is None:
            self.row = row
        return "error"


def _csv(path: str, model: ir.Model, mapping, qualtrics: bool
         ) -> tuple[Layout, Iterator[pa.RecordBatch]]:
    bad = _BadRows()
    read = pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK,
                             skip_rows_after_names=2 if qualtrics else 0)
    parse = pacsv.ParseOptions(invalid_row_handler=bad)
    try:
        with pacsv.open_csv(path, read_options=read, parse_options=parse) as reader:
            names = reader.schema.names
    except (pa.ArrowInvalid, OSError) as exc:
        raise _csv_error(path, exc, bad) from None
    lay = layout(names, model, mapping, path)
    used = lay.used()
    convert = pacsv.ConvertOptions(include_columns=used,
                                   column_types={c: pa.string() for c in used},
                                   null_values=[""], strings_can_be_null=True,
                                   quoted_strings_can_be_null=True)

    def batches():
        try:
            with pacsv.open_csv(path, read_options=read, parse_options=parse,
                                convert_options=convert) as reader:
                yield from reader
        except (pa.ArrowInvalid, OSError) as exc:
            raise _csv_error(path, exc, bad) from None

    return lay, batches()


def _csv_error(path: str, exc: Exception, bad: _BadRows) -> DataError:
    if bad.row is not None:
        return DataError(path, msg.ROW_COLUMNS.format(actual=bad.row.actual_columns,
                                                      expected=bad.row.expected_columns),
                         row=bad.row.number, hint=msg.ROW_COLUMNS_HINT)
    text = str(exc)
    if "UTF8" in text or "UTF-8" in text:
        return DataError(path, msg.NOT_TABULAR.format(why=msg.WHY_NOT_UTF8),
                         hint=msg.TABULAR_HINT)
    if isinstance(exc, OSError) and not isinstance(exc, pa.ArrowException):
        return DataError(path, msg.CANNOT_READ.format(reason=exc.strerror or text))
    return DataError(path, msg.BAD_CSV.format(reason=text.removeprefix("CSV parse error: ")),
                     hint=msg.TABULAR_HINT)


def _parquet(path: str, model: ir.Model, mapping
             ) -> tuple[Layout, Iterator[pa.RecordBatch], int]:
    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
    except (pa.ArrowException, OSError) as exc:
        raise DataError(path, msg.BAD_PARQUET.format(reason=exc), hint=msg.TABULAR_HINT
                        ) from None
    lay = layout(names, model, mapping, path)
    if pf.metadata.num_rows == 0:
        raise DataError(path, msg.HEADER_ONLY, hint=msg.HEADER_ONLY_HINT)

    def batches():
        try:
            yield from pf.iter_batches(batch_size=BATCH_ROWS, columns=lay.used())
        except (pa.ArrowException, OSError) as exc:
            raise DataError(path, msg.BAD_PARQUET.format(reason=exc)) from None
        finally:
            pf.close()

    return lay, batches(), pf.metadata.num_rows


def _arrow_table(df) -> pa.Table:
    if isinstance(df, pa.Table):
        return df
    if isinstance(df, pa.RecordBatch):
        return pa.Table.from_batches([df])
    try:
        if hasattr(df, "to_arrow"):  # polars
            table = df.to_arrow()
        elif type(df).__module__.split(".")[0] == "pandas":
            table = pa.Table.from_pandas(df, preserve_index=False)
        else:
            raise TypeError(msg.NOT_A_FRAME.format(type=type(df).__name__))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataError(FRAME_SOURCE, msg.CANNOT_READ.format(reason=exc)) from None
    if not isinstance(table, pa.Table):
        raise TypeError(msg.NOT_A_FRAME.format(type=type(df).__name__))
    return table


# -------------------------------------------------------------------------- collect


def _collect(source: str, model: ir.Model, lay: Layout, batches: Iterable[pa.RecordBatch],
             first_row: int, capacity: int) -> RespondentTable:
    """The coded table of ``batches``, written into columns of ``capacity`` rows (at least
    the number of rows: the table's columns are views of their first rows), so the peak
    memory is the coded table and a batch; more rows than that grow the columns."""
    coder = Coder(model, lay, source)
    E, V = len(lay.events), len(lay.surveys)
    cols = _allocate(capacity, E, V, lay.world is not None)
    rows = 0
    for batch in batches:
        n = batch.num_rows
        if n == 0:
            continue
        coded = coder.code(batch, first_row + rows)
        if rows + n > len(cols["persona"]):
            grown = _allocate(2 * (rows + n), E, V, lay.world is not None)
            for f, a in cols.items():
                grown[f][:rows] = a[:rows]
            cols = grown
        for f, a in cols.items():
            a[rows:rows + n] = coded[f]
        rows += n
    if rows == 0:
        raise DataError(source, msg.HEADER_ONLY, hint=msg.HEADER_ONLY_HINT)
    joined = {f: a[:rows] for f, a in cols.items()}
    return RespondentTable(
        source=source, personas=tuple(p.name for p in model.personas),
        stages=tuple(s.name for s in model.stages),
        events=tuple(e.name for e in model.events),
        surveys=tuple(s.name for s in model.all_surveys),
        persona=joined["persona"], reached=joined["reached"], happened=joined["happened"],
        answer=joined["answer"], row=np.arange(first_row, first_row + rows, dtype=np.int64),
        has_event=tuple(c is not None for c in lay.events),
        has_survey=tuple(c is not None for c in lay.surveys),
        has_reached=lay.reached is not None, ignored=lay.ignored,
        inconsistent=joined["inconsistent"], world=joined.get("world"))


def _allocate(n: int, events: int, surveys: int, world: bool) -> dict[str, np.ndarray]:
    cols = {"persona": np.empty(n, dtype=np.int32), "reached": np.empty(n, dtype=np.int32),
            "happened": np.empty((n, events), dtype=np.int8),
            "answer": np.empty((n, surveys), dtype=np.int32),
            "inconsistent": np.empty(n, dtype=bool)}
    if world:
        cols["world"] = np.empty(n, dtype=np.int32)
    return cols


def _line_count(path: str) -> int:
    """The number of line breaks in the file, plus one: at least its number of records."""
    count = 1
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            count += block.count(b"\n")
    return count


__all__ = ["read_table", "from_dataframe", "notes", "parse_mapping", "DataError"]
