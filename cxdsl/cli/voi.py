"""``cxdsl voi FILE``: which uncertain value is worth measuring before deciding."""

from __future__ import annotations

import sys

import click

from ..present.numbers import fmt_money, short_label
from .common import (
    JSON_OPTION,
    OUTSIDE_IMPORTS_OPTION,
    SIMULATOR_OR_EXACT,
    THREADS_OPTION,
    check_output,
    emit,
    failures,
    load,
    progress_bar,
    simulation_options,
    worlds_option,
)


def amount(res, x: float | None) -> str:
    """A value of information in the decision's unit: money, or points of the metric."""
    if x is None:
        return "—"
    if res.decision == "net":
        return fmt_money(x)
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.1e}"


def with_interval(res, fig, text=None) -> str:
    if fig is None:
        return "—"
    text = text or amount
    return f"{text(res, fig.value)} [{text(res, fig.lo)}, {text(res, fig.hi)}]"


def share(_res, x: float) -> str:
    return f"{x * 100:.1f}%"


def unit_words(res) -> str:
    if res.decision == "net":
        return f"net money per {res.model.period}"
    return short_label(res.decision)


def advice(res) -> str:
    """One sentence: what to measure first, or that the decision is clear."""
    best = res.best
    if best is None:
        top = max(res.values, key=lambda v: v.variance_share.value)
        return (f"{top.path} moves {short_label(res.metric)} most "
                f"({share(res, top.variance_share.value)} of its forecast variance); add "
                "scenarios to ask which measurement would change a decision.")
    top = res.values[0] if res.values else None
    from ..analysis.voi import CLEAR  # lazy: numpy, only once there is a result

    if best.p_best >= CLEAR or top is None or top.evppi is None or top.evppi.value <= 0:
        return (f"The decision is clear: fund {best.name}; it is the best option in "
                f"{best.p_best * 100:.0f}% of the worlds, so no measurement is likely to "
                "change it.")
    return (f"Measure {top.path} first: knowing it exactly is worth "
            f"{amount(res, top.evppi.value)} ({unit_words(res)}) of the "
            f"{amount(res, res.evpi.value)} that knowing every value would be worth; "
            f"until then, {best.name} is the best bet.")


def render_human(res, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    man = res.manifest
    how = ("exact engine (no sampling)" if man.get("engine") == "exact" else
           f"{man['customers']:,} customers over {res.worlds:,} worlds, seed {man['seed']}")
    console.print(Text.assemble((res.model.title or "journey", "bold"), f" — {how}"))
    if res.decision is not None:
        what = (f"net money per {res.model.period} (volume {res.model.volume:,.0f} per "
                f"{res.model.period}, baseline 0)" if res.decision == "net"
                else short_label(res.decision))
        console.print(f"Decision: which scenario, or none, to fund, by {what}")
    table = Table(title="Value of information, by what measuring each value is worth",
                  title_justify="left", title_style="bold")
    table.add_column("#", justify="right", style="dim")
    table.add_column("uncertain value", no_wrap=True)
    table.add_column(f"share of {short_label(res.metric)} variance", justify="right")
    table.add_column("EVPPI [95%]", justify="right")
    for i, row in enumerate(res.values, 1):
        table.add_row(str(i), Text(row.path), with_interval(res, row.variance_share, share),
                      with_interval(res, row.evppi))
    console.print(table)
    if res.evpi is not None:
        console.print(Text(f"EVPI (every value known): {with_interval(res, res.evpi)} "
                           f"({unit_words(res)})"))
        best = res.best
        console.print(Text(f"Best option now: {best.name} (expected {unit_words(res)} "
                           f"{amount(res, best.expected.value)}; the best in "
                           f"{best.p_best * 100:.0f}% of the worlds)"))
    console.print(Text(advice(res)))
    noise = res.noise or {}
    if noise.get("customers"):
        worst = max(noise.get("metric") or 0.0, noise.get("decision") or 0.0)
        console.print(Text(f"note: simulation noise is {worst * 100:.0f}% of the spread over "
                           f"worlds; -n {noise['customers']:,} would bring it to 5%",
                           style="yellow"))
    if res.note:
        console.print(Text(f"note: {res.note}", style="dim"))
    console.print(Text("variance share: Var(E[metric | value]) / Var(metric); EVPPI: what "
                       "knowing the value exactly adds to the decision's expected value",
                       style="dim"))


@click.command("voi")
@click.argument("file")
@click.option("--metric", type=click.Choice(["nps", "csat", "mean", "conversion",
                                             "revenue"]), default=None,
              help="The metric whose forecast variance is shared out (and the decision's "
                   "value without a `volume`). Default: nps on a 0..10 scale, else mean.")
@worlds_option()
@simulation_options("Customers in all, split evenly over the worlds; every option runs the "
                    "same ones. Default: the spec's `customers` or 50,000 per world, "
                    "whichever is more.",
                    "Random seed (an integer). Default: the spec's `seed`, else 0.",
                    SIMULATOR_OR_EXACT)
@THREADS_OPTION
@JSON_OPTION
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write the JSON result to FILE (atomically). With --json, nothing goes "
                   "to standard output.")
@OUTSIDE_IMPORTS_OPTION
def command(file, metric, worlds, customers, seed, engine, threads, as_json, output,
            allow_outside_imports):
    """Which uncertain value of FILE is worth measuring before deciding.

    Simulates the baseline and every scenario in the same worlds, then gives each
    `uncertain` value its share of the headline's forecast variance and, when the spec
    has scenarios, its EVPPI: what knowing it exactly would add to the decision "which
    scenario, or none, to fund" (net money per period with a `volume`, else the
    metric), with the total EVPI, each with a bootstrap 95% interval.

    Exit 0 on success, 1 when the spec has errors or declares no uncertain values, 2
    for bad arguments."""
    check_output(output)
    model, sha = load(file, allow_outside_imports)
    from ..analysis import check_metric  # lazy: numba, see cli.common's docstring
    from ..analysis.voi import NothingUncertain, voi  # lazy: as above

    with failures():
        check_metric(model, metric)
        progress = progress_bar()
        try:
            res = voi(model, metric, worlds=worlds, engine=engine, customers=customers,
                      seed=seed, threads=threads, spec_sha=sha, progress=progress)
        except NothingUncertain:
            progress.close()
            click.echo(f"{file}: the spec declares no uncertain values, so there is "
                       "nothing to measure; declare what is not known exactly, e.g. "
                       "`uncertain demo_glitch.p ~ beta(3, 57)`", err=True)
            sys.exit(1)
        finally:
            progress.close()
    emit(res.to_dict(), as_json, output, lambda c: render_human(res, c))
    sys.exit(0)
