"""Worlds: the joint draws of a spec's ``uncertain`` values, and the models they make.

A *world* is one joint draw of every uncertain value (DESIGN.md "Uncertain values"). The
draw of path X in world w is ``dist.quantile(u)`` with ``u`` the uniform of stream key
(seed, ``uncertain``, X's canonical text, X's persona or ``""``) for index w — a pure
function of those names and w, so adding an unrelated ``uncertain`` line leaves every
other path's draws unchanged, and the draws do not depend on threads or machines.

In a world, the drawn value replaces the attribute's value: for every persona (``e.p``),
or for one (``e.p[q]``). Every-persona draws apply first, then the per-persona ones, each
group in declaration order. Drawn shares are relative weights: the personas' shares are
normalised once, after every draw. For a ``baseline`` or ``impact`` declared as a distribution the
draw is the distribution's new mean (:meth:`ValueForm.with_mean`: it is shifted, its spread
stays). A scenario's or sweep's changes apply after the world's draws, so a path a scenario
or sweep sets is certain there.

    draws = world_draws(model, worlds=200, seed=42)       # float64[W, U]
    models = world_models(model, draws, scenario="x")     # one ir.Model per world
    tables = world_tables(model, draws, scenario="x")     # the kernel's tables, W points

A forecast runs the kernel on :func:`world_tables` (each world's draws written straight
into the arrays, the same tables as lowering each world model) and reads the personas'
values from :func:`world_values`; its world models (:class:`WorldModels`) are made only
when something asks for them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..model import ir
from .kernel import KIND_CONST
from .lower import DistPool, Tables, finish_numbers, lower_points, point_numbers, tables_of
from .rng import customer_hashes_array, stream_key, uniforms_array

#: The largest number of worlds a forecast may run.
MAX_WORLDS = 100_000


class WorldsError(ValueError):
    """A bad number of worlds (what the CLI reports as a usage error)."""


def check_worlds(worlds) -> int:
    """``worlds`` as an int in 1 … MAX_WORLDS, or WorldsError."""
    if isinstance(worlds, bool) or not isinstance(worlds, (int, np.integer)):
        raise WorldsError(f"worlds must be a whole number, got {worlds!r}")
    worlds = int(worlds)
    if not 1 <= worlds <= MAX_WORLDS:
        raise WorldsError(f"worlds must be a whole number from 1 to {MAX_WORLDS:,}, "
                          f"got {worlds:,}")
    return worlds


def worlds_for(model: ir.Model, worlds: int | None = None) -> int:
    """The number of worlds of a forecast of ``model``: ``worlds`` when given, else the
    spec's ``worlds W``, else :data:`ir.DEFAULT_WORLDS`."""
    if worlds is not None:
        return check_worlds(worlds)
    return model.worlds if model.worlds is not None else ir.DEFAULT_WORLDS


def uncertain_key(seed: int, path: ir.PathRef) -> int:
    """The stream key of the draws of ``path``."""
    return stream_key(seed, "uncertain", str(path), path.persona or "")


def world_draws(model: ir.Model, worlds: int, seed: int) -> np.ndarray:
    """float64[W, U]: the value of uncertain line u (``model.uncertain[u]``) in world w."""
    out = np.empty((worlds, len(model.uncertain)))
    hashes = customer_hashes_array(worlds)
    for u, line in enumerate(model.uncertain):
        out[:, u] = quantiles(line.dist, uniforms_array(uncertain_key(seed, line.path), hashes))
    return out


def _beta_quantiles(d, u: np.ndarray) -> np.ndarray:
    from scipy.special import betaincinv  # lazy: only forecasts draw from a beta

    return betaincinv(float(d.a), float(d.b), u)


#: Inverse CDFs over arrays, by form name: the same doubles as the form's scalar
#: ``quantile`` (elementwise IEEE operations; the beta's is the same ufunc). Forms not
#: listed (the normal's is the standard library's scalar AS 241, the triangular's and the
#: discrete's branch per value) are evaluated one value at a time.
_ARRAY_QUANTILES = {
    "const": lambda d, u: np.full(len(u), float(d.value)),
    "uniform": lambda d, u: d.lo + u * (d.hi - d.lo),
    "beta": _beta_quantiles,
}


def quantiles(dist, u: np.ndarray) -> np.ndarray:
    """float64[n]: ``dist.quantile`` of each uniform in ``u``."""
    fast = _ARRAY_QUANTILES.get(getattr(dist, "name", None))
    if fast is not None:
        return np.asarray(fast(dist, u), dtype=np.float64)
    quantile = dist.quantile
    return np.array([quantile(x) for x in u.tolist()], dtype=np.float64)


