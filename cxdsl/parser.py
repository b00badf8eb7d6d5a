"""Stage 1: text -> :class:`cxdsl.ast.Module`.

Lark (LALR, positions on) parses with ``grammar/cxj.lark``; a separate Transformer builds
the frozen AST. Syntax errors become friendly diagnostics; after one, the offending line is
blanked out and parsing resumes, so a file's syntax errors are reported together.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    VisitError,
)

from . import ast
from .diagnostics import Diagnostics, Span, did_you_mean

#: Deepest condition nesting accepted (``not not ...``, ``a and (b or (c ...))``).
MAX_NESTING = 64
#: Syntax errors reported per file before giving up.
MAX_SYNTAX_ERRORS = 20


def grammar_text() -> str:
    """The text of ``cxj.lark``: installed as the ``cxdsl.grammar`` package data, or read
    from the source tree's ``grammar/`` when running from a checkout."""
    try:
        return resources.files("cxdsl.grammar").joinpath("cxj.lark").read_text("utf-8")
    except ModuleNotFoundError:
        from pathlib import Path

        return (Path(__file__).resolve().parent.parent / "grammar" / "cxj.lark").read_text(
            "utf-8")


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    # The contextual lexer lets a keyword serve as a name where only a name fits, so the
    # checker can say "reserved word"; it also reads `stageX` at the start of a line as
    # `stage X`, which :func:`_glued_keywords` reports.
    return Lark(grammar_text(), parser="lalr", propagate_positions=True,
                maybe_placeholders=True, cache=True)


@lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """Every keyword of the grammar (the words a highlighter should know), sorted."""
    words = set()
    for term in lark_parser().terminals:
        pat = term.pattern
        if pat.type == "str" and re.fullmatch(r"[A-Za-z_]+", pat.value):
            words.add(pat.value)
    return tuple(sorted(words))


STATEMENT_KEYWORDS = ("journey", "scale", "customers", "seed", "import", "persona", "stage",
                      "goal", "event", "for", "target", "scenario", "sweep")


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


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  raw[1:-1])


# ---------------------------------------------------------------------------- transformer

class _ToAst(Transformer):
    """Lark tree -> AST nodes. ``for`` lines stay loose here; :func:`_attach` places them."""

    def __init__(self, path: str):
        super().__init__()
        self._file = path

    def _span(self, meta) -> Span:
        return Span(self._file, meta.line, meta.column, meta.end_line, meta.end_column,
                    meta.start_pos, meta.end_pos)

    def _tspan(self, tok: Token) -> Span:
        return Span(self._file, tok.line, tok.column, tok.end_line, tok.end_column,
                    tok.start_pos, tok.end_pos)

    def _name(self, tok: Token | None) -> ast.Name | None:
        return None if tok is None else ast.Name(str(tok), self._tspan(tok))

    def _string(self, tok: Token | None) -> ast.String | None:
        return None if tok is None else ast.String(_unescape(str(tok)), str(tok),
                                                   self._tspan(tok))

    def _number(self, tok: Token) -> ast.Number:
        raw = str(tok)
        return ast.Number(raw, number_value(raw), raw.endswith("%"), self._tspan(tok))

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

    @v_args(meta=True)
    def attr(self, meta, children):
        return ast.Attr(self._name(children[0]), children[1], self._span(meta))

    @v_args(meta=True)
    def path(self, meta, children):
        target, attr, persona = children
        return ast.Path(self._name(target), self._name(attr), self._name(persona),
                        self._span(meta))

    # conditions
    @v_args(meta=True)
    def ref(self, meta, children):
        return ast.Ref(self._name(children[0]), self._span(meta))

    @v_args(meta=True)
    def score_cmp(self, meta, children):
        return ast.ScoreCmp(str(children[0]), self._number(children[1]), self._span(meta))

    @v_args(meta=True)
    def not_(self, meta, children):
        return ast.Not(children[0], self._span(meta))

    @v_args(meta=True)
    def and_cond(self, meta, children):
        return ast.And(tuple(children), self._span(meta))

    @v_args(meta=True)
    def or_cond(self, meta, children):
        return ast.Or(tuple(children), self._span(meta))

    # statements
    @v_args(meta=True)
    def journey(self, meta, children):
        return ast.Journey(self._string(children[0]), self._span(meta))

    @v_args(meta=True)
    def scale(self, meta, children):
        return ast.Scale(self._number(children[0]), self._number(children[1]),
                         self._span(meta))

    @v_args(meta=True)
    def customers(self, meta, children):
        return ast.Customers(self._number(children[0]), self._span(meta))

    @v_args(meta=True)
    def seed(self, meta, children):
        return ast.Seed(self._number(children[0]), self._span(meta))

    @v_args(meta=True)
    def import_stmt(self, meta, children):
        return ast.Import(self._string(children[0]), self._span(meta))

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

    @v_args(meta=True)
    def goal(self, meta, children):
        return ast.Goal(self._name(children[0]), self._span(meta))

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
        metric, op, threshold, persona = children
        return ast.Target(self._name(metric), str(op), self._number(threshold),
                          self._name(persona), self._span(meta), self._tspan(op))

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

    @v_args(meta=True)
    def assign(self, meta, children):
        return ast.Assign(children[0], children[1], self._span(meta))

    @v_args(meta=True)
    def remove(self, meta, children):
        return ast.Remove(self._name(children[0]), self._span(meta))

    @v_args(meta=True)
    def sweep_range(self, meta, children):
        path, start, stop, step = children
        return ast.SweepRange(path, self._number(start), self._number(stop),
                              self._number(step), self._span(meta))

    @v_args(meta=True)
    def sweep_list(self, meta, children):
        path, *values = children
        return ast.SweepList(path, tuple(self._number(v) for v in values if v is not None),
                             self._span(meta))

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

