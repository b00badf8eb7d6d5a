"""Tables never cut a name or a number to fit a width: not in a pipe (whose width is no
80-column terminal), not in a narrow terminal (the table is printed at its own width)."""

from __future__ import annotations

import pytest

from support import invoke, write

LONG = "clear_pricing_page_is_very_long_name"
OTHER = "engineer_no_show_at_the_appointment"
SCENARIO = "fix_the_engineer_no_show_problem_for_good"
SPEC = f"""persona a share=100% baseline=7
stage S
event {LONG} "Label" p=30% impact=+1 at S
event {OTHER} p=10% impact=-2 at S
sweep {LONG}.p in [10%, 20%]
sweep {OTHER}.p in [5%, 15%]
scenario {SCENARIO} cost=1000 {{ {OTHER}.p = 1% }}
"""


@pytest.fixture(params=[None, "60"], ids=["pipe", "narrow terminal width"])
def columns(request, monkeypatch):
    if request.param is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", request.param)
    return request.param


@pytest.mark.parametrize("command", [["mot"], ["mot", "--tornado"], ["sweep"], ["compare"],
                                     ["run"]])
def test_no_name_is_cut(tmp_path, columns, command):
    spec = write(tmp_path, "wide.cxj", SPEC)
    res = invoke(*command, spec, "-n", "2000")
    assert res.exit_code == 0, res.output
    assert "…" not in res.output, res.output
    names = [SCENARIO] if command == ["compare"] else [LONG, OTHER]
    assert all(name in res.output for name in names), res.output


def test_a_two_axis_sweep_shows_both_headers_whole(tmp_path, columns):
    spec = write(tmp_path, "wide.cxj", SPEC)
    out = invoke("sweep", spec, "-n", "2000").output
    header = next(line for line in out.splitlines() if f"{LONG}.p" in line)
    assert f"{OTHER}.p" in header


def test_piped_text_is_not_wrapped_at_80_columns(tmp_path, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    spec = write(tmp_path, "wide.cxj", SPEC)
    out = invoke("compare", spec, "-n", "2000").output
    assert any(len(line) > 80 and line.startswith("Money is per customer")
               for line in out.splitlines()), out
