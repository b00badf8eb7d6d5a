"""``cxdsl fmt FILE... [--check] [--diff]``: rewrite .cxj files in the canonical layout.

Each file is formatted by :func:`cxdsl.tooling.formatter.format_text`, which proves its result means
the same as the input before returning it. A file is written by
:func:`cxdsl.tooling.files.write_file` (atomically where it can be replaced; in place,
keeping its hard links and owner, where it cannot) and only if its content is still what
was read; a read-only file is left alone. Whatever fails, the original file is never
truncated or lost.

Exit codes: 0 done (or nothing to do); 1 a file would be reformatted (``--check``), has
syntax errors, or could not be read or written; 2 usage; 123 the formatter could not
prove its result safe (a bug; nothing was written).
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys

import click

from ..lang import diagnostics, source
from ..lang.diagnostics import CompileError, Diagnostics
from ..tooling import files
from ..tooling.formatter import FormatError, format_text
from .common import use_color

EXIT_OK, EXIT_FINDINGS, EXIT_INTERNAL = 0, 1, 123


# ----------------------------------------------------------------------------- output


def _lines(text: str) -> list[str]:
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1] + "\n\\ No newline at end of file\n")
    return out


def unified_diff(before: str, after: str, path: str) -> str:
    return "".join(difflib.unified_diff(_lines(before), _lines(after),
                                        f"{path}\t(original)", f"{path}\t(formatted)"))


def _expand(paths: tuple[str, ...]) -> list[str]:
    """Files to format: directories are searched for ``*.cxj`` (hidden ones skipped)."""
    out: list[str] = []
    for p in paths:
        if p != "-" and os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files
                             if f.endswith(".cxj") and not f.startswith("."))
            out.extend(sorted(found))
        else:
            out.append(p)
    return out


def _out(text: str) -> None:
    """Write ``text`` to standard output exactly (no newline or escape translation)."""
    stream = sys.stdout.buffer
    stream.write(text.encode("utf-8"))
    stream.flush()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------------------- command


@click.command("fmt")
@click.argument("files", nargs=-1, required=True)
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 if any file would be reformatted.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Write nothing; print a unified diff of the changes.")
@click.option("--stdout", "to_stdout", is_flag=True,
              help="Print the formatted text instead of rewriting the files.")
@click.option("--textconv", is_flag=True,
              help="For git's diff.cxj.textconv: print the formatted text, or the text "
                   "as it is when it cannot be formatted; exit 0.")
@click.option("--stdin-filename", metavar="PATH",
              help="The name to use for standard input in messages and to resolve its "
                   "imports.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
def command(files: tuple[str, ...], check: bool, show_diff: bool, to_stdout: bool,
            textconv: bool, stdin_filename: str | None, quiet: bool) -> None:
    """Format FILES in the canonical layout ('-' reads standard input and writes the
    result to standard output; a directory means every .cxj file under it; the layout is
    described in docs/git.md).

    The formatter keeps every comment and the meaning of the file, and checks both before
    anything is written. Exit 0 when done, 1 when a file would be reformatted (with
    --check) or has errors, 2 on bad usage, 123 if the formatter failed its own safety
    check (nothing is written then).
    """
    if textconv and (check or show_diff or to_stdout):
        raise click.UsageError("--textconv cannot be combined with --check, --diff or "
                               "--stdout")
    if files.count("-") > 1:
        raise click.UsageError("'-' (standard input) can be given only once")
    color = use_color(sys.stderr)
    status = EXIT_OK
    changed = unchanged = failed = 0
    for path in _expand(files):
        code, did_change = _one(path, check=check, show_diff=show_diff,
                                to_stdout=to_stdout or textconv, textconv=textconv,
                                stdin_filename=stdin_filename, quiet=quiet, color=color)
        status = max(status, code)
        if code and not (check and did_change and code == EXIT_FINDINGS):
            failed += 1
        elif did_change:
            changed += 1
        else:
            unchanged += 1
    if textconv:
        sys.exit(status)  # only a file that cannot be read fails here
    if not quiet and not to_stdout and files != ("-",):
        would = check or show_diff
        parts = []
        if changed:
            parts.append(_plural(changed, "file") + (" would be reformatted" if would
                                                     else " reformatted"))
        if unchanged:
            parts.append(_plural(unchanged, "file") + (" would be left unchanged" if would
                                                       else " left unchanged"))
        if failed:
            parts.append(_plural(failed, "file") + " failed")
        if parts:
            click.echo(", ".join(parts) + ".", err=True)
    sys.exit(status)


def _read(path: str, stdin_filename: str | None, color: bool, textconv: bool):
    """(shown name, raw bytes, text); or the exit status once it is dealt with: EXIT_OK
    for --textconv when a file that is no UTF-8 text was printed as it is, EXIT_FINDINGS
    after saying why it cannot be read."""
    diags = Diagnostics()
    if path == "-":
        shown = stdin_filename or "<stdin>"
        stream = sys.stdin.buffer
        raw = stream.read(source.MAX_BYTES + 1)
    else:
        shown, stream = path, None
        raw = source.read_bytes(path, diags)
    text = source.decode(raw, shown, diags) if raw is not None else None
    if text is None and textconv and _print_as_it_is(path, raw, stream):
        return EXIT_OK
    if text is None:
        click.echo(diagnostics.render(diags.sorted(), {}, color=color), err=True)
        return EXIT_FINDINGS
    return shown, raw, text


def _print_as_it_is(path: str, raw: bytes | None, stream) -> bool:
    """--textconv's promise for what cannot be formatted (not UTF-8, a NUL, too large):
    its bytes on standard output, unchanged. False when there is nothing to print (the
    file cannot be read at all)."""
    out = sys.stdout.buffer
    if stream is not None:  # standard input: what was read, then the rest
        out.write(raw or b"")
        shutil.copyfileobj(stream, out)
    elif raw is not None:
        out.write(raw)
    elif os.path.isfile(path):  # over the size limit
        try:
            with open(path, "rb") as fh:
                shutil.copyfileobj(fh, out)
        except OSError:
            return False
    else:
        return False
    out.flush()
    return True


def _one(path: str, *, check: bool, show_diff: bool, to_stdout: bool, textconv: bool,
         stdin_filename: str | None, quiet: bool, color: bool) -> tuple[int, bool]:
    """Format one file; returns (exit status, whether it is or would be changed)."""
    got = _read(path, stdin_filename, color, textconv)
    if isinstance(got, int):
        return got, False
    shown, raw, text = got
    is_stdin = path == "-"
    real_path = shown if not is_stdin or stdin_filename else "<stdin>"
    base_dir = None if not is_stdin or stdin_filename else os.getcwd()
    try:
        result = format_text(text, real_path, base_dir=base_dir)
    except CompileError as exc:
        if textconv:
            _out(text)
            return EXIT_OK, False
        click.echo(diagnostics.render(exc.diagnostics, {real_path: text}, color=color),
                   err=True)
        n = len([d for d in exc.diagnostics if d.is_error])
        click.echo(f"error: cannot format {shown}: {_plural(n, 'syntax error')}", err=True)
        if is_stdin and not (check or show_diff):
            _out(text)  # a filter must not swallow its input
        return EXIT_FINDINGS, False
    except FormatError as exc:
        if textconv:
            _out(text)
            return EXIT_OK, False
        click.echo(f"error: cannot format {shown}: internal error: {exc}; nothing was "
                   "written. This is a bug in cxdsl fmt; please report it with the file.",
                   err=True)
        if is_stdin and not (check or show_diff):
            _out(text)
        return EXIT_INTERNAL, False
    did_change = result != text
    if show_diff and did_change:
        _out(unified_diff(text, result, shown))
    if check or show_diff:
        if check and did_change and not quiet:
            click.echo(f"would reformat {shown}", err=True)
        return (EXIT_FINDINGS if check and did_change else EXIT_OK), did_change
    if is_stdin or to_stdout:
        _out(result)
        return EXIT_OK, did_change
    if not did_change:
        return EXIT_OK, False
    try:
        files.write_file(path, result, original=raw, keep_read_only=True)
    except files.WriteError as exc:
        click.echo(f"error: cannot write {shown}: {exc.reason}; the file was left "
                   "unchanged", err=True)
        return EXIT_FINDINGS, False
    if not quiet:
        click.echo(f"reformatted {shown}", err=True)
    return EXIT_OK, True
