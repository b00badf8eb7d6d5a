"""The report's charts besides the journey map: funnel, score distribution, tornado and
scenarios; and the SVG and PNG forms of every chart.

matplotlib is imported by the functions that draw (lazy): ``cxdsl.present.report`` is
imported by ``cxdsl report`` only, but importing matplotlib takes a second.
"""

from __future__ import annotations

import io
import math
import re
import warnings

from ...model import ir
from ..export import display, survey_where
from ..numbers import (
    METRIC_WORDS,
    REPORT_LABELS,
    fmt_report_ci,
    fmt_report_metric,
    fmt_share,
)
from .data import ReportData, event_rates, metric_value, mot_rows
from .forecast import forecast_charts
from .journey import journey_chart
from .style import (
    BAND_COLORS,
    NEGATIVE,
    NEUTRAL,
    OVERALL_COLOR,
    PERSONA_COLORS,
    POSITIVE,
    RC,
    Chart,
    esc,
    mpl_text,
    wrap_text,
)
from .voi import voi_chart


def _groups(data: ReportData) -> list[tuple[str, str, dict, list | None]]:
    """(key, shown name, metrics group, stage rows) for everyone, then each persona."""
    model, result = data.model, data.result
    out = []
    if len(model.personas) > 1:
        out.append(("all", "All customers", result["overall"], result.get("stages")))
    for p in model.personas:
        out.append((p.name, display(p), result["personas"].get(p.name, {}),
                    (data.persona_stages or {}).get(p.name)))
    return out


