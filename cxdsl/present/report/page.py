"""The report's HTML: styles, tables, sections and the page around them.
"""

from __future__ import annotations

import os

from ..._version import __version__
from ..export import display
from ..numbers import METRIC_WORDS, REPORT_LABELS, fmt_pct, fmt_report_ci, fmt_report_metric
from .charts import charts, svg_of
from .data import ReportData, metric_value, target_metric
from .forecast import forecast_section
from .observed import observed_section
from .scenarios import money_table, scenario_table, targets_by_variant
from .style import Chart, esc, value_text
from .surveys import SCORE_METRICS, and_list, headline_words, surveys_section
from .tables import html_table
from .voi import voi_note

# ----------------------------------------------------------------------------- HTML

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#d9e2ec; --bg:#f7f9fb; --neg:#c0392b;
        --pos:#2e7d32; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       "Noto Sans", "Liberation Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji",
       "Noto Color Emoji"; color:var(--ink); background:var(--bg); }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 64px; }
header h1 { font-size: 28px; margin: 0 0 4px; overflow-wrap:anywhere; }
header p.sub { color: var(--muted); margin: 0 0 18px; overflow-wrap:anywhere; }
nav { display:flex; flex-wrap:wrap; gap:6px 14px; margin: 0 0 18px; font-size: 14px; }
nav a { color:#2f5f98; text-decoration:none; }
section { background:#fff; border:1px solid var(--line); border-radius:10px;
          padding: 18px 22px; margin: 0 0 20px; }
section h2 { font-size: 19px; margin: 0 0 10px; }
p.note { color: var(--muted); margin: 4px 0 10px; font-size: 14px; }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr));
        gap: 12px; margin: 0 0 20px; }
.kpi { background:#fff; border:1px solid var(--line); border-radius:10px;
       padding: 12px 16px; }
.kpi .name { color: var(--muted); font-size: 13px; text-transform: uppercase;
             letter-spacing: .04em; }
