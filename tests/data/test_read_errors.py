"""Every problem of a respondent table is one DataError naming the file, the row and the
column, with a hint where one helps."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxdsl.data.messages import DataError
from cxdsl.data.read import from_dataframe, read_table
from cxdsl.lang.api import check_text
from support import write

SPEC = """\
scale 1..5
persona smb share=70% baseline=4
persona ent share=30% baseline=3
stage Attract advance=60%
stage Convert
survey csat at Convert
event glitch p=10% impact=-1 at Convert
"""


@pytest.fixture(scope="module")
def model():
    return check_text(SPEC, "spec.cxj").model


def error_of(path, model, **kw) -> DataError:
    with pytest.raises(DataError) as e:
        read_table(path, model, **kw)
    return e.value


#: (file text, row, column, words of the message, words of the hint)
CASES = [
    ("segment,glitch\nsmb,1\n", 1, "persona", "no 'persona' column",
     "columns are 'segment' and 'glitch'"),
    ("persona;glitch\nsmb;1\n", 1, "persona", "no 'persona' column",
     "seems to be separated by ';'"),
    ("persona,glitch\nsmb,1\nsbm,0\n", 3, "persona", "unknown persona 'sbm'",
     "did you mean 'smb'?"),
    ("persona,glitch\nsmb,1\n,0\n", 3, "persona", "blank persona", "'smb' and 'ent'"),
    ("persona,csat\nsmb,4\nsmb,6\n", 3, "csat", "answer 6 is outside the scale 1..5",
     "integer on the spec's scale 1..5"),
    ("persona,csat\nsmb,0\n", 2, "csat", "answer 0 is outside the scale 1..5", None),
    ("persona,csat\nsmb,4\nent,4.5\n", 3, "csat", "answer '4.5' is not an integer", None),
    ("persona,csat\nsmb,good\n", 2, "csat", "answer 'good' is not an integer", None),
    ("persona,glitch\nsmb,1\nsmb,0\nent,maybe\n", 4, "glitch",
     "'maybe' is not 1/0, true/false or yes/no", "leave the cell blank"),
    ("persona,reached\nsmb,Attract\nent,Close\n", 3, "reached", "unknown stage 'Close'",
     "the spec's stages are 'Attract' and 'Convert'"),
    ("persona,reached\nsmb,Convrt\n", 2, "reached", "unknown stage 'Convrt'",
     "did you mean 'Convert'?"),
    ("persona,glitch\nsmb,1\nsmb,1,2\n", 3, None, "the row has 3 cells where the header "
     "has 2 columns", "quote cells"),
    ("persona,glitch,persona\nsmb,1,ent\n", 1, "persona", "two columns give 'persona'",
     None),
    ("", None, None, "the file is empty", "header row"),
    ("\n \n", None, None, "the file is empty", None),
    ("persona,glitch,csat\n", None, None, "the file has a header but no rows", None),
]


@pytest.mark.parametrize("text, row, column, message, hint", CASES)
def test_each_problem_names_file_row_and_column(tmp_path, model, text, row, column,
                                                message, hint):
    path = write(tmp_path, "answers.csv", text)
    e = error_of(path, model)
    assert (e.path, e.row, e.column) == (str(path), row, column)
    assert message in e.message
    if hint is not None:
        assert hint in e.hint
    where = ":".join(str(x) for x in (path, row, column) if x is not None)
    assert e.render().startswith(f"{where}: error: {e.message}")


def test_rows_are_counted_across_batches(tmp_path, model, monkeypatch):
    from cxdsl.data import read

    monkeypatch.setattr(read, "CSV_BLOCK", 1 << 10)
    lines = ["persona,csat"] + ["smb,3"] * 5_000 + ["ent,9"]
    e = error_of(write(tmp_path, "a.csv", "\n".join(lines) + "\n"), model)
    assert (e.row, e.column) == (5_002, "csat")


def test_binary_garbage_is_neither_csv_nor_parquet(tmp_path, model):
    garbage = bytes(range(256)) * 40
    for name in ("x.csv", "x.parquet", "x.xlsx"):
        e = error_of(write(tmp_path, name, garbage), model)
        assert e.message == "not a CSV or Parquet file (it holds binary data)"
        assert e.row is None and "export the table as CSV" in e.hint
    latin1 = "persona,glitch\nsmb,1\ncafé,1\n".encode("latin-1")
    e = error_of(write(tmp_path, "l.csv", latin1), model)
    assert e.message == "not a CSV or Parquet file (it is not UTF-8 text)"


def test_a_damaged_parquet_file(tmp_path, model):
    e = error_of(write(tmp_path, "x.parquet", b"PAR1" + b"\x07" * 100), model)
    assert e.message.startswith("not a readable Parquet file")


def test_a_parquet_file_without_rows_or_with_bad_cells(tmp_path, model):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"persona": pa.array([], pa.string())}), path)
    assert error_of(path, model).message == "the file has a header but no rows"
    pq.write_table(pa.table({"persona": ["smb", "ent"], "csat": [3.0, 2.5]}), path)
    e = error_of(path, model)
    assert (e.row, e.column, e.message) == (3, "csat", "answer '2.5' is not an integer")
    pq.write_table(pa.table({"persona": ["smb", "ent"], "glitch": [1, 2]}), path)
    e = error_of(path, model)
    assert (e.row, e.column) == (3, "glitch")
    pq.write_table(pa.table({"persona": [1, 2]}), path)
    e = error_of(path, model)
    assert (e.column, e.message) == ("persona", "a column of type int64 cannot hold "
                                                "personas")


def test_qualtrics_reads_csv_only(tmp_path, model):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"persona": ["smb"]}), path)
    assert "--qualtrics" in error_of(path, model, qualtrics=True).message


def test_a_missing_file(tmp_path, model):
    e = error_of(tmp_path / "nope.csv", model)
    assert e.message == "cannot read the file: No such file or directory"


def test_mapping_problems(tmp_path, model):
    path = write(tmp_path, "a.csv", "Segment,Q1,persona\nsmb,3,ent\n")
    e = error_of(path, model, mapping={"Q2": "csat"})
    assert e.message == "--map Q2=csat: the file has no column 'Q2'"
    assert "'Segment', 'Q1' and 'persona'" in e.hint
    e = error_of(path, model, mapping={"Q1": "cstat"})
    assert "'cstat' is not persona, reached, an event or a survey" in e.message
    assert e.hint == "did you mean 'csat'?"
    e = error_of(path, model, mapping={"Segment": "persona"})
    assert e.message == "two columns give 'persona': 'Segment' and 'persona'"
    e = error_of(path, model, mapping={"Segment": "persona", "persona": "other"})
    assert "'other' is not persona" in e.message
    t = read_table(path, model, mapping={"Segment": "persona", "persona": "-"})
    assert t.persona.tolist() == [0]
    assert t.ignored == ("Q1", "persona")


def test_a_dataframe_error_names_its_row(model):
    with pytest.raises(DataError) as e:
        from_dataframe(pa.table({"persona": ["smb", "smb", "x"]}), model)
    assert (e.value.path, e.value.row, e.value.column) == ("<DataFrame>", 4, "persona")


def test_an_unreadable_file(tmp_path, model):
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = write(tmp_path, "a.csv", "persona\nsmb\n")
    path.chmod(0)
    assert error_of(path, model).message.startswith("cannot read the file")
