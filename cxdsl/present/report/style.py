"""The report's look: colours, matplotlib settings, the chart record and the text helpers
every chart uses.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass

from ..numbers import fmt_pct


def esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def mpl_text(text: str) -> str:
    """``text`` for matplotlib as it is: the charts are drawn with ``text.parse_math``
    off (see RC), so a ``$`` or ``\\`` of a label is never read as mathematics and needs
    no escape."""
    return str(text)


def value_text(d, signed: bool = False) -> str:
    """A value as the spec writes it, discrete weights as percentages:
    ``discrete(4: 60%, 5: 40%)``."""
    return d.text(signed=signed, weight=fmt_pct)


def wrap_text(text: str, width: int, lines: int | None = None) -> str:
    out = textwrap.wrap(text, max(width, 4), break_long_words=True) or [""]
    if lines is not None and len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(width - 1, 1)].rstrip() + "…"
    return "\n".join(out)



PERSONA_COLORS = ("#3b6ea8", "#e07b39", "#4d9a5b", "#8a63b8", "#a0522d", "#d1679e",
                  "#5f7f8f", "#b5a33a", "#3aa8b5")
OVERALL_COLOR = "#222222"
NEGATIVE, POSITIVE, NEUTRAL = "#c0392b", "#2e7d32", "#7f8c8d"
NEGATIVE_FILL, POSITIVE_FILL, NEUTRAL_FILL = "#fbe3e1", "#e0f2e3", "#eceff1"
BAND_COLORS = {"detractor": "#d9534f", "passive": "#b0b7bf", "promoter": "#3c9d5d",
               "top": "#3c9d5d", "rest": "#b0b7bf"}

RC = {
    # a label's `$` and `\` are text, never mathematics
    "text.parse_math": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "cxdsl-report",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "Liberation Sans",
                        "sans-serif"],
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.edgecolor": "#888888",
    "axes.labelcolor": "#333333",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "legend.frameon": False,
    "path.simplify": True,
}


@dataclass
class Chart:
    """One figure of the report: ``key`` names it (the PNG file, the HTML id), ``title``
    and ``alt`` are its text alternative, ``table`` its data (a header row, then rows)."""

    key: str
    title: str
    alt: str
    figure: object
    table: list[list[str]]


def p_text(model, e) -> str:
    vals = {fmt_pct(p) for p in e.p}
    return vals.pop() if len(vals) == 1 else " / ".join(
        f"{p.name} {fmt_pct(v)}" for p, v in zip(model.personas, e.p))


def impact_text(model, e) -> str:
    vals = {value_text(d, True) for d in e.impact}
    return vals.pop() if len(vals) == 1 else " / ".join(
        f"{p.name} {value_text(d, True)}" for p, d in zip(model.personas, e.impact))


