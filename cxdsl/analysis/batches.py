"""Evaluating many variants of a journey: batched kernel calls, per-block tallies for
paired intervals, and the split of the work over this machine's cores or a cluster.

Grid points (a sweep's grid, mot's ``p = 0`` / ``p = 1`` variants, the tornado's ±X%
variants) share the structure of their base model, so they are lowered together and run
by one call of the batched kernel (:func:`cxdsl.sim.engine.simulate_points`); a point's
tallies are bit-identical to a single run of the same model with the same seed and
customers, so a sweep point equals ``cxdsl run`` of the same overrides number for number.
A grid whose paths are numbers the tables hold is written straight into them, with no
model per point (:func:`evaluate_grid`); the points' overall figures are computed over
their stacked tallies at once, the rest of each Result when first read
(:func:`cxdsl.sim.world_arrays.point_results`).

The simulation engine is imported when a point is first simulated, not with this module
(numba itself comes with the lowering): ``cxdsl.analysis`` is imported by commands and
reports that may run the exact engine only, and compiling the kernel's module costs
seconds.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..model import ir
from ..sim.exact import exact_tallies
from ..sim.grid_tables import grid_tables, grid_values, take_points, writable
from ..sim.jit import numba
from ..sim.lower import lower_points
from ..sim.metrics import compute
from ..sim.surveys import answers
from ..sim.world_arrays import point_results
from .common import (
    BLOCK_COLUMNS,
    Column,
    Point,
    Progress,
    Settings,
)

#: Most points lowered and simulated by one kernel call (bounds the call's memory).
GROUP_POINTS = 512


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a batch builds its points: a sweep makes
    tens of thousands of small objects that all stay alive (models, Results), and each of
    the collector's full passes walks every one of them — more than half of a large
    sweep's cost per point. The collector resumes (if it was running) when the batch
    ends, and collects then whatever cycles the batch dropped."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()

def _structure(m: ir.Model) -> tuple:
    return (tuple(m.scale), tuple(p.name for p in m.personas),
            tuple(s.name for s in m.stages),
            tuple((e.name, e.stage, e.when) for e in m.events))


def simulate_group(models: Sequence[ir.Model], customers: int, seed: int,
                   threads: int | None = None, progress: Progress | None = None) -> list:
    """Tallies of models of one structure by one call of the batched kernel (in groups of
    :data:`GROUP_POINTS`). A unit of work a cluster worker runs, too."""
    from ..sim import engine  # lazy: compiling the kernel's module costs seconds

    out = []
    total = len(models) * customers
    done_before = 0
    for start in range(0, len(models), GROUP_POINTS):
        group = list(models[start:start + GROUP_POINTS])
        report = None
        if progress is not None:
            base = done_before

            def report(done, _total, base=base):
                progress(base + done, total)
        got = engine.simulate_points(lower_points(group), customers, seed,
                                     threads=threads, progress=report)
        if len(group) == len(models):
            return got  # stacked on a point axis too (TalliesList)
        out.extend(got)
        done_before += len(group) * customers
    return out


def block_sums(tallies, model: ir.Model, q: int) -> np.ndarray:
    """The block-table row of persona ``q`` of some tallies (see :class:`Column`): the
    score columns are the headline survey's answers."""
    lo, hi = model.scale
    a = answers(tallies, model, model.headline_survey)
    h = a.hist[q]
    row = np.zeros(BLOCK_COLUMNS)
    row[Column.N] = tallies.n[q]
    row[Column.ASKED] = a.asked[q]
    row[Column.SCORE] = a.score_sum[q]
    row[Column.SCORE2] = a.score_sq[q]
    if model.has_nps:
        row[Column.PROM] = h[9 - lo:].sum()
        row[Column.DETR] = h[: 7 - lo].sum()
    row[Column.TOP2] = h[hi - 1 - lo:].sum()
    row[Column.CONV] = tallies.reached[q, model.goal_index]
    return row


def simulate_blocks(model: ir.Model, customers: int, seed: int, threads: int | None = 1
                    ) -> tuple:
    """(tallies, blocks) of one model: the tallies of a plain run and, per persona, the
    block table of the kernel's blocks in j order (persona name -> float64[K, 8]). Reads
    the blocks one chunk at a time from :func:`cxdsl.sim.engine.iter_chunks`, one block per
    chunk; the final tallies are those of ``simulate_tallies`` with the same arguments."""
    from ..sim import engine  # lazy: compiling the kernel's module costs seconds

    Q = len(model.personas)
    rows: list[list[np.ndarray]] = [[] for _ in range(Q)]
    last = None
    for report in engine.iter_chunks(model, customers, seed, threads=threads,
                                     chunk_size=engine.BLOCK_SIZE):
        t = report.tallies()[0]
        for q in range(Q):
            before = 0.0 if last is None else last.n[q]
            if t.n[q] != before:
                row = block_sums(t, model, q)
                if last is not None:
                    row = row - block_sums(last, model, q)
                rows[q].append(row)
        last = t
    blocks = {p.name: (np.array(rows[q]) if rows[q] else np.zeros((0, BLOCK_COLUMNS)))
              for q, p in enumerate(model.personas)}
    return last, blocks