def _funnel_chart(data: ReportData) -> Chart:
    from matplotlib.figure import Figure  # lazy: matplotlib, see the module docstring

    model = data.model
    groups = [g for g in _groups(data) if g[3]]
    S = len(model.stages)
    width = min(max(1.2 * S * max(len(groups), 1) * 0.45 + 2.5, 7.5), 15.0)
    fig = Figure(figsize=(width, 3.8))
    ax = fig.add_subplot()
    n = max(len(groups), 1)
    bw = min(0.8 / n, 0.3)
    colors = ([OVERALL_COLOR] if len(model.personas) > 1 else []) + list(PERSONA_COLORS)
    for gi, (_key, name, _g, rows) in enumerate(groups):
        vals = [(r.get("reached") or 0.0) * 100 for r in rows]
        xs = [s + (gi - (n - 1) / 2) * bw for s in range(S)]
        color = colors[gi % len(colors)]
        bars = ax.bar(xs, vals, bw * 0.92, color=color, label=mpl_text(name),
                      alpha=0.85 if gi or len(model.personas) == 1 else 0.75)
        if n * S <= 24:
            for b, v in zip(bars, vals):
                ax.annotate(f"{v:.0f}%" if v >= 10 or v == 0 else f"{v:.1f}%",
                            (b.get_x() + b.get_width() / 2, v), textcoords="offset points",
                            xytext=(0, 2), ha="center", fontsize=7, color="#333333")
    ax.set_xticks(range(S))
    ax.set_xticklabels([wrap_text(mpl_text(display(s)), 16, 2) +
                        ("\n◆ goal" if s.name == model.goal else "") for s in model.stages])
    legend_rows = math.ceil(len(groups) / 4)
    ax.set_ylim(0, 114 + 11 * legend_rows)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("reached the stage (% of customers)")
    ax.grid(axis="y", color="#e3e3e3", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_title("Funnel: share of customers who reached each stage", loc="left")
    if groups:
        ax.legend(fontsize=8.5, ncol=min(len(groups), 4), loc="upper right")
    fig.tight_layout()

    table = [["stage"] + [f"{name} reached" for _, name, _, _ in groups] +
             [f"{name} advanced" for _, name, _, _ in groups]]
    for s, stage in enumerate(model.stages):
        last = s == S - 1
        table.append([display(stage)] + [fmt_share(rows[s].get("reached"))
                                         for *_, rows in groups] +
                     [("—" if last else fmt_share(rows[s].get("advanced")))
                      for *_, rows in groups])
    conv = ", ".join(f"{name} {fmt_share(rows[model.goal_index].get('reached'))}"
                     for _, name, _, rows in groups)
    alt = (f"Funnel of {S} stage{'s' if S != 1 else ''}: the share of customers who "
           f"reached each stage, per persona. Reached the goal stage "
           f"{display(model.stages[model.goal_index])}: {conv}.")
    return Chart("funnel", "Funnel per persona", alt, fig, table)



def _bands(model: ir.Model) -> list[tuple[str, str, int, int]]:
    """(key, legend label, first score, last score) of the colour bands."""
    lo, hi = model.scale
    if model.has_nps:
        return [("detractor", "detractors (0–6)", 0, 6), ("passive", "passives (7–8)", 7, 8),
                ("promoter", "promoters (9–10)", 9, 10)]
    return [("rest", f"other scores ({lo}–{hi - 2})", lo, hi - 2),
            ("top", f"top-two-box ({hi - 1}–{hi})", hi - 1, hi)]


def _distribution_chart(data: ReportData) -> Chart:
    from matplotlib.figure import Figure  # lazy: matplotlib, see the module docstring
    from matplotlib.patches import Patch  # lazy: matplotlib, see the module docstring

    model = data.model
    lo, hi = model.scale
    groups = _groups(data)
    n = len(groups)
    cols = n if n <= 3 else 2 if n == 4 else 3
    rows = math.ceil(n / cols)
    K = hi - lo + 1
    fig = Figure(figsize=(min(max(3.6 * cols, 6.0), 15.0), 2.9 * rows + 0.6))
    bands = _bands(model)
    band_of = {}
    for key, _, a, b in bands:
        for r in range(a, b + 1):
            band_of[r] = key
    headline = "nps" if model.has_nps else "csat"
    table = [["persona", REPORT_LABELS[headline], "95% interval"] +
             [str(r) for r in range(lo, hi + 1)]]
    alt_parts = []
    first = None
    for i, (_key, name, group, _rows) in enumerate(groups):
        ax = fig.add_subplot(rows, cols, i + 1, sharey=first)
        first = first or ax
        dist = group.get("distribution") or [None] * K
        vals = [0.0 if v is None else v * 100 for v in dist]
        scores = list(range(lo, hi + 1))
        ax.bar(scores, vals, 0.8, color=[BAND_COLORS[band_of[r]] for r in scores])
        m = group.get(headline)
        value = None if m is None else m.get("value")
        ax.set_title(wrap_text(mpl_text(name), 34, 1) + f"\n{REPORT_LABELS[headline]} "
                     f"{fmt_report_metric(headline, value)} {fmt_report_ci(headline, m)}",
                     loc="left",
                     fontsize=9.5)
        ax.set_xticks(scores if K <= 11 else scores[:: math.ceil(K / 11)])
        ax.set_xlim(lo - 0.6, hi + 0.6)
        ax.set_ylabel("% of respondents", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", color="#e3e3e3", lw=0.6)
        ax.set_axisbelow(True)
        if all(v is None for v in dist):
            ax.text(0.5, 0.5, "no customers", transform=ax.transAxes, ha="center",
                    color="#888888")
        table.append([name, fmt_report_metric(headline, value), fmt_report_ci(headline, m)] +
                     [fmt_share(v) for v in dist])
        alt_parts.append(f"{name}: {REPORT_LABELS[headline]} {fmt_report_metric(headline, value)}")
    fig.legend(handles=[Patch(color=BAND_COLORS[k], label=label) for k, label, *_ in bands],
               loc="lower center", ncol=len(bands), fontsize=8.5)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    what = ("NPS bands: detractors score 0 to 6, passives 7 and 8, promoters 9 and 10"
            if model.has_nps else
            f"CSAT counts the top two boxes, {hi - 1} and {hi}, of the {lo}..{hi} scale")
    survey = model.headline_survey
    alt = (f"Distribution of the answers to the headline survey, {survey.name} "
           f"{survey_where(survey)}, from {lo} to {hi}, per persona ({what}). "
           + "; ".join(alt_parts) + ".")
    title = ("Score distribution with the NPS bands" if model.has_nps else
             "Score distribution with CSAT's top-two-box")
    return Chart("distribution", title, alt, fig, table)


def _tornado_chart(data: ReportData, top: int = 15) -> Chart | None:
    from matplotlib.figure import Figure  # lazy: matplotlib, see the module docstring

    model = data.model
    rows = [r for r in mot_rows(data)
            if r["if_never"] is not None and r["if_always"] is not None]
    if not rows:
        return None
    metric = (data.mot or {}).get("metric") or data.metric
    now = metric_value(data.result["overall"], metric)
    if now is None:
        return None
    rows = sorted(rows, key=lambda r: -abs(r["contribution"] or 0.0))[:top]
    rows = rows[::-1]  # largest at the top
    labels = []
    for r in rows:
        try:
            e = model.event(r["name"])
            labels.append(wrap_text(mpl_text(display(e)), 38, 2))
        except StopIteration:
            labels.append(mpl_text(r["name"]))
    fig = Figure(figsize=(9.0, 0.5 * len(rows) + 1.9))
    ax = fig.add_subplot()
    ys = list(range(len(rows)))
    never = [r["if_never"] - now for r in rows]
    always = [r["if_always"] - now for r in rows]
    ax.barh(ys, never, 0.62, color="#7aa6d6", label="p set to 0% (never happens)")
    ax.barh(ys, always, 0.62, color="#f0a35e", label="p set to 100% (always happens)",
            alpha=0.9)
    ax.axvline(0, color="#333333", lw=1)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8.5)
    span = max([abs(v) for v in never + always] + [1e-9])
    ax.set_xlim(-span * 1.35, span * 1.35)
    for y, a, b in zip(ys, never, always):
        for v in (a, b):
            if abs(v) < span * 0.004:
                continue
            ax.annotate(fmt_report_metric(metric, v, True), (v, y), textcoords="offset points",
                        xytext=(4 if v >= 0 else -4, 0), ha="left" if v >= 0 else "right",
                        va="center", fontsize=7, color="#444444")
    ax.set_xlabel(f"change in {METRIC_WORDS[metric]} against the forecast "
                  f"({fmt_report_metric(metric, now)})")
    ax.set_title("Moments of truth: what each event can do to "
                 f"{METRIC_WORDS[metric]}", loc="left")
    ax.grid(axis="x", color="#e3e3e3", lw=0.6)
    ax.set_axisbelow(True)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8.5)
    fig.tight_layout(rect=(0, 0.4 / (0.5 * len(rows) + 1.9), 1, 1))
    table = [["event", "stage", "happens to", "of those who reach its stage",
              f"contribution ({REPORT_LABELS[metric]})",
              "if never", "if always", "per 10 points of p"]]
    rates = event_rates(data.result)
    for r in reversed(rows):
        rate, rate_reached = rates.get(r["name"], (None, None))
        table.append([r["name"], r["stage"], fmt_share(rate), fmt_share(rate_reached),
                      fmt_report_metric(metric, r["contribution"], True),
                      fmt_report_metric(metric, r["if_never"]),
                      fmt_report_metric(metric, r["if_always"]),
                      fmt_report_metric(metric, r["leverage"], True)])
    first = rows[-1]
    alt = (f"Tornado chart of {len(rows)} moment{'s' if len(rows) != 1 else ''} of truth, "
           f"ranked by contribution to {METRIC_WORDS[metric]} "
           f"(forecast {fmt_report_metric(metric, now)}). The largest is {first['name']}: "
           f"{REPORT_LABELS[metric]} would be {fmt_report_metric(metric, first['if_never'])} if it "
           f"never happened and {fmt_report_metric(metric, first['if_always'])} if it always did.")
    return Chart("tornado", "Moments of truth", alt, fig, table)


