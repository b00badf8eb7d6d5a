"""The report's "Observed against predicted" section (``cxdsl report FILE --data DATA``):
each survey's observed answers against the spec's forecast, the observed funnel against the
forecast's, and the fit's table of spec values against the values the data give, with a
flag where the spec's value lies outside the fitted 95% interval.

    obs = observe(model, table, fit)       # from cxdsl.data: a table and its fit
    chart_list += observed_charts(obs, data)
    html = render(data, chart_list, observed=obs)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...data.fit import Fit
from ...data.table import NO_ANSWER, UNKNOWN, RespondentTable
from ...model import ir
from ..export import display
from ..numbers import fmt_share
from .data import ReportData
from .style import OVERALL_COLOR, PERSONA_COLORS, Chart, esc, mpl_text, wrap_text
from .tables import html_table

#: The keys of the section's charts.
ANSWERS, FUNNEL = "observed-answers", "observed-funnel"


@dataclass
class Observed:
    """What a respondent table shows. ``surveys``: (name, respondents, shares of LO..HI);
    ``funnel``: (stage, rows with a known reached stage, share of them that reached it);
    ``fit``: the table's fit."""

    source: str
    rows: int
    surveys: list[tuple[str, int, list[float]]]
    funnel: list[tuple[str, int, float | None]]
    fit: Fit


def observe(model: ir.Model, table: RespondentTable, fit: Fit) -> Observed:
    lo, hi = model.scale
    use = ~table.inconsistent if table.inconsistent.size == table.rows else \
        np.ones(table.rows, dtype=bool)
    surveys = []
    for sv in model.all_surveys:
        if sv.name not in table.surveys:
            continue
        ans = table.answer[:, table.surveys.index(sv.name)]
        ok = use & (ans != NO_ANSWER) & (ans >= lo) & (ans <= hi)
        counts = np.bincount(ans[ok] - lo, minlength=hi - lo + 1)
        n = int(counts.sum())
        surveys.append((sv.name, n, (counts / n).tolist() if n else [0.0] * counts.size))
    known = use & (table.reached != UNKNOWN)
    n = int(known.sum())
    funnel = [(s.name, n, float((table.reached[known] >= i).mean()) if n else None)
              for i, s in enumerate(model.stages)]
    return Observed(table.source, table.rows, surveys, funnel, fit)


def _answers_chart(obs: Observed, data: ReportData) -> Chart | None:
    from matplotlib.figure import Figure  # lazy: matplotlib, see charts.py

    model = data.model
    lo, hi = model.scale
    docs = data.result.get("surveys") or {}
    shown = [(name, n, dist) for name, n, dist in obs.surveys if name in docs and n]
    if not shown:
        return None
    cols = min(len(shown), 2)
    rows = math.ceil(len(shown) / cols)
    fig = Figure(figsize=(6.2 * cols, 3.0 * rows + 0.4))
    scores = list(range(lo, hi + 1))
    table = [["survey", "respondents", "answer", "observed", "predicted"]]
    alt = []
    for i, (name, n, dist) in enumerate(shown):
        ax = fig.add_subplot(rows, cols, i + 1)
        pred = [x or 0.0 for x in docs[name]["overall"]["distribution"]]
        ax.bar(scores, [100 * x for x in dist], 0.8, color=PERSONA_COLORS[0], alpha=0.8,
               label="observed")
        ax.plot(scores, [100 * x for x in pred], "o-", color=OVERALL_COLOR, ms=4, lw=1.2,
                label="predicted by the spec")
        ax.set_title(wrap_text(mpl_text(f"{name}: {n:,} respondents"), 40, 1), loc="left",
                     fontsize=9.5)
        ax.set_xticks(scores if len(scores) <= 11 else scores[:: math.ceil(len(scores) / 11)])
        ax.set_ylabel("% of respondents", fontsize=8)
        ax.grid(axis="y", color="#e3e3e3", lw=0.6)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8)
        for r, o, p in zip(scores, dist, pred):
            table.append([name, f"{n:,}", str(r), fmt_share(o), fmt_share(p)])
        gap = max(abs(o - p) for o, p in zip(dist, pred))
        alt.append(f"{name}, {n:,} respondents: observed and predicted shares differ by "
                   f"at most {fmt_share(gap)}")
    fig.tight_layout()
    return Chart(ANSWERS, "Survey answers: observed against predicted",
                 "Each survey's observed answer distribution (bars) against the spec's "
                 "forecast (line). " + "; ".join(alt) + ".", fig, table)


