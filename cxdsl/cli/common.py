"""Pieces the commands share: loading specs with rendered diagnostics, writing output files, the
parameter types of run size and seed, the progress display, and the options and plumbing
of the analysis commands (compare, sweep, mot, diff): run size, seed, engine, threads,
JSON output, a Dask cluster, and the mapping of every failure to a clear message and an
exit code.

Every command imports this module, ``cxdsl check`` and ``cxdsl fmt`` included, so it
imports only the language at the top: the simulator and the analyses (numpy, numba),
rich and Dask are imported inside the functions that use them, each marked "lazy".
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import threading
import time
from decimal import Decimal, InvalidOperation

import click

from ..lang import api, diagnostics
from ..lang.diagnostics import Diagnostics
from ..lang.source import read_stream
from ..tooling import files


def read_spec(path: str, *, allow_outside_imports: bool = False) -> api.Compilation:
    """Compile ``path`` (``-`` for standard input); never raises for bad input."""
    if path == "-":
        diags = Diagnostics()
        text = read_stream(sys.stdin.buffer, "<stdin>", diags)
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


def write_output(path: str, data: str | bytes) -> None:
    """Write a command's output file (see :mod:`cxdsl.tooling.files`); a path that is a
    usage mistake exits 2, a system that refuses the write exits 1, each with one line."""
    try:
        files.write_file(path, data)
    except files.WriteError as exc:
        if exc.usage:
            raise click.UsageError(str(exc)) from None
        click.echo(f"error: {exc}; nothing written", err=True)
        sys.exit(1)


# ------------------------------------------------------------- parameter types


class CountType(click.ParamType):
    """A positive whole number of customers: ``100000``, ``200_000``, ``1e6``, ``2.5e5``."""

    name = "N"

    def convert(self, value, param, ctx):
        from ..sim.simulate import MAX_CUSTOMERS  # lazy: numpy, see the module docstring

        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            text = str(value).strip()
            try:
                d = Decimal(text)
            except InvalidOperation:
                self.fail(f"{value!r} is not a number of customers (e.g. 100000, 200_000 "
                          "or 1e6)", param, ctx)
            if not d.is_finite() or d != d.to_integral_value():
                self.fail(f"{value!r} is not a whole number of customers", param, ctx)
            if d > MAX_CUSTOMERS:
                self.fail(f"{value} customers is more than the {MAX_CUSTOMERS:.0e} "
                          f"({MAX_CUSTOMERS:,}) a run may simulate", param, ctx)
            n = int(d)
        if n < 1:
            self.fail(f"{value} customers: a run needs at least 1", param, ctx)
        if n > MAX_CUSTOMERS:
            self.fail(f"{value} customers is more than the {MAX_CUSTOMERS:.0e} "
                      f"({MAX_CUSTOMERS:,}) a run may simulate", param, ctx)
        return n


class SeedType(click.ParamType):
    """An integer seed (``42``, ``-7``, ``1_000``)."""

    name = "SEED"

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip(), 10)
        except ValueError:
            self.fail(f"{value!r} is not an integer seed", param, ctx)


class PositiveNumberType(click.ParamType):
    """A finite number above 0 and at most ``most``, read by ``parse``; a subclass words
    the two failures (``{value!r}`` is the text given)."""

    most = math.inf
    not_a_number: str
    out_of_range: str

    def parse(self, value) -> float:
        return float(value)

    def convert(self, value, param, ctx):
        try:
            x = self.parse(value)
        except (TypeError, ValueError):
            self.fail(self.not_a_number.format(value=value), param, ctx)
        if not math.isfinite(x) or x <= 0 or x > self.most:
            self.fail(self.out_of_range.format(value=value), param, ctx)
        return x


# ---------------------------------------------------------------------- progress

#: runs expected to finish sooner than this many seconds never show a bar; the
#: environment variable CXDSL_PROGRESS_AFTER (seconds, 0 or more) overrides it.
PROGRESS_AFTER = 1.0


def progress_after() -> float:
    """:data:`PROGRESS_AFTER`, or the seconds in CXDSL_PROGRESS_AFTER when that is a
    number of seconds (anything else is ignored: a display setting never stops a run)."""
    raw = os.environ.get("CXDSL_PROGRESS_AFTER")
    if raw is None:
        return PROGRESS_AFTER
    try:
        seconds = float(raw)
    except ValueError:
        return PROGRESS_AFTER
    return seconds if math.isfinite(seconds) and seconds >= 0 else PROGRESS_AFTER


class LazyProgress:
    """A progress callback that shows a rich bar on stderr once a run has taken longer
    than :func:`progress_after` seconds, and only when stderr is a terminal.

    The analyses call it from their worker threads, several at once: one lock guards the
    bar's creation, every update and :meth:`close`, so a bar is created once, never
    updated before its task exists, and never shown again once closed (a straggling
    worker's late update would otherwise leave a bar on the screen, glued to the next
    output). rich's own refresh thread draws the bar; the workers only record counts."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.after = progress_after()
        self.start = time.monotonic()
        self.progress = None
        self.task = None
        self.closed = False
        self.lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or self.closed:
            return
        with self.lock:
            if self.closed:
                return
            if self.progress is None:
                if time.monotonic() - self.start < self.after:
                    return
                self.progress, self.task = _start_bar(total)
            self.progress.update(self.task, completed=done, total=total)

    def close(self) -> None:
        """Stop the bar and clear its line (before the command prints anything else);
        later calls do nothing."""
        with self.lock:
            self.closed = True
            if self.progress is not None:
                self.progress.stop()
                self.progress = None