def _scenario_chart(data: ReportData) -> Chart | None:
    from matplotlib.figure import Figure  # lazy: matplotlib, see the module docstring

    doc = data.compare or {}
    scenarios = doc.get("scenarios") or []
    if not scenarios:
        return None
    metric = data.metric
    base = metric_value(data.result["overall"], metric)
    rows = list(reversed(scenarios))
    fig = Figure(figsize=(9.0, 0.55 * len(rows) + 1.6))
    ax = fig.add_subplot()
    ys = list(range(len(rows)))
    deltas, errs, colors, labels = [], [[], []], [], []
    for r in rows:
        d = (r.get("delta") or {}).get(metric) or {}
        v = d.get("value") or 0.0
        lo, hi = (d.get("ci95") or [None, None])[:2]
        deltas.append(v)
        errs[0].append(0.0 if lo is None else max(v - lo, 0.0))
        errs[1].append(0.0 if hi is None else max(hi - v, 0.0))
        colors.append(POSITIVE if v > 0 else NEGATIVE if v < 0 else NEUTRAL)
        label = r["name"] + (f" — {r['label']}" if r.get("label") else "")
        labels.append(wrap_text(mpl_text(label), 40, 2))
    ax.barh(ys, deltas, 0.6, color=colors, alpha=0.85, xerr=errs,
            error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1})
    ax.axvline(0, color="#333333", lw=1)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8.5)
    span = max([abs(v) + max(a, b) for v, a, b in zip(deltas, *errs)] + [1e-9])
    ax.set_xlim(-span * 1.5, span * 1.5)
    for y, v, r in zip(ys, deltas, rows):
        note = fmt_report_metric(metric, v, True)
        if r.get("cost") is not None:
            note += f"   cost {r['cost']:,.0f}"
        ax.annotate(note, (v, y), textcoords="offset points",
                    xytext=(6 if v >= 0 else -6, 9), ha="left" if v >= 0 else "right",
                    va="center", fontsize=7.5, color="#333333")
    has_ci = any(x for x in errs[0] + errs[1])
    ax.set_xlabel(f"change in {METRIC_WORDS[metric]} against the baseline "
                  f"({fmt_report_metric(metric, base)})"
                  + (", with 95% intervals" if has_ci else ""))
    ax.set_title(f"Scenarios against the baseline: {METRIC_WORDS[metric]}", loc="left")
    ax.grid(axis="x", color="#e3e3e3", lw=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    best = max(scenarios, key=lambda r: ((r.get("delta") or {}).get(metric) or {}).get(
        "value") or 0.0)
    bv = ((best.get("delta") or {}).get(metric) or {}).get("value")
    alt = (f"Bar chart of {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''}: the "
           f"change each makes to {METRIC_WORDS[metric]} against the baseline "
           f"({fmt_report_metric(metric, base)}). The largest gain is {best['name']} "
           f"({fmt_report_metric(metric, bv, True)}).")
    return Chart("scenarios", "Scenarios against the baseline", alt, fig, [])


def charts(data: ReportData) -> list[Chart]:
    """The report's figures, in page order (the tornado and the scenarios only when there
    is something to show)."""
    import matplotlib  # lazy: matplotlib, see the module docstring

    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        out = [journey_chart(data), _funnel_chart(data), _distribution_chart(data)]
        for make in (_tornado_chart, _scenario_chart, voi_chart):
            chart = make(data)
            if chart is not None:
                out.append(chart)
        out += forecast_charts(data)
    return out



_SVG_HEAD = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')


def svg_of(chart: Chart, index: int) -> str:
    """The chart as an inline ``<svg>`` element: no XML prolog, comments or metadata; ids
    prefixed ``c<index>-``; a ``<title>`` and ``<desc>`` for screen readers."""
    import matplotlib  # lazy: matplotlib, see the module docstring

    buf = io.StringIO()
    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        chart.figure.savefig(buf, format="svg", metadata={"Date": None, "Creator": None,
                                                          "Format": None, "Type": None})
    svg = _SVG_HEAD.sub("", buf.getvalue(), count=1)
    svg = _COMMENT.sub("", svg)
    svg = _METADATA.sub("", svg)
    prefix = f"c{index}-"
    ids = set(_ID.findall(svg))
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)

    def ref(m):
        name = m.group(2)
        return f"{m.group(1)}#{prefix}{name}" if name in ids else m.group(0)

    svg = re.sub(r'(url\(|xlink:href="|href=")#([^)"]+)', ref, svg)
    tid, did = f"{prefix}title", f"{prefix}desc"
    svg = re.sub(r"<svg\b", f'<svg role="img" aria-labelledby="{tid} {did}" '
                 f'class="chart-svg"', svg, count=1)
    head_end = svg.index(">") + 1
    svg = (svg[:head_end] + f'\n<title id="{tid}">{esc(chart.title)}</title>'
           f'<desc id="{did}">{esc(chart.alt)}</desc>' + svg[head_end:])
    return svg.strip()


def pngs(chart_list: list[Chart], dpi: int = 150) -> dict[str, bytes]:
    """Each chart as PNG bytes, by file name (``<key>.png``)."""
    import matplotlib  # lazy: matplotlib, see the module docstring

    out = {}
    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        for chart in chart_list:
            buf = io.BytesIO()
            chart.figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None},
                                 facecolor="white")
            out[f"{chart.key}.png"] = buf.getvalue()
    return out


