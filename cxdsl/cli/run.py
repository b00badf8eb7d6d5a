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
from ..present.numbers import (
    LABELS,
    decimals_for,
    fmt_forecast,
    fmt_interval,
    fmt_metric,
    short_label,
)
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
    worlds_option,
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


def _how(man: dict) -> str:
    """The run in words: engine, customers, worlds, seed."""
    worlds = man.get("worlds")
    if man.get("engine") == "exact":
        return ("exact engine (no sampling)" if not worlds
                else f"exact engine (no sampling), {worlds:,} worlds")
    over = f" over {worlds:,} worlds" if worlds else ""
    return f"{man['customers']:,} customers{over}, seed {man['seed']}"


def _headline_table(result, names, forecast: bool):
    head = Table(show_header=forecast, box=None, padding=(0, 2), header_style="dim")
    head.add_column("", style="bold")
    head.add_column("value", justify="right")
    if forecast:
        head.add_column("forecast (95% of worlds)", justify="right")
    head.add_column("simulation's 95% interval" if forecast else "", style="dim")
    for name in names:
        m = result.overall.metrics[name]
        cells = [LABELS[name], fmt_metric(name, m.value)]
        if forecast:
            cells.append(fmt_forecast(name, m))
        head.add_row(*cells, fmt_interval(name, m))
    return head


def forecast_words(result) -> str:
    """The sentence that says what a forecast's headline figures mean."""
    name = result.headline
    m = result.overall.metrics[name]
    label = LABELS[name] if LABELS[name].isupper() else LABELS[name].lower()
    if result.exact:
        known = "the exact engine computes each world without sampling noise"
    else:
        hw = m.half_width
        known = ("the simulation's precision of it is unknown" if hw is None else
                 f"the simulation knows the expected value to "
                 f"±{REGISTRY[name].format(hw, decimals_for(REGISTRY[name].decimals, hw, None))}")
    return (f"{label} {fmt_metric(name, m.value)}, forecast {fmt_forecast(name, m)}: with "
            f"the spec's uncertain values, 95% of worlds land in this range and "
            f"{fmt_metric(name, m.value)} is the mean over the worlds; {known}.")


def noise_words(result) -> str | None:
    """The note when the worlds' own simulation noise is a noticeable part of the
    headline's spread over worlds (:func:`cxdsl.sim.forecast.noise`)."""
    noise = result.noise
    if not noise or not noise.get("noticeable"):
        return None
    label = LABELS[noise["metric"]]
    if noise.get("customers"):
        tail = f"; -n {noise['customers']:,} would make it negligible"
    else:  # the spread is no wider than the noise: no estimate of the signal to aim at
        tail = ("; the spread is no wider than the noise itself: run many more customers "
                f"(-n {10 * result.manifest['customers']:,} or more) to see the spread "
                "the uncertain values make")
    return (f"note: simulation noise is {noise['share'] * 100:.0f}% of the spread of "
            f"{label} over the worlds (each world simulates "
            f"{result.manifest['customers'] // len(result.worlds):,} customers), so the "
            f"forecast range is wider than the uncertain values alone make it{tail}.")


def render_human(result, model, console) -> None:
    man = result.manifest
    forecast = result.worlds is not None
    scen = f", scenario {man['scenario']}" if man.get("scenario") else ""
    console.print(Text.assemble((model.title or "journey", "bold"), f" — {_how(man)}{scen}"))
    console.print()
    if forecast:
        console.print(Text(forecast_words(result)))
        note = noise_words(result)
        if note:
            console.print(Text(note, style="yellow"))
        console.print()
    names = list(result.overall.metrics)
    console.print(_headline_table(result, names, forecast))
    survey = result.headline_survey
    if survey is not None:
        console.print(Text(_audience(survey, model, names), style="dim"))
    console.print()
    if len(result.surveys) > 1:
        _surveys_table(result, model, names, console)
    _personas_table(result, model, names, console, forecast)
    _stages_table(result, model, console)
    termviz.render(result, console, scale=model.scale, goal=model.goal)
    console.print()
    _events_table(result, console)
    _targets(result, console)


