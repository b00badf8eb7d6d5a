"""The public simulation API: a checked model in, a :class:`~cxdsl.sim.metrics.Result` out.

    result = cxdsl.simulate(model, customers=100_000, seed=42)
    result.metric("nps").value, result.to_dict()

Engines: ``"numba"`` (the default: the compiled kernel of :mod:`cxdsl.sim.engine`) and
``"exact"`` (:mod:`cxdsl.sim.exact`: no sampling, for journeys whose values are constants or
``discrete(...)``).

``precision``: keep simulating until the headline metric's 95% half-width (nps on a 0..10
scale, otherwise the mean score; :func:`cxdsl.sim.metrics.headline_metric`) is at most
``precision``. The run starts with :data:`PRECISION_START` customers, estimates from the
interval how many customers the precision needs (the half-width shrinks as 1/√N) and runs
that many, repeating until the precision is reached or the cap is hit: ``customers`` when
given, else :data:`PRECISION_CAP`. The spec's ``customers`` is not a cap: with a precision
the run size follows from the precision. The result is that of a plain run of the final
number of customers with the same seed.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
import types
from collections.abc import Callable

import numpy as np

from .._version import __version__
from ..lang.api import check_file
from ..lang.diagnostics import CompileError, did_you_mean
from ..model import ir
from .metrics import Result, compute, headline_metric

ENGINES = ("numba", "exact")
#: Run size when neither the caller nor the spec gives one.
DEFAULT_CUSTOMERS = 100_000
#: Largest run a caller may ask for (1e12 customers: days of work on one machine).
MAX_CUSTOMERS = 10 ** 12
#: The finest precision a run may ask for: a half-width of 1e-9 would need some 10^19
#: customers, far past any cap.
MIN_PRECISION = 1e-9

#: First batch and default cap of a run with a precision.
PRECISION_START = 20_000
PRECISION_CAP = 10 ** 9

Progress = Callable[[int, int], None]


class SimulationError(ValueError):
    """A bad argument to :func:`simulate` (what the CLI reports as a usage error)."""


def check_customers(customers, what: str = "customers") -> int:
    """``customers`` as an int in 1 … MAX_CUSTOMERS, or SimulationError."""
    if isinstance(customers, bool) or not isinstance(customers, int):
        if not isinstance(customers, np.integer):
            raise SimulationError(f"{what} must be a whole number, got {customers!r}")
    customers = int(customers)
    if customers < 1:
        raise SimulationError(f"{what} must be at least 1, got {customers}")
    if customers > MAX_CUSTOMERS:
        raise SimulationError(f"{what} must be at most {MAX_CUSTOMERS:.0e} "
                              f"({MAX_CUSTOMERS:,}), got {customers:.3g}")
    return customers


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        if isinstance(seed, np.integer):
            return int(seed)
        raise SimulationError(f"seed must be an integer, got {seed!r}")
    return seed


def check_scenario(model: ir.Model, scenario: str | None) -> None:
    if scenario is None:
        return
    names = [s.name for s in model.scenarios]
    if scenario in names:
        return
    hint = did_you_mean(scenario, names)
    if hint:
        tail = f" — {hint}"
    elif names:
        tail = f" (the spec defines: {', '.join(names)})"
    else:
        tail = " (the spec defines no scenarios)"
    raise SimulationError(f"unknown scenario '{scenario}'{tail}")


def check_threads(threads) -> int | None:
    """``threads`` as an int in 1 … the cores numba may use, or None (all of them)."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise SimulationError(f"threads must be a whole number of at least 1, got {threads!r}")
    import numba  # lazy: only the numba engine needs numba

    most = numba.config.NUMBA_NUM_THREADS
    if threads > most:
        raise SimulationError(f"threads must be at most {most} (the cores numba may use; "
                              f"set NUMBA_NUM_THREADS to raise it), got {threads}")
    return threads


