"""Analysis: scenario comparison, parameter sweeps, moments of truth, tornado and paired
deltas. The pure API that ``cxdsl compare``, ``sweep``, ``mot`` and ``diff`` (and any
report) call; nothing here prints.

    cmp = compare(model, customers=200_000, seed=42)        # -> Comparison
    sw = sweep(model, [parse_vary("demo_glitch.p=0:0.2:21", model)])
    ranking = mot(model, metric="nps")                       # -> MotResult
    swings = tornado(model, by=0.2)                          # -> TornadoResult

Every result has ``to_dict()`` giving the ``--json`` document of DESIGN.md.

Engines
-------
``engine="numba"`` simulates; ``engine="exact"`` computes exact expectations (journeys with
constant or discrete values only; :class:`cxdsl.exact.ExactError` otherwise), and every
interval, delta intervals included, has zero width.

Grid points (a sweep's grid, mot's ``p = 0`` / ``p = 1`` variants, the tornado's ±X%
variants) share the structure of their base model, so they are lowered together and run
by one call of the batched kernel (:func:`cxdsl.engine.simulate_points`); a point's
tallies are bit-identical to a single run of the same model with the same seed and
customers, so a sweep point equals ``cxdsl run`` of the same overrides number for number.

Paired intervals
----------------
A difference between two variants of a journey (a scenario minus the baseline, a model with
``p = 0`` minus the model as it is) uses common random numbers: every draw is keyed by
(seed, stream, persona, j), so the same customer meets the same luck in both variants and
most of the noise cancels. The interval of the difference must account for that
correlation, which aggregate tallies alone do not carry.

It is estimated by **batch means over the kernel's blocks**. The kernel simulates the
customers of each persona in blocks of :data:`cxdsl.engine.BLOCK_SIZE` consecutive indices
j, the same blocks for every variant, and different blocks use disjoint, independent draws.
So for a linear combination ``L = Σ_i c_i M_i`` of metric values of several variants (a
delta has c = (1, −1)), with ``M_i = Σ_q a_iq Σ_k X_iqk`` (``X_iqk``: the sum over block k
of persona q of the metric's per-customer quantity: score, promoter − detractor, top-two-box
or converted, times 100 or the persona's value where the metric says so; ``a_iq = w_q/n_q``),
the block terms ``Z_qk = Σ_i c_i a_iq (X_iqk − n_iqk μ_iq)`` are independent across blocks,
and ``Var L ≈ Σ_q v_q`` with ``v_q = K_q/(K_q − 1) Σ_k Z_qk²``. The interval is
``L ± t·se`` with Student's t at the Welch–Satterthwaite degrees of freedom
``(Σ v_q)² / Σ_q v_q²/(K_q − 1)`` (a persona with few blocks that dominates the variance
widens the interval accordingly). A persona with a single block (fewer than 4,097
customers) gives no batch variance; its term falls back to the unpaired variance (the sum of
the variants' variances), which is conservative under common random numbers, whose
correlations are positive.

Why batch means rather than per-customer paired sums: they need nothing from the kernel but
the per-block tallies its deterministic work split already defines (read here through
:func:`cxdsl.engine.iter_chunks`, one block per chunk), they cost no extra simulation, and the
point estimates stay exactly those of single runs. Their price is fewer degrees of freedom
at small N (tens of blocks at 10⁵ customers: t ≈ 2.0 instead of 1.96).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np

from ..model import ir
from ..sim.metrics import Z95, Metric, Result, compute, headline_metric, metric_names

ENGINES = ("numba", "exact")
#: Most points of one sweep grid (the checker's bound for the file's sweeps).
MAX_GRID_POINTS = 100_000
#: Most points lowered and simulated by one kernel call (bounds the call's memory).
GROUP_POINTS = 512
#: Default move of every parameter in a tornado.
TORNADO_BY = 0.20

Progress = Callable[[int, int], None]


class AnalysisError(ValueError):
    """A bad argument (a path naming nothing, a bad range, an unknown scenario): what the
    command line reports as a usage error."""


# ---------------------------------------------------------------------- statistics

#: Student's t 97.5% quantiles for 1..30 degrees of freedom.
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
         2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
         2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423)


def t975(df: float) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (a table to 30, the
    Cornish–Fisher expansion beyond, within 1e-4; 1.96 for infinite df)."""
    if not math.isfinite(df):
        return Z95
    if df < 1:
        raise ValueError("t quantile needs at least 1 degree of freedom")
    if df <= 30:
        return _T975[int(df) - 1]
    z = Z95
    g1 = (z ** 3 + z) / 4
    g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96
    g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384
    g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160
    return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4


# -------------------------------------------------------------------- evaluating points

#: Columns of a block table: customers, Σ score, Σ score², promoters, detractors,
#: top-two-box, converted.
_N, _SCORE, _SCORE2, _PROM, _DETR, _TOP2, _CONV = range(7)


