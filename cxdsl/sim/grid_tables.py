"""The kernel's tables of a sweep's grid written straight from its numbers: point i is
``ir.with_overrides(model, dict(zip(paths, params[i])))``, without making that model.

The base model is lowered once and its per-point numbers copied to every point; each swept
path then writes its column of values into the cells it sets (event chances, advances and
slopes as numbers, impacts and baselines as constants in the distribution pool), in the
order ``with_overrides`` applies them, so a later path over the same cell wins. A persona's
``value`` is not in the tables (the metrics read it: :func:`grid_values`). Shares, which
renormalise every persona's, and any other attribute are not written here (None: lower the
points' models instead).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..model import ir
from .lower import DistPool, Tables, finish_numbers, point_numbers, tables_of

#: Swept attributes the tables hold as numbers: (kind, attr) -> Tables field.
_COLUMNS = {("event", "p"): "p_occurs", ("stage", "advance"): "advance",
            ("stage", "slope"): "slope"}
#: Swept attributes set as constants in the distribution pool.
_CONSTANTS = {("event", "impact"), ("persona", "baseline")}
_WRITTEN = set(_COLUMNS) | _CONSTANTS | {("persona", "value")}


def writable(paths: Sequence[ir.PathRef]) -> bool:
    """Whether :func:`grid_tables` writes every one of ``paths``."""
    return all((p.kind, p.attr) in _WRITTEN for p in paths)


def _values(params, paths) -> np.ndarray:
    return np.array(params, dtype=np.float64).reshape(len(params), len(paths))


def grid_tables(model: ir.Model, paths: Sequence[ir.PathRef],
                params: Sequence[Sequence[float]]) -> Tables | None:
    """The Tables of the grid's P points (``params[i]``: point i's value of each of
    ``paths``), or None when a path is not :func:`writable`. Raises ValueError for a
    probability outside [0, 1] or a number the pool refuses, as lowering does."""
    if not writable(paths) or not params:
        return None
    pool = DistPool()
    one = point_numbers([model], pool)
    P, Q = len(params), len(model.personas)
    out = {k: np.repeat(v, P, axis=0) for k, v in one.items()}
    names = [p.name for p in model.personas]
    x = _values(params, paths)
    for j, path in enumerate(paths):
        key = (path.kind, path.attr)
        col = x[:, j]
        if path.kind == "persona":
            qs, index = [names.index(path.target)], None
        else:
            qs = list(range(Q)) if path.persona is None else [names.index(path.persona)]
            index = (model.stage_index(path.target) if path.kind == "stage"
                     else [e.name for e in model.events].index(path.target))
        if key in _COLUMNS:
            if key != ("stage", "slope") and not ((col >= 0.0) & (col <= 1.0)).all():
                raise ValueError(f"{path}: a value outside [0, 1]")
            out[_COLUMNS[key]][:, qs, index] = col[:, None]
        elif key in _CONSTANTS:
            entries: dict[float, int] = {}
            column = np.array([entries[v] if v in entries else entries.setdefault(
                v, pool.add(ir.Const(v), str(path))) for v in col.tolist()], dtype=np.int64)
            if path.kind == "persona":
                out["baseline_dist"][:, qs[0]] = column
            else:
                out["impact_dist"][:, qs, index] = column[:, None]
    finish_numbers(out)
    return tables_of(model, out, pool)


def grid_values(model: ir.Model, paths: Sequence[ir.PathRef],
                params: Sequence[Sequence[float]]) -> np.ndarray:
    """float64[P, Q]: each point's personas' values (``value`` paths applied in order)."""
    names = [p.name for p in model.personas]
    out = np.repeat(np.array([[float(p.value) for p in model.personas]]), len(params), 0)
    x = _values(params, paths)
    for j, path in enumerate(paths):
        if (path.kind, path.attr) == ("persona", "value"):
            out[:, names.index(path.target)] = x[:, j]
    return out


def take_points(t: Tables, rows: Sequence[int]) -> Tables:
    """The tables of points ``rows`` of ``t`` (the structure and pool shared)."""
    idx = np.asarray(rows, dtype=np.int64)
    return dataclasses.replace(t, **{k: np.ascontiguousarray(getattr(t, k)[idx]) for k in (
        "share", "p_occurs", "impact_dist", "baseline_dist", "advance", "slope",
        "advance_logit")})


__all__ = ["writable", "grid_tables", "grid_values", "take_points"]
