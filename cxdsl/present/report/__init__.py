"""The HTML report: one self-contained file that shows a journey and its forecast.

    data = collect(model, source=text, path="journey.cxj", customers=100_000)
    html = render(data)                     # or: write_report(data, "report.html")

:func:`collect` runs the simulations (the baseline, each scenario, the moments-of-truth
analysis) and returns a :class:`ReportData`; :func:`render` turns one into HTML without
running anything, so a report can also be made from results computed elsewhere (a run's
JSON, a ``mot`` and a ``compare`` document).

The page needs no network and no script: the charts are matplotlib figures inlined as SVG
(text kept as text, so labels stay selectable and use the reader's fonts), the styles are
inline, and a Content-Security-Policy forbids scripts and remote content altogether. Each
chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (the text
alternative) and a data table under it. Output is deterministic: the same inputs give the
same bytes (``svg.hashsalt`` is fixed, dates and tool metadata are left out, and element
ids are prefixed per chart so charts never share one).

Sections: the headline metrics, labelled with the survey they come from; the surveys (who
each one asks and when, the share of customers asked, its scores with their intervals,
overall and per persona); the journey map (stages as columns, each persona's emotion
curve across them, the events as cards in their stage, red for a negative impact, green for
a positive one, sized by their contribution to the headline metric, with arrows from an
event to the recoveries and compounding events that depend on it); the funnel per
persona; the score distribution per persona with the NPS bands (or, on a scale other than
0..10, CSAT's top-two-box); the moments-of-truth tornado, its table with how often each
event happens, among all customers and among those who reached its stage; the scenarios
against the baseline, their money per period of the spec's volume (per customer without
one) and every target for each variant; the targets; the spec source, highlighted; the
manifest.

Every label from the spec is escaped for HTML (and ``$`` for matplotlib, which would read
it as mathematics); none can inject markup.

Modules: :mod:`.data` (collecting), :mod:`.style` (colours and text helpers),
:mod:`.journey` (the journey map), :mod:`.charts` (the other charts, SVG and PNG),
:mod:`.tables` (HTML tables), :mod:`.surveys` (the surveys section), :mod:`.scenarios`
(the scenarios' tables: metrics, money, targets), :mod:`.page` (the HTML).
"""

from ..numbers import fmt_report_metric as fmt_metric
from .charts import charts, pngs, svg_of
from .data import ReportData, collect, persona_stages_of
from .page import highlight, render
from .style import Chart

__all__ = ["ReportData", "Chart", "collect", "charts", "render", "svg_of", "pngs",
           "persona_stages_of", "highlight", "fmt_metric"]