_COMMENT_SCAN = re.compile(r'"(?:\\.|[^"\\\n])*"?|#[^\r\n]*')


def comments(text: str, path: str) -> tuple[ast.Comment, ...]:
    """Every ``#`` comment of ``text`` (strings skipped), with whether it stands alone."""
    found = []
    line_no, line_start = 1, 0
    for line in text.split("\n"):
        for m in _COMMENT_SCAN.finditer(line):
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


# ------------------------------------------------------------------------- syntax errors

_HUMAN = {
    "NAME": "a name", "NUMBER": "a number", "STRING": 'a quoted label ("...")',
    "_NL": "the end of the line", "$END": "the end of the file",
    "CMP": "a comparison (<, <=, >, >=, ==, !=)",
}


def _human(term: str) -> str:
    if term in _HUMAN:
        return _HUMAN[term]
    try:
        pat = lark_parser().get_terminal(term).pattern
        if pat.type == "str":
            return f"'{pat.value}'"
    except KeyError:
        pass
    return term.lower().lstrip("_")


def _describe(tok: Token) -> str:
    if tok.type in ("_NL", "$END"):
        return _HUMAN[tok.type].removeprefix("the ")
    text = str(tok)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"'{text}'"


_NEEDS_EQUALS = "expected '=' and a value after an attribute name"
_EXAMPLE_HINTS = {
    "event needs 'at STAGE' to say where it happens": [
        "event x\n", "event x p=5%\n", 'event x "L" p=5% impact=-1\n', "event x at\n",
        "event x p=5% at\n"],
    'a declaration starts with its name, then its label, as in stage Convert "Evaluation"': [
        'stage "L"\n', 'persona "L"\n', 'event "L"\n', 'scenario "L"\n', "stage\n",
        "persona\n", "event\n", "scenario\n"],
    _NEEDS_EQUALS: [
        "persona a share\n", "persona a share 5\n", "stage s advance\n",
        "event e p at S\n", "for a p\n"],
    "expected a value after '='": ["persona a share=\n", "event e p= at S\n"],
    'import takes a file path in double quotes, as in import "personas.cxj"': [
        "import foo\n", "import\n", "import foo.cxj\n"],
    "'scale' takes a range written LO..HI, such as 0..10": [
        "scale 0\n", "scale 0-10\n", "scale 0 10\n", "scale 1 .. \n"],
    "a condition is missing after 'when'": ["event e at S when\n"],
    "a condition is incomplete": ["event e at S when a and\n", "event e at S when not\n",
                                  "event e at S when a or\n"],
    "'score' must be compared with a number, as in 'score < 5'": [
        "event e at S when score\n", "event e at S when score <\n",
        "event e at S when score = 5\n"],
    "missing ')'": ["event e at S when (a\n", "event e at S when (a and b\n",
                    "event e p=normal(1, 2 at S\n"],
    "a scenario block is not closed: missing '}'": ["scenario s {\n", "scenario s {\nx.p = 1\n"],
    "a sweep is written 'sweep PATH from A to B step S' or 'sweep PATH in [v1, v2]'": [
        "sweep x.p\n", "sweep x.p from 1\n", "sweep x.p from 1 to 2\n",
        "sweep x.p from 1 to 2 step\n", "sweep x.p in\n", "sweep x.p 1 2\n",
        "sweep x.p from 1 to\n", "sweep x.p from\n", "sweep x.p in [\n", "sweep x.p in [1\n",
        "sweep x.p in [1,\n", "sweep x.p in [1, 2\n"],
    "goal names the stage that counts as conversion, as in goal Delight": ["goal\n"],
    "'extends' names the scenarios this one builds on, as in scenario both extends a, b": [
        "scenario s extends\n", "scenario s extends {\n", "scenario s extends a,\n"],
    "a path is written NAME.attribute, such as demo_glitch.p": [
        "sweep x from\n", "scenario s {\nx = 1\n}\n", "sweep x. from\n"],
    "a target is written 'target METRIC OP NUMBER', such as 'target nps >= 20'": [
        "target nps\n", "target nps 20\n", "target nps >=\n", "target\n"],
}


