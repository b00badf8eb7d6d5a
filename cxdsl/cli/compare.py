"""``cxdsl compare FILE [--scenario NAME]…``: the baseline and its scenarios side by side.
"""

from __future__ import annotations

import sys

import click

from .. import analysis
from ..present.numbers import fmt_delta_ci, fmt_metric, fmt_money, fmt_money_ci, short_label
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

    costed = [sc for sc in cmp.scenarios if sc.roi is not None]
    if costed:
        console.print()
        head = short_label(cmp.headline)
        roi = Table(title=f"Return on cost (revenue over {costed[0].roi['customers']:,} "
                          "customers)", title_justify="left", title_style="bold")
        roi.add_column("scenario")
        roi.add_column("cost", justify="right")
        roi.add_column("revenue change", justify="right")
        roi.add_column("net of cost", justify="right")
        roi.add_column(f"{head} per 10k of cost", justify="right")
        for sc in costed:
            r = sc.roi
            per = r["per_10k_cost"]
            roi.add_row(sc.scenario.name, fmt_money(sc.scenario.cost),
                        fmt_money_ci(r["revenue_change"]), fmt_money_ci(r["net"]),
                        "—" if per is None else fmt_delta_ci(cmp.headline, per))
        console.print(roi)

    if base.targets:
        console.print()
        console.print(Text("Targets (baseline)", style="bold"))
        for t in base.targets:
            mark = Text("  ✓ met    ", style="green") if t.met else Text("  ✗ missed ",
                                                                        style="bold red")
            console.print(Text.assemble(mark, str(t.target),
                                        f"  (forecast {fmt_metric(t.target.metric, t.value)})"))


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
    carries far less noise than the metrics themselves), and for a scenario with a cost:
    the revenue change over the run's customers minus the cost, and headline points per
    10,000 of cost. Scenarios are sorted by the change of the headline metric.

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
