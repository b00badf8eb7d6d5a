"""The public simulation API: a checked model in, a :class:`~cxdsl.metrics.Result` out.

    result = cxdsl.simulate(model, customers=100_000, seed=42)
    result.metric("nps").value, result.to_dict()

Engines: ``"numba"`` (the default: the compiled kernel of :mod:`cxdsl.engine`) and
``"exact"`` (:mod:`cxdsl.exact`: no sampling, for journeys whose values are constants or
``discrete(...)``).

``precision``: keep simulating until the headline metric's 95% half-width (nps on a 0..10
scale, otherwise the mean score; :func:`cxdsl.metrics.headline_metric`) is at most
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

from .._version import __version__
from ..model import ir
from .metrics import Result, compute, headline_metric

ENGINES = ("numba", "exact")
#: Run size when neither the caller nor the spec gives one.
DEFAULT_CUSTOMERS = 100_000
#: Largest run a caller may ask for (1e12 customers: days of work on one machine).
MAX_CUSTOMERS = 10 ** 12
#: First batch and default cap of a run with a precision.
PRECISION_START = 20_000
PRECISION_CAP = 10 ** 9

Progress = Callable[[int, int], None]


class SimulationError(ValueError):
    """A bad argument to :func:`simulate` (what the CLI reports as a usage error)."""


def check_customers(customers, what: str = "customers") -> int:
    """``customers`` as an int in 1 … MAX_CUSTOMERS, or SimulationError."""
    if isinstance(customers, bool) or not isinstance(customers, int):
        try:
            import numpy as np

            ok = isinstance(customers, np.integer)
        except ImportError:  # pragma: no cover
            ok = False
        if not ok:
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
        try:
            import numpy as np

            if isinstance(seed, np.integer):
                return int(seed)
        except ImportError:  # pragma: no cover
            pass
        raise SimulationError(f"seed must be an integer, got {seed!r}")
    return seed


def check_scenario(model: ir.Model, scenario: str | None) -> None:
    if scenario is None:
        return
    names = [s.name for s in model.scenarios]
    if scenario in names:
        return
    from ..lang.diagnostics import did_you_mean

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
    import numba

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
    return value


#: The version of the ``--json`` documents' shapes (``cxdsl/schema/*.schema.json``): raised
#: when a key is renamed or removed, or its meaning changes.
RESULT_SCHEMA_VERSION = 1


def manifest(*, spec_sha256: str | None, seed: int | None, customers: int | None,
             engine: str, scenario: str | None) -> dict:
    """The ``manifest`` object of every ``--json`` document. The exact engine simulates no
    customers and draws no random numbers: its ``customers`` and ``seed`` are null."""
    return {"cxdsl": __version__, "schema_version": RESULT_SCHEMA_VERSION,
            "spec_sha256": spec_sha256, "seed": seed,
            "customers": customers, "engine": engine, "scenario": scenario}


def spec_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def simulate(model, customers: int | None = None, seed: int | None = None,
             scenario: str | None = None, engine: str = "numba", threads: int | None = None,
             precision: float | None = None, progress: Progress | None = None, *,
             chunk_size: int | None = None, spec_sha: str | None = None) -> Result:
    """Forecast the metrics of ``model`` (an :class:`ir.Model`, or a path to a .cxj file).

    ``customers`` and ``seed`` default to the spec's (``customers N``, ``seed N``), then
    to 100_000 and 0. ``scenario`` names one of the spec's scenarios. ``threads`` limits the
    numba engine's threads (default: all cores). ``progress(done, total)`` is called as
    customers complete. ``spec_sha`` is recorded in the manifest (computed from the file
    when ``model`` is a path).

    Raises :class:`SimulationError` for bad arguments and
    :class:`cxdsl.exact.ExactError` when the exact engine cannot take the journey."""
    if isinstance(model, (str, os.PathLike)):
        from ..lang.api import check_file
        from ..lang.diagnostics import CompileError

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

    run_model = ir.with_scenario(model, scenario)

    if engine == "exact":
        from .exact import exact_tallies

        tallies = exact_tallies(run_model)
        info = manifest(spec_sha256=spec_sha, seed=None, customers=None, engine=engine,
                        scenario=scenario)
        return compute(tallies, run_model, info)

    from . import engine as numba_engine

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


def next_size(n: int, half_width: float, precision: float, cap: int) -> int:
    """Customers to run next: the estimate of what reaches ``precision`` (half-widths
    shrink as 1/√N) with a 10% margin, at least 1.25 and at most 500 times ``n``, rounded
    up to two significant digits, never above ``cap``."""
    if not math.isfinite(half_width):
        target = n * 4.0
    else:
        target = n * (half_width / precision) ** 2 * 1.1
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
    """Importing ``cxdsl.simulate`` binds the attribute ``simulate`` of the package to
    this module, shadowing the function of the same name that ``cxdsl.simulate`` promises.
    Calling the module calls the function, so ``cxdsl.simulate(model, ...)`` works however
    the names were first imported."""

    def __call__(self, *args, **kwargs) -> Result:
        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