def _funnel_chart(obs: Observed, data: ReportData) -> Chart | None:
    from matplotlib.figure import Figure  # lazy: matplotlib, see charts.py

    stages = data.result.get("stages") or []
    if not obs.funnel or obs.funnel[0][2] is None or len(stages) != len(obs.funnel):
        return None
    fig = Figure(figsize=(min(max(1.6 * len(stages) + 2.5, 7.0), 15.0), 3.6))
    ax = fig.add_subplot()
    xs = np.arange(len(stages))
    seen = [100 * (r[2] or 0.0) for r in obs.funnel]
    pred = [100 * (s.get("reached") or 0.0) for s in stages]
    ax.bar(xs - 0.2, seen, 0.38, color=PERSONA_COLORS[0], alpha=0.8, label="observed")
    ax.bar(xs + 0.2, pred, 0.38, color=OVERALL_COLOR, alpha=0.6, label="predicted by the spec")
    ax.set_xticks(xs)
    ax.set_xticklabels([wrap_text(mpl_text(display(s)), 16, 2) for s in data.model.stages])
    ax.set_ylim(0, 115)
    ax.set_ylabel("reached the stage (%)")
    ax.grid(axis="y", color="#e3e3e3", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(fontsize=8.5, loc="upper right")
    fig.tight_layout()
    table = [["stage", "rows", "observed", "predicted"]] + [
        [display(s), f"{r[1]:,}", fmt_share(r[2]), fmt_share(p / 100)]
        for s, r, p in zip(data.model.stages, obs.funnel, pred)]
    alt = "; ".join(f"{r[0]}: observed {fmt_share(r[2])}, predicted {fmt_share(p / 100)}"
                    for r, p in zip(obs.funnel, pred))
    return Chart(FUNNEL, "Funnel: observed against predicted",
                 f"The share of rows that reached each stage against the forecast. {alt}.",
                 fig, table)


def observed_charts(obs: Observed, data: ReportData) -> list[Chart]:
    """The section's charts (those the data allow)."""
    return [c for c in (_answers_chart(obs, data), _funnel_chart(obs, data)) if c]


def _number(kind: str, x: float | None) -> str:
    if x is None:
        return "—"
    return fmt_share(x) if kind in ("share", "p", "advance") else f"{x:.2f}"


def observed_section(obs: Observed, fig) -> str:
    """The section's HTML; ``fig(key, note)`` renders one of its charts."""
    fit = obs.fit
    note = (f"{esc(obs.source)}: {fit.used:,} of {obs.rows:,} rows used"
            + (f" ({fit.inconsistent:,} inconsistent left out)" if fit.inconsistent else "")
            + ". The predictions are this report's forecast of the spec as written.")
    body = f'<p class="note">{note}</p>'
    for key in (ANSWERS, FUNNEL):
        try:
            body += fig(key)
        except KeyError:
            continue
    rows = [["value", "spec", "fitted", "95% interval", "rows", ""]]
    for v in fit.values:
        ci = "—" if v.ci95 is None else \
            f"{_number(v.kind, v.ci95[0])} … {_number(v.kind, v.ci95[1])}"
        flag = ("spec outside the interval" if v.outside else
                "kept: the data cannot inform it" if not v.informed else "")
        rows.append([v.path, _number(v.kind, v.spec), _number(v.kind, v.fitted), ci,
                     f"{v.rows:,}", flag])
    outside = [v.path for v in fit.values if v.outside]
    body += ('<p class="note">Spec values the data contradict (outside the fitted 95% '
             f"interval): {esc(', '.join(outside))}.</p>" if outside else
             '<p class="note">Every spec value lies inside its fitted 95% interval.</p>')
    return body + f'<div class="scroll">{html_table(rows)}</div>'


__all__ = ["ANSWERS", "FUNNEL", "Observed", "observe", "observed_charts", "observed_section"]