@lru_cache(maxsize=1)
def _example_signatures() -> tuple:
    """(parser state, accepted terminals, token type, label) of each example's error.

    Lark's own ``match_examples`` compares whole parser stacks, which grow with every
    statement above the error; comparing the state on top of the stack makes a mistake
    get the same message on line 1 and on line 100."""
    out = []
    for label, texts in _EXAMPLE_HINTS.items():
        for text in texts:
            try:
                lark_parser().parse(text)
            except UnexpectedInput as ut:
                if ut.state is None:
                    continue
                tok = getattr(ut, "token", None)
                out.append((getattr(ut.state, "position", None),
                            frozenset(getattr(ut, "accepts", None) or ()),
                            tok.type if tok is not None else "$END", label))
    return tuple(out)


def _match_example(exc: UnexpectedInput) -> str | None:
    state = getattr(exc, "state", None)
    if state is None:
        return None
    position = getattr(state, "position", None)
    accepts = frozenset(getattr(exc, "accepts", None) or ())
    tok = getattr(exc, "token", None)
    tok_type = tok.type if tok is not None else "$END"
    fallback = None
    for pos, acc, ttype, label in _example_signatures():
        if pos != position or (accepts and acc and acc != accepts):
            continue
        if ttype == tok_type:
            return label
        fallback = fallback or label
    return fallback