@dataclass
class Point:
    """One evaluated variant: its model, tallies and Result, and (numba engine, paired runs)
    its per-block sums: persona name -> float64[K, 7] (see ``_N`` … ``_CONV``)."""

    model: ir.Model
    result: Result
    blocks: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def exact(self) -> bool:
        return self.result.exact


@dataclass(frozen=True)
class Settings:
    """How points are evaluated: the engine, run size, seed and numba threads."""

    engine: str = "numba"
    customers: int = 100_000
    seed: int = 0
    threads: int | None = None

    @property
    def exact(self) -> bool:
        return self.engine == "exact"


def settings_for(model: ir.Model, *, engine: str = "numba", customers: int | None = None,
                 seed: int | None = None, threads: int | None = None) -> Settings:
    """Settings with the spec's defaults filled in, as ``cxdsl run`` does: customers from
    the argument, else the spec's ``customers``, else 100,000; seed likewise, else 0."""
    from ..sim.simulate import (
        DEFAULT_CUSTOMERS,
        SimulationError,
        check_customers,
        check_seed,
        check_threads,
    )

    if engine not in ENGINES:
        raise AnalysisError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if customers is None:
        customers = model.customers if model.customers else DEFAULT_CUSTOMERS
    if seed is None:
        seed = model.seed if model.seed is not None else 0
    try:
        return Settings(engine, check_customers(customers), check_seed(seed),
                        check_threads(threads))
    except SimulationError as exc:
        raise AnalysisError(str(exc)) from None


def _structure(m: ir.Model) -> tuple:
    return (tuple(m.scale), tuple(p.name for p in m.personas),
            tuple(s.name for s in m.stages),
            tuple((e.name, e.stage, e.when) for e in m.events))


def simulate_group(models: Sequence[ir.Model], customers: int, seed: int,
                   threads: int | None = None, progress: Progress | None = None) -> list:
    """Tallies of models of one structure by one call of the batched kernel (in groups of
    :data:`GROUP_POINTS`). A unit of work a cluster worker runs, too."""
    from ..sim import engine
    from ..sim.lower import lower_points

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
        out.extend(engine.simulate_points(lower_points(group), customers, seed,
                                          threads=threads, progress=report))
        done_before += len(group) * customers
    return out


def block_sums(tallies, model: ir.Model, q: int) -> np.ndarray:
    """The block-table row of persona ``q`` of some tallies (see ``_N`` … ``_CONV``)."""
    lo, hi = model.scale
    h = tallies.hist[q]
    row = np.zeros(7)
    row[_N] = tallies.n[q]
    row[_SCORE] = tallies.score_sum[q]
    row[_SCORE2] = tallies.score_sq[q]
    if model.has_nps:
        row[_PROM] = h[9 - lo:].sum()
        row[_DETR] = h[: 7 - lo].sum()
    row[_TOP2] = h[hi - 1 - lo:].sum()
    row[_CONV] = tallies.reached[q, model.goal_index]
    return row


def simulate_blocks(model: ir.Model, customers: int, seed: int, threads: int | None = 1
                    ) -> tuple:
    """(tallies, blocks) of one model: the tallies of a plain run and, per persona, the
    block table of the kernel's blocks in j order (persona name -> float64[K, 7]). Reads
    the blocks one chunk at a time from :func:`cxdsl.engine.iter_chunks`, one block per
    chunk; the final tallies are those of ``simulate_tallies`` with the same arguments."""
    from ..sim import engine

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
    blocks = {p.name: (np.array(rows[q]) if rows[q] else np.zeros((0, 7)))
              for q, p in enumerate(model.personas)}
    return last, blocks


def _run_group_task(models, customers, seed, threads):
    return simulate_group(models, customers, seed, threads)


def _run_blocks_task(models, customers, seed, threads):
    return [simulate_blocks(m, customers, seed, threads) for m in models]


def _exact_task(models):
    from ..sim.exact import exact_tallies

    return [exact_tallies(m) for m in models]


