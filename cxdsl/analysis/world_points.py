"""Analyses of a spec with ``uncertain`` values, world by world (DESIGN.md "Uncertain values").

Every variant of an analysis (the baseline, a scenario, a sweep point, mot's ``p = 0`` /
``p = 1`` variants, a tornado's moved parameters) is forecast over the *same* worlds: the
same draws ``float64[W, U]`` (:func:`cxdsl.sim.worlds.world_draws`) and, in each world, the
same customers. A variant is a :class:`Variant` (a scenario and a sweep point's overrides
on top of each world's draws, which the numba engine writes straight into its tables:
:func:`cxdsl.sim.worlds.world_tables`) or its list of world models (a tornado's moves,
which depend on each world's values). The numba engine runs the variants of one structure
in one kernel call with ``world_of`` (:func:`cxdsl.sim.engine.simulate_points`): world w's
customers are its own, and every variant meets them in world w (common random numbers
within a world). The exact engine computes each world model once.

A variant's :class:`~cxdsl.analysis.common.Point` then has the forecast Result of its
worlds, computed over arrays from their stacked tallies
(:func:`cxdsl.sim.forecast.combine_tallies`: ``value`` the mean over worlds, ``ci95`` the
simulation's interval of that mean, ``forecast`` the 2.5th and 97.5th percentiles over
worlds — the numbers :func:`cxdsl.sim.forecast.combine` gives from a Result per world),
``result.world_metrics`` each overall metric's value and standard error per world, and
``result.worlds`` the per-world Results, each computed when first asked for.

A linear combination ``L = Σ c_i M_i`` of variants' metrics (a delta has c = (1, −1)) is
formed world by world, ``L_w = Σ c_i M_iw`` over the worlds where every term is defined:
``value`` = mean of ``L_w``, ``forecast`` = its 2.5th and 97.5th percentiles, ``ci95`` =
value ± 1.96 · √V / W' with V = min(Σ_w Σ_i c_i² se_iw², W' · s²), s² the variance of the
``L_w`` over worlds (ddof 1). The worlds' customers are independent of each other, and both
terms bound the simulation noise in the ``L_w`` from above: the first leaves out the
positive correlation of the variants' shared customers within a world (a world holds too
few of the kernel's blocks for batch means), the second also holds the spread the
uncertain values cause. A delta that is the same in every world (a scenario that does not
touch what the uncertain values change, on the same customers) so gets a zero-width
interval.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import ir
from ..sim.forecast import combine_tallies
from ..sim.metrics import Z95, Metric
from ..sim.worlds import (
    WorldModels,
    WorldsError,
    world_draws,
    world_tables,
    worlds_for,
)
from ..sim.worlds import world_values as persona_values
from .batches import _exact_task, _structure, evaluate, paused_gc
from .common import AnalysisError, Point, Progress, Settings

#: Most world models (variants × worlds) one analysis may evaluate.
MAX_WORLD_POINTS = 200_000


def forecast_draws(model: ir.Model, worlds: int | None, settings: Settings, variants: int
                   ) -> np.ndarray | None:
    """The world draws float64[W, U] of an analysis of ``model`` with ``variants``
    variants, None when the spec has no uncertain values; AnalysisError for a bad number of
    worlds, too few customers to give each world one, or too many world models."""
    if not model.uncertain:
        return None
    try:
        n = worlds_for(model, worlds)
    except WorldsError as exc:
        raise AnalysisError(str(exc)) from None
    if not settings.exact and settings.customers < n:
        raise AnalysisError(f"a forecast of {n:,} worlds needs at least {n:,} customers, "
                            f"got {settings.customers:,}")
    if n * variants > MAX_WORLD_POINTS:
        raise AnalysisError(f"{variants:,} variants × {n:,} worlds is {n * variants:,} world "
                            f"models, more than the {MAX_WORLD_POINTS:,} an analysis may run; "
                            "use fewer points or fewer worlds (--worlds)")
    return world_draws(model, n, settings.seed)


def forecast_manifest(manifest: dict, draws: np.ndarray, settings: Settings) -> dict:
    """``manifest`` with the number of worlds; an exact forecast keeps its seed (the worlds'
    draws depend on it)."""
    out = dict(manifest)
    out["worlds"] = int(draws.shape[0])
    if settings.exact:
        out["seed"] = settings.seed
    return out


@dataclass(frozen=True)
class Variant:
    """A variant of ``model`` (the spec, with its uncertain values) in every world:
    ``scenario``, then a sweep point's ``overrides``, on top of each world's draws. The
    numba engine writes its worlds' draws straight into its tables
    (:func:`cxdsl.sim.worlds.world_tables`); no model per world is made unless asked for."""

    model: ir.Model
    scenario: str | None = None
    overrides: dict | None = None

    def models(self, draws: np.ndarray) -> WorldModels:
        return WorldModels(self.model, draws, self.scenario, self.overrides)

    def tables(self, draws: np.ndarray, cache: dict | None = None):
        return world_tables(self.model, draws, self.scenario, self.overrides, cache=cache)

    def values(self, draws: np.ndarray) -> np.ndarray:
        return persona_values(self.model, draws, self.scenario, self.overrides)

    def structure(self) -> tuple:
        certain = ir.with_scenario(dataclasses.replace(self.model, uncertain=()),
                                   self.scenario)
        return _structure(certain)


def _worlds_task(source, world_of, customers, seed, threads, progress=None):
    """The tallies of the points of one structure (world models, or their Tables): one
    kernel call, each point simulating the customers of its world ``world_of[i]``. A unit
    of cluster work too."""
    from ..sim import engine  # lazy: compiling the kernel's module costs seconds

    if not isinstance(source, engine.Tables):
        source = list(source)
    return engine.simulate_points(source, customers, seed, threads=threads,
                                  world_of=list(world_of), progress=progress)


def _call_customers(world_of: list[int], customers: int, n_worlds: int) -> int:
    """Customers one call simulates: each model those of its world."""
    from ..sim.engine import split_evenly  # lazy: compiling the kernel's module costs seconds

    sizes = split_evenly(customers, n_worlds)
    return sum(sizes[w] for w in world_of)


def _chunks(n: int, parts: int) -> list[range]:
    parts = max(1, min(n, 4 * max(1, parts)))
    size = -(-n // parts)
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def _exact_tallies(flat: list[ir.Model], executor, progress: Progress | None) -> list:
    """The exact engine's tallies of every world model of ``flat``, in order."""
    out: list = [None] * len(flat)
    chunks = _chunks(len(flat), executor.parallelism if executor is not None else 1)
    if executor is not None:
        report = None
        if progress is not None:
            def report(done_tasks: list[int]) -> None:
                progress(sum(len(chunks[i]) for i in done_tasks), len(flat))
        got = executor.map(_exact_task, [([flat[i] for i in c],) for c in chunks],
                           progress=report)
    else:
        got = []
        for c in chunks:
            got.append(_exact_task([flat[i] for i in c]))
            if progress is not None:
                progress(c.stop, len(flat))
    for c, part in zip(chunks, got):
        for i, t in zip(c, part):
            out[i] = t
    return out