def _syntax_diag(exc: UnexpectedInput, text: str, path: str) -> tuple:
    """(code, message, span, hint) for a Lark error."""
    line = exc.line if exc.line and exc.line > 0 else text.count("\n") + 1
    col = exc.column if exc.column and exc.column > 0 else 1
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)

    if isinstance(exc, UnexpectedCharacters):
        ch = text[offset] if offset < len(text) else ""
        span = Span(path, line, col, line, col + 1, offset, offset + 1)
        if ch == '"':
            return ("E102", "unterminated string", span,
                    'close the label with " on the same line')
        shown = repr(ch) if ch.isprintable() and ch else f"U+{ord(ch):04X}" if ch else "?"
        hint = "names are letters, digits and _; labels go in double quotes"
        if ch in "\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb":
            hint = 'labels go in straight double quotes: "..." (an editor may have curled them)'
        elif ch == "%" and re.search(r"[0-9][ \t]+$", text[:offset]):
            hint = "write the percent sign right after the number, as in 5%"
        elif ch == "=" and re.search(r"[<>!=]$", text[:offset]) is None and re.search(
                r"\bscore[ \t]*$", text[:offset]):
            hint = "compare with ==, as in score == 5"
        return ("E101", f"unexpected character {shown}", span, hint)

    tok = getattr(exc, "token", None)
    if tok is None or tok.type == "$END":
        span = Span(path, line, col, line, col + 1, offset, offset + 1)
        desc = _HUMAN["$END"]
    else:
        end_col = tok.end_column if tok.end_line == tok.line else col + 1
        tcol, tstart = tok.column, tok.start_pos
        if tok.type == "_NL":
            # point just past the statement's last token, not past a trailing comment
            line_start = text.rfind("\n", 0, tok.start_pos) + 1
            before = text[line_start:tok.start_pos]
            for m in _COMMENT_SCAN.finditer(before):
                if m.group().startswith("#"):
                    before = before[: m.start()]
                    break
            tcol = len(before.rstrip()) + 1
            tstart = line_start + tcol - 1
            end_col = tcol + 1
        span = Span(path, tok.line, tcol, tok.line, end_col, tstart,
                    tstart + max(1, end_col - tcol))
        desc = _describe(tok)

    # A line whose first word is not a keyword (`personas b ...` lexed as `persona s b`)
    line_start = text.rfind("\n", 0, span.start) + 1
    first = _WORD.match(text, line_start + len(text[line_start:]) - len(
        text[line_start:].lstrip(" \t")))
    if first and first.group() not in STATEMENT_KEYWORDS + ("remove",) and not text[
            first.end():first.end() + 1] == "." and first.group()[:1].isalpha():
        word = first.group()
        fcol = first.start() - line_start + 1
        return ("E103", f"unknown statement '{word}'",
                Span(path, span.line, fcol, span.line, fcol + len(word), first.start(),
                     first.end()),
                did_you_mean(word, STATEMENT_KEYWORDS)
                or "a line starts with one of: " + ", ".join(STATEMENT_KEYWORDS))

    # `accepts` is what the parser can really take here; `expected` is the raw LALR state's
    # action table, which merged states fill with tokens that could not follow (a '}' at the
    # top level).
    expected = set(getattr(exc, "accepts", None) or getattr(exc, "expected", None) or ())
    if "_NL" in expected:
        expected.discard("$END")
    keywords_expected = {t for t in expected
                         if _human(t).strip("'") in STATEMENT_KEYWORDS}
    if tok is not None and tok.type == "NAME" and len(keywords_expected) >= 5:
        hint = did_you_mean(str(tok), STATEMENT_KEYWORDS) or (
            "a line starts with one of: " + ", ".join(STATEMENT_KEYWORDS))
        return ("E103", f"unknown statement '{tok}'", span, hint)

    if (tok is not None and "NAME" in expected and str(tok) in keywords()
            and tok.type != "NAME"):
        return ("E203", f"'{tok}' is a reserved word and cannot be used as a name", span,
                "choose another name")

    state = getattr(exc, "state", None)
    stack = getattr(state, "value_stack", None) or []
    if (expected == {"LPAR"} and len(stack) >= 2 and isinstance(stack[-1], Token)
            and stack[-1].type == "NAME" and isinstance(stack[-2], Token)
            and stack[-2].type == "EQUAL"):
        # `baseline=seven`: the name is the mistake, not the end of the line after it
        word = stack[-1]
        return ("E104", f"'{word}' is not a value: a value is a number or a distribution",
                Span(path, word.line, word.column, word.end_line, word.end_column,
                     word.start_pos, word.end_pos),
                "write a number such as 7, -1.5 or 5%, or a distribution such as "
                "normal(7, 1)")
    last = stack[-1] if stack else None
    if isinstance(last, Tree) and last.data == "number":
        last = last.children[0]
    if (tok is not None and str(tok) == "," and isinstance(last, Token)
            and last.type == "NUMBER" and last.end_pos == tok.start_pos
            and text[tok.end_pos:tok.end_pos + 1].isdigit()):
        # `p=1,5`: a decimal comma
        number = last
        digits = re.compile(r"[0-9A-Za-z_]*%?").match(text, tok.end_pos)
        return ("E301", f"'{number},{digits.group()}' is not a number",
                Span(path, number.line, number.column, number.line,
                     number.column + len(number) + 1 + len(digits.group()),
                     number.start_pos, digits.end()),
                f"decimals are written with a dot: {number}.{digits.group()}")

    label = _match_example(exc)
    if isinstance(exc, UnexpectedEOF) and "}" in {_human(t).strip("'") for t in expected}:
        label = "a scenario block is not closed: missing '}'"
    if label == _NEEDS_EQUALS and isinstance(last, Token) and last.type == "NAME":
        # point at the attribute that has no value, not at what follows it
        return ("E104", f"'{last}' needs '=' and a value, as in {last}=5%",
                Span(path, last.line, last.column, last.end_line, last.end_column,
                     last.start_pos, last.end_pos),
                "attributes are written name=value")
    if label:
        return ("E104", f"{label}; found {desc}", span, None)

    names = sorted({_human(t) for t in expected if t != "$END"})
    if len(names) > 6:
        names = names[:6] + ["..."]
    hint = "expected " + ", ".join(names) if names else None
    return ("E100", f"unexpected {desc}", span, hint)