def evaluate(models: Sequence[ir.Model], settings: Settings, *, paired: bool = False,
             progress: Progress | None = None, executor=None,
             manifest: dict | None = None) -> list[Point]:
    """Evaluate every model (any mix of structures), in order.

    ``paired``: also keep the per-block sums that paired intervals need (numba engine).
    ``executor``: a :class:`cxdsl.distributed.DaskExecutor` (or anything with its
    ``map(fn, tasks, progress)`` and ``parallelism``) spreading the work over a cluster
    (None: here). ``progress(done, total)`` counts customers over all points."""
    models = list(models)
    if not models:
        return []
    s = settings
    if s.exact:
        if executor is not None:
            chunks = _chunks(list(range(len(models))), executor.parallelism)
            got = executor.map(_exact_task, [([models[i] for i in c],) for c in chunks],
                               progress=_scaled(progress, [len(c) for c in chunks], 1))
            tallies = [t for part in got for t in part]
        else:
            from ..sim.exact import exact_tallies

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
    tallies: list = [None] * len(models)
    if executor is not None:
        tasks, where = [], []
        for idx in groups.values():
            for c in _chunks(idx, executor.parallelism):
                tasks.append(([models[i] for i in c], s.customers, s.seed,
                              getattr(executor, "task_threads", None)))
                where.append(c)
        got = executor.map(_run_group_task, tasks,
                           progress=_scaled(progress, [len(c) for c in where], s.customers))
        for c, part in zip(where, got):
            for i, t in zip(c, part):
                tallies[i] = t
        return [Point(m, compute(t, m, manifest)) for m, t in zip(models, tallies)]
    return _groups_here(models, list(groups.values()), s, progress, manifest)


def _groups_here(models, groups: list[list[int]], s: Settings, progress, manifest
                 ) -> list[Point]:
    """Evaluate groups of same-structure models on this machine.

    A grid is cut into tasks of at most :data:`GROUP_POINTS` points. With several cores
    and several tasks, the tasks run on one thread per core, each calling the batched
    kernel single-threaded and then computing its points' metrics: the kernel releases the
    GIL, so one task's lowering and metrics (Python) overlap another's simulation instead
    of leaving cores idle. Otherwise one task at a time, the kernel on every thread. The
    tallies do not depend on the split (bit-identical either way)."""
    import threading

    import numba

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
        part = simulate_group([models[i] for i in idx], s.customers, s.seed, threads, rep)
        for i, t in zip(idx, part):
            out[i] = Point(models[i], compute(t, models[i], manifest))

    if workers == 1 or len(tasks) < 2:
        for k in range(len(tasks)):
            run(k, s.threads)
        return out
    run(0, 1)
    # parallel kernels may be launched from several threads at once only on a threadsafe
    # threading layer (OpenMP, TBB; numba's fallback "workqueue" is not)
    try:
        safe = numba.threading_layer() in ("omp", "tbb")
    except ValueError:
        safe = False
    if not safe:
        for k in range(1, len(tasks)):
            run(k, s.threads)
        return out
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(workers, len(tasks) - 1)) as pool:
        for f in [pool.submit(run, k, 1) for k in range(1, len(tasks))]:
            f.result()
    return out


def _blocks_here(models, s: Settings, progress):
    """Block runs of each model on this machine: one model per thread (the kernel releases
    the GIL), each single-threaded; results do not depend on the split."""
    import numba

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
    # parallel kernels may be launched from several threads at once only on a threadsafe
    # threading layer (OpenMP, TBB; numba's fallback "workqueue" is not)
    try:
        safe = numba.threading_layer() in ("omp", "tbb")
    except ValueError:
        safe = False
    if workers == 1 or not safe:
        for i in range(1, len(models)):
            one(i)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(1, len(models))))
    return out


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


# ----------------------------------------------------------------- paired combinations


