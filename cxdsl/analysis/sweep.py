"""Parameter sweeps: every point of a grid of overrides, each evaluated with the same seed
and customers (``cxdsl sweep``).

With uncertain values every point is a forecast over the same worlds, on the same customers
in each world (:mod:`cxdsl.analysis.world_points`); a swept path is certain at each point
(the point's value replaces the world's draw). Every metric then has a ``forecast95``, and
the CSV has two more columns per metric, ``m_f_lo`` and ``m_f_hi``.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..model import ir
from ..sim.metrics import metric_names
from .batches import evaluate, evaluate_grid, paused_gc
from .common import (
    AnalysisError,
    Point,
    Progress,
    Settings,
    check_scenario,
    manifest_for,
    settings_for,
)
from .paths import check_values, resolve_path
from .world_points import Variant, evaluate_worlds, forecast_draws, forecast_manifest

#: Most points of one sweep grid (the checker's bound for the file's sweeps).
MAX_GRID_POINTS = 100_000


@dataclass(frozen=True)
class Axis:
    """One sweep axis: a path and its values."""

    path: ir.PathRef
    values: tuple[float, ...]

    @property
    def name(self) -> str:
        return str(self.path)


def _number(text: str, what: str) -> float:
    t = text.strip().replace("_", "")
    pct = t.endswith("%")
    if pct:
        t = t[:-1]
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise AnalysisError(f"{what}: '{text.strip()}' is not a number") from None
    if not d.is_finite():
        raise AnalysisError(f"{what}: '{text.strip()}' is not a finite number")
    return float(d / 100 if pct else d)


def parse_vary(text: str, model: ir.Model) -> Axis:
    """``PATH=A:B:N`` (N points from A to B inclusive) or ``PATH=v1,v2,…``; numbers may be
    percentages (``5%``). Raises AnalysisError for anything else."""
    if "=" not in text:
        raise AnalysisError(f"'{text}': write PATH=A:B:N or PATH=v1,v2,…")
    lhs, rhs = text.split("=", 1)
    path = resolve_path(lhs, model)
    rhs = rhs.strip()
    if not rhs:
        raise AnalysisError(f"'{text}': no values after '='")
    if ":" in rhs:
        parts = rhs.split(":")
        if len(parts) != 3:
            raise AnalysisError(f"'{text}': a range is A:B:N (from A to B in N "
                                "points)")
        a = _number(parts[0], str(path))
        b = _number(parts[1], str(path))
        try:
            n = int(parts[2].strip().replace("_", ""))
        except ValueError:
            raise AnalysisError(f"'{text}': N must be a whole number of points, "
                                f"not '{parts[2].strip()}'") from None
        if n <= 0:
            raise AnalysisError(f"'{text}': N must be at least 1 point, got {n}")
        if n > MAX_GRID_POINTS:
            raise AnalysisError(f"'{text}': {n:,} points is more than the "
                                f"{MAX_GRID_POINTS:,} a sweep may have")
        if n == 1:
            if a != b:
                raise AnalysisError(f"'{text}': one point cannot span {a:g} to "
                                    f"{b:g}; use N >= 2, or A:A:1")
            values = (a,)
        else:
            da, db = Decimal(repr(a)), Decimal(repr(b))
            values = tuple(float(da + (db - da) * i / (n - 1)) for i in range(n))
    else:
        items = [x for x in rhs.split(",")]
        if any(not x.strip() for x in items):
            raise AnalysisError(f"'{text}': an empty value in the list")
        values = tuple(_number(x, str(path)) for x in items)
    check_values(path, values, model)
    return Axis(path, values)


def grid_axes(model: ir.Model, vary: Sequence[Axis] = (), *, file_sweeps: bool = True
              ) -> list[Axis]:
    """The sweep axes: the file's sweeps (checked against ``model``, which may be a
    scenario's), then the command line's; a command-line axis replaces a file axis of the
    same path."""
    cli: dict[ir.PathRef, Axis] = {}
    for a in vary:
        if a.path in cli:
            raise AnalysisError(f"'{a.path}' is varied twice; give each path one --vary")
        cli[a.path] = a
    axes: list[Axis] = []
    if file_sweeps:
        for sw in model.sweeps:
            if sw.path in cli:
                continue
            try:
                resolve_path(str(sw.path), model)
            except AnalysisError as exc:
                raise AnalysisError(f"the spec's sweep of {sw.path}: {exc}") from None
            axes.append(Axis(sw.path, tuple(sw.values)))
    axes += list(cli.values())
    total = math.prod(len(a.values) for a in axes) if axes else 0
    if total > MAX_GRID_POINTS:
        raise AnalysisError(f"the sweep grid has {total:,} points; the limit is "
                            f"{MAX_GRID_POINTS:,}")
    return axes


@dataclass
class SweepResult:
    manifest: dict
    model: ir.Model
    axes: list[Axis]
    params: list[tuple[float, ...]]
    points: list[Point]

    @property
    def metrics(self) -> tuple[str, ...]:
        return metric_names(self.model)

    @property
    def forecast(self) -> bool:
        """Whether the points are forecasts over worlds (uncertain values)."""
        return bool(self.points) and self.points[0].result.worlds is not None

    def to_dict(self) -> dict:
        names = [a.name for a in self.axes]
        return {"manifest": dict(self.manifest), "axes": names,
                "points": [{"params": dict(zip(names, vals)),
                            "overall": p.result.overall.to_dict()}
                           for vals, p in zip(self.params, self.points)]}

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        ms = self.metrics
        tails = ("", "_lo", "_hi") + (("_f_lo", "_f_hi") if self.forecast else ())
        w.writerow([a.name for a in self.axes] + [m + t for m in ms for t in tails])
        for vals, p in zip(self.params, self.points):
            row = [repr(float(v)) for v in vals]
            for m in ms:
                x = p.result.overall.metrics[m]
                cells = (x.value, x.lo, x.hi) + (tuple(x.forecast or (None, None))
                                                 if self.forecast else ())
                row += ["" if v is None else repr(float(v)) for v in cells]
            w.writerow(row)
        return buf.getvalue()


def sweep(model: ir.Model, vary: Sequence[Axis] = (), *, scenario: str | None = None,
          file_sweeps: bool = True, engine: str = "numba", customers: int | None = None,
          seed: int | None = None, threads: int | None = None, executor=None,
          spec_sha: str | None = None, progress: Progress | None = None,
          worlds: int | None = None) -> SweepResult:
    """Every point of the grid (the spec's sweeps and ``vary``), applied on top of the
    baseline or of ``scenario``, each evaluated with the same seed and customers; with
    uncertain values, each a forecast over the same ``worlds`` (module docstring)."""
    check_scenario(model, scenario)
    base = ir.with_scenario(model, scenario)
    axes = grid_axes(base, vary, file_sweeps=file_sweeps)
    if not axes:
        raise AnalysisError("nothing to sweep: the spec has no `sweep` and no --vary was "
                            "given")
    for a in axes:
        check_values(a.path, a.values, base)
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, scenario)
    with paused_gc():
        return _sweep(model, base, axes, scenario, s, man, worlds, executor, progress)


def _sweep(model: ir.Model, base: ir.Model, axes: list[Axis], scenario: str | None,
           s: Settings, man: dict, worlds: int | None, executor, progress) -> SweepResult:
    """The points of the grid of ``axes`` (see :func:`sweep`)."""
    params = list(itertools.product(*(a.values for a in axes)))
    paths = [a.path for a in axes]
    draws = forecast_draws(model, worlds, s, len(params))
    if draws is None and executor is None:  # the numbers written straight into tables
        points = evaluate_grid(base, paths, params, s, progress=progress, manifest=man)
        if points is not None:
            return SweepResult(man, base, axes, params, points)
    models = [ir.with_overrides(base, dict(zip(paths, vals))) for vals in params]
    if any(a.path.attr == "share" for a in axes):
        for vals, m in zip(params, models):
            if not sum(p.share for p in m.personas) > 0:
                where = ", ".join(f"{p} = {v:g}" for p, v in zip(paths, vals))
                raise AnalysisError(f"at {where} every persona's share is 0: such a "
                                    "journey has no customers")
    if draws is None:
        points = evaluate(models, s, executor=executor, progress=progress, manifest=man)
    else:
        man = forecast_manifest(man, draws, s)
        grid = [Variant(model, scenario, dict(zip(paths, vals))) for vals in params]
        points = evaluate_worlds(models, grid, draws, s, executor=executor,
                                 progress=progress, manifest=man)
    return SweepResult(man, base, axes, params, points)