def _start_bar(total: int):
    """A started rich bar on stderr and its task. Lines written to stderr meanwhile show
    above the bar; stdout is not redirected through it (that would send a command's
    output to stderr while the bar is up)."""
    # most runs never show a bar
    from rich.console import Console  # lazy: rich, see the module docstring
    from rich.progress import (  # lazy: rich, see the module docstring
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(TextColumn("simulating"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=Console(file=sys.stderr), transient=True,
                   redirect_stdout=False)
    bar.start()
    return bar, bar.add_task("run", total=total)


# ------------------------------------------------- options and plumbing of analyses


class WorldsType(click.ParamType):
    """A whole number of worlds, 1 … MAX_WORLDS: ``200``, ``1_000``, ``1e3``."""

    name = "W"

    def convert(self, value, param, ctx):
        from ..lang.check.uncertain import MAX_WORLDS  # lazy: the checker's bound

        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            text = str(value).strip().replace("_", "")
            try:
                d = Decimal(text)
            except InvalidOperation:
                self.fail(f"{value!r} is not a number of worlds (e.g. 200 or 1e3)", param, ctx)
            if not d.is_finite() or d != d.to_integral_value():
                self.fail(f"{value!r} is not a whole number of worlds", param, ctx)
            n = int(d) if abs(d) <= 10 * MAX_WORLDS else int(d.copy_sign(10 * MAX_WORLDS))
        if not 1 <= n <= MAX_WORLDS:
            self.fail(f"{value} worlds: a forecast runs from 1 to {MAX_WORLDS:,} worlds",
                      param, ctx)
        return n


def worlds_option():
    """``--worlds W``: the worlds of a forecast of a spec with ``uncertain`` values."""
    return click.option("--worlds", type=WorldsType(), default=None,
                        help="Worlds of the forecast for a spec with `uncertain` values "
                             "(the customers are split over them). Default: the spec's "
                             "`worlds`, else 200.")


def _apply(f, options):
    for opt in reversed(options):
        f = opt(f)
    return f


def simulation_options(customers_help: str, seed_help: str, engine_help: str):
    """-n, --seed and --engine, with a command's own help texts (a command that simulates:
    see :func:`announce_compiling`)."""
    announce_compiling()
    options = [customers_option(customers_help), seed_option(seed_help),
               engine_option(engine_help)]
    return lambda f: _apply(f, options)


COMPILING_NOTE = "compiling the simulator (once, after installing or upgrading)…"
_compile_note: list = []  # the listener, once installed


def announce_compiling() -> None:
    """Print :data:`COMPILING_NOTE` on stderr, once, when numba starts compiling the
    simulator in this process — the first run after installing (later runs load the
    cached code and say nothing) — terminal or not, so a log does not sit silent
    meanwhile. Idempotent; the commands that simulate call it before they run."""
    if _compile_note:
        return
    from numba.core import event  # lazy: numba, only for commands that simulate

    class Note(event.Listener):
        said = False

        def on_start(self, ev):
            # the package's cached functions (the uncached helpers compile in a moment)
            d = ev.data.get("dispatcher")
            module = getattr(getattr(d, "py_func", None), "__module__", "") or ""
            cached = type(getattr(d, "_cache", None)).__name__ not in ("NullCache", "NoneType")
            if not self.said and cached and module.startswith("cxdsl."):
                self.said = True
                print(COMPILING_NOTE, file=sys.stderr, flush=True)

        def on_end(self, ev):
            pass

    _compile_note.append(Note())
    event.register("numba:compile", _compile_note[0])


def customers_option(help: str):
    return click.option("-n", "--customers", type=CountType(), default=None, help=help)


def seed_option(help: str):
    return click.option("--seed", type=SeedType(), default=None, help=help)


def engine_option(help: str):
    return click.option("--engine", type=click.Choice(["numba", "exact"]), default="numba",
                        show_default=True, help=help)


THREADS_OPTION = click.option("--threads", type=click.IntRange(min=1), default=None,
                              help="Threads for the numba engine (default: all cores).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True,
                           help="Print the result as JSON (the shape documented in "
                                "DESIGN.md).")
OUTSIDE_IMPORTS_OPTION = click.option(
    "--allow-outside-imports", is_flag=True,
    help="Let imports reach outside the importing file's directory tree.")

SIMULATOR_OR_EXACT = ("numba: the compiled simulator. exact: exact expectations, for "
                      "journeys whose values are constants or discrete(...).")

#: -n, --seed, --engine, --threads: how every point of an analysis is evaluated.
RUN_OPTIONS = [
    customers_option("Customers per run (100000, 200_000, 1e6). Default: the spec's "
                     "`customers`, else 100000."),
    seed_option("Random seed (an integer). Default: the spec's `seed`, else 0."),
    engine_option("numba: the compiled simulator (95% intervals; differences get paired "
                  "intervals). exact: exact values, for journeys whose values are constants "
                  "or discrete(...)."),
    THREADS_OPTION,
]

#: --scheduler, --dask, --allow-outside-imports.
CLUSTER_OPTIONS = [
    click.option("--scheduler", default=None, metavar="ADDRESS",
                 help="Spread the work over the Dask cluster whose scheduler is at ADDRESS "
                      "(tcp://host:8786). Needs cxdsl[dask]."),
    click.option("--dask", "dask_local", default=None, metavar="local[:N]",
                 help="Spread the work over a local Dask cluster of N worker processes "
                      "(default: one per core). Needs cxdsl[dask]."),
    OUTSIDE_IMPORTS_OPTION,
]

OUTPUT_HELP = ("Write the JSON result to FILE (atomically). With --json, nothing goes to "
               "standard output.")


def analysis_options(output_metavar: str = "FILE", output_help: str = OUTPUT_HELP):
    """The options of the analysis commands, after their own: -n, --seed, --engine,
    --threads, --json, -o, --scheduler, --dask, --allow-outside-imports."""
    output = click.option("-o", "--output", default=None, metavar=output_metavar,
                          help=output_help)
    announce_compiling()
    return lambda f: _apply(f, [*RUN_OPTIONS, JSON_OPTION, output, *CLUSTER_OPTIONS])


def check_output(output: str | None, suffixes: tuple[str, ...] | None = None) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if output is None:
        return
    hint = "'-o' / '--output'"
    try:
        files.check_target(output)
    except files.WriteError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None
    if suffixes and not output.lower().endswith(suffixes):
        raise click.BadParameter(f"'{output}': the file name must end in "
                                 + " or ".join(suffixes), param_hint=hint)


def load(file: str, allow_outside_imports: bool):
    """(model, spec sha256) of FILE, or exit 1 after printing its errors."""
    from ..sim.simulate import spec_sha256  # lazy: numpy, see the module docstring

    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    shown = "<stdin>" if file == "-" else file
    text = comp.sources.get(shown)
    return comp.model, (spec_sha256(text) if text is not None else None)


@contextlib.contextmanager
def failures():
    """Map the errors of an analysis to the command line's: bad arguments and cluster
    problems (a malformed or unreachable scheduler, a cluster lost during the run: one
    line each) exit 2, a journey the exact engine cannot take exits 1, Ctrl-C exits 130;
    in every case nothing has been written."""
    from ..analysis import AnalysisError  # lazy: numba, see the module docstring
    from ..analysis.distributed import (  # lazy: numba, as above
        AddressError,
        DistributedError,
    )
    from ..sim.exact import ExactError  # lazy: numba, as above
    from ..sim.simulate import SimulationError  # lazy: numpy, as above

    try:
        yield
    except (AnalysisError, SimulationError) as exc:
        raise click.UsageError(str(exc)) from None
    except AddressError as exc:
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
    from ..analysis.distributed import from_options  # lazy: numba, see the module docstring

    ex = from_options(scheduler, dask_local)
    try:
        yield ex
    finally:
        ex.close()


def progress_bar() -> LazyProgress:
    """The progress display of a command: on when stderr is a terminal and
    CXDSL_NO_PROGRESS is unset."""
    return LazyProgress(sys.stderr.isatty() and not os.environ.get("CXDSL_NO_PROGRESS"))


@contextlib.contextmanager
def running(scheduler: str | None, dask_local: str | None):
    """(executor, progress) for an analysis's work: the Dask executor the options ask for
    (None for neither) and the progress display, both closed afterwards."""
    announce_compiling()
    progress = progress_bar()
    try:
        with executor_for(scheduler, dask_local) as ex:
            yield ex, progress
    finally:
        progress.close()


def emit(result: dict, as_json: bool, output: str | None, render) -> None:
    """Write the JSON document of ``result`` to ``output`` (if any); print it with
    ``as_json`` (when not written), else call ``render(console)`` for the human form."""
    document = to_json(result)
    if output is not None:
        write_output(output, document)
    if as_json:
        if output is None:
            click.echo(document, nl=False)
        return
    console = make_console()
    render(console)
    if output is not None:
        console.print(f"\nwrote {output}", style="dim")


def make_console():
    """The console of a command's human output on stdout.

    A table is printed whole: no name or number is cut to fit the width. A table that
    would lose characters at the terminal's width (its headers may wrap) is printed at its
    own width, and the terminal wraps its lines; when stdout is not a terminal (a pipe, a
    file) every table is printed at its own width and text is not wrapped at a pretended
    80 columns either."""
    from rich.console import Console  # lazy: rich, see the module docstring
    from rich.table import Table  # lazy: rich, see the module docstring

    class _WholeTables(Console):
        def _cuts(self, table, width: int) -> int:
            """How many cells ``table`` ends with '…' at ``width``."""
            lines = self.render_lines(table, self.options.update_width(width), pad=False)
            return sum(seg.text.count("…") for line in lines for seg in line)

        def print(self, *objects, **kwargs):
            wide = self.options.update_width(100_000)
            tables = [o for o in objects if isinstance(o, Table)]
            need = max((self.measure(t, options=wide).maximum for t in tables), default=0)
            # on a terminal, a table may wrap its cells as long as nothing is cut; piped
            # or written to a file, it is printed at its own width
            if need <= self.width or (self.is_terminal and not any(
                    self._cuts(t, self.width) > self._cuts(t, need) for t in tables)):
                return super().print(*objects, **kwargs)
            width, self.width = self.width, need
            try:
                return super().print(*objects, **kwargs)
            finally:
                self.width = width

    return _WholeTables(file=sys.stdout, highlight=False,
                        soft_wrap=not sys.stdout.isatty())


def to_json(obj) -> str:
    """A command's JSON document: indented, UTF-8, no NaN."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def how_line(manifest: dict) -> str:
    if manifest.get("engine") == "exact":
        return "exact engine (no sampling)"
    return (f"{manifest['customers']:,} customers, seed {manifest['seed']}, "
            "paired 95% intervals")