def metric_quantity(model: ir.Model, metric: str, rows: np.ndarray, persona: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(Σx, Σx²) per row of a block table, for the per-customer quantity x of ``metric``."""
    if metric == "nps":
        return 100 * (rows[:, _PROM] - rows[:, _DETR]), 1e4 * (rows[:, _PROM] + rows[:, _DETR])
    if metric == "csat":
        return 100 * rows[:, _TOP2], 1e4 * rows[:, _TOP2]
    if metric == "mean":
        return rows[:, _SCORE], rows[:, _SCORE2]
    if metric == "conversion":
        return rows[:, _CONV], rows[:, _CONV]
    if metric == "revenue":
        v = next(p.value for p in model.personas if p.name == persona)
        return v * rows[:, _CONV], v * v * rows[:, _CONV]
    raise AnalysisError(f"unknown metric {metric!r}")


def combine(points: Sequence[Point], coeffs: Sequence[float], metric: str) -> Metric:
    """``Σ c_i · metric(point_i)`` with its paired 95% interval (see the module docstring).

    Exact points give a zero-width interval. Points run without blocks (not ``paired``)
    get the unpaired interval (variances added)."""
    pairs = [(p, float(c)) for p, c in zip(points, coeffs) if c != 0]
    values = [p.result.metric(metric).value for p, _ in pairs]
    if any(v is None for v in values):
        return Metric(None, None, None)
    value = math.fsum(c * v for (_, c), v in zip(pairs, values))
    if all(p.exact for p, _ in pairs):
        return Metric(value, value, value, 0.0)
    if any(p.blocks is None for p, _ in pairs):
        se = math.sqrt(sum((c * (p.result.metric(metric).se or 0.0)) ** 2 for p, c in pairs))
        return Metric(value, value - Z95 * se, value + Z95 * se, se)

    var = 0.0
    df_terms = 0.0  # Σ v_q² / df_q over the personas with a batch variance
    names: list[str] = []
    for p, _ in pairs:
        names += [n for n in p.blocks if n not in names]
    for name in names:
        terms = []  # (c * a, Σx per block, n per block, μ, Σx² total)
        K = 0
        for p, c in pairs:
            rows = p.blocks.get(name)
            if rows is None or len(rows) == 0:
                continue
            q = next(i for i, x in enumerate(p.model.personas) if x.name == name)
            t = p.result.tallies
            n = float(t.n[q])
            wsum = float(sum(t.weight[i] for i in range(len(t.n)) if t.n[i] > 0))
            a = float(t.weight[q]) / wsum / n
            s1, s2 = metric_quantity(p.model, metric, rows, name)
            terms.append((c * a, s1, rows[:, _N], float(s1.sum()) / n, float(s2.sum()), n))
            K = max(K, len(rows))
        if K >= 2:
            z = np.zeros(K)
            for ca, s1, nk, mu, _s2, _n in terms:
                z[: len(s1)] += ca * (s1 - nk * mu)
            v = K / (K - 1) * float(np.dot(z, z))
            var += v
            df_terms += v * v / (K - 1)
        else:  # one block: no batch variance; unpaired (conservative) term
            for ca, _s1, _nk, mu, s2, n in terms:
                v = max(s2 / n - mu * mu, 0.0) * (n / (n - 1) if n > 1 else 1.0)
                var += ca * ca * n * v
    se = math.sqrt(var)
    # Welch–Satterthwaite: the degrees of freedom of a sum of variance estimates
    df = var * var / df_terms if df_terms > 0 else math.inf
    t = t975(max(df, 1.0))
    return Metric(value, value - t * se, value + t * se, se)


def delta(new: Point, old: Point, metric: str) -> Metric:
    """``metric(new) − metric(old)`` with its paired interval."""
    return combine([new, old], [1.0, -1.0], metric)


# -------------------------------------------------------------------------- manifests


def manifest_for(settings: Settings, spec_sha: str | None, scenario: str | None) -> dict:
    from ..sim.simulate import manifest

    if settings.exact:
        return manifest(spec_sha256=spec_sha, seed=None, customers=None, engine="exact",
                        scenario=scenario)
    return manifest(spec_sha256=spec_sha, seed=settings.seed, customers=settings.customers,
                    engine=settings.engine, scenario=scenario)


def check_scenario(model: ir.Model, name: str | None) -> None:
    from ..sim.simulate import SimulationError
    from ..sim.simulate import check_scenario as _check

    try:
        _check(model, name)
    except SimulationError as exc:
        raise AnalysisError(str(exc)) from None


def _group_dict(result: Result) -> dict:
    return {"overall": result.overall.to_dict(),
            "personas": {n: g.to_dict() for n, g in result.personas.items()}}


# ---------------------------------------------------------------------------- compare


@dataclass
class ScenarioComparison:
    scenario: ir.Scenario
    point: Point
    delta: dict[str, Metric]
    roi: dict | None

    def to_dict(self) -> dict:
        roi = None
        if self.roi is not None:
            roi = {k: (v.to_dict() if isinstance(v, Metric) else v)
                   for k, v in self.roi.items()}
        return {"name": self.scenario.name, "label": self.scenario.label,
                "cost": self.scenario.cost, **_group_dict(self.point.result),
                "delta": {m: d.to_dict() for m, d in self.delta.items()}, "roi": roi}


@dataclass
class Comparison:
    """The baseline and each scenario, with paired deltas; ``scenarios`` are sorted by the
    change of the headline metric, largest first."""

    manifest: dict
    model: ir.Model
    baseline: Point
    scenarios: list[ScenarioComparison]
    headline: str

    @property
    def targets_met(self) -> bool:
        return self.baseline.result.targets_met

    def to_dict(self) -> dict:
        return {"manifest": dict(self.manifest), "baseline": _group_dict(self.baseline.result),
                "scenarios": [s.to_dict() for s in self.scenarios]}


def _roi(scenario: ir.Scenario, d: dict[str, Metric], headline: str, customers: int
         ) -> dict | None:
    """Revenue change over the run's customers minus the cost, and headline points per
    10,000 of cost; None for a scenario without a cost."""
    if scenario.cost is None:
        return None
    cost = float(scenario.cost)
    rev = d.get("revenue")

    def scaled(m: Metric, k: float, shift: float = 0.0) -> Metric:
        if m is None or m.value is None:
            return Metric(None, None, None)
        lo, hi = sorted((m.lo * k + shift, m.hi * k + shift))
        return Metric(m.value * k + shift, lo, hi, None if m.se is None else m.se * abs(k))

    out: dict = {"metric": headline, "customers": customers,
                 "revenue_change": scaled(rev, customers),
                 "net": scaled(rev, customers, -cost)}
    out["per_10k_cost"] = scaled(d[headline], 10_000 / cost) if cost > 0 else None
    return out


def compare(model: ir.Model, scenarios: Sequence[str] | None = None, *,
            engine: str = "numba", customers: int | None = None, seed: int | None = None,
            threads: int | None = None, executor=None, spec_sha: str | None = None,
            progress: Progress | None = None) -> Comparison:
    """The baseline and each named scenario (default: all of the spec's, in order), with
    every metric's change against the baseline and its paired interval."""
    names = list(scenarios) if scenarios else [s.name for s in model.scenarios]
    for n in names:
        check_scenario(model, n)
    names = list(dict.fromkeys(names))
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, None)
    models = [model] + [ir.with_scenario(model, n) for n in names]
    points = evaluate(models, s, paired=True, executor=executor, progress=progress,
                      manifest=man)
    base = points[0]
    headline = headline_metric(model)
    metrics = metric_names(model)
    rows = []
    for n, p in zip(names, points[1:]):
        d = {m: delta(p, base, m) for m in metrics}
        sc = model.scenario(n)
        rows.append(ScenarioComparison(sc, p, d, _roi(sc, d, headline, s.customers)))
    rows.sort(key=lambda r: -(r.delta[headline].value or 0.0))
    return Comparison(man, model, base, rows, headline)


# ------------------------------------------------------------------------------ sweeps


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


def resolve_path(text: str, model: ir.Model) -> ir.PathRef:
    """``X.attr`` or ``X.attr[persona]`` resolved against ``model`` (the rules of scenario
    and sweep paths), or AnalysisError with a did-you-mean hint."""
    from ..lang.diagnostics import did_you_mean

    raw = text.strip()
    persona = None
    body = raw
    if body.endswith("]") and "[" in body:
        body, persona = body[:-1].split("[", 1)
        persona = persona.strip()
    if "." not in body:
        raise AnalysisError(f"'{raw}' is not a path: write DECLARATION.ATTRIBUTE, e.g. "
                            "demo_glitch.p or Convert.advance[enterprise]")
    target, attr = (x.strip() for x in body.split(".", 1))
    kind = None
    if any(p.name == target for p in model.personas):
        kind = "persona"
    elif any(s.name == target for s in model.stages):
        kind = "stage"
    elif any(e.name == target for e in model.events):
        kind = "event"
    if kind is None:
        names = ([p.name for p in model.personas] + [s.name for s in model.stages]
                 + [e.name for e in model.events])
        hint = did_you_mean(target, names)
        raise AnalysisError(f"'{raw}' names nothing: there is no persona, stage or event "
                            f"'{target}'" + (f" — {hint}" if hint else ""))
    attrs = ir.ATTRIBUTES[kind]
    if attr not in attrs:
        hint = did_you_mean(attr, attrs) or f"{'an' if kind == 'event' else 'a'} {kind} has " \
            + ", ".join(attrs)
        raise AnalysisError(f"{kind} {target} has no attribute '{attr}' — {hint}")
    if persona is not None:
        if not attrs[attr]:
            raise AnalysisError(f"{kind} attribute '{attr}' is not per persona; drop "
                                f"'[{persona}]'")
        names = [p.name for p in model.personas]
        if persona not in names:
            hint = did_you_mean(persona, names)
            raise AnalysisError(f"unknown persona '{persona}' in '{raw}'"
                                + (f" — {hint}" if hint else ""))
    if kind == "stage" and target == model.stages[-1].name:
        raise AnalysisError(f"{attr} on the last stage {target} means nothing: nobody "
                            "advances past it")
    return ir.PathRef(kind, target, attr, persona)


def check_values(path: ir.PathRef, values: Sequence[float], model: ir.Model) -> None:
    """The range rules of sweeps: probabilities in [0, 1], shares >= 0, baselines within
    the scale."""
    for v in values:
        if not math.isfinite(v):
            raise AnalysisError(f"{path}: {v} is not a finite number")
        if path.attr in ("p", "advance") and not 0.0 <= v <= 1.0:
            raise AnalysisError(f"{path} would reach {v:g}, which is not a probability; "
                                "keep the values within 0..1 (0%..100%)")
        if path.attr == "share" and v < 0:
            raise AnalysisError(f"{path} would reach {v:g}; a share must be >= 0")
        if path.attr == "baseline" and not model.scale[0] <= v <= model.scale[1]:
            raise AnalysisError(f"{path} would reach {v:g}, outside the scale "
                                f"{model.scale[0]}..{model.scale[1]}")


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

    def to_dict(self) -> dict:
        names = [a.name for a in self.axes]
        return {"manifest": dict(self.manifest), "axes": names,
                "points": [{"params": dict(zip(names, vals)),
                            "overall": p.result.overall.to_dict()}
                           for vals, p in zip(self.params, self.points)]}

    def to_csv(self) -> str:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        ms = self.metrics
        w.writerow([a.name for a in self.axes]
                   + [c for m in ms for c in (m, f"{m}_lo", f"{m}_hi")])
        for vals, p in zip(self.params, self.points):
            row = [repr(float(v)) for v in vals]
            for m in ms:
                x = p.result.overall.metrics[m]
                row += ["" if v is None else repr(float(v)) for v in (x.value, x.lo, x.hi)]
            w.writerow(row)
        return buf.getvalue()


def sweep(model: ir.Model, vary: Sequence[Axis] = (), *, scenario: str | None = None,
          file_sweeps: bool = True, engine: str = "numba", customers: int | None = None,
          seed: int | None = None, threads: int | None = None, executor=None,
          spec_sha: str | None = None, progress: Progress | None = None) -> SweepResult:
    """Every point of the grid (the spec's sweeps and ``vary``), applied on top of the
    baseline or of ``scenario``, each evaluated with the same seed and customers."""
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
    params = list(itertools.product(*(a.values for a in axes)))
    paths = [a.path for a in axes]
    models = [ir.with_overrides(base, dict(zip(paths, vals))) for vals in params]
    if any(a.path.attr == "share" for a in axes):
        for vals, m in zip(params, models):
            if not sum(p.share for p in m.personas) > 0:
                where = ", ".join(f"{p} = {v:g}" for p, v in zip(paths, vals))
                raise AnalysisError(f"at {where} every persona's share is 0: such a "
                                    "journey has no customers")
    points = evaluate(models, s, executor=executor, progress=progress, manifest=man)
    return SweepResult(man, base, axes, params, points)


# ------------------------------------------------------------------- moments of truth


def _set_p(model: ir.Model, event: str, p: float) -> ir.Model:
    return ir.with_overrides(model, {ir.PathRef("event", event, "p"): p})


def check_metric(model: ir.Model, metric: str | None) -> str:
    if metric is None:
        return headline_metric(model)
    if metric not in ir.METRICS:
        raise AnalysisError(f"unknown metric '{metric}'; choose one of "
                            f"{', '.join(ir.METRICS)}")
    if metric == "nps" and not model.has_nps:
        lo, hi = model.scale
        raise AnalysisError(f"nps is defined on a 0..10 scale only; this journey's scale is "
                            f"{lo}..{hi}")
    return metric


@dataclass
class EventImportance:
    event: ir.Event
    contribution: Metric
    if_never: Metric
    if_always: Metric
    leverage: Metric

    def to_dict(self) -> dict:
        return {"name": self.event.name, "stage": self.event.stage,
                "contribution": self.contribution.to_dict(),
                "if_never": self.if_never.to_dict(), "if_always": self.if_always.to_dict(),
                "leverage": self.leverage.to_dict()}


@dataclass
class MotResult:
    manifest: dict
    model: ir.Model
    metric: str
    now: Metric
    events: list[EventImportance]
    tornado: TornadoResult | None = None

    def to_dict(self) -> dict:
        out = {"manifest": dict(self.manifest), "metric": self.metric,
               "events": [e.to_dict() for e in self.events]}
        if self.tornado is not None:
            out["tornado"] = self.tornado.section()
        return out


def mot(model: ir.Model, metric: str | None = None, *, scenario: str | None = None,
        engine: str = "numba", customers: int | None = None, seed: int | None = None,
        threads: int | None = None, executor=None, spec_sha: str | None = None,
        progress: Progress | None = None, tornado_by: float | None = None) -> MotResult:
    """For every event: its contribution (metric now − if_never), if_never and if_always
    (the metric with the event's p at 0 and at 1 for every persona) and its leverage
    ((if_always − if_never) / 10: the change per 10 percentage points of p), ranked by
    |contribution|. With ``tornado_by``, also the tornado of every numeric parameter
    (evaluated in the same batch)."""
    check_scenario(model, scenario)
    metric = check_metric(model, metric)
    base = ir.with_scenario(model, scenario)
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, scenario)
    models = [base]
    for e in base.events:
        models += [_set_p(base, e.name, 0.0), _set_p(base, e.name, 1.0)]
    params: list[TornadoParam] = []
    if tornado_by is not None:
        params = tornado_parameters(base, tornado_by)
        for prm in params:
            models += [prm.low_model, prm.high_model]
    points = evaluate(models, s, paired=True, executor=executor, progress=progress,
                      manifest=man)
    now = points[0]
    rows = []
    for i, e in enumerate(base.events):
        never, always = points[1 + 2 * i], points[2 + 2 * i]
        rows.append(EventImportance(
            e, delta(now, never, metric), never.result.metric(metric),
            always.result.metric(metric), combine([always, never], [0.1, -0.1], metric)))
    rows.sort(key=lambda r: -abs(r.contribution.value or 0.0))
    torn = None
    if tornado_by is not None:
        off = 1 + 2 * len(base.events)
        torn = _tornado_result(man, base, metric, tornado_by, now, params,
                               points[off:])
    return MotResult(man, base, metric, now.result.metric(metric), rows, torn)


