"""Value conversion: the numbers, probabilities and distributions that attributes take,
checked against the kind each attribute declares and turned into IR values.

Every function takes the :class:`Context` first and returns None after reporting an error.
"""

from __future__ import annotations

import math

from ...model import ir
from ...model.attributes import (
    ATTRIBUTES,
    BASELINE,
    NON_NEGATIVE,
    PROBABILITY,
    SCORE_POINT,
    SCORE_VALUE,
    UNITS,
    attributes_of,
)
from ...model.paths import MAX_MONEY
from ...model.values import FORMS, Problem, ValueForm, forms_for
from .. import ast
from .. import messages as msg
from ..diagnostics import Span, did_you_mean
from ..vocabulary import DISTRIBUTIONS
from .context import Context

#: The forms a score (impact, baseline) and a probability (p, advance) may take.
SCORE_FORMS = forms_for("score")
PROBABILITY_FORMS = forms_for("probability")


def number(ctx: Context, n: ast.Number) -> float | None:
    if n.value is None:
        ctx.err("E301", msg.NOT_A_NUMBER.format(raw=n.raw), n.span, msg.NUMBER_HINT)
        return None
    value = float(n.value)
    if math.isinf(value):
        ctx.err("E302", msg.TOO_LARGE.format(raw=n.raw), n.span, msg.TOO_LARGE_HINT)
        return None
    return value


def plain(ctx: Context, n: ast.Number, what: str, unit: str) -> float | None:
    """A number that is not a percentage: ``unit`` says what it counts."""
    v = number(ctx, n)
    if v is not None and n.is_percent:
        lo, hi = ctx.scale
        hint = msg.without_percent_hint(n.raw)
        if unit == SCORE_POINT and not lo <= v * 100 <= hi:
            hint = msg.PERCENT_OF_SCALE_HINT.format(raw=n.raw, lo=lo, hi=hi,
                                                    point=lo + v * (hi - lo))
        ctx.err("E310", msg.NOT_A_PERCENTAGE.format(what=what, unit=unit, raw=n.raw), n.span, hint)
        return None
    return v


def integer(ctx: Context, n: ast.Number, what: str, lo: int, hi: int) -> int | None:
    v = number(ctx, n)
    if v is None:
        return None
    if n.is_percent or n.value != n.value.to_integral_value() or not lo <= n.value <= hi:
        ctx.err("E306", msg.NOT_WHOLE.format(what=what, lo=lo, hi=hi, raw=n.raw), n.span)
        return None
    return int(n.value)


def dist(ctx: Context, value: ast.Value, kind: str, what: str) -> ir.Dist | None:
    """A number or distribution for an impact or baseline (both in score points)."""
    unit = UNITS["baseline" if kind == BASELINE else "impact"]
    if isinstance(value, ast.Number):
        v = plain(ctx, value, what, unit)
        return None if v is None else ir.Const(v)
    name = value.func.text
    if name in FORMS and name not in SCORE_FORMS:
        ctx.err("E307", msg.PROBABILITY_FORM_FOR_SCORE.format(what=what, unit=unit,
                                                              signature=FORMS[name].signature),
                value.span, msg.DISTRIBUTIONS_HINT)
        return None
    if name not in DISTRIBUTIONS:
        ctx.err("E208", msg.UNKNOWN_DISTRIBUTION.format(name=name), value.func.span,
                did_you_mean(name, DISTRIBUTIONS) or msg.DISTRIBUTIONS_HINT)
        return None
    if name == "discrete":
        return discrete(ctx, value, what, unit)
    return form(ctx, value, FORMS[name], what, unit)


def discrete(ctx: Context, value: ast.Call, what: str, unit: str) -> ir.Dist | None:
    args = value.args
    if not args:
        ctx.err("E303", msg.DISCRETE_EMPTY, value.span, msg.DISCRETE_EMPTY_HINT)
        return None
    vals, weights, ok = [], [], True
    for a in args:
        v = plain(ctx, a.value, what, unit) if unit else number(ctx, a.value)
        if a.weight is None:
            ctx.err("E303", msg.DISCRETE_NO_WEIGHT, a.span)
            ok = False
            continue
        w = number(ctx, a.weight)
        if v is None or w is None:
            ok = False
            continue
        if w < 0:
            ctx.err("E303", msg.NEGATIVE_WEIGHT.format(raw=a.weight.raw), a.weight.span,
                    msg.WEIGHT_HINT)
            ok = False
        vals.append(v)
        weights.append(w)
    if not ok:
        return None
    total = math.fsum(weights)
    if total <= 0:
        ctx.err("E303", msg.WEIGHTS_ZERO, value.span)
        return None
    if all(a.weight.is_percent for a in args) and abs(total - 1.0) > 1e-9:
        ctx.warn("W001", msg.weights_not_100(total), value.span, msg.RELATIVE_WEIGHTS_HINT)
    return ir.Discrete(tuple(vals), tuple(w / total for w in weights))


