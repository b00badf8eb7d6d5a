"""``cxdsl compare FILE [--scenario NAME]…``: the baseline and its scenarios side by side.
"""

from __future__ import annotations

import sys

import click

from .. import analysis
from ..present.numbers import (
    METRIC_WORDS,
    decimals_for,
    fmt_delta,
    fmt_delta_ci,
    fmt_metric,
    fmt_money,
    fmt_money_ci,
    fmt_payback,
    short_label,
)
from .common import (
    analysis_options,
    check_output,
    emit,
    failures,
    how_line,
    load,
    running,
    worlds_option,
)

# ------------------------------------------------------------------ forecast words


def fmt_band(metric: str, band, signed: bool = False) -> str:
    """A forecast95 ``(lo, hi)`` of a metric: ``[18.0, 44.1]`` (signed for a change)."""
    if band is None or band[0] is None or band[1] is None:
        return ""
    if signed:
        return f"[{fmt_delta(metric, band[0])}, {fmt_delta(metric, band[1])}]"
    return f"[{fmt_metric(metric, band[0])}, {fmt_metric(metric, band[1])}]"


def fmt_with_band(metric: str, m, signed: bool = False) -> str:
    """A forecast metric: ``+7.0 [+0.4, +19.6]``, the expected value and the range of 95%
    of plausible worlds."""
    if m.value is None:
        return "—"
    text = fmt_delta(metric, m.value) if signed else fmt_metric(metric, m.value)
    band = fmt_band(metric, m.forecast, signed)
    return f"{text} {band}" if band else text


def fmt_money_band(m) -> str:
    """A forecast amount of money: ``+10,300 [+2,100, +19,800]`` (digits from the
    range's width, :func:`decimals_for`)."""
    if m.value is None:
        return "—"
    band = m.forecast
    if band is None or band[0] is None or band[1] is None:
        return f"{m.value:+,.{decimals_for(0, None, m.value)}f}"
    half = (band[1] - band[0]) / 2
    # a range that is a float's rounding wide is no range: digits for the value alone
    d = decimals_for(0, half if half > 1e-9 * max(1.0, abs(m.value)) else None, m.value)
    return f"{m.value:+,.{d}f} [{band[0]:+,.{d}f}, {band[1]:+,.{d}f}]"


def fmt_money_value(x: float) -> str:
    """An amount of money with its sign, to two significant digits at least."""
    return f"{x:+,.{decimals_for(0, None, x)}f}"


def fmt_payback_band(m, cost) -> str:
    """A forecast payback: the payback of the expected net and its range over worlds."""
    if not cost:
        return "—"
    def text(x) -> str:
        return "never" if x is None else f"{x:,.{decimals_for(0, None, x)}f}"

    band = m.forecast
    if band is None or (band[0] is None and band[1] is None):
        return text(m.value)
    return f"{text(m.value)} [{text(band[0])}, {text(band[1])}]"


def chance_words(p: float | None) -> str:
    """A share of worlds as a CX director reads it: ``87%``, ``all``, ``none``."""
    if p is None:
        return "—"
    if p >= 1:
        return "every one"
    if p <= 0:
        return "none"
    return f"{p * 100:.0f}%" if 0.01 <= p <= 0.99 else f"{p * 100:.1f}%"

# ------------------------------------------------------------------------- rendering


