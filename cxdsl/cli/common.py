"""Pieces the commands share: loading specs with rendered diagnostics, atomic writes."""

from __future__ import annotations

import os
import sys
import tempfile

import click

from ..lang import api, diagnostics


def read_spec(path: str, *, allow_outside_imports: bool = False) -> api.Compilation:
    """Compile ``path`` (``-`` for standard input); never raises for bad input."""
    if path == "-":
        from ..lang.diagnostics import Diagnostics
        from ..lang.source import decode

        diags = Diagnostics()
        text = decode(sys.stdin.buffer.read(), "<stdin>", diags)
        if text is None:
            return api.Compilation(None, diags, {})
        return api.check_text(text, "<stdin>", allow_outside_imports=allow_outside_imports,
                              base_dir=os.getcwd())
    return api.check_file(path, allow_outside_imports=allow_outside_imports)


def use_color(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def report(comp: api.Compilation, *, quiet_warnings: bool = False) -> None:
    """Print a compilation's diagnostics to stderr, in file order."""
    diags = [d for d in comp.diagnostics.sorted() if d.is_error or not quiet_warnings]
    if diags:
        click.echo(diagnostics.render(diags, comp.sources, color=use_color(sys.stderr)),
                   err=True)


def load_or_exit(path: str, *, allow_outside_imports: bool = False):
    """The model of ``path``, or exit 1 after printing its errors (warnings shown too)."""
    comp = read_spec(path, allow_outside_imports=allow_outside_imports)
    if not comp.ok:
        report(comp)
        n = len(comp.diagnostics.errors)
        click.echo(f"{n} error{'s' if n != 1 else ''} in {path}", err=True)
        sys.exit(1)
    return comp


def write_atomic(path: str, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory and a
    rename, so the target is either the old file or the complete new one."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise click.UsageError(f"cannot write '{path}': directory '{directory}' does not "
                               "exist")
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=".cxdsl-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8",
                                                              "newline": ""})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