def _run_group_task(models, customers, seed, threads):
    return simulate_group(models, customers, seed, threads)


def _run_blocks_task(models, customers, seed, threads):
    return [simulate_blocks(m, customers, seed, threads) for m in models]


def _exact_task(models):
    return [exact_tallies(m) for m in models]


def evaluate(models: Sequence[ir.Model], settings: Settings, *, paired: bool = False,
             progress: Progress | None = None, executor=None,
             manifest: dict | None = None) -> list[Point]:
    """Evaluate every model (any mix of structures), in order.

    ``paired``: also keep the per-block sums that paired intervals need (numba engine).
    ``executor``: a :class:`cxdsl.analysis.distributed.DaskExecutor` (or anything with its
    ``map(fn, tasks, progress)`` and ``parallelism``) spreading the work over a cluster
    (None: here). ``progress(done, total)`` counts customers over all points."""
    with paused_gc():
        return _evaluate(list(models), settings, paired, progress, executor, manifest)


def _evaluate(models: list[ir.Model], s: Settings, paired: bool, progress, executor,
              manifest) -> list[Point]:
    if not models:
        return []
    if s.exact:
        if executor is not None:
            chunks = _chunks(list(range(len(models))), executor.parallelism)
            got = executor.map(_exact_task, [([models[i] for i in c],) for c in chunks],
                               progress=_scaled(progress, [len(c) for c in chunks], 1))
            tallies = [t for part in got for t in part]
        else:
            tallies = []
            for i, m in enumerate(models):
                tallies.append(exact_tallies(m))
                if progress is not None:
                    progress(i + 1, len(models))
        return [Point(m, compute(t, m, manifest)) for m, t in zip(models, tallies)]

    if paired:
        if executor is not None:
            chunks = _chunks(list(range(len(models))), executor.parallelism)
            got = executor.map(_run_blocks_task,
                               [([models[i] for i in c], s.customers, s.seed, 1)
                                for c in chunks],
                               progress=_scaled(progress, [len(c) for c in chunks],
                                                s.customers))
            pairs = [x for part in got for x in part]
        else:
            pairs = _blocks_here(models, s, progress)
        return [Point(m, compute(t, m, manifest), b) for m, (t, b) in zip(models, pairs)]

    # batched: group the models by structure, one kernel call per group
    groups: dict[tuple, list[int]] = {}
    for i, m in enumerate(models):
        groups.setdefault(_structure(m), []).append(i)
    if executor is not None:
        tasks, where = [], []
        for idx in groups.values():
            for c in _chunks(idx, executor.parallelism):
                tasks.append(([models[i] for i in c], s.customers, s.seed,
                              getattr(executor, "task_threads", None)))
                where.append(c)
        got = executor.map(_run_group_task, tasks,
                           progress=_scaled(progress, [len(c) for c in where], s.customers))
        out: list = [None] * len(models)
        for c, part in zip(where, got):
            for i, r in zip(c, point_results(part, [models[i] for i in c], manifest)):
                out[i] = Point(models[i], r)
        return out
    return _groups_here(models, list(groups.values()), s, progress, manifest)


class GridModels(Sequence):
    """The models of a grid's points, each made when first asked for: point i is
    ``ir.with_overrides(base, dict(zip(paths, params[i])))``."""

    def __init__(self, base: ir.Model, paths: Sequence[ir.PathRef],
                 params: Sequence[Sequence[float]]):
        self._base, self._paths, self._params = base, list(paths), params
        self._made: dict[int, ir.Model] = {}

    def __len__(self) -> int:
        return len(self._params)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._made:
            self._made[i] = ir.with_overrides(self._base,
                                              dict(zip(self._paths, self._params[i])))
        return self._made[i]


class _Rows(Sequence):
    """Items ``rows`` of a sequence, read when asked for."""

    def __init__(self, items: Sequence, rows: Sequence[int]):
        self._items, self._rows = items, rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):
        return self._items[self._rows[i]]


class GridPoint(Point):
    """A :class:`Point` whose model is made when first read (``models[index]``)."""

    def __init__(self, models: Sequence[ir.Model], index: int, result):
        self._models, self._index = models, index
        self.result = result
        self.blocks = None

    @property
    def model(self) -> ir.Model:
        return self._models[self._index]


