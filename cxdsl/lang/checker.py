"""Stage 2: :class:`cxdsl.ast.Module` -> :class:`cxdsl.ir.Model`.

Resolves imports and names, merges per-persona ``for`` overrides into dense per-persona
values, validates every value, scenario and sweep, and reports all problems of a file in
one pass (errors and warnings, each with a code documented in :mod:`cxdsl.codes`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
from collections.abc import Callable
from decimal import Decimal

from ..model import ir
from ..model.values import FORMS, Problem, ValueForm, forms_for
from . import ast
from .diagnostics import Diagnostics, Span, a_or_an, did_you_mean
from .parser import keywords
from .vocabulary import ATTRIBUTES_OF, DISTRIBUTIONS, METRICS

#: The forms a score (impact, baseline) and a probability (p, advance) may take.
SCORE_FORMS = forms_for("score")
PROBABILITY_FORMS = forms_for("probability")

Loader = Callable[[str, Span], "ast.Module | None"]

#: Largest score scale accepted (the distribution has one entry per integer score).
MAX_SCALE_WIDTH = 1000
#: Most grid points one `sweep` line may produce.
MAX_SWEEP_POINTS = 100_000
#: Most customers in one run (the CLI enforces the same bound).
MAX_CUSTOMERS = 10**12

_PROB = "probability"
_NUMBER = "number"
_NONNEG = "non-negative number"
_DIST = "distribution"
_BASELINE = "baseline"

#: The kind of value each attribute takes.
_VALUE_KIND = {"share": _NONNEG, "baseline": _BASELINE, "value": _NUMBER,
               "advance": _PROB, "slope": _NUMBER, "p": _PROB, "impact": _DIST,
               "cost": _NONNEG}
#: What the attributes that take no percentage count, for the message when one is given.
_SCORE = "a point on the scale"
_UNITS = {"baseline": _SCORE, "impact": "a number of score points",
          "value": "money per converted customer", "cost": "money",
          "slope": "a change in log-odds per score point"}
#: Each declaration's attributes and the kind of value each takes, in canonical order.
ATTRIBUTE_KINDS: dict[str, dict[str, str]] = {
    decl: {a: _VALUE_KIND[a] for a in attrs} for decl, attrs in ATTRIBUTES_OF.items()}
#: Words that cannot name a declaration: the grammar's keywords.
RESERVED = frozenset(keywords())


def attributes_of(kind: str) -> tuple[str, ...]:
    return tuple(ATTRIBUTE_KINDS[kind])


def check(module: ast.Module, diags: Diagnostics | None = None, *,
          loader: Loader | None = None, base_dir: str | None = None,
          allow_outside_imports: bool = False) -> ir.Model | None:
    """Check ``module``; returns the Model, or None when errors were reported to ``diags``.

    ``loader(path, span)`` reads and parses an imported file (None when it cannot, having
    reported why); ``base_dir`` is the directory imports of ``module`` resolve against."""
    diags = diags if diags is not None else Diagnostics()
    return _Checker(diags, loader, allow_outside_imports).run(module, base_dir)


class _Checker:
    def __init__(self, diags: Diagnostics, loader: Loader | None, allow_outside: bool):
        self.d = diags
        self.loader = loader
        self.allow_outside = allow_outside
        self.scale = (0, 10)
        self.persona_names: list[str] = []
        # every declared persona/stage/event name -> (kind, span); one namespace, so a
        # path such as `X.attr` always names one thing
        self.decls: dict[str, tuple[str, Span]] = {}
        # Names whose declarations are rejected (reported once, there): what refers to them
        # is not told again that they are unknown.
        self.broken_stages: set[str] = set()
        self.unplaced_events: set[str] = set()
        self.broken_personas: set[str] = set()
        # an import that could not be merged: names the file may declare are not reported
        # as unknown (nor a journey without personas or stages), one mistake, one message
        self.import_failed = False
        # every event of the file -> its stage: a condition may name an event declared
        # further down when it happens at an earlier stage
        self.declared_events: dict[str, str] = {}
        # while a scenario is checked: events it (or what it extends) removed -> by whom
        self.removed_events: dict[str, str] = {}

    # ------------------------------------------------------------------ helpers
    def err(self, code, msg, span, hint=None):
        self.d.error(code, msg, span, hint)

    def warn(self, code, msg, span, hint=None):
        self.d.warning(code, msg, span, hint)

    def number(self, n: ast.Number) -> float | None:
        if n.value is None:
            self.err("E301", f"'{n.raw}' is not a number", n.span,
                     "write numbers like 3, -1.5, 0.05, 5%, 1e6 or 200_000")
            return None
        value = float(n.value)
        if math.isinf(value):
            self.err("E302", f"'{n.raw}' is too large to compute with", n.span,
                     "numbers must stay below about 1.8e308")
            return None
        return value

    def plain(self, n: ast.Number, what: str, unit: str) -> float | None:
        """A number that is not a percentage: ``unit`` says what it counts."""
        v = self.number(n)
        if v is not None and n.is_percent:
            lo, hi = self.scale
            hint = f"write it without '%', as in {n.raw[:-1]}"
            if unit == _SCORE and not lo <= v * 100 <= hi:
                hint = f"{n.raw} of the scale {lo}..{hi} is {lo + v * (hi - lo):g}"
            self.err("E310", f"{what} is {unit}, not a percentage: '{n.raw}'", n.span, hint)
            return None
        return v

    def integer(self, n: ast.Number, what: str, lo: int, hi: int) -> int | None:
        v = self.number(n)
        if v is None:
            return None
        if n.is_percent or n.value != n.value.to_integral_value() or not lo <= n.value <= hi:
            self.err("E306", f"{what} must be a whole number from {lo:,} to {hi:,}; got "
                     f"'{n.raw}'", n.span)
            return None
        return int(n.value)

    # --------------------------------------------------------------- imports
    def flatten(self, module: ast.Module, base_dir: str | None) -> list:
        """The statements of ``module`` with every import replaced, in place, by the
        statements of the imported file (each file at most once)."""
        out: list = []
        root = os.path.realpath(base_dir or os.getcwd())
        seen: set[str] = set()
        chain: list[str] = []
        if module.path and not module.path.startswith("<"):
            seen.add(os.path.realpath(module.path))
            chain.append(os.path.realpath(module.path))
        self._flatten(module, root, root, chain, seen, out)
        return out

    def _flatten(self, module, directory, root, chain, seen, out):
        for st in module.statements:
            if not isinstance(st, ast.Import):
                out.append(st)
                continue
            rel = st.path.value
            if not rel:
                self.err("E503", "import needs a file path", st.path.span)
                self.import_failed = True
                continue
            try:
                target = os.path.realpath(os.path.join(directory, rel))
            except (ValueError, OSError):
                self.err("E001", f"cannot import '{rel}': not a usable file path",
                         st.path.span)
                self.import_failed = True
                continue
            if not self.allow_outside and not (target == root or target.startswith(
                    root.rstrip(os.sep) + os.sep)):
                self.err("E502", f"import '{rel}' reaches outside the directory of the "
                         "importing file", st.path.span,
                         "move the file under this directory, or pass "
                         "--allow-outside-imports")
                self.import_failed = True
                continue
            if target in chain or (module.path and os.path.realpath(module.path) == target):
                loop = chain[chain.index(target):] if target in chain else chain[-1:]
                cycle = " -> ".join(os.path.basename(p) for p in loop + [target])
                self.err("E501", f"import cycle: {cycle}", st.path.span,
                         "an imported file must not import the file that imports it")
                continue
            if target in seen:
                continue  # a diamond: every file is merged once
            seen.add(target)
            if self.loader is None:
                self.err("E503", "imports are not available here", st.span)
                self.import_failed = True
                continue
            sub = self.loader(target, st.path.span)
            if sub is None:
                self.import_failed = True  # why is reported in that file, or at the import
                continue
            self._flatten(sub, os.path.dirname(target), os.path.dirname(target)
                          if self.allow_outside else root, chain + [target], seen, out)

    # --------------------------------------------------------------- values
    def dist(self, value: ast.Value, kind: str, what: str) -> ir.Dist | None:
        """A number or distribution for an impact or baseline (both in score points)."""
        unit = _UNITS["baseline" if kind == _BASELINE else "impact"]
        if isinstance(value, ast.Number):
            v = self.plain(value, what, unit)
            return None if v is None else ir.Const(v)
        name = value.func.text
        if name in FORMS and name not in SCORE_FORMS:
            self.err("E307", f"{what} is {unit}; {FORMS[name].signature} is a probability",
                     value.span, "use normal(mu, sd), uniform(lo, hi), triangular(lo, mode, "
                     "hi) or discrete(v1: w1, v2: w2, ...)")
            return None
        if name not in DISTRIBUTIONS:
            self.err("E208", f"unknown distribution '{name}'", value.func.span,
                     did_you_mean(name, DISTRIBUTIONS)
                     or "use normal(mu, sd), uniform(lo, hi), triangular(lo, mode, hi) or "
                        "discrete(v1: w1, v2: w2, ...)")
            return None
        args = value.args
        if name == "discrete":
            if not args:
                self.err("E303", "discrete(...) needs at least one 'value: weight' pair",
                         value.span, "e.g. discrete(7: 60%, 9: 40%)")
                return None
            vals, weights, ok = [], [], True
            for a in args:
                v = self.plain(a.value, what, unit)
                if a.weight is None:
                    self.err("E303", "each value of discrete(...) needs a weight, as in "
                             "'7: 60%'", a.span)
                    ok = False
                    continue
                w = self.number(a.weight)
                if v is None or w is None:
                    ok = False
                    continue
                if w < 0:
                    self.err("E303", f"weight {a.weight.raw} is negative", a.weight.span,
                             "weights are relative and must be >= 0")
                    ok = False
                vals.append(v)
                weights.append(w)
            if not ok:
                return None
            total = math.fsum(weights)
            if total <= 0:
                self.err("E303", "the weights of discrete(...) add up to 0", value.span)
                return None
            if all(a.weight.is_percent for a in args) and abs(total - 1.0) > 1e-9:
                self.warn("W001", f"the weights of discrete(...) add up to {total * 100:g}%, "
                          "not 100%", value.span, "they are used as relative weights "
                          "(normalised)")
            return ir.Discrete(tuple(vals), tuple(w / total for w in weights))
        return self.form(value, FORMS[name], what, unit)

    def form(self, value: ast.Call, cls: type[ValueForm], what: str,
             unit: str | None) -> ValueForm | None:
        """A call of a form with a fixed number of arguments (``normal(mu, sd)``), its
        numbers checked by the form's own rules; ``unit``: what the numbers count (None: plain
        numbers, e.g. the counts of ``beta``)."""
        name, args, sig = cls.name, value.args, cls.signature
        arity = len(cls.params)
        for a in args:
            if a.weight is not None:
                self.err("E303", f"'value: weight' pairs belong in discrete(...), not "
                         f"{name}(...)", a.span, f"write {sig}")
                return None
        if len(args) != arity:
            self.err("E303", f"{name} takes {arity} numbers, {sig}; got {len(args)}",
                     value.span)
            return None
        nums = [self.plain(a.value, what, unit) if unit else self.number(a.value)
                for a in args]
        if any(n is None for n in nums):
            return None
        problem = cls.problem(tuple(nums))
        if problem is not None:
            self.form_problem(problem, value)
            return None
        return cls(*nums)

    def form_problem(self, problem: Problem, value: ast.Call) -> None:
        args = value.args
        if problem.kind == "negative_sd":
            self.err("E303", f"the standard deviation of normal(...) is negative "
                     f"({args[1].value.raw})", args[1].span, "sd must be >= 0")
        elif problem.kind == "lo_above_hi":
            self.err("E303", f"uniform(lo, hi) has lo > hi ({args[0].value.raw} > "
                     f"{args[1].value.raw})", value.span, "swap the two numbers")
        elif problem.kind == "mode_outside":
            self.err("E303", "triangular(lo, mode, hi) needs lo <= mode <= hi", value.span)
        else:  # not_positive
            arg = args[problem.arg]
            self.err("E303", f"{value.func.text}(a, b) needs a > 0 and b > 0; got "
                     f"{arg.value.raw}", arg.span, "a and b count successes and failures, "
                     "as in beta(3, 57) for about 5%")

    def scalar(self, value: ast.Value, kind: str, what: str,
               unit: str | None = None) -> float | None:
        """A plain number of the given kind (probability, number, non-negative); with a
        ``unit``, not a percentage."""
        if isinstance(value, ast.Call):
            name = value.func.text
            if kind == _PROB and name in PROBABILITY_FORMS:
                # a probability that varies per customer: each customer's chance is its mean
                form = self.form(value, FORMS[name], what, None)
                return None if form is None else form.mean()
            self.err("E307", f"{what} takes a single number, not a distribution",
                     value.span, "distributions are for impact and baseline")
            return None
        v = self.plain(value, what, unit) if unit else self.number(value)
        if v is None:
            return None
        if kind == _PROB and not 0.0 <= v <= 1.0:
            hint = ("a probability is at least 0%" if v < 0 else
                    "a probability is at most 100%" if value.is_percent else
                    f"did you mean {value.raw}%?" if v <= 100 else
                    "write a percentage such as 5%, or a fraction such as 0.05")
            self.err("E302", f"{what} must be a probability from 0% to 100%; got "
                     f"'{value.raw}'", value.span, hint)
            return None
        if kind == _NONNEG and v < 0:
            self.err("E302", f"{what} must be >= 0; got '{value.raw}'", value.span)
            return None
        return v

    def baseline_ok(self, d: ir.Dist, span: Span, who: str) -> bool:
        lo, hi = self.scale
        mean = ir.dist_mean(d)
        s_lo, s_hi = ir.dist_support(d)
        if isinstance(d, ir.Normal):
            s_lo = s_hi = d.mu
        if s_lo < lo or s_hi > hi or not lo <= mean <= hi:
            shown = f"{mean:g}" if s_lo == s_hi else f"{s_lo:g}..{s_hi:g}"
            self.err("E304", f"baseline of {who} ({shown}) lies outside the scale "
                     f"{lo}..{hi}", span, f"a baseline is a score from {lo} to {hi}")
            return False
        return True

    def attr_value(self, kind: str, attr: str, value: ast.Value, who: str):
        """Convert an attribute value by its declared kind; None after an error."""
        spec = ATTRIBUTE_KINDS[kind][attr]
        what = f"{attr} of {who}"
        if spec == _DIST:
            return self.dist(value, spec, what)
        if spec == _BASELINE:
            d = self.dist(value, spec, what)
            if d is not None and not self.baseline_ok(d, value.span, who):
                return None
            return d
        return self.scalar(value, spec, what, _UNITS.get(attr))

    def attrs(self, kind: str, attrs: tuple[ast.Attr, ...], who: str,
              allowed: tuple[str, ...] | None = None) -> dict[str, tuple[object, ast.Attr]]:
        """Validate ``attrs`` of a ``kind`` declaration: name -> (value, node)."""
        allowed = allowed or tuple(attributes_of(kind))
        out: dict[str, tuple[object, ast.Attr]] = {}
        for a in attrs:
            name = a.name.text
            if name not in allowed:
                hint = did_you_mean(name, allowed) or (
                    f"{kind} takes " + ", ".join(allowed) if allowed else
                    f"this {kind} takes no attributes")
                self.err("E204", f"unknown attribute '{name}' for {kind} {who}"
                         if allowed else f"{kind} {who} takes no attribute '{name}'",
                         a.name.span, hint)
                continue
            if name in out:
                self.err("E205", f"attribute '{name}' is given twice", a.name.span,
                         "remove one of them")
                continue
            out[name] = (self.attr_value(kind, name, a.value, who), a)
        return out

    def declare(self, name: ast.Name, kind: str) -> bool:
        if name.text in RESERVED:
            self.err("E203", f"'{name.text}' is a reserved word and cannot name "
                     f"{a_or_an(kind)}",
                     name.span, "choose another name")
            return False
        if name.text in self.decls:
            other_kind, other = self.decls[name.text]
            where = f" at line {other.line}" if other.path == name.span.path else \
                f" in {other.path}:{other.line}"
            self.err("E202", f"'{name.text}' is already declared as {a_or_an(other_kind)}"
                     f"{where}",
                     name.span, "every persona, stage and event needs its own name")
            return False
        self.decls[name.text] = (kind, name.span)
        return True

    def persona_ref(self, name: ast.Name) -> str | None:
        if name.text in self.persona_names:
            return name.text
        if name.text in self.broken_personas:
            return None  # its declaration is the error, reported there
        self.unknown(name, "persona", self.persona_names)
        return None

    def unknown(self, name: ast.Name, kind: str, candidates):
        if self.import_failed and kind in ("persona", "stage", "event"):
            return
        hint = did_you_mean(name.text, candidates)
        if not hint and self.decls.get(name.text):
            hint = f"'{name.text}' is {a_or_an(self.decls[name.text][0])}"
        self.err("E201", f"unknown {kind} '{name.text}'", name.span, hint)

    def per_persona(self, kind: str, who: str, base: dict, overrides, attrs: tuple[str, ...],
                    defaults: dict) -> dict[str, list]:
        """Dense per-persona values: the declaration's, then each ``for`` line's."""
        # A value with an error (None, reported) stands in as the default: the declaration
        # still exists for everything that refers to it, and the model is not returned.
        values = {a: [base[a][0] if base.get(a, (None,))[0] is not None else defaults[a]]
                  * len(self.persona_names) for a in attrs}
        seen: dict[str, Span] = {}
        for ov in overrides:
            q = self.persona_ref(ov.persona)
            got = self.attrs(kind, ov.attrs, f"{who} for {ov.persona.text}", attrs)
            if q is None:
                continue
            if q in seen:
                self.err("E205", f"persona '{q}' already has a 'for' line here (line "
                         f"{seen[q].line})", ov.persona.span, "merge the two lines")
                continue
            seen[q] = ov.span
            if not ov.attrs:
                self.warn("W006", f"'for {q}' changes nothing", ov.span)
            i = self.persona_names.index(q)
            for a, (v, _) in got.items():
                if v is not None:
                    values[a][i] = v
        return values

    # --------------------------------------------------------------- run
    def run(self, module: ast.Module, base_dir: str | None) -> ir.Model | None:
        statements = self.flatten(module, base_dir)
        by_kind: dict[type, list] = {}
        for st in statements:
            by_kind.setdefault(type(st), []).append(st)

        def single(kind, what):
            items = by_kind.get(kind, [])
            for extra in items[1:]:
                self.err("E209", f"'{what}' is given more than once (first at "
                         f"{items[0].span.path}:{items[0].span.line})", extra.span,
                         "keep one")
            return items[0] if items else None

        journey = single(ast.Journey, "journey")
        scale_st = single(ast.Scale, "scale")
        customers_st = single(ast.Customers, "customers")
        seed_st = single(ast.Seed, "seed")
        goal_st = single(ast.Goal, "goal")

        if scale_st is not None:
            lo = self.integer(scale_st.lo, "the low end of the scale", -10**6, 10**6)
            hi = self.integer(scale_st.hi, "the high end of the scale", -10**6, 10**6)
            if lo is not None and hi is not None:
                if lo >= hi:
                    self.err("E305", f"scale {lo}..{hi} is empty: the low end must be "
                             "below the high end", scale_st.span, "e.g. scale 0..10")
                elif hi - lo > MAX_SCALE_WIDTH:
                    self.err("E305", f"scale {lo}..{hi} is wider than {MAX_SCALE_WIDTH} "
                             "points", scale_st.span)
                else:
                    self.scale = (lo, hi)
        customers = (self.integer(customers_st.count, "customers", 1, MAX_CUSTOMERS)
                     if customers_st else None)
        seed = self.integer(seed_st.value, "seed", 0, 2**63 - 1) if seed_st else None

        personas = self.personas(by_kind.get(ast.Persona, []), module)
        stages = self.stages(by_kind.get(ast.Stage, []), module)
        stage_names = [s.name for s in stages]

        self.declared_events = {e.name.text: e.stage.text
                                for e in reversed(by_kind.get(ast.Event, []))}
        events = self.events(by_kind.get(ast.Event, []), stages, [], {})
        goal = stage_names[-1] if stage_names else ""
        if goal_st is not None:
            if goal_st.stage.text in stage_names:
                goal = goal_st.stage.text
            else:
                self.unknown(goal_st.stage, "stage", stage_names)
        if self.d.has_errors and not personas:
            return None

        model = ir.Model(
            title=journey.title.value if journey else None, scale=self.scale,
            customers=customers, seed=seed, personas=tuple(personas), stages=tuple(stages),
            goal=goal, events=tuple(events))
        # targets are also met or missed by the scenarios and sweeps, whose values count
        lowest_value = min([0.0] + [p.value for p in personas] + [
            float(n.value) for n in _written_values(statements, "value")
            if n.value is not None])
        targets = self.targets(by_kind.get(ast.Target, []), model, lowest_value)
        model = dataclasses.replace(model, targets=tuple(targets))
        scenarios = self.scenarios(by_kind.get(ast.Scenario, []), model)
        model = dataclasses.replace(model, scenarios=tuple(scenarios))
        sweeps = self.sweeps(
            [s for s in statements if isinstance(s, (ast.SweepRange, ast.SweepList))], model)
        model = dataclasses.replace(model, sweeps=tuple(sweeps))
        if personas and stages:
            self.warnings(model, by_kind)
        return None if self.d.has_errors else model

    # ------------------------------------------------------------ personas
    def personas(self, decls: list[ast.Persona], module: ast.Module) -> list[ir.Persona]:
        raw: list[tuple] = []
        allowed = attributes_of("persona")
        rejected = False
        for p in decls:
            new = self.declare(p.name, "persona")
            got = self.attrs("persona", p.attrs, p.name.text)
            for required in ("share", "baseline"):
                written = [a.name.text for a in p.attrs]
                # an unknown attribute on the line most likely stands for the missing one:
                # its E204 lists what a persona takes, one message for one mistake
                misspelled = any(w not in allowed for w in written)
                if required not in written and not misspelled:
                    example = "share=30%" if required == "share" else "baseline=8"
                    self.err("E206", f"persona {p.name.text} needs {required}=...",
                             p.name.span, f"e.g. {example}")
            if not new:
                rejected = True
                if p.name.text in RESERVED:
                    self.broken_personas.add(p.name.text)
                continue  # a rejected persona has no customers and no share
            self.persona_names.append(p.name.text)
            raw.append((p, got))
        if not decls:
            where = Span.point(module.path)
            if not self.import_failed:
                self.err("E010", "the journey has no persona", where,
                         'add one, e.g. persona buyer "Buyer" share=100% baseline=7')
            return []
        if not raw:
            return []
        shares = [got.get("share", (None,))[0] for _, got in raw]
        total = math.fsum(s for s in shares if s is not None)
        if all(s is not None for s in shares):
            if total <= 0:
                self.err("E308", "the shares of the personas add up to 0", raw[0][0].span,
                         "give at least one persona a positive share")
            elif not rejected:
                written = [got["share"][1].value for _, got in raw]
                if all(n.is_percent for n in written) and abs(total - 1.0) > 1e-9:
                    self.warn("W001", f"persona shares add up to {total * 100:g}%, not 100%",
                              raw[0][0].span, "they are used as relative weights (normalised)")
                elif any(n.is_percent for n in written) and not all(
                        n.is_percent for n in written):
                    odd = next(n for n in written if n.is_percent != written[0].is_percent)
                    self.warn("W001", "persona shares mix percentages and plain weights: "
                              f"'{written[0].raw}' and '{odd.raw}'", odd.span,
                              "write every share as a percentage, or every one as a weight")
        if total <= 0 or any(s is None for s in shares):
            # stand-ins after a reported error: the rest of the file is still checked
            shares, total = [1.0] * len(raw), float(len(raw))
        out = []
        for (p, got), share in zip(raw, shares):
            baseline = got.get("baseline", (None,))[0]
            value = got.get("value", (None,))[0]
            out.append(ir.Persona(p.name.text, p.label.value if p.label else None,
                                  share / total,
                                  ir.Const(float(self.scale[0])) if baseline is None
                                  else baseline,
                                  0.0 if value is None else value))
        return out

    # -------------------------------------------------------------- stages
    def stages(self, decls: list[ast.Stage], module: ast.Module) -> list[ir.Stage]:
        out = []
        if not decls:
            if not self.import_failed:
                self.err("E011", "the journey has no stage", Span.point(module.path),
                         'add stages in journey order, e.g. stage Attract "Awareness" '
                         "advance=60%")
            return []
        for i, s in enumerate(decls):
            new = self.declare(s.name, "stage")
            last = i == len(decls) - 1
            got = self.attrs("stage", s.attrs, s.name.text)
            if last:
                # once per attribute and line: a repeated one is E205 already
                lines = [{a.name.text: a for a in reversed(s.attrs)}]
                lines += [{a.name.text: a for a in reversed(ov.attrs)} for ov in s.overrides]
                for attrs in lines:
                    for name in ("advance", "slope"):
                        if name in attrs:
                            self.err("E309", f"{name} on the last stage {s.name.text} "
                                     "means nothing: nobody advances past it",
                                     attrs[name].span, "remove it")
            values = self.per_persona("stage", s.name.text, got, s.overrides,
                                      ("advance", "slope"), {"advance": 1.0, "slope": 0.0})
            if not new:
                self.broken_stages.add(s.name.text)
            else:
                out.append(ir.Stage(s.name.text, s.label.value if s.label else None,
                                    tuple(values["advance"]), tuple(values["slope"])))
        return out

    # -------------------------------------------------------------- events
    def event(self, e: ast.Event, stages: list[ir.Stage], known: list[ir.Event],
              spans: dict[str, Span], in_scenario: str | None = None) -> ir.Event | None:
        """Check one event against the stages and the events declared before it."""
        who = e.name.text
        got = self.attrs("event", e.attrs, who)
        stage_names = [s.name for s in stages]
        stage = e.stage.text
        placed = stage in stage_names
        if not placed and stage not in self.broken_stages:
            self.unknown(e.stage, "stage", stage_names)
        # a condition with an error (reported) stands in as no condition
        when = self.cond(e.when, e, stage, stages, known) if e.when is not None else None
        values = self.per_persona("event", who, got, e.overrides, ("p", "impact"),
                                  {"p": 1.0, "impact": ir.Const(0.0)})
        if not placed:
            # events that refer to this one are not told it is unknown
            self.unplaced_events.add(who)
            return None
        return ir.Event(who, e.label.value if e.label else None, stage, tuple(values["p"]),
                        tuple(values["impact"]), when)

    def events(self, decls, stages, known, spans) -> list[ir.Event]:
        out = list(known)
        for e in decls:
            if not self.declare(e.name, "event"):
                self.attrs("event", e.attrs, e.name.text)  # its own mistakes still count
                continue
            ev = self.event(e, stages, out, spans)
            spans[e.name.text] = e.name.span
            if ev is not None:
                out.append(ev)
        return out[len(known):]

    def cond(self, c: ast.Cond, owner: ast.Event, stage: str, stages: list[ir.Stage],
             known: list[ir.Event]) -> ir.Cond | None:
        stage_pos = {s.name: i for i, s in enumerate(stages)}
        here = stage_pos.get(stage)

        def walk(node):
            if isinstance(node, ast.Ref):
                name = node.name.text
                if name in RESERVED:
                    self.err("E203", f"'{name}' is a keyword, not an event: the condition "
                             "is incomplete", node.span,
                             "a condition joins events and score comparisons, as in "
                             "'when glitch and not score < 5'")
                    return None
                if name == owner.name.text:
                    self.err("E401", f"event {name} cannot depend on itself", node.span,
                             "a condition refers to events that happened before")
                    return None
                prior = next((k for k in known if k.name == name), None)
                if prior is None:
                    if name in self.unplaced_events:
                        return None  # its own stage is the error, reported there
                    if name in self.removed_events:
                        self.err("E604", f"event {owner.name.text} refers to {name}, which "
                                 f"{self.removed_events[name]}", node.span,
                                 f"keep {name}, or drop it from the condition")
                        return None
                    later = self.declared_events.get(name)  # declared further down
                    if later is None:
                        self.unknown(node.name, "event", [k.name for k in known])
                        return None
                    pos = stage_pos.get(later)
                    if pos is None:
                        return None  # its stage is unknown: reported at that event
                    if here is None or pos < here:
                        return ir.Ref(name)  # an earlier stage: the order in the file is free
                    where = (f"is declared further down at the same stage {later}"
                             if pos == here else f"happens at the later stage {later}")
                    self.err("E401", f"event {owner.name.text} at {stage} refers to {name}, "
                             f"which {where}", node.span,
                             "an event may refer only to events at an earlier stage, or "
                             "declared earlier at the same stage")
                    return None
                if here is not None and stage_pos.get(prior.stage, -1) > here:
                    self.err("E401", f"event {owner.name.text} at {stage} refers to "
                             f"{name}, which happens at the later stage {prior.stage}",
                             node.span, "an event may refer only to events at an earlier "
                             "stage, or declared earlier at the same stage")
                    return None
                return ir.Ref(name)
            if isinstance(node, ast.ScoreCmp):
                v = self.plain(node.value, "the score", _SCORE)
                return None if v is None else ir.ScoreCmp(node.op, v)
            if isinstance(node, ast.Not):
                inner = walk(node.operand)
                return None if inner is None else ir.Not(inner)
            parts = [walk(o) for o in node.operands]
            if any(p is None for p in parts):
                return None
            return (ir.And if isinstance(node, ast.And) else ir.Or)(tuple(parts))

        return walk(c)

    # ------------------------------------------------------------- targets
    def targets(self, decls: list[ast.Target], model: ir.Model,
                lowest_value: float) -> list[ir.Target]:
        """``lowest_value``: the lowest persona value the file sets anywhere (or 0)."""
        out = []
        for t in decls:
            metric = t.metric.text
            if metric not in METRICS:
                self.err("E207", f"unknown metric '{metric}'", t.metric.span,
                         did_you_mean(metric, METRICS) or "metrics: " + ", ".join(METRICS))
                continue
            if t.op not in ir.TARGET_OPS:
                self.err("E207", f"a target compares with >=, >, <= or <, not '{t.op}'",
                         t.op_span or t.span)
                continue
            if metric == "nps" and not model.has_nps:
                lo, hi = model.scale
                self.err("E608", f"nps is defined on a 0..10 scale only; this journey's "
                         f"scale is {lo}..{hi}", t.metric.span, "use csat or mean instead")
                continue
            v = (self.plain(t.threshold, "a mean target", _SCORE)
                 if metric == "mean" else
                 self.plain(t.threshold, "a revenue target", "money per customer")
                 if metric == "revenue" else self.number(t.threshold))
            if v is None:
                continue
            if metric in ("nps", "csat") and not t.threshold.is_percent and 0 < abs(v) < 1:
                self.warn("W007", f"{metric} is in points out of 100: '{t.threshold.raw}' "
                          f"is {v:g} of a point", t.threshold.span,
                          f"for {v * 100:g} points write {v * 100:g} or {v * 100:g}%")
            if metric == "conversion" and not t.threshold.is_percent and not 0 <= v <= 1:
                self.err("E302", f"conversion is a share; '{t.threshold.raw}' is not one",
                         t.threshold.span, f"write it as a percentage, e.g. {v:g}%")
                continue
            if metric in ("nps", "csat") and t.threshold.is_percent:
                v *= 100  # csat and nps are already in points out of 100
            lo, hi = model.scale
            reach = {"nps": (-100, 100), "csat": (0, 100), "conversion": (0, 1),
                     "mean": (lo, hi),
                     # revenue: the mean value over all customers, converted or not
                     "revenue": (lowest_value, math.inf)}[metric]
            lo_r, hi_r = reach
            never = {">=": v > hi_r, ">": v >= hi_r, "<=": v < lo_r, "<": v <= lo_r}[t.op]
            always = {">=": v <= lo_r, ">": v < lo_r, "<=": v >= hi_r, "<": v > hi_r}[t.op]
            if never or always:
                shown = (f"runs from {lo_r * 100:g}% to {hi_r * 100:g}%"
                         if metric == "conversion" else
                         "cannot be negative while no value is" if lo_r == 0
                         and metric == "revenue" else f"is at least {lo_r:,g} here"
                         if metric == "revenue" else f"runs from {lo_r:g} to {hi_r:g}")
                self.err("E302", f"{metric} {shown}, so 'target {metric} {t.op} "
                         f"{t.threshold.raw}' is {'always met' if always else 'never met'}",
                         t.threshold.span, "a target should be one the forecast can miss")
                continue
            persona = None
            if t.persona is not None:
                persona = self.persona_ref(t.persona)
                if persona is None:
                    continue
            out.append(ir.Target(metric, t.op, v, persona))
        return out

    # ----------------------------------------------------------- scenarios
    def path(self, p: ast.Path, model: ir.Model, extra_events=()) -> ir.PathRef | None:
        target = p.target.text
        kind = None
        if any(q.name == target for q in model.personas):
            kind = "persona"
        elif any(s.name == target for s in model.stages):
            kind = "stage"
        elif any(e.name == target for e in model.events) or target in extra_events:
            kind = "event"
        if kind is None and target in self.removed_events:
            self.err("E602", f"'{p}' names event {target}, which "
                     f"{self.removed_events[target]}", p.target.span,
                     f"set {p.attr.text} before removing {target}, or keep it")
            return None
        if kind is None and (self.import_failed or target in (
                self.unplaced_events | self.broken_stages | self.broken_personas)):
            return None  # its declaration has errors of its own (reported there)
        if kind is None:
            names = ([q.name for q in model.personas] + [s.name for s in model.stages]
                     + [e.name for e in model.events])
            self.err("E602", f"'{p}' names nothing: there is no persona, stage or event "
                     f"'{target}'", p.target.span, did_you_mean(target, names))
            return None
        attrs = ir.ATTRIBUTES[kind]
        if p.attr.text not in attrs:
            self.err("E602", f"{kind} {target} has no attribute '{p.attr.text}'",
                     p.attr.span, did_you_mean(p.attr.text, attrs)
                     or f"{a_or_an(kind)} has " + ", ".join(attrs))
            return None
        persona = None
        if p.persona is not None:
            if not attrs[p.attr.text]:
                self.err("E603", f"{kind} attribute '{p.attr.text}' is not per persona; "
                         f"drop '[{p.persona.text}]'", p.persona.span)
                return None
            persona = self.persona_ref(p.persona)
            if persona is None:
                return None
        return ir.PathRef(kind, target, p.attr.text, persona)

    def scenarios(self, decls: list[ast.Scenario], model: ir.Model) -> list[ir.Scenario]:
        by_name: dict[str, ast.Scenario] = {}
        for s in decls:
            if s.name.text in RESERVED:
                self.err("E203", f"'{s.name.text}' is a reserved word and cannot name a "
                         "scenario", s.name.span)
            elif s.name.text in by_name:
                self.err("E202", f"scenario '{s.name.text}' is already declared at line "
                         f"{by_name[s.name.text].name.span.line}", s.name.span)
            else:
                by_name[s.name.text] = s
        # extends: names exist, no cycles
        bad: set[str] = set()
        for s in by_name.values():
            for i, parent in enumerate(s.extends):
                if parent.text in (p.text for p in s.extends[:i]):
                    self.err("E205", f"scenario {s.name.text} extends {parent.text} twice",
                             parent.span, "name each scenario once")
                    bad.add(s.name.text)
                elif parent.text not in by_name:
                    self.unknown(parent, "scenario", list(by_name))
                    bad.add(s.name.text)
        state: dict[str, int] = {}

        def visit(name: str, trail: list[str]) -> None:
            if state.get(name) == 2:
                return
            if state.get(name) == 1:
                loop = trail[trail.index(name):] + [name]
                s = by_name[trail[-1]]
                span = next(p.span for p in s.extends if p.text == name)
                self.err("E601", "scenarios extend each other in a cycle: "
                         + " -> ".join(loop), span)
                bad.update(loop)
                return
            state[name] = 1
            for parent in by_name[name].extends:
                if parent.text in by_name:
                    visit(parent.text, trail + [name])
            state[name] = 2

        for name in by_name:
            visit(name, [])

        out: dict[str, ir.Scenario] = {}
        # changes, checked against the model each scenario starts from
        order = list(by_name)
        done: set[str] = set()
        while order:
            progressed = False
            for name in list(order):
                s = by_name[name]
                parents = [p.text for p in s.extends]
                if name in bad or any(p in bad for p in parents):
                    bad.add(name)
                    order.remove(name)
                    progressed = True
                    continue
                if not all(p in done for p in parents):
                    continue
                sc = self.scenario(s, model, out)
                order.remove(name)
                progressed = True
                if sc is None:
                    bad.add(name)
                else:
                    out[name] = sc
                    done.add(name)
            if not progressed:
                break
        return [out[s.name.text] for s in decls if s.name.text in out]

    def scenario(self, s: ast.Scenario, model: ir.Model,
                 done: dict[str, ir.Scenario]) -> ir.Scenario | None:
        who = f"scenario {s.name.text}"
        got = self.attrs("scenario", s.attrs, s.name.text)
        cost = got.get("cost", (None,))[0]
        if not s.items and not s.extends and len(got) == len(s.attrs):
            if cost is not None:
                self.warn("W004", f"{who} has a cost but changes nothing", s.span,
                          "the cost is only used to weigh a change against its effect")
            else:
                self.warn("W005", f"{who} changes nothing", s.span)
        base = dataclasses.replace(model, scenarios=tuple(done.values()))
        current = ir.with_scenario(
            dataclasses.replace(base, scenarios=base.scenarios + (
                ir.Scenario(s.name.text, None, None, tuple(p.text for p in s.extends), ()),)),
            s.name.text)
        # events gone from the scenario's model, and who removed them, for the messages
        remaining = {e.name for e in current.events}
        self.removed_events = {e.name: "the scenarios it extends remove" for e in model.events
                               if e.name not in remaining}
        removals: dict[str, ast.Remove] = {}
        assigned: dict[ir.PathRef, Span] = {}
        changes: list[ir.Change] = []
        ok = True
        for item in s.items:
            change = self.scenario_item(item, current, who)
            if change is None:
                ok = False
                continue
            if isinstance(change, ir.RemoveEvent):
                removals[change.name] = item
                self.removed_events[change.name] = f"{who} removes"
            if isinstance(change, ir.SetAttr):
                if change.path in assigned:
                    self.err("E205", f"{who} sets {change.path} twice (first at line "
                             f"{assigned[change.path].line})", item.path.span,
                             "keep one of the two lines")
                    ok = False
                    continue
                assigned[change.path] = item.span
            changes.append(change)
            current = ir.apply_change(current, change)
        self.removed_events = {}
        # an event may be removed together with the events whose conditions refer to it,
        # in any order: what counts is what remains at the end
        for name, item in removals.items():
            users = [e.name for e in current.events if name in ir.cond_refs(e.when)]
            if users:
                self.err("E604", f"{who} removes {name}, but the condition of "
                         f"{', '.join(users)} refers to it", item.span,
                         f"remove {users[0]} too, or change its condition")
                ok = False
        if not ok:
            return None
        return ir.Scenario(s.name.text, s.label.value if s.label else None, cost,
                           tuple(p.text for p in s.extends), tuple(changes))

    def scenario_item(self, item, current: ir.Model, who: str) -> ir.Change | None:
        if isinstance(item, ast.Remove):
            name = item.event.text
            if not any(e.name == name for e in current.events):
                if name in self.removed_events:
                    self.err("E602", f"event {name} is removed already: "
                             f"{self.removed_events[name]} it", item.event.span)
                    return None
                self.unknown(item.event, "event", [e.name for e in current.events])
                return None
            return ir.RemoveEvent(name)
        if isinstance(item, ast.Event):
            name = item.name.text
            if name in RESERVED:
                self.err("E203", f"'{name}' is a reserved word and cannot name an event",
                         item.name.span)
                return None
            if any(e.name == name for e in current.events) or (
                    name in self.decls and self.decls[name][0] != "event"):
                self.err("E202", f"{who} adds event '{name}', but that name is taken",
                         item.name.span, "give the new event its own name")
                return None
            ev = self.event(item, list(current.stages), list(current.events), {})
            return None if ev is None else ir.AddEvent(ev)
        path = self.path(item.path, current)
        if path is None:
            return None
        kind = {"persona": "persona", "stage": "stage", "event": "event"}[path.kind]
        if path.kind == "stage" and path.target == current.stages[-1].name:
            self.err("E309", f"{path.attr} on the last stage {path.target} means nothing",
                     item.span)
            return None
        whom = path.target + (f" for {path.persona}" if path.persona else "")
        value = self.attr_value(kind, path.attr, item.value, whom)
        if value is None:
            return None
        if path.attr == "share" and value == 0 and all(
                q.share == 0 or q.name == path.target for q in current.personas):
            self.err("E308", "this change leaves every persona with a share of 0", item.span)
            return None
        return ir.SetAttr(path, value)

    # --------------------------------------------------------------- sweeps
    def sweeps(self, decls, model: ir.Model) -> list[ir.Sweep]:
        extra = {c.event.name for sc in model.scenarios for c in sc.changes
                 if isinstance(c, ir.AddEvent)}
        out = []
        seen: dict[ir.PathRef, Span] = {}
        for sw in decls:
            path = self.path(sw.path, model, extra)
            if path is None:
                continue
            if path in seen:
                self.err("E605", f"'{path}' is swept twice (first at line "
                         f"{seen[path].line})", sw.path.span, "merge the two sweeps")
                continue
            seen[path] = sw.span
            if path.kind == "stage" and path.target == model.stages[-1].name:
                self.err("E309", f"{path.attr} on the last stage {path.target} means "
                         "nothing: nobody advances past it", sw.path.span)
                continue
            unit = _UNITS.get(path.attr)
            written = (sw.values if isinstance(sw, ast.SweepList)
                       else (sw.start, sw.stop, sw.step))
            pct = next((n for n in written if n.is_percent), None)
            if unit and pct is not None:
                self.plain(pct, f"{path.attr} of {path.target}", unit)
                continue
            values = self.sweep_values(sw)
            if values is None:
                continue
            kind = {"share": _NONNEG, "advance": _PROB, "p": _PROB}.get(path.attr, _NUMBER)
            ok = True
            for v, node in values:
                shown = _spelled(Decimal(repr(v)), node)
                if kind == _PROB and not 0 <= v <= 1:
                    self.err("E606", f"sweep of {path} reaches {shown}, which is not a "
                             "probability", node.span, "keep the values within 0%..100%")
                    ok = False
                    break
                if kind == _NONNEG and v < 0:
                    self.err("E606", f"sweep of {path} reaches {shown}; a share must be "
                             ">= 0", node.span)
                    ok = False
                    break
                if path.attr == "baseline" and not model.scale[0] <= v <= model.scale[1]:
                    self.err("E606", f"sweep of {path} reaches {shown}, outside the scale "
                             f"{model.scale[0]}..{model.scale[1]}", node.span)
                    ok = False
                    break
            if not ok:
                continue
            out.append(ir.Sweep(path, tuple(v for v, _ in values)))
            if isinstance(sw, ast.SweepRange) and values[-1][0] != float(sw.stop.value):
                start, stop = sw.start.value, sw.stop.value
                self.warn("W008", f"the sweep stops at "
                          f"{_spelled(Decimal(repr(values[-1][0])), sw.stop)}, not at "
                          f"{sw.stop.raw}", sw.step.span,
                          f"a step that divides {_spelled(stop - start, sw.stop)} reaches "
                          "the end")
        total = math.prod(len(s.values) for s in out) if out else 0
        if total > MAX_SWEEP_POINTS:
            self.err("E605", f"the sweeps make a grid of {total:,} points; the limit is "
                     f"{MAX_SWEEP_POINTS:,}", decls[-1].span, "use coarser steps")
        return out

    def sweep_values(self, sw) -> list[tuple[float, ast.Number]] | None:
        if isinstance(sw, ast.SweepList):
            if not sw.values:
                self.err("E605", "a sweep needs at least one value", sw.span)
                return None
            vals = [(self.number(n), n) for n in sw.values]
            if any(v is None for v, _ in vals):
                return None
            return vals
        start, stop, step = (sw.start.value, sw.stop.value, sw.step.value)
        for n in (sw.start, sw.stop, sw.step):
            self.number(n)
        if start is None or stop is None or step is None:
            return None
        if step <= 0:
            self.err("E605", f"the step of a sweep must be positive; got '{sw.step.raw}'",
                     sw.step.span)
            return None
        if stop < start:
            self.err("E605", f"the sweep goes from {sw.start.raw} down to {sw.stop.raw}",
                     sw.span, "write the smaller value after 'from'")
            return None
        count = int((stop - start) / step) + 1
        if count > MAX_SWEEP_POINTS:
            self.err("E605", f"this sweep has {count:,} points; the limit is "
                     f"{MAX_SWEEP_POINTS:,}", sw.step.span, "use a coarser step")
            return None
        # exact decimal arithmetic: 0% to 20% step 1% gives exactly 21 points
        vals = [start + step * Decimal(i) for i in range(count)]
        last = vals[-1]
        if last > stop:
            vals.pop()
        # values rise from the start: the first one out of range is the start itself, or
        # one the walk up to the stop reaches, so the stop is the number to change
        return [(float(v), sw.start if i == 0 else sw.stop) for i, v in enumerate(vals)]

    # -------------------------------------------------------------- warnings
    def warnings(self, model: ir.Model, by_kind) -> None:
        spans = {e.name.text: e for e in by_kind.get(ast.Event, [])}
        stage_spans = {s.name.text: s for s in by_kind.get(ast.Stage, [])}
        impossible: set[str] = set()
        # p=0% in the baseline and raised by a scenario or a sweep: a change being weighed
        raised = {c.path.target for sc in model.scenarios for c in sc.changes
                  if isinstance(c, ir.SetAttr) and c.path.kind == "event"
                  and c.path.attr == "p"}
        raised |= {sw.path.target for sw in model.sweeps
                   if sw.path.kind == "event" and sw.path.attr == "p"}
        for ev in model.events:
            node = spans.get(ev.name)
            if node is None:
                continue
            if all(p == 0 for p in ev.p) and ev.name in raised:
                continue
            if all(p == 0 for p in ev.p):
                impossible.add(ev.name)
                self.warn("W002", f"event {ev.name} can never happen: p is 0% for every "
                          "persona", node.name.span)
            elif ev.when is not None and not _satisfiable(ev.when, impossible):
                impossible.add(ev.name)
                self.warn("W002", f"event {ev.name} can never happen: its condition "
                          "can never hold", node.when.span if node.when else node.span)
        for i, st in enumerate(model.stages[:-1]):
            if all(a == 0 for a in st.advance):
                nxt = model.stages[i + 1].name
                self.warn("W003", f"no customer can reach stage {nxt}: advance at "
                          f"{st.name} is 0% for every persona", stage_spans[nxt].name.span)
                break


def _written_values(statements, attr: str):
    """Every number the scenarios and sweeps of ``statements`` give to ``X.attr``."""
    for st in statements:
        if isinstance(st, ast.Scenario):
            for item in st.items:
                if (isinstance(item, ast.Assign) and item.path.attr.text == attr
                        and isinstance(item.value, ast.Number)):
                    yield item.value
        elif isinstance(st, ast.SweepList) and st.path.attr.text == attr:
            yield from st.values
        elif isinstance(st, ast.SweepRange) and st.path.attr.text == attr:
            yield from (st.start, st.stop)


def _spelled(value: Decimal, like: ast.Number) -> str:
    """``value`` written the way ``like`` is: as a percentage or a plain number."""
    if like.is_percent:
        return f"{(value * 100).normalize():f}%"
    return f"{value.normalize():f}"


def _satisfiable(c: ir.Cond, impossible: set[str]) -> bool:
    """Whether some combination of past events and some score makes ``c`` true.

    Events that can never happen count as false; the score may be any real number (within
    a stage it is not yet clamped)."""
    refs = sorted(set(ir.cond_refs(c)) - impossible)
    if len(refs) > 12:
        return True
    cuts = sorted({node.value for node in _walk(c) if isinstance(node, ir.ScoreCmp)})
    points = [float("-inf"), float("inf")] + cuts
    points += [(a + b) / 2 for a, b in zip(cuts, cuts[1:])]
    points += [x - 1 for x in cuts] + [x + 1 for x in cuts]
    for bits in itertools.product((False, True), repeat=len(refs)):
        happened = {r for r, b in zip(refs, bits) if b}
        if any(ir.cond_holds(c, happened, s) for s in points):
            return True
    return False


def _walk(c: ir.Cond):
    stack = [c]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ir.Not):
            stack.append(node.operand)
        elif isinstance(node, (ir.And, ir.Or)):
            stack.extend(node.operands)
