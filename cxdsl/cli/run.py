"""``cxdsl run FILE``: forecast the CX metrics of a journey."""

from __future__ import annotations

import os
import sys
import threading

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..model.metrics import REGISTRY
from ..present import termviz
from ..present.numbers import LABELS, fmt_interval, fmt_metric, short_label
from ..sim.exact import ExactError
from ..sim.simulate import SimulationError, check_scenario, simulate, spec_sha256
from .common import (
    JSON_OPTION,
    OUTPUT_HELP,
    OUTSIDE_IMPORTS_OPTION,
    SIMULATOR_OR_EXACT,
    THREADS_OPTION,
    LazyProgress,
    PositiveNumberType,
    check_output,
    customers_option,
    engine_option,
    load_or_exit,
    make_console,
    progress_after,
    report,
    seed_option,
    write_output,
)


class PrecisionType(PositiveNumberType):
    """A headline half-width: any positive number."""

    name = "X"
    not_a_number = "{value!r} is not a number"
    out_of_range = "{value!r}: the precision must be a positive number"


def _warm_up() -> None:
    """Load (or, the first time ever, compile) the simulator before the run, with a
    spinner on stderr if that takes longer than progress_after() seconds, so a first run
    says what it is doing instead of sitting at 0%."""
    from ..sim import engine  # lazy: compiling the kernel's module, under the spinner

    status = None
    lock = threading.Lock()
    done = False

    def show() -> None:
        nonlocal status
        with lock:
            if not done:
                status = Console(file=sys.stderr).status(
                    "compiling the simulator (first run only)…")
                status.start()

    timer = threading.Timer(progress_after(), show)
    timer.daemon = True
    timer.start()
    try:
        engine.warm_up()
    finally:
        timer.cancel()
        with lock:
            done = True
            if status is not None:
                status.stop()


def render_human(result, model, console) -> None:
    man = result.manifest
    title = model.title or "journey"
    if man.get("engine") == "exact":
        how = "exact engine (no sampling)"
    else:
        how = f"{man['customers']:,} customers, seed {man['seed']}"
    scen = f", scenario {man['scenario']}" if man.get("scenario") else ""
    console.print(Text.assemble((title, "bold"), f" — {how}{scen}"))
    console.print()

    names = list(result.overall.metrics)
    head = Table(show_header=False, box=None, padding=(0, 2))
    head.add_column(style="bold")
    head.add_column(justify="right")
    head.add_column(style="dim")
    for name in names:
        m = result.overall.metrics[name]
        head.add_row(LABELS[name], fmt_metric(name, m.value), fmt_interval(name, m))
    console.print(head)
    survey = result.headline_survey
    if survey is not None:
        console.print(Text(_audience(survey, model, names), style="dim"))
    console.print()
    if len(result.surveys) > 1:
        _surveys_table(result, model, names, console)

    personas = Table(title="Personas", title_justify="left", title_style="bold")
    personas.add_column("persona")
    personas.add_column("share", justify="right")
    for name in names:
        personas.add_column(short_label(name), justify="right")
    for p in model.personas:
        group = result.personas[p.name]
        personas.add_row(p.name, f"{p.share * 100:.0f}%",
                         *(fmt_metric(n, group.metrics[n].value) for n in names))
    console.print(personas)
    console.print()

    lo, hi = model.scale
    stages = Table(title="Funnel and emotion curve", title_justify="left",
                   title_style="bold", caption=f"◆ goal stage; mean score on {lo}..{hi}",
                   caption_justify="left")
    stages.add_column("stage")
    stages.add_column("reached", justify="right")
    stages.add_column("advanced", justify="right")
    stages.add_column("mean score", justify="right")
    for i, s in enumerate(result.stages):
        mean = "—" if s.mean_score is None else f"{s.mean_score:.2f}"
        name = s.name + (" ◆" if s.name == model.goal else "")
        advanced = f"{s.advanced * 100:.1f}%" if i < len(result.stages) - 1 else ""
        stages.add_row(name, f"{s.reached * 100:.1f}%", advanced, mean)
    console.print(stages)
    console.print()
    termviz.render(result, console, scale=model.scale, goal=model.goal)
    console.print()

    if result.events:
        events = Table(title="Moments of truth", title_justify="left", title_style="bold")
        events.add_column("event")
        events.add_column("stage")
        events.add_column("happened to", justify="right")
        events.add_column("of those reaching its stage", justify="right")
        for e in result.events:
            reached = "—" if e.rate_reached is None else f"{e.rate_reached * 100:.2f}%"
            events.add_row(e.name, e.stage, f"{e.rate * 100:.2f}%", reached)
        console.print(events)
        console.print()

    if result.targets:
        console.print(Text("Targets", style="bold"))
        for t in result.targets:
            mark = Text("  ✓ met    ", style="green") if t.met else Text("  ✗ missed ",
                                                                        style="bold red")
            value = fmt_metric(t.target.metric, t.value)
            console.print(Text.assemble(mark, str(t.target), f"  (forecast {value})"))