def _current(model: ir.Model, path: ir.PathRef):
    """The value(s) at ``path``: a persona's attribute, or the per-persona tuple."""
    if path.kind == "persona":
        return getattr(model.personas[model.persona_index(path.target)], path.attr)
    decls = model.stages if path.kind == "stage" else model.events
    return getattr(next(d for d in decls if d.name == path.target), path.attr)


def with_value(model: ir.Model, path: ir.PathRef, value: float) -> ir.Model:
    """``model`` with the value at ``path`` set to a world's draw ``value``."""
    if path.attr not in ("impact", "baseline"):
        return ir.apply_change(model, ir.SetAttr(path, float(value)))
    current = _current(model, path)
    if path.attr == "baseline":
        return ir.apply_change(model, ir.SetAttr(path, current.with_mean(float(value))))
    # impact: per persona, each persona's own distribution moves to the drawn mean
    targets = (range(len(model.personas)) if path.persona is None
               else (model.persona_index(path.persona),))
    for q in targets:
        persona = model.personas[q].name
        model = ir.apply_change(model, ir.SetAttr(
            dataclasses.replace(path, persona=persona), current[q].with_mean(float(value))))
    return model


def _apply_order(model: ir.Model) -> list[int]:
    """Indices of ``model.uncertain`` in the order a world applies them."""
    lines = model.uncertain
    return ([u for u, x in enumerate(lines) if x.path.persona is None]
            + [u for u, x in enumerate(lines) if x.path.persona is not None])


def _drawn(current, attr: str, value: float):
    """What a draw ``value`` makes of the value ``current`` of ``attr``: a baseline or
    impact keeps its spread and moves to the drawn mean; anything else is the draw."""
    if attr in ("impact", "baseline"):
        return current.with_mean(value)
    return value


def _plan(model: ir.Model) -> list[tuple[int, str, int, str, int | None]]:
    """How a world applies the draws, in order: (column of ``draws``, declaration kind,
    its index, the attribute, the persona index or None for every persona)."""
    out = []
    for u in _apply_order(model):
        path = model.uncertain[u].path
        if path.kind == "persona":
            index = model.persona_index(path.target)
        elif path.kind == "stage":
            index = model.stage_index(path.target)
        else:
            index = next(k for k, e in enumerate(model.events) if e.name == path.target)
        q = None if path.persona is None else model.persona_index(path.persona)
        out.append((u, path.kind, index, path.attr, q))
    return out


def world_model(model: ir.Model, row: np.ndarray, scenario: str | None = None,
                overrides: dict[ir.PathRef, float] | None = None, plan=None) -> ir.Model:
    """The baseline ``model`` in the world whose draws are ``row`` (float64[U]), then
    ``scenario`` and a sweep point's ``overrides`` on top. The result has no uncertain
    values left; declarations no draw touches are the baseline's own objects.

    Drawn shares are relative weights, normalised once after every draw is in place (as
    the personas' shares of a spec are). ``plan``: :func:`_plan` of ``model``, when the
    caller makes many worlds."""
    decls = {"persona": model.personas, "stage": model.stages, "event": model.events}
    changed: dict[tuple[str, int], dict[str, object]] = {}
    Q = len(model.personas)
    values = row.tolist()
    for u, kind, index, attr, q in (_plan(model) if plan is None else plan):
        value = values[u]
        fields = changed.setdefault((kind, index), {})
        current = fields.get(attr)
        if current is None:
            current = getattr(decls[kind][index], attr)
        if kind == "persona":
            fields[attr] = _drawn(current, attr, value)
            continue
        current = list(current)
        for k in (range(Q) if q is None else (q,)):
            current[k] = _drawn(current[k], attr, value)
        fields[attr] = tuple(current)
    out = _replaced(model, changed)
    out = ir.with_scenario(out, scenario)
    if overrides:
        out = ir.with_overrides(out, overrides)
    return out


def _with(obj, fields: dict):
    """``dataclasses.replace(obj, **fields)`` for the IR's plain frozen dataclasses (no
    ``__post_init__``, no slots): the fields copied and ``fields`` set without running
    ``__init__`` again, a tenth of the cost — a forecast replaces a few fields of a few
    declarations in every one of its worlds."""
    if hasattr(type(obj), "__post_init__") or not hasattr(obj, "__dict__"):
        return dataclasses.replace(obj, **fields)
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(fields)
    return new