def render_human(cmp, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    model = cmp.model
    base = cmp.baseline.result
    names = list(base.overall.metrics)
    console.print(Text.assemble((model.title or "journey", "bold"),
                                f" — {how_line(cmp.manifest)}"))
    console.print()
    if cmp.forecast:
        render_forecast(cmp, console)
        return

    forecast = Table(title="Forecast", title_justify="left", title_style="bold")
    forecast.add_column("")
    for n in names:
        forecast.add_column(short_label(n), justify="right")
    forecast.add_row("baseline", *(fmt_metric(n, base.overall.metrics[n].value)
                                   for n in names))
    for sc in cmp.scenarios:
        r = sc.point.result
        forecast.add_row(sc.scenario.name, *(fmt_metric(n, r.overall.metrics[n].value)
                                             for n in names))
    console.print(forecast)

    if cmp.scenarios:
        console.print()
        change = Table(title="Change against the baseline"
                       + ("" if cmp.manifest.get("engine") == "exact"
                          else " (paired 95% interval)"),
                       title_justify="left", title_style="bold")
        change.add_column("scenario")
        for n in names:
            change.add_column(short_label(n), justify="right")
        for sc in cmp.scenarios:
            change.add_row(sc.scenario.name, *(fmt_delta_ci(n, sc.delta[n]) for n in names))
        console.print(change)

    if cmp.scenarios:
        console.print()
        _money_table(cmp, console)
    if model.targets:
        console.print()
        _targets_table(cmp, console)
    _closing_line(cmp, console)


def _money_columns(table, cmp, unit: str) -> bool:
    """The money table's columns; True when it has a running-cost column."""
    has_running = any(sc.money.running_cost for sc in cmp.scenarios)
    for name in ("scenario", "cost", *(("running cost",) if has_running else ()),
                 "revenue change", "net", f"payback ({unit})",
                 f"{short_label(cmp.headline)} per 10k of cost"):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    return has_running

def _money_table(cmp, console) -> None:
    """Each scenario's costs and money; without a volume, per customer and how to set one."""
    from rich.table import Table  # lazy: rich, for the human output only

    model = cmp.model
    exact = cmp.manifest.get("engine") == "exact"
    per = f"per {model.period}" if model.volume is not None else "per customer who enters"
    title = (f"Money {per} (volume {model.volume:,.0f} customers per {model.period})"
             if model.volume is not None else f"Money {per}")
    table = Table(title=title + ("" if exact else ", paired 95% interval"),
                  title_justify="left", title_style="bold")
    unit = f"{model.period}s" if model.volume is not None else "customers"
    has_running = _money_columns(table, cmp, unit)
    for sc in cmp.scenarios:
        m = sc.money
        table.add_row(sc.scenario.name, fmt_money(m.cost),
                      *((fmt_money(m.running_cost),) if has_running else ()),
                      fmt_money_ci(m.revenue_change), fmt_money_ci(m.net), _payback_text(m),
                      fmt_delta_ci(cmp.headline, m.per_10k_cost))
    console.print(table)
    if model.volume is None:
        console.print("Money is per customer who enters the journey: set the business size "
                      "to count it per period, e.g. `volume 40_000 per year`.")


def _payback_text(m) -> str:
    return fmt_payback(m.payback, m.net, m.cost)


def _targets_table(cmp, console) -> None:
    """Every target, met or missed by the baseline and by each scenario."""
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    table = Table(title="Targets", title_justify="left", title_style="bold")
    table.add_column("target")
    variants = [("baseline", cmp.baseline.result)] + [(sc.scenario.name, sc.point.result)
                                                      for sc in cmp.scenarios]
    for name, _ in variants:
        table.add_column(name, justify="right")
    for i, target in enumerate(cmp.model.targets):
        cells = []
        for _, result in variants:
            t = result.targets[i]
            cells.append(Text(f"✓ {fmt_metric(t.target.metric, t.value)}", style="green")
                         if t.met else
                         Text(f"✗ {fmt_metric(t.target.metric, t.value)}", style="bold red"))
        table.add_row(str(target), *cells)
    console.print(table)


def _closing_line(cmp, console) -> None:
    """Which variants meet every target, and which scenario has the best net money."""
    parts = []
    if cmp.model.targets:
        meeting = cmp.meeting_targets
        parts.append("Meet every target: " + ", ".join(meeting) + "." if meeting
                     else "No variant meets every target.")
    best = cmp.best_net
    if best is not None:
        per = f"per {cmp.model.period}" if cmp.model.volume is not None else "per customer"
        parts.append(f"Best net {per}: {best.scenario.name} ({fmt_money_ci(best.money.net)}).")
    if parts:
        console.print()
        console.print(" ".join(parts))


# ------------------------------------------------------------------- forecasts


def render_forecast(cmp, console) -> None:
    """A comparison over the worlds of uncertain values: expected values with the range
    of 95% of plausible worlds, each scenario's chances, and the risk-neutral choice."""
    from rich.table import Table  # lazy: rich, for the human output only

    base = cmp.baseline.result
    names = list(base.overall.metrics)
    worlds = cmp.manifest.get("worlds")
    console.print(f"Forecast over {worlds:,} plausible worlds of the spec's uncertain values: "
                  "expected values; in brackets, the range of 95% of the worlds.")
    console.print()
    levels = Table(title="Forecast (expected values)", title_justify="left",
                   title_style="bold")
    changes = Table(title="Change against the baseline, world by world",
                    title_justify="left", title_style="bold")
    levels.add_column("")
    changes.add_column("scenario")
    for n in names:
        levels.add_column(short_label(n), justify="right")
        changes.add_column(short_label(n), justify="right")
    levels.add_row("baseline", *(fmt_metric(n, base.overall.metrics[n].value)
                                 for n in names))
    for sc in cmp.scenarios:
        r = sc.point.result
        levels.add_row(sc.scenario.name, *(fmt_metric(n, r.overall.metrics[n].value)
                                           for n in names))
        changes.add_row(sc.scenario.name, *(fmt_with_band(n, sc.delta[n], True)
                                            for n in names))
    console.print(levels)
    if cmp.scenarios:
        console.print()
        console.print(changes)
        console.print()
        _forecast_money(cmp, console)
        console.print()
        _chances(cmp, console)
    if cmp.model.targets:
        console.print()
        _targets_table(cmp, console)
    _noise_note(cmp, console)


def _forecast_money(cmp, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only

    model = cmp.model
    per = f"per {model.period}" if model.volume is not None else "per customer who enters"
    unit = f"{model.period}s" if model.volume is not None else "customers"
    table = Table(title=f"Money {per}" + (f" (volume {model.volume:,.0f} customers per "
                                          f"{model.period})" if model.volume else ""),
                  title_justify="left", title_style="bold")
    has_running = _money_columns(table, cmp, unit)
    for sc in cmp.scenarios:
        m = sc.money
        table.add_row(sc.scenario.name, fmt_money(m.cost),
                      *((fmt_money(m.running_cost),) if has_running else ()),
                      fmt_money_band(m.revenue_change), fmt_money_band(m.net),
                      fmt_payback_band(m.payback, m.cost),
                      fmt_with_band(cmp.headline, m.per_10k_cost, True))
    console.print(table)
    if model.volume is None:
        console.print("Money is per customer who enters the journey: set the business size "
                      "to count it per period, e.g. `volume 40_000 per year`.")


def _chances(cmp, console) -> None:
    """Each scenario's chances in words, and the risk-neutral choice."""
    words = METRIC_WORDS[cmp.headline]
    per = f"per {cmp.per}"
    console.print("[bold]Chances[/bold] (share of the plausible worlds)")
    for sc in cmp.scenarios:
        c = sc.chances
        line = (f"  {sc.scenario.name}: beats the baseline's {words} in "
                f"{chance_words(c.p_better)} of them")
        if c.p_net_positive is None:
            line += "; its net money is unknown (a running cost needs a `volume`)"
        else:
            line += (f"; makes money (net {per} above 0) in {chance_words(c.p_net_positive)}"
                     f" of them, {fmt_money_value(sc.money.net.value)} {per} expected")
        console.print(line + ".", highlight=False)
    pick = cmp.pick
    console.print()
    if pick is None:
        console.print(f"A risk-neutral choice funds none of them: no scenario has a positive "
                      f"expected net {per}.")
    else:
        console.print(f"A risk-neutral choice (the highest expected net {per}): "
                      f"[bold]{pick.scenario.name}[/bold], "
                      f"{fmt_money_value(pick.money.net.value)} {per} expected, making "
                      "money in "
                      f"{chance_words(pick.chances.p_net_positive)} of the worlds.")


def _noise_note(cmp, console) -> None:
    noise = cmp.baseline.result.noise
    if noise and noise.get("noticeable"):
        tail = (f"; -n {noise['customers']:,} would make it negligible"
                if noise.get("customers") else "")
        console.print()
        console.print(f"note: simulation noise is {noise['share'] * 100:.0f}% of the spread "
                      f"of {METRIC_WORDS[noise['metric']]} over the worlds{tail}.",
                      style="dim")


# ------------------------------------------------------------------------- command


def note_worlds(model, worlds) -> None:
    """Say on stderr that ``--worlds`` does nothing for a spec without uncertain values."""
    if worlds is not None and not model.uncertain:
        click.echo("note: --worlds has no effect: the spec declares no `uncertain` values",
                   err=True)


@click.command("compare")
@click.argument("file")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME",
              help="Compare this scenario (repeat for several). Default: every scenario "
                   "of the spec.")
@worlds_option()
@analysis_options()
def command(file, scenarios, worlds, customers, seed, engine, threads, as_json, output,
            scheduler, dask_local, allow_outside_imports):
    """Compare the scenarios of FILE against its baseline.

    Every metric of the baseline and of each scenario, the change against the baseline
    with a paired 95% interval (the runs share their random numbers, so the change
    carries far less noise than the metrics themselves); each scenario's money: revenue
    change and net (minus running cost) per period of the spec's `volume`, payback in
    periods of the one-off cost, headline points per 10,000 of it (per customer who
    enters without a `volume`); every target for every scenario. Scenarios are sorted by
    the change of the headline metric.

    With `uncertain` values, baseline and scenarios are forecast in the same plausible
    worlds, on the same customers: each change and money figure also gets the range of
    95% of the worlds, each scenario the share of worlds where it beats the baseline and
    where it makes money, and the output names the scenario a risk-neutral decision
    funds (the highest expected net, or none).

    Exit 0 when the baseline meets every target, 1 when it misses one (or the spec has
    errors), 2 for bad arguments."""
    check_output(output)
    model, sha = load(file, allow_outside_imports)
    with failures():
        for name in scenarios:
            analysis.check_scenario(model, name)
        if not scenarios and not model.scenarios:
            click.echo("note: the spec defines no scenarios; showing the baseline alone",
                       err=True)
        note_worlds(model, worlds)
        with running(scheduler, dask_local) as (ex, progress):
            cmp = analysis.compare(model, list(scenarios) or None, engine=engine,
                                   customers=customers, seed=seed, threads=threads,
                                   executor=ex, spec_sha=sha, progress=progress,
                                   worlds=worlds)
    emit(cmp.to_dict(), as_json, output, lambda c: render_human(cmp, c))
    missed = cmp.baseline.result.missed
    if missed:
        click.echo("missed target" + ("s" if len(missed) > 1 else "") + ": "
                   + ", ".join(str(t.target) for t in missed), err=True)
    sys.exit(0 if cmp.targets_met else 1)
