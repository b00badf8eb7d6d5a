"""What changed between two versions of a model: declarations added, removed and changed,
with old → new values (the first half of ``cxdsl diff``; the forecast half is
:func:`cxdsl.analysis.paired_forecast`).

Declarations are matched by name (personas, stages, events, surveys, scenarios), by path
(sweeps and uncertain values), and by survey, metric, comparison and persona (targets).
Journey-wide settings (title, scale, customers, seed, volume, period, goal, worlds) are one
pseudo-declaration, ``journey``. An uncertain value reads ``demo_glitch.p ~ beta(3, 57)``,
probabilities and shares in percent (``uniform(1%, 9%)``; a beta's numbers are counts).
Per-persona attributes read as one value when every persona has the same (``p: 5% →
1%``), and persona by persona otherwise (``p[enterprise]: 2% → 1%``); a persona present in
only one version is reported as added or removed and not repeated under every attribute.

Shares are compared as the normalised shares both engines use, so writing ``share=3`` and
``share=7`` instead of ``30%`` and ``70%`` is no change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ir

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
#: Order in which kinds of declaration are listed.
KINDS = ("journey", "persona", "stage", "event", "survey", "target", "scenario", "sweep",
         "uncertain")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None

    def to_dict(self) -> dict:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class DeclChange:
    """One declaration added, removed or changed. ``summary`` is the declaration in short
    source form (for added and removed ones); ``fields`` lists what changed."""

    kind: str
    name: str
    change: str
    summary: str = ""
    fields: tuple[FieldChange, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "change": self.change,
                "summary": self.summary or None,
                "fields": [f.to_dict() for f in self.fields]}


# ----------------------------------------------------------------------- formatting


def num(x: float) -> str:
    return f"{x:g}"


def pct(x: float) -> str:
    """A probability or share as a percentage: ``0.05`` → ``5%``."""
    v = round(x * 100, 10)
    return f"{v:g}%"


def signed(x: float) -> str:
    return f"{x:+g}"


def dist(d: ir.Dist, impact: bool = False) -> str:
    if isinstance(d, ir.Const) and impact:
        return signed(d.value)
    return d.text()


def _attr_text(attr: str, value) -> str:
    if attr in ("p", "advance", "share"):
        return pct(value)
    if attr == "impact":
        return dist(value, impact=True)
    if attr == "baseline":
        return dist(value)
    return num(value)


def _per_persona_text(attr: str, values: tuple, names: tuple[str, ...]) -> str:
    if len(set(values)) <= 1:
        return _attr_text(attr, values[0]) if values else ""
    return ", ".join(f"{n} {_attr_text(attr, v)}" for n, v in zip(names, values))


def change_text(c: ir.Change) -> str:
    """A scenario change in source form."""
    if isinstance(c, ir.RemoveEvent):
        return f"remove {c.name}"
    if isinstance(c, ir.AddEvent):
        return "event " + event_summary(c.event, None)
    return f"{c.path} = {_attr_text(c.path.attr, c.value)}"


# ---------------------------------------------------------------------- summaries


def persona_summary(p: ir.Persona) -> str:
    label = f' "{p.label}"' if p.label else ""
    return (f"{p.name}{label} share={pct(p.share)} baseline={dist(p.baseline)} "
            f"value={num(p.value)}")


def stage_summary(s: ir.Stage, names: tuple[str, ...]) -> str:
    label = f' "{s.label}"' if s.label else ""
    return (f"{s.name}{label} advance={_per_persona_text('advance', s.advance, names)} "
            f"slope={_per_persona_text('slope', s.slope, names)}")


def event_summary(e: ir.Event, names: tuple[str, ...] | None) -> str:
    label = f' "{e.label}"' if e.label else ""
    names = names or tuple(f"#{i}" for i in range(len(e.p)))
    when = f" when {ir.cond_text(e.when)}" if e.when is not None else ""
    return (f"{e.name}{label} p={_per_persona_text('p', e.p, names)} "
            f"impact={_per_persona_text('impact', e.impact, names)} at {e.stage}{when}")


def scenario_summary(s: ir.Scenario) -> str:
    bits = [s.name]
    if s.label:
        bits.append(f'"{s.label}"')
    if s.extends:
        bits.append("extends " + ", ".join(s.extends))
    if s.cost is not None:
        bits.append(f"cost={num(s.cost)}")
    if s.running_cost is not None:
        bits.append(f"running_cost={num(s.running_cost)}")
    if s.changes:
        bits.append("{ " + "; ".join(change_text(c) for c in s.changes) + " }")
    return " ".join(bits)


def sweep_summary(s: ir.Sweep) -> str:
    return f"{s.path} in [{', '.join(_attr_text(s.path.attr, v) for v in s.values)}]"


def uncertain_dist(u: ir.Uncertain) -> str:
    """An uncertain value's distribution in source form, in the attribute's unit:
    ``uniform(1%, 9%)`` for a probability or a share (a beta's numbers are counts),
    discrete weights in percent."""
    d = u.dist
    if u.path.attr in ("p", "advance", "share") and d.name != "beta":
        return d.text(number=pct, weight=pct)
    return d.text(weight=pct)


def uncertain_summary(u: ir.Uncertain) -> str:
    return f"{u.path} ~ {uncertain_dist(u)}"


def survey_summary(s: ir.Survey) -> str:
    label = f' "{s.label}"' if s.label else ""
    return f"{s.name}{label} at {s.stage if s.stage is not None else 'end'}"


def _target_key(t: ir.Target) -> tuple:
    return (t.survey, t.metric, t.op, t.persona)


# ------------------------------------------------------------------------- diffing


def _opt(x) -> str | None:
    return None if x is None else str(x)


def _fields_per_persona(attr: str, old: tuple, new: tuple, old_names: tuple[str, ...],
                        new_names: tuple[str, ...]) -> list[FieldChange]:
    """Changes of one per-persona attribute, over the personas both versions have."""
    common = [n for n in new_names if n in old_names]
    ov = {n: old[old_names.index(n)] for n in common}
    nv = {n: new[new_names.index(n)] for n in common}
    changed = [n for n in common if ov[n] != nv[n]]
    if not changed:
        return []
    if len({ov[n] for n in common}) == 1 and len({nv[n] for n in common}) == 1:
        return [FieldChange(attr, _attr_text(attr, ov[common[0]]),
                            _attr_text(attr, nv[common[0]]))]
    return [FieldChange(f"{attr}[{n}]", _attr_text(attr, ov[n]), _attr_text(attr, nv[n]))
            for n in changed]


def _label(old, new) -> list[FieldChange]:
    if old.label == new.label:
        return []
    return [FieldChange("label", _opt(old.label), _opt(new.label))]


def diff_models(old: ir.Model, new: ir.Model) -> list[DeclChange]:
    """Every declaration added, removed or changed from ``old`` to ``new``, journey
    settings first, then personas, stages, events, targets, scenarios and sweeps, each in
    the order of the new version (removed ones after, in the old order)."""
    on = tuple(p.name for p in old.personas)
    nn = tuple(p.name for p in new.personas)
    pair = _Pair(old, new, on, nn)
    out = _journey_changes(old, new)
    out += _named("persona", old.personas, new.personas, persona_summary,
                  lambda a, b: _persona_fields(a, b))
    out += _named("stage", old.stages, new.stages,
                  lambda s: stage_summary(s, on if s in old.stages else nn),
                  lambda a, b: _stage_fields(a, b, pair))
    out += _named("event", old.events, new.events,
                  lambda e: event_summary(e, on if e in old.events else nn),
                  lambda a, b: _event_fields(a, b, pair))
    out += _named("survey", old.surveys, new.surveys, survey_summary, _survey_fields)
    out += _target_changes(old.targets, new.targets)
    out += _named("scenario", old.scenarios, new.scenarios, scenario_summary, _scenario_fields)
    out += _sweep_changes(old.sweeps, new.sweeps)
    out += _uncertain_changes(old.uncertain, new.uncertain)
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out, key=lambda c: order[c.kind])  # stable: keeps the order within a kind


@dataclass(frozen=True)
class _Pair:
    """The two models being compared and their persona names (per-persona fields are
    matched by name)."""

    old: ir.Model
    new: ir.Model
    old_names: tuple[str, ...]
    new_names: tuple[str, ...]


def _journey_changes(old: ir.Model, new: ir.Model) -> list[DeclChange]:
    fields = []
    for name, a, b in (("title", old.title, new.title),
                       ("scale", f"{old.scale[0]}..{old.scale[1]}",
                        f"{new.scale[0]}..{new.scale[1]}"),
                       ("customers", old.customers, new.customers),
                       ("seed", old.seed, new.seed),
                       ("volume", _opt_num(old.volume), _opt_num(new.volume)),
                       ("period", old.period, new.period), ("goal", old.goal, new.goal),
                       ("worlds", old.worlds, new.worlds)):
        if a != b:
            fields.append(FieldChange(name, _opt(a), _opt(b)))
    return [DeclChange("journey", "journey", CHANGED, fields=tuple(fields))] if fields else []


def _named(kind, olds, news, summary, compare) -> list[DeclChange]:
    """Declarations matched by name: added ones and changed ones in the new order, then the
    removed ones in the old order."""
    out = []
    old_by = {d.name: d for d in olds}
    new_by = {d.name: d for d in news}
    for d in news:
        if d.name not in old_by:
            out.append(DeclChange(kind, d.name, ADDED, summary(d)))
        else:
            f = compare(old_by[d.name], d)
            if f:
                out.append(DeclChange(kind, d.name, CHANGED, fields=tuple(f)))
    for d in olds:
        if d.name not in new_by:
            out.append(DeclChange(kind, d.name, REMOVED, summary(d)))
    return out


def _persona_fields(a: ir.Persona, b: ir.Persona) -> list[FieldChange]:
    f = _label(a, b)
    if a.share != b.share:
        f.append(FieldChange("share", pct(a.share), pct(b.share)))
    if a.baseline != b.baseline:
        f.append(FieldChange("baseline", dist(a.baseline), dist(b.baseline)))
    if a.value != b.value:
        f.append(FieldChange("value", num(a.value), num(b.value)))
    return f


def _stage_fields(a: ir.Stage, b: ir.Stage, pair: _Pair) -> list[FieldChange]:
    f = _label(a, b)
    f += _fields_per_persona("advance", a.advance, b.advance, pair.old_names, pair.new_names)
    f += _fields_per_persona("slope", a.slope, b.slope, pair.old_names, pair.new_names)
    ia = [s.name for s in pair.old.stages].index(a.name)
    ib = [s.name for s in pair.new.stages].index(b.name)
    if ia != ib:
        f.append(FieldChange("position", str(ia + 1), str(ib + 1)))
    return f


def _event_fields(a: ir.Event, b: ir.Event, pair: _Pair) -> list[FieldChange]:
    f = _label(a, b)
    if a.stage != b.stage:
        f.append(FieldChange("stage", a.stage, b.stage))
    f += _fields_per_persona("p", a.p, b.p, pair.old_names, pair.new_names)
    f += _fields_per_persona("impact", a.impact, b.impact, pair.old_names, pair.new_names)
    if a.when != b.when:
        f.append(FieldChange("when", None if a.when is None else ir.cond_text(a.when),
                             None if b.when is None else ir.cond_text(b.when)))
    return f


def _opt_num(x: float | None) -> str | None:
    return None if x is None else num(x)


def _survey_fields(a: ir.Survey, b: ir.Survey) -> list[FieldChange]:
    f = _label(a, b)
    if a.stage != b.stage:
        f.append(FieldChange("at", a.stage or "end", b.stage or "end"))
    return f


def _scenario_fields(a: ir.Scenario, b: ir.Scenario) -> list[FieldChange]:
    f = _label(a, b)
    for name, x, y in (("cost", a.cost, b.cost), ("running_cost", a.running_cost,
                                                  b.running_cost)):
        if x != y:
            f.append(FieldChange(name, _opt_num(x), _opt_num(y)))
    if a.extends != b.extends:
        f.append(FieldChange("extends", ", ".join(a.extends) or None,
                             ", ".join(b.extends) or None))
    ca = [change_text(c) for c in a.changes]
    cb = [change_text(c) for c in b.changes]
    if ca != cb:
        f.append(FieldChange("changes", "; ".join(ca) or None, "; ".join(cb) or None))
    return f


def _target_changes(old: tuple[ir.Target, ...], new: tuple[ir.Target, ...]
                    ) -> list[DeclChange]:
    """Targets are matched by metric, comparison and persona; the threshold may change."""
    out = []
    old_t: dict = {}
    for t in old:
        old_t.setdefault(_target_key(t), []).append(t)
    new_t: dict = {}
    for t in new:
        new_t.setdefault(_target_key(t), []).append(t)
    for t in new:
        olds = old_t.get(_target_key(t), [])
        if t in olds:
            olds.remove(t)
            continue
        news = new_t[_target_key(t)]
        if len(olds) == 1 and len(news) == 1:
            out.append(DeclChange("target", str(t), CHANGED, fields=(
                FieldChange("threshold", str(olds[0]), str(t)),)))
            olds.pop()
        else:
            out.append(DeclChange("target", str(t), ADDED, str(t)))
    for t in old:
        if t in old_t.get(_target_key(t), []):
            out.append(DeclChange("target", str(t), REMOVED, str(t)))
    return out


def _sweep_changes(old: tuple[ir.Sweep, ...], new: tuple[ir.Sweep, ...]) -> list[DeclChange]:
    out = []
    old_s = {str(s.path): s for s in old}
    new_s = {str(s.path): s for s in new}
    for key, s in new_s.items():
        if key not in old_s:
            out.append(DeclChange("sweep", key, ADDED, sweep_summary(s)))
        elif old_s[key].values != s.values:
            out.append(DeclChange("sweep", key, CHANGED, fields=(FieldChange(
                "values", sweep_summary(old_s[key]).split(" in ", 1)[1],
                sweep_summary(s).split(" in ", 1)[1]),)))
    for key, s in old_s.items():
        if key not in new_s:
            out.append(DeclChange("sweep", key, REMOVED, sweep_summary(s)))
    return out


def _uncertain_changes(old: tuple[ir.Uncertain, ...], new: tuple[ir.Uncertain, ...]
                       ) -> list[DeclChange]:
    """Uncertain values matched by path: added, a distribution changed, removed."""
    out = []
    old_u = {str(u.path): u for u in old}
    new_u = {str(u.path): u for u in new}
    for key, u in new_u.items():
        if key not in old_u:
            out.append(DeclChange("uncertain", key, ADDED, uncertain_summary(u)))
        elif old_u[key].dist != u.dist:
            out.append(DeclChange("uncertain", key, CHANGED, fields=(FieldChange(
                "distribution", uncertain_dist(old_u[key]), uncertain_dist(u)),)))
    for key, u in old_u.items():
        if key not in new_u:
            out.append(DeclChange("uncertain", key, REMOVED, uncertain_summary(u)))
    return out


def render(changes: list[DeclChange]) -> list[str]:
    """Plain-text lines, one per declaration and one per changed field:
    ``+ event chatbot …``, ``- event x …``, ``~ stage Close`` / ``    advance: 80% → 85%``."""
    lines = []
    for c in changes:
        if c.change == ADDED:
            lines.append(f"+ {c.kind} {c.summary}")
        elif c.change == REMOVED:
            lines.append(f"- {c.kind} {c.summary}")
        else:
            lines.append(f"~ {c.kind} {c.name}" if c.kind != "journey" else "~ journey")
            for f in c.fields:
                lines.append(f"    {f.field}: {f.old if f.old is not None else '(none)'} → "
                             f"{f.new if f.new is not None else '(none)'}")
    return lines


__all__ = ["FieldChange", "DeclChange", "diff_models", "render", "change_text", "ADDED",
           "REMOVED", "CHANGED"]
