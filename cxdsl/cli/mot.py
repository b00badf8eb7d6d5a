"""``cxdsl mot FILE [--metric M] [--tornado [--by X%]]``: which moments of truth matter."""

from __future__ import annotations

import sys

import click

from .. import analysis
from ..present.numbers import fmt_delta_ci, fmt_metric, fmt_metric_ci, short_label
from .common import (
    PositiveNumberType,
    analysis_options,
    check_output,
    emit,
    failures,
    how_line,
    load,
    running,
    worlds_option,
)
from .compare import fmt_with_band, note_worlds


class FractionType(PositiveNumberType):
    """A fraction above 0, at most 10: ``20%``, ``0.2``."""

    name = "X%"
    most = 10
    not_a_number = "{value!r} is not a percentage (e.g. 20%) or a fraction (0.2)"
    out_of_range = "{value!r}: the move must be above 0% (and at most 1000%)"

    def parse(self, value) -> float:
        text = str(value).strip()
        return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def _bar(value: float | None, biggest: float, width: int = 12) -> str:
    if value is None or biggest <= 0:
        return ""
    n = round(width * abs(value) / biggest)
    return ("█" * n) if value >= 0 else ("▒" * n)


def render_human(res, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    model = res.model
    label = short_label(res.metric)
    scen = f", scenario {res.manifest['scenario']}" if res.manifest.get("scenario") else ""
    console.print(Text.assemble((model.title or "journey", "bold"),
                                f" — {how_line(res.manifest)}{scen}"))
    forecast = res.now.forecast is not None
    console.print(f"{label} now: " + (fmt_with_band(res.metric, res.now) if forecast
                                      else fmt_metric_ci(res.metric, res.now)))
    if forecast:
        console.print(f"Over {res.manifest['worlds']:,} plausible worlds of the spec's "
                      "uncertain values: expected values; in brackets, the range of 95% of "
                      "the worlds.", style="dim")
    change = ((lambda m: fmt_with_band(res.metric, m, True)) if forecast
              else (lambda m: fmt_delta_ci(res.metric, m)))
    console.print()
    if res.events:
        table = Table(title=f"Moments of truth, ranked by what they do to {label}",
                      title_justify="left", title_style="bold")
        table.add_column("#", justify="right", style="dim")
        table.add_column("event")
        table.add_column("stage")
        table.add_column("contribution", justify="right")
        table.add_column("if never", justify="right")
        table.add_column("if always", justify="right")
        table.add_column("per +10 pts of p", justify="right")
        for i, row in enumerate(res.events, 1):
            table.add_row(str(i), row.event.name, row.event.stage, change(row.contribution),
                          fmt_metric(res.metric, row.if_never.value),
                          fmt_metric(res.metric, row.if_always.value), change(row.leverage))
        console.print(table)
        console.print(Text("contribution = now − if never; if never / if always: p at 0% / "
                           "100% for every persona", style="dim"))
    else:
        console.print("The journey has no events.")
    if res.tornado is not None:
        console.print()
        render_tornado(res.tornado, console, change)


def render_tornado(t, console, change=None) -> None:
    from rich.table import Table  # lazy: rich, for the human output only

    label = short_label(t.metric)
    table = Table(title=f"Tornado: every parameter moved ±{t.by * 100:g}%, ranked by the "
                        f"swing of {label}", title_justify="left", title_style="bold")
    table.add_column("parameter", no_wrap=True)
    table.add_column(f"{label} at −{t.by * 100:g}% → +{t.by * 100:g}%", justify="right",
                     no_wrap=True)
    table.add_column("swing", justify="right")
    table.add_column("", no_wrap=True)
    biggest = max((abs(r.swing.value or 0.0) for r in t.rows), default=0.0)
    for r in t.rows:
        table.add_row(r.param.path,
                      f"{fmt_metric(t.metric, r.low.value)} → "
                      f"{fmt_metric(t.metric, r.high.value)}",
                      (change or (lambda m: fmt_delta_ci(t.metric, m)))(r.swing),
                      _bar(r.swing.value, biggest, 8))
    if not t.rows:
        console.print("No parameter to move.")
        return
    console.print(table)


@click.command("mot")
@click.argument("file")
@click.option("--metric", type=click.Choice(["nps", "csat", "mean", "conversion",
                                             "revenue"]), default=None,
              help="The metric to rank by. Default: nps on a 0..10 scale, else mean.")
@click.option("--scenario", default=None, metavar="NAME",
              help="Rank the moments of truth of this scenario instead of the baseline.")
@click.option("--tornado", is_flag=True,
              help="Also move every numeric parameter (p, advance, slope, impacts, "
                   "baselines, shares, values) down and up, ranked by the swing.")
@click.option("--by", type=FractionType(), default=None,
              help="How far --tornado moves each parameter (default 20%).")
@worlds_option()
@analysis_options()
def command(file, metric, scenario, tornado, by, worlds, customers, seed, engine, threads,
            as_json, output, scheduler, dask_local, allow_outside_imports):
    """Rank the moments of truth of FILE by what they do to a metric.

    For every event: its contribution (the metric now minus the metric if it never
    happened), the metric if it never / always happened (p at 0% / 100% for every
    persona, its condition still applying), and its leverage (the change per 10
    percentage points of p), each with a paired 95% interval, or exact with --engine
    exact.

    With `uncertain` values every figure is computed in each of the same plausible worlds
    and reported as its expected value with the range of 95% of the worlds; --tornado then
    moves each parameter around its value in each world.

    Exit 0 on success, 1 when the spec has errors, 2 for bad arguments."""
    if by is not None and not tornado:
        raise click.UsageError("--by sets how far --tornado moves each parameter; add "
                               "--tornado")
    check_output(output)
    model, sha = load(file, allow_outside_imports)
    with failures():
        analysis.check_scenario(model, scenario)
        analysis.check_metric(model, metric)
        note_worlds(model, worlds)
        with running(scheduler, dask_local) as (ex, progress):
            res = analysis.mot(model, metric, scenario=scenario, engine=engine,
                               customers=customers, seed=seed, threads=threads, executor=ex,
                               spec_sha=sha, progress=progress,
                               tornado_by=(by or analysis.TORNADO_BY) if tornado else None,
                               worlds=worlds)
    emit(res.to_dict(), as_json, output, lambda c: render_human(res, c))
    sys.exit(0)
