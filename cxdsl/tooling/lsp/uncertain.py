"""What the language server says about uncertain values: the hover of an ``uncertain`` line
(its distribution's mean and the range of 95% of its draws, in the attribute's unit), and
the notes that a declaration's or an attribute's hover adds when a value is uncertain.

Numbers come from the compiled model (``ir.Uncertain``); the distribution is quoted as the
user wrote it. Without a model (the file has errors) the line's text alone is shown.
"""

from __future__ import annotations

from ...lang import ast
from ...lang.printer import value_text
from ...model import ir
from ...model.attributes import ATTRIBUTES, NON_NEGATIVE, PROBABILITY, SCORE_VALUE
from .index import Analysis
from .vocabulary import number_text

#: The middle share of a distribution's draws a hover shows the range of.
RANGE = 0.95


def entries(a: Analysis) -> list[tuple[ast.Uncertain, ir.Uncertain | None]]:
    """Each ``uncertain`` line of the document with its checked value (None when the file
    does not compile)."""
    checked = {str(u.path): u for u in (a.model.uncertain if a.model is not None else ())}
    return [(st, checked.get(str(st.path))) for st in a.index.uncertain]


def _sig(x: float) -> str:
    """``x`` to 3 significant digits, without an exponent: 8,080, 1.06, 0.204."""
    v = float(f"{x:.3g}")
    return f"{v:,.10f}".rstrip("0").rstrip(".") if v else "0"


def _formatter(u: ir.Uncertain, written: str):
    """How a number at ``u``'s path is shown, and its unit after a range: a percentage for
    a probability (and for a share written in percent), a signed number of points for an
    impact, else a plain number."""
    kind = ATTRIBUTES[u.path.kind][u.path.attr].kind
    if kind == PROBABILITY or (kind == NON_NEGATIVE and "%" in written):
        return (lambda x: _sig(x * 100) + "%"), ""
    if kind == SCORE_VALUE:
        return (lambda x: ("+" if x > 0 else "") + _sig(x)), " points"
    return _sig, ""


def summary(u: ir.Uncertain, written: str) -> str:
    """``mean 5%, 95% of worlds draw 1.06%–11.7%`` for one uncertain value."""
    show, unit = _formatter(u, written)
    tail = (1.0 - RANGE) / 2
    lo, hi = u.dist.quantile(tail), u.dist.quantile(1.0 - tail)
    return (f"mean {show(u.dist.mean())}{unit}, {RANGE:.0%} of worlds draw "
            f"{show(lo)}–{show(hi)}{unit}")


def _declared_note(a: Analysis, u: ir.Uncertain) -> str | None:
    """For a baseline or impact declared as a distribution: what a world's draw sets."""
    if a.model is None or u.path.attr not in ("baseline", "impact"):
        return None
    if u.path.kind == "persona":
        values = [p.baseline for p in a.model.personas if p.name == u.path.target]
    else:
        ev = next((e for e in a.model.events if e.name == u.path.target), None)
        values = list(ev.impact) if ev is not None else []
    shaped = [d for d in values if not isinstance(d, ir.Const)]
    if not shaped:
        return None
    return (f"a world's draw is the mean of the declared {shaped[0].text(number_text)}; "
            "its spread stays")


def line_hover(a: Analysis, st: ast.Uncertain,
               u: ir.Uncertain | None) -> str:
    """The Markdown hover of one ``uncertain`` line."""
    written = value_text(st.dist)
    lines = [f"**uncertain** `{st.path}` ~ `{written}`", ""]
    if u is None:
        lines.append("each world of a forecast draws this value (its range shows once the "
                     "file checks clean)")
        return "\n".join(lines)
    lines.append(f"each world of a forecast draws it: {summary(u, written)}")
    note = _declared_note(a, u)
    if note:
        lines += ["", note]
    certain = [sc.name for sc in a.model.scenarios
               if any(isinstance(c, ir.SetAttr) and c.path.target == u.path.target
                      and c.path.attr == u.path.attr
                      and c.path.persona in (None, u.path.persona)
                      for c in ir.scenario_changes(a.model, sc.name))]
    if certain:
        lines += ["", "certain in " + ", ".join(f"`{n}`" for n in certain)
                  + " (set there)"]
    return "\n".join(lines)


