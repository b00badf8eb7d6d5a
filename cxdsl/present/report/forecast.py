"""The report's forecast section, for a spec with uncertain values: fan charts of the
emotion curve (mean score at the end of each stage) and of the funnel (share who reached
each stage) over the worlds, and a histogram of the headline metric over the worlds.

The bands are percentiles over the worlds (``Result.worlds``): 2.5th to 97.5th (where 95%
of the worlds land, the forecast interval) and 25th to 75th (the middle half); the line is
the mean over the worlds, the figure the forecast reports. :func:`forecast_of` reads them
from a Result into plain lists (what :class:`~.data.ReportData` keeps), so a report can be
rendered without the worlds' Results.
"""

from __future__ import annotations

import numpy as np

from ...sim.forecast import percentiles
from ..export import display
from ..numbers import METRIC_WORDS, REPORT_LABELS, fmt_report_metric, fmt_share
from .style import OVERALL_COLOR, PERSONA_COLORS, Chart, esc, mpl_text, wrap_text

#: The bands of the fan charts: (low, high percentile, opacity).
BANDS = ((2.5, 97.5, 0.18), (25.0, 75.0, 0.32))


def forecast_of(result) -> dict | None:
    """The worlds' figures a report draws, from a forecast :class:`Result` (None for a
    plain run): ``{"worlds": W, "metric": headline, "values": [W], "mean_score": [W][S],
    "reached": [W][S], "noise": Result.noise}`` (None where a world has no figure)."""
    worlds = getattr(result, "worlds", None)
    if not worlds:
        return None
    metric = result.headline
    return {"worlds": len(worlds), "metric": metric,
            "values": [w.overall.metrics[metric].value for w in worlds],
            "mean_score": [[s.mean_score for s in w.stages] for w in worlds],
            "reached": [[s.reached for s in w.stages] for w in worlds],
            "noise": result.noise}


def _array(rows) -> np.ndarray:
    return np.array([[np.nan if x is None else float(x) for x in row] for row in rows],
                    dtype=np.float64)


def _percentiles(a: np.ndarray, q: float) -> np.ndarray:
    """The q-th percentile of each column over the worlds that have a figure there."""
    out = np.full(a.shape[1], np.nan)
    for s in range(a.shape[1]):
        col = a[:, s][~np.isnan(a[:, s])]
        if len(col):
            out[s] = percentiles(col, (q,))[0]
    return out


def _fan(ax, a: np.ndarray, scale: float, color: str, label: str) -> list[list[str]]:
    """Bands and the mean line of ``a`` [W, S] on ``ax``; the chart's data rows."""
    xs = np.arange(a.shape[1])
    for lo, hi, alpha in BANDS:
        ax.fill_between(xs, _percentiles(a, lo) * scale, _percentiles(a, hi) * scale,
                        color=color, alpha=alpha, lw=0,
                        label=f"{lo:g}th–{hi:g}th percentile of worlds")
    mean = np.array([np.nanmean(c) if np.any(~np.isnan(c)) else np.nan for c in a.T])
    ax.plot(xs, mean * scale, color=color, lw=2, marker="o", ms=4, label=label)
    return [_percentiles(a, q).tolist() for q in (2.5, 25.0, 75.0, 97.5)] + [mean.tolist()]


def fan_chart(data) -> Chart | None:
    """Emotion curve and funnel over the worlds: two panels side by side."""
    from matplotlib.figure import Figure  # lazy: matplotlib, see .charts

    fc = data.forecast
    if not fc:
        return None
    model = data.model
    S = len(model.stages)
    names = [wrap_text(mpl_text(display(s)), 14, 2) + ("\n◆ goal" if s.name == model.goal
                                                       else "") for s in model.stages]
    fig = Figure(figsize=(min(max(3.0 * S, 9.0), 15.0), 3.9))
    emo, fun = fig.subplots(1, 2)
    scores = _fan(emo, _array(fc["mean_score"]), 1.0, PERSONA_COLORS[0],
                  "mean over the worlds")
    lo, hi = model.scale
    band = _array(fc["mean_score"])
    if np.any(~np.isnan(band)):  # the bands' own range, a point of margin, on the scale
        emo.set_ylim(max(lo, np.nanmin(band) - 1.0), min(hi, np.nanmax(band) + 1.0))
    else:
        emo.set_ylim(lo, hi)
    emo.set_ylabel(f"mean score at the end of the stage ({lo}..{hi})")
    emo.set_title("Emotion curve over the worlds", loc="left")
    reached = _fan(fun, _array(fc["reached"]), 100.0, OVERALL_COLOR, "mean over the worlds")
    fun.set_ylim(0, 105)
    fun.set_ylabel("reached the stage (% of customers)")
    fun.set_title("Funnel over the worlds", loc="left")
    for ax in (emo, fun):
        ax.set_xticks(range(S))
        ax.set_xticklabels(names, fontsize=8.5)
        ax.grid(axis="y", color="#e3e3e3", lw=0.6)
        ax.set_axisbelow(True)
    fig.legend(*emo.get_legend_handles_labels(), loc="lower center", ncol=3, fontsize=8.5)
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    table = [["stage", "mean score 2.5%", "25%", "75%", "97.5%", "mean",
              "reached 2.5%", "25%", "75%", "97.5%", "mean"]]
    for s, stage in enumerate(model.stages):
        table.append([display(stage)] + [_score(c[s]) for c in scores]
                     + [fmt_share(None if np.isnan(c[s]) else c[s]) for c in reached])
    goal = model.goal_index
    alt = (f"Fan charts over {fc['worlds']} worlds: the mean score at the end of each of "
           f"{S} stage{'s' if S != 1 else ''} and the share of customers who reached it, "
           f"each as the mean over the worlds with bands from the 25th to the 75th and the "
           f"2.5th to the 97.5th percentile. Reached the goal stage in 95% of worlds: "
           f"{fmt_share(reached[0][goal])} to {fmt_share(reached[3][goal])}.")
    return Chart("forecast-fan", "Emotion curve and funnel over the worlds", alt, fig, table)