# ----------------------------------------------------------------------------- tornado


@dataclass
class TornadoParam:
    """One parameter moved down and up: ``path`` names it (per-persona values move
    together), ``low``/``high`` describe the moved values."""

    path: str
    current: str
    low: str
    high: str
    low_model: ir.Model = field(repr=False)
    high_model: ir.Model = field(repr=False)


@dataclass
class TornadoRow:
    param: TornadoParam
    low: Metric
    high: Metric
    swing: Metric

    def to_dict(self) -> dict:
        return {"parameter": self.param.path, "current": self.param.current,
                "low_setting": self.param.low, "high_setting": self.param.high,
                "low": self.low.to_dict(), "high": self.high.to_dict(),
                "swing": self.swing.to_dict()}


@dataclass
class TornadoResult:
    manifest: dict
    model: ir.Model
    metric: str
    by: float
    now: Metric
    rows: list[TornadoRow]

    def section(self) -> dict:
        return {"by": self.by, "metric": self.metric, "now": self.now.to_dict(),
                "parameters": [r.to_dict() for r in self.rows]}

    def to_dict(self) -> dict:
        return {"manifest": dict(self.manifest), **self.section()}


def _scale_dist(d: ir.Dist, k: float, clip: tuple[float, float] | None = None) -> ir.Dist:
    """Every number of a distribution times ``k`` (its mean moves by the same factor);
    constants and discrete values clipped to ``clip`` when given (baselines)."""
    def c(x):
        x = x * k
        return min(max(x, clip[0]), clip[1]) if clip else x

    if isinstance(d, ir.Const):
        return ir.Const(c(d.value))
    if isinstance(d, ir.Normal):
        return ir.Normal(d.mu * k, abs(d.sd * k))
    if isinstance(d, ir.Uniform):
        lo, hi = sorted((d.lo * k, d.hi * k))
        return ir.Uniform(lo, hi)
    if isinstance(d, ir.Triangular):
        lo, mode, hi = sorted((d.lo * k, d.mode * k, d.hi * k))
        return ir.Triangular(lo, mode, hi)
    return ir.Discrete(tuple(c(v) for v in d.values), d.weights)


