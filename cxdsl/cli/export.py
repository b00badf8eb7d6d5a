"""``cxdsl export FILE --to mermaid|dot|json``: the journey for other tools."""

from __future__ import annotations

import os
import sys

import click

from ..present import export
from ..sim.simulate import SimulationError, check_scenario, simulate, spec_sha256
from .common import (
    OUTSIDE_IMPORTS_OPTION,
    check_output,
    load_or_exit,
    simulation_options,
    write_output,
)


@click.command("export")
@click.argument("file")
@click.option("--to", "fmt", type=click.Choice(["mermaid", "dot", "json"]), required=True,
              help="mermaid: a Mermaid journey diagram (renders in GitHub Markdown); "
                   "dot: a Graphviz graph of the stages and the event dependencies; "
                   "json: the forecast, as `cxdsl run --json` prints it.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of standard output.")
@click.option("--scenario", default=None, metavar="NAME",
              help="Export the journey with one of the spec's scenarios applied.")
@click.option("--markdown", is_flag=True,
              help="mermaid: wrap the diagram in a ```mermaid fence for a Markdown file.")
@simulation_options("json: customers to simulate (default: the spec's, else 100000).",
                    "json: random seed (default: the spec's, else 0).",
                    "json: the engine that computes the forecast.")
@OUTSIDE_IMPORTS_OPTION
def command(file, fmt, output, scenario, markdown, customers, seed, engine,
            allow_outside_imports):
    """Export the journey in FILE (``-`` reads standard input) as a Mermaid journey
    diagram, a Graphviz DOT graph, or the forecast as JSON.

    Exit 0 on success, 1 when the spec has errors, 2 for bad arguments."""
    check_output(output)
    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    model = comp.model
    try:
        check_scenario(model, scenario)
    except SimulationError as exc:
        raise click.BadParameter(str(exc), param_hint="'--scenario'") from None
    stem = "journey" if file == "-" else os.path.splitext(os.path.basename(file))[0]

    if fmt == "json":
        from ..sim.exact import ExactError  # lazy: numba, for --to json only

        text = comp.sources.get("<stdin>" if file == "-" else file)
        try:
            result = simulate(model, customers=customers, seed=seed, scenario=scenario,
                              engine=engine,
                              spec_sha=spec_sha256(text) if text is not None else None)
        except ExactError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except SimulationError as exc:
            raise click.UsageError(str(exc)) from None
        document = result.to_json() + "\n"
    else:
        shown = export.with_scenario(model, scenario)
        if fmt == "mermaid":
            document = (export.to_markdown if markdown else export.to_mermaid)(shown, stem)
        else:
            document = export.to_dot(shown, stem)

    if output is None:
        click.echo(document, nl=False)
    else:
        write_output(output, document)