def evaluate_grid(base: ir.Model, paths: Sequence[ir.PathRef],
                  params: Sequence[Sequence[float]], settings: Settings, *,
                  progress: Progress | None = None, manifest: Mapping | None = None
                  ) -> list[Point] | None:
    """The Points of a grid on ``base`` (point i sets ``paths`` to ``params[i]``), as
    :func:`evaluate` of the points' models gives them, with no model made per point: the
    numbers are written straight into the tables
    (:func:`cxdsl.sim.grid_tables.grid_tables`) and the figures computed over arrays; a
    point's model is made when it is read. None when that does not apply (the exact
    engine, or a path the tables do not hold as a number, such as a share)."""
    if settings.exact or not params or not writable(paths):
        return None
    with paused_gc():
        tables = grid_tables(base, paths, params)
        models = GridModels(base, paths, params)
        source = (tables, grid_values(base, paths, params))
        return _groups_here(models, [list(range(len(params)))], settings, progress,
                            manifest, source)


def _groups_here(models, groups: list[list[int]], s: Settings, progress, manifest,
                 source=None) -> list[Point]:
    """Evaluate groups of same-structure models on this machine; ``source``: (Tables,
    values [P, Q]) of every point, written from the numbers (:func:`evaluate_grid`), or
    None to lower the models.

    A grid is cut into tasks of at most :data:`GROUP_POINTS` points. With several cores
    and several tasks, the tasks run on one thread per core, each calling the batched
    kernel single-threaded and then computing its points' metrics: the kernel releases the
    GIL, so one task's lowering and metrics (Python) overlap another's simulation instead
    of leaving cores idle. Otherwise one task at a time, the kernel on every thread. The
    tallies do not depend on the split (bit-identical either way)."""
    from ..sim import engine  # lazy: compiling the kernel's module costs seconds

    workers = s.threads or numba.config.NUMBA_NUM_THREADS
    tasks: list[list[int]] = []
    for idx in groups:
        size = GROUP_POINTS
        if workers > 1:  # enough tasks to keep every worker busy to the end
            size = max(16, min(GROUP_POINTS, -(-len(idx) // (2 * workers))))
        tasks += [idx[i:i + size] for i in range(0, len(idx), size)]
    out: list = [None] * len(models)
    total = len(models) * s.customers
    lock = threading.Lock()
    done_by_task = [0] * len(tasks)

    def run(k: int, threads: int | None) -> None:
        idx = tasks[k]
        rep = None
        if progress is not None:
            def rep(d, _t):
                with lock:
                    done_by_task[k] = d
                    progress(sum(done_by_task), total)
        if source is None:
            group = [models[i] for i in idx]
            part = simulate_group(group, s.customers, s.seed, threads, rep)
            for i, r in zip(idx, point_results(part, group, manifest)):
                out[i] = Point(models[i], r)
            return
        part = engine.simulate_points(take_points(source[0], idx), s.customers, s.seed,
                                      threads=threads, progress=rep)
        got = point_results(part, _Rows(models, idx), manifest, source[1][idx])
        for i, r in zip(idx, got):
            out[i] = GridPoint(models, i, r)

    if workers == 1 or len(tasks) < 2:
        for k in range(len(tasks)):
            run(k, s.threads)
        return out
    run(0, 1)
    if not _threadsafe_layer():
        for k in range(1, len(tasks)):
            run(k, s.threads)
        return out
    with ThreadPoolExecutor(min(workers, len(tasks) - 1)) as pool:
        for f in [pool.submit(run, k, 1) for k in range(1, len(tasks))]:
            f.result()
    return out


def _blocks_here(models, s: Settings, progress):
    """Block runs of each model on this machine: one model per thread (the kernel releases
    the GIL), each single-threaded; results do not depend on the split."""
    workers = s.threads or numba.config.NUMBA_NUM_THREADS
    workers = max(1, min(workers, len(models)))
    out = [None] * len(models)
    done = [0]

    def one(i):
        out[i] = simulate_blocks(models[i], s.customers, s.seed, 1)
        done[0] += 1
        if progress is not None:
            progress(done[0] * s.customers, len(models) * s.customers)

    one(0)
    if workers == 1 or not _threadsafe_layer():
        for i in range(1, len(models)):
            one(i)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(1, len(models))))
    return out


def _threadsafe_layer() -> bool:
    """Whether parallel kernels may be launched from several threads at once: only on a
    threadsafe threading layer (OpenMP, TBB; numba's fallback "workqueue" is not). Asked
    after a first kernel call, which chooses the layer."""
    try:
        return numba.threading_layer() in ("omp", "tbb")
    except ValueError:
        return False


def _chunks(items: list, parallelism: int) -> list[list]:
    """Split ``items`` into about 4 tasks per worker (at least one item each)."""
    n = max(1, min(len(items), 4 * max(1, parallelism)))
    size = -(-len(items) // n)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _scaled(progress, sizes, unit):
    if progress is None:
        return None
    total = sum(sizes) * unit

    def report(done_tasks: list[int]):
        progress(sum(sizes[i] for i in done_tasks) * unit, total)

    return report
