"""The journey map: stages as columns, each persona's emotion curve across them, and the
events as cards in their stage with arrows between those that depend on each other.
"""

from __future__ import annotations

import os

from ...model import ir
from ..export import dependencies, display, event_sign, mean_impact
from ..numbers import METRIC_WORDS, REPORT_LABELS, fmt_pct, fmt_report_metric
from .data import ReportData, event_rates, mot_rows
from .style import (
    NEGATIVE,
    NEGATIVE_FILL,
    NEUTRAL,
    NEUTRAL_FILL,
    OVERALL_COLOR,
    PERSONA_COLORS,
    POSITIVE,
    POSITIVE_FILL,
    Chart,
    impact_text,
    mpl_text,
    p_text,
    wrap_text,
)


def journey_chart(data: ReportData) -> Chart:
    """The journey map; its layout in inches (stage columns of equal width, cards sized
    to their text and their contribution to the headline metric)."""
    from matplotlib.figure import Figure  # lazy: matplotlib, see cxdsl.present.report.charts

    model, result = data.model, data.result
    lo, hi = model.scale
    S = len(model.stages)
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
        title = wrap_text(mpl_text(display(e)), title_chars, 3)
        detail = wrap_text(mpl_text(f"p {p_text(model, e)} · impact {impact_text(model, e)}"),
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
        text = wrap_text(mpl_text(display(s)), max(int(col_w * 11), 8), 2)
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

    curves, ylim = _emotion_curves(data)
    _draw_curves(fig, ax, panel, curves, ylim, stage_labels, (left, width, height),
                 model.scale)
    unit = card_w / col_w  # card width in column units
    boxes = _draw_cards(panel, data, cards, sizes, (unit, col_w, panel_h, line_title, gap))
    _draw_links(panel, model, boxes, unit)
    alt, table = _text_alternative(data, curves, contrib, rates)
    return Chart("journey-map", "Journey map", alt, fig, table)


def _emotion_curves(data: ReportData) -> tuple[list[tuple], tuple[float, float]]:
    """The curves, each (name, mean score per stage, colour, line width, line style),
    and the score range the chart shows."""
    model, result = data.model, data.result
    lo, hi = model.scale
    curves = []
    for i, p in enumerate(model.personas):
        rows = (data.persona_stages or {}).get(p.name)
        if rows:
            curves.append((display(p), [r["mean_score"] for r in rows],
                           PERSONA_COLORS[i % len(PERSONA_COLORS)], 2.0, "-"))
    overall = [s.get("mean_score") for s in result.get("stages", [])]
    if len(model.personas) > 1 or not curves:
        # wider than the personas' lines and drawn beneath them: where a persona's curve
        # is the population's, both show
        curves.append(("All customers", overall, OVERALL_COLOR, 4.0, "--"))
    values = [y for _, ys, *_ in curves for y in ys if y is not None]
    if values:
        vlo, vhi = min(values), max(values)
        pad = max(0.6, 0.3 * (vhi - vlo))
        ylo, yhi = max(lo, vlo - pad), min(hi, vhi + pad)
        if yhi - ylo < 1.0:
            ylo, yhi = max(lo, min(ylo, yhi - 1.0)), min(hi, max(yhi, ylo + 1.0))
    else:
        ylo, yhi = lo, hi
    return curves, (ylo, yhi)


def _draw_curves(fig, ax, panel, curves, ylim, stage_labels, frame, scale) -> None:
    """The stage columns, the emotion curves with their values and the legend;
    ``frame``: (left margin, figure width, figure height) in inches."""
    left, width, height = frame
    ylo, yhi = ylim
    lo, hi = scale
    S = len(stage_labels)
    xs = list(range(S))
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
                    marker="o", ms=8 if style == "--" else 6, label=mpl_text(name),
                    zorder=2 if style == "--" else 3)
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



def _draw_cards(panel, data: ReportData, cards, sizes, geometry) -> dict:
    """The event cards, coloured by the sign of their impact and sized by their
    contribution; ``geometry``: (card width in columns, column width, panel height,
    title line height, gap), in inches. Returns each card's (x, top, height)."""
    from matplotlib.patches import FancyBboxPatch  # lazy: matplotlib, as in journey_chart

    model, metric = data.model, data.metric
    unit, col_w, panel_h, line_title, gap = geometry
    xs = list(range(len(model.stages)))
    contrib = {r["name"]: r["contribution"] for r in mot_rows(data)}
    rates = {e["name"]: e["rate"] for e in data.result.get("events", [])}
    biggest = max(sizes.values(), default=0.0) or 1.0
    panel.set_ylim(-panel_h, 0)
    panel.axis("off")
    boxes = {}
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
            what = (f"{REPORT_LABELS[metric]} {fmt_report_metric(metric, c, True)}" if c is not None
                    else f"happens to {fmt_pct(rates.get(e.name) or 0.0)}")
            panel.text(tx, y - h + 0.07, what, ha="left", va="bottom",
                       fontsize=7.5 + 2.5 * strength, fontweight="bold", color=edge, zorder=3)
            boxes[e.name] = (x, y, h)
            y -= h + gap
    return boxes


def _draw_links(panel, model: ir.Model, boxes: dict, unit: float) -> None:
    """Arrows from an event to the recoveries and compounding events that depend on it."""
    from matplotlib.patches import FancyArrowPatch  # lazy: matplotlib, as in journey_chart

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



def _text_alternative(data: ReportData, curves, contrib: dict, rates: dict
                      ) -> tuple[str, list[list[str]]]:
    """The map's text alternative and its data table."""
    model, metric = data.model, data.metric
    S = len(model.stages)
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
              "of those who reached the stage", f"contribution ({REPORT_LABELS[metric]})"]]
    reached = {e: r for e, (_, r) in event_rates(data.result).items()}
    for e in model.events:
        c = contrib.get(e.name)
        table.append([e.stage, display(e), p_text(model, e), impact_text(model, e),
                      ir.cond_text(e.when) if e.when is not None else "",
                      fmt_pct(rates[e.name]) if rates.get(e.name) is not None else "—",
                      fmt_pct(reached[e.name]) if reached.get(e.name) is not None else "—",
                      fmt_report_metric(metric, c, True) if c is not None else "—"])
    return alt, table
