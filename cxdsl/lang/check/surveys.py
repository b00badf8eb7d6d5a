"""Pass: surveys. Each ``survey`` takes a name in the one namespace of personas, stages and
events, and is asked at a known stage or ``at end``; the model gets them as declared."""

from __future__ import annotations

import dataclasses

from ...model import ir
from .. import ast
from .context import Context, State


def run(ctx: Context) -> None:
    stage_names = [s.name for s in ctx.model.stages]
    out = []
    for st in ctx.statements_of(ast.Survey):
        survey = _survey(ctx, st, stage_names)
        if survey is not None:
            out.append(survey)
    ctx.model = dataclasses.replace(ctx.model, surveys=tuple(out))


def _survey(ctx: Context, st: ast.Survey, stage_names: list[str]) -> ir.Survey | None:
    # a survey may take the implicit survey's name although `customers` is a keyword: a
    # survey's name is read only after `survey` and `target`, where no statement starts
    declared = ctx.declare(st.name, "survey", keyword_ok=st.name.text == ir.IMPLICIT_SURVEY)
    if not declared:
        # targets that name it are not told it is unknown
        ctx.symbols.reject(st.name.text, "survey", st.name.span)
    if st.stage is not None and st.stage.text not in stage_names:
        if not ctx.symbols.has(st.stage.text, State.BROKEN, "stage"):
            ctx.unknown(st.stage, "stage", stage_names)
        if declared:
            ctx.symbols.unplace(st.name.text)
        return None
    if not declared:
        return None
    return ir.Survey(st.name.text, st.label.value if st.label else None,
                     st.stage.text if st.stage is not None else None)