def _per_text(attr: str, values: tuple) -> str:
    from ..model.diff import _attr_text

    uniq = list(dict.fromkeys(values))
    return " / ".join(_attr_text(attr, v) for v in uniq)


def tornado_parameters(model: ir.Model, by: float = TORNADO_BY) -> list[TornadoParam]:
    """Every numeric parameter of ``model`` moved by ±``by`` (a fraction): persona share,
    baseline and value; stage advance and slope (not on the last stage); event p and
    impact. Per-persona values move together, each by the same factor; probabilities are
    clipped to [0, 1]; a share is renormalised with the others. Parameters the move leaves
    unchanged on both sides (zeros, a single persona's share) are left out."""
    if not (isinstance(by, (int, float)) and math.isfinite(by) and 0 < by <= 10):
        raise AnalysisError(f"the tornado's move must be a fraction above 0 (e.g. 20%), "
                            f"got {by!r}")
    out: list[TornadoParam] = []
    lo, hi = model.scale

    def prob(x):
        return min(max(x, 0.0), 1.0)

    def add(path, attr, current, low, high, lm, hm):
        if lm == model and hm == model:
            return
        out.append(TornadoParam(path, _per_text(attr, current), _per_text(attr, low),
                                _per_text(attr, high), lm, hm))

    for p in model.personas:
        for attr in ("share", "baseline", "value"):
            vals = {}
            for side, k in (("low", 1 - by), ("high", 1 + by)):
                if attr == "share":
                    nv = p.share * k
                    m = ir.apply_change(model, ir.SetAttr(ir.PathRef("persona", p.name,
                                                                     "share"), nv))
                elif attr == "baseline":
                    nv = _scale_dist(p.baseline, k, (lo, hi))
                    m = _replace_persona(model, p.name, baseline=nv)
                else:
                    nv = p.value * k
                    m = _replace_persona(model, p.name, value=nv)
                vals[side] = (nv, m)
            cur = getattr(p, attr)
            add(f"{p.name}.{attr}", attr, (cur,), (vals["low"][0],), (vals["high"][0],),
                vals["low"][1], vals["high"][1])
    for s in model.stages[:-1]:
        for attr in ("advance", "slope"):
            cur = getattr(s, attr)
            f = prob if attr == "advance" else (lambda x: x)
            low = tuple(f(v * (1 - by)) for v in cur)
            high = tuple(f(v * (1 + by)) for v in cur)
            add(f"{s.name}.{attr}", attr, cur, low, high,
                _replace_stage(model, s.name, **{attr: low}),
                _replace_stage(model, s.name, **{attr: high}))
    for e in model.events:
        low = tuple(prob(v * (1 - by)) for v in e.p)
        high = tuple(prob(v * (1 + by)) for v in e.p)
        add(f"{e.name}.p", "p", e.p, low, high, _replace_event(model, e.name, p=low),
            _replace_event(model, e.name, p=high))
        low_i = tuple(_scale_dist(d, 1 - by) for d in e.impact)
        high_i = tuple(_scale_dist(d, 1 + by) for d in e.impact)
        add(f"{e.name}.impact", "impact", e.impact, low_i, high_i,
            _replace_event(model, e.name, impact=low_i),
            _replace_event(model, e.name, impact=high_i))
    return out


