"""``cxdsl sample``: the table of the customers ``cxdsl run`` simulates, written as CSV or
Parquet by suffix, atomically; bad arguments are usage errors, a bad spec exits 1."""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from cxdsl.data.read import read_table
from cxdsl.data.sample import sample_table
from cxdsl.lang.api import check_file
from support import SAAS, invoke, refused, write

UNCERTAIN = """\
persona a share=1 baseline=9
stage S
event e p=5% impact=-3 at S
survey all at S
uncertain e.p ~ beta(3, 57)
worlds 5
"""


def test_sample_writes_the_runs_customers_as_csv(tmp_path):
    out = tmp_path / "s.csv"
    result = invoke("sample", SAAS, "-n", "2_000", "--seed", "9", "-o", out)
    assert result.exit_code == 0, result.output
    assert "wrote 2,000 rows" in result.output
    model = check_file(str(SAAS)).model
    expected = sample_table(model, 2_000, 9)
    table = read_table(out, model)
    assert np.array_equal(table.happened, expected.happened)
    assert np.array_equal(table.answer, expected.answer)
    assert np.array_equal(table.reached, expected.reached)
    ids = pacsv.read_csv(out).column("customer").to_pylist()
    assert ids[0] == "enterprise-0" and len(set(ids)) == 2_000


def test_sample_defaults_and_parquet_with_worlds_and_non_response(tmp_path):
    spec = write(tmp_path, "u.cxj", UNCERTAIN)
    out = tmp_path / "s.parquet"
    result = invoke("sample", spec, "-n", "1000", "--respond", "50%", "-o", out)
    assert result.exit_code == 0, result.output
    t = pq.read_table(out)
    assert t.schema.names == ["customer", "world", "persona", "reached", "e", "all"]
    assert sorted(set(t.column("world").to_pylist())) == list(range(5))
    answered = t.column("all").drop_null()
    assert 400 < len(answered) < 600
    again = tmp_path / "again.parquet"
    assert invoke("sample", spec, "-n", "1000", "--respond", "0.5", "--seed", "0",
                  "-o", again).exit_code == 0
    assert pq.read_table(again).equals(t)
    three = tmp_path / "w3.csv"
    assert invoke("sample", spec, "-n", "30", "--worlds", "3", "-o", three).exit_code == 0
    assert sorted(set(pacsv.read_csv(three).column("world").to_pylist())) == [0, 1, 2]


def test_sample_of_a_scenario(tmp_path):
    out = tmp_path / "s.csv"
    assert invoke("sample", SAAS, "-n", "300", "--scenario", "chatbot",
                  "-o", out).exit_code == 0
    names = pacsv.read_csv(out).schema.names
    assert "chatbot_answer" in names and "personalized_demo" not in names


@pytest.mark.parametrize("args, words", [
    (["-o", "s.xlsx"], ".csv or .parquet"),
    (["-o", "s.csv", "--respond", "1.5"], "from 0 to 1"),
    (["-o", "s.csv", "--respond", "many"], "is not a number"),
    (["-o", "s.csv", "--scenario", "chatbt"], "did you mean 'chatbot'"),
    (["-o", "s.csv", "-n", "0"], "at least 1"),
    (["-o", "no/such/dir/s.csv"], "does not exist"),
    ([], "Missing option '-o'"),
])
def test_bad_arguments_are_usage_errors(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    assert words in refused("sample", SAAS, *args)
    assert not list(tmp_path.glob("s.*")) and not list(tmp_path.glob(".s.*"))


def test_too_few_customers_for_the_worlds_is_a_usage_error(tmp_path):
    spec = write(tmp_path, "u.cxj", UNCERTAIN)
    assert "needs at least 5 customers" in refused("sample", spec, "-n", "3",
                                                   "-o", tmp_path / "s.csv")


def test_a_spec_with_errors_exits_1_and_writes_nothing(tmp_path):
    spec = write(tmp_path, "bad.cxj", "persona a share=1 baseline=99\nstage S\n")
    out = tmp_path / "s.csv"
    result = invoke("sample", spec, "-o", out)
    assert result.exit_code == 1
    assert "baseline" in result.output and "1 error in" in result.output
    assert not out.exists()


def test_an_existing_file_is_replaced_whole(tmp_path):
    out = tmp_path / "s.csv"
    out.write_text("old\n")
    assert invoke("sample", SAAS, "-n", "50", "--worlds", "2", "-o", out).exit_code == 0
    assert out.read_text().startswith('"customer","world","persona"')
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]


def test_sample_is_listed_in_the_help():
    assert "sample" in invoke("--help").output


def test_links_are_followed_and_devices_written_into(tmp_path):
    import os
    import stat

    target = tmp_path / "real.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert invoke("sample", SAAS, "-n", "20", "--worlds", "2", "-o", link).exit_code == 0
    assert link.is_symlink() and target.read_text().count("\n") == 21
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    null = tmp_path / "null.csv"
    null.symlink_to(os.devnull)
    assert invoke("sample", SAAS, "-n", "20", "--worlds", "2", "-o", null).exit_code == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
