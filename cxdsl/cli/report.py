"""``cxdsl report FILE``: one self-contained HTML report of a journey and its forecast."""

from __future__ import annotations

import os
import sys

import click

from ..present import report
from ..sim.exact import ExactError
from ..sim.simulate import SimulationError, check_scenario, spec_sha256
from .common import (
    OUTSIDE_IMPORTS_OPTION,
    SIMULATOR_OR_EXACT,
    check_output,
    load_or_exit,
    simulation_options,
    worlds_option,
    write_output,
)

try:
    from ..analysis import AnalysisError
except ImportError:  # pragma: no cover - an installation without the analysis module
    AnalysisError = SimulationError
from ..tooling.files import reason_of


def _check_png_dir(png: str | None) -> None:
    if png is None:
        return
    if os.path.exists(png) and not os.path.isdir(png):
        raise click.BadParameter(f"'{png}' exists and is not a directory",
                                 param_hint="'--png'")
    parent = os.path.dirname(os.path.abspath(png))
    if not os.path.isdir(png) and not os.path.isdir(parent):
        raise click.BadParameter(f"directory '{parent}' does not exist", param_hint="'--png'")


def _voi(model, customers, seed, engine, sha, notes: list[str], worlds=None) -> dict | None:
    """The value-of-information document of the report (``cxdsl voi``), or None with a
    note saying why when its arguments do not allow one."""
    from ..analysis.voi import voi  # lazy: only specs with uncertain values need it

    try:
        return voi(model, engine=engine, customers=customers, seed=seed, worlds=worlds,
                   spec_sha=sha).to_dict()
    except AnalysisError as exc:
        notes.append(f"The value of information is left out: {exc}.")
        return None


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


def _observed(comp, path: str):
    """The observed data of ``--data``, or exit 1 after the reader's error."""
    from ..data.fit import fit_table  # lazy: scipy, only with --data
    from ..data.messages import DataError  # lazy: as above
    from ..data.read import read_table  # lazy: pyarrow, as above
    from ..present.report.observed import observe  # lazy: as above

    try:
        table = read_table(path, comp.model)
    except DataError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(1)
    return observe(comp.model, table, fit_table(comp.model, table, comp.module))


@click.command("report")
@click.argument("file")
@click.option("-o", "--output", default="report.html", show_default=True, metavar="FILE",
              help="Where to write the HTML (atomically); `-` for standard output.")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME",
              help="A scenario to compare against the baseline; repeat for several. "
                   "Default: every scenario of the spec.")
@click.option("--no-scenarios", is_flag=True, help="Compare no scenario.")
@simulation_options("Customers per simulation (default: the spec's, else 100000).",
                    "Random seed (default: the spec's, else 0).", SIMULATOR_OR_EXACT)
@click.option("--png", "png_dir", default=None, metavar="DIR",
              help="Also write every chart as a PNG into DIR (created if missing), for "
                   "slides.")
@click.option("--data", "data_file", default=None, metavar="DATA",
              help="A respondent table (CSV or Parquet): adds its observed answers and "
                   "funnel against the forecast, and the fit of the spec's values.")
@worlds_option()
@OUTSIDE_IMPORTS_OPTION
def command(file, output, scenarios, no_scenarios, customers, seed, engine, png_dir,
            data_file, worlds, allow_outside_imports):
    """Write a self-contained HTML report of the journey in FILE (``-`` reads standard
    input): the journey map with each persona's emotion curve, the funnel, the score
    distribution, the moments of truth, the scenarios, the targets, the spec and the
    manifest. It opens in any browser without a network.

    Exit 0 when the report was written (missed targets are shown in it; gate on them with
    `cxdsl run`), 1 when the spec has errors, 2 for bad arguments."""
    check_output(None if output == "-" else output)
    _check_png_dir(png_dir)
    if no_scenarios and scenarios:
        raise click.UsageError("--no-scenarios and --scenario exclude each other")
    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    model = comp.model
    shown = "<stdin>" if file == "-" else file
    text = comp.sources.get(shown)
    for name in scenarios:
        try:
            check_scenario(model, name)
        except SimulationError as exc:
            raise click.BadParameter(str(exc), param_hint="'--scenario'") from None

    observed = _observed(comp, data_file) if data_file is not None else None
    chosen = [] if no_scenarios else (list(dict.fromkeys(scenarios)) or None)
    try:
        sha = spec_sha256(text) if text is not None else None
        data = report.collect(model, source=text, path=shown, customers=customers,
                              seed=seed, scenarios=chosen, engine=engine, spec_sha=sha,
                              worlds=worlds)
        if model.uncertain and model.scenarios and chosen != []:
            data.voi = _voi(model, customers, seed, engine, sha, data.notes, worlds)
    except ExactError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (SimulationError, AnalysisError) as exc:
        raise click.UsageError(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("interrupted: nothing written", err=True)
        sys.exit(130)

    chart_list = report.charts(data)
    if observed is not None:
        from ..present.report.observed import observed_charts  # lazy: only with --data

        chart_list += observed_charts(observed, data)
    document = report.render(data, chart_list, observed=observed)
    if output == "-":
        click.echo(document, nl=False)
    else:
        write_output(output, document)
        click.echo(f"wrote {output} ({_size(len(document.encode('utf-8')))})", err=True)
    if png_dir is not None:
        try:
            os.makedirs(png_dir, exist_ok=True)
        except OSError as exc:
            click.echo(f"error: cannot write '{png_dir}': {reason_of(exc)}", err=True)
            sys.exit(1)
        for name, data_png in report.pngs(chart_list).items():
            path = os.path.join(png_dir, name)
            write_output(path, data_png)
            click.echo(f"wrote {path}", err=True)