#: Statements that cannot stand inside a scenario block: one of them inside a block means
#: the block's '}' is missing.
_TOP_LEVEL_ONLY = tuple(k for k in STATEMENT_KEYWORDS if k not in ("event", "for"))


def _error_offset(exc: UnexpectedInput, text: str) -> int:
    tok = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or tok is None or tok.type == "$END":
        return len(text)
    return exc.pos_in_stream if exc.pos_in_stream is not None else len(text)


def _unclosed_block(exc: UnexpectedInput, text: str, path: str) -> tuple | None:
    """A scenario block left open: ((code, message, span, hint), text without the block).

    Reported once, at its '{', when the parser runs into the end of the file or into a
    statement that only stands outside blocks. The block's lines are blanked (offsets kept)
    so that parsing goes on with what follows."""
    offset = _error_offset(exc, text)
    brace = None
    for m in _BRACES.finditer(text, 0, offset):
        if m.group() == "{":
            brace = m.start()
        elif m.group() == "}":
            brace = None
    if brace is None:
        return None
    line_start = text.rfind("\n", 0, offset) + 1
    indent = len(text[line_start:]) - len(text[line_start:].lstrip(" \t"))
    first = _WORD.match(text, line_start + indent)
    at_end = offset >= len(text.rstrip())
    if not at_end and not (first and first.group() in _TOP_LEVEL_ONLY
                           and brace < line_start):
        return None
    line = text.count("\n", 0, brace) + 1
    col = brace - (text.rfind("\n", 0, brace) + 1) + 1
    owner = re.search(r"scenario\s+([A-Za-z_][A-Za-z0-9_]*)",
                      text[text.rfind("\n", 0, brace) + 1:brace])
    what = f"the block of scenario {owner.group(1)}" if owner else "a scenario block"
    stop = len(text) if at_end else line_start
    blanked = text[:brace] + re.sub(r"[^\r\n]", " ", text[brace:stop]) + text[stop:]
    return (("E104", f"{what} is not closed: missing '}}'",
             Span(path, line, col, line, col + 1, brace, brace + 1),
             "end the block with '}' on a line after its last change"), blanked)


_BRACES = re.compile(r'"(?:\\.|[^"\\\n])*"?|#[^\n]*|[{}]')