.kpi .value { font-size: 26px; font-weight: 700; }
.kpi .ci { color: var(--muted); font-size: 13px; }
.kpi .who { color: var(--muted); font-size: 12px; margin-top: 4px; overflow-wrap:anywhere; }
section h3 { font-size: 16px; margin: 16px 0 6px; }
figure { margin: 0; }
svg.chart-svg { max-width: 100%; height: auto; display:block; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
details { margin-top: 8px; font-size: 14px; }
summary { cursor: pointer; color:#2f5f98; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left;
         vertical-align: top; overflow-wrap:break-word; }
th { background: #f0f4f8; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
.met { color: var(--pos); font-weight: 700; }
.missed { color: var(--neg); font-weight: 700; }
.pill { display:inline-block; border-radius: 999px; padding: 2px 10px; font-size: 13px;
        font-weight: 600; border: 1px solid currentColor; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono",
            monospace; font-size: 13px; }
.source { max-height: 640px; overflow: auto; border:1px solid var(--line);
          border-radius: 8px; }
.source pre { margin: 0; padding: 10px 14px; line-height: 1.45; }
.source table { margin: 0; border: 0; }
.source td { border: 0; padding: 0; }
.source td.linenos { background: #f0f4f8; color: #8a96a3; text-align: right;
                     user-select: none; }
.source td.linenos pre { padding-right: 10px; }
footer { color: var(--muted); font-size: 13px; text-align: center; }
@media print { body { background:#fff; } section { break-inside: avoid; } }
"""

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def highlight(source: str) -> tuple[str, str]:
    """(HTML of the highlighted source, the CSS it needs). Uses the project's Pygments
    lexer; plain escaped text with line numbers when it is not available."""
    try:
        from pygments import highlight as pyg_highlight  # lazy: plain text without it
        from pygments.formatters import HtmlFormatter  # lazy: as above

        from ...tooling.pygments_lexer import CxjLexer  # lazy: as above
    except Exception:
        lines = source.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        nums = "\n".join(str(i) for i in range(1, len(lines) + 1))
        body = esc("\n".join(lines))
        return (f'<table><tr><td class="linenos"><pre>{nums}</pre></td>'
                f'<td><pre>{body}</pre></td></tr></table>', "")
    formatter = HtmlFormatter(linenos="table", cssclass="hl", style="default")
    return pyg_highlight(source, CxjLexer(), formatter), formatter.get_style_defs(".hl")


def _figure(chart: Chart, index: int, note: str = "", table_open: bool = False) -> str:
    """A chart with its note above it and its data table under it (folded unless
    ``table_open``)."""
    details = ""
    if chart.table and len(chart.table) > 1:
        details = (f"<details{' open' if table_open else ''}><summary>Data</summary>"
                   f"{html_table(chart.table)}</details>")
    note_html = f'<p class="note">{note}</p>' if note else ""
    return (f'{note_html}<figure id="chart-{esc(chart.key)}" data-chart="{esc(chart.key)}">'
            f"{svg_of(chart, index)}<figcaption>{esc(chart.alt)}</figcaption></figure>"
            f"{details}")


def _kpis(data: ReportData) -> str:
    out = []
    overall = data.result["overall"]
    whose = headline_words(data.model)
    for metric in ("nps", "csat", "mean", "conversion", "revenue"):
        m = overall.get(metric)
        if m is None:
            continue
        who = (f"{REPORT_LABELS[metric]} {whose}" if metric in SCORE_METRICS else
               "of every customer who entered")
        out.append(f'<div class="kpi"><div class="name">{esc(REPORT_LABELS[metric])}</div>'
                   f'<div class="value">{esc(fmt_report_metric(metric, m.get("value")))}</div>'
                   f'<div class="ci">{esc(fmt_report_ci(metric, m) or " ")}</div>'
                   + _kpi_forecast(metric, m) +
                   f'<div class="who">{esc(who)}</div></div>')
    return f'<div class="kpis">{"".join(out)}</div>'


def _kpi_forecast(metric: str, m: dict) -> str:
    """A headline card's forecast interval (95% of worlds), empty without one."""
    lo, hi = (m.get("forecast95") or [None, None])[:2]
    if lo is None or hi is None:
        return ""
    return (f'<div class="ci">95% of worlds: {esc(fmt_report_metric(metric, lo))} to '
            f'{esc(fmt_report_metric(metric, hi))}</div>')


def _personas_table(data: ReportData) -> str:
    model, result = data.model, data.result
    metrics = [m for m in ("nps", "csat", "mean", "conversion", "revenue")
               if m in result["overall"]]
    rows = [["persona", "share", "baseline", "value"] + [REPORT_LABELS[m] for m in metrics]]
    for p in model.personas:
        g = result["personas"].get(p.name, {})
        rows.append([f"{display(p)} ({p.name})" if p.label else p.name, fmt_pct(p.share),
                     value_text(p.baseline), f"{p.value:,.0f}"] +
                    [fmt_report_metric(m, metric_value(g, m)) for m in metrics])
    scores = and_list([METRIC_WORDS[m] for m in SCORE_METRICS if m in metrics])
    scores = scores[:1].upper() + scores[1:]
    return (html_table(rows) + f'<p class="note">{esc(scores)}: the scores '
            f"{esc(headline_words(model))} (the headline survey); conversion and revenue: "
            "over every customer who entered.</p>")


def _targets(data: ReportData) -> str:
    targets = data.result.get("targets") or []
    if not targets:
        return '<p class="note">The spec sets no targets.</p>'
    missed = sum(1 for t in targets if not t.get("met"))
    summary = (f'<p><span class="pill met">all {len(targets)} met</span></p>' if not missed
               else f'<p><span class="pill missed">{missed} of {len(targets)} missed'
                    "</span></p>")
    body = []
    for t in targets:
        metric = target_metric(t["target"])
        met = t.get("met")
        mark = ('<span class="met">✓ met</span>' if met else
                '<span class="missed">✗ missed</span>')
        body.append(f"<tr><td><code>{esc(t['target'])}</code></td>"
                    f'<td class="num">{esc(fmt_report_metric(metric, t.get("value")))}</td>'
                    f"<td>{mark}</td></tr>")
    return (summary + '<div class="scroll"><table><thead><tr><th scope="col">target</th>'
            '<th scope="col">forecast</th><th scope="col">status</th></tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>")


def _manifest(data: ReportData) -> str:
    man = dict(data.result.get("manifest") or {})
    rows = [["field", "value"]]
    if data.path:
        rows.append(["spec", data.path])
    for key in ("cxdsl", "spec_sha256", "seed", "customers", "engine", "scenario"):
        if key in man:
            v = man[key]
            rows.append([key, "—" if v is None else f"{v:,}" if isinstance(v, int)
                         and key == "customers" else str(v)])
    if data.compare and data.compare.get("scenarios"):
        rows.append(["scenarios compared", ", ".join(s["name"] for s in
                                                      data.compare["scenarios"])])
    rows.append(["scale", f"{data.model.scale[0]}..{data.model.scale[1]}"])
    return html_table(rows, numeric_from=99)


def render(data: ReportData, chart_list: list[Chart] | None = None, observed=None) -> str:
    """The report as one HTML document (a str). ``chart_list`` defaults to
    :func:`charts` of ``data``. ``observed``: an :class:`.observed.Observed` (collected
    data) adds its section."""
    model = data.model
    if chart_list is None:
        chart_list = charts(data)
    by_key = {c.key: (i, c) for i, c in enumerate(chart_list)}
    sections = []

    def section(key: str, heading: str, body: str) -> None:
        sections.append((key, heading,
                         f'<section id="{key}" aria-labelledby="{key}-h">'
                         f'<h2 id="{key}-h">{esc(heading)}</h2>{body}</section>'))

    def fig(key: str, note: str = "", table_open: bool = False) -> str:
        i, c = by_key[key]
        return _figure(c, i, note, table_open)

    section("overview", "Forecast", _kpis(data) + _personas_table(data))
    over_worlds = forecast_section(data, fig)
    if over_worlds is not None:
        section("worlds", "Forecast over the worlds", over_worlds)
    section("surveys", "Surveys", surveys_section(data))
    if "journey-map" in by_key:
        section("journey", "Journey map", fig(
            "journey-map", "Stages left to right. The lines are each persona's mean score at "
            "the end of each stage (the emotion curve); the cards are the moments of truth "
            "of each stage — red hurts the score, green helps, a bigger card contributes "
            "more — and the arrows lead from an event to the recoveries (green) and "
            "compounding events (red) that depend on it."))
    if "funnel" in by_key:
        section("funnel", "Funnel", fig("funnel"))
    if observed is not None:
        section("observed", "Observed against predicted", observed_section(observed, fig))
    if "distribution" in by_key:
        note = ("NPS = % promoters (9–10) − % detractors (0–6)." if model.has_nps else
                f"On a {model.scale[0]}..{model.scale[1]} scale there is no NPS: CSAT is "
                f"the share of customers who score {model.scale[1] - 1} or "
                f"{model.scale[1]} (top-two-box).")
        note += (" The answers of the headline survey: the scores "
                 f"{headline_words(model)}.")
        section("distribution", "Score distribution", fig("distribution", esc(note)))
    if "tornado" in by_key:
        section("mot", "Moments of truth", fig(
            "tornado", "For each event: the metric if it never happened (p = 0%) and if it "
            "always happened (p = 100%), against the forecast. Ranked by contribution, "
            "what the event changes as it stands. In the table, how often each event "
            "happens: among all customers, and among those who reached its stage.",
            table_open=True))
    elif not model.events:
        section("mot", "Moments of truth", '<p class="note">The journey has no events.</p>')
    if data.compare is not None and data.compare.get("scenarios"):
        body = fig("scenarios") if "scenarios" in by_key else ""
        body += scenario_table(data) + money_table(data) + targets_by_variant(data)
        section("scenarios", "Scenarios", body)
    elif model.scenarios:
        section("scenarios", "Scenarios",
                '<p class="note">No scenario was compared in this report.</p>')
    else:
        section("scenarios", "Scenarios", '<p class="note">The spec defines no scenarios.</p>')
    if "voi" in by_key:
        section("voi", "Value of information", fig("voi", voi_note(data), table_open=True))
    section("targets", "Targets", _targets(data))
    if data.source is not None:
        code, css = highlight(data.source)
        sections.append(("source", "Spec", f'<section id="source" aria-labelledby="source-h">'
                         f'<h2 id="source-h">Spec</h2><style>{css}</style>'
                         f'<div class="source">{code}</div></section>'))
    section("manifest", "Manifest", _manifest(data))
    return _document(data, sections)


def _subtitle(data: ReportData) -> str:
    """The line under the title: the file, the run's size and seed, the scenario, the
    version."""
    man = data.result.get("manifest") or {}
    if man.get("engine") == "exact":
        how = "exact engine (no sampling)"
    else:
        customers = man.get("customers")
        how = (f"{customers:,} simulated customers, seed {man.get('seed')}"
               if isinstance(customers, int) else "simulated")
    scen = f" · scenario {man['scenario']}" if man.get("scenario") else ""
    where = f"{data.path} · " if data.path else ""
    return f"{where}{how}{scen} · cxdsl {man.get('cxdsl', __version__)}"


def _document(data: ReportData, sections: list[tuple[str, str, str]]) -> str:
    """The page around the sections, each (id, heading, HTML)."""
    model = data.model
    title = model.title or (os.path.basename(data.path) if data.path else "Journey")
    sub = _subtitle(data)
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in data.notes)

    nav = "".join(f'<a href="#{key}">{esc(h)}</a>' for key, h, _ in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="cxdsl {esc(__version__)}">\n'
        f"<title>{esc(title)} — CX report</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<main>\n<header><h1>{esc(title)}</h1><p class=\"sub\">{esc(sub)}</p></header>\n"
        f'<nav aria-label="Sections">{nav}</nav>\n{notes}'
        + "\n".join(body for _, _, body in sections)
        + f"\n<footer>Made by cxdsl report. {_intervals_note(data)}</footer>\n</main>\n"
        "</body>\n</html>\n")


def _intervals_note(data: ReportData) -> str:
    """What the report's intervals are: the simulation's, and a forecast's ranges."""
    if data.forecast:
        return ("Forecast ranges hold 95% of the worlds drawn from the spec's uncertain "
                "values; ± intervals are 95% confidence intervals of the simulation.")
    return "The intervals are 95% confidence intervals of the simulation."
