"""Explainers for a token the parser cannot take (or an early end of input), tried in order
(:data:`RULES`): each reads the :class:`~cxdsl.lang.syntax_site.ErrorSite` and returns
(code, message, span, hint), or None to leave the error to the next. The order matters: a
line that starts with an unknown word is reported as such whatever else is wrong in it,
and the last explainer always answers.
"""

from __future__ import annotations

import re

from lark import Tree
from lark.exceptions import UnexpectedInput

from ..model.ir import IMPLICIT_SURVEY
from .diagnostics import Span, did_you_mean
from .grammar import STATEMENT_KEYWORDS, keywords
from .syntax_site import (
    TOP_LEVEL_ONLY,
    ErrorSite,
    code_above,
    code_of,
    error_site,
    first_explanation,
    human,
    is_token,
    last_attr,
    or_list,
)
from .syntax_uncertain import RULES as UNCERTAIN_RULES
from .syntax_words import reserved_name, stray_word

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
_STATEMENT_LIST = "a line starts with one of: " + ", ".join(STATEMENT_KEYWORDS)


def _unknown_statement_in_block(site: ErrorSite) -> tuple | None:
    # `personas b ...` is lexed as `persona s b`: the line's first word is what is wrong
    if not site.unknown_first_word or not site.in_block:
        return None
    stmt = site.statement
    after = site.code_line[site.indent + len(stmt):]
    change = re.match(r"[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(\S+)", after)
    if stmt.lower() in _REMOVE_WORDS:
        hint = "did you mean 'remove'? " + _BLOCK_TAKES
    elif change:
        hint = f"write {stmt}.{change.group(1)} = {change.group(2)}"
    elif "{" in after:
        hint = "blocks do not nest: " + _BLOCK_TAKES
    else:
        meant = did_you_mean(stmt, ("remove", "event"))
        hint = (meant + " " if meant else "") + _BLOCK_TAKES
    return ("E103", f"unknown statement '{stmt}'", site.first_word_span, hint)


def _unknown_statement(site: ErrorSite) -> tuple | None:
    if not site.unknown_first_word:
        return None
    stmt, indent = site.statement, site.indent
    hint = did_you_mean(stmt, STATEMENT_KEYWORDS)
    if indent and (stmt in keywords() or re.match(r"[ \t]*=", site.code_line[indent + len(
            stmt):])) and code_above(site.text, site.line_start):
        hint = ("a statement must fit on one line: this line goes on the end of the "
                "statement above it")
    return ("E103", f"unknown statement '{stmt}'", site.first_word_span,
            hint or _STATEMENT_LIST)


def _top_level_statement_in_block(site: ErrorSite) -> tuple | None:
    # in a block that is closed further down (an unclosed one is reported before this)
    if not site.in_block or site.statement not in TOP_LEVEL_ONLY:
        return None
    return ("E104", f"'{site.statement}' cannot go inside a scenario block",
            site.first_word_span,
            ("blocks do not nest; " if site.statement == "scenario" else "") + _BLOCK_TAKES)


def _brace_closing_nothing(site: ErrorSite) -> tuple | None:
    if not site.token_is("RBRACE") or site.in_block:
        return None
    return ("E100", "'}' closes nothing: no scenario block is open", site.span,
            "a block is opened by '{' at the end of a scenario line")


def _brace_on_its_own_line(site: ErrorSite) -> tuple | None:
    if (not site.token_is("LBRACE") or site.in_block
            or site.code_line[:site.token.column - 1].strip()):
        return None
    above = site.text[:site.line_start].rstrip(" \t\r\n")
    if code_of(above[above.rfind("\n") + 1:]).strip().startswith("scenario"):
        return ("E104", "a scenario's block must open on the scenario's own line", site.span,
                "put '{' at the end of the scenario line")
    return ("E100", "unexpected '{'", site.span,
            "a block is opened by '{' at the end of a scenario line")


def _remove_outside_block(site: ErrorSite) -> tuple | None:
    if site.statement != "remove" or site.in_block:
        return None
    return ("E104", "'remove' goes inside a scenario block", site.first_word_span,
            "as in scenario no_demo { ... }, with 'remove EVENT' on a line of the block")


