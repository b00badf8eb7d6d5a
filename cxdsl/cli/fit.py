"""``cxdsl fit FILE DATA [-o FITTED.cxj] [--json]``: a spec's values estimated from a
respondent table."""

from __future__ import annotations

import sys

import click

from .common import announce_compiling, check_output, load_or_exit, to_json, write_output


def _number(kind: str, x: float | None) -> str:
    if x is None:
        return "—"
    if kind in ("share", "p", "advance"):
        return f"{100 * x:.1f}%" if abs(x) >= 0.01 or x == 0 else f"{100 * x:.2g}%"
    return f"{x:+.2f}" if kind in ("impact", "slope") else f"{x:.2f}"


def render(doc: dict, warnings: list[str], console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    console.print(Text.assemble(("Fit", "bold"), f" of {doc['data']}: {doc['used']:,} of "
                                f"{doc['rows']:,} rows used"))
    table = Table(title="Spec against data", title_justify="left", title_style="bold")
    for name, justify in (("path", "left"), ("spec", "right"), ("fitted", "right"),
                          ("95% interval", "right"), ("rows", "right"), ("", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "path",
                         overflow="fold")
    for v in doc["values"]:
        k = v["kind"]
        ci = "—" if v["ci95"] is None else \
            f"{_number(k, v['ci95'][0])}…{_number(k, v['ci95'][1])}"
        flag = "outside" if v["outside"] else ("kept" if v["fitted"] is None else "")
        table.add_row(Text(v["path"]), _number(k, v["spec"]), _number(k, v["fitted"]), ci,
                      f"{v['rows']:,}", Text(flag, style="bold red" if v["outside"] else
                                             "dim"))
    console.print(table)
    console.print(Text("outside: the spec's value lies outside the 95% interval (a moment "
                       "of truth the team had wrong); kept: the data cannot inform it",
                       style="dim"))
    q = Table(title="Answers: observed against predicted", title_justify="left",
              title_style="bold")
    for name in ("survey", "persona", "respondents", "G", "dof", "p"):
        q.add_column(name, justify="left" if name in ("survey", "persona") else "right")
    for r in doc["quality"]:
        q.add_row(r["survey"], r["persona"] or "all", f"{r['respondents']:,}",
                  "—" if r["statistic"] is None else f"{r['statistic']:.1f}",
                  "—" if r["dof"] is None else str(r["dof"]),
                  "—" if r["p_value"] is None else f"{r['p_value']:.3g}")
    console.print(q)
    f = Table(title="Funnel: share reaching each stage", title_justify="left",
              title_style="bold")
    for name in ("stage", "persona", "observed", "predicted"):
        f.add_column(name, justify="left" if name in ("stage", "persona") else "right")
    for r in doc["funnel"]:
        f.add_row(r["stage"], r["persona"] or "all",
                  "—" if r["observed"] is None else f"{100 * r['observed']:.1f}%",
                  f"{100 * r['predicted']:.1f}%")
    console.print(f)
    for w in warnings:
        console.print(Text(f"warning: {w}", style="yellow"))


def document(fit, surveys, stages, manifest: dict, sha: str | None, data: str) -> dict:
    """The ``--json`` document (DESIGN.md "Other commands' JSON", ``fit``)."""
    from .._version import __version__  # lazy: beside the other lazy imports

    keys = ("seed", "customers", "engine")
    return {
        "manifest": {"cxdsl": __version__, "schema_version": 1, "spec_sha256": sha,
                     **{k: manifest.get(k) for k in keys}, "scenario": None},
        "data": data, "rows": fit.rows, "used": fit.used, "inconsistent": fit.inconsistent,
        "values": [{"path": v.path, "kind": v.kind, "spec": v.spec, "fitted": v.fitted,
                    "ci95": list(v.ci95) if v.ci95 is not None else None, "rows": v.rows,
                    "outside": v.outside, "posterior": v.posterior.text() if
                    v.posterior is not None and v.informed else None,
                    "note": v.note or v.extra.get("caveat")}
                   for v in fit.values],
        "quality": [s.to_dict() for s in surveys],
        "funnel": [s.to_dict() for s in stages],
        "warnings": list(fit.warnings),
    }


@click.command("fit")
@click.argument("file")
@click.argument("data")
@click.option("-o", "--output", default=None, metavar="FITTED.cxj",
              help="Write the fitted spec here (atomically).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--qualtrics", is_flag=True,
              help="DATA is a Qualtrics CSV export (three header rows).")
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=NAME",
              help="Read the file's COLUMN as the spec's NAME (repeatable).")
@click.option("--allow-outside-imports", is_flag=True,
              help="Let imports reach outside the spec's directory tree.")
def command(file, data, output, as_json, qualtrics, mapping, allow_outside_imports):
    """Estimate FILE's values from the respondent table DATA (CSV or Parquet).

    Prints each value's spec value, fitted value, 95% interval and rows used, flags a
    spec value outside its interval, and how well the fitted spec reproduces the
    survey answers and the funnel. With -o, writes the spec with the fitted values in
    place and an `uncertain` line per fitted value.

    Exit 0 on success, 1 when the spec or the data file has errors, 2 for bad
    arguments."""
    check_output(output, (".cxj",))
    comp = load_or_exit(file, allow_outside_imports=allow_outside_imports)
    announce_compiling()  # the fit's predictions run the simulator
    from ..data.columns import parse_mapping  # lazy: pyarrow, only reading needs it
    from ..data.fit import fit_table  # lazy: scipy, see cxdsl.cli.main
    from ..data.fit_quality import quality  # lazy: numba, as above
    from ..data.fitted_spec import fitted_text  # lazy: as above
    from ..data.messages import DataError  # lazy: as above
    from ..data.read import notes, read_table  # lazy: pyarrow, as above
    from ..sim.simulate import spec_sha256  # lazy: numpy, as above

    try:
        columns = parse_mapping(mapping)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--map'") from None
    try:
        table = read_table(data, comp.model, qualtrics=qualtrics, mapping=columns)
    except DataError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(1)
    shown = "<stdin>" if file == "-" else file
    text = comp.sources[shown]
    fit = fit_table(comp.model, table, comp.module)
    surveys, stages, manifest = quality(fit, table)
    doc = document(fit, surveys, stages, manifest, spec_sha256(text), data)
    warnings = notes(table, comp.model) + fit.warnings
    if output is not None:
        write_output(output, fitted_text(fit, text, shown))
    if as_json:
        click.echo(to_json(doc), nl=False)
    else:
        from .common import make_console  # lazy: rich, for the human output only

        console = make_console()
        render(doc, warnings, console)
        if output is not None:
            console.print(f"\nwrote {output}", style="dim")
    for w in warnings if as_json else ():
        click.echo(f"warning: {w}", err=True)
    sys.exit(0)