def _replaced(model: ir.Model, changed: dict[tuple[str, int], dict[str, object]]
              ) -> ir.Model:
    """``model`` with the declarations' ``changed`` fields, by (kind, index), and no
    uncertain values."""
    parts = {"persona": list(model.personas), "stage": list(model.stages),
             "event": list(model.events)}
    for (kind, i), fields in changed.items():
        parts[kind][i] = _with(parts[kind][i], fields)
    personas = parts["persona"]
    if any(kind == "persona" and "share" in f for (kind, _), f in changed.items()):
        total = sum(p.share for p in personas)
        if total > 0:
            personas = [_with(p, {"share": p.share / total}) for p in personas]
    kinds = {kind for kind, _ in changed}
    return _with(model, {
        "uncertain": (),
        "personas": tuple(personas) if "persona" in kinds else model.personas,
        "stages": tuple(parts["stage"]) if "stage" in kinds else model.stages,
        "events": tuple(parts["event"]) if "event" in kinds else model.events})


def world_models(model: ir.Model, draws: np.ndarray, scenario: str | None = None,
                 overrides: dict[ir.PathRef, float] | None = None) -> list[ir.Model]:
    """One model per row of ``draws`` (:func:`world_model`)."""
    plan = _plan(model)
    return [world_model(model, row, scenario, overrides, plan) for row in draws]


def _set_cells(model: ir.Model, scenario: str | None, overrides, numbers_only: bool = True
               ) -> set | None:
    """The (kind, target, attr, persona or None) cells a scenario and sweep point set —
    certain in them — or (``numbers_only``) None when they change more than numbers
    (events added or removed, or shares, which renormalise the others)."""
    changes = list(ir.scenario_changes(model, scenario)) if scenario is not None else []
    changes += [ir.SetAttr(path, v) for path, v in (overrides or {}).items()]
    cells = set()
    for c in changes:
        if not isinstance(c, ir.SetAttr) or c.path.attr == "share":
            if numbers_only:
                return None
            if not isinstance(c, ir.SetAttr):
                continue
        cells.add((c.path.kind, c.path.target, c.path.attr, c.path.persona))
    return cells


def world_tables(model: ir.Model, draws: np.ndarray, scenario: str | None = None,
                 overrides: dict[ir.PathRef, float] | None = None, *,
                 cache: dict | None = None) -> Tables:
    """The kernel's tables of the worlds of ``model`` — what ``lower_points(world_models(
    model, draws, scenario, overrides))`` gives — with each world's draws written straight
    into the arrays of the certain model (the scenario and sweep point applied, no
    uncertain values): no model per world. Falls back to that lowering when the scenario
    or point adds or removes events or sets shares, or a share is uncertain. ``cache``: a
    dict the variants of one analysis share (their worlds shift the same forms alike)."""
    cells = _set_cells(model, scenario, overrides)
    if cells is None or any(u.path.attr == "share" for u in model.uncertain):
        return lower_points(world_models(model, draws, scenario, overrides))
    certain = ir.with_scenario(dataclasses.replace(model, uncertain=()), scenario)
    if overrides:
        certain = ir.with_overrides(certain, overrides)
    pool = DistPool()
    one = point_numbers([certain], pool)
    W, Q = len(draws), len(model.personas)
    out = {k: np.repeat(v, W, axis=0) for k, v in one.items()}
    names = [p.name for p in model.personas]
    columns = {"p": "p_occurs", "advance": "advance", "slope": "slope"}
    held: dict = {}
    for u, kind, index, attr, q in _plan(model):
        target = model.uncertain[u].path.target
        if kind == "persona":
            qs = [] if (kind, target, attr, None) in cells else [index]
        else:
            qs = [x for x in (range(Q) if q is None else (q,))
                  if (kind, target, attr, None) not in cells
                  and (kind, target, attr, names[x]) not in cells]
        if not qs or attr == "value":
            continue
        x = draws[:, u]
        if attr in columns:
            if attr != "slope" and not ((x >= 0.0) & (x <= 1.0)).all():
                raise ValueError(f"{model.uncertain[u].path}: a draw outside [0, 1]")
            out[columns[attr]][:, qs, index] = x[:, None]
            continue
        _shift(out, pool, held, certain, kind, index, attr, qs, x, cache)
    finish_numbers(out)
    return tables_of(certain, out, pool)


def _shift(out, pool, held: dict, certain: ir.Model, kind: str, index: int, attr: str, qs,
           x, cache: dict | None = None) -> None:
    """Each world's baseline or impact of personas ``qs`` moved to its draw ``x[w]`` (its
    spread kept), as a world model moves it. ``cache``: the shifted forms and their pool
    entries by (declared form, draws), shared by the variants of one analysis."""
    if kind == "persona":
        field, current = out["baseline_dist"], [certain.personas[index].baseline]
    else:
        field, current = out["impact_dist"], certain.events[index].impact
    values = x.tolist()
    for q in qs:
        # a later line on the same values shifts the world's current forms (``held``, by
        # (kind, index, persona): one form per world), as world_model does
        before = held.get((kind, index, q))
        if before is None:
            base = current[0] if kind == "persona" else current[q]
            forms, entries = _shifted(base, values, f"{attr} of a world", cache)
        else:
            forms = [form.with_mean(v) for form, v in zip(before, values)]
            entries = [pool.entry(f, f"{attr} of world {w}") for w, f in enumerate(forms)]
        held[(kind, index, q)] = forms
        column = [pool.add_entry(e) for e in entries]
        if kind == "persona":
            field[:, q] = column
        else:
            field[:, q, index] = column


