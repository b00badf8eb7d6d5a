"""Scenario and sweep paths given on the command line: ``X.attr`` or ``X.attr[persona]``
resolved against a model, and the range rules of swept values; the same rules the checker
applies to the spec's own scenarios and sweeps.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lang.diagnostics import did_you_mean
from ..model import ir, paths
from .common import AnalysisError


def resolve_path(text: str, model: ir.Model) -> ir.PathRef:
    """``X.attr`` or ``X.attr[persona]`` resolved against ``model`` (the rules of scenario
    and sweep paths, :mod:`cxdsl.model.paths`), or AnalysisError with a did-you-mean hint."""
    raw = text.strip()
    found = paths.resolve_text(raw, model)
    if isinstance(found, ir.PathRef):
        return found
    raise AnalysisError(_path_message(found, raw, model))


def _path_message(problem: paths.PathProblem, raw: str, model: ir.Model) -> str:
    target, attr, persona, kind = (problem.target, problem.attr, problem.persona,
                                   problem.declaration)
    if problem.kind == paths.NOT_A_PATH:
        return (f"'{raw}' is not a path: write DECLARATION.ATTRIBUTE, e.g. demo_glitch.p or "
                "Convert.advance[enterprise]")
    if problem.kind == paths.NO_DECLARATION:
        hint = did_you_mean(target, paths.declaration_names(model))
        return (f"'{raw}' names nothing: there is no persona, stage or event '{target}'"
                + (f" — {hint}" if hint else ""))
    if problem.kind == paths.NO_ATTRIBUTE:
        attrs = ir.ATTRIBUTES[kind]
        hint = did_you_mean(attr, attrs) or f"{'an' if kind == 'event' else 'a'} {kind} has " \
            + ", ".join(attrs)
        return f"{kind} {target} has no attribute '{attr}' — {hint}"
    if problem.kind == paths.NOT_PER_PERSONA:
        return f"{kind} attribute '{attr}' is not per persona; drop '[{persona}]'"
    if problem.kind == paths.UNKNOWN_PERSONA:
        hint = did_you_mean(persona, [p.name for p in model.personas])
        return f"unknown persona '{persona}' in '{raw}'" + (f" — {hint}" if hint else "")
    return f"{attr} on the last stage {target} means nothing: nobody advances past it"


def check_values(path: ir.PathRef, values: Sequence[float], model: ir.Model) -> None:
    """The range rules of sweeps (:func:`cxdsl.model.paths.value_problem`): probabilities
    in [0, 1], shares >= 0, baselines within the scale."""
    for v in values:
        problem = paths.value_problem(path, v, model.scale)
        if problem is None:
            continue
        if problem.kind == paths.NOT_FINITE:
            raise AnalysisError(f"{path}: {v} is not a finite number")
        if problem.kind == paths.NOT_PROBABILITY:
            raise AnalysisError(f"{path} would reach {v:g}, which is not a probability; "
                                "keep the values within 0..1 (0%..100%)")
        if problem.kind == paths.NEGATIVE_SHARE:
            raise AnalysisError(f"{path} would reach {v:g}; a share must be >= 0")
        if problem.kind == paths.MONEY_TOO_LARGE:
            raise AnalysisError(f"{path} would reach {v:g}; money is at most "
                                f"{paths.MAX_MONEY:.0e}")
        raise AnalysisError(f"{path} would reach {v:g}, outside the scale "
                            f"{model.scale[0]}..{model.scale[1]}")