def _change_outside_block(site: ErrorSite) -> tuple | None:
    change = re.match(r"[A-Za-z_][A-Za-z0-9_]*[ \t]*\.[ \t]*[A-Za-z_][A-Za-z0-9_]*"
                      r"([ \t]*\[[^\]\n]*\])?[ \t]*=", site.code_line[site.indent:])
    if not change or site.in_block:
        return None
    start = site.line_start + site.indent
    return ("E104", "changes go inside a scenario block",
            Span.of(site.path, site.text, start, start + len(change.group().rstrip("= \t"))),
            "write it between the '{' and '}' of a scenario, or vary it with sweep")


def _when_glued_to_name(site: ErrorSite) -> tuple | None:
    # a keyword glued to the word after it, in a line that does not parse
    glued = re.search(r"(?<![A-Za-z0-9_])at[ \t]+[A-Za-z0-9_]+[ \t]+(when[A-Za-z0-9_]+)",
                      site.code_line)
    if not glued or site.line_start + glued.start(1) >= site.span.start:
        return None
    word, start = glued.group(1), site.line_start + glued.start(1)
    return ("E104", f"unknown word '{word}'",
            Span.of(site.path, site.text, start, start + len(word)),
            "did you mean 'when'? put a space after it")


def _unknown_statement_word(site: ErrorSite) -> tuple | None:
    # a name where a statement could start: the parser took the line as over
    if not site.token_is("NAME") or len(site.keywords_expected) < 5:
        return None
    return ("E103", f"unknown statement '{site.token}'", site.span,
            did_you_mean(str(site.token), STATEMENT_KEYWORDS) or _STATEMENT_LIST)


def _survey_without_at(site: ErrorSite) -> tuple | None:
    # `survey evaluation Convert`, `survey evaluation "After the demo"`, `survey x at`
    if site.statement != "survey" or not (site.token_is("NAME", "_NL") or site.at_eof):
        return None
    if (is_token(site.last, "NAME") and str(site.last) in keywords()
            and str(site.last) != IMPLICIT_SURVEY):
        return None  # a keyword as the survey's name: the reserved-word rule says so
    example = 'as in survey evaluation "After the demo" at Convert, or survey everyone at end'
    if "AT" in site.expected and site.token_is("NAME"):
        return ("E104", f"missing 'at' before '{site.token}'", site.span,
                f"write 'at {site.token}'; a survey is asked at a stage or at end")
    if "AT" in site.expected:
        return ("E104", "a survey says when it is asked: at STAGE or at end", site.span,
                example)
    if "END" in site.expected and is_token(site.last, "AT"):
        return ("E104", "'at' needs the name of a stage, or end", site.span, example)
    return None


def _volume_without_number(site: ErrorSite) -> tuple | None:
    # `volume`, `volume per year`, `volume many`, `volume 5 per`
    if site.statement != "volume":
        return None
    if site.expected == {"NUMBER"}:
        return ("E104", "volume takes a number: the customers who enter the journey per "
                "period", site.span, "as in volume 40_000 per year")
    if is_token(site.last, "PER") and "NAME" in site.expected:
        return ("E104", "'per' needs a period: day, week, month, quarter or year", site.span,
                "as in volume 40_000 per year")
    return None


def _keyword_as_name(site: ErrorSite) -> tuple | None:
    tok = site.token
    if tok is None or "NAME" not in site.expected or str(tok) not in keywords() \
            or tok.type == "NAME":
        return None
    return ("E203", f"'{tok}' is a reserved word and cannot be used as a name", site.span,
            "choose another name")


def _name_as_value(site: ErrorSite) -> tuple | None:
    # `baseline=seven`: the name is the mistake, not the end of the line after it
    stack = site.stack
    if site.expected != {"LPAR"} or len(stack) < 2 or not is_token(stack[-1], "NAME") \
            or not is_token(stack[-2], "EQUAL"):
        return None
    return ("E104", f"'{stack[-1]}' is not a value: a value is a number or a distribution",
            Span.of_token(site.path, stack[-1]),
            "write a number such as 7, -1.5 or 5%, or a distribution such as normal(7, 1)")


