"""``cxdsl compare FILE [--scenario NAME]…``: the baseline and its scenarios side by side.

Also the options and plumbing the analysis commands (compare, sweep, mot, diff) share:
run size, seed, engine, threads, JSON output, a Dask cluster, and the mapping of every
failure to a clear message and an exit code.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from .common import load_or_exit, write_atomic
from .run import LABELS, CountType, SeedType, _LazyProgress, fmt_metric

# ------------------------------------------------------------------- shared plumbing


def run_options(f):
    """-n, --seed, --engine, --threads: how every point is evaluated."""
    options = [
        click.option("-n", "--customers", type=CountType(), default=None,
                     help="Customers per run (100000, 200_000, 1e6). Default: the spec's "
                          "`customers`, else 100000."),
        click.option("--seed", type=SeedType(), default=None,
                     help="Random seed (an integer). Default: the spec's `seed`, else 0."),
        click.option("--engine", type=click.Choice(["numba", "exact"]), default="numba",
                     show_default=True,
                     help="numba: the compiled simulator (95% intervals; differences get "
                          "paired intervals). exact: exact values, for journeys whose "
                          "values are constants or discrete(...)."),
        click.option("--threads", type=click.IntRange(min=1), default=None,
                     help="Threads for the numba engine (default: all cores)."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def output_options(f):
    options = [
        click.option("--json", "as_json", is_flag=True,
                     help="Print the result as JSON (the shape documented in DESIGN.md)."),
        click.option("-o", "--output", default=None, metavar="FILE",
                     help="Write the JSON result to FILE (atomically). With --json, "
                          "nothing goes to standard output."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def cluster_options(f):
    options = [
        click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="Spread the work over the Dask cluster whose scheduler is at "
                          "ADDRESS (tcp://host:8786). Needs cxdsl[dask]."),
        click.option("--dask", "dask_local", default=None, metavar="local[:N]",
                     help="Spread the work over a local Dask cluster of N worker processes "
                          "(default: one per core). Needs cxdsl[dask]."),
        click.option("--allow-outside-imports", is_flag=True,
                     help="Let imports reach outside the importing file's directory tree."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def check_output(output: str | None, suffixes: tuple[str, ...] | None = None) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if output is None:
        return
    hint = "'-o' / '--output'"
    directory = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(directory):
        raise click.BadParameter(f"directory '{directory}' does not exist", param_hint=hint)
    if os.path.isdir(output):
        raise click.BadParameter(f"'{output}' is a directory", param_hint=hint)
    if suffixes and not output.lower().endswith(suffixes):
        raise click.BadParameter(f"'{output}': the file name must end in "
                                 + " or ".join(suffixes), param_hint=hint)


def load(file: str, allow_outside_imports: bool):
    """(model, spec sha256) of FILE, or exit 1 after printing its errors."""
    from ..sim.simulate import spec_sha256

    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    shown = "<stdin>" if file == "-" else file
    text = comp.sources.get(shown)
    return comp.model, (spec_sha256(text) if text is not None else None)


@contextlib.contextmanager
def failures():
    """Map the errors of an analysis to the command line's: bad arguments and cluster
    problems exit 2, a journey the exact engine cannot take exits 1, Ctrl-C exits 130;
    in every case nothing has been written."""
    from ..analysis.core import AnalysisError
    from ..analysis.distributed import DistributedError
    from ..sim.exact import ExactError
    from ..sim.simulate import SimulationError

    try:
        yield
    except (AnalysisError, SimulationError) as exc:
        raise click.UsageError(str(exc)) from None
    except DistributedError as exc:
        click.echo(f"error: {exc}; nothing written", err=True)
        sys.exit(2)
    except ExactError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted: nothing written", err=True)
        sys.exit(130)


@contextlib.contextmanager
def executor_for(scheduler: str | None, dask_local: str | None):
    """The Dask executor the options ask for (None for neither), closed afterwards."""
    if not scheduler and not dask_local:
        yield None
        return
    from ..analysis.distributed import from_options

    ex = from_options(scheduler, dask_local)
    try:
        yield ex
    finally:
        ex.close()


def progress_bar() -> _LazyProgress:
    return _LazyProgress(sys.stderr.isatty() and not os.environ.get("CXDSL_NO_PROGRESS"))


def emit(document: str, as_json: bool, output: str | None, render) -> None:
    """Write the JSON ``document`` to ``output`` (if any); print it with ``as_json`` (when
    not written), else call ``render(console)`` for the human form."""
    if output is not None:
        write_atomic(output, document)
    if as_json:
        if output is None:
            click.echo(document, nl=False)
        return
    console = make_console()
    render(console)
    if output is not None:
        console.print(f"\nwrote {output}", style="dim")


def make_console():
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def to_json(obj) -> str:
    import json

    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def fmt_delta(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return sign + fmt_metric(metric, abs(value))


def fmt_delta_ci(metric: str, m) -> str:
    """``+5.9 ±0.2`` (the 95% half-width), or ``+5.9`` alone for an exact value."""
    if m.value is None:
        return "—"
    text = fmt_delta(metric, m.value)
    if m.lo is None or m.lo == m.hi:
        return text
    return f"{text} ±{fmt_metric(metric, (m.hi - m.lo) / 2)}"


def how_line(manifest: dict) -> str:
    if manifest.get("engine") == "exact":
        return "exact engine (no sampling)"
    return (f"{manifest['customers']:,} customers, seed {manifest['seed']}, "
            "paired 95% intervals")


def fmt_money(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


# ------------------------------------------------------------------------- rendering


def render_human(cmp, console) -> None:
    from rich.table import Table
    from rich.text import Text

    model = cmp.model
    base = cmp.baseline.result
    names = list(base.overall.metrics)
    console.print(Text.assemble((model.title or "journey", "bold"),
                                f" — {how_line(cmp.manifest)}"))
    console.print()

    forecast = Table(title="Forecast", title_justify="left", title_style="bold")
    forecast.add_column("")
    for n in names:
        forecast.add_column(LABELS[n].split(" /")[0], justify="right")
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
            change.add_column(LABELS[n].split(" /")[0], justify="right")
        for sc in cmp.scenarios:
            change.add_row(sc.scenario.name, *(fmt_delta_ci(n, sc.delta[n]) for n in names))
        console.print(change)

    costed = [sc for sc in cmp.scenarios if sc.roi is not None]
    if costed:
        console.print()
        head = LABELS[cmp.headline].split(" /")[0]
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
                        _money_ci(r["revenue_change"]), _money_ci(r["net"]),
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


def _money_ci(m) -> str:
    if m.value is None:
        return "—"
    sign = "+" if m.value > 0 else ""
    text = f"{sign}{m.value:,.0f}"
    if m.lo is None or m.lo == m.hi:
        return text
    return f"{text} ±{(m.hi - m.lo) / 2:,.0f}"


# ------------------------------------------------------------------------- command


@click.command("compare")
@click.argument("file")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME",
              help="Compare this scenario (repeat for several). Default: every scenario "
                   "of the spec.")
@run_options
@output_options
@cluster_options
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
    from ..analysis import core as analysis

    check_output(output)
    model, sha = load(file, allow_outside_imports)
    progress = progress_bar()
    with failures():
        for name in scenarios:
            analysis.check_scenario(model, name)
        if not scenarios and not model.scenarios:
            click.echo("note: the spec defines no scenarios; showing the baseline alone",
                       err=True)
        try:
            with executor_for(scheduler, dask_local) as ex:
                cmp = analysis.compare(model, list(scenarios) or None, engine=engine,
                                       customers=customers, seed=seed, threads=threads,
                                       executor=ex, spec_sha=sha, progress=progress)
        finally:
            progress.close()
    emit(to_json(cmp.to_dict()), as_json, output, lambda c: render_human(cmp, c))
    missed = cmp.baseline.result.missed
    if missed:
        click.echo("missed target" + ("s" if len(missed) > 1 else "") + ": "
                   + ", ".join(str(t.target) for t in missed), err=True)
    sys.exit(0 if cmp.targets_met else 1)
