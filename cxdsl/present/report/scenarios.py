"""The report's scenarios section besides its chart: each scenario's metrics against the
baseline, its money (per period of the spec's volume, or per customer without one) and
every target for the baseline and each scenario, with the variants that meet them all.

For a forecast (a spec with uncertain values: the comparison's manifest has ``worlds``)
each change and money figure shows the range of 95% of the plausible worlds instead of the
simulation's interval, each scenario the share of worlds where it beats the baseline and
where it makes money, and the section names the scenario a risk-neutral decision funds.
"""

from __future__ import annotations

from ..numbers import (
    REPORT_LABELS,
    decimals_for,
    fmt_delta_ci,
    fmt_money,
    fmt_money_ci,
    fmt_payback,
    fmt_report_ci,
    fmt_report_metric,
)
from .data import ReportData, as_metric, metric_value, target_metric
from .style import esc
from .tables import html_table, marked_table

#: What the report says when a spec has no volume (as ``cxdsl compare`` does).
VOLUME_HINT = ("Money is per customer who enters the journey: set the business size to "
               "count it per period, e.g. `volume 40_000 per year`.")


def scenario_name(s: dict) -> str:
    return s["name"] + (f" — {s['label']}" if s.get("label") else "")


def worlds_of(data: ReportData) -> int | None:
    """The worlds of the comparison's forecast, None when it is a plain comparison."""
    return ((data.compare or {}).get("manifest") or {}).get("worlds")


def chance_text(p) -> str:
    """A share of worlds: ``87%``, ``all``, ``none``, ``—`` when unknown."""
    if p is None:
        return "—"
    if p >= 1:
        return "all"
    if p <= 0:
        return "none"
    return f"{p * 100:.0f}%" if 0.01 <= p <= 0.99 else f"{p * 100:.1f}%"


def band_text(metric: str, doc: dict | None, signed: bool = True) -> str:
    """``[lo, hi]`` of a figure's forecast95, empty when it has none."""
    lo, hi = ((doc or {}).get("forecast95") or [None, None])[:2]
    if lo is None or hi is None:
        return ""
    return f"[{fmt_report_metric(metric, lo, signed)}, {fmt_report_metric(metric, hi, signed)}]"


def money_band(doc: dict | None) -> str:
    """A money figure of a forecast: ``+10,300 [+2,100, +19,800]``."""
    m = as_metric(doc)
    if m.value is None:
        return "—"
    lo, hi = ((doc or {}).get("forecast95") or [None, None])[:2]
    half = None if lo is None or hi is None else (hi - lo) / 2
    # a range that is a float's rounding wide is no range: digits for the value alone
    d = decimals_for(0, half if half and half > 1e-9 * max(1.0, abs(m.value)) else None,
                     m.value)
    text = f"{m.value:+,.{d}f}"
    return text if lo is None or hi is None else f"{text} [{lo:+,.{d}f}, {hi:+,.{d}f}]"


def scenario_table(data: ReportData) -> str:
    """Every metric of the baseline and of each scenario, with the change and its paired
    interval."""
    scenarios = (data.compare or {}).get("scenarios") or []
    metrics = [m for m in REPORT_LABELS if m in data.result["overall"]]
    if worlds_of(data):
        return forecast_scenario_table(data, scenarios, metrics)
    rows = [["scenario", "cost"] + [f"{REPORT_LABELS[m]} (change)" for m in metrics]]
    rows.append(["baseline", "—"] + [fmt_report_metric(m, metric_value(data.result["overall"],
                                                                       m))
                                     for m in metrics])
    for s in scenarios:
        cells = [scenario_name(s), "—" if s.get("cost") is None else fmt_money(s["cost"])]
        for m in metrics:
            v = metric_value(s.get("overall", {}), m)
            d = (s.get("delta") or {}).get(m) or {}
            ci = fmt_report_ci(m, d, signed=True)
            cells.append(f"{fmt_report_metric(m, v)} ({fmt_report_metric(m, d.get('value'), True)}"
                         f"{' ' + ci if ci and ci != 'exact' else ''})")
        rows.append(cells)
    return html_table(rows)


