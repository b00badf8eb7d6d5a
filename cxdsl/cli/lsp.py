"""``cxdsl lsp``: the language server, on standard input and output."""

from __future__ import annotations

import click

from ..tooling.lsp import main


@click.command("lsp")
@click.option("--stdio", is_flag=True, hidden=True,
              help="Talk over standard input and output (the only transport; accepted "
                   "for clients that pass it).")
@click.option("--debounce", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help="Delay between the last change of a document and its diagnostics "
                   "(default 0.3; also CXDSL_LSP_DEBOUNCE).")
def command(stdio: bool, debounce: float | None) -> None:
    """Run the cxdsl language server (LSP) on standard input and output.

    Editors start it themselves: diagnostics as you type, hover, completion, go to
    definition, references, rename, outline, folding and formatting for .cxj files."""
    main(debounce)
