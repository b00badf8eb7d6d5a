"""Stage 1: text -> :class:`cxdsl.lang.ast.Module`.

Lark (LALR, positions on) parses with ``grammar/cxj.lark``; a separate Transformer builds
the frozen AST. Syntax errors become friendly diagnostics; after one, the offending line is
blanked out and the lines around it are parsed again (not the whole file), so a file's
syntax errors are reported together at a cost linear in its size.
"""

from __future__ import annotations

import gc
import re
from decimal import Decimal, InvalidOperation

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedInput,
    VisitError,
)

from . import ast, syntax_errors
from .diagnostics import Diagnostics, Span, did_you_mean
from .grammar import COMMENT_SCAN, STATEMENT_KEYWORDS, STRING_OR_COMMENT, WORD, lark_parser
from .grammar import grammar_text as grammar_text  # also read as parser.grammar_text()
from .grammar import keywords as keywords  # also read as parser.keywords()
from .syntax_site import BRACES

#: Deepest condition nesting accepted (``not not ...``, ``a and (b or (c ...))``).
MAX_NESTING = 64
#: Syntax errors reported per file before giving up.
MAX_SYNTAX_ERRORS = 20


# ------------------------------------------------------------------------------ numbers

_NUMBER_OK = re.compile(
    r"[+-]?(\d+(_\d+)*)?(\.\d+(_\d+)*)?([eE][+-]?\d+)?%?")


def number_value(raw: str) -> Decimal | None:
    """Exact value of a number literal; ``5%`` is 0.05. None when malformed."""
    if not _NUMBER_OK.fullmatch(raw) or not re.search(r"\d", raw.split("e")[0].split("E")[0]):
        return None
    pct = raw.endswith("%")
    body = raw[:-1] if pct else raw
    try:
        value = Decimal(body.replace("_", ""))
        if not value.is_finite():
            return None
        return value / 100 if pct else value
    except (InvalidOperation, ArithmeticError):  # e.g. an exponent beyond Decimal's range
        return None


_ESCAPE = re.compile(r"\\(.)")


def _unescape(raw: str) -> str:
    """The text of a quoted string: `\\"` and `\\\\` are its only escapes (the grammar
    takes no other)."""
    return _ESCAPE.sub(lambda m: m.group(1), raw[1:-1])


# ---------------------------------------------------------------------------- transformer

def _built(node: type, *convert):
    """A transformer method for a rule whose node is ``node`` of the rule's children, each
    through its converter (a method of :class:`_ToAst`), and the rule's span."""
    @v_args(meta=True)
    def method(self, meta, children):
        return node(*(c(self, child) for c, child in zip(convert, children)), self._span(meta))
    return method