def payback_band(doc: dict | None, cost) -> str:
    """A forecast payback: the payback of the expected net, and its range over 95% of the
    worlds (``never`` where the net is not above 0)."""
    if not cost:
        return "—"
    m = as_metric(doc)
    value = "never" if m.value is None else f"{m.value:,.{decimals_for(0, None, m.value)}f}"
    lo, hi = ((doc or {}).get("forecast95") or [None, None])[:2]
    if lo is None and hi is None:
        return value
    ends = ["never" if x is None else f"{x:,.{decimals_for(0, None, x)}f}" for x in (lo, hi)]
    return f"{value} [{ends[0]}, {ends[1]}]"


def forecast_scenario_table(data: ReportData, scenarios: list[dict], metrics: list[str]
                            ) -> str:
    """The scenario table of a forecast: each metric's expected value and change, the
    change's range over 95% of the worlds, and the share of worlds where the scenario's
    headline beats the baseline's."""
    doc = data.compare or {}
    base = (doc.get("baseline") or {}).get("overall") or data.result["overall"]
    headline = REPORT_LABELS[data.metric]
    rows = [["scenario", "cost"] + [f"{REPORT_LABELS[m]} (change [95% of worlds])"
                                    for m in metrics]
            + [f"beats the baseline's {headline} in"]]
    rows.append(["baseline", "—"] + [fmt_report_metric(m, metric_value(base, m))
                                     for m in metrics] + ["—"])
    for s in scenarios:
        cells = [scenario_name(s), "—" if s.get("cost") is None else fmt_money(s["cost"])]
        for m in metrics:
            d = (s.get("delta") or {}).get(m) or {}
            band = band_text(m, d)
            cells.append(f"{fmt_report_metric(m, metric_value(s.get('overall', {}), m))} "
                         f"({fmt_report_metric(m, d.get('value'), True)}"
                         f"{' ' + band if band else ''})")
        cells.append(f"{chance_text(s.get('p_better'))} of the worlds")
        rows.append(cells)
    note = (f'<p class="note">Forecast over {worlds_of(data):,} plausible worlds of the '
            "spec's uncertain values, baseline and scenarios in the same worlds on the "
            "same customers: expected values, and in brackets the range of the change "
            "in 95% of the worlds.</p>")
    return note + html_table(rows)


def forecast_money_table(data: ReportData, scenarios: list[dict], per: str, unit: str,
                         caption: str) -> str:
    """The money of a forecast: expected figures with their range over 95% of the worlds,
    the share of worlds where the net is above 0, and the risk-neutral choice."""
    rows = [["scenario", "cost", f"revenue change {per}", f"net {per}",
             f"payback ({unit})", "makes money in"]]
    for s in scenarios:
        m = s["money"]
        rows.append([scenario_name(s), fmt_money(s.get("cost")),
                     money_band(m.get("revenue_change")), money_band(m.get("net")),
                     payback_band(m.get("payback"), s.get("cost")),
                     f"{chance_text(s.get('p_net_positive'))} of the worlds"])
    decision = (data.compare or {}).get("decision") or {}
    pick = decision.get("pick")
    if pick is None:
        choice = (f"<p>A risk-neutral choice funds <strong>none</strong> of the scenarios: "
                  f"no expected net {esc(per)} is above 0.</p>")
    else:
        choice = (f"<p>A risk-neutral choice (the highest expected net {esc(per)}): "
                  f"<strong>{esc(pick)}</strong>, "
                  f"{esc(money_band({'value': decision.get('expected_net')}))} "
                  f"{esc(per)} expected.</p>")
    return (f'<h3>Money</h3><p class="note">{esc(caption)}</p>' + html_table(rows)
            + choice)