def _for_without_persona(site: ErrorSite) -> tuple | None:
    # `for advance=45%`: the persona is missing
    last = site.last
    if not (is_token(last, "NAME") and is_token(site.prev, "FOR") and site.token_is("EQUAL")):
        return None
    return ("E104", "a 'for' line names a persona first, as in for enterprise advance=45%",
            Span.of_token(site.path, last),
            f"'{last}' is taken as the persona's name; write for PERSONA {last}=...")


def _quoted_text_as_value(site: ErrorSite) -> tuple | None:
    prev, tok = site.prev, site.token
    if not (site.token_is("STRING") and is_token(site.last, "EQUAL")
            and is_token(prev, "NAME")):
        return None
    if str(prev) not in ("label", "title", "name", "description", "desc"):
        return ("E104", f"'{prev}' takes a number or a distribution, not text in quotes",
                site.span, "labels go right after the name; values are numbers such as 5%")
    named = re.match(r"[ \t]*([A-Za-z_]+)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", site.code_line)
    example = (f"{named.group(1)} {named.group(2)} {tok}" if named
               and named.group(1) in _DECL_EXAMPLES else _DECL_EXAMPLES["stage"])
    return ("E104", f"a label is written in quotes right after the name, not as {prev}=",
            Span.of_token(site.path, prev), f"as in {example}")


def _label_after_attributes(site: ErrorSite) -> tuple | None:
    named = re.match(r"[ \t]*(persona|stage|event|survey|scenario)[ \t]+[A-Za-z_][A-Za-z0-9_]*",
                     site.text[site.line_start:site.span.start])
    if not (site.token_is("STRING") and named) or named.end() == len(
            site.text[site.line_start:site.span.start].rstrip()) or re.match(
            r'[ \t]*"', site.text[site.line_start + named.end():]):  # labelled already
        return None
    line = site.text[site.line_start:site.line_end]
    at, tok = site.span.start - site.line_start, str(site.token)
    rest = (line[named.end():at].rstrip() + line[at + len(tok):]).split("#")[0].rstrip()
    example = f"{named.group().strip()} {tok}{rest}"
    return ("E104", f"the label of {named.group(1)} goes right after its name", site.span,
            f"as in {example}")


def _discrete_without_pairs(site: ErrorSite) -> tuple | None:
    if site.call is None or str(site.call) != "discrete" or not (
            site.token_is("EQUAL", "NUMBER", "COLON")
            or (site.token_is("COMMA") and is_token(site.last, "COLON"))):
        return None
    return ("E104", "discrete takes value: weight pairs, as in discrete(8: 50%, 9: 50%)",
            site.span, "each value is followed by ':' and its weight; pairs are separated "
            "by commas")


def _comma_in_number(site: ErrorSite) -> tuple | None:
    # `p=1,5`: a decimal comma; `value=12,000`: a thousands separator
    tok, number, text = site.token, site.last, site.text
    if tok is None or str(tok) != "," or not is_token(number, "NUMBER") \
            or number.end_pos != tok.start_pos or not text[tok.end_pos:tok.end_pos + 1].isdigit():
        return None
    groups = re.compile(r"[0-9]{3}(?:,[0-9]{3})*(?:\.[0-9]+)?%?(?![0-9A-Za-z_.%,])"
                        ).match(text, tok.end_pos)
    if groups and re.fullmatch(r"[+-]?[0-9]{1,3}", str(number)):
        whole = f"{number},{groups.group()}"
        return ("E301", f"'{whole}' is not a number",
                Span.of(site.path, text, number.start_pos, groups.end()),
                "no thousands separators: write " + whole.replace(",", "_") + " or "
                + whole.replace(",", ""))
    digits = re.compile(r"[0-9A-Za-z_]*%?").match(text, tok.end_pos)
    return ("E301", f"'{number},{digits.group()}' is not a number",
            Span.of(site.path, text, number.start_pos, digits.end()),
            f"decimals are written with a dot: {number}.{digits.group()}")


def _keyword_name_in_capitals(site: ErrorSite) -> tuple | None:
    word = str(site.token)
    if not site.token_is("NAME") or word == word.lower() or word.lower() not in keywords():
        return None
    return ("E104", f"'{word}': keywords are written in lowercase", site.span,
            f"write '{word.lower()}'")


