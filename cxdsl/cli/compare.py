"""``cxdsl compare FILE [--scenario NAME]…``: the baseline and its scenarios side by side.
"""

from __future__ import annotations

import sys

import click

from .. import analysis
from ..present.numbers import (
    decimals_for,
    fmt_amount_ci,
    fmt_delta_ci,
    fmt_metric,
    fmt_money,
    fmt_money_ci,
    short_label,
)
from .common import analysis_options, check_output, emit, failures, how_line, load, running

# ------------------------------------------------------------------------- rendering


def render_human(cmp, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    model = cmp.model
    base = cmp.baseline.result
    names = list(base.overall.metrics)
    console.print(Text.assemble((model.title or "journey", "bold"),
                                f" — {how_line(cmp.manifest)}"))
    console.print()

    forecast = Table(title="Forecast", title_justify="left", title_style="bold")
    forecast.add_column("")
    for n in names:
        forecast.add_column(short_label(n), justify="right")
    forecast.add_row("baseline", *(fmt_metric(n, base.overall.metrics[n].value)
                                   for n in names))
    for sc in cmp.scenarios:
        r = sc.point.result
        forecast.add_row(sc.scenario.name, *(fmt_metric(n, r.overall.metrics[n].value)
                                             for n in names))
    console.print(forecast)

    if cmp.scenarios:
        console.print()
        change = Table(title="Change against the baseline"
                       + ("" if cmp.manifest.get("engine") == "exact"
                          else " (paired 95% interval)"),
                       title_justify="left", title_style="bold")
        change.add_column("scenario")
        for n in names:
            change.add_column(short_label(n), justify="right")
        for sc in cmp.scenarios:
            change.add_row(sc.scenario.name, *(fmt_delta_ci(n, sc.delta[n]) for n in names))
        console.print(change)

    if cmp.scenarios:
        console.print()
        _money_table(cmp, console)
    if model.targets:
        console.print()
        _targets_table(cmp, console)
    _closing_line(cmp, console)


def _money_table(cmp, console) -> None:
    """Each scenario's costs and money; without a volume, per customer and how to set one."""
    from rich.table import Table  # lazy: rich, for the human output only

    model = cmp.model
    exact = cmp.manifest.get("engine") == "exact"
    per = f"per {model.period}" if model.volume is not None else "per customer who enters"
    title = (f"Money {per} (volume {model.volume:,.0f} customers per {model.period})"
             if model.volume is not None else f"Money {per}")
    table = Table(title=title + ("" if exact else ", paired 95% interval"),
                  title_justify="left", title_style="bold")
    unit = f"{model.period}s" if model.volume is not None else "customers"
    has_running = any(sc.money.running_cost for sc in cmp.scenarios)
    for name in ("scenario", "cost", *(("running cost",) if has_running else ()),
                 "revenue change", "net", f"payback ({unit})",
                 f"{short_label(cmp.headline)} per 10k of cost"):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    for sc in cmp.scenarios:
        m = sc.money
        table.add_row(sc.scenario.name, fmt_money(m.cost),
                      *((fmt_money(m.running_cost),) if has_running else ()),
                      fmt_money_ci(m.revenue_change), fmt_money_ci(m.net), _payback_text(m),
                      fmt_delta_ci(cmp.headline, m.per_10k_cost))
    console.print(table)
    if model.volume is None:
        console.print("Money is per customer who enters the journey: set the business size "
                      "to count it per period, e.g. `volume 40_000 per year`.")


def _payback_text(m) -> str:
    """The payback with its interval; while the net's interval reaches 0 the payback has no
    upper bound (the scenario may never pay back), written ``[lo, ∞)``."""
    if not m.cost:
        return "—"
    if m.payback.value is None:
        return "never" if m.net.value is not None else "—"
    if m.payback.lo is None and m.net.hi is not None and m.net.hi > 0:
        d = decimals_for(0, None, m.payback.value)
        return f"{m.payback.value:,.{d}f} [{m.cost / m.net.hi:,.{d}f}, ∞)"
    return fmt_amount_ci(m.payback)


def _targets_table(cmp, console) -> None:
    """Every target, met or missed by the baseline and by each scenario."""
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    table = Table(title="Targets", title_justify="left", title_style="bold")
    table.add_column("target")
    variants = [("baseline", cmp.baseline.result)] + [(sc.scenario.name, sc.point.result)
                                                      for sc in cmp.scenarios]
    for name, _ in variants:
        table.add_column(name, justify="right")
    for i, target in enumerate(cmp.model.targets):
        cells = []
        for _, result in variants:
            t = result.targets[i]
            cells.append(Text(f"✓ {fmt_metric(t.target.metric, t.value)}", style="green")
                         if t.met else
                         Text(f"✗ {fmt_metric(t.target.metric, t.value)}", style="bold red"))
        table.add_row(str(target), *cells)
    console.print(table)


def _closing_line(cmp, console) -> None:
    """Which variants meet every target, and which scenario has the best net money."""
    parts = []
    if cmp.model.targets:
        meeting = cmp.meeting_targets
        parts.append("Meet every target: " + ", ".join(meeting) + "." if meeting
                     else "No variant meets every target.")
    best = cmp.best_net
    if best is not None:
        per = f"per {cmp.model.period}" if cmp.model.volume is not None else "per customer"
        parts.append(f"Best net {per}: {best.scenario.name} ({fmt_money_ci(best.money.net)}).")
    if parts:
        console.print()
        console.print(" ".join(parts))


# ------------------------------------------------------------------------- command


@click.command("compare")
@click.argument("file")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME",
              help="Compare this scenario (repeat for several). Default: every scenario "
                   "of the spec.")
@analysis_options()
def command(file, scenarios, customers, seed, engine, threads, as_json, output, scheduler,
            dask_local, allow_outside_imports):
    """Compare the scenarios of FILE against its baseline.

    Every metric of the baseline and of each scenario, the change against the baseline
    with a paired 95% interval (the runs share their random numbers, so the change
    carries far less noise than the metrics themselves); each scenario's money: revenue
    change and net (minus running cost) per period of the spec's `volume`, payback in
    periods of the one-off cost, headline points per 10,000 of it (per customer who
    enters without a `volume`); every target for every scenario. Scenarios are sorted by
    the change of the headline metric.

    Exit 0 when the baseline meets every target, 1 when it misses one (or the spec has
    errors), 2 for bad arguments."""
    check_output(output)
    model, sha = load(file, allow_outside_imports)
    with failures():
        for name in scenarios:
            analysis.check_scenario(model, name)
        if not scenarios and not model.scenarios:
            click.echo("note: the spec defines no scenarios; showing the baseline alone",
                       err=True)
        with running(scheduler, dask_local) as (ex, progress):
            cmp = analysis.compare(model, list(scenarios) or None, engine=engine,
                                   customers=customers, seed=seed, threads=threads,
                                   executor=ex, spec_sha=sha, progress=progress)
    emit(cmp.to_dict(), as_json, output, lambda c: render_human(cmp, c))
    missed = cmp.baseline.result.missed
    if missed:
        click.echo("missed target" + ("s" if len(missed) > 1 else "") + ": "
                   + ", ".join(str(t.target) for t in missed), err=True)
    sys.exit(0 if cmp.targets_met else 1)