def money_table(data: ReportData) -> str:
    """Each scenario's money: revenue change and net (minus its running cost) per period of
    the spec's volume, payback in periods of its one-off cost and the headline metric's
    change per 10,000 of it, each with its paired interval; per customer who enters, and
    how to set a volume, without one."""
    model = data.model
    scenarios = [s for s in (data.compare or {}).get("scenarios") or []
                 if isinstance(s.get("money"), dict)]
    if not scenarios:
        return ""
    volume = model.volume is not None
    per = f"per {model.period}" if volume else "per customer who enters"
    unit = f"{model.period}s" if volume else "customers"
    exact = ((data.compare or {}).get("manifest") or {}).get("engine") == "exact"
    caption = (f"Money {per}" + (f" (volume {model.volume:,.0f} customers per "
                                 f"{model.period})" if volume else "")
               + ("" if exact else ", with paired 95% intervals") + ".")
    if worlds_of(data):
        caption = caption.replace(", with paired 95% intervals", "")[:-1] + (
            ": expected figures, in brackets their range in 95% of the worlds.")
        hint = "" if volume else f'<p class="note">{esc(VOLUME_HINT)}</p>'
        return forecast_money_table(data, scenarios, per, unit, caption) + hint
    running = any(s.get("running_cost") for s in scenarios)
    metric = data.metric
    rows = [["scenario", "cost", *(["running cost"] if running else []),
             f"revenue change {per}", f"net {per}", f"payback ({unit})",
             f"{REPORT_LABELS[metric]} per 10,000 of cost"]]
    for s in scenarios:
        m = s["money"]
        net = as_metric(m.get("net"))
        rows.append([scenario_name(s), fmt_money(s.get("cost")),
                     *([fmt_money(s.get("running_cost"))] if running else []),
                     fmt_money_ci(as_metric(m.get("revenue_change"))), fmt_money_ci(net),
                     fmt_payback(as_metric(m.get("payback")), net, s.get("cost")),
                     fmt_delta_ci(metric, as_metric(m.get("per_10k_cost")))])
    hint = "" if volume else f'<p class="note">{esc(VOLUME_HINT)}</p>'
    return (f'<h3>Money</h3><p class="note">{esc(caption)}</p>' + html_table(rows) + hint
            + _best_net(scenarios, per))


def _best_net(scenarios: list[dict], per: str) -> str:
    known = [s for s in scenarios if as_metric(s["money"].get("net")).value is not None]
    if not known:
        return ""
    best = max(known, key=lambda s: as_metric(s["money"]["net"]).value)
    return (f'<p>Best net {esc(per)}: <strong>{esc(best["name"])}</strong> '
            f'({esc(fmt_money_ci(as_metric(best["money"]["net"])))}).</p>')


def meeting_targets(data: ReportData) -> list[str]:
    """The variants (``baseline`` and scenario names) that meet every target."""
    doc = data.compare or {}
    variants = [("baseline", (doc.get("baseline") or {}).get("targets") or [])]
    variants += [(s["name"], s.get("targets") or []) for s in doc.get("scenarios") or []]
    return [name for name, targets in variants if all(t.get("met") for t in targets)]


def targets_by_variant(data: ReportData) -> str:
    """Every target, met or missed by the baseline and by each scenario, and the variants
    that meet them all."""
    doc = data.compare or {}
    baseline = (doc.get("baseline") or {}).get("targets") or []
    if not baseline:
        return ""
    scenarios = doc.get("scenarios") or []
    columns = [baseline] + [s.get("targets") or [] for s in scenarios]
    rows = []
    for i, t in enumerate(baseline):
        metric = target_metric(t["target"])
        cells = [f"<td><code>{esc(t['target'])}</code></td>"]
        for targets in columns:
            if i >= len(targets):
                cells.append('<td class="num">—</td>')
                continue
            met = targets[i].get("met")
            value = esc(fmt_report_metric(metric, targets[i].get("value")))
            cells.append(f'<td class="num"><span class="{"met" if met else "missed"}">'
                         f'{"✓" if met else "✗"} {value}</span></td>')
        rows.append(cells)
    meeting = meeting_targets(data)
    summary = (f'<p>Meet every target: <strong>{esc(", ".join(meeting))}</strong>.</p>'
               if meeting else '<p><span class="missed">No variant meets every target.'
               "</span></p>")
    return ("<h3>Targets per scenario</h3>"
            + marked_table(["target", "baseline", *(s["name"] for s in scenarios)], rows)
            + summary)
