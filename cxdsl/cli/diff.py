"""``cxdsl diff OLD NEW``: what changed between two versions of a spec, and what it does to
the forecast. OLD and NEW are paths, or ``REV:path`` read through ``git show``."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from .. import analysis
from ..lang import api, checker, parser
from ..lang.diagnostics import Diagnostics
from ..lang.source import decode
from ..model.diff import ADDED, REMOVED, diff_models, render
from ..present.numbers import LABELS, fmt_delta_ci, fmt_metric
from ..sim.simulate import spec_sha256
from .common import (
    analysis_options,
    check_output,
    emit,
    failures,
    how_line,
    load_or_exit,
    report,
    running,
)

GIT_TIMEOUT = 30


class GitError(click.UsageError):
    """A git revision or path that cannot be read (exit 2)."""


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True,
                              timeout=GIT_TIMEOUT)
    except FileNotFoundError:
        raise GitError("git is not installed, so 'REV:path' cannot be read") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git did not answer within {GIT_TIMEOUT} s") from None


def split_revision(arg: str) -> tuple[str, str] | None:
    """(rev, path) for ``REV:path``; None for an existing file, ``-`` or a plain path."""
    if arg == "-" or os.path.exists(arg) or ":" not in arg:
        return None
    rev, path = arg.split(":", 1)
    if not rev or not path:
        return None
    return rev, path


class GitSource:
    """A spec file as it is at a git revision, and a loader reading its imports from the
    same revision."""

    def __init__(self, rev: str, path: str):
        self.rev = rev
        self.path = path
        cwd = os.getcwd()
        top = _git(["rev-parse", "--show-toplevel"], cwd)
        if top.returncode != 0:
            raise GitError(f"'{rev}:{path}': {cwd} is not inside a git repository")
        self.top = os.path.realpath(top.stdout.decode().strip())
        ok = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
        if ok.returncode != 0:
            raise GitError(f"'{rev}' is not a revision of this git repository (no branch, "
                           "tag or commit of that name)")
        self.commit = ok.stdout.decode().strip()
        # the path as a user types it: relative to the current directory
        self.abs = os.path.realpath(os.path.join(cwd, path))

    def relative(self, abs_path: str) -> str | None:
        rel = os.path.relpath(abs_path, self.top)
        if rel.startswith(".."):
            return None
        return rel.replace(os.sep, "/")

    def read(self, abs_path: str) -> bytes | None:
        rel = self.relative(abs_path)
        if rel is None:
            return None
        out = _git(["show", f"{self.commit}:{rel}"], self.top)
        return out.stdout if out.returncode == 0 else None

    def compile(self, allow_outside_imports: bool):
        data = self.read(self.abs)
        if data is None:
            where = self.relative(self.abs)
            raise GitError(f"'{self.path}' does not exist at revision {self.rev}"
                           + ("" if where else " (it is outside the repository)"))
        shown = f"{self.rev}:{self.path}"
        diags = Diagnostics()
        text = decode(data, shown, diags)
        sources = {shown: text} if text is not None else {}
        if text is None:
            return api.Compilation(None, diags, sources), None
        module = parser.parse(text, shown, diags)
        model = None
        if module is not None and not diags.has_errors:
            model = checker.check(module, diags, loader=self._loader(sources, diags),
                                  base_dir=os.path.dirname(self.abs),
                                  allow_outside_imports=allow_outside_imports)
        if diags.has_errors:
            model = None
        return api.Compilation(model, diags, sources, module), text

    def _loader(self, sources: dict, diags):
        def load(path: str, span):
            data = self.read(path)
            name = f"{self.rev}:{self.relative(path) or path}"
            if data is None:
                diags.error("E001", f"no such file at revision {self.rev}: '{path}'", span)
                return None
            text = decode(data, name, diags)
            if text is None:
                return None
            sources[name] = text
            return parser.parse(text, name, diags)

        return load


def load_version(arg: str, allow_outside_imports: bool):
    """(model, sha256 of the text, label) of OLD or NEW; exits 1 after printing a spec's
    errors, raises GitError (exit 2) for a revision or path git cannot read."""
    split = split_revision(arg)
    if split is None:
        comp = load_or_exit(arg, allow_outside_imports=allow_outside_imports)
        shown = "<stdin>" if arg == "-" else arg
        text = comp.sources.get(shown)
        return comp.model, (spec_sha256(text) if text is not None else None), shown
    src = GitSource(*split)
    comp, text = src.compile(allow_outside_imports)
    if not comp.ok:
        report(comp)
        n = len(comp.diagnostics.errors)
        click.echo(f"{n} error{'s' if n != 1 else ''} in {arg}", err=True)
        sys.exit(1)
    return comp.model, spec_sha256(text), arg


def render_human(changes, fc, old_label, new_label, console) -> None:
    from rich.table import Table  # lazy: rich, for the human output only
    from rich.text import Text  # lazy: rich, for the human output only

    console.print(Text.assemble(("Changes", "bold"), f"  {old_label} → {new_label}"))
    if not changes:
        console.print("  no changes to the model")
    for line, c in zip(render(changes), _line_kinds(changes)):
        style = {"+": "green", "-": "red", "~": "yellow"}.get(line[:1], None)
        console.print(Text("  " + line, style=style if c in (ADDED, REMOVED, "head")
                           else None))
    if fc is None:
        return
    console.print()
    console.print(Text.assemble(("Forecast", "bold"), f"  {how_line(fc.manifest)}"))
    table = Table()
    table.add_column("metric")
    table.add_column("old", justify="right")
    table.add_column("new", justify="right")
    table.add_column("change", justify="right")
    for m, d in fc.delta.items():
        table.add_row(LABELS[m], fmt_metric(m, fc.old.result.overall.metrics[m].value),
                      fmt_metric(m, fc.new.result.overall.metrics[m].value),
                      fmt_delta_ci(m, d))
    console.print(table)


def _line_kinds(changes):
    for c in changes:
        if c.change == "changed":
            yield "head"
            for _ in c.fields:
                yield "field"
        else:
            yield c.change


@click.command("diff")
@click.argument("old")
@click.argument("new")
@analysis_options()
def command(old, new, customers, seed, engine, threads, as_json, output, scheduler,
            dask_local, allow_outside_imports):
    """What changed from OLD to NEW, and what it does to the forecast.

    OLD and NEW are .cxj paths, or REV:path to read a file as it is at a git revision
    (HEAD~1:journey.cxj; the path is relative to the current directory, and imports are
    read from the same revision). Lists the declarations added, removed and changed
    (old → new values), then every metric of both versions, forecast with the same seed
    and customers (the new spec's, unless given), and the change with a paired 95%
    interval.

    Exit 0 on success, 1 when a spec has errors, 2 for bad arguments (a git revision
    or path that does not exist)."""
    check_output(output)
    old_model, _old_sha, old_label = load_version(old, allow_outside_imports)
    new_model, new_sha, new_label = load_version(new, allow_outside_imports)
    changes = diff_models(old_model, new_model)
    with failures(), running(scheduler, dask_local) as (ex, progress):
        fc = analysis.paired_forecast(old_model, new_model, engine=engine,
                                      customers=customers, seed=seed, threads=threads,
                                      executor=ex, spec_sha=new_sha, progress=progress)
    doc = {"manifest": fc.manifest, "old_spec": old_label, "new_spec": new_label,
           "old_spec_sha256": _old_sha, "changes": [c.to_dict() for c in changes],
           **fc.to_dict()}
    emit(doc, as_json, output,
         lambda c: render_human(changes, fc, old_label, new_label, c))
    sys.exit(0)