def form(ctx: Context, value: ast.Call, cls: type[ValueForm], what: str,
         unit: str | None) -> ValueForm | None:
    """A call of a form with a fixed number of arguments (``normal(mu, sd)``), its numbers
    checked by the form's own rules; ``unit``: what the numbers count (None: plain numbers,
    such as the counts of ``beta``)."""
    args = value.args
    for a in args:
        if a.weight is not None:
            ctx.err("E303", msg.PAIRS_OUTSIDE_DISCRETE.format(name=cls.name), a.span,
                    msg.SIGNATURE_HINT.format(signature=cls.signature))
            return None
    if len(args) != len(cls.params):
        ctx.err("E303", msg.WRONG_ARITY.format(name=cls.name, arity=len(cls.params),
                                               signature=cls.signature, got=len(args)),
                value.span)
        return None
    nums = [plain(ctx, a.value, what, unit) if unit else number(ctx, a.value) for a in args]
    if any(n is None for n in nums):
        return None
    problem = cls.problem(tuple(nums))
    if problem is not None:
        _report_problem(ctx, problem, value)
        return None
    return cls(*nums)


def _report_problem(ctx: Context, problem: Problem, value: ast.Call) -> None:
    """The diagnostic for a rule a form's numbers break (:meth:`ValueForm.problem`)."""
    args = value.args
    if problem.kind == "negative_sd":
        ctx.err("E303", msg.NEGATIVE_SD.format(raw=args[1].value.raw), args[1].span, msg.SD_HINT)
    elif problem.kind == "lo_above_hi":
        ctx.err("E303", msg.UNIFORM_REVERSED.format(lo=args[0].value.raw, hi=args[1].value.raw),
                value.span, msg.SWAP_HINT)
    elif problem.kind == "mode_outside":
        ctx.err("E303", msg.TRIANGULAR_ORDER, value.span)
    else:  # not_positive
        arg = args[problem.arg]
        ctx.err("E303", msg.NOT_POSITIVE.format(name=value.func.text, raw=arg.value.raw), arg.span,
                msg.NOT_POSITIVE_HINT)


def scalar(ctx: Context, value: ast.Value, kind: str, what: str,
           unit: str | None = None) -> float | None:
    """A plain number of the given kind (probability, number, non-negative); with a
    ``unit``, not a percentage."""
    if isinstance(value, ast.Call):
        if kind == PROBABILITY and value.func.text in PROBABILITY_FORMS:
            # a probability that varies per customer: each customer's chance is its mean
            drawn = form(ctx, value, FORMS[value.func.text], what, None)
            return None if drawn is None else drawn.mean()
        ctx.err("E307", msg.SINGLE_NUMBER.format(what=what), value.span, msg.SINGLE_NUMBER_HINT)
        return None
    v = plain(ctx, value, what, unit) if unit else number(ctx, value)
    if v is None:
        return None
    if kind == PROBABILITY and not 0.0 <= v <= 1.0:
        ctx.err("E302", msg.NOT_PROBABILITY.format(what=what, raw=value.raw), value.span,
                msg.probability_hint(v, value.raw, value.is_percent))
        return None
    if kind == NON_NEGATIVE and v < 0:
        ctx.err("E302", msg.NEGATIVE.format(what=what, raw=value.raw), value.span)
        return None
    if unit and unit.startswith("money") and abs(v) > MAX_MONEY:
        ctx.err("E302", msg.MONEY_TOO_LARGE.format(what=what, raw=value.raw, limit=MAX_MONEY),
                value.span, msg.MONEY_LIMIT_HINT.format(limit=MAX_MONEY))
        return None
    return v


def baseline_ok(ctx: Context, d: ir.Dist, span: Span, who: str) -> bool:
    lo, hi = ctx.scale
    mean = d.mean()
    s_lo, s_hi = d.support()
    if math.isinf(s_lo) or math.isinf(s_hi):
        s_lo = s_hi = mean  # an unbounded baseline is judged by its mean (draws are clamped)
    if s_lo < lo or s_hi > hi or not lo <= mean <= hi:
        shown = f"{mean:g}" if s_lo == s_hi else f"{s_lo:g}..{s_hi:g}"
        ctx.err("E304", msg.BASELINE_OUTSIDE.format(who=who, shown=shown, lo=lo, hi=hi), span,
                msg.BASELINE_HINT.format(lo=lo, hi=hi))
        return False
    return True


def attr_value(ctx: Context, kind: str, attr: str, value: ast.Value, who: str):
    """Convert an attribute value by its declared kind; None after an error."""
    spec = ATTRIBUTES[kind][attr].kind
    what = msg.ATTRIBUTE_OF.format(attr=attr, who=who)
    if spec == SCORE_VALUE:
        return dist(ctx, value, spec, what)
    if spec == BASELINE:
        d = dist(ctx, value, spec, what)
        if d is not None and not baseline_ok(ctx, d, value.span, who):
            return None
        return d
    return scalar(ctx, value, spec, what, UNITS.get(attr))


def attrs(ctx: Context, kind: str, given: tuple[ast.Attr, ...], who: str,
          allowed: tuple[str, ...] | None = None) -> dict[str, tuple[object, ast.Attr]]:
    """Validate the attributes ``given`` to a ``kind`` declaration: name -> (value, node)."""
    allowed = allowed or attributes_of(kind)
    out: dict[str, tuple[object, ast.Attr]] = {}
    for a in given:
        name = a.name.text
        if name not in allowed:
            hint = did_you_mean(name, allowed) or msg.attributes_hint(kind, allowed)
            ctx.err("E204", msg.unknown_attribute(name, kind, who, allowed), a.name.span,
                    hint)
            continue
        if name in out:
            ctx.err("E205", msg.ATTRIBUTE_TWICE.format(name=name), a.name.span,
                    msg.GIVEN_TWICE_HINT)
            continue
        out[name] = (attr_value(ctx, kind, name, a.value, who), a)
    return out
