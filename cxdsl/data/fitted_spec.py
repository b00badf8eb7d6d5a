"""The fitted spec: the spec's text with the fitted values in place.

Each fitted value replaces the number (or distribution) it was fitted for, where the spec
writes it: a persona's ``share`` and ``baseline``, a declaration's own ``p``, ``impact``,
``advance`` and ``slope`` (the pooled personas), or a persona's ``for`` line; an attribute
the spec leaves at its default is added. Every fitted value with a path gets an
``uncertain`` line with its posterior and a trailing comment saying how many rows informed
it, replacing any ``uncertain`` line for that path; the new lines follow the last existing
``uncertain`` line (or end the file). The result is printed in the canonical layout
(:mod:`cxdsl.lang.printer`), so comments and layout are kept and ``cxdsl fmt --check``
passes. Values declared in imported files are fitted but not written (their text is
elsewhere).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..lang import ast, parser
from ..lang.api import check_text
from ..lang.diagnostics import CompileError, Diagnostics
from ..lang.printer import format_module
from ..model.values import Beta
from .fit import Fit, baseline_form
from .fit_groups import FittedValue


class FittedSpecError(Exception):
    """The fitted text did not parse or check (a bug: nothing should be written)."""


def number(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant digits, never in exponent form."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return np.format_float_positional(float(x), precision=digits, unique=False,
                                      fractional=False, trim="-")


def percent(p: float) -> str:
    return number(100.0 * p, 3) + "%"


def _decl(module: ast.Module, name: str):
    return next((st for st in module.statements
                 if isinstance(st, (ast.Persona, ast.Stage, ast.Event))
                 and st.name.text == name), None)


def _value_text(fit: Fit, fv: FittedValue) -> str | None:
    if fv.kind in ("share", "p", "advance"):
        return percent(fv.fitted)
    if fv.kind == "slope":
        return number(fv.fitted, 3)
    if fv.kind == "baseline":
        sd = next((v for v in fit.values if v.kind == "baseline_sd"
                   and v.group.target == fv.group.target), None)
        return baseline_form(fit.model, fv, sd).text(lambda x: number(x, 3))
    if fv.kind == "impact":
        q = fv.group.personas[0]
        d = fit.fitted.event(fv.group.target).impact[q]
        return d.text(lambda x: number(x, 3), signed=True)
    return None


def _edits(fit: Fit, module: ast.Module) -> list[tuple[int, int, str]]:
    """(start, end, text) replacements of the written values."""
    out = []
    for fv in fit.values:
        if not fv.informed:
            continue
        text = _value_text(fit, fv)
        decl = _decl(module, fv.group.target)
        if text is None or decl is None:
            continue
        holder = decl
        if fv.group.override is not None:
            holder = next((c for c in decl.overrides if c.persona.text == fv.group.override),
                          None)
            if holder is None:
                continue
        attr = next((a for a in holder.attrs if a.name.text == fv.group.attr), None)
        if attr is not None:
            out.append((attr.value.span.start, attr.value.span.end, text))
            continue
        if isinstance(holder, ast.ForClause):
            at = holder.span.end
        else:
            parts = [holder.name.span.end] + [a.span.end for a in holder.attrs]
            if holder.label is not None:
                parts.append(holder.label.span.end)
            at = max(parts)
        out.append((at, at, f" {fv.group.attr}={text}"))
    return out


def _line_bounds(text: str, span) -> tuple[int, int]:
    start = text.rfind("\n", 0, span.start) + 1
    end = text.find("\n", span.end)
    return start, len(text) if end < 0 else end + 1


def _refs(fit: Fit, fv: FittedValue) -> list:
    """The paths of a value's ``uncertain`` lines: its own; or, for the pooled personas of
    a declaration whose other personas' values were not fitted, one per pooled persona (a
    line for every persona would draw over those kept values too)."""
    g = fv.group
    if fv.ref.persona is not None or g.kind == "persona" or \
            len(g.personas) == len(fit.model.personas):
        return [fv.ref]
    own = {v.group.override for v in fit.values if v.informed and v.kind == fv.kind
           and v.group.target == g.target and v.group.override is not None}
    others = [p.name for i, p in enumerate(fit.model.personas) if i not in g.personas]
    if all(q in own for q in others):
        return [fv.ref]
    return [dataclasses.replace(fv.ref, persona=fit.model.personas[q].name)
            for q in g.personas]


def uncertain_lines(fit: Fit) -> list[str]:
    """The ``uncertain`` lines of the fitted values, each with its row count."""
    out = []
    for fv in fit.values:
        if fv.informed and fv.ref is not None and fv.posterior is not None:
            # beta's counts to 6 digits: its mean stays well inside its own spread
            digits = 6 if isinstance(fv.posterior, Beta) else 4
            dist = fv.posterior.text(lambda x, d=digits: number(x, d))
            rows = f"{fv.rows:,}".replace(",", "_")
            out += [f"uncertain {ref} ~ {dist}  # fitted from {rows} rows"
                    for ref in _refs(fit, fv)]
    return out


def _written(fit: Fit) -> set[str]:
    return {str(ref) for fv in fit.values
            if fv.informed and fv.ref is not None and fv.posterior is not None
            for ref in _refs(fit, fv)}


def fitted_text(fit: Fit, text: str, path: str = "<string>") -> str:
    """The spec ``text`` (at ``path``) with ``fit``'s values written in, formatted (a
    leading byte-order mark kept)."""
    if text.startswith("\ufeff"):
        return "\ufeff" + fitted_text(fit, text[1:], path)
    diags = Diagnostics()
    module = parser.parse(text, path, diags)
    if module is None or diags.has_errors:
        raise CompileError(diags.sorted(), {path: text})
    edits = _edits(fit, module)
    written = _written(fit)
    uncertain = [st for st in module.statements if isinstance(st, ast.Uncertain)]
    for st in uncertain:
        if str(st.path) in written:
            start, end = _line_bounds(text, st.span)
            edits.append((start, end, ""))
    lines = uncertain_lines(fit)
    if lines:
        block = "\n".join(lines) + "\n"
        if uncertain:
            at = _line_bounds(text, uncertain[-1].span)[1]
            if at == len(text) and not text.endswith("\n"):
                block = "\n" + block
        else:
            at = len(text)
            block = ("\n" if text.endswith("\n") else "\n\n") + block
        edits.append((at, at, block))
    out = text
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + new + out[end:]
    return _formatted(out, path)


def _formatted(text: str, path: str) -> str:
    diags = Diagnostics()
    module = parser.parse(text, path, diags)
    if module is None or diags.has_errors:
        raise FittedSpecError("the fitted spec does not parse: "
                              + "; ".join(d.message for d in diags.sorted()[:3]))
    result = format_module(module, text)
    comp = check_text(result, path)
    if not comp.ok:
        raise FittedSpecError("the fitted spec does not check: "
                              + "; ".join(d.message for d in comp.diagnostics.sorted()[:3]))
    return result


__all__ = ["FittedSpecError", "fitted_text", "number", "percent", "uncertain_lines"]
