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

Sections: the headline metrics; the journey map (stages as columns, each persona's emotion
curve across them, the events as cards in their stage, red for a negative impact, green for
a positive one, sized by their contribution to the headline metric, with arrows from an
event to the recoveries and compounding events that depend on it); the funnel per
persona; the score distribution per persona with the NPS bands (or, on a scale other than
0..10, CSAT's top-two-box); the moments-of-truth tornado; the scenarios against the
baseline; the targets; the spec source, highlighted; the manifest.

Every label from the spec is escaped for HTML (and ``$`` for matplotlib, which would read
it as mathematics); none can inject markup.
"""

from __future__ import annotations

import html
import io
import math
import os
import re
import textwrap
import warnings
from dataclasses import dataclass, field

from .._version import __version__
from ..model import ir
from .export import dependencies, display, dist_text, event_sign, mean_impact
from .numbers import fmt_pct

# ------------------------------------------------------------------------- the data


@dataclass
class ReportData:
    """Everything a report shows.

    ``result``: the run result as ``cxdsl run --json`` gives it (DESIGN.md).
    ``persona_stages``: per persona name, one ``{"reached", "advanced", "mean_score"}``
    per stage (None when only the overall figures are known).
    ``mot``: the ``cxdsl mot --json`` document (or None). ``compare``: the ``cxdsl compare
    --json`` document (or None; a document without scenarios says the spec has none).
    ``source``: the spec's text; ``path``: its file name, as shown."""

    model: ir.Model
    result: dict
    persona_stages: dict[str, list[dict]] | None = None
    mot: dict | None = None
    compare: dict | None = None
    source: str | None = None
    path: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def metric(self) -> str:
        """The headline metric: nps on a 0..10 scale, else the mean score."""
        return "nps" if self.model.has_nps else "mean"


def persona_stages_of(result) -> dict[str, list[dict]] | None:
    """Per persona, the funnel and emotion curve of a :class:`cxdsl.metrics.Result` (from
    its tallies); None when the result carries none."""
    t = getattr(result, "tallies", None)
    model = getattr(result, "model", None)
    if t is None or model is None:
        return None
    out: dict[str, list[dict]] = {}
    for q, persona in enumerate(model.personas):
        n = float(t.n[q])
        rows = []
        for s in range(len(model.stages)):
            if n <= 0:
                rows.append({"reached": None, "advanced": None, "mean_score": None})
                continue
            reached = float(t.reached[q, s])
            rows.append({"reached": reached / n, "advanced": float(t.advanced[q, s]) / n,
                         "mean_score": (float(t.stage_score_sum[q, s]) / reached
                                        if reached > 0 else None)})
        out[persona.name] = rows
    return out


def _value(group: dict, metric: str) -> float | None:
    m = group.get(metric)
    return None if m is None else m.get("value")


def num(x) -> float | None:
    """A metric's number: ``x`` itself, or ``x["value"]`` for a ``{value, ci95}`` dict."""
    if isinstance(x, dict):
        x = x.get("value")
    return None if x is None else float(x)


def _analysis():
    try:
        from .. import analysis
    except ImportError:  # an installation without the analysis module: no mot, no compare
        return None
    return analysis


def collect(model: ir.Model, *, source: str | None = None, path: str | None = None,
            customers: int | None = None, seed: int | None = None,
            scenarios: list[str] | None = None, engine: str = "numba",
            spec_sha: str | None = None) -> ReportData:
    """Run what the report shows: the baseline, the moments of truth
    (:func:`cxdsl.analysis.mot` on the headline metric) and the ``scenarios`` named
    (default: every scenario of the spec; ``[]`` for none) against the baseline
    (:func:`cxdsl.analysis.compare`), all with the same customers and seed — common random
    numbers, so the differences carry little noise.

    Raises :class:`cxdsl.simulate.SimulationError` or
    :class:`cxdsl.analysis.AnalysisError` for bad arguments (an unknown scenario) and
    :class:`cxdsl.exact.ExactError` when the exact engine cannot take the journey."""
    from ..sim.simulate import check_scenario, simulate

    names = [s.name for s in model.scenarios] if scenarios is None else list(scenarios)
    for name in names:
        check_scenario(model, name)
    base = simulate(model, customers=customers, seed=seed, engine=engine, spec_sha=spec_sha)
    data = ReportData(model, base.to_dict(), persona_stages_of(base), source=source,
                      path=path)
    analysis = _analysis()
    if analysis is None:
        data.notes.append("The moments-of-truth ranking and the scenario comparison need "
                          "cxdsl.analysis, which this installation lacks.")
        return data
    kw = {"engine": engine, "customers": customers, "seed": seed, "spec_sha": spec_sha}
    if model.events:
        data.mot = analysis.mot(model, data.metric, **kw).to_dict()
    if names:
        data.compare = analysis.compare(model, names, **kw).to_dict()
    return data


# ----------------------------------------------------------------------- formatting

METRIC_LABELS = {"nps": "NPS", "csat": "CSAT", "mean": "Mean score",
                 "conversion": "Conversion", "revenue": "Revenue per customer"}
#: The metrics inside a sentence.
METRIC_WORDS = {"nps": "NPS", "csat": "CSAT", "mean": "the mean score",
                "conversion": "conversion", "revenue": "revenue per customer"}


def fmt_metric(metric: str, value: float | None, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if metric == "conversion":
        text = f"{value * 100:.2f}%"
    elif metric == "revenue":
        text = f"{value:,.2f}"
    elif metric == "mean":
        text = f"{value:.2f}"
    else:
        text = f"{value:.1f}"
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        text = text[1:]  # -0.0 reads as 0.0
    if signed and not text.startswith("-") and any(ch in "123456789" for ch in text):
        text = "+" + text
    return text


def fmt_ci(metric: str, m: dict | None, signed: bool = False) -> str:
    if not m:
        return ""
    lo, hi = (m.get("ci95") or [None, None])[:2]
    if lo is None or hi is None:
        return ""
    if lo == hi:
        return "exact"
    return f"[{fmt_metric(metric, lo, signed)}, {fmt_metric(metric, hi, signed)}]"


def esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def mpl_text(text: str) -> str:
    """``text`` safe for matplotlib: ``$`` escaped so it is never read as mathematics."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$") if "$" in str(text) else \
        str(text)


def _wrap(text: str, width: int, lines: int | None = None) -> str:
    out = textwrap.wrap(text, max(width, 4), break_long_words=True) or [""]
    if lines is not None and len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: max(width - 1, 1)].rstrip() + "…"
    return "\n".join(out)


# --------------------------------------------------------------------------- charts

PERSONA_COLORS = ("#3b6ea8", "#e07b39", "#4d9a5b", "#8a63b8", "#a0522d", "#d1679e",
                  "#5f7f8f", "#b5a33a", "#3aa8b5")
OVERALL_COLOR = "#222222"
NEGATIVE, POSITIVE, NEUTRAL = "#c0392b", "#2e7d32", "#7f8c8d"
NEGATIVE_FILL, POSITIVE_FILL, NEUTRAL_FILL = "#fbe3e1", "#e0f2e3", "#eceff1"
BAND_COLORS = {"detractor": "#d9534f", "passive": "#b0b7bf", "promoter": "#3c9d5d",
               "top": "#3c9d5d", "rest": "#b0b7bf"}

RC = {
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


def persona_name(model: ir.Model, name: str) -> str:
    for p in model.personas:
        if p.name == name:
            return display(p)
    return name


def mot_rows(data: ReportData) -> list[dict]:
    """The moments-of-truth rows with plain numbers (None where undefined)."""
    out = []
    for r in (data.mot or {}).get("events", []):
        out.append({"name": r.get("name"), "stage": r.get("stage", ""),
                    **{k: num(r.get(k)) for k in ("contribution", "if_never", "if_always",
                                                  "leverage")}})
    return out


def _journey_chart(data: ReportData) -> Chart:
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    model, result = data.model, data.result
    lo, hi = model.scale
    S = len(model.stages)
    xs = list(range(S))
    metric = data.metric
    contrib = {r["name"]: r["contribution"] for r in mot_rows(data)}
    rates = {e["name"]: e["rate"] for e in result.get("events", [])}
    sizes = {}
    for e in model.events:
        c = contrib.get(e.name)
        sizes[e.name] = abs(c) if c is not None else abs(
            mean_impact(model, e) * (rates.get(e.name) or 0.0))
    biggest = max(sizes.values(), default=0.0) or 1.0

    # geometry, in inches: stage columns of equal width; cards laid out in inch units
    left, right = 0.85, 0.35
    width = min(max(2.5 * S + left + right, 8.0), 17.0)
    col_w = (width - left - right) / S
    card_w = col_w * 0.9
    title_chars = max(int(card_w * 13.5), 8)   # bold 8 pt
    detail_chars = max(int(card_w * 17), 8)    # 7 pt
    line_title, line_detail = 0.145, 0.125
    cards = []  # (event, title, detail, height)
    for e in model.events:
        title = _wrap(mpl_text(display(e)), title_chars, 3)
        detail = _wrap(mpl_text(f"p {_p_text(model, e)} · impact {_impact_text(model, e)}"),
                       detail_chars, 3)
        grow = 0.5 * sizes[e.name] / biggest
        h = (0.08 + line_title * (title.count("\n") + 1) + 0.03 +
             line_detail * (detail.count("\n") + 1) + 0.2 + grow)
        cards.append((e, title, detail, h))
    gap = 0.12
    column_h = {s.name: sum(h + gap for e, *_, h in cards if e.stage == s.name)
                for s in model.stages}
    panel_h = max(max(column_h.values(), default=0.0) + 0.08, 0.5)
    stage_labels = []
    for s in model.stages:
        text = _wrap(mpl_text(display(s)), max(int(col_w * 11), 8), 2)
        if s.name == model.goal:
            text += "\n◆ goal"
        stage_labels.append(text)
    label_h = 0.2 + 0.18 * max(t.count("\n") + 1 for t in stage_labels)
    title_h, curve_h, bottom = 0.78, 2.7, 0.12
    height = title_h + label_h + curve_h + 0.15 + panel_h + bottom
    fig = Figure(figsize=(width, height))

    def axes(y0, h):
        return fig.add_axes((left / width, y0 / height, (width - left - right) / width,
                             h / height))

    panel = axes(bottom, panel_h)
    ax = axes(bottom + panel_h + 0.15, curve_h)
    fig.text(left / width, 1 - 0.28 / height, mpl_text(
        f"Journey map — {model.title or os.path.basename(data.path or 'journey')}"),
        fontsize=12,
        fontweight="bold", va="center")

    # the emotion curves
    curves = []
    for i, p in enumerate(model.personas):
        rows = (data.persona_stages or {}).get(p.name)
        if rows:
            curves.append((display(p), [r["mean_score"] for r in rows],
                           PERSONA_COLORS[i % len(PERSONA_COLORS)], 2.0, "-"))
    overall = [s.get("mean_score") for s in result.get("stages", [])]
    if len(model.personas) > 1 or not curves:
        curves.append(("All customers", overall, OVERALL_COLOR, 2.4, "--"))
    values = [y for _, ys, *_ in curves for y in ys if y is not None]
    if values:
        vlo, vhi = min(values), max(values)
        pad = max(0.6, 0.3 * (vhi - vlo))
        ylo, yhi = max(lo, vlo - pad), min(hi, vhi + pad)
        if yhi - ylo < 1.0:
            ylo, yhi = max(lo, min(ylo, yhi - 1.0)), min(hi, max(yhi, ylo + 1.0))
    else:
        ylo, yhi = lo, hi
    for a in (ax, panel):
        for i in xs:
            a.axvspan(i - 0.5, i + 0.5, color="#eef2f7" if i % 2 == 0 else "#f8fafc",
                      zorder=0, lw=0)
        a.set_xlim(-0.5, S - 0.5)
    ax.set_ylim(ylo, yhi)
    ax.set_ylabel(f"mean score (scale {lo}..{hi})")
    ax.grid(axis="y", color="#d5dbe3", lw=0.6)
    ax.set_axisbelow(True)
    ax.xaxis.set_ticks_position("top")
    ax.set_xticks(xs)
    ax.set_xticklabels(stage_labels, fontweight="bold")
    ax.tick_params(axis="x", length=0, pad=5)
    ax.spines["bottom"].set_visible(False)
    for name, ys, color, lw, style in curves:
        pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
        if pts:
            ax.plot([x for x, _ in pts], [y for _, y in pts], style, color=color, lw=lw,
                    marker="o", ms=6, label=mpl_text(name), zorder=3)
    # values: above the highest curve and below the lowest at each stage
    for x in xs:
        at = [(ys[x], color) for _, ys, color, *_ in curves if x < len(ys) and
              ys[x] is not None]
        if not at:
            continue
        at.sort()
        marks = [(at[-1], 8)] + ([(at[0], -13)] if len(at) > 1 else [])
        for (y, color), dy in marks:
            ax.annotate(f"{y:.2f}", (x, y), textcoords="offset points", xytext=(0, dy),
                        ha="center", fontsize=8, color=color, fontweight="bold")
    if curves:
        fig.legend(*ax.get_legend_handles_labels(), loc="center left", fontsize=8.5,
                   ncol=min(len(curves), 5), borderaxespad=0, handlelength=2.6,
                   bbox_to_anchor=(left / width, 1 - 0.6 / height))

    # the cards
    panel.set_ylim(-panel_h, 0)
    panel.axis("off")
    boxes = {}
    unit = card_w / col_w  # card width in column units
    for x, stage in zip(xs, model.stages):
        y = -0.08
        mine = [c for c in cards if c[0].stage == stage.name]
        if not mine:
            panel.text(x, -0.25, "no moments of truth", ha="center", va="center",
                       fontsize=8, color="#888888", style="italic")
        for e, title, detail, h in mine:
            s = event_sign(model, e)
            fill, edge = ((NEGATIVE_FILL, NEGATIVE) if s < 0 else
                          (POSITIVE_FILL, POSITIVE) if s > 0 else (NEUTRAL_FILL, NEUTRAL))
            strength = sizes[e.name] / biggest
            panel.add_patch(FancyBboxPatch(
                (x - unit / 2, y - h), unit, h, boxstyle="round,pad=0,rounding_size=0.04",
                fc=fill, ec=edge, lw=0.8 + 1.6 * strength, zorder=2))
            tx = x - unit / 2 + 0.06 / col_w
            panel.text(tx, y - 0.07, title, ha="left", va="top", fontsize=8,
                       fontweight="bold", color="#1f2933", zorder=3, linespacing=1.15)
            ty = y - 0.07 - line_title * (title.count("\n") + 1) - 0.03
            panel.text(tx, ty, detail, ha="left", va="top", fontsize=7, color="#3e4c59",
                       zorder=3, linespacing=1.15)
            c = contrib.get(e.name)
            what = (f"{METRIC_LABELS[metric]} {fmt_metric(metric, c, True)}" if c is not None
                    else f"happens to {fmt_pct(rates.get(e.name) or 0.0)}")
            panel.text(tx, y - h + 0.07, what, ha="left", va="bottom",
                       fontsize=7.5 + 2.5 * strength, fontweight="bold", color=edge, zorder=3)
            boxes[e.name] = (x, y, h)
            y -= h + gap
    bracket: dict[int, int] = {}
    for dep in dependencies(model):
        if dep.source not in boxes or dep.target not in boxes:
            continue
        sx, sy, sh = boxes[dep.source]
        tx, ty, th = boxes[dep.target]
        color = (POSITIVE if dep.kind == "recovery" else
                 NEGATIVE if dep.kind == "compounding" else NEUTRAL)
        if sx == tx:  # within a stage: a bracket along the cards' right edge
            start, end = (sx + unit / 2, sy - sh / 2), (tx + unit / 2, ty - th / 2)
            arm = 5 + 4 * (bracket.get(sx, 0) % 3)
            bracket[sx] = bracket.get(sx, 0) + 1
            style = f"bar,armA={-arm},armB={-arm},fraction=0"  # to the right, going down
        else:
            start, end = (sx + unit / 2, sy - sh / 2), (tx - unit / 2, ty - th / 2)
            style = f"arc3,rad={0.15 if ty <= sy else -0.15}"
        panel.add_patch(FancyArrowPatch(start, end, connectionstyle=style,
                                        arrowstyle="-|>", mutation_scale=12, lw=1.5,
                                        color=color, ls=(0, (3, 2)) if dep.negated else "-",
                                        zorder=4, clip_on=False))

    # text alternative and data
    curve_text = "; ".join(
        f"{name}: " + ", ".join("—" if y is None else f"{y:.2f}" for y in ys)
        for name, ys, *_ in curves)
    verbs = {"recovery": "recovers from", "compounding": "compounds"}
    links = [f"{d.target} {verbs.get(d.kind, 'depends on')} {d.source}"
             for d in dependencies(model)]
    alt = (f"Journey map of {S} stage{'s' if S != 1 else ''} "
           f"({', '.join(display(s) for s in model.stages)}). Mean score at the end of "
           f"each stage — {curve_text}. {len(model.events)} moment"
           f"{'s' if len(model.events) != 1 else ''} of truth as cards in their stage, red "
           "for a negative impact, green for a positive one, larger for a larger "
           f"contribution to {METRIC_WORDS[metric]}"
           + (f"; links: {'; '.join(links)}" if links else "") + ".")
    table = [["stage", "event", "p", "impact", "condition", "happened to",
              f"contribution ({METRIC_LABELS[metric]})"]]
    for e in model.events:
        c = contrib.get(e.name)
        table.append([e.stage, display(e), _p_text(model, e), _impact_text(model, e),
                      ir.cond_text(e.when) if e.when is not None else "",
                      fmt_pct(rates[e.name]) if rates.get(e.name) is not None else "—",
                      fmt_metric(metric, c, True) if c is not None else "—"])
    return Chart("journey-map", "Journey map", alt, fig, table)


def _p_text(model, e) -> str:
    vals = {fmt_pct(p) for p in e.p}
    return vals.pop() if len(vals) == 1 else " / ".join(
        f"{p.name} {fmt_pct(v)}" for p, v in zip(model.personas, e.p))


def _impact_text(model, e) -> str:
    vals = {dist_text(d, True) for d in e.impact}
    return vals.pop() if len(vals) == 1 else " / ".join(
        f"{p.name} {dist_text(d, True)}" for p, d in zip(model.personas, e.impact))


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
    from matplotlib.figure import Figure

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
    ax.set_xticklabels([_wrap(mpl_text(display(s)), 16, 2) +
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
        table.append([display(stage)] + [_pct_or_dash(rows[s].get("reached"))
                                         for *_, rows in groups] +
                     [("—" if last else _pct_or_dash(rows[s].get("advanced")))
                      for *_, rows in groups])
    conv = ", ".join(f"{name} {_pct_or_dash(rows[model.goal_index].get('reached'))}"
                     for _, name, _, rows in groups)
    alt = (f"Funnel of {S} stage{'s' if S != 1 else ''}: the share of customers who "
           f"reached each stage, per persona. Reached the goal stage "
           f"{display(model.stages[model.goal_index])}: {conv}.")
    return Chart("funnel", "Funnel per persona", alt, fig, table)


def _pct_or_dash(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _bands(model: ir.Model) -> list[tuple[str, str, int, int]]:
    """(key, legend label, first score, last score) of the colour bands."""
    lo, hi = model.scale
    if model.has_nps:
        return [("detractor", "detractors (0–6)", 0, 6), ("passive", "passives (7–8)", 7, 8),
                ("promoter", "promoters (9–10)", 9, 10)]
    return [("rest", f"other scores ({lo}–{hi - 2})", lo, hi - 2),
            ("top", f"top-two-box ({hi - 1}–{hi})", hi - 1, hi)]


def _distribution_chart(data: ReportData) -> Chart:
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

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
    table = [["persona", METRIC_LABELS[headline], "95% interval"] +
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
        ax.set_title(_wrap(mpl_text(name), 34, 1) + f"\n{METRIC_LABELS[headline]} "
                     f"{fmt_metric(headline, value)} {fmt_ci(headline, m)}", loc="left",
                     fontsize=9.5)
        ax.set_xticks(scores if K <= 11 else scores[:: math.ceil(K / 11)])
        ax.set_xlim(lo - 0.6, hi + 0.6)
        ax.set_ylabel("% of customers", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", color="#e3e3e3", lw=0.6)
        ax.set_axisbelow(True)
        if all(v is None for v in dist):
            ax.text(0.5, 0.5, "no customers", transform=ax.transAxes, ha="center",
                    color="#888888")
        table.append([name, fmt_metric(headline, value), fmt_ci(headline, m)] +
                     [_pct_or_dash(v) for v in dist])
        alt_parts.append(f"{name}: {METRIC_LABELS[headline]} {fmt_metric(headline, value)}")
    fig.legend(handles=[Patch(color=BAND_COLORS[k], label=label) for k, label, *_ in bands],
               loc="lower center", ncol=len(bands), fontsize=8.5)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    what = ("NPS bands: detractors score 0 to 6, passives 7 and 8, promoters 9 and 10"
            if model.has_nps else
            f"CSAT counts the top two boxes, {hi - 1} and {hi}, of the {lo}..{hi} scale")
    alt = (f"Distribution of the final score from {lo} to {hi}, per persona ({what}). "
           + "; ".join(alt_parts) + ".")
    title = ("Score distribution with the NPS bands" if model.has_nps else
             "Score distribution with CSAT's top-two-box")
    return Chart("distribution", title, alt, fig, table)


def _tornado_chart(data: ReportData, top: int = 15) -> Chart | None:
    from matplotlib.figure import Figure

    model = data.model
    rows = [r for r in mot_rows(data)
            if r["if_never"] is not None and r["if_always"] is not None]
    if not rows:
        return None
    metric = (data.mot or {}).get("metric") or data.metric
    now = _value(data.result["overall"], metric)
    if now is None:
        return None
    rows = sorted(rows, key=lambda r: -abs(r["contribution"] or 0.0))[:top]
    rows = rows[::-1]  # largest at the top
    labels = []
    for r in rows:
        try:
            e = model.event(r["name"])
            labels.append(_wrap(mpl_text(display(e)), 38, 2))
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
            ax.annotate(fmt_metric(metric, v, True), (v, y), textcoords="offset points",
                        xytext=(4 if v >= 0 else -4, 0), ha="left" if v >= 0 else "right",
                        va="center", fontsize=7, color="#444444")
    ax.set_xlabel(f"change in {METRIC_WORDS[metric]} against the forecast "
                  f"({fmt_metric(metric, now)})")
    ax.set_title("Moments of truth: what each event can do to "
                 f"{METRIC_WORDS[metric]}", loc="left")
    ax.grid(axis="x", color="#e3e3e3", lw=0.6)
    ax.set_axisbelow(True)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8.5)
    fig.tight_layout(rect=(0, 0.4 / (0.5 * len(rows) + 1.9), 1, 1))
    table = [["event", "stage", f"contribution ({METRIC_LABELS[metric]})", "if never",
              "if always", "per 10 points of p"]]
    for r in reversed(rows):
        table.append([r["name"], r["stage"], fmt_metric(metric, r["contribution"], True),
                      fmt_metric(metric, r["if_never"]), fmt_metric(metric, r["if_always"]),
                      fmt_metric(metric, r["leverage"], True)])
    first = rows[-1]
    alt = (f"Tornado chart of {len(rows)} moment{'s' if len(rows) != 1 else ''} of truth, "
           f"ranked by contribution to {METRIC_WORDS[metric]} "
           f"(forecast {fmt_metric(metric, now)}). The largest is {first['name']}: "
           f"{METRIC_LABELS[metric]} would be {fmt_metric(metric, first['if_never'])} if it "
           f"never happened and {fmt_metric(metric, first['if_always'])} if it always did.")
    return Chart("tornado", "Moments of truth", alt, fig, table)


def _scenario_chart(data: ReportData) -> Chart | None:
    from matplotlib.figure import Figure

    doc = data.compare or {}
    scenarios = doc.get("scenarios") or []
    if not scenarios:
        return None
    metric = data.metric
    base = _value(data.result["overall"], metric)
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
        labels.append(_wrap(mpl_text(label), 40, 2))
    ax.barh(ys, deltas, 0.6, color=colors, alpha=0.85, xerr=errs,
            error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1})
    ax.axvline(0, color="#333333", lw=1)
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=8.5)
    span = max([abs(v) + max(a, b) for v, a, b in zip(deltas, *errs)] + [1e-9])
    ax.set_xlim(-span * 1.5, span * 1.5)
    for y, v, r in zip(ys, deltas, rows):
        note = fmt_metric(metric, v, True)
        if r.get("cost") is not None:
            note += f"   cost {r['cost']:,.0f}"
        ax.annotate(note, (v, y), textcoords="offset points",
                    xytext=(6 if v >= 0 else -6, 9), ha="left" if v >= 0 else "right",
                    va="center", fontsize=7.5, color="#333333")
    has_ci = any(x for x in errs[0] + errs[1])
    ax.set_xlabel(f"change in {METRIC_WORDS[metric]} against the baseline "
                  f"({fmt_metric(metric, base)})" + (", with 95% intervals" if has_ci else ""))
    ax.set_title(f"Scenarios against the baseline: {METRIC_WORDS[metric]}", loc="left")
    ax.grid(axis="x", color="#e3e3e3", lw=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    best = max(scenarios, key=lambda r: ((r.get("delta") or {}).get(metric) or {}).get(
        "value") or 0.0)
    bv = ((best.get("delta") or {}).get(metric) or {}).get("value")
    alt = (f"Bar chart of {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''}: the "
           f"change each makes to {METRIC_WORDS[metric]} against the baseline "
           f"({fmt_metric(metric, base)}). The largest gain is {best['name']} "
           f"({fmt_metric(metric, bv, True)}).")
    return Chart("scenarios", "Scenarios against the baseline", alt, fig, [])


def charts(data: ReportData) -> list[Chart]:
    """The report's figures, in page order (the tornado and the scenarios only when there
    is something to show)."""
    import matplotlib

    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        out = [_journey_chart(data), _funnel_chart(data), _distribution_chart(data)]
        for make in (_tornado_chart, _scenario_chart):
            chart = make(data)
            if chart is not None:
                out.append(chart)
    return out


_SVG_HEAD = re.compile(r"^.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_ID = re.compile(r'\bid="([^"]+)"')


def svg_of(chart: Chart, index: int) -> str:
    """The chart as an inline ``<svg>`` element: no XML prolog, comments or metadata; ids
    prefixed ``c<index>-``; a ``<title>`` and ``<desc>`` for screen readers."""
    import matplotlib

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
    import matplotlib

    out = {}
    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        for chart in chart_list:
            buf = io.BytesIO()
            chart.figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None},
                                 facecolor="white")
            out[f"{chart.key}.png"] = buf.getvalue()
    return out


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
figure { margin: 0; }
svg.chart-svg { max-width: 100%; height: auto; display:block; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
details { margin-top: 8px; font-size: 14px; }
summary { cursor: pointer; color:#2f5f98; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 10px; text-align: left;
         vertical-align: top; overflow-wrap:anywhere; }
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
        from pygments import highlight as pyg_highlight
        from pygments.formatters import HtmlFormatter

        from ..tooling.pygments_lexer import CxjLexer
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


def _table(rows: list[list[str]], numeric_from: int = 1) -> str:
    if not rows:
        return ""
    head = "".join(f"<th scope=\"col\">{esc(h)}</th>" for h in rows[0])
    body = []
    for row in rows[1:]:
        cells = []
        for i, c in enumerate(row):
            cls = ' class="num"' if i >= numeric_from and _looks_numeric(c) else ""
            cells.append(f"<td{cls}>{esc(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>")


_NUMERIC = re.compile(r"^[+\-−]?[\d,.]+%?$|^—$|^\[.*\]$|^exact$")


def _looks_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(str(text)))


def _figure(chart: Chart, index: int, note: str = "") -> str:
    details = ""
    if chart.table and len(chart.table) > 1:
        details = f"<details><summary>Data</summary>{_table(chart.table)}</details>"
    note_html = f'<p class="note">{note}</p>' if note else ""
    return (f'{note_html}<figure id="chart-{esc(chart.key)}" data-chart="{esc(chart.key)}">'
            f"{svg_of(chart, index)}<figcaption>{esc(chart.alt)}</figcaption></figure>"
            f"{details}")


def _kpis(data: ReportData) -> str:
    out = []
    overall = data.result["overall"]
    for metric in ("nps", "csat", "mean", "conversion", "revenue"):
        m = overall.get(metric)
        if m is None:
            continue
        out.append(f'<div class="kpi"><div class="name">{esc(METRIC_LABELS[metric])}</div>'
                   f'<div class="value">{esc(fmt_metric(metric, m.get("value")))}</div>'
                   f'<div class="ci">{esc(fmt_ci(metric, m) or " ")}</div></div>')
    return f'<div class="kpis">{"".join(out)}</div>'


def _personas_table(data: ReportData) -> str:
    model, result = data.model, data.result
    metrics = [m for m in ("nps", "csat", "mean", "conversion", "revenue")
               if m in result["overall"]]
    rows = [["persona", "share", "baseline", "value"] + [METRIC_LABELS[m] for m in metrics]]
    for p in model.personas:
        g = result["personas"].get(p.name, {})
        rows.append([f"{display(p)} ({p.name})" if p.label else p.name, fmt_pct(p.share),
                     dist_text(p.baseline), f"{p.value:,.0f}"] +
                    [fmt_metric(m, _value(g, m)) for m in metrics])
    return _table(rows)


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
        metric = t["target"].split()[0]
        met = t.get("met")
        mark = ('<span class="met">✓ met</span>' if met else
                '<span class="missed">✗ missed</span>')
        body.append(f"<tr><td><code>{esc(t['target'])}</code></td>"
                    f'<td class="num">{esc(fmt_metric(metric, t.get("value")))}</td>'
                    f"<td>{mark}</td></tr>")
    return (summary + '<div class="scroll"><table><thead><tr><th scope="col">target</th>'
            '<th scope="col">forecast</th><th scope="col">status</th></tr></thead><tbody>'
            + "".join(body) + "</tbody></table></div>")


def _scenario_table(data: ReportData) -> str:
    doc = data.compare or {}
    scenarios = doc.get("scenarios") or []
    metrics = [m for m in ("nps", "csat", "mean", "conversion", "revenue")
               if m in data.result["overall"]]
    rows = [["scenario", "cost"] + [f"{METRIC_LABELS[m]} (change)" for m in metrics]
            + (["return on cost"] if any(s.get("roi") is not None for s in scenarios)
               else [])]
    base = ["baseline", "—"] + [fmt_metric(m, _value(data.result["overall"], m))
                                for m in metrics]
    rows.append(base + ([""] if len(rows[0]) > len(base) else []))
    for s in scenarios:
        cells = [s["name"] + (f" — {s['label']}" if s.get("label") else ""),
                 "—" if s.get("cost") is None else f"{s['cost']:,.0f}"]
        for m in metrics:
            v = _value(s.get("overall", {}), m)
            d = (s.get("delta") or {}).get(m) or {}
            ci = fmt_ci(m, d, signed=True)
            cells.append(f"{fmt_metric(m, v)} ({fmt_metric(m, d.get('value'), True)}"
                         f"{' ' + ci if ci and ci != 'exact' else ''})")
        if len(rows[0]) > len(cells):
            cells.append(_roi_text(s.get("roi"), data.metric))
        rows.append(cells)
    return _table(rows)


def _roi_text(roi, metric: str) -> str:
    """A scenario's return on its cost: the net revenue change over the run's customers,
    and the headline metric's change per 10,000 of cost."""
    if roi is None:
        return "—"
    if not isinstance(roi, dict):
        return str(roi)
    parts = []
    net = num(roi.get("net"))
    if net is not None:
        parts.append(f"net revenue {net:+,.0f} over {roi.get('customers', 0):,} customers")
    per = num(roi.get("per_10k_cost"))
    m = roi.get("metric", metric)
    if per is not None:
        parts.append(f"{METRIC_LABELS.get(m, m)} {fmt_metric(m, per, True)} per 10,000 of cost")
    return "; ".join(parts) or "—"


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
    return _table(rows, numeric_from=99)


def render(data: ReportData, chart_list: list[Chart] | None = None) -> str:
    """The report as one HTML document (a str). ``chart_list`` defaults to
    :func:`charts` of ``data``."""
    model = data.model
    if chart_list is None:
        chart_list = charts(data)
    by_key = {c.key: (i, c) for i, c in enumerate(chart_list)}
    title = model.title or (os.path.basename(data.path) if data.path else "Journey")
    man = data.result.get("manifest") or {}
    if man.get("engine") == "exact":
        how = "exact engine (no sampling)"
    else:
        customers = man.get("customers")
        how = (f"{customers:,} simulated customers, seed {man.get('seed')}"
               if isinstance(customers, int) else "simulated")
    scen = f" · scenario {man['scenario']}" if man.get("scenario") else ""
    where = f"{data.path} · " if data.path else ""
    sub = f"{where}{how}{scen} · cxdsl {man.get('cxdsl', __version__)}"

    sections = []

    def section(key: str, heading: str, body: str) -> None:
        sections.append((key, heading,
                         f'<section id="{key}" aria-labelledby="{key}-h">'
                         f'<h2 id="{key}-h">{esc(heading)}</h2>{body}</section>'))

    def fig(key: str, note: str = "") -> str:
        i, c = by_key[key]
        return _figure(c, i, note)

    section("overview", "Forecast", _kpis(data) + _personas_table(data))
    if "journey-map" in by_key:
        section("journey", "Journey map", fig(
            "journey-map", "Stages left to right. The lines are each persona's mean score at "
            "the end of each stage (the emotion curve); the cards are the moments of truth "
            "of each stage — red hurts the score, green helps, a bigger card contributes "
            "more — and the arrows lead from an event to the recoveries (green) and "
            "compounding events (red) that depend on it."))
    if "funnel" in by_key:
        section("funnel", "Funnel", fig("funnel"))
    if "distribution" in by_key:
        note = ("NPS = % promoters (9–10) − % detractors (0–6)." if model.has_nps else
                f"On a {model.scale[0]}..{model.scale[1]} scale there is no NPS: CSAT is "
                f"the share of customers who score {model.scale[1] - 1} or "
                f"{model.scale[1]} (top-two-box).")
        section("distribution", "Score distribution", fig("distribution", esc(note)))
    if "tornado" in by_key:
        section("mot", "Moments of truth", fig(
            "tornado", "For each event: the metric if it never happened (p = 0%) and if it "
            "always happened (p = 100%), against the forecast. Ranked by contribution, "
            "what the event changes as it stands."))
    elif not model.events:
        section("mot", "Moments of truth", '<p class="note">The journey has no events.</p>')
    if data.compare is not None and data.compare.get("scenarios"):
        body = fig("scenarios") if "scenarios" in by_key else ""
        body += _scenario_table(data)
        section("scenarios", "Scenarios", body)
    elif model.scenarios:
        section("scenarios", "Scenarios",
                '<p class="note">No scenario was compared in this report.</p>')
    else:
        section("scenarios", "Scenarios", '<p class="note">The spec defines no scenarios.</p>')
    section("targets", "Targets", _targets(data))
    if data.source is not None:
        code, css = highlight(data.source)
        sections.append(("source", "Spec", f'<section id="source" aria-labelledby="source-h">'
                         f'<h2 id="source-h">Spec</h2><style>{css}</style>'
                         f'<div class="source">{code}</div></section>'))
    section("manifest", "Manifest", _manifest(data))
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
        + "\n<footer>Made by cxdsl report. The intervals are 95% confidence intervals of "
        "the simulation.</footer>\n</main>\n</body>\n</html>\n")


__all__ = ["ReportData", "Chart", "collect", "charts", "render", "svg_of", "pngs",
           "persona_stages_of", "highlight", "fmt_metric"]
