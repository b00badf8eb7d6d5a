"""The report's value-of-information chart and section: for each uncertain value, what
knowing it exactly is worth to the decision (EVPPI, with its bootstrap interval) beside
its share of the headline's forecast variance, from a ``cxdsl voi --json`` document
(:attr:`ReportData.voi`).

matplotlib is imported by the function that draws (lazy), as in :mod:`.charts`.
"""

from __future__ import annotations

from ..numbers import METRIC_WORDS, fmt_money
from .data import ReportData
from .style import NEUTRAL, POSITIVE, Chart, esc, mpl_text, wrap_text


def _amount(doc: dict, x: float | None) -> str:
    if x is None:
        return "—"
    return fmt_money(x) if doc.get("decision") == "net" else f"{x:.3g}"


def _interval(doc: dict, fig: dict | None, text=_amount) -> str:
    if not fig:
        return "—"
    lo, hi = fig["ci95"]
    return f"{text(doc, fig['value'])} [{text(doc, lo)}, {text(doc, hi)}]"


def _pct(_doc: dict, x: float) -> str:
    return f"{x * 100:.1f}%"


def _unit(data: ReportData, doc: dict) -> str:
    if doc.get("decision") == "net":
        return f"net money per {data.model.period}"
    return METRIC_WORDS.get(doc.get("decision"), str(doc.get("decision")))


def voi_chart(data: ReportData) -> Chart | None:
    """Bars of each uncertain value's EVPPI (left, with 95% intervals) and variance share
    (right); None unless the report has a value-of-information document with a decision."""
    from matplotlib.figure import Figure  # lazy: matplotlib, see the module docstring
    from matplotlib.ticker import FuncFormatter  # lazy: as above

    doc = data.voi
    if not doc or doc.get("evpi") is None or not doc.get("values"):
        return None
    rows = list(reversed(doc["values"]))  # the most valuable at the top
    labels = [wrap_text(mpl_text(r["path"]), 30, 2) for r in rows]
    ys = list(range(len(rows)))
    fig = Figure(figsize=(9.0, 0.5 * len(rows) + 1.9))
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    ev = [r["evppi"]["value"] for r in rows]
    err = [[max(v - r["evppi"]["ci95"][0], 0.0) for v, r in zip(ev, rows)],
           [max(r["evppi"]["ci95"][1] - v, 0.0) for v, r in zip(ev, rows)]]
    left.barh(ys, ev, 0.6, color=POSITIVE, alpha=0.85, xerr=err,
              error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1})
    evpi = doc["evpi"]["value"]
    lo, hi = doc["evpi"]["ci95"]
    left.axvspan(lo, hi, color="#333333", alpha=0.08, lw=0)
    left.axvline(evpi, color="#333333", lw=1, ls="--")
    left.annotate(f"EVPI {_amount(doc, evpi)}", (evpi, 0.0),
                  xycoords=("data", "axes fraction"), ha="right", va="bottom",
                  fontsize=7.5, color="#333333", xytext=(-3, 3), textcoords="offset points")
    left.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _amount(doc, x)))
    left.set_yticks(ys)
    left.set_yticklabels(labels, fontsize=8.5)
    left.set_xlabel(f"EVPPI ({_unit(data, doc)}), with 95% intervals")
    left.set_title("What knowing each value exactly is worth", loc="left")
    shares = [r["variance_share"]["value"] * 100 for r in rows]
    right.barh(ys, shares, 0.6, color=NEUTRAL, alpha=0.85)
    right.set_xlim(0, 100)
    right.set_xlabel(f"share of the {METRIC_WORDS[doc['metric']]} forecast variance (%)")
    right.set_title("Variance share", loc="left")
    for ax in (left, right):
        ax.grid(axis="x", color="#e3e3e3", lw=0.6)
        ax.set_axisbelow(True)
    fig.tight_layout()
    table = [["uncertain value", "variance share [95%]", f"EVPPI [95%], {_unit(data, doc)}"]]
    table += [[r["path"], _interval(doc, r["variance_share"], _pct),
               _interval(doc, r["evppi"])] for r in doc["values"]]
    top = doc["values"][0]
    alt = (f"Bar chart of the value of information of {len(rows)} uncertain value"
           f"{'s' if len(rows) != 1 else ''}: what knowing each exactly would add to the "
           f"decision which scenario to fund, in {_unit(data, doc)}, beside its share of "
           f"the forecast variance. The largest is {top['path']} "
           f"({_amount(doc, top['evppi']['value'])}); knowing every value is worth "
           f"{_amount(doc, evpi)}.")
    return Chart("voi", "Value of information", alt, fig, table)


def voi_note(data: ReportData) -> str:
    """The HTML above the chart: what the figures mean and the best option now."""
    doc = data.voi or {}
    options = doc.get("options") or []
    best = max(options, key=lambda o: o["expected"]["value"], default=None)
    text = ("Which uncertain value is worth measuring before choosing a scenario: the "
            "EVPPI is what knowing the value exactly would add, on average, to the "
            "decision's expected value; the EVPI what knowing every value would. The "
            "variance share is the part of the headline's forecast variance the value "
            f"explains. {doc.get('worlds', 0):,} worlds; the intervals are bootstrap "
            "intervals over them.")
    if best is not None:
        text += (f" Best option now: {best['name']} (the best in "
                 f"{best['p_best'] * 100:.0f}% of the worlds).")
    return esc(text)