def _row_source(row, draws: np.ndarray, cache: dict):
    """(structure, the kernel's source) of one variant's worlds: its Tables written from
    the draws, or the list of its world models."""
    if isinstance(row, Variant):
        return row.structure(), row.tables(draws, cache)
    return _structure(row[0]), list(row)


def _kernel_tallies(grid, draws: np.ndarray, settings: Settings, executor,
                    progress: Progress | None) -> list[list]:
    """The numba engine's tallies of every variant's worlds, per row of ``grid``. The
    variants of one structure run in one kernel call, in grid order: worlds take
    consecutive customer ranges within a call, so splitting a call would give a world
    other customers."""
    from ..sim.lower import concat_tables, lower_points  # lazy: numba

    s = settings
    W = len(draws)
    groups: dict[tuple, list[int]] = {}
    sources, cache = [], {}
    for v, row in enumerate(grid):
        key, source = _row_source(row, draws, cache)
        groups.setdefault(key, []).append(v)
        sources.append(source)
    tasks = []
    for rows in groups.values():
        parts = [sources[v] if not isinstance(sources[v], list) else lower_points(sources[v])
                 for v in rows]
        tasks.append((concat_tables(parts), [w for _ in rows for w in range(W)],
                      s.customers, s.seed))
    sizes = [_call_customers(t[1], s.customers, W) for t in tasks]
    if executor is not None:
        threads = getattr(executor, "task_threads", None)
        report = None
        if progress is not None:
            def report(done_tasks: list[int]) -> None:
                progress(sum(sizes[i] for i in done_tasks), sum(sizes))
        got = executor.map(_worlds_task, [(*t, threads) for t in tasks], progress=report)
    else:
        got, before = [], 0
        for t, size in zip(tasks, sizes):
            report = None
            if progress is not None:
                def report(done, _total, before=before):
                    progress(before + done, sum(sizes))
            got.append(_worlds_task(*t, s.threads, report))
            before += size
    out: list = [None] * len(grid)
    for rows, part in zip(groups.values(), got):
        for k, v in enumerate(rows):
            out[v] = part[k * W:(k + 1) * W]
    return out


def evaluate_variants(model: ir.Model, variants: Sequence[ir.Model], worlds: int | None,
                      settings: Settings, manifest: dict, grid_of, *, executor=None,
                      progress: Progress | None = None) -> tuple[list[Point], dict]:
    """(points, manifest) of an analysis's ``variants`` of ``model``: paired plain runs,
    or, when the spec has uncertain values, a forecast of each over the same worlds, where
    ``grid_of(draws)`` gives each variant's :class:`Variant` (or world models) and the
    manifest gains the worlds (:func:`forecast_manifest`)."""
    draws = forecast_draws(model, worlds, settings, len(variants))
    if draws is None:
        return evaluate(variants, settings, paired=True, executor=executor,
                        progress=progress, manifest=manifest), manifest
    man = forecast_manifest(manifest, draws, settings)
    return evaluate_worlds(variants, grid_of(draws), draws, settings, executor=executor,
                           progress=progress, manifest=man), man


