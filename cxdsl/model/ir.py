"""The resolved, typed model of a journey: what the checker produces and the engines consume.

Every per-persona attribute is dense: a tuple with one entry per persona, in the order of
``Model.personas``. Numbers are floats (``5%`` is 0.05). Conditions name events by their
(unique) names. Scenarios keep their changes as data; :func:`with_scenario` and
:func:`with_overrides` apply them, returning a new Model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Union

from .attributes import ATTRIBUTES as _ATTRIBUTE_REGISTRY
from .metrics import METRICS, REGISTRY  # noqa: F401  (METRICS re-exported)

SCHEMA_VERSION = 1

# Values (numbers and distributions) are the forms of the value-form registry.
from .values import (  # noqa: E402, F401  (re-exported: ir.Const, ir.Normal, ...)
    Beta,
    Const,
    Discrete,
    Dist,
    Normal,
    Triangular,
    Uniform,
    is_exact,
)

# ------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Ref:
    event: str


@dataclass(frozen=True)
class ScoreCmp:
    op: str  # one of < <= > >= == !=
    value: float


@dataclass(frozen=True)
class Not:
    operand: Cond


@dataclass(frozen=True)
class And:
    operands: tuple[Cond, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Cond, ...]


Cond = Union[Ref, ScoreCmp, Not, And, Or]


def cond_refs(c: Cond | None) -> list[str]:
    """Event names a condition refers to, in order of appearance (with repeats)."""
    out: list[str] = []
    stack = [c] if c is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            out.append(node.event)
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, (And, Or)):
            stack.extend(reversed(node.operands))
    return out


def cond_holds(c: Cond | None, happened: set[str] | frozenset[str], score: float) -> bool:
    """Whether condition ``c`` holds for a customer to whom the events ``happened`` have
    happened and whose running score is ``score`` (no condition always holds)."""
    if c is None:
        return True
    if isinstance(c, Ref):
        return c.event in happened
    if isinstance(c, ScoreCmp):
        v = c.value
        return {"<": score < v, "<=": score <= v, ">": score > v, ">=": score >= v,
                "==": score == v, "!=": score != v}[c.op]
    if isinstance(c, Not):
        return not cond_holds(c.operand, happened, score)
    if isinstance(c, And):
        return all(cond_holds(o, happened, score) for o in c.operands)
    return any(cond_holds(o, happened, score) for o in c.operands)


def cond_text(c: Cond, _parent: int = 0) -> str:
    """Source form of a condition, parenthesised only where needed."""
    if isinstance(c, Ref):
        return c.event
    if isinstance(c, ScoreCmp):
        return f"score {c.op} {c.value:g}"
    if isinstance(c, Not):
        return "not " + cond_text(c.operand, 3)
    level, word = (2, " and ") if isinstance(c, And) else (1, " or ")
    text = word.join(cond_text(o, level) for o in c.operands)
    return f"({text})" if _parent > level else text


# ----------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Persona:
    name: str
    label: str | None
    share: float      # normalised: the shares of all personas sum to 1
    baseline: Dist    # the score given when nothing notable happens
    value: float      # revenue per converted customer


@dataclass(frozen=True)
class Stage:
    name: str
    label: str | None
    advance: tuple[float, ...]  # per persona; probability of moving on at score == score0
    slope: tuple[float, ...]    # per persona; log-odds per score point above score0


@dataclass(frozen=True)
class Event:
    name: str
    label: str | None
    stage: str
    p: tuple[float, ...]        # per persona
    impact: tuple[Dist, ...]    # per persona
    when: Cond | None


#: The comparisons a ``target`` accepts.
TARGET_OPS: tuple[str, ...] = (">=", ">", "<=", "<")


@dataclass(frozen=True)
class Target:
    """``target [SURVEY.]METRIC OP THRESHOLD [for PERSONA]``: ``survey`` None means the
    headline survey for a score metric (and nothing for a funnel metric)."""

    metric: str
    op: str
    threshold: float
    persona: str | None
    survey: str | None = None

    def __str__(self) -> str:
        tail = f" for {self.persona}" if self.persona else ""
        metric = f"{self.survey}.{self.metric}" if self.survey else self.metric
        return f"{metric} {self.op} {REGISTRY[self.metric].threshold_text(self.threshold)}" \
            f"{tail}"

    def met(self, value: float) -> bool:
        t = self.threshold
        return {">=": value >= t, ">": value > t, "<=": value <= t, "<": value < t}[self.op]


# ------------------------------------------------------------------ scenarios & sweeps

#: Settable attributes by declaration kind, and whether each is per persona (from the
#: attribute registry).
ATTRIBUTES = {decl: {a: spec.per_persona for a, spec in attrs.items()}
              for decl, attrs in _ATTRIBUTE_REGISTRY.items()
              if any(spec.settable for spec in attrs.values())}


def path_text(target: str, attr: str, persona: str | None) -> str:
    """A path as written: ``target.attr``, or ``target.attr[persona]``."""
    return f"{target}.{attr}[{persona}]" if persona else f"{target}.{attr}"


@dataclass(frozen=True)
class PathRef:
    """``target.attr`` (every persona) or ``target.attr[persona]``."""

    kind: str  # "persona" | "stage" | "event"
    target: str
    attr: str
    persona: str | None = None

    def __str__(self) -> str:
        return path_text(self.target, self.attr, self.persona)


@dataclass(frozen=True)
class SetAttr:
    path: PathRef
    value: float | Dist  # a Dist for impact and baseline, else a float


@dataclass(frozen=True)
class AddEvent:
    event: Event


@dataclass(frozen=True)
class RemoveEvent:
    name: str


Change = Union[SetAttr, AddEvent, RemoveEvent]


@dataclass(frozen=True)
class Scenario:
    """A named set of changes. ``cost``: one-off money; ``running_cost``: money per period
    (both the scenario's own, without what it extends: see :func:`scenario_costs`)."""

    name: str
    label: str | None
    cost: float | None
    extends: tuple[str, ...]
    changes: tuple[Change, ...]
    running_cost: float | None = None


#: The periods a ``volume`` may be counted per.
PERIODS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")


#: The name of the survey of a journey that declares none.
IMPLICIT_SURVEY = "customers"


@dataclass(frozen=True)
class Survey:
    """Who is asked for a score, and when: every customer who reaches ``stage`` (the
    rounded score at the end of that stage, after its events and the clamp), or, with
    ``stage`` None (``at end``), every customer at the end of their journey. ``implicit``:
    the ``customers`` survey at the goal stage of a spec that declares none."""

    name: str
    label: str | None
    stage: str | None
    implicit: bool = False


@dataclass(frozen=True)
class Sweep:
    path: PathRef
    values: tuple[float, ...]


@dataclass(frozen=True)
class Uncertain:
    """``uncertain PATH ~ DIST``: each world of a forecast draws the value at ``path`` from
    ``dist`` (for a ``baseline`` or ``impact`` declared as a distribution, the draw is that
    distribution's new mean)."""

    path: PathRef
    dist: Dist


#: Worlds of a forecast when neither the spec (``worlds W``) nor the caller says.
DEFAULT_WORLDS = 200


@dataclass(frozen=True)
class Model:
    title: str | None
    scale: tuple[int, int]
    customers: int | None
    seed: int | None
    personas: tuple[Persona, ...]
    stages: tuple[Stage, ...]
    goal: str
    events: tuple[Event, ...]
    targets: tuple[Target, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    sweeps: tuple[Sweep, ...] = ()
    surveys: tuple[Survey, ...] = ()   # as declared; see all_surveys
    volume: float | None = None        # customers entering per period (None: not set)
    period: str = "year"
    uncertain: tuple[Uncertain, ...] = ()  # in declaration order
    worlds: int | None = None              # ``worlds W`` (None: not given)

    @property
    def all_surveys(self) -> tuple[Survey, ...]:
        """The surveys of the journey, the headline first: the declared ones, or the
        implicit ``customers`` survey at the goal stage."""
        return self.surveys or (Survey(IMPLICIT_SURVEY, None, self.goal, implicit=True),)

    @property
    def stages_surveyed(self) -> tuple[bool, ...]:
        """Per stage: whether a survey is asked at it. The engines tally a stage's score
        histogram only then, since nothing else reads it (:mod:`cxdsl.sim.tallies`)."""
        at = {s.stage for s in self.all_surveys}
        return tuple(st.name in at for st in self.stages)

    @property
    def headline_survey(self) -> Survey:
        return self.all_surveys[0]

    def survey(self, name: str) -> Survey:
        return next(s for s in self.all_surveys if s.name == name)

    # lookups -------------------------------------------------------------
    def persona_index(self, name: str) -> int:
        return next(i for i, p in enumerate(self.personas) if p.name == name)

    def stage_index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.stages) if s.name == name)

    def event(self, name: str) -> Event:
        return next(e for e in self.events if e.name == name)

    def scenario(self, name: str) -> Scenario:
        return next(s for s in self.scenarios if s.name == name)

    @property
    def goal_index(self) -> int:
        return self.stage_index(self.goal)

    @property
    def has_nps(self) -> bool:
        return self.scale == (0, 10)


