"""docs/model.md's worked examples, recomputed: each ```cxj block is run with the exact engine
and every number in the table after it must match to the digits the page prints.

Keys: a metric (``nps``), ``rate(EVENT)``, ``reached(STAGE)``, ``advanced(STAGE)``, any of
them after ``scenario NAME: ``, ``money(SCENARIO).FIGURE`` (a figure of ``compare``'s
money: revenue_change, net, payback, per_10k_cost), and ``forecast95(METRIC).lo`` /
``.hi`` (a forecast's interval over the worlds)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import cxdsl

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
# a block's text never runs into the next block: each table belongs to the block right above
BLOCK = re.compile(r"```cxj\n((?:(?!```).)*?)```\n+\| metric \| value \|\n\|[- |]+\|\n"
                   r"((?:\|[^\n]*\|\n)+)", re.S)


def examples() -> list[tuple[str, list[tuple[str, str]]]]:
    found = []
    for spec, table in BLOCK.findall(DOC.read_text("utf-8")):
        rows = [tuple(c.strip() for c in line.strip("|\n").split("|"))
                for line in table.splitlines()]
        found.append((spec, rows))
    return found


def money_figure(spec: str, scenario: str, name: str) -> float:
    """A figure of a scenario's money in ``compare`` (``money(SCENARIO).net``)."""
    from cxdsl import analysis

    (row,) = analysis.compare(cxdsl.loads(spec), [scenario], engine="exact").scenarios
    return getattr(row.money, name).value


def figure(spec: str, key: str) -> float:
    money = re.fullmatch(r"money\((\w+)\)\.(\w+)", key)
    if money is not None:
        return money_figure(spec, *money.groups())
    scenario = None
    if key.startswith("scenario "):
        scenario, key = key[len("scenario "):].split(": ", 1)
    result = cxdsl.simulate(cxdsl.loads(spec), engine="exact", scenario=scenario).to_dict()
    band = re.fullmatch(r"forecast95\((\w+)\)\.(lo|hi)", key)
    if band is not None:
        return result["overall"][band[1]]["forecast95"][band[2] == "hi"]
    survey = re.fullmatch(r"survey\((\w+)\)\.(\w+)|(respondents)\((\w+)\)", key)
    if survey is not None:  # survey(NAME).METRIC, respondents(NAME)
        name, metric = (survey[1], survey[2]) if survey[1] else (survey[4], survey[3])
        return result["surveys"][name]["overall"][metric]["value"]
    m = re.fullmatch(r"(rate|rate_reached|reached|advanced)\((\w+)\)", key)
    if m is None:
        return result["overall"][key]["value"]
    kind, name = m.groups()
    rows = result["events"] if kind.startswith("rate") else result["stages"]
    return next(r for r in rows if r["name"] == name)[kind]


def test_the_page_has_worked_examples():
    assert len(examples()) >= 8


@pytest.mark.parametrize("spec,rows", examples(), ids=lambda x: None)
def test_worked_example(spec, rows):
    for key, shown in rows:
        printed = Decimal(shown.replace(",", ""))
        step = Decimal(1).scaleb(printed.as_tuple().exponent)
        actual = figure(spec, key)
        assert abs(Decimal(actual) - printed) <= step / 2, f"{key}: page says {shown}, " \
            f"the engine gives {actual}"
