"""The canonical layout of a .cxj file: a syntax tree printed back as text.

`cxdsl fmt` (through :mod:`cxdsl.tooling.formatter`, which proves the result means the same)
and `cxdsl fit` (which writes fitted values back into a spec) both print with it.

The layout:

* one statement per line; single spaces between words; no space around ``=`` in
  attributes (``share=30%``), one on each side in scenario assignments
  (``demo_glitch.p = 1%``); ``, `` between list items and arguments; ``v: w`` in
  ``discrete``; ``LO..HI`` in ``scale`` (``LO .. HI`` when HI is written with a
  leading dot, as in ``.5``, which would not read back otherwise);
* attributes in a fixed order: persona ``share baseline value``, stage ``advance slope``,
  event ``p impact`` (then ``at`` and ``when``), scenario ``extends`` then ``cost
  running_cost``;
  unknown attributes keep their order after the known ones;
* ``for`` lines indented 2 under their stage or event; scenario block items indented 2
  (their ``for`` lines 4) with the closing ``}`` on its own line; an empty block is ``{}``;
* in conditions, a group of ``and`` or ``or`` is parenthesised whenever it is an operand
  (``a or (b and c)``), so the grouping never depends on precedence rules;
* numbers and strings exactly as written (``5%``, ``200_000``, ``+1.5``);
* consecutive ``persona`` lines, and consecutive ``stage`` lines, are aligned in columns;
  so are the ``for`` lines of one declaration, and consecutive ``uncertain`` lines, whose
  ``~`` share a column after the longest path (``uncertain PATH ~ DIST``, one space on
  each side of ``~``; ``worlds W`` is a line of its own). The name and label columns are always
  aligned; the attribute columns after them are aligned in order while each column's
  cells have similar widths (:data:`ATTR_SPREAD`), and from the first ragged column on the
  attributes follow with single spaces. A blank line ends a column group; comments and
  ``for`` lines do not. Padding never pushes a line past :data:`LINE_LIMIT` characters
  (the group is then not aligned). Events are not aligned: their labels and conditions
  vary too much for columns to help;
* every comment is kept. A comment on its own line keeps its place, indented like the line
  after it; a trailing comment stays on its line, two spaces after the code, and the
  trailing comments of consecutive lines share a column while the lines' lengths differ
  by at most :data:`COMMENT_SPREAD` characters;
* a run of blank lines becomes one blank line; blank lines at the start and end of the
  file, right after ``{``, right before ``}`` and before a ``for`` line are dropped;
* the file ends with one newline; lines end in ``\\r\\n`` when the file's first line did,
  else ``\\n``; trailing whitespace is removed; a leading byte-order mark is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.attributes import ATTRIBUTES, attributes_of
from . import ast, parser

#: Alignment never pads a line past this many characters.
LINE_LIMIT = 100

#: Canonical attribute order per declaration kind (unknown attributes follow, in order).
ATTRIBUTE_ORDER: dict[str, tuple[str, ...]] = {
    decl: attributes_of(decl) for decl in ATTRIBUTES}

#: An attribute column is aligned only while its cells differ in width by at most this
#: much (``advance=5%`` and ``advance=100%`` are; ``baseline=8`` and
#: ``baseline=normal(7, 1)`` are not); from a ragged column on, attributes flow.
ATTR_SPREAD = 6

#: Trailing comments of consecutive lines share a column while the lines' code lengths
#: differ by at most this much; a line much longer or shorter starts a new column.
COMMENT_SPREAD = 24

_BLANK_CHARS = " \t\f\r"

#: Statements whose consecutive lines are aligned in columns.
_COLUMN_GROUPS = ("persona", "stage", "uncertain")


def sort_attrs(attrs: tuple[ast.Attr, ...], kind: str) -> list[ast.Attr]:
    """``attrs`` in canonical order for a declaration of ``kind`` (a stable sort)."""
    order = ATTRIBUTE_ORDER.get(kind, ())
    rank = {name: i for i, name in enumerate(order)}
    return sorted(attrs, key=lambda a: rank.get(a.name.text, len(order)))


def value_text(v: ast.Value) -> str:
    if isinstance(v, ast.Number):
        return v.raw
    args = ", ".join(a.value.raw if a.weight is None else f"{a.value.raw}: {a.weight.raw}"
                     for a in v.args)
    return f"{v.func.text}({args})"


def attr_text(a: ast.Attr) -> str:
    return f"{a.name.text}={value_text(a.value)}"


def cond_text(c: ast.Cond, nested: bool = False) -> str:
    """A condition; ``and``/``or`` groups are parenthesised when ``nested``."""
    # iterative over `not` chains, recursive over groups (the parser bounds the depth)
    prefix = ""
    while isinstance(c, ast.Not):
        prefix += "not "
        c, nested = c.operand, True
    if isinstance(c, ast.Ref):
        return prefix + c.name.text
    if isinstance(c, ast.ScoreCmp):
        return f"{prefix}score {c.op} {c.value.raw}"
    word = " and " if isinstance(c, ast.And) else " or "
    text = word.join(cond_text(o, True) for o in c.operands)
    return prefix + (f"({text})" if nested else text)


def path_text(p: ast.Path) -> str:
    return str(p)


def _label(s: ast.String | None) -> str:
    return s.raw if s is not None else ""


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


# ------------------------------------------------------------------------------ lines


@dataclass
class _Line:
    """One output line, remembering where its content started in the source."""

    src_line: int
    src_col: int
    indent: int
    kind: str            # statement kind, "for", "item", "close", "comment"
    cells: list = field(default_factory=list)  # [(key, text)], or [] for `text`
    text: str = ""
    group: object = None  # for-lines: the owner they align with
    trailing: str | None = None
    blank_before: bool = False
    opens_block: bool = False
    also_at: tuple[int, int] | None = None  # another (line, col) its content came from


def _cells_decl(keyword: str, name: ast.Name, label: ast.String | None,
                attrs: tuple[ast.Attr, ...], kind: str) -> list:
    cells = [("name", f"{keyword} {name.text}"), ("label", _label(label))]
    return cells + _attr_cells(attrs, kind)


def _attr_cells(attrs: tuple[ast.Attr, ...], kind: str) -> list:
    order = ATTRIBUTE_ORDER.get(kind, ())
    cells, seen, rest = [], {}, []
    for a in sort_attrs(attrs, kind):
        name = a.name.text
        if name in order:
            n = seen.get(name, 0)
            seen[name] = n + 1
            cells.append(((order.index(name), n), attr_text(a)))
        else:
            rest.append(attr_text(a))
    if rest:
        cells.append(((len(order), 0), " ".join(rest)))
    return cells


def _for_lines(clauses: tuple[ast.ForClause, ...], kind: str, indent: int, owner) -> list:
    return [_Line(c.span.line, c.span.col, indent, "for",
                  [("name", f"for {c.persona.text}")] + _attr_cells(c.attrs, kind),
                  group=owner)
            for c in clauses]


def _event_text(e: ast.Event) -> str:
    when = f"when {cond_text(e.when)}" if e.when is not None else ""
    return _join("event", e.name.text, _label(e.label),
                 *(attr_text(a) for a in sort_attrs(e.attrs, "event")), "at",
                 e.stage.text, when)


def _statement_lines(s: ast.Statement, comments: list[ast.Comment]) -> list[_Line]:
    sp = s.span

    def simple(text: str) -> list[_Line]:
        return [_Line(sp.line, sp.col, 0, type(s).__name__.lower(), text=text)]

    if isinstance(s, ast.Journey):
        return simple(f"journey {s.title.raw}")
    if isinstance(s, ast.Scale):
        # `0...5` does not lex as 0 .. .5: a bound written with a leading dot gets spaces
        sep = " .. " if s.hi.raw.lstrip("+-").startswith(".") else ".."
        return simple(f"scale {s.lo.raw}{sep}{s.hi.raw}")
    if isinstance(s, ast.Customers):
        return simple(f"customers {s.count.raw}")
    if isinstance(s, ast.Seed):
        return simple(f"seed {s.value.raw}")
    if isinstance(s, ast.Import):
        return simple(f"import {s.path.raw}")
    if isinstance(s, ast.Goal):
        return simple(f"goal {s.stage.text}")
    if isinstance(s, ast.Survey):
        where = s.stage.text if s.stage is not None else "end"
        return simple(_join("survey", s.name.text, _label(s.label), "at", where))
    if isinstance(s, ast.Volume):
        per = f" per {s.period.text}" if s.period is not None else ""
        return simple(f"volume {s.count.raw}{per}")
    if isinstance(s, ast.Target):
        tail = f" for {s.persona.text}" if s.persona is not None else ""
        metric = f"{s.survey.text}.{s.metric.text}" if s.survey is not None else s.metric.text
        return simple(f"target {metric} {s.op} {s.threshold.raw}{tail}")
    if isinstance(s, ast.SweepRange):
        return simple(f"sweep {path_text(s.path)} from {s.start.raw} to {s.stop.raw} "
                      f"step {s.step.raw}")
    if isinstance(s, ast.SweepList):
        return simple(f"sweep {path_text(s.path)} in [{', '.join(v.raw for v in s.values)}]")
    if isinstance(s, ast.Uncertain):
        return [_Line(sp.line, sp.col, 0, "uncertain",
                      [("name", f"uncertain {path_text(s.path)}"),
                       ("dist", f"~ {value_text(s.dist)}")])]
    if isinstance(s, ast.Worlds):
        return simple(f"worlds {s.count.raw}")
    if isinstance(s, ast.Persona):
        return [_Line(sp.line, sp.col, 0, "persona",
                      _cells_decl("persona", s.name, s.label, s.attrs, "persona"))]
    if isinstance(s, ast.Stage):
        return ([_Line(sp.line, sp.col, 0, "stage",
                       _cells_decl("stage", s.name, s.label, s.attrs, "stage"))]
                + _for_lines(s.overrides, "stage", 2, id(s)))
    if isinstance(s, ast.Event):
        return ([_Line(sp.line, sp.col, 0, "event", text=_event_text(s))]
                + _for_lines(s.overrides, "event", 2, id(s)))
    if isinstance(s, ast.Scenario):
        return _scenario_lines(s, comments)
    raise TypeError(f"cannot print a {type(s).__name__}")  # pragma: no cover


def _scenario_lines(s: ast.Scenario, comments: list[ast.Comment]) -> list[_Line]:
    sp = s.span
    extends = "extends " + ", ".join(n.text for n in s.extends) if s.extends else ""
    head = _join("scenario", s.name.text, _label(s.label), extends,
                 *(attr_text(a) for a in sort_attrs(s.attrs, "scenario")))
    if not s.has_block:
        return [_Line(sp.line, sp.col, 0, "scenario", text=head)]
    inner_comment = any(sp.start < c.span.start < sp.end for c in comments)
    if not s.items and not inner_comment:
        # `{` and `}` may be on different lines: a comment after the `}` stays with it
        return [_Line(sp.line, sp.col, 0, "scenario", text=head + " {}",
                      also_at=(sp.end_line, sp.end_col - 1))]
    lines = [_Line(sp.line, sp.col, 0, "scenario", text=head + " {", opens_block=True)]
    for item in s.items:
        isp = item.span
        if isinstance(item, ast.Assign):
            lines.append(_Line(isp.line, isp.col, 2, "item",
                               text=f"{path_text(item.path)} = {value_text(item.value)}"))
        elif isinstance(item, ast.Remove):
            lines.append(_Line(isp.line, isp.col, 2, "item", text=f"remove {item.event.text}"))
        else:
            lines.append(_Line(isp.line, isp.col, 2, "item", text=_event_text(item)))
            lines.extend(_for_lines(item.overrides, "event", 4, id(item)))
    # the closing brace is the last character of the scenario's span
    lines.append(_Line(sp.end_line, sp.end_col - 1, 0, "close", text="}"))
    return lines


# ------------------------------------------------------------------------- comments


def comment_texts(text: str, path: str = "<string>") -> list[tuple[str, bool]]:
    """Every comment of ``text`` as written (to the end of its line, trailing blanks
    removed), with whether it stands on its own line."""
    lines = text.split("\n")
    out = []
    for c in parser.comments(text, path):
        line = lines[c.span.line - 1]
        out.append((line[c.span.col - 1:].rstrip(_BLANK_CHARS), c.own_line))
    return out


# --------------------------------------------------------------------------- layout


def _render_cells(cells: list, widths: dict | None) -> str:
    """A line's cells: those of the aligned columns padded to ``widths``, the rest after
    them with single spaces."""
    if widths is None:
        return " ".join(t for _, t in cells if t)
    have = dict(cells)
    aligned = [have.get(k, "").ljust(w) for k, w in widths.items()]
    rest = [t for k, t in cells if k not in widths and t]
    return " ".join(aligned + rest).rstrip()


def _widths(members: list[_Line]) -> dict | None:
    """Column widths for a group: the name and label columns, then each attribute column
    in order while its cells are of similar widths (a ragged one and all after it flow)."""
    widest: dict = {}
    narrowest: dict = {}
    for m in members:
        for k, t in m.cells:
            widest[k] = max(widest.get(k, 0), len(t))
            narrowest[k] = min(narrowest.get(k, len(t)), len(t))
    widths = {"name": widest.get("name", 0)}
    if widest.get("label", 0):
        widths["label"] = widest["label"]
    for k in sorted(k for k in widest if k not in ("name", "label")):
        if widest[k] - narrowest[k] > ATTR_SPREAD:
            break
        widths[k] = widest[k]
    for m in members:
        padded = len(_render_cells(m.cells, widths)) + m.indent
        if padded > LINE_LIMIT and padded > len(_render_cells(m.cells, None)) + m.indent:
            return None
    return widths


def _align(lines: list[_Line]) -> None:
    """Fill in ``text`` for every line with cells, aligning column groups."""
    groups: list[list[_Line]] = []
    run: list[_Line] = []
    run_kind = None
    for ln in lines:
        if ln.blank_before:
            run, run_kind = [], None
        if ln.kind in ("comment", "for"):
            continue
        if ln.kind in _COLUMN_GROUPS and ln.indent == 0:
            if ln.kind != run_kind:
                run, run_kind = [], ln.kind
                groups.append(run)
            run.append(ln)
        else:
            run, run_kind = [], None
    owners: dict = {}
    for ln in lines:
        if ln.kind == "for":
            if ln.group not in owners:
                owners[ln.group] = []
                groups.append(owners[ln.group])
            owners[ln.group].append(ln)
    for members in groups:
        widths = _widths(members) if len(members) > 1 else None
        for m in members:
            m.text = _render_cells(m.cells, widths)


def _layout(module: ast.Module, text: str) -> str:
    src = text.split("\n")
    blank = [False] + [ln.strip(_BLANK_CHARS) == "" for ln in src]  # 1-based
    comments = list(module.comments)
    lines: list[_Line] = []
    for s in module.statements:
        lines.extend(_statement_lines(s, comments))

    # comments: own-line ones become lines; trailing ones join the line they sit on
    texts = comment_texts(text, module.path)
    by_line: dict[int, list[tuple[int, _Line]]] = {}
    for ln in lines:
        by_line.setdefault(ln.src_line, []).append((ln.src_col, ln))
        if ln.also_at is not None:
            by_line.setdefault(ln.also_at[0], []).append((ln.also_at[1], ln))
    extra: list[_Line] = []
    for c, (body, own) in zip(comments, texts):
        owner = None
        if not own:
            on_line = [(col, ln) for col, ln in by_line.get(c.span.line, ())
                       if col < c.span.col]
            owner = max(on_line, key=lambda x: x[0], default=(0, None))[1]
        if owner is not None and owner.trailing is None:
            owner.trailing = body
        else:
            extra.append(_Line(c.span.line, c.span.col, 0, "comment", text=body))
    lines = sorted(lines + extra, key=lambda ln: (ln.src_line, ln.src_col))

    # blank lines between groups
    prev = None
    for ln in lines:
        prev_end = prev.also_at[0] if prev is not None and prev.also_at else (
            prev.src_line if prev is not None else 0)
        if prev is not None and ln.src_line > prev_end + 1:
            ln.blank_before = any(blank[prev_end + 1: ln.src_line])
        if prev is None or prev.opens_block or ln.kind in ("close", "for"):
            ln.blank_before = False
        prev = ln

    # own-line comments take the indentation of what follows them
    following = None
    for ln in reversed(lines):
        if ln.kind == "comment":
            if following is None:
                ln.indent = 0
            elif following.kind == "close":
                ln.indent = 2
            else:
                ln.indent = following.indent
        else:
            following = ln
    _align(lines)

    # trailing comments: two spaces after the code, aligned over consecutive lines
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        if lines[i].trailing is not None:
            lo = hi = lines[i].indent + len(lines[i].text)
            while (j + 1 < len(lines) and lines[j + 1].trailing is not None
                   and not lines[j + 1].blank_before):
                n = lines[j + 1].indent + len(lines[j + 1].text)
                if max(hi, n) - min(lo, n) > COMMENT_SPREAD:
                    break
                lo, hi, j = min(lo, n), max(hi, n), j + 1
        col = max(ln.indent + len(ln.text) for ln in lines[i:j + 1]) + 2
        for ln in lines[i:j + 1]:
            if ln.blank_before:
                out.append("")
            code = " " * ln.indent + ln.text
            if ln.trailing is not None:
                code = code.ljust(col) + ln.trailing
            out.append(code.rstrip(_BLANK_CHARS))
        i = j + 1

    if not out:
        return ""
    newline = "\r\n" if src[0].endswith("\r") else "\n"
    return newline.join(out) + newline


def format_module(module: ast.Module, text: str) -> str:
    """The canonical layout of ``module``, parsed from ``text`` (no verification)."""
    return _layout(module, text)


__all__ = ["ATTRIBUTE_ORDER", "COMMENT_SPREAD", "LINE_LIMIT", "comment_texts", "cond_text",
           "format_module", "path_text", "sort_attrs", "value_text"]
