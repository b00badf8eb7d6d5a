"""docs/model.md's worked examples, recomputed: each ```cxj block is run with the exact engine
and every number in the table after it must match to the digits the page prints."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import cxdsl

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
BLOCK = re.compile(r"```cxj\n(.*?)```\n+\| metric \| value \|\n\|[- |]+\|\n((?:\|[^\n]*\|\n)+)",
                   re.S)


def examples() -> list[tuple[str, list[tuple[str, str]]]]:
    found = []
    for spec, table in BLOCK.findall(DOC.read_text("utf-8")):
        rows = [tuple(c.strip() for c in line.strip("|\n").split("|"))
                for line in table.splitlines()]
        found.append((spec, rows))
    return found


def figure(spec: str, key: str) -> float:
    scenario = None
    if key.startswith("scenario "):
        scenario, key = key[len("scenario "):].split(": ", 1)
    result = cxdsl.simulate(cxdsl.loads(spec), engine="exact", scenario=scenario).to_dict()
    m = re.fullmatch(r"(rate|reached|advanced)\((\w+)\)", key)
    if m is None:
        return result["overall"][key]["value"]
    kind, name = m.groups()
    rows = result["events"] if kind == "rate" else result["stages"]
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
