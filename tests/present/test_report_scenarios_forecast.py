"""The report's scenarios section for a spec with uncertain values: each change with its
range over 95% of the worlds, the share of worlds where a scenario beats the baseline and
makes money, and the risk-neutral choice; a plain comparison keeps its intervals."""

from __future__ import annotations

import html
import re

import cxdsl
from cxdsl import analysis
from cxdsl.present.report.scenarios import chance_text
from support import GLITCH_FORECAST, invoke, write

SPEC = GLITCH_FORECAST


def section(tmp_path, text: str) -> str:
    """The scenarios section of the report of ``text`` (exact engine), as plain text."""
    spec = write(tmp_path, "j.cxj", text)
    out = tmp_path / "r.html"
    res = invoke("report", spec, "-o", out, "--engine", "exact")
    assert res.exit_code == 0, res.output
    page = out.read_text("utf-8")
    start = page.index('id="scenarios"')
    body = re.sub(r"<[^>]+>", " ", page[start:page.index("<section", start + 1)])
    return " ".join(html.unescape(body).split())


def test_forecast_changes_chances_and_choice(tmp_path):
    text = section(tmp_path, SPEC)
    doc = analysis.compare(cxdsl.loads(SPEC), engine="exact").to_dict()
    fix = next(s for s in doc["scenarios"] if s["name"] == "fix")
    lo, hi = fix["delta"]["nps"]["forecast95"]
    assert f"(+{fix['delta']['nps']['value']:.1f} [+{lo:.1f}, +{hi:.1f}])" in text
    assert f"{chance_text(fix['p_better'])} of the worlds" in text
    assert "Forecast over 200 plausible worlds" in text
    # more: +10 points of conversion at 100 a customer, 1,000 a month, minus 10 a month
    assert "+9,990 [+9,990, +9,990]" in text
    assert "A risk-neutral choice (the highest expected net per month): more , +9,990 per " \
           "month expected." in text
    assert "all of the worlds" in text and "none of the worlds" in text
    # payback: 100 / 9,990 months in every world; fix moves no money and never pays back
    assert "+9,990 [+9,990, +9,990] 0.010 [0.010, 0.010] all of the worlds" in text
    assert "+0 [+0, +0] +0 [+0, +0] never none of the worlds" in text


def test_payback_range_reaches_never(tmp_path):
    """Net per month = 1,000 × 20 × advance − 10,000 with advance ~ uniform(40%, 60%): in
    some worlds the net is not above 0, so the payback's range ends in never."""
    text = section(tmp_path, """\
persona a share=1 baseline=8 value=100
stage S advance=50%
stage T
volume 1000 per month
uncertain S.advance ~ uniform(0.4, 0.6)
scenario costly cost=5000 running_cost=10000 { a.value = 120 }
""")
    assert re.search(r"costly 5,000 \+[\d,]+ \[\+[\d,]+, \+[\d,]+\] [+-][\d,]+ "
                     r"\[-[\d,]+, \+[\d,]+\] (never|[\d.]+) \[[\d.]+, never\] "
                     r"\d+% of the worlds", text), text


def test_no_choice_when_nothing_makes_money(tmp_path):
    text = section(tmp_path, SPEC.replace("running_cost=10 ", "running_cost=50000 "))
    assert "A risk-neutral choice funds none of the scenarios" in text


def test_plain_comparison_keeps_its_intervals(tmp_path):
    text = section(tmp_path, SPEC.replace("uncertain e.p ~ beta(3, 57)\n", ""))
    assert "worlds" not in text and "risk-neutral" not in text
    assert "Best net per month: more" in text