def _personas_table(result, model, names, console, forecast: bool) -> None:
    if forecast:
        rows = [(p.name, f"{p.share * 100:.0f}%", result.personas[p.name])
                for p in model.personas]
        console.print(_forecast_table("Personas", ("persona", "share"), rows, names))
        console.print()
        return
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


def _forecast_table(title: str, heads: tuple[str, ...], rows, names) -> Table:
    """A forecast's groups (personas, surveys) one metric a row: the leading cells of
    ``rows`` (one per head), then each metric's value and forecast interval."""
    table = Table(title=title, title_justify="left", title_style="bold",
                  caption="forecast: where 95% of the worlds land", caption_justify="left")
    for head in heads:
        table.add_column(head)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("forecast", justify="right")
    for *lead, group in rows:
        shown = [n for n in names if n in group.metrics]
        for i, name in enumerate(shown):
            m = group.metrics[name]
            table.add_row(*(lead if i == 0 else [""] * len(lead)), short_label(name),
                          fmt_metric(name, m.value), fmt_forecast(name, m),
                          end_section=i == len(shown) - 1)
    return table


def _stages_table(result, model, console) -> None:
    lo, hi = model.scale
    mean_of = " (means over the worlds)" if result.worlds is not None else ""
    stages = Table(title="Funnel and emotion curve", title_justify="left",
                   title_style="bold", caption=f"◆ goal stage; mean score on {lo}..{hi}"
                   f"{mean_of}", caption_justify="left")
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


def _events_table(result, console) -> None:
    if not result.events:
        return
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


def _targets(result, console) -> None:
    if not result.targets:
        return
    console.print(Text("Targets", style="bold"))
    for t in result.targets:
        mark = Text("  ✓ met    ", style="green") if t.met else Text("  ✗ missed ",
                                                                    style="bold red")
        value = fmt_metric(t.target.metric, t.value)
        worlds = ("" if t.worlds_met is None else
                  f"; met in {t.worlds_met * 100:.0f}% of worlds")
        console.print(Text.assemble(mark, str(t.target), f"  (forecast {value}{worlds})"))
    if result.worlds is not None:
        console.print(Text("A target is judged on the value (the mean over the worlds).",
                           style="dim"))


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
    scores = [n for n in names if REGISTRY[n].audience == "survey"]
    if result.worlds is not None:
        rows = []
        for i, s in enumerate(result.surveys.values()):
            asked = s.overall.metrics["respondents"].value
            rows.append((s.name + (" ◆" if i == 0 else ""), _who(s, model),
                         "—" if asked is None else f"{asked * 100:.1f}%", s.overall))
        table = _forecast_table("Surveys", ("survey", "asked", "respondents"), rows, scores)
        console.print(table)
        console.print(Text("◆ headline survey: the figures above", style="dim"))
        console.print()
        return
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
                   "(NPS points on a 0..10 scale, else score points of the mean; in a "
                   "forecast, of the mean over the worlds).")
@worlds_option()
@JSON_OPTION
@click.option("-o", "--output", default=None, metavar="FILE", help=OUTPUT_HELP)
@OUTSIDE_IMPORTS_OPTION
def command(file, customers, seed, scenario, engine, threads, precision, worlds, as_json,
            output, allow_outside_imports):
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

    if worlds is not None and not model.uncertain:
        click.echo("note: --worlds has no effect: the spec declares no uncertain values",
                   err=True)
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
                          progress=progress, spec_sha=sha, worlds=worlds)
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
            of = " (of the mean over the worlds)" if result.worlds is not None else ""
            console.print(f"\nprecision: {result.headline} ±{hw:.3g} at 95%{of} — the asked "
                          f"±{precision:g} {met}", style="dim")
        if output is not None:
            console.print(f"\nwrote {output}", style="dim")
    sys.exit(0 if result.targets_met else 1)
