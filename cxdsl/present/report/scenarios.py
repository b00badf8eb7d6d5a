"""The report's scenarios section besides its chart: each scenario's metrics against the
baseline, its money (per period of the spec's volume, or per customer without one) and
every target for the baseline and each scenario, with the variants that meet them all.
"""

from __future__ import annotations

from ..numbers import (
    REPORT_LABELS,
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


def scenario_table(data: ReportData) -> str:
    """Every metric of the baseline and of each scenario, with the change and its paired
    interval."""
    scenarios = (data.compare or {}).get("scenarios") or []
    metrics = [m for m in REPORT_LABELS if m in data.result["overall"]]
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
