"""The model as JSON (``cxdsl compile``) and back.

The JSON is canonical: keys in a fixed order, per-persona values as objects keyed by
persona name in declaration order, floats written so they read back to the same value.
``model_from_dict(model_to_dict(m)) == m`` for every model. The shape is described by
``cxdsl/schema/model.schema.json``.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from . import ir
from .values import from_dict as _form_from_dict


def _num(x: float) -> float | int:
    """Whole numbers as ints (``8`` not ``8.0``) so the JSON reads naturally; exact either
    way."""
    return int(x) if float(x).is_integer() and abs(x) < 2**53 else float(x)


def dist_to_dict(d: ir.Dist) -> dict:
    return d.to_dict()


def dist_from_dict(d: dict) -> ir.Dist:
    return _form_from_dict(d)


def cond_to_dict(c: ir.Cond) -> dict:
    if isinstance(c, ir.Ref):
        return {"event": c.event}
    if isinstance(c, ir.ScoreCmp):
        return {"score": c.op, "value": _num(c.value)}
    if isinstance(c, ir.Not):
        return {"not": cond_to_dict(c.operand)}
    key = "and" if isinstance(c, ir.And) else "or"
    return {key: [cond_to_dict(o) for o in c.operands]}


def cond_from_dict(d: dict) -> ir.Cond:
    if "event" in d:
        return ir.Ref(d["event"])
    if "score" in d:
        return ir.ScoreCmp(d["score"], float(d["value"]))
    if "not" in d:
        return ir.Not(cond_from_dict(d["not"]))
    if "and" in d:
        return ir.And(tuple(cond_from_dict(o) for o in d["and"]))
    return ir.Or(tuple(cond_from_dict(o) for o in d["or"]))


def _per(names, values, conv=_num) -> dict:
    return {n: conv(v) for n, v in zip(names, values)}


def _unper(names, obj, conv=float) -> tuple:
    return tuple(conv(obj[n]) for n in names)


def event_to_dict(e: ir.Event, names) -> dict:
    return {"name": e.name, "label": e.label, "stage": e.stage,
            "p": _per(names, e.p), "impact": _per(names, e.impact, dist_to_dict),
            "when": cond_to_dict(e.when) if e.when is not None else None}


def event_from_dict(d: dict, names) -> ir.Event:
    return ir.Event(d["name"], d["label"], d["stage"], _unper(names, d["p"]),
                    _unper(names, d["impact"], dist_from_dict),
                    cond_from_dict(d["when"]) if d["when"] is not None else None)


def path_to_dict(p: ir.PathRef) -> dict:
    return {"kind": p.kind, "target": p.target, "attr": p.attr, "persona": p.persona}


def path_from_dict(d: dict) -> ir.PathRef:
    return ir.PathRef(d["kind"], d["target"], d["attr"], d["persona"])


def change_to_dict(c: ir.Change, names) -> dict:
    if isinstance(c, ir.AddEvent):
        return {"op": "add_event", "event": event_to_dict(c.event, names)}
    if isinstance(c, ir.RemoveEvent):
        return {"op": "remove_event", "event": c.name}
    value = c.value
    return {"op": "set", "path": path_to_dict(c.path),
            "value": dist_to_dict(value) if not isinstance(value, (int, float))
            else _num(value)}


def change_from_dict(d: dict, names) -> ir.Change:
    if d["op"] == "add_event":
        return ir.AddEvent(event_from_dict(d["event"], names))
    if d["op"] == "remove_event":
        return ir.RemoveEvent(d["event"])
    v = d["value"]
    return ir.SetAttr(path_from_dict(d["path"]),
                      dist_from_dict(v) if isinstance(v, dict) else float(v))


def model_to_dict(m: ir.Model) -> dict[str, Any]:
    names = [p.name for p in m.personas]
    return {
        "schema_version": ir.SCHEMA_VERSION,
        "title": m.title,
        "scale": list(m.scale),
        "customers": m.customers,
        "seed": m.seed,
        "volume": None if m.volume is None else _num(m.volume),
        "period": m.period,
        "personas": [{"name": p.name, "label": p.label, "share": _num(p.share),
                      "baseline": dist_to_dict(p.baseline), "value": _num(p.value)}
                     for p in m.personas],
        "stages": [{"name": s.name, "label": s.label, "advance": _per(names, s.advance),
                    "slope": _per(names, s.slope)} for s in m.stages],
        "goal": m.goal,
        "surveys": [{"name": s.name, "label": s.label, "stage": s.stage} for s in m.surveys],
        "events": [event_to_dict(e, names) for e in m.events],
        "targets": [{"metric": t.metric, "survey": t.survey, "op": t.op,
                     "threshold": _num(t.threshold), "persona": t.persona}
                    for t in m.targets],
        "scenarios": [{"name": s.name, "label": s.label,
                       "cost": None if s.cost is None else _num(s.cost),
                       "running_cost": None if s.running_cost is None
                       else _num(s.running_cost),
                       "extends": list(s.extends),
                       "changes": [change_to_dict(c, names) for c in s.changes]}
                      for s in m.scenarios],
        "sweeps": [{"path": path_to_dict(s.path), "values": [_num(v) for v in s.values]}
                   for s in m.sweeps],
        "uncertain": [{"path": path_to_dict(u.path), "dist": dist_to_dict(u.dist)}
                      for u in m.uncertain],
        "worlds": m.worlds,
    }


def _opt_float(x) -> float | None:
    return None if x is None else float(x)


def model_from_dict(d: dict[str, Any]) -> ir.Model:
    if d.get("schema_version") != ir.SCHEMA_VERSION:
        raise ValueError(f"unsupported schema_version {d.get('schema_version')!r}; this "
                         f"cxdsl reads version {ir.SCHEMA_VERSION}")
    names = [p["name"] for p in d["personas"]]
    return ir.Model(
        title=d["title"], scale=(int(d["scale"][0]), int(d["scale"][1])),
        customers=d["customers"], seed=d["seed"],
        personas=tuple(ir.Persona(p["name"], p["label"], float(p["share"]),
                                  dist_from_dict(p["baseline"]), float(p["value"]))
                       for p in d["personas"]),
        stages=tuple(ir.Stage(s["name"], s["label"], _unper(names, s["advance"]),
                              _unper(names, s["slope"])) for s in d["stages"]),
        goal=d["goal"],
        events=tuple(event_from_dict(e, names) for e in d["events"]),
        targets=tuple(ir.Target(t["metric"], t["op"], float(t["threshold"]), t["persona"],
                                t.get("survey"))
                      for t in d["targets"]),
        scenarios=tuple(ir.Scenario(s["name"], s["label"], _opt_float(s["cost"]),
                                    tuple(s["extends"]),
                                    tuple(change_from_dict(c, names) for c in s["changes"]),
                                    _opt_float(s.get("running_cost")))
                        for s in d["scenarios"]),
        # models written before surveys and volume existed read as having neither
        surveys=tuple(ir.Survey(s["name"], s["label"], s["stage"])
                      for s in d.get("surveys", ())),
        volume=_opt_float(d.get("volume")), period=d.get("period", "year"),
        sweeps=tuple(ir.Sweep(path_from_dict(s["path"]), tuple(map(float, s["values"])))
                     for s in d["sweeps"]),
        uncertain=tuple(ir.Uncertain(path_from_dict(u["path"]), dist_from_dict(u["dist"]))
                        for u in d.get("uncertain", ())),
        worlds=d.get("worlds"),
    )


def dumps(m: ir.Model) -> str:
    """Canonical JSON text of a model (ends with a newline)."""
    return json.dumps(model_to_dict(m), indent=2, ensure_ascii=False) + "\n"


def loads(text: str) -> ir.Model:
    return model_from_dict(json.loads(text))


def schema(name: str = "model") -> dict:
    """A JSON Schema of ``cxdsl/schema/``: ``model`` (:func:`model_to_dict`'s output), or
    a command's ``--json`` document: ``run`` (also ``export --to json``), ``compare``,
    ``sweep``, ``mot``, ``diff``; ``common`` holds the definitions they refer to (by ``$id``,
    ``https://cxdsl.dev/schema/NAME.schema.json``)."""
    return json.loads(resources.files("cxdsl").joinpath(f"schema/{name}.schema.json")
                      .read_text("utf-8"))


#: The ``--json`` documents that have a schema, besides ``model`` and ``common``.
OUTPUT_SCHEMAS = ("run", "compare", "sweep", "mot", "diff", "voi", "fit")