class _ToAst(Transformer):
    """Lark tree -> AST nodes. ``for`` lines stay loose here; :func:`_attach` places them."""

    def __init__(self, path: str):
        super().__init__()
        self._file = path

    def _span(self, meta) -> Span:
        return Span(self._file, meta.line, meta.column, meta.end_line, meta.end_column,
                    meta.start_pos, meta.end_pos)

    def _tspan(self, tok: Token) -> Span:
        return Span.of_token(self._file, tok)

    def _name(self, tok: Token | None) -> ast.Name | None:
        return None if tok is None else ast.Name(str(tok), self._tspan(tok))

    def _string(self, tok: Token | None) -> ast.String | None:
        return None if tok is None else ast.String(_unescape(str(tok)), str(tok),
                                                   self._tspan(tok))

    def _number(self, tok: Token) -> ast.Number:
        raw = str(tok)
        return ast.Number(raw, number_value(raw), raw.endswith("%"), self._tspan(tok))

    def _as_is(self, child):
        return child

    # values
    @v_args(meta=True)
    def number(self, meta, children):
        return self._number(children[0])

    @v_args(meta=True)
    def arg(self, meta, children):
        value, weight = children
        return ast.Arg(self._number(value), None if weight is None else self._number(weight),
                       self._span(meta))

    @v_args(meta=True)
    def call(self, meta, children):
        func, *args = children
        args = tuple(a for a in args if a is not None)
        return ast.Call(self._name(func), args, self._span(meta))

    attr = _built(ast.Attr, _name, _as_is)
    path = _built(ast.Path, _name, _name, _name)

    # conditions
    ref = _built(ast.Ref, _name)

    @v_args(meta=True)
    def score_cmp(self, meta, children):
        return ast.ScoreCmp(str(children[0]), self._number(children[1]), self._span(meta))

    not_ = _built(ast.Not, _as_is)

    @v_args(meta=True)
    def and_cond(self, meta, children):
        return ast.And(tuple(children), self._span(meta))

    @v_args(meta=True)
    def or_cond(self, meta, children):
        return ast.Or(tuple(children), self._span(meta))

    # statements
    journey = _built(ast.Journey, _string)
    scale = _built(ast.Scale, _number, _number)
    customers = _built(ast.Customers, _number)
    seed = _built(ast.Seed, _number)
    import_stmt = _built(ast.Import, _string)

    @v_args(meta=True)
    def persona(self, meta, children):
        name, label, *attrs = children
        return ast.Persona(self._name(name), self._string(label), tuple(attrs),
                           self._span(meta))

    @v_args(meta=True)
    def stage(self, meta, children):
        name, label, *attrs = children
        return ast.Stage(self._name(name), self._string(label), tuple(attrs), (),
                         self._span(meta))

    goal = _built(ast.Goal, _name)

    @v_args(meta=True)
    def survey(self, meta, children):
        name, label, where = children
        stage = None if where.type == "END" else self._name(where)
        return ast.Survey(self._name(name), self._string(label), stage, self._span(meta))

    volume = _built(ast.Volume, _number, _name)

    @v_args(meta=True)
    def event(self, meta, children):
        name, label, *rest = children
        attrs = tuple(c for c in rest[:-2])
        stage, when = rest[-2], rest[-1]
        return ast.Event(self._name(name), self._string(label), attrs, self._name(stage),
                         when, (), self._span(meta))

    @v_args(meta=True)
    def for_line(self, meta, children):
        persona, *attrs = children
        return ast.ForClause(self._name(persona), tuple(attrs), self._span(meta))

    @v_args(meta=True)
    def target(self, meta, children):
        first, second, op, threshold, persona = children
        survey, metric = (None, first) if second is None else (first, second)
        return ast.Target(self._name(metric), str(op), self._number(threshold),
                          self._name(persona), self._span(meta), self._tspan(op),
                          self._name(survey))

    def extends(self, children):
        return ("extends", tuple(self._name(t) for t in children))

    def block(self, children):
        return ("block", tuple(children))

    @v_args(meta=True)
    def scenario(self, meta, children):
        name, label, extends, *rest = children
        block = rest[-1]
        attrs = tuple(rest[:-1])
        return ast.Scenario(self._name(name), self._string(label),
                            extends[1] if extends else (), attrs,
                            block[1] if block else (), block is not None, self._span(meta))

    assign = _built(ast.Assign, _as_is, _as_is)
    remove = _built(ast.Remove, _name)
    sweep_range = _built(ast.SweepRange, _as_is, _number, _number, _number)

    @v_args(meta=True)
    def sweep_list(self, meta, children):
        path, *values = children
        return ast.SweepList(path, tuple(self._number(v) for v in values if v is not None),
                             self._span(meta))

    uncertain = _built(ast.Uncertain, _as_is, _as_is)
    worlds = _built(ast.Worlds, _number)

    def start(self, children):
        return list(children)


def _attach(items: list, diags: Diagnostics) -> tuple:
    """Give each ``for`` line to the stage or event right above it."""
    out: list = []
    for item in items:
        if isinstance(item, ast.ForClause):
            owner = out[-1] if out else None
            if isinstance(owner, (ast.Stage, ast.Event)):
                out[-1] = type(owner)(**{**owner.__dict__,
                                         "overrides": owner.overrides + (item,)})
            else:
                diags.error("E105", "a 'for' line must come right after a stage or an "
                            "event", item.span,
                            "per-persona values belong to the stage or event above them")
            continue
        if isinstance(item, ast.Scenario) and item.items:
            item = ast.Scenario(**{**item.__dict__, "items": _attach(list(item.items), diags)})
        out.append(item)
    return tuple(out)


# ---------------------------------------------------------------------------- comments


