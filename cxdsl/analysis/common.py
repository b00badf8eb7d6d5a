"""What every analysis shares: its error, its settings, an evaluated point and the
manifest and argument checks the commands' documents carry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from ..model import ir
from ..sim.metrics import Result, headline_metric
from ..sim.simulate import (
    DEFAULT_CUSTOMERS,
    SimulationError,
    check_customers,
    check_seed,
    check_threads,
    manifest,
)
from ..sim.simulate import check_scenario as _check_scenario

ENGINES = ("numba", "exact")

#: ``progress(done, total)``: customers simulated so far out of all the points' customers.
Progress = Callable[[int, int], None]


class AnalysisError(ValueError):
    """A bad argument (a path naming nothing, a bad range, an unknown scenario): what the
    command line reports as a usage error."""


class Column(IntEnum):
    """Columns of a block table: customers, then the headline survey's Σ score, Σ score²,
    promoters, detractors and top-two-box of its answers, converted, and respondents."""

    N = 0
    SCORE = 1
    SCORE2 = 2
    PROM = 3
    DETR = 4
    TOP2 = 5
    CONV = 6
    ASKED = 7


#: Width of a block table.
BLOCK_COLUMNS = len(Column)

@dataclass
class Point:
    """One evaluated variant: its model, tallies and Result, and (numba engine, paired runs)
    its per-block sums: persona name -> float64[K, 8] (see :class:`Column`)."""

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


def manifest_for(settings: Settings, spec_sha: str | None, scenario: str | None) -> dict:
    """The ``manifest`` of an analysis's document (seed and customers left out when exact)."""
    if settings.exact:
        return manifest(spec_sha256=spec_sha, seed=None, customers=None, engine="exact",
                        scenario=scenario)
    return manifest(spec_sha256=spec_sha, seed=settings.seed, customers=settings.customers,
                    engine=settings.engine, scenario=scenario)


def check_scenario(model: ir.Model, name: str | None) -> None:
    """AnalysisError unless ``name`` is None or a scenario of ``model``."""
    try:
        _check_scenario(model, name)
    except SimulationError as exc:
        raise AnalysisError(str(exc)) from None


def check_metric(model: ir.Model, metric: str | None) -> str:
    """``metric``, or the spec's headline metric when None; AnalysisError for a metric the
    journey cannot have."""
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


def group_dict(result: Result) -> dict:
    """The ``overall``, per-persona and per-survey metrics of a result, as the documents
    write them."""
    return {"overall": result.overall.to_dict(),
            "personas": {n: g.to_dict() for n, g in result.personas.items()},
            "surveys": {n: s.to_dict() for n, s in result.surveys.items()}}
