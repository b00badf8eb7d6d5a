"""Scenario and sweep paths given on the command line: ``X.attr`` or ``X.attr[persona]``
resolved against a model, and the range rules of swept values; the same rules the checker
applies to the spec's own scenarios and sweeps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..model import ir
from .common import AnalysisError


def resolve_path(text: str, model: ir.Model) -> ir.PathRef:
    """``X.attr`` or ``X.attr[persona]`` resolved against ``model`` (the rules of scenario
    and sweep paths), or AnalysisError with a did-you-mean hint."""
    from ..lang.diagnostics import did_you_mean

    raw = text.strip()
    persona = None
    body = raw
    if body.endswith("]") and "[" in body:
        body, persona = body[:-1].split("[", 1)
        persona = persona.strip()
    if "." not in body:
        raise AnalysisError(f"'{raw}' is not a path: write DECLARATION.ATTRIBUTE, e.g. "
                            "demo_glitch.p or Convert.advance[enterprise]")
    target, attr = (x.strip() for x in body.split(".", 1))
    kind = None
    if any(p.name == target for p in model.personas):
        kind = "persona"
    elif any(s.name == target for s in model.stages):
        kind = "stage"
    elif any(e.name == target for e in model.events):
        kind = "event"
    if kind is None:
        names = ([p.name for p in model.personas] + [s.name for s in model.stages]
                 + [e.name for e in model.events])
        hint = did_you_mean(target, names)
        raise AnalysisError(f"'{raw}' names nothing: there is no persona, stage or event "
                            f"'{target}'" + (f" — {hint}" if hint else ""))
    attrs = ir.ATTRIBUTES[kind]
    if attr not in attrs:
        hint = did_you_mean(attr, attrs) or f"{'an' if kind == 'event' else 'a'} {kind} has " \
            + ", ".join(attrs)
        raise AnalysisError(f"{kind} {target} has no attribute '{attr}' — {hint}")
    if persona is not None:
        if not attrs[attr]:
            raise AnalysisError(f"{kind} attribute '{attr}' is not per persona; drop "
                                f"'[{persona}]'")
        names = [p.name for p in model.personas]
        if persona not in names:
            hint = did_you_mean(persona, names)
            raise AnalysisError(f"unknown persona '{persona}' in '{raw}'"
                                + (f" — {hint}" if hint else ""))
    if kind == "stage" and target == model.stages[-1].name:
        raise AnalysisError(f"{attr} on the last stage {target} means nothing: nobody "
                            "advances past it")
    return ir.PathRef(kind, target, attr, persona)


def check_values(path: ir.PathRef, values: Sequence[float], model: ir.Model) -> None:
    """The range rules of sweeps: probabilities in [0, 1], shares >= 0, baselines within
    the scale."""
    for v in values:
        if not math.isfinite(v):
            raise AnalysisError(f"{path}: {v} is not a finite number")
        if path.attr in ("p", "advance") and not 0.0 <= v <= 1.0:
            raise AnalysisError(f"{path} would reach {v:g}, which is not a probability; "
                                "keep the values within 0..1 (0%..100%)")
        if path.attr == "share" and v < 0:
            raise AnalysisError(f"{path} would reach {v:g}; a share must be >= 0")
        if path.attr == "baseline" and not model.scale[0] <= v <= model.scale[1]:
            raise AnalysisError(f"{path} would reach {v:g}, outside the scale "
                                f"{model.scale[0]}..{model.scale[1]}")