def comments(text: str, path: str) -> tuple[ast.Comment, ...]:
    """Every ``#`` comment of ``text`` (strings skipped), with whether it stands alone."""
    found = []
    line_no, line_start = 1, 0
    for line in text.split("\n"):
        for m in COMMENT_SCAN.finditer(line):
            if m.group().startswith("#"):
                body = m.group().rstrip("\r")
                col = m.start() + 1
                off = line_start + m.start()
                found.append(ast.Comment(
                    body, Span(path, line_no, col, line_no, col + len(body), off,
                               off + len(body)),
                    own_line=line[: m.start()].strip() == ""))
        line_no += 1
        line_start += len(line) + 1
    return tuple(found)


def _paren_too_deep(text: str) -> int | None:
    """Offset of the first '(' nested deeper than MAX_NESTING (strings and comments
    skipped), or None."""
    if text.count("(") <= MAX_NESTING:
        return None
    depth = 0
    for m in re.finditer(STRING_OR_COMMENT + r"|[()\n]", text):
        ch = m.group()
        if ch == "(":
            depth += 1
            if depth > MAX_NESTING:
                return m.start()
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "\n":
            depth = 0
    return None


_CONDITION_OPERATORS = frozenset({"not_", "and_cond", "or_cond"})


def _too_deep(tree: Tree) -> Tree | None:
    """The first condition operator (`not`, `and`, `or`) nested inside more than
    MAX_NESTING others, found without recursion."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in _CONDITION_OPERATORS:
            depth += 1
            if depth > MAX_NESTING:
                return node
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth))
    return None


#: A line where a statement that stands outside blocks can start (``for`` lines belong to
#: the statement above them).
_STATEMENT_LINE = re.compile(r"[ \t\f]*(?:" + "|".join(
    k for k in STATEMENT_KEYWORDS if k != "for") + r")(?![A-Za-z0-9_])")


def _parse_region(work: str, start: int, end: int) -> Tree:
    """The Lark tree of ``work[start:end]`` (``start`` a line start), positions as in
    ``work``: the text before is handed over as blanks, which the lexer takes in two
    tokens."""
    lines = work.count("\n", 0, start)
    return lark_parser().parse(" " * (start - lines) + "\n" * lines + work[start:end])


def _chunk_around(work: str, lo: int, offset: int) -> tuple[int, int]:
    """(start, end) of the lines around the syntax error at ``offset``, from the last
    statement start at or before its line to the first after it, both outside scenario
    blocks; ``lo`` is such a statement start at or before the error."""
    error_line = work.rfind("\n", 0, offset) + 1
    start, at, depth, n = lo, lo, 0, len(work)
    while at < n:
        end = work.find("\n", at)
        end = n if end < 0 else end + 1
        if depth == 0 and _STATEMENT_LINE.match(work, at):
            if at > error_line:
                return start, at
            start = at
        if "{" in work[at:end] or "}" in work[at:end]:
            for m in BRACES.finditer(work, at, end):
                depth = (depth + 1 if m.group() == "{" else
                         max(0, depth - 1) if m.group() == "}" else depth)
        at = end
    return start, n


def _error_offset(exc: UnexpectedInput, n: int) -> int:
    tok = getattr(exc, "token", None)
    if ((tok is not None and tok.type == "$END") or exc.pos_in_stream is None
            or exc.pos_in_stream < 0):  # the end of the input
        return n
    return min(exc.pos_in_stream, n)


def _parse_tree(work: str, path: str, diags: Diagnostics) -> Tree | None:
    """The Lark tree of ``work``, syntax errors reported; None when parsing gave up.

    After an error, only the lines around it (from a statement start to the next, outside
    blocks) are parsed again, with the mistake blanked out, until they parse: recovery
    stays linear in the file's size. The lines before the error parse as they are and
    parsing goes on after the chunk."""
    trees, pos, n, errors = [], 0, len(work), 0
    while pos < n:
        try:
            trees.append(_parse_region(work, pos, n))
            break
        except UnexpectedInput as exc:
            start, end = _chunk_around(work, pos, _error_offset(exc, n))
        if start > pos:
            trees.append(_parse_region(work, pos, start))
        while True:
            try:
                trees.append(_parse_region(work, start, end))
                break
            except UnexpectedInput as exc:
                errors += 1
                diag, blanked = syntax_errors.explain(exc, work[:end], path)
                diags.error(*diag)
                if blanked == work[:end] or errors > MAX_SYNTAX_ERRORS:
                    return None
                work = blanked + work[end:]
        pos = end
    return Tree("start", [child for t in trees for child in t.children])


def parse(text: str, path: str = "<string>", diags: Diagnostics | None = None
          ) -> ast.Module | None:
    """Parse ``text`` into a Module, appending syntax errors to ``diags``.

    Returns None only when nothing could be parsed at all."""
    diags = diags if diags is not None else Diagnostics()
    # The trees hold no reference cycles; the cycle collector, run again and again over a
    # large file's growing trees, would make parsing slower than linear in its size.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _parse(text, path, diags)
    finally:
        if collecting:
            gc.enable()


def _parse(text: str, path: str, diags: Diagnostics) -> ast.Module | None:
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # a BOM: keep every offset
    lone_cr = re.search(r"\r(?!\n)", text)
    if lone_cr is not None and "\n" not in text:
        # old Mac line endings: the whole file would read as one line
        diags.error("E101", "unexpected character U+000D (a carriage return)",
                    Span.of(path, text, lone_cr.start()),
                    "this file uses CR line endings; save it with LF or CRLF")
        return None
    work = text if text.endswith("\n") else text + "\n"
    deep_paren = _paren_too_deep(work)
    if deep_paren is not None:
        diags.error("E005", f"parentheses nest more than {MAX_NESTING} levels deep",
                    Span.of(path, work, deep_paren),
                    "split the condition into events whose conditions refer to each other")
        return None
    tree = _parse_tree(work, path, diags)
    if tree is None:
        return None
    deep = _too_deep(tree)
    if deep is not None:
        m = deep.meta
        where = (Span(path, m.line, m.column, m.line, m.column + 1, m.start_pos, m.start_pos + 1)
                 if not m.empty else Span.point(path))
        diags.error("E005", f"condition is nested more than {MAX_NESTING} levels deep",
                    where, "split it into events whose conditions refer to each other")
        return None
    try:
        items = _ToAst(path).transform(tree)
    except VisitError as exc:  # pragma: no cover - a bug in the transformer
        raise exc.orig_exc from None
    statements = _attach(_glued_keywords(items, text, diags), diags)
    return ast.Module(path, statements, comments(text, path))


def _glued_keywords(items: list, text: str, diags: Diagnostics) -> list:
    """Drop, with an error, statements whose keyword is glued to the word after it."""
    out = []
    for item in items:
        m = None if isinstance(item, ast.Assign) else WORD.match(text, item.span.start)
        if m and m.group() not in STATEMENT_KEYWORDS + ("remove",):
            word = m.group()
            diags.error("E103", f"unknown statement '{word}'",
                        Span.of(item.span.path, text, m.start(), m.end()),
                        did_you_mean(word, STATEMENT_KEYWORDS)
                        or "a line starts with one of: " + ", ".join(STATEMENT_KEYWORDS))
            continue
        glued = _glued_in_condition(item, text)
        if glued is not None:
            kw, start, word = glued
            diags.error("E104", f"'{word}' runs '{kw}' into the name after it",
                        Span.of(item.span.path, text, start, start + len(word)),
                        f"put a space after '{kw}': {kw} {word[len(kw):]}")
            continue
        if isinstance(item, ast.Scenario) and item.items:
            item = ast.Scenario(**{**item.__dict__,
                                   "items": tuple(_glued_keywords(list(item.items), text,
                                                                  diags))})
        out.append(item)
    return out


def _glued_in_condition(item, text: str) -> tuple[str, int, str] | None:
    """(keyword, offset, word) of a `when`, `and` or `or` glued to the name after it in
    an event's condition, or None.

    Where only `when`, `and`, `or` or the end of the line can come, the lexer reads
    `whenx` as `when x` and `andfix` as `and fix`: the whole word is found in the text."""
    if not isinstance(item, ast.Event) or item.when is None:
        return None
    starts = [("when", item.when)]
    stack = [item.when]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Not):
            stack.append(node.operand)
        elif isinstance(node, (ast.And, ast.Or)):
            kw = "and" if isinstance(node, ast.And) else "or"
            starts += [(kw, right) for right in node.operands[1:]]
            stack.extend(node.operands)
    for kw, operand in starts:
        start = operand.span.start - len(kw)
        if text[start:operand.span.start] == kw and WORD.match(text, operand.span.start):
            return kw, start, WORD.match(text, start).group()
    return None
