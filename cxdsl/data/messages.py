"""The texts of every message about respondent tables and samples, in one place.

Placeholders are filled with ``str.format``; quoting of names is part of the text.
:class:`DataError` is the one error type of reading a table: it names the file, the row
(the header is row 1) and the column where the problem is, and renders as
``path:row:column: error: message`` followed by a hint line where one helps.
"""

from __future__ import annotations

# ----------------------------------------------------------------------------- file

EMPTY_FILE = "the file is empty"
EMPTY_HINT = ("a respondent table has a header row (persona, reached, one column per "
              "event and per survey) and one row per customer")
HEADER_ONLY = "the file has a header but no rows"
HEADER_ONLY_HINT = "a respondent table has one row per customer after its header"
NOT_TABULAR = "not a CSV or Parquet file ({why})"
WHY_BINARY = "it holds binary data"
WHY_NOT_UTF8 = "it is not UTF-8 text"
TABULAR_HINT = "export the table as CSV (UTF-8, a header row) or as Parquet"
BAD_PARQUET = "not a readable Parquet file: {reason}"
BAD_CSV = "not a readable CSV file: {reason}"
ROW_COLUMNS = "the row has {actual} cells where the header has {expected} columns"
ROW_COLUMNS_HINT = "quote cells that contain the delimiter (a comma)"
CANNOT_READ = "cannot read the file: {reason}"
QUALTRICS_PARQUET = "--qualtrics reads a Qualtrics CSV export; this file is Parquet"
NOT_A_FRAME = ("from_dataframe takes a pandas or polars DataFrame or a pyarrow Table, "
               "not {type}")

# -------------------------------------------------------------------------- columns

NO_PERSONA = "no 'persona' column"
NO_PERSONA_HINT = ("the file's columns are {columns}; name the persona column 'persona', "
                   "or map it with --map COLUMN=persona")
DELIMITER_HINT = ("the header reads as one column, '{column}': the file seems to be "
                  "separated by '{sep}'; export it comma-separated")
DUPLICATE_COLUMN = "two columns give '{name}': {columns}"
DUPLICATE_HINT = "keep one of them, or map one to another name with --map"
MAP_SYNTAX = "--map takes COLUMN=NAME, got '{item}'"
MAP_TWICE = "--map names column '{column}' twice"
MAP_NO_COLUMN = "--map {column}={name}: the file has no column '{column}'"
MAP_NO_COLUMN_HINT = "the file's columns are {columns}"
MAP_UNKNOWN_NAME = ("--map {column}={name}: '{name}' is not persona, reached, an event or "
                    "a survey of the spec (or -, to ignore the column)")
MAP_NAMES_HINT = "the spec's names: {names}"
IGNORED_NOTE = "ignored column{s} naming no event or survey of the spec: {columns}"
RESERVED_NAME = ("'{name}' names an event or survey and a column of the table "
                 "(reached, customer, world) at once; rename it in the spec")

# ---------------------------------------------------------------------------- cells

BLANK_PERSONA = "blank persona"
BLANK_PERSONA_HINT = "every row needs its persona: {names}"
UNKNOWN_PERSONA = "unknown persona '{value}'"
UNKNOWN_STAGE = "unknown stage '{value}'"
NAMES_HINT = "the spec's {kind}s are {names}"
BAD_EVENT_VALUE = "'{value}' is not 1/0, true/false or yes/no"
EVENT_HINT = "leave the cell blank when it is not known whether the event happened"
NOT_INTEGER = "answer '{value}' is not an integer"
OUTSIDE_SCALE = "answer {value} is outside the scale {lo}..{hi}"
ANSWER_HINT = ("an answer is an integer on the spec's scale {lo}..{hi}; leave the cell "
               "blank when the customer was not asked or did not answer")
BAD_WORLD = "world '{value}' is not a world index (a whole number, 0 or more)"
WORLD_HINT = ("'world' is the column of sampled forecasts; ignore a column of another "
              "meaning with --map world=-")
BAD_TYPE = "a column of type {type} cannot hold {what}"
WHAT = {"persona": "personas", "reached": "stage names", "event": "1/0 values",
        "survey": "answers", "world": "world indices"}

INCONSISTENT_NOTE = ("{n} row{s} reached a stage before the stage of an event marked as "
                     "happened (first: row {row}); counted, and left out of the estimates")

# ----------------------------------------------------------------------------- sample

SAMPLE_SOURCE = "<sample of {customers} customers, seed {seed}>"
RESPOND_NOT_NUMBER = "--respond {value!r} is not a number (a share such as 0.4 or 40%)"
RESPOND_RANGE = "--respond {value!r}: the response rate must be from 0 to 1 (0% to 100%)"
OUTPUT_SUFFIX = "'{path}': the file name must end in .csv or .parquet"


class DataError(ValueError):
    """A respondent table that cannot be read: ``path`` (or ``<DataFrame>``), ``row``
    (1-based, the header is row 1; None for the whole file), ``column`` (the file's column
    name; None when no one column is at fault), ``message`` and ``hint`` (or None)."""

    def __init__(self, path: str, message: str, *, row: int | None = None,
                 column: str | None = None, hint: str | None = None):
        self.path = path
        self.row = row
        self.column = column
        self.message = message
        self.hint = hint
        super().__init__(self.location() + ": error: " + message)

    def location(self) -> str:
        parts = [self.path]
        if self.row is not None:
            parts.append(str(self.row))
        if self.column is not None:
            if self.row is None:
                parts.append("1")  # a column as a whole: the header row
            parts.append(self.column)
        return ":".join(parts)

    def render(self) -> str:
        """``path:row:column: error: message``, and ``  hint: …`` on the next line."""
        text = f"{self.location()}: error: {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")


def names_list(names) -> str:
    """``'a', 'b' and 'c'``."""
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted) or "none"
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def plural(n: int) -> str:
    return "" if n == 1 else "s"
