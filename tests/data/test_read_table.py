"""Reading respondent tables: a sample read back is the sample (CSV and Parquet), cells in
every accepted spelling, Qualtrics exports, --map, DataFrames, and the notes of ignored
columns and inconsistent rows."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxdsl.data.columns import parse_mapping
from cxdsl.data.read import from_dataframe, notes, read_table
from cxdsl.data.sample import sample_table, write_sample
from cxdsl.data.table import NO_ANSWER, UNKNOWN
from cxdsl.lang.api import check_text
from support import write

SPEC = """\
persona smb "Small business" share=70% baseline=normal(7, 1.5)
persona ent "Enterprise" share=30% baseline=8
stage Attract "Awareness" advance=60%
stage Convert advance=50% slope=0.3
stage Delight
survey nps at Delight
survey demo at Convert
event glitch p=10% impact=-3 at Convert
event wow p=40% impact=uniform(0, 2) at Delight when not glitch
uncertain glitch.p ~ beta(2, 18)
worlds 4
"""


@pytest.fixture(scope="module")
def model():
    comp = check_text(SPEC, "spec.cxj")
    assert comp.ok
    return comp.model


def same(a, b):
    """The two tables hold the same rows, codes and columns (the source aside)."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if f.name == "source":
            continue
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert x is not None and y is not None, f.name
            assert x.dtype == y.dtype and np.array_equal(x, y), f.name
        else:
            assert x == y, f.name


@pytest.mark.parametrize("name", ["s.csv", "s.parquet"])
def test_a_sample_read_back_is_the_sample(tmp_path, model, name):
    expected = sample_table(model, 9_000, 11, respond=0.6)
    path = tmp_path / name
    write_sample(str(path), model, 9_000, 11, respond=0.6, chunk=1_000)
    table = read_table(path, model)
    assert table.source == str(path)
    same(table, expected)
    assert table.world is not None and table.ignored == ()
    assert notes(table, model) == []


def test_cells_in_every_spelling(tmp_path, model):
    path = write(tmp_path, "a.csv",
                 "\ufeffpersona,reached,glitch,wow,nps,demo\n"
                 "smb,Delight,1,0,9,3\n"
                 " Enterprise ,Awareness,TRUE,False, , \n"
                 "ent,,yes,NO,10,+7\n"
                 "\"smb\",Convert,,,,7.0\n")
    t = read_table(path, model)
    assert t.persona.tolist() == [0, 1, 1, 0]
    assert t.reached.tolist() == [2, 0, UNKNOWN, 1]
    assert t.happened.tolist() == [[1, 0], [1, 0], [1, 0], [UNKNOWN, UNKNOWN]]
    assert t.answer.tolist() == [[9, 3], [NO_ANSWER, NO_ANSWER], [10, 7], [NO_ANSWER, 7]]
    assert t.row.tolist() == [2, 3, 4, 5]
    # row 3 reached Awareness, yet its glitch (at Convert) happened
    assert t.inconsistent.tolist() == [False, True, False, False]
    assert notes(t) == ["1 row reached a stage before the stage of an event marked as "
                        "happened (first: row 3); counted, and left out of the estimates"]


def test_missing_columns_read_as_unknown_and_others_are_ignored_once(tmp_path, model):
    path = write(tmp_path, "a.csv", "persona,glich,comment,nps\nsmb,1,hi,8\nent,0,,\n")
    t = read_table(path, model)
    assert t.has_reached is False and (t.reached == UNKNOWN).all()
    assert t.has_event == (False, False) and (t.happened == UNKNOWN).all()
    assert t.has_survey == (True, False)
    assert t.ignored == ("glich", "comment")
    assert notes(t, model) == ["ignored columns naming no event or survey of the spec: "
                               "'glich' and 'comment' (column 'glich': did you mean "
                               "'glitch'?)"]


QUALTRICS = (
    'StartDate,EndDate,Status,Q1,Q2_1,Segment,reached\n'
    '"Start Date","End Date","Response Type","How likely are you to recommend us?",'
    '"Did the demo work?","Which segment","Last stage"\n'
    '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""status""}",'
    '"{""ImportId"":""QID1""}","{""ImportId"":""QID2_1""}","{""ImportId"":""QID3""}",'
    '"{""ImportId"":""QID4""}"\n'
    '2024-01-02 10:00:00,2024-01-02 10:05:00,0,9,Yes,smb,Delight\n'
    '2024-01-03 11:00:00,2024-01-03 11:04:00,0,,No,ent,Convert\n')