def _who(survey, model) -> str:
    """Who a survey asks, in words: ``converted customers, at Delight``."""
    if survey.stage is None:
        return "every customer, at the end of their journey"
    if survey.stage == model.goal:
        return f"converted customers, at {survey.stage}"
    return f"customers who reached {survey.stage}"


def _audience(survey, model, names) -> str:
    """The line under the headline figures that says whose scores they are."""
    scores = [LABELS[n] if LABELS[n].isupper() else LABELS[n].lower()
              for n in names if REGISTRY[n].audience == "survey"]
    which = ", ".join(scores[:-1]) + " and " + scores[-1] if len(scores) > 1 else scores[0]
    asked = survey.overall.metrics["respondents"].value
    share = "" if asked is None else f", {asked * 100:.1f}% of customers asked"
    label = f" “{survey.label}”" if survey.label else ""
    return (f"{which}: {_who(survey, model)} (survey {survey.name}{label}{share}). "
            "Conversion and revenue: every customer who entered.")


def _surveys_table(result, model, names, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only

    scores = [n for n in names if REGISTRY[n].audience == "survey"]
    table = Table(title="Surveys", title_justify="left", title_style="bold",
                  caption="◆ headline survey: the figures above", caption_justify="left")
    table.add_column("survey")
    table.add_column("asked")
    table.add_column("respondents", justify="right")
    for name in scores:
        table.add_column(short_label(name), justify="right")
    for i, s in enumerate(result.surveys.values()):
        asked = s.overall.metrics["respondents"].value
        table.add_row(s.name + (" ◆" if i == 0 else ""), _who(s, model),
                      "—" if asked is None else f"{asked * 100:.1f}%",
                      *(fmt_metric(n, s.overall.metrics[n].value) for n in scores))
    console.print(table)
    console.print()


def _needs_compiling() -> bool:
    from ..sim import engine as numba_engine  # lazy: numba, for this command only

    return numba_engine.needs_compiling()


# ------------------------------------------------------------------------- command


@click.command("run")
@click.argument("file")
@customers_option("Customers to simulate (100000, 200_000, 1e6). Default: the spec's "
                  "`customers`, else 100000. With --precision: the most to simulate.")
@seed_option("Random seed (an integer). Default: the spec's `seed`, else 0.")
@click.option("--scenario", default=None, metavar="NAME",
              help="Apply one of the spec's scenarios to the baseline.")
@engine_option(SIMULATOR_OR_EXACT)
@THREADS_OPTION
@click.option("--precision", type=PrecisionType(), default=None,
              help="Simulate until the headline metric's 95% half-width is at most X "
                   "(NPS points on a 0..10 scale, else score points of the mean).")
@JSON_OPTION
@click.option("-o", "--output", default=None, metavar="FILE", help=OUTPUT_HELP)
@OUTSIDE_IMPORTS_OPTION
def command(file, customers, seed, scenario, engine, threads, precision, as_json, output,
            allow_outside_imports):
    """Forecast the CX metrics of the journey in FILE (``-`` reads standard input).

    Exit 0 when every target is met, 1 when a target is missed or the spec has errors,
    2 for bad arguments."""
    check_output(output)
    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    if len(comp.diagnostics):  # warnings: on stderr, so --json stays clean
        report(comp)
    model = comp.model
    shown = "<stdin>" if file == "-" else file
    text = comp.sources.get(shown)
    sha = spec_sha256(text) if text is not None else None
    try:
        check_scenario(model, scenario)
    except SimulationError as exc:
        raise click.BadParameter(str(exc), param_hint="'--scenario'") from None

    interactive = sys.stderr.isatty() and not os.environ.get("CXDSL_NO_PROGRESS")
    progress = LazyProgress(interactive)
    try:
        if engine == "numba" and interactive:
            _warm_up()
        elif engine == "numba" and _needs_compiling():
            # no spinner off a terminal, but a CI log must not sit silent for a minute
            click.echo("compiling the simulator (first run only; up to a minute)…", err=True)
        result = simulate(model, customers=customers, seed=seed, scenario=scenario,
                          engine=engine, threads=threads, precision=precision,
                          progress=progress, spec_sha=sha)
    except ExactError as exc:
        progress.close()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except SimulationError as exc:
        progress.close()
        raise click.UsageError(str(exc)) from None
    except KeyboardInterrupt as exc:
        progress.close()
        done = getattr(exc, "done", None)
        where = f" after {done:,} of {exc.total:,} customers" if done is not None else ""
        click.echo(f"interrupted{where}; nothing written", err=True)
        sys.exit(130)
    progress.close()

    document = result.to_json() + "\n"
    if output is not None:
        write_output(output, document)
    if as_json:
        if output is None:
            click.echo(document, nl=False)
    else:
        console = make_console()
        render_human(result, model, console)
        if precision is not None and not result.exact:
            hw = result.half_width()
            met = "reached" if hw <= precision else "NOT reached (the customer cap came first)"
            console.print(f"\nprecision: {result.headline} ±{hw:.3g} at 95% — the asked "
                          f"±{precision:g} {met}", style="dim")
        if output is not None:
            console.print(f"\nwrote {output}", style="dim")
    sys.exit(0 if result.targets_met else 1)
