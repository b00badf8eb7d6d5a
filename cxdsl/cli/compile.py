"""``cxdsl compile FILE [-o OUT]``: the resolved model as canonical JSON."""

from __future__ import annotations

import click

from ..model.serialize import dumps
from .common import check_output, load_or_exit, report, write_output


@click.command("compile")
@click.argument("file")
@click.option("-o", "--output", metavar="OUT", help="Write the JSON here instead of stdout.")
@click.option("--allow-outside-imports", is_flag=True,
              help="Let imports reach outside the importing file's directory tree.")
def command(file: str, output: str | None, allow_outside_imports: bool):
    """Compile FILE (``-`` reads standard input) to its resolved model as JSON.

    The output is byte-identical for identical input and reads back with
    ``cxdsl.model.serialize.loads``."""
    check_output(output)
    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    report(comp)  # warnings
    text = dumps(comp.model)
    if output is not None:
        write_output(output, text)
    else:
        click.echo(text, nl=False)
