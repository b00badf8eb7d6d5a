"""Which personas share one fitted value, and the fitted values' common record.

A per-persona attribute (``p``, ``impact``, ``advance``, ``slope``) is fitted per persona
where the spec gives that persona a value of its own (a ``for`` line), and pooled over the
other personas (the declaration's own value): one :class:`Group` each. A declaration from
an imported file has no ``for`` lines in the main file to read; its personas are grouped by
equal values in the model instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lang import ast
from ..model import ir

#: The kinds of fitted value, in the order the comparison table lists them.
KINDS = ("share", "baseline", "baseline_sd", "baseline_weight", "p", "impact", "advance", "slope")


@dataclass(frozen=True)
class Group:
    """Personas (indices) whose value of ``target.attr`` is one number in the spec.
    ``override``: the persona whose ``for`` line holds it (None: the declaration's own
    value, or a persona's own attribute)."""

    kind: str  # "persona" | "stage" | "event"
    target: str
    attr: str
    personas: tuple[int, ...]
    override: str | None = None


@dataclass
class FittedValue:
    """One value of the spec and what the data say about it.

    ``path``: the text the table shows (``demo_glitch.p[smb]``; ``smb.baseline.sd`` for a
    baseline's spread). ``ref``: the path of its ``uncertain`` line (None for a spread,
    which no path names). ``spec``: the spec's value (a distribution's mean);
    ``fitted``: the posterior mean, None when the data cannot inform it. ``posterior``:
    a beta (probabilities) or normal (means) form; ``ci95``/``ci90``: central intervals;
    ``rows``: how many rows informed it; ``outside``: the spec's value lies outside the
    95% interval; ``note``: why it was not fitted, or a caveat."""

    kind: str
    path: str
    group: Group
    spec: float
    ref: ir.PathRef | None = None
    fitted: float | None = None
    posterior: ir.Dist | None = None
    ci95: tuple[float, float] | None = None
    ci90: tuple[float, float] | None = None
    rows: int = 0
    note: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def outside(self) -> bool:
        return self.ci95 is not None and not self.ci95[0] <= self.spec <= self.ci95[1]

    @property
    def informed(self) -> bool:
        return self.fitted is not None


def overrides_of(module: ast.Module | None) -> dict[tuple[str, str], tuple[str, ...]]:
    """(declaration name, attr) -> the personas whose ``for`` lines set that attribute."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    if module is None:
        return out
    for st in module.statements:
        if isinstance(st, (ast.Stage, ast.Event)):
            for clause in st.overrides:
                for a in clause.attrs:
                    key = (st.name.text, a.name.text)
                    out[key] = out.get(key, ()) + (clause.persona.text,)
    return out


def declared_here(module: ast.Module | None) -> frozenset[str]:
    """Names of the personas, stages and events the main file itself declares."""
    if module is None:
        return frozenset()
    return frozenset(st.name.text for st in module.statements
                     if isinstance(st, (ast.Persona, ast.Stage, ast.Event)))


def groups_for(model: ir.Model, kind: str, decl, attr: str,
               overrides: dict[tuple[str, str], tuple[str, ...]], here: frozenset[str]
               ) -> list[Group]:
    """The groups of ``decl.attr`` (a stage or event): the pooled personas first, then one
    per persona with a ``for`` line of its own."""
    names = [q.name for q in model.personas]
    values = getattr(decl, attr)
    if decl.name in here:
        own = [q for q in overrides.get((decl.name, attr), ()) if q in names]
        pooled = tuple(i for i, q in enumerate(names) if q not in own)
        out = [Group(kind, decl.name, attr, pooled)] if pooled else []
        return out + [Group(kind, decl.name, attr, (names.index(q),), q) for q in own]
    by_value: dict = {}
    for i, v in enumerate(values):
        by_value.setdefault(v, []).append(i)
    return [Group(kind, decl.name, attr, tuple(ix)) for ix in by_value.values()]


def group_ref(model: ir.Model, g: Group) -> ir.PathRef:
    """The path of a group's ``uncertain`` line: per persona when it holds one persona."""
    persona = g.override
    if persona is None and g.kind != "persona" and len(g.personas) == 1 \
            and len(model.personas) > 1:
        persona = model.personas[g.personas[0]].name
    return ir.PathRef(g.kind, g.target, g.attr, persona)


__all__ = ["KINDS", "FittedValue", "Group", "declared_here", "group_ref", "groups_for",
           "overrides_of"]
