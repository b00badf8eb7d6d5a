"""Terminal pictures of the funnel and the emotion curve: width-aware, readable without
colour, ASCII on terminals that are not UTF-8."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import cxdsl
from cxdsl.present import termviz

RESULT = {
    "manifest": {"cxdsl": "0.1.0", "seed": 1, "customers": 1000, "engine": "numba"},
    "overall": {"nps": {"value": 20.0, "ci95": [15.0, 25.0]}},
    "personas": {},
    "stages": [
        {"name": "Attract", "reached": 1.0, "advanced": 0.6, "mean_score": 7.4},
        {"name": "Convert_with_a_very_long_stage_name", "reached": 0.6, "advanced": 0.21,
         "mean_score": 8.3},
        {"name": "Close", "reached": 0.21, "advanced": 0.0, "mean_score": None},
    ],
    "events": [],
    "targets": [],
}


def draw(result=RESULT, width=80, **kw) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, legacy_windows=False)
    termviz.render(result, console, **kw)
    return buf.getvalue()


def test_bar():
    assert termviz.bar(0, 10) == ("", "·" * 10)
    assert termviz.bar(1, 10) == ("█" * 10, "")
    assert termviz.bar(0.5, 10) == ("█" * 5, "·" * 5)
    assert termviz.bar(0.55, 10) == ("█" * 5 + "▌", "·" * 4)
    assert termviz.bar(2, 4) == ("████", "") and termviz.bar(-1, 4) == ("", "····")
    assert termviz.bar(0.5, 10, ascii=True) == ("#" * 5, "." * 5)
    for f in (0.01, 0.13, 0.49, 0.99):
        filled, rest = termviz.bar(f, 17)
        assert len(filled) + len(rest) == 17


def test_sparkline():
    assert termviz.sparkline([0, 5, 10, None], 0, 10) == "▁▅█ "
    assert termviz.sparkline([0, 10], 0, 10, ascii=True) == "_#"
    assert termviz.sparkline([3, 3], 3, 3) == "▁▁"


@pytest.mark.parametrize("width", [20, 39, 40, 60, 80, 99, 100, 140, 200])
def test_fits_the_width(width):
    out = draw(width=width)
    lines = out.splitlines()
    assert lines
    assert all(len(line) <= width for line in lines), max(lines, key=len)
    assert "100.0%" in out and "21.0%" in out
    assert "7.40" in out and "8.30" in out and "—" in out


def test_readable_without_colour():
    out = draw(width=80, goal="Close")
    assert "\x1b[" not in out
    assert "Funnel" in out and "Emotion curve" in out and "on 0..10" in out
    assert all("◆" in line for line in out.splitlines() if line.startswith("Close"))
    assert not any("◆" in line for line in out.splitlines() if line.startswith("Attract"))
    # one funnel bar and one emotion bar per stage, stacked at this width
    assert out.count("Attract") == 2


def test_side_by_side_when_wide():
    out = draw(width=120)
    assert out.count("Attract") == 1
    assert "Funnel" in out.splitlines()[0] and "Emotion curve" in out.splitlines()[0]


def test_narrow_terminal_keeps_the_numbers():
    out = draw(width=30)
    assert "█" not in out
    assert "100.0%" in out and "7.40" in out


def test_scale_guessed_or_given():
    no_nps = dict(RESULT, overall={"mean": {"value": 3.0, "ci95": [2.9, 3.1]}})
    assert "on its own range" in draw(no_nps)
    assert "on 1..5" in draw(no_nps, scale=(1, 5))


def test_ascii_console():
    group = termviz.renderable(RESULT, width=70, ascii=True, goal="Close")
    buf = io.StringIO()
    Console(file=buf, width=70, color_system=None).print(group)
    out = buf.getvalue()
    assert out.isascii(), [c for c in out if not c.isascii()]
    assert "#" in out and "*" in out


def test_no_stages():
    assert "no stages" in draw(dict(RESULT, stages=[]))


def test_a_result_object():
    model = cxdsl.loads('persona p share=1 baseline=6\nstage A "Arrive" advance=50%\n'
                        'stage B\nevent e p=50% impact=+2 at A\n')
    result = cxdsl.simulate(model, engine="exact")
    out = draw(result, width=80)
    assert "A (Arrive)" in out and "◆" in out  # labels, and the goal from the model
    assert "50.0%" in out and "on 0..10" in out