def test_a_qualtrics_export(tmp_path, model):
    path = write(tmp_path, "export.csv", QUALTRICS)
    mapping = parse_mapping(["Q1=nps", "Q2_1 = glitch", "Segment=persona"])
    t = read_table(path, model, qualtrics=True, mapping=mapping)
    assert t.rows == 2
    assert t.row.tolist() == [4, 5]
    assert t.persona.tolist() == [0, 1]
    assert t.reached.tolist() == [2, 1]
    assert t.happened[:, 0].tolist() == [1, 0]
    assert t.answer[:, 0].tolist() == [9, NO_ANSWER]
    assert t.ignored == ("StartDate", "EndDate", "Status")


def test_without_qualtrics_the_header_rows_are_data(tmp_path, model):
    from cxdsl.data.messages import DataError

    path = write(tmp_path, "export.csv", QUALTRICS)
    with pytest.raises(DataError) as e:
        read_table(path, model, mapping={"Segment": "persona"})
    assert (e.value.row, e.value.column) == (2, "Segment")
    assert "unknown persona 'Which segment'" in e.value.message


def test_parse_mapping():
    assert parse_mapping(["a=b", " c = d "]) == {"a": "b", "c": "d"}
    assert parse_mapping(None) == {}
    for bad in (["a"], ["=b"], ["a="], ["a=b", "a=c"]):
        with pytest.raises(ValueError, match="--map"):
            parse_mapping(bad)


def test_parquet_with_numeric_and_boolean_columns(tmp_path, model):
    table = pa.table({
        "persona": pa.array(["smb", "ent", "smb"]).dictionary_encode(),
        "reached": ["Delight", None, "Attract"],
        "glitch": pa.array([True, None, False]),
        "wow": pa.array([1, 0, None], type=pa.int64()),
        "nps": pa.array([9.0, float("nan"), None]),
        "demo": pa.array([3, 4, None], type=pa.int16()),
    })
    pq.write_table(table, tmp_path / "t.parquet")
    t = read_table(tmp_path / "t.parquet", model)
    assert t.reached.tolist() == [2, UNKNOWN, 0]
    assert t.happened.tolist() == [[1, 1], [UNKNOWN, 0], [0, UNKNOWN]]
    assert t.answer.tolist() == [[9, 3], [NO_ANSWER, 4], [NO_ANSWER, NO_ANSWER]]


class FrameLike:
    """What polars offers: ``to_arrow()``."""

    def __init__(self, table):
        self.table = table

    def to_arrow(self):
        return self.table


def test_from_an_arrow_table_and_a_polars_like_frame(model):
    arrow = pa.table({"persona": ["ent", "smb"], "nps": [10.0, None], "glitch": [0, 1]})
    for df in (arrow, FrameLike(arrow)):
        t = from_dataframe(df, model)
        assert t.source == "<DataFrame>"
        assert t.persona.tolist() == [1, 0]
        assert t.answer[:, 0].tolist() == [10, NO_ANSWER]
        assert t.happened[:, 0].tolist() == [0, 1]
        assert t.row.tolist() == [2, 3]
    with pytest.raises(TypeError, match="DataFrame"):
        from_dataframe([1, 2], model)


def test_from_a_pandas_frame(model):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"Segment": ["smb", "ent"], "nps": [7, None], "glitch": [True, False]})
    t = from_dataframe(df, model, mapping={"Segment": "persona"})
    assert t.persona.tolist() == [0, 1]
    assert t.answer[:, 0].tolist() == [7, NO_ANSWER]
    assert t.happened[:, 0].tolist() == [1, 0]


def test_the_columns_grow_past_a_low_estimate_of_the_rows(tmp_path, model, monkeypatch):
    from cxdsl.data import read

    monkeypatch.setattr(read, "_line_count", lambda path: 1)
    monkeypatch.setattr(read, "CSV_BLOCK", 1 << 10)
    lines = ["persona,nps"] + [f"{'smb' if i % 3 else 'ent'},{i % 11}" for i in range(2_000)]
    t = read_table(write(tmp_path, "a.csv", "\n".join(lines) + "\n"), model)
    assert t.rows == 2_000
    assert t.answer[:, 0].tolist() == [i % 11 for i in range(2_000)]
    assert t.persona.tolist() == [0 if i % 3 else 1 for i in range(2_000)]


def test_the_samplers_columns(tmp_path, model):
    from cxdsl.data.messages import DataError

    path = write(tmp_path, "a.csv", "customer,world,persona\nsmb-0,3,smb\nent-0,0,ent\n")
    t = read_table(path, model)
    assert t.world.tolist() == [3, 0] and t.ignored == ()
    path = write(tmp_path, "b.csv", "world,persona\nEurope,smb\n")
    with pytest.raises(DataError) as e:
        read_table(path, model)
    assert (e.value.row, e.value.column) == (2, "world")
    assert "--map world=-" in e.value.hint
    assert read_table(path, model, mapping={"world": "-"}).world is None
