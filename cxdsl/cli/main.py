"""The ``cxdsl`` command line: a thin layer over the Python API.

Each command lives in ``cxdsl/cli/<name>.py`` and is imported only when it runs, so
``cxdsl check`` starts without loading numba.

Exit codes: 0 ok; 1 findings (errors in a spec, a missed target, a file that would be
reformatted); 2 usage; 123 internal error.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from .._version import __version__

#: command name (its module under cxdsl.cli) -> one-line help
COMMANDS = {
    "check": "Check .cxj files and report every problem.",
    "compile": "Compile a .cxj file to its resolved model as JSON.",
    "run": "Forecast the CX metrics of a journey.",
    "compare": "Compare scenarios against the baseline.",
    "sweep": "Run a grid of parameter values.",
    "mot": "Rank the moments of truth by what they do to a metric.",
    "voi": "Which uncertain value is worth measuring before deciding.",
    "diff": "What changed between two versions of a spec, and what it does.",
    "fmt": "Format .cxj files in the canonical layout.",
    "lsp": "Run the language server on stdio.",
    "new": "Write a commented starter journey.",
    "report": "Write a self-contained HTML report.",
    "export": "Export a journey as Mermaid, Graphviz DOT or JSON.",
    "sample": "Write the respondent table of simulated customers (CSV or Parquet).",
    "fit": "Estimate a spec's values from a respondent table.",
}

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 123


def _available(module: str) -> bool:
    return importlib.util.find_spec(f"cxdsl.cli.{module}") is not None


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx):
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx, name):
        if name not in COMMANDS or not _available(name):
            return None
        module = importlib.import_module(f"cxdsl.cli.{name}")
        return module.command

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cxdsl")
def cli() -> None:
    """cxdsl: customer-experience journeys as code.

    Exit codes: 0 ok, 1 findings (spec errors, a missed target, a file that would be
    reformatted), 2 usage, 123 internal error.

    What every number means, with worked examples: docs/model.md in the cxdsl
    repository.
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps every failure to a documented exit code."""
    try:
        code = cli.main(args=argv, prog_name="cxdsl", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except Exception as exc:  # a bug: say so plainly, with the way to report it
        click.echo(f"cxdsl: internal error: {type(exc).__name__}: {exc}", err=True)
        if "CXDSL_DEBUG" in os.environ:
            traceback.print_exc()
        else:
            click.echo("set CXDSL_DEBUG=1 to see the traceback", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