def _other_word_for_when(site: ErrorSite) -> tuple | None:
    word = str(site.token)
    if not site.token_is("NAME") or "_WHEN" not in site.expected \
            or word not in ("if", "where", "whenever", "once", "after"):
        return None
    return ("E104", f"a condition starts with 'when', not '{word}'", site.span,
            f"write 'when' instead of '{word}'")


def _second_removed_event(site: ErrorSite) -> tuple | None:
    if not site.token_is("NAME") or site.statement != "remove" or not site.in_block:
        return None
    return ("E100", f"unexpected '{site.token}'", site.span, "remove one event per line")


def _name_in_call(site: ErrorSite) -> tuple | None:
    if not site.token_is("NAME") or site.call is None:
        return None
    return ("E104", f"the arguments of {site.call} are plain numbers", site.span,
            "as in normal(7, 1); no names inside the parentheses")


def _space_in_number(site: ErrorSite) -> tuple | None:
    tok, last, text = site.token, site.last, site.text
    if not site.token_is("NUMBER") or not re.fullmatch(r"[0-9]{3}", str(tok)):
        return None
    number = last if is_token(last, "NUMBER") else None
    attr = last_attr(last) if number is None else None
    if attr is not None and isinstance(attr.children[1], Tree) and (
            attr.children[1].data == "number"):
        number = attr.children[1].children[0]
    if (number is None or not re.fullmatch(r"[+-]?[0-9]{1,3}", str(number))
            or text[number.end_pos:tok.start_pos].strip(" \t")):
        return None
    whole = f"{number}{text[number.end_pos:tok.start_pos]}{tok}"
    return ("E301", f"'{whole}' is not a number",
            Span.of(site.path, text, number.start_pos, tok.end_pos),
            "no spaces inside a number: write " + re.sub(r"[ \t]+", "_", whole)
            + " or " + re.sub(r"[ \t]+", "", whole))


def _comma_between_attributes(site: ErrorSite) -> tuple | None:
    last = site.last
    after_value = is_token(site.prev, "EQUAL") and (
        is_token(last, "NUMBER") or isinstance(last, Tree) and last.data in ("call", "number"))
    after_call = is_token(last, "RPAR") and "NAME" in site.expected
    if not site.token_is("COMMA") or site.call is not None or not (
            last_attr(last) is not None or after_value or after_call):
        return None
    return ("E100", "unexpected ','", site.span, "attributes are separated by spaces, not "
            "commas")


def _example_mistake(site: ErrorSite) -> tuple | None:
    label = site.example_label
    if not label:
        return None
    if label.startswith("a declaration starts with its name"):
        example = _DECL_EXAMPLES.get(site.statement, _DECL_EXAMPLES["stage"])
        label = f"a declaration starts with its name, then its label, as in {example}"
    return ("E104", f"{label}; found {site.desc}", site.span, None)


def _unexpected_token(site: ErrorSite) -> tuple:
    names = sorted({human(t) for t in site.expected if t != "$END"})
    if len(site.keywords_expected) >= 5:
        hint = "expected a statement: a line starts with one of " + ", ".join(
            STATEMENT_KEYWORDS)
    elif names:
        hint = "expected " + or_list(names)
    else:
        hint = None
    return ("E100", f"unexpected {site.desc}", site.span, hint)


#: The explainers of a token error, in the order they are tried; the last always answers.
RULES = (
    _unknown_statement_in_block, _unknown_statement, *UNCERTAIN_RULES,
    _top_level_statement_in_block,
    _brace_closing_nothing, _brace_on_its_own_line, _remove_outside_block,
    _change_outside_block, _when_glued_to_name, _unknown_statement_word,
    _survey_without_at, _volume_without_number, _keyword_as_name,
    _name_as_value, _for_without_persona, _quoted_text_as_value, _label_after_attributes,
    _discrete_without_pairs,
    _comma_in_number, _keyword_name_in_capitals, _other_word_for_when,
    _second_removed_event, _name_in_call, _space_in_number, _comma_between_attributes,
    stray_word, reserved_name, _example_mistake, _unexpected_token,
)


def token_diagnostic(exc: UnexpectedInput, text: str, path: str) -> tuple:
    """(code, message, span, hint) for a token the parser cannot take."""
    return first_explanation(RULES, error_site(exc, text, path))