def _score(x: float) -> str:
    return "—" if x is None or np.isnan(x) else f"{x:.2f}"


def histogram_chart(data) -> Chart | None:
    """The headline metric over the worlds, with its mean and forecast interval."""
    from matplotlib.figure import Figure  # lazy: matplotlib, see .charts

    fc = data.forecast
    if not fc:
        return None
    metric = fc["metric"]
    values = np.array([v for v in fc["values"] if v is not None], dtype=np.float64)
    if not len(values):
        return None
    lo, hi = percentiles(values)
    mean = float(values.mean())
    fig = Figure(figsize=(8.0, 3.4))
    ax = fig.add_subplot()
    bins = min(40, max(8, int(np.sqrt(len(values)) * 2)))
    ax.hist(values, bins=bins, color=PERSONA_COLORS[0], alpha=0.8)
    ax.axvspan(lo, hi, color="#f0a35e", alpha=0.15, lw=0,
               label=f"forecast: 95% of worlds, {fmt_report_metric(metric, lo)} to "
                     f"{fmt_report_metric(metric, hi)}")
    ax.axvline(mean, color=OVERALL_COLOR, lw=1.5,
               label=f"mean over the worlds, {fmt_report_metric(metric, mean)}")
    ax.set_xlabel(f"{METRIC_WORDS[metric]} in a world")
    ax.set_ylabel("worlds")
    ax.set_title(f"{REPORT_LABELS[metric]} over {len(values)} worlds", loc="left")
    ax.legend(fontsize=8.5, loc="upper left")
    ax.grid(axis="y", color="#e3e3e3", lw=0.6)
    ax.set_axisbelow(True)
    fig.tight_layout()
    table = [["figure", REPORT_LABELS[metric]], ["mean over the worlds",
                                                 fmt_report_metric(metric, mean)]]
    for q in (2.5, 25, 50, 75, 97.5):
        table.append([f"{q:g}th percentile", fmt_report_metric(metric,
                                                               percentiles(values, (q,))[0])])
    alt = (f"Histogram of {METRIC_WORDS[metric]} in each of {len(values)} worlds: mean "
           f"{fmt_report_metric(metric, mean)}, 95% of the worlds from "
           f"{fmt_report_metric(metric, lo)} to {fmt_report_metric(metric, hi)}.")
    return Chart("forecast-histogram", f"{REPORT_LABELS[metric]} over the worlds", alt, fig,
                 table)


def forecast_charts(data) -> list[Chart]:
    """The forecast's charts (none for a plain run)."""
    return [c for c in (histogram_chart(data), fan_chart(data)) if c is not None]


def forecast_section(data, fig) -> str | None:
    """The forecast section's HTML (None for a plain run); ``fig(key, note)`` places a
    chart."""
    fc = data.forecast
    if not fc:
        return None
    metric = fc["metric"]
    m = (data.result.get("overall") or {}).get(metric) or {}
    lo, hi = (m.get("forecast95") or [None, None])[:2]
    ci = m.get("ci95") or [None, None]
    known = ("the exact engine computes each world without sampling noise"
             if ci[0] is not None and ci[0] == ci[1] else
             f"the simulation knows that mean to ±{fmt_report_metric(metric, (ci[1] - ci[0]) / 2)}"
             if None not in ci else "")
    words = (f"The spec declares uncertain values: this forecast ran {fc['worlds']} worlds, "
             f"each one joint draw of them. {REPORT_LABELS[metric]} is "
             f"{fmt_report_metric(metric, m.get('value'))}, the mean over the worlds; 95% of "
             f"the worlds land from {fmt_report_metric(metric, lo)} to "
             f"{fmt_report_metric(metric, hi)} — what {METRIC_WORDS[metric]} will plausibly "
             f"be, given what the spec does not know" + (f"; {known}." if known else "."))
    noise = fc.get("noise") or {}
    if noise.get("noticeable"):
        need = (f" {noise['customers']:,} customers would make it negligible."
                if noise.get("customers") else "")
        words += (f" Simulation noise is {noise['share'] * 100:.0f}% of the spread over the "
                  f"worlds, so the range is wider than the uncertain values alone make it."
                  + need)
    body = f'<p class="note">{esc(words)}</p>'
    body += fig("forecast-histogram", esc(
        "Each bar counts the worlds whose headline figure falls in its range; the shaded "
        "span holds 95% of them."))
    body += fig("forecast-fan", esc(
        "The line is the mean over the worlds at each stage; the darker band holds the "
        "middle half of the worlds, the lighter one 95% of them."))
    return body


__all__ = ["forecast_of", "forecast_charts", "forecast_section", "fan_chart",
           "histogram_chart", "BANDS"]
