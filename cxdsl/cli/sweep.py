"""``cxdsl sweep FILE [--vary PATH=A:B:N | PATH=v1,v2,…]…``: run a grid of parameter
values."""

from __future__ import annotations

import sys

import click

from .. import analysis
from ..model import ir
from ..model.diff import _attr_text
from ..present.numbers import fmt_half_width, fmt_metric, short_label
from .common import (
    analysis_options,
    check_output,
    failures,
    how_line,
    load,
    make_console,
    running,
    to_json,
    worlds_option,
    write_output,
)
from .compare import fmt_band, note_worlds


def render_human(sw, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    model = sw.model
    scen = f", scenario {sw.manifest['scenario']}" if sw.manifest.get("scenario") else ""
    how = how_line(sw.manifest).replace(", paired 95% intervals", "")
    console.print(Text.assemble((model.title or "journey", "bold"),
                                f" — sweep of {len(sw.points):,} points, {how}{scen}"))
    console.print()
    table = Table()
    for a in sw.axes:
        table.add_column(a.name, justify="right", style="cyan")
    metrics = sw.metrics
    for m in metrics:
        table.add_column(short_label(m), justify="right")
    head = metrics[0]
    for vals, p in zip(sw.params, sw.points):
        overall = p.result.overall.metrics
        cells = []
        for m in metrics:
            x = overall[m]
            text = fmt_metric(m, x.value)
            if sw.forecast:
                text += (" " + fmt_band(m, x.forecast)) if m == head else ""
            elif m == head and x.lo is not None and x.hi is not None and x.lo != x.hi:
                text += fmt_half_width(m, x)
            cells.append(text)
        table.add_row(*(_attr_text(a.path.attr, v) if a.path.attr != "impact"
                        else f"{v:+g}" for a, v in zip(sw.axes, vals)), *cells)
    console.print(table)
    if sw.forecast:
        console.print(f"Each point is forecast over {sw.manifest['worlds']:,} plausible "
                      f"worlds of the spec's uncertain values: expected values; in brackets, "
                      f"the range of 95% of the worlds of {short_label(head)}.",
                      style="dim")


@click.command("sweep")
@click.argument("file")
@click.option("--vary", "vary", multiple=True, metavar="PATH=A:B:N|PATH=v1,v2,…",
              help="An axis: N points from A to B inclusive (demo_glitch.p=0:20%:21), or "
                   "a list of values (Convert.advance=30%,35%,40%). Repeat for a grid; "
                   "added to the spec's `sweep` lines (an axis of the same path replaces "
                   "the spec's).")
@click.option("--no-file-sweeps", is_flag=True,
              help="Ignore the spec's `sweep` lines; sweep the --vary axes alone.")
@click.option("--scenario", default=None, metavar="NAME",
              help="Sweep on top of this scenario instead of the baseline.")
@worlds_option()
@analysis_options("FILE.csv|FILE.json",
                  "Write the points to a CSV file (one column per axis, then m, m_lo, m_hi "
                  "for every metric m, and m_f_lo, m_f_hi, the range of 95% of the worlds, "
                  "with uncertain values) or a JSON file, by the name's ending; standard "
                  "output then only says so.")
def command(file, vary, no_file_sweeps, scenario, worlds, customers, seed, engine, threads,
            as_json, output, scheduler, dask_local, allow_outside_imports):
    """Run every point of a parameter grid of FILE: the spec's `sweep` lines and the
    --vary axes, on the baseline or a --scenario, each point with the same seed and
    customers (so points differ only where their parameters do, and a point equals
    `cxdsl run` of the same values). The grid runs batched inside the compiled kernel.

    With `uncertain` values each point is a forecast over the same plausible worlds (a
    swept path is certain at each point), with the range of 95% of the worlds.

    Exit 0 on success, 1 when the spec has errors, 2 for bad arguments."""
    check_output(output, (".csv", ".json"))
    model, sha = load(file, allow_outside_imports)
    with failures():
        analysis.check_scenario(model, scenario)
        base = ir.with_scenario(model, scenario)
        axes = []
        for text in vary:
            try:
                axes.append(analysis.parse_vary(text, base))
            except analysis.AnalysisError as exc:
                raise click.BadParameter(str(exc), param_hint="'--vary'") from None
        note_worlds(model, worlds)
        with running(scheduler, dask_local) as (ex, progress):
            sw = analysis.sweep(model, axes, scenario=scenario,
                                file_sweeps=not no_file_sweeps, engine=engine,
                                customers=customers, seed=seed, threads=threads,
                                executor=ex, spec_sha=sha, progress=progress,
                                worlds=worlds)
    if output is not None:
        write_output(output, sw.to_csv() if output.lower().endswith(".csv")
                     else to_json(sw.to_dict()))
        if not as_json:
            click.echo(f"wrote {len(sw.points):,} points to {output}")
    elif as_json:
        click.echo(to_json(sw.to_dict()), nl=False)
    else:
        render_human(sw, make_console())
    sys.exit(0)
