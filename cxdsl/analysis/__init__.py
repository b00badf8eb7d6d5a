"""Analyses built from many simulations: scenario comparison, parameter sweeps, moments of
truth, tornado and paired deltas. The pure API that ``cxdsl compare``, ``sweep``, ``mot``
and ``diff`` (and any report) call; nothing here prints. Running them on a Dask cluster:
:mod:`cxdsl.analysis.distributed`.

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

Modules: :mod:`.common` (settings, points, errors), :mod:`.batches` (evaluating many
variants), :mod:`.paired` (paired intervals), :mod:`.paths` (command-line paths and value
ranges), :mod:`.compare` (with :mod:`.money`: a scenario's money), :mod:`.sweep`,
:mod:`.mot` (with the tornado).

``compare``, ``sweep`` and ``mot`` name both a module and its function; the package's
attribute is the function, since no module here imports those three modules (so
``import cxdsl.analysis.sweep as m`` gives the function too: import names from them).
"""

from .batches import GROUP_POINTS, block_sums, evaluate, simulate_blocks, simulate_group
from .common import (
    ENGINES,
    AnalysisError,
    Point,
    Progress,
    Settings,
    check_metric,
    check_scenario,
    manifest_for,
    settings_for,
)
from .compare import (
    Comparison,
    ForecastDiff,
    ScenarioComparison,
    compare,
    paired_forecast,
)
from .money import PER_COST, Money, money
from .mot import (
    TORNADO_BY,
    EventImportance,
    MotResult,
    TornadoParam,
    TornadoResult,
    TornadoRow,
    mot,
    tornado,
    tornado_parameters,
)
from .paired import combine, delta, metric_quantity, t975
from .paths import check_values, resolve_path
from .sweep import MAX_GRID_POINTS, Axis, SweepResult, grid_axes, parse_vary, sweep

__all__ = ["AnalysisError", "Settings", "Point", "Axis", "Comparison", "ScenarioComparison",
           "SweepResult", "MotResult", "EventImportance", "TornadoParam", "TornadoRow",
           "TornadoResult", "ForecastDiff", "compare", "sweep", "mot", "tornado",
           "tornado_parameters", "paired_forecast", "evaluate", "combine", "delta",
           "parse_vary", "resolve_path", "check_values", "grid_axes", "settings_for",
           "simulate_group", "simulate_blocks", "t975", "ENGINES", "TORNADO_BY",
           "MAX_GRID_POINTS", "GROUP_POINTS", "Progress", "block_sums", "check_metric",
           "check_scenario", "manifest_for", "metric_quantity", "Money", "money", "PER_COST"]