def notes(a: Analysis, target: str, attr: str | None = None,
          persona: str | None = None) -> list[str]:
    """Markdown lines naming the uncertain values of declaration ``target`` (of one
    attribute, and of one persona with the every-persona ones, when given)."""
    out = []
    for st, u in entries(a):
        p = st.path
        if p.target.text != target or (attr is not None and p.attr.text != attr):
            continue
        q = p.persona.text if p.persona else None
        if persona is not None and q not in (None, persona):
            continue
        written = value_text(st.dist)
        out.append(f"- `{p}` ~ `{written}`" + (f": {summary(u, written)}" if u else ""))
    return (["", "**uncertain** in a forecast:"] + out) if out else []


# ----------------------------------------------------------------------- completion

#: The value a distribution's snippet centres on when the model does not say, by attribute.
_DEFAULT_CENTER = {"p": 0.05, "advance": 0.5, "share": 0.5, "impact": -1.0, "baseline": 7.0,
                   "value": 1000.0, "slope": 0.2}


def _number(x: float) -> str:
    """``x`` as a spec writes it, 3 significant digits: 2.5, -0.75, 12_000."""
    v = float(f"{x:.3g}")
    return f"{v:_.10f}".rstrip("0").rstrip(".") if v else "0"


def _current(a: Analysis, path: ir.PathRef) -> float | None:
    """The value ``path`` has now (a distribution's mean), or None: from the model when the
    file compiles, else from the number its declaration writes (a file being typed)."""
    if a.model is None:
        return _written_value(a, path)
    owners = {"event": a.model.events, "stage": a.model.stages, "persona": a.model.personas}
    owner = next((o for o in owners[path.kind] if o.name == path.target), None)
    value = getattr(owner, path.attr, None)
    if isinstance(value, tuple):  # per persona, in the model's persona order
        names = [p.name for p in a.model.personas]
        value = value[names.index(path.persona) if path.persona in names else 0]
    if value is None:
        return None
    return float(value.mean()) if hasattr(value, "mean") else float(value)


def _written_value(a: Analysis, path: ir.PathRef) -> float | None:
    """The number the declaration of ``path`` writes for it (its ``for`` line's for a
    persona), or None."""
    decl = a.decls().get((path.kind, path.target))
    if decl is None:
        return None
    node = decl.node
    lists = [c.attrs for c in getattr(node, "overrides", ())
             if path.persona is not None and c.persona.text == path.persona]
    for attrs in lists + [node.attrs]:
        for attr in attrs:
            if attr.name.text == path.attr and isinstance(attr.value, ast.Number) \
                    and attr.value.value is not None:
                return float(attr.value.value)
    return None


def _arguments(form: str, kind: str, c: float) -> list[str]:
    """The default numbers of ``form``'s snippet for an attribute of ``kind`` whose value
    is ``c`` now: valid text, centred on ``c``."""
    if kind in (PROBABILITY, NON_NEGATIVE):
        c = min(max(c, 0.01), 0.99)
        if form == "beta":
            k = 100.0 if kind == PROBABILITY else 20.0  # a + b: how sure the value is
            return [_number(c * k), _number((1.0 - c) * k)]
        lo, hi = c / 2, min(1.0, c * 1.5)

        def show(x: float) -> str:
            return _number(x * 100) + "%"
    else:
        s = abs(c) / 4 or 0.5
        lo, hi, show = c - s, c + s, _number
        if form == "normal":
            return [show(c), show(s)]
    if form == "discrete":
        return [f"{show(lo)}: 50%", f"{show(hi)}: 50%"]
    return [show(lo), show(c), show(hi)] if form == "triangular" else [show(lo), show(hi)]


def distribution_snippets(a: Analysis, path: ir.PathRef, forms: tuple[str, ...]
                          ) -> list[tuple[str, str, str]]:
    """(form, snippet, text) for each of ``forms`` after ``uncertain PATH ~``: its numbers
    as placeholders centred on the path's current value, so accepting them gives valid
    text."""
    kind = ATTRIBUTES[path.kind][path.attr].kind
    current = _current(a, path)
    c = _DEFAULT_CENTER.get(path.attr, 0.0) if current is None else current
    out = []
    for form in forms:
        args = _arguments(form, kind, c)
        holes = ", ".join(f"${{{i}:{x}}}" for i, x in enumerate(args, 1))
        out.append((form, f"{form}({holes})", f"{form}({', '.join(args)})"))
    return out