def evaluate_worlds(bases: Sequence[ir.Model], grid: Sequence, draws: np.ndarray,
                    settings: Settings, *, executor=None, progress: Progress | None = None,
                    manifest: dict | None = None) -> list[Point]:
    """One forecast Point per variant: ``grid[v]`` is variant v in every world — a
    :class:`Variant`, or its W world models (no uncertain values left) — and ``bases[v]``
    the variant's model as the point reports it. Every variant is simulated in the same
    worlds on the same customers (module docstring); each point's figures are computed
    over arrays from its worlds' stacked tallies
    (:func:`cxdsl.sim.forecast.combine_tallies`), the per-world Results only when asked."""
    with paused_gc():
        return _evaluate_worlds(bases, grid, draws, settings, executor, progress,
                                dict(manifest or {}))


def _evaluate_worlds(bases, grid, draws: np.ndarray, settings: Settings, executor,
                     progress, info: dict) -> list[Point]:
    if settings.exact:
        rows = [row.models(draws) if isinstance(row, Variant) else list(row)
                for row in grid]
        flat = [m for row in rows for m in row]
        tallies = _exact_tallies(flat, executor, progress)
        W = len(draws)
        return [Point(base, combine_tallies(tallies[v * W:(v + 1) * W], row, info, draws))
                for v, (base, row) in enumerate(zip(bases, rows))]
    tallies = _kernel_tallies(grid, draws, settings, executor, progress)
    points = []
    for base, row, part in zip(bases, grid, tallies):
        if isinstance(row, Variant):
            result = combine_tallies(part, row.models(draws), info, draws, row.values(draws))
        else:
            result = combine_tallies(part, list(row), info, draws)
        points.append(Point(base, result))
    return points


def world_values(point: Point, metric: str) -> np.ndarray:
    """float64[W]: ``metric`` of ``point`` in each world (NaN where undefined)."""
    figures = point.result.world_metrics
    if figures is not None and metric in figures:
        return figures[metric][0]
    return np.array([np.nan if (v := r.metric(metric).value) is None else v
                     for r in point.result.worlds], dtype=np.float64)


def world_se(point: Point, metric: str) -> np.ndarray:
    """float64[W]: the standard error of ``metric`` in each world (0 where unknown)."""
    figures = point.result.world_metrics
    if figures is not None and metric in figures:
        return np.nan_to_num(figures[metric][1], nan=0.0)
    return np.array([r.metric(metric).se or 0.0 for r in point.result.worlds],
                    dtype=np.float64)


def forecast_metric(values: np.ndarray, se2: np.ndarray | None) -> Metric:
    """A metric of per-world ``values`` (NaN: undefined there): the mean, the simulation's
    interval from the per-world variances ``se2`` (None: exact) and the forecast95."""
    ok = ~np.isnan(values)
    if not ok.any():
        return Metric(None, None, None, None, (None, None))
    v = values[ok]
    value = float(v.mean())
    band = tuple(float(x) for x in np.percentile(v, [2.5, 97.5]))
    if se2 is None:
        return Metric(value, value, value, 0.0, band)
    noise = math.fsum(se2[ok])
    if len(v) >= 2:  # the spread over worlds bounds the noise in them too
        noise = min(noise, len(v) * float(np.var(v, ddof=1)))
    se = math.sqrt(noise) / len(v)
    return Metric(value, value - Z95 * se, value + Z95 * se, se, band)


def combine_points(points: Sequence[Point], coeffs: Sequence[float], metric: str) -> Metric:
    """``Σ c_i · metric(point_i)`` formed world by world (module docstring)."""
    pairs = [(p, float(c)) for p, c in zip(points, coeffs) if c != 0]
    values = sum(c * world_values(p, metric) for p, c in pairs)
    exact = all(p.exact for p, _ in pairs)
    se2 = None if exact else sum(c * c * world_se(p, metric) ** 2 for p, c in pairs)
    return forecast_metric(values, se2)


def share(mask: np.ndarray, known: np.ndarray) -> float | None:
    """The share of the ``known`` worlds where ``mask`` holds (None when none is known)."""
    n = int(known.sum())
    return float((mask & known).sum()) / n if n else None


def is_forecast(point: Point) -> bool:
    return point.result.worlds is not None


__all__ = ["MAX_WORLD_POINTS", "Variant", "forecast_draws", "forecast_manifest", "evaluate_worlds",
           "evaluate_variants",
           "world_values", "world_se", "forecast_metric", "combine_points", "share",
           "is_forecast"]
