"""What the report writes from the spec: labels with `$` and `\\` drawn as written in the
charts, values written as the spec writes them (discrete weights as percentages), and the
"All customers" curve never hiding a persona's."""

from __future__ import annotations

import html
import re

import cxdsl
from cxdsl.present import report
from cxdsl.present.report.journey import journey_chart

#: Labels with a backslash each (written \\ in a quoted label) and dollar signs.
SPEC = r'''persona p "Pays $5 \\ more $" share=60% baseline=discrete(4: 60%, 5: 40%)
persona q "C:\\temp\\new" share=40% baseline=6
stage S "Stage $1$ \\alpha"
stage T
event e "Save $5\\$ now" impact=+1 at S
'''


def _svg_texts(doc: str) -> str:
    """The text of every chart of ``doc``."""
    svgs = re.findall(r"<svg.*?</svg>", doc, re.S)
    assert svgs
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "\n", s)) for s in svgs)


def test_dollars_and_backslashes_are_drawn_as_written():
    data = report.collect(cxdsl.loads(SPEC), engine="exact", scenarios=[])
    texts = _svg_texts(report.render(data))
    for label in (r"Pays $5 \ more $", r"C:\temp\new", r"Stage $1$ \alpha", r"Save $5\$ now"):
        assert label in texts, label
    assert "\\\\" not in texts  # no backslash doubled


def test_the_baseline_column_writes_weights_as_percentages():
    data = report.collect(cxdsl.loads(SPEC), engine="exact", scenarios=[])
    doc = report.render(data)
    assert "discrete(4: 60%, 5: 40%)" in doc
    assert "discrete(4: 0.6" not in doc


def test_all_customers_is_drawn_beneath_and_wider_than_the_personas():
    # one persona of share 100% in two: its curve is the population's
    spec = ("persona a share=100% baseline=7\npersona b share=0% baseline=3\n"
            "stage S\nstage T\nevent e impact=-1 at S\n")
    data = report.collect(cxdsl.loads(spec), engine="exact", scenarios=[])
    lines = [ln for ax in journey_chart(data).figure.axes for ln in ax.get_lines()]
    overall = [ln for ln in lines if ln.get_label() == "All customers"]
    personas = [ln for ln in lines if ln.get_label() in ("a", "b")]
    assert len(overall) == 1 and personas
    assert all(overall[0].get_zorder() < ln.get_zorder() for ln in personas)
    assert all(overall[0].get_linewidth() > ln.get_linewidth() for ln in personas)
