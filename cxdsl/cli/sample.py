"""``cxdsl sample FILE -o OUT``: the respondent table of simulated customers."""

from __future__ import annotations

import sys

import click

from ..tooling.files import WriteError, write_streamed
from .common import (
    OUTSIDE_IMPORTS_OPTION,
    announce_compiling,
    check_output,
    customers_option,
    load_or_exit,
    progress_bar,
    report,
    seed_option,
    worlds_option,
)


@click.command("sample")
@click.argument("file")
@customers_option("Customers to simulate (100000, 200_000, 1e6). Default: the spec's "
                  "`customers`, else 100000.")
@seed_option("Random seed (an integer). Default: the spec's `seed`, else 0. The same "
             "customers as `cxdsl run` with this seed.")
@click.option("--scenario", default=None, metavar="NAME",
              help="Simulate one of the spec's scenarios instead of the baseline.")
@click.option("--respond", default=None, metavar="P",
              help="Share of asked customers who answer (0.4 or 40%); the others' answers "
                   "are blank, decided by keyed draws. Default: everyone asked answers.")
@worlds_option()
@click.option("-o", "--output", required=True, metavar="OUT",
              help="The table to write: OUT.csv or OUT.parquet (atomically).")
@OUTSIDE_IMPORTS_OPTION
def command(file, customers, seed, scenario, respond, worlds, output,
            allow_outside_imports):
    """Write the respondent table of the customers `cxdsl run` simulates for the spec in
    FILE: one row per customer, with its persona, the last stage it reached, a 1/0 column
    per event and a column per survey with its answer (blank when not asked).

    Exit 0 when written, 1 when the spec has errors or the file cannot be written, 2 for
    bad arguments."""
    from ..data import sample  # lazy: numpy and the simulator, after the options' checks

    check_output(output)
    try:
        sample.output_format(output)
        respond = sample.check_respond(respond)
    except sample.SampleError as exc:
        raise click.UsageError(str(exc)) from None
    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    if len(comp.diagnostics):  # warnings
        report(comp)
    model = comp.model
    from ..sim.simulate import SimulationError  # lazy: numpy, as above

    announce_compiling()
    progress = progress_bar()
    try:
        fmt = sample.output_format(output)
        rows = write_streamed(output, lambda target: sample.write_sample(
            target, model, customers, seed, scenario, respond, worlds=worlds, fmt=fmt,
            progress=progress))
    except (sample.SampleError, SimulationError) as exc:
        raise click.UsageError(str(exc)) from None
    except WriteError as exc:
        if exc.usage:
            raise click.UsageError(str(exc)) from None
        click.echo(f"error: {exc}; nothing written", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted: nothing written", err=True)
        sys.exit(130)
    finally:
        progress.close()
    click.echo(f"wrote {rows:,} rows to {output}", err=True)