def _replace_persona(model, name, **kw):
    return dataclasses.replace(model, personas=tuple(
        dataclasses.replace(p, **kw) if p.name == name else p for p in model.personas))


def _replace_stage(model, name, **kw):
    return dataclasses.replace(model, stages=tuple(
        dataclasses.replace(s, **kw) if s.name == name else s for s in model.stages))


def _replace_event(model, name, **kw):
    return dataclasses.replace(model, events=tuple(
        dataclasses.replace(e, **kw) if e.name == name else e for e in model.events))


def _tornado_result(man, model, metric, by, now: Point, params, points) -> TornadoResult:
    rows = []
    for i, prm in enumerate(params):
        low, high = points[2 * i], points[2 * i + 1]
        rows.append(TornadoRow(prm, low.result.metric(metric), high.result.metric(metric),
                               delta(high, low, metric)))
    rows.sort(key=lambda r: -abs(r.swing.value or 0.0))
    return TornadoResult(man, model, metric, by, now.result.metric(metric), rows)


def tornado(model: ir.Model, metric: str | None = None, by: float = TORNADO_BY, *,
            scenario: str | None = None, engine: str = "numba", customers: int | None = None,
            seed: int | None = None, threads: int | None = None, executor=None,
            spec_sha: str | None = None, progress: Progress | None = None
            ) -> TornadoResult:
    """Every numeric parameter moved ±``by`` (:func:`tornado_parameters`), ranked by the
    swing of ``metric`` (high − low, paired interval)."""
    check_scenario(model, scenario)
    metric = check_metric(model, metric)
    base = ir.with_scenario(model, scenario)
    params = tornado_parameters(base, by)
    s = settings_for(model, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, scenario)
    models = [base] + [m for prm in params for m in (prm.low_model, prm.high_model)]
    points = evaluate(models, s, paired=True, executor=executor, progress=progress,
                      manifest=man)
    return _tornado_result(man, base, metric, by, points[0], params, points[1:])