def _shifted(base, values: list[float], where: str, cache: dict | None):
    """([base.with_mean(v) for v in values], their pool entries), from ``cache`` when the
    same form was shifted by the same draws before."""
    key = (id(base), tuple(values))
    hit = cache.get(key) if cache is not None else None
    if hit is not None and hit[0] is base:
        return hit[1], hit[2]
    if type(base) is ir.Const:
        forms, entries = _shifted_constants(base, values, where)
    else:
        forms = [base.with_mean(v) for v in values]
        entries = _shifted_entries(base, forms, where)
    if cache is not None:
        cache[key] = (base, forms, entries)  # base kept alive: its id stays its own
    return forms, entries


def _shifted_constants(base: ir.Const, values: list[float], where: str):
    """:func:`_shifted` of a constant, over arrays: ``with_mean(v)`` is the constant
    ``value + (v − value)`` (the default shift, in the same operations) and its pool entry
    that of a constant (what ``DistPool.entry`` gives it)."""
    x = np.asarray(values, dtype=np.float64)
    shifted = float(base.value) + (x - float(base.mean()))
    if not np.isfinite(shifted).all():
        bad = float(shifted[~np.isfinite(shifted)][0])
        raise ValueError(f"{where}: {bad} is not a finite number")
    numbers = shifted.tolist()
    return ([ir.Const(v) for v in numbers],
            [(KIND_CONST, (v, 0.0, 0.0, 0.0), (), ()) for v in numbers])


def _shifted_entries(base, forms: list, where: str) -> list[tuple]:
    """``DistPool.entry`` of each of ``forms``, ``base`` shifted to each world's mean: a
    shift moves a continuous form's numbers together (or only its location), so it keeps
    the form's rules (their orderings and signs survive rounding, which is monotone), and
    the first form is checked whole and the others only for finite, non-degenerate
    numbers; a discrete form, a form that changes kind, or any doubt, takes the full check."""
    full = [DistPool.entry(f, where) for f in forms[:1]]
    shifted = (bool(forms) and not isinstance(base, ir.Discrete)
               and type(forms[0]) is type(base) and full[0][0] != KIND_CONST
               and all(lo != hi for lo, hi in (f.support() for f in forms)))  # none degenerate
    params = [f.kernel_params() for f in forms] if shifted else []
    if not shifted or not np.isfinite(params).all():
        return full + [DistPool.entry(f, where) for f in forms[1:]]
    return [(full[0][0], p, (), ()) for p in params]


class WorldModels(Sequence):
    """The world models of a forecast (:func:`world_model`), each made when first asked
    for: the kernel reads :func:`world_tables` and the metrics :func:`world_values`, so
    a forecast needs its world models only for what asks for them."""

    def __init__(self, model: ir.Model, draws: np.ndarray, scenario: str | None = None,
                 overrides: dict[ir.PathRef, float] | None = None):
        self._args = (model, scenario, overrides)
        self._draws = draws
        self._plan = _plan(model)
        self._made: dict[int, ir.Model] = {}

    def __len__(self) -> int:
        return len(self._draws)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._made:
            model, scenario, overrides = self._args
            self._made[i] = world_model(model, self._draws[i], scenario, overrides,
                                        self._plan)
        return self._made[i]


def world_values(model: ir.Model, draws: np.ndarray, scenario: str | None = None,
                 overrides: dict[ir.PathRef, float] | None = None) -> np.ndarray:
    """float64[W, Q]: each persona's revenue per converted customer in each world (the
    one number of a world the tables do not hold)."""
    cells = _set_cells(model, scenario, overrides, numbers_only=False)
    certain = ir.with_scenario(dataclasses.replace(model, uncertain=()), scenario)
    if overrides:
        certain = ir.with_overrides(certain, overrides)
    out = np.repeat(np.array([[float(p.value) for p in certain.personas]]), len(draws),
                    axis=0)
    for u, kind, index, attr, _ in _plan(model):
        path = model.uncertain[u].path
        if attr == "value" and (kind, path.target, attr, None) not in cells:
            out[:, index] = draws[:, u]
    return out


__all__ = ["world_tables", "WorldModels", "world_values", "MAX_WORLDS", "WorldsError",
           "check_worlds", "worlds_for", "uncertain_key", "world_draws", "with_value",
           "world_model", "world_models"]