# ---------------------------------------------------------------- applying changes


def _set_per_persona(values: tuple, model: Model, persona: str | None, value) -> tuple:
    if persona is None:
        return tuple(value for _ in values)
    i = model.persona_index(persona)
    return values[:i] + (value,) + values[i + 1:]


def apply_change(model: Model, change: Change) -> Model:
    """The model with one change applied (no validation: the checker validates)."""
    if isinstance(change, AddEvent):
        return dataclasses.replace(model, events=model.events + (change.event,))
    if isinstance(change, RemoveEvent):
        return dataclasses.replace(
            model, events=tuple(e for e in model.events if e.name != change.name))
    path, value = change.path, change.value
    if path.kind == "persona":
        personas = tuple(dataclasses.replace(p, **{path.attr: value})
                         if p.name == path.target else p for p in model.personas)
        if path.attr == "share":
            total = sum(p.share for p in personas)
            if total > 0:
                personas = tuple(dataclasses.replace(p, share=p.share / total)
                                 for p in personas)
        return dataclasses.replace(model, personas=personas)
    if path.kind == "stage":
        stages = tuple(
            dataclasses.replace(s, **{path.attr: _set_per_persona(
                getattr(s, path.attr), model, path.persona, float(value))})
            if s.name == path.target else s for s in model.stages)
        return dataclasses.replace(model, stages=stages)
    val = value if path.attr == "impact" else float(value)
    events = tuple(
        dataclasses.replace(e, **{path.attr: _set_per_persona(
            getattr(e, path.attr), model, path.persona, val)})
        if e.name == path.target else e for e in model.events)
    return dataclasses.replace(model, events=events)