def _blank_line(text: str, offset: int) -> str:
    """``text`` with the line containing ``offset`` replaced by spaces (positions kept).

    When that line opens a scenario block, the block goes with it, up to its '}': its
    lines would only add errors of their own once their header is gone."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    if start >= end:
        return text
    braces = [m.group() for m in _BRACES.finditer(text, start, end) if m.group() in "{}"]
    if braces and braces[-1] == "{":
        close = next((m for m in _BRACES.finditer(text, end) if m.group() == "}"), None)
        if close is not None:
            end = close.end()
    piece = text[start:end]
    return text[:start] + re.sub(r"[^\r\n]", " ", piece) + text[end:]


def _paren_too_deep(text: str) -> int | None:
    """Offset of the first '(' nested deeper than MAX_NESTING (strings and comments
    skipped), or None."""
    if text.count("(") <= MAX_NESTING:
        return None
    depth = 0
    for m in re.finditer(r'"(?:\\.|[^"\\\n])*"?|#[^\n]*|[()\n]', text):
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


def parse(text: str, path: str = "<string>", diags: Diagnostics | None = None
          ) -> ast.Module | None:
    """Parse ``text`` into a Module, appending syntax errors to ``diags``.

    Returns None only when nothing could be parsed at all."""
    diags = diags if diags is not None else Diagnostics()
    if text.startswith("\ufeff"):
        text = " " + text[1:]  # a BOM: keep every offset
    work = text if text.endswith("\n") else text + "\n"
    deep_paren = _paren_too_deep(work)
    if deep_paren is not None:
        line = work.count("\n", 0, deep_paren) + 1
        col = deep_paren - (work.rfind("\n", 0, deep_paren) + 1) + 1
        diags.error("E005", f"parentheses nest more than {MAX_NESTING} levels deep",
                    Span(path, line, col, line, col + 1, deep_paren, deep_paren + 1),
                    "split the condition into events whose conditions refer to each other")
        return None
    tree = None
    for _ in range(MAX_SYNTAX_ERRORS + 1):
        try:
            tree = lark_parser().parse(work)
            break
        except UnexpectedInput as exc:
            unclosed = _unclosed_block(exc, work, path)
            if unclosed is not None:
                diag, blanked = unclosed
                diags.error(*diag)
                work = blanked
                continue
            code, message, span, hint = _syntax_diag(exc, work, path)
            diags.error(code, message, span, hint)
            blanked = _blank_line(work, min(span.start, len(work) - 1))
            if blanked == work:
                break
            work = blanked
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


_WORD = re.compile(r"[A-Za-z0-9_]+")


def _glued_keywords(items: list, text: str, diags: Diagnostics) -> list:
    """Drop, with an error, statements whose keyword is glued to the word after it."""
    out = []
    for item in items:
        m = None if isinstance(item, ast.Assign) else _WORD.match(text, item.span.start)
        if m and m.group() not in STATEMENT_KEYWORDS + ("remove",):
            word = m.group()
            line, col = item.span.line, item.span.col
            diags.error("E103", f"unknown statement '{word}'",
                        Span(item.span.path, line, col, line, col + len(word), m.start(),
                             m.end()),
                        did_you_mean(word, STATEMENT_KEYWORDS)
                        or "a line starts with one of: " + ", ".join(STATEMENT_KEYWORDS))
            continue
        if isinstance(item, ast.Event) and item.when is not None:
            # the lexer takes `whenx` after `at STAGE` as `when x`
            start = item.when.span.start
            if text[start - 4:start] == "when" and _WORD.match(text, start):
                word = _WORD.match(text, start - 4).group()
                line, col = item.when.span.line, item.when.span.col - 4
                diags.error("E104", f"'{word}' runs 'when' into the condition after it",
                            Span(item.span.path, line, col, line, col + len(word),
                                 start - 4, start - 4 + len(word)),
                            f"put a space after 'when': when {word[4:]}")
                continue
        if isinstance(item, ast.Scenario) and item.items:
            item = ast.Scenario(**{**item.__dict__,
                                   "items": tuple(_glued_keywords(list(item.items), text,
                                                                  diags))})
        out.append(item)
    return out
