"""``cxdsl check FILE...``: report every problem of each file."""

from __future__ import annotations

import json
import sys

import click

from .common import read_spec, report


@click.command("check")
@click.argument("files", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to print the diagnostics.")
@click.option("--allow-outside-imports", is_flag=True,
              help="Let imports reach outside the importing file's directory tree.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print errors only: no warnings, no 'ok: FILE' line.")
def command(files: tuple[str, ...], fmt: str, allow_outside_imports: bool, quiet: bool):
    """Check FILES (``-`` reads standard input).

    Prints 'ok: FILE' for each file free of errors. Exit 0 when every file is free of
    errors (warnings allowed), 1 otherwise."""
    failed = 0
    collected = []
    for path in files:
        comp = read_spec(path, allow_outside_imports=allow_outside_imports)
        if fmt == "json":
            collected.extend(d.to_dict() for d in comp.diagnostics.sorted()
                             if d.is_error or not quiet)
        else:
            report(comp, quiet_warnings=quiet)
        if not comp.ok:
            failed += 1
        elif fmt == "text" and not quiet:
            click.echo(f"ok: {'<stdin>' if path == '-' else path}")
    if fmt == "json":
        click.echo(json.dumps(collected, indent=2, ensure_ascii=False))
    elif failed:
        click.echo(f"{failed} of {len(files)} file{'s' if len(files) != 1 else ''} "
                   "failed the check", err=True)
    sys.exit(1 if failed else 0)