def scenario_order(model: Model, name: str) -> list[str]:
    """Scenario ``name`` and its ancestors in the order their changes apply: each parent
    (depth-first, in the order of ``extends``) before its child, each scenario once, so a
    common ancestor of two parents applies once. The checker guarantees there is no cycle."""
    by_name = {s.name: s for s in model.scenarios}
    order: list[str] = []
    placed: set[str] = set()
    # depth-first without recursion: an ``extends`` chain may be thousands deep
    stack = [(name, iter(by_name[name].extends))]
    while stack:
        current, parents = stack[-1]
        parent = next(parents, None)
        if parent is None:
            stack.pop()
            if current not in placed:
                placed.add(current)
                order.append(current)
        elif parent not in placed:
            stack.append((parent, iter(by_name[parent].extends)))
    return order


def scenario_costs(model: Model, name: str) -> tuple[float, float]:
    """(one-off cost, running cost per period) of scenario ``name``: its own plus those of
    every scenario it extends, each counted once."""
    chain = [model.scenario(n) for n in scenario_order(model, name)]
    return (sum(s.cost or 0.0 for s in chain), sum(s.running_cost or 0.0 for s in chain))


def scenario_changes(model: Model, name: str) -> list[Change]:
    """Every change scenario ``name`` makes to the baseline, in the order they apply."""
    return [c for n in scenario_order(model, name) for c in model.scenario(n).changes]


def with_scenario(model: Model, name: str | None) -> Model:
    """The baseline with scenario ``name`` applied (the model itself for None)."""
    if name is None:
        return model
    for change in scenario_changes(model, name):
        model = apply_change(model, change)
    return model


def with_overrides(model: Model, overrides: dict[PathRef, float]) -> Model:
    """The model with each path set to a number (a sweep point)."""
    for path, value in overrides.items():
        v = Const(float(value)) if path.attr in ("impact", "baseline") else float(value)
        model = apply_change(model, SetAttr(path, v))
    return model
