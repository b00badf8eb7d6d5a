"""The report's HTML tables: every cell escaped, numbers right-aligned."""

from __future__ import annotations

import re

from ..numbers import fmt_report_ci, fmt_report_metric
from .style import esc

# a number, a percentage, a change, with an interval (``[lo, hi]``, ``[lo, ∞)``) or a
# half-width (``±h``) after it; a dash; an interval alone; ``exact``
_NUMERIC = re.compile(r"^[+\-−]?[\d,.]+%?(?: ±[\d,.]+%?| \[[^\]]*[\])])?$|^—$|^\[.*\]$|"
                      r"^exact$")


def looks_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(str(text)))


def html_table(rows: list[list[str]], numeric_from: int = 1) -> str:
    """``rows[0]`` as the header, the others as the body; cells from column
    ``numeric_from`` on that read as numbers are right-aligned."""
    if not rows:
        return ""
    head = "".join(f"<th scope=\"col\">{esc(h)}</th>" for h in rows[0])
    body = []
    for row in rows[1:]:
        cells = []
        for i, c in enumerate(row):
            cls = ' class="num"' if i >= numeric_from and looks_numeric(c) else ""
            cells.append(f"<td{cls}>{esc(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>")


def marked_table(head: list[str], rows: list[list[str]]) -> str:
    """A table whose body cells are HTML already (escaped by the caller): for cells with
    marks such as ✓ met."""
    head_html = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return (f'<div class="scroll"><table><thead><tr>{head_html}</tr></thead><tbody>{body}'
            "</tbody></table></div>")


def with_interval(metric: str, doc: dict | None, signed: bool = False) -> str:
    """``40.5 [38.5, 42.6]``: a metric's document as the report writes it, the interval
    left out when exact or unknown."""
    if not doc:
        return "—"
    text = fmt_report_metric(metric, doc.get("value"), signed)
    ci = fmt_report_ci(metric, doc, signed)
    return text if text == "—" or not ci or ci == "exact" else f"{text} {ci}"