# ---------------------------------------------------------------------- forecast diff


@dataclass
class ForecastDiff:
    """Two versions of a journey forecast with the same seed and customers, and the paired
    change of each metric (new − old)."""

    manifest: dict
    old: Point
    new: Point
    delta: dict[str, Metric]

    def to_dict(self) -> dict:
        return {"old": _group_dict(self.old.result), "new": _group_dict(self.new.result),
                "delta": {m: d.to_dict() for m, d in self.delta.items()}}


def paired_forecast(old: ir.Model, new: ir.Model, *, engine: str = "numba",
                    customers: int | None = None, seed: int | None = None,
                    threads: int | None = None, executor=None,
                    spec_sha: str | None = None, progress: Progress | None = None
                    ) -> ForecastDiff:
    """Forecast both versions (run size and seed from the arguments, else the new spec's)
    and every metric's paired change. Metrics only one version defines (nps when the scale
    changed) are left out of ``delta``."""
    s = settings_for(new, engine=engine, customers=customers, seed=seed, threads=threads)
    man = manifest_for(s, spec_sha, None)
    a, b = evaluate([old, new], s, paired=True, executor=executor, progress=progress,
                    manifest=man)
    common = [m for m in metric_names(new) if m in metric_names(old)]
    return ForecastDiff(man, a, b, {m: delta(b, a, m) for m in common})


__all__ = ["AnalysisError", "Settings", "Point", "Axis", "Comparison", "ScenarioComparison",
           "SweepResult", "MotResult", "EventImportance", "TornadoParam", "TornadoRow",
           "TornadoResult", "ForecastDiff", "compare", "sweep", "mot", "tornado",
           "tornado_parameters", "paired_forecast", "evaluate", "combine", "delta",
           "parse_vary", "resolve_path", "check_values", "grid_axes", "settings_for",
           "simulate_group", "simulate_blocks", "t975", "ENGINES", "TORNADO_BY"]