def check_precision(precision) -> float | None:
    if precision is None:
        return None
    try:
        value = float(precision)
    except (TypeError, ValueError):
        raise SimulationError(f"precision must be a number, got {precision!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SimulationError(f"precision must be a positive number, got {precision!r}")
    if value < MIN_PRECISION:
        raise SimulationError(f"precision {precision!r} is finer than any run can reach; "
                              f"it must be at least {MIN_PRECISION:g}")
    return value


#: The version of the ``--json`` documents' shapes (``cxdsl/schema/*.schema.json``): raised
#: when a key is renamed or removed, or its meaning changes.
RESULT_SCHEMA_VERSION = 1


def manifest(*, spec_sha256: str | None, seed: int | None, customers: int | None,
             engine: str, scenario: str | None) -> dict:
    """The ``manifest`` object of every ``--json`` document. The exact engine simulates no
    customers and draws no random numbers: its ``customers`` and ``seed`` are null, except
    that a forecast keeps its ``seed`` (the worlds' draws follow it)."""
    return {"cxdsl": __version__, "schema_version": RESULT_SCHEMA_VERSION,
            "spec_sha256": spec_sha256, "seed": seed,
            "customers": customers, "engine": engine, "scenario": scenario}


def spec_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def simulate(model, customers: int | None = None, seed: int | None = None,
             scenario: str | None = None, engine: str = "numba", threads: int | None = None,
             precision: float | None = None, progress: Progress | None = None, *,
             chunk_size: int | None = None, spec_sha: str | None = None,
             worlds: int | None = None) -> Result:
    """Forecast the metrics of ``model`` (an :class:`ir.Model`, or a path to a .cxj file).

    ``customers`` and ``seed`` default to the spec's (``customers N``, ``seed N``), then
    to 100_000 and 0. ``scenario`` names one of the spec's scenarios. ``threads`` limits the
    numba engine's threads (default: all cores). ``progress(done, total)`` is called as
    customers complete. ``spec_sha`` is recorded in the manifest (computed from the file
    when ``model`` is a path). ``worlds``: the worlds of a forecast of a spec with
    ``uncertain`` values (default the spec's ``worlds``, else 200): ``customers`` are split
    over them (:mod:`cxdsl.sim.forecast`).

    Raises :class:`SimulationError` for bad arguments and
    :class:`cxdsl.sim.exact.ExactError` when the exact engine cannot take the journey."""
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        comp = check_file(path)
        if not comp.ok:
            raise CompileError(comp.diagnostics.sorted(), comp.sources)
        model = comp.model
        if spec_sha is None and path in comp.sources:
            spec_sha = spec_sha256(comp.sources[path])
    if not isinstance(model, ir.Model):
        raise SimulationError(f"simulate() takes a model or a path, not "
                              f"{type(model).__name__}")
    if engine not in ENGINES:
        raise SimulationError(f"unknown engine {engine!r}; choose one of "
                              f"{', '.join(ENGINES)}")
    explicit_customers = customers is not None
    if customers is None:
        customers = model.customers if model.customers else DEFAULT_CUSTOMERS
    customers = check_customers(customers)
    if seed is None:
        seed = model.seed if model.seed is not None else 0
    seed = check_seed(seed)
    check_scenario(model, scenario)
    if engine == "numba":
        threads = check_threads(threads)
    precision = check_precision(precision)
    if chunk_size is not None:
        chunk_size = check_customers(chunk_size, "chunk size")

    if model.uncertain:
        return _forecast(_forecast_inputs(model, worlds, customers, seed, scenario, engine),
                         customers, explicit_customers, seed, engine, threads, chunk_size,
                         progress, precision, spec_sha, scenario)

    run_model = ir.with_scenario(model, scenario)

    if engine == "exact":
        from .exact import exact_tallies  # lazy: loads numba (the kernel's functions)

        tallies = exact_tallies(run_model)
        info = manifest(spec_sha256=spec_sha, seed=None, customers=None, engine=engine,
                        scenario=scenario)
        return compute(tallies, run_model, info)

    from . import engine as numba_engine  # lazy: compiles or loads the kernel

    if precision is None:
        tallies = numba_engine.simulate_tallies(run_model, customers, seed, threads=threads,
                                                chunk_size=chunk_size, progress=progress)
    else:
        cap = customers if explicit_customers else PRECISION_CAP
        tallies = _until_precise(numba_engine, run_model, seed, threads, chunk_size,
                                 progress, precision, cap)
    info = manifest(spec_sha256=spec_sha, seed=seed, customers=int(tallies.n.sum()),
                    engine=engine, scenario=scenario)
    return compute(tallies, run_model, info)


def forecast_worlds(model: ir.Model, worlds: int | None, customers: int, seed: int,
                    scenario: str | None, engine: str) -> tuple[list[ir.Model], np.ndarray]:
    """The world models of a forecast of ``model`` (with ``scenario``) and their draws
    float64[W, U]; SimulationError for a bad number of worlds."""
    from .worlds import world_models  # lazy: numba

    draws = _draws(model, worlds, customers, seed, engine)
    return world_models(model, draws, scenario), draws


def _draws(model: ir.Model, worlds: int | None, customers: int, seed: int,
           engine: str) -> np.ndarray:
    from .worlds import WorldsError, world_draws, worlds_for  # lazy: numba

    try:
        n_worlds = worlds_for(model, worlds)
    except WorldsError as e:
        raise SimulationError(str(e)) from None
    if engine != "exact" and customers < n_worlds:
        raise SimulationError(f"a forecast of {n_worlds:,} worlds needs at least "
                              f"{n_worlds:,} customers, got {customers:,}")
    return world_draws(model, n_worlds, seed)


def _forecast_inputs(model: ir.Model, worlds: int | None, customers: int, seed: int,
                     scenario: str | None, engine: str) -> tuple:
    """(world models, what the engine runs, persona values [W, Q] or None, draws) of a
    forecast: for the exact engine the world models themselves; for the kernel the
    worlds' tables written from the draws (:func:`cxdsl.sim.worlds.world_tables`), the
    world models made only when asked for."""
    from . import worlds as w  # lazy: numba

    draws = _draws(model, worlds, customers, seed, engine)
    if engine == "exact":
        models = w.world_models(model, draws, scenario)
        return models, models, None, draws
    return (w.WorldModels(model, draws, scenario), w.world_tables(model, draws, scenario),
            w.world_values(model, draws, scenario), draws)


def world_tallies(models, customers: int, seed: int, engine: str,
                  threads=None, chunk_size=None, progress=None) -> list:
    """The Tallies of each world model (for the kernel, also the worlds' Tables): the
    exact engine once per world, or one kernel call with ``customers`` split over the
    worlds (each world its own customers)."""
    if engine == "exact":
        from .exact import exact_tallies  # lazy: loads numba (the kernel's functions)

        return [exact_tallies(m) for m in models]
    from . import engine as numba_engine  # lazy: compiles or loads the kernel

    worlds = models.points if isinstance(models, numba_engine.Tables) else len(models)
    return numba_engine.simulate_points(models, customers, seed, threads=threads,
                                        chunk_size=chunk_size, progress=progress,
                                        world_of=range(worlds))


def world_results(models: list[ir.Model], customers: int, seed: int, engine: str,
                  threads=None, chunk_size=None, progress=None) -> list[Result]:
    """The Result of each world model (:func:`world_tallies`, then the metrics)."""
    tallies = world_tallies(models, customers, seed, engine, threads, chunk_size, progress)
    return [compute(t, m, {}) for t, m in zip(tallies, models)]


def _forecast(inputs, customers, explicit_customers, seed, engine, threads,
              chunk_size, progress, precision, spec_sha, scenario) -> Result:
    from .forecast import combine_tallies  # lazy: only forecasts combine worlds

    models, source, values, draws = inputs

    def run(n: int) -> Result:
        parts = world_tallies(source, n, seed, engine, threads, chunk_size, progress)
        exact = engine == "exact"
        # the worlds' draws follow the seed, so a forecast records it even when the exact
        # engine simulates no customers
        info = manifest(spec_sha256=spec_sha, seed=seed, customers=None if exact else n,
                        engine=engine, scenario=scenario)
        info["worlds"] = len(models)
        return combine_tallies(parts, models, info, draws, values)

    if engine == "exact" or precision is None:
        return run(customers)
    cap = customers if explicit_customers else PRECISION_CAP
    n = min(max(PRECISION_START, len(models) * 100), cap)
    while True:
        result = run(n)
        hw = result.half_width()
        if hw <= precision or n >= cap:
            return result
        n = next_size(n, hw, precision, cap)


def next_size(n: int, half_width: float, precision: float, cap: int) -> int:
    """Customers to run next: the estimate of what reaches ``precision`` (half-widths
    shrink as 1/√N) with a 10% margin, at least 1.25 and at most 500 times ``n``, rounded
    up to two significant digits, never above ``cap``."""
    ratio = half_width / precision
    if not math.isfinite(ratio):
        target = n * 4.0
    else:
        target = n * min(ratio, 1e6) ** 2 * 1.1  # bounded: the square must not overflow
    target = min(max(target, 1.25 * n), 500.0 * n)
    digits = max(0, int(math.floor(math.log10(target))) - 1)
    rounded = math.ceil(target / 10 ** digits) * 10 ** digits
    return int(min(rounded, cap))


def _until_precise(numba_engine, model: ir.Model, seed: int, threads, chunk_size, progress,
                   precision: float, cap: int):
    """Plain runs of growing size until the headline half-width is at most ``precision``:
    a pilot of PRECISION_START customers, then the size its interval calls for. Each run is
    a complete stratified run, so the result is exactly ``simulate(customers=N)`` for the
    final N, whatever the threads and chunk size."""
    metric = headline_metric(model)
    n = min(PRECISION_START, cap)
    while True:
        tallies = numba_engine.simulate_tallies(model, n, seed, threads=threads,
                                                chunk_size=chunk_size, progress=progress)
        hw = compute(tallies, model, {}).half_width(metric)
        if hw <= precision or n >= cap:
            return tallies
        n = next_size(n, hw, precision, cap)


__all__ = ["simulate", "SimulationError", "ENGINES", "DEFAULT_CUSTOMERS", "MAX_CUSTOMERS",
           "PRECISION_START", "PRECISION_CAP", "check_customers", "check_seed",
           "check_scenario", "check_threads", "check_precision", "manifest", "spec_sha256",
           "next_size"]


class _CallableModule(types.ModuleType):
    """Importing ``cxdsl.sim.simulate`` binds the attribute ``simulate`` of the package
    ``cxdsl.sim`` to this module, where a reader of the package's docstring expects the
    function of that name. Calling the module calls the function, so
    ``cxdsl.sim.simulate(model, ...)`` works however the names were first imported."""

    def __call__(self, *args, **kwargs) -> Result:
        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
