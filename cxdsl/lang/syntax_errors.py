"""Lark's syntax errors, explained: :func:`explain` turns one into a diagnostic in plain
words at the token to change, and blanks what it covers so parsing can go on.

The messages come from the parser's state (the tokens it could take, the values on its
stack) and from example mistakes matched by LALR state (:data:`_EXAMPLE_HINTS`), so a slip
reads the same on line 1 and on line 100.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

from .diagnostics import Span, a_or_an, did_you_mean
from .grammar import (
    COMMENT_SCAN,
    STATEMENT_KEYWORDS,
    STRING_OR_COMMENT,
    WORD,
    keywords,
    lark_parser,
)
from .vocabulary import ATTRIBUTES, ATTRIBUTES_OF


def explain(exc: UnexpectedInput, text: str, path: str) -> tuple[tuple, str]:
    """((code, message, span, hint), the text with the mistake blanked out).

    Blanking keeps every offset (characters become spaces, line breaks stay); the text comes
    back unchanged when there is nothing left to blank."""
    unclosed = _unclosed_block(exc, text, path)
    if unclosed is not None:
        return unclosed
    code, message, span, hint, more = _syntax_diag(exc, text, path)
    blanked = _blank_line(text, min(span.start, len(text) - 1))
    if more is not None:
        blanked = blank(blanked, *more)
    return (code, message, span, hint), blanked


def blank(text: str, start: int, end: int) -> str:
    """``text`` with ``text[start:end]`` turned to spaces, line breaks kept: every offset,
    line and column stays where it was."""
    return text[:start] + re.sub(r"[^\r\n]", " ", text[start:end]) + text[end:]


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
    "expected a value after '='": ["persona a share=\n", "event e p= at S\n",
                                   "scenario s {\nx.p =\n}\n"],
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
    "a sweep takes numbers; to compare distributions, write one scenario for each": [
        "sweep x.p in [normal(1, 2)]\n", "sweep x.p in [1, normal(1, 2)]\n",
        "sweep x.p in [1, 2, normal(1, 2)]\n", "sweep x.p in [1, 2, 3, normal(1, 2)]\n",
        "sweep x.p from normal(1, 2)\n", "sweep x.p from 1 to normal(1, 2)\n"],
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


def _or_list(items: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _open_brace(text: str, offset: int) -> int | None:
    """Offset of the '{' of the scenario block open at ``offset``, or None."""
    brace = None
    for m in _BRACES.finditer(text, 0, offset):
        if m.group() == "{":
            brace = m.start()
        elif m.group() == "}":
            brace = None
    return brace


def _code_of(line: str) -> str:
    """``line`` with its comment and the insides of its strings taken out."""
    out = []
    for m in re.finditer(STRING_OR_COMMENT + r'|[^"#]+', line):
        piece = m.group()
        if piece.startswith("#"):
            break
        out.append('""' if piece.startswith('"') else piece)
    return "".join(out)


def _declared_stages(text: str) -> set[str]:
    return set(re.findall(r"(?m)^[ \t]*stage[ \t]+([A-Za-z_][A-Za-z0-9_]*)", text))


_BLOCK_TAKES = "a block holds PATH = VALUE changes, event declarations and remove EVENT"
_DECL_EXAMPLES = {
    "stage": 'stage Convert "Evaluation"',
    "persona": 'persona enterprise "Enterprise buyer"',
    "event": 'event demo_glitch "Demo stops on a technical glitch"',
    "scenario": 'scenario fast_followup "Follow up within 24 hours"',
}
#: Words people write for `remove` inside a block.
_REMOVE_WORDS = ("delete", "del", "drop", "rm", "erase", "disable", "exclude", "without",
                 "skip", "cancel", "removed", "remov")
#: Characters that are not part of the language but stand for something that is.
_CHAR_HINTS = {
    "&": "write 'and' to combine conditions, as in a and b",
    "|": "write 'or' for either condition, as in a or b",
    "!": "write 'not' to negate a condition, as in not glitch",
    "\u2264": "write '<=' for 'at most'",
    "\u2265": "write '>=' for 'at least'",
    "\u2260": "write '!=' for 'not equal'",
    "\u00b1": "for a spread, use a distribution such as normal(-3, 1)",
    "$": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u20ac": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u00a3": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u00a5": "drop the currency sign: amounts are plain numbers, as in value=12_000",
    "\u2212": "write the minus sign as '-'",
    "\u2013": "write the minus sign as '-'",
    "\u2014": "write the minus sign as '-'",
    "\u00a0": "this is a non-breaking space: replace it with a plain space",
    ";": "one statement per line: no ';' needed",
}


_ANY_ESCAPE_STRING = re.compile(
    r'"(?:\\["\\]|[^"\\\r\n])*(\\[^"\\\r\n])(?:\\.|[^"\\\r\n])*"')


def _char_diag(exc: UnexpectedCharacters, text: str, path: str) -> tuple:
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
    ch = text[offset] if offset < len(text) else ""
    nxt = text[offset + 1:offset + 2]
    span = Span.of(path, text, offset)
    # a string the grammar refuses only for an escape it does not take
    bad = _ANY_ESCAPE_STRING.match(text, offset) if ch == '"' else None
    if bad:
        return ("E106", f"'{bad.group(1)}' is not an escape in a quoted string",
                Span.of(path, text, bad.start(1), bad.start(1) + 2),
                'only \\" and \\\\ are; an import path separates folders with /')
    if ch == '"':
        return ("E102", "unterminated string", span, 'close the label with " on the same line')
    if ch == "\\":
        shown = "'\\'"
    elif ch == "\r":
        shown = "U+000D (a carriage return)"
    else:
        shown = repr(ch) if ch.isprintable() and ch else f"U+{ord(ch):04X}" if ch else "?"
    before = text[:offset]
    hint = "names are letters, digits and _; labels go in double quotes"
    if ch in "\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb":
        hint = 'labels go in straight double quotes: "..." (an editor may have curled them)'
    elif ch == "%" and re.search(r"[0-9][ \t]+$", before):
        hint = "write the percent sign right after the number, as in 5%"
    elif ch == "=" and re.search(r"[<>!=]$", before) is None and re.search(
            r"\bscore[ \t]*$", before):
        hint = "compare with ==, as in score == 5"
    elif ch == "/" and nxt == "/":
        hint = "comments start with #"
    elif ch == "/":
        hint = "no fractions: write a decimal or a percentage, such as 0.05 or 5%"
        num = re.search(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)$", before)
        den = re.match(r"[0-9]+(?:\.[0-9]+)?", text[offset + 1:])
        if num and den and float(den.group()) != 0:
            pct = float(num.group(1)) / float(den.group()) * 100
            hint = f"no fractions: write {pct:.4g}%"
    elif ch == "!" and nxt == "=":
        hint = "'!=' compares the score, as in score != 5"
    elif ch in ("&", "|") and nxt == ch:
        hint = f"write '{'and' if ch == '&' else 'or'}' instead of '{ch * 2}'"
    elif ch == "'":
        hint = "labels go in double quotes, not single ones: \"...\""
    elif ch == "%" and before.endswith("%"):
        hint = "one '%' is enough, as in 5%"
    elif ch in "+-":
        hint = "write the sign right against the number, as in -3"
    elif ch == "\\":
        hint = "a statement must fit on one line: join the lines and drop the '\\'"
    elif ch == "\r":
        hint = "a carriage return on its own: save the file with LF or CRLF line endings"
    elif _CHAR_HINTS.get(ch):
        hint = _CHAR_HINTS[ch]
    if ch in ("&", "|") and nxt == ch:
        span = Span.of(path, text, offset, offset + 2)
    return ("E101", f"unexpected character {shown}", span, hint)


def _last_attr(item) -> Tree | None:
    """The last ``attr`` of a stack entry (an attr, or a run of them), or None."""
    while isinstance(item, Tree):
        if item.data == "attr":
            return item
        if not item.children:
            return None
        item = item.children[-1]
    return None


def _stray_word(word: Token, stack: list, tok: Token | None, text: str, path: str,
                stmt: str) -> tuple | None:
    """A word where '=' was expected after it (an attribute name, so the parser thought):
    what the writer most likely meant."""
    span = Span.of_token(path, word)
    w = str(word)
    prev = stack[-2] if len(stack) >= 2 else None
    prev2 = stack[-3] if len(stack) >= 3 else None
    nxt = str(tok) if tok is not None and tok.type == "NAME" else None
    line_start = text.rfind("\n", 0, word.start_pos) + 1
    line_end = text.find("\n", word.start_pos)
    code = _code_of(text[line_start:line_end if line_end >= 0 else len(text)])
    stages = _declared_stages(text)
    if w == "for":
        return ("E104", "a 'for' line must start a line of its own", span,
                "put 'for PERSONA attr=value' on the next line, indented under the "
                f"{stmt if stmt in ('stage', 'event') else 'stage or event'}")
    if w in ("and", "or", "&") and isinstance(prev, Tree) and prev.data == "extends":
        names = [str(t) for t in prev.children] + ([nxt] if nxt else ["b"])
        return ("E104", "separate the scenarios with commas: extends " + ", ".join(names),
                span, "a scenario extends a list of scenarios, as in extends a, b")
    if w == "extends" and stmt == "scenario":
        return ("E104", "'extends' comes right after the scenario's name and label", span,
                "as in scenario both \"Both fixes\" extends a, b cost=5")
    if w != w.lower() and w.lower() in keywords():
        return ("E104", f"'{w}': keywords are written in lowercase", span,
                f"write '{w.lower()}'")
    if stmt == "event" and w in ("in", "on", "during", "within", "stage") and nxt:
        return ("E104", f"write 'at {nxt}', not '{w} {nxt}'", span,
                "an event says where it happens with 'at STAGE'")
    if (stmt == "event" and len(w) > 2 and w.startswith("at")
            and (w[2:] in stages or w[2:3].isupper() or w[2:3] == "_")):
        stage = w[2:].lstrip("_")
        return ("E104", f"'{w}' runs 'at' into the stage name", span,
                f"put a space after 'at': at {stage}")
    has_at = re.search(r"(?<![A-Za-z0-9_])at(?![A-Za-z0-9_])", code) is not None
    if stmt == "event" and not has_at and (w[:1].isupper() or w in stages):
        return ("E104", f"missing 'at' before '{w}'", span, f"write 'at {w}'")
    if w in keywords():
        return None
    decl_start = (isinstance(prev, Token) and prev.type == "NAME" and isinstance(prev2, Token)
                  and prev2.type in ("PERSONA", "STAGE", "EVENT", "SCENARIO"))
    attribute_like = w in ATTRIBUTES or (w[:1].islower() and did_you_mean(w, ATTRIBUTES))
    if decl_start and str(prev) == "at" and prev2.type == "EVENT":
        return ("E104", "the event has no name: 'at' is taken as its name", Span.of_token(
            path, prev), "an event is written event NAME ... at STAGE, as in "
            "event demo_glitch p=5% at Convert")
    if decl_start and not attribute_like:
        words = re.match(r"[A-Za-z0-9_]+(?:[ \t]+(?![A-Za-z0-9_]+[ \t]*=)"
                         r"(?!at(?![A-Za-z0-9_]))[A-Za-z0-9_]+)*", text[word.start_pos:])
        label = words.group() if words else w
        return ("E104", f'labels go in double quotes: "{label}"', span,
                f'{a_or_an(prev2.value)} is written {prev2.value} NAME "Label" attr=value')
    attr = _last_attr(prev)
    if (attr is not None and isinstance(attr.children[1], Tree)
            and attr.children[1].data == "number" and not attribute_like
            and not w[:1].isupper()):
        return ("E104", f"'{w}': values are plain numbers; drop the unit", span,
                f"write {attr.children[0]}={attr.children[1].children[0]}")
    if attribute_like:
        return ("E104", f"'{w}' needs '=' and a value, as in {w}=5%", span,
                "attributes are written name=value")
    takes = ATTRIBUTES_OF.get(stmt) or (ATTRIBUTES if stmt == "for" else ())
    return ("E104", f"unexpected word '{w}'", span,
            "attributes are written name=value" + (
                f"; {a_or_an(stmt)} takes {_or_list(list(takes))}" if takes else ""))


def _reserved_name(word: Token, stack: list, path: str) -> tuple:
    """A keyword the lexer took as a name, because only a name could come there."""
    span = Span.of_token(path, word)
    w = str(word)
    prev = stack[-2] if len(stack) >= 2 else None
    ptype = prev.type if isinstance(prev, Token) else None
    if ptype == "AT":
        return ("E104", "'at' needs the name of a stage", span,
                f"'{w}' is a reserved word; write the stage after 'at', as in at Convert")
    if ptype in ("_WHEN", "_AND", "_OR", "_NOT", "LPAR"):
        if w in ("and", "or"):
            if ptype == f"_{w.upper()}":
                return ("E104", f"'{w}' twice in a row", span,
                        f"write a condition on each side of '{w}', as in a {w} b")
            return ("E104", f"a condition cannot start with '{w}'", span,
                    f"write a condition on each side of '{w}', as in a {w} b")
        return ("E104", f"a condition cannot start with '{w}'", span,
                f"'{w}' is a reserved word; a condition names events or compares the "
                "score, as in score < 5")
    return ("E203", f"'{w}' is a reserved word and cannot be used as a name", span,
            "choose another name")


def _code_above(text: str, line_start: int) -> str:
    """The code of the nearest line above ``line_start`` that has some."""
    end = line_start - 1
    while end > 0:
        start = text.rfind("\n", 0, end) + 1
        code = _code_of(text[start:end]).strip()
        if code:
            return code
        end = start - 1
    return ""


def _continuation(exc: UnexpectedInput, text: str) -> tuple[int, int] | None:
    """When the error is at the end of a line that goes on, indented, on the next line (a
    statement split over two lines): the range of the continuation lines."""
    tok = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream
        if offset is None or text[offset:offset + 1] != "\\":
            return None
        eol = text.find("\n", offset)
        if eol < 0 or _code_of(text[offset + 1:eol]).strip():
            return None
    elif tok is not None and tok.type == "_NL":
        eol = tok.start_pos
    else:
        return None
    start = end = None
    pos = eol
    while pos < len(text):
        nl = text.find("\n", pos + 1)
        nl = len(text) if nl < 0 else nl
        line = text[pos + 1:nl]
        body = _code_of(line).strip()
        if not body:
            if start is None:
                pos = nl
                continue
            break
        if line[:1] not in (" ", "\t") or body.startswith("}"):
            break
        word = WORD.match(body)
        if word and word.group() in STATEMENT_KEYWORDS + ("remove",):
            break
        if re.match(r"[A-Za-z_][A-Za-z0-9_]*[ \t]*\.", body) and _open_brace(text, pos + 1
                                                                             ) is not None:
            break
        start = pos + 1 if start is None else start
        end = nl
        pos = nl
    return None if start is None else (start, end)


def _syntax_diag(exc: UnexpectedInput, text: str, path: str) -> tuple:
    """(code, message, span, hint, lines to blank as well or None) for a Lark error."""
    code, message, span, hint = _diagnose(exc, text, path)
    more = _continuation(exc, text)
    if more is not None:
        if not isinstance(exc, UnexpectedCharacters):
            hint = "a statement must fit on one line: join it with the line after it"
        return code, message, span, hint, more
    return code, message, span, hint, None


def _diagnose(exc: UnexpectedInput, text: str, path: str) -> tuple:
    """(code, message, span, hint) for a Lark error."""
    if isinstance(exc, UnexpectedCharacters):
        return _char_diag(exc, text, path)
    line = exc.line if exc.line and exc.line > 0 else text.count("\n") + 1
    col = exc.column if exc.column and exc.column > 0 else 1
    offset = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)

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
            for m in COMMENT_SCAN.finditer(before):
                if m.group().startswith("#"):
                    before = before[: m.start()]
                    break
            tcol = len(before.rstrip()) + 1
            tstart = line_start + tcol - 1
            end_col = tcol + 1
        span = Span(path, tok.line, tcol, tok.line, end_col, tstart,
                    tstart + max(1, end_col - tcol))
        desc = _describe(tok)

    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.start)
    line_end = len(text) if line_end < 0 else line_end
    indent = len(text[line_start:line_end]) - len(text[line_start:line_end].lstrip(" \t"))
    first = WORD.match(text, line_start + indent)
    stmt = first.group() if first else ""
    in_block = _open_brace(text, line_start) is not None
    code_line = _code_of(text[line_start:line_end])

    # A line whose first word is not a keyword (`personas b ...` lexed as `persona s b`)
    if first and stmt not in STATEMENT_KEYWORDS + ("remove",) and not text[
            first.end():first.end() + 1] == "." and stmt[:1].isalpha():
        fspan = Span.of(path, text, first.start(), first.end())
        if in_block:
            after = code_line[indent + len(stmt):]
            change = re.match(r"[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(\S+)", after)
            if stmt.lower() in _REMOVE_WORDS:
                hint = "did you mean 'remove'? " + _BLOCK_TAKES
            elif change:
                hint = f"write {stmt}.{change.group(1)} = {change.group(2)}"
            elif "{" in after:
                hint = "blocks do not nest: " + _BLOCK_TAKES
            else:
                hint = (did_you_mean(stmt, ("remove", "event")) or "") + (
                    " " if did_you_mean(stmt, ("remove", "event")) else "") + _BLOCK_TAKES
            return ("E103", f"unknown statement '{stmt}'", fspan, hint)
        hint = did_you_mean(stmt, STATEMENT_KEYWORDS)
        if indent and (stmt in keywords() or re.match(r"[ \t]*=", code_line[indent + len(
                stmt):])) and _code_above(text, line_start):
            hint = ("a statement must fit on one line: this line goes on the end of the "
                    "statement above it")
        return ("E103", f"unknown statement '{stmt}'", fspan,
                hint or "a line starts with one of: " + ", ".join(STATEMENT_KEYWORDS))

    # a statement that only stands outside blocks, in a block that is closed further down
    if in_block and stmt in _TOP_LEVEL_ONLY:
        fspan = Span.of(path, text, first.start(), first.end())
        return ("E104", f"'{stmt}' cannot go inside a scenario block", fspan,
                ("blocks do not nest; " if stmt == "scenario" else "") + _BLOCK_TAKES)
    if tok is not None and tok.type == "RBRACE" and not in_block:
        return ("E100", "'}' closes nothing: no scenario block is open", span,
                "a block is opened by '{' at the end of a scenario line")
    if (tok is not None and tok.type == "LBRACE" and not in_block
            and not code_line[:tok.column - 1].strip()):
        above = text[:line_start].rstrip(" \t\r\n")
        prev_line = _code_of(above[above.rfind("\n") + 1:]).strip()
        if prev_line.startswith("scenario"):
            return ("E104", "a scenario's block must open on the scenario's own line", span,
                    "put '{' at the end of the scenario line")
        return ("E100", "unexpected '{'", span,
                "a block is opened by '{' at the end of a scenario line")
    if stmt == "remove" and not in_block:
        fspan = Span.of(path, text, first.start(), first.end())
        return ("E104", "'remove' goes inside a scenario block", fspan,
                "as in scenario no_demo { ... }, with 'remove EVENT' on a line of the block")
    change = re.match(r"[A-Za-z_][A-Za-z0-9_]*[ \t]*\.[ \t]*[A-Za-z_][A-Za-z0-9_]*"
                      r"([ \t]*\[[^\]\n]*\])?[ \t]*=", code_line[indent:])
    if change and not in_block:
        fspan = Span.of(path, text, line_start + indent,
                         line_start + indent + len(change.group().rstrip("= \t")))
        return ("E104", "changes go inside a scenario block", fspan,
                "write it between the '{' and '}' of a scenario, or vary it with sweep")

    # a keyword glued to the word after it, in a line that does not parse
    glued = re.search(r"(?<![A-Za-z0-9_])at[ \t]+[A-Za-z0-9_]+[ \t]+(when[A-Za-z0-9_]+)",
                      code_line)
    if glued and line_start + glued.start(1) < span.start:
        word = glued.group(1)
        gstart = line_start + glued.start(1)
        return ("E104", f"unknown word '{word}'", Span.of(path, text, gstart,
                                                           gstart + len(word)),
                "did you mean 'when'? put a space after it")

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
                Span.of_token(path, word),
                "write a number such as 7, -1.5 or 5%, or a distribution such as "
                "normal(7, 1)")
    last = stack[-1] if stack else None
    prev = stack[-2] if len(stack) >= 2 else None
    if (isinstance(last, Token) and last.type == "NAME" and isinstance(prev, Token)
            and prev.type == "FOR" and tok is not None and tok.type == "EQUAL"):
        # `for advance=45%`: the persona is missing
        return ("E104", "a 'for' line names a persona first, as in for enterprise "
                "advance=45%", Span.of_token(path, last),
                f"'{last}' is taken as the persona's name; write for PERSONA {last}=...")
    if tok is not None and tok.type == "STRING" and isinstance(last, Token) and (
            last.type == "EQUAL") and isinstance(prev, Token) and prev.type == "NAME":
        if str(prev) in ("label", "title", "name", "description", "desc"):
            named = re.match(r"[ \t]*([A-Za-z_]+)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", code_line)
            example = (f"{named.group(1)} {named.group(2)} {tok}" if named
                       and named.group(1) in _DECL_EXAMPLES else _DECL_EXAMPLES["stage"])
            return ("E104", f"a label is written in quotes right after the name, not as "
                    f"{prev}=", Span.of_token(path, prev), f"as in {example}")
        return ("E104", f"'{prev}' takes a number or a distribution, not text in quotes",
                span, "labels go right after the name; values are numbers such as 5%")

    # inside the parentheses of a distribution
    call = None
    for i in range(len(stack) - 1, 0, -1):
        item = stack[i]
        if isinstance(item, Token) and item.type in ("RPAR", "EQUAL", "_WHEN"):
            break
        if isinstance(item, Token) and item.type == "LPAR":
            if isinstance(stack[i - 1], Token) and stack[i - 1].type == "NAME":
                call = stack[i - 1]
            break
    if call is not None and str(call) == "discrete" and tok is not None and (
            tok.type in ("EQUAL", "NUMBER", "COLON") or (
                tok.type == "COMMA" and isinstance(last, Token) and last.type == "COLON")):
        return ("E104", "discrete takes value: weight pairs, as in "
                "discrete(8: 50%, 9: 50%)", span, "each value is followed by ':' and its "
                "weight; pairs are separated by commas")

    if isinstance(last, Tree) and last.data == "number":
        last = last.children[0]
    if (tok is not None and str(tok) == "," and isinstance(last, Token)
            and last.type == "NUMBER" and last.end_pos == tok.start_pos
            and text[tok.end_pos:tok.end_pos + 1].isdigit()):
        # `p=1,5`: a decimal comma; `value=12,000`: a thousands separator
        number = last
        groups = re.compile(r"[0-9]{3}(?:,[0-9]{3})*(?:\.[0-9]+)?%?(?![0-9A-Za-z_.%,])"
                            ).match(text, tok.end_pos)
        if groups and re.fullmatch(r"[+-]?[0-9]{1,3}", str(number)):
            whole = f"{number},{groups.group()}"
            return ("E301", f"'{whole}' is not a number",
                    Span.of(path, text, number.start_pos, groups.end()),
                    "no thousands separators: write " + whole.replace(",", "_") + " or "
                    + whole.replace(",", ""))
        digits = re.compile(r"[0-9A-Za-z_]*%?").match(text, tok.end_pos)
        return ("E301", f"'{number},{digits.group()}' is not a number",
                Span.of(path, text, number.start_pos, digits.end()),
                f"decimals are written with a dot: {number}.{digits.group()}")

    if tok is not None and tok.type == "NAME":
        word = str(tok)
        if word != word.lower() and word.lower() in keywords():
            return ("E104", f"'{word}': keywords are written in lowercase", span,
                    f"write '{word.lower()}'")
        if "_WHEN" in expected and word in ("if", "where", "whenever", "once", "after"):
            return ("E104", f"a condition starts with 'when', not '{word}'", span,
                    f"write 'when' instead of '{word}'")
        if stmt == "remove" and in_block:
            return ("E100", f"unexpected '{word}'", span, "remove one event per line")
        if call is not None:
            return ("E104", f"the arguments of {call} are plain numbers", span,
                    "as in normal(7, 1); no names inside the parentheses")
    if tok is not None and tok.type == "NUMBER" and re.fullmatch(r"[0-9]{3}", str(tok)):
        number = last if isinstance(last, Token) and last.type == "NUMBER" else None
        attr = _last_attr(last) if number is None else None
        if attr is not None and isinstance(attr.children[1], Tree) and (
                attr.children[1].data == "number"):
            number = attr.children[1].children[0]
        if (number is not None and re.fullmatch(r"[+-]?[0-9]{1,3}", str(number))
                and not text[number.end_pos:tok.start_pos].strip(" \t")):
            whole = f"{number}{text[number.end_pos:tok.start_pos]}{tok}"
            return ("E301", f"'{whole}' is not a number",
                    Span.of(path, text, number.start_pos, tok.end_pos),
                    "no spaces inside a number: write " + re.sub(r"[ \t]+", "_", whole)
                    + " or " + re.sub(r"[ \t]+", "", whole))
    if (tok is not None and tok.type == "COMMA" and call is None
            and (_last_attr(last) is not None or (
                isinstance(prev, Token) and prev.type == "EQUAL" and (
                    isinstance(last, Token) and last.type == "NUMBER"
                    or isinstance(last, Tree) and last.data in ("call", "number")))
                or (isinstance(last, Token) and last.type == "RPAR" and "NAME" in expected))):
        return ("E100", "unexpected ','", span, "attributes are separated by spaces, not "
                "commas")

    label = _match_example(exc)
    if isinstance(exc, UnexpectedEOF) and "}" in {_human(t).strip("'") for t in expected}:
        label = "a scenario block is not closed: missing '}'"
    if isinstance(last, Token) and last.type == "NAME" and (
            label == _NEEDS_EQUALS or expected == {"EQUAL"}):
        stray = _stray_word(last, stack, tok, text, path, stmt)
        if stray is not None:
            return stray
    if isinstance(last, Token) and last.type == "NAME" and str(last) in keywords():
        return _reserved_name(last, stack, path)
    if label and label.startswith("a declaration starts with its name"):
        example = _DECL_EXAMPLES.get(stmt, _DECL_EXAMPLES["stage"])
        label = f"a declaration starts with its name, then its label, as in {example}"
    if label:
        return ("E104", f"{label}; found {desc}", span, None)

    names = sorted({_human(t) for t in expected if t != "$END"})
    if len(keywords_expected) >= 5:
        hint = "expected a statement: a line starts with one of " + ", ".join(
            STATEMENT_KEYWORDS)
    elif names:
        hint = "expected " + _or_list(names)
    else:
        hint = None
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
    brace = _open_brace(text, offset)
    if brace is None:
        return None
    line_start = text.rfind("\n", 0, offset) + 1
    indent = len(text[line_start:]) - len(text[line_start:].lstrip(" \t"))
    first = WORD.match(text, line_start + indent)
    at_end = offset >= len(text.rstrip())
    if not at_end and not (first and first.group() in _TOP_LEVEL_ONLY
                           and brace < line_start and not _closed_later(text, line_start)):
        return None
    owner = re.search(r"scenario\s+([A-Za-z_][A-Za-z0-9_]*)",
                      text[text.rfind("\n", 0, brace) + 1:brace])
    what = f"the block of scenario {owner.group(1)}" if owner else "a scenario block"
    stop = len(text) if at_end else line_start
    return (("E104", f"{what} is not closed: missing '}}'", Span.of(path, text, brace),
             "end the block with '}' on a line after its last change"),
            blank(text, brace, stop))


def _closed_later(text: str, line_start: int) -> bool:
    """Whether a line after the one at ``line_start`` closes a block with '}' before a
    statement that only stands outside blocks comes (or the file ends)."""
    end = text.find("\n", line_start)
    while end >= 0:
        nxt = text.find("\n", end + 1)
        line = text[end + 1:nxt if nxt >= 0 else len(text)]
        braces = [m.group() for m in _BRACES.finditer(line) if m.group() in "{}"]
        if braces[:1] == ["}"]:
            return True
        first = WORD.match(line.strip())
        if first and first.group() in _TOP_LEVEL_ONLY:
            return False
        end = nxt
    return False


_BRACES = re.compile(STRING_OR_COMMENT + "|[{}]")


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
    return blank(text, start, end)
