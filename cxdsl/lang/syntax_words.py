"""Explainers for a stray word: a name where the parser wanted '=' after it (so it took the
word for an attribute's name), and a keyword the lexer read as a name because only a name
could come there. Each reads an :class:`~cxdsl.lang.syntax_site.ErrorSite` whose ``last``
is that word, and returns (code, message, span, hint) or None.
"""

from __future__ import annotations

import re

from lark import Token, Tree

from .diagnostics import Span, a_or_an, did_you_mean
from .grammar import keywords
from .syntax_examples import NEEDS_EQUALS
from .syntax_site import ErrorSite, first_explanation, is_token, last_attr, or_list
from .vocabulary import ATTRIBUTES, ATTRIBUTES_OF


def _word_span(site: ErrorSite) -> Span:
    return Span.of_token(site.path, site.last)


def _next_name(site: ErrorSite) -> str | None:
    return str(site.token) if site.token_is("NAME") else None


def _below_prev(site: ErrorSite):
    return site.stack[-3] if len(site.stack) >= 3 else None


def _for_inside_line(site: ErrorSite) -> tuple | None:
    if str(site.last) != "for":
        return None
    owner = site.statement if site.statement in ("stage", "event") else "stage or event"
    return ("E104", "a 'for' line must start a line of its own", _word_span(site),
            f"put 'for PERSONA attr=value' on the next line, indented under the {owner}")


def _and_between_extended(site: ErrorSite) -> tuple | None:
    prev = site.prev
    if str(site.last) not in ("and", "or", "&") or not (
            isinstance(prev, Tree) and prev.data == "extends"):
        return None
    nxt = _next_name(site)
    names = [str(t) for t in prev.children] + ([nxt] if nxt else ["b"])
    return ("E104", "separate the scenarios with commas: extends " + ", ".join(names),
            _word_span(site), "a scenario extends a list of scenarios, as in extends a, b")


def _extends_after_attributes(site: ErrorSite) -> tuple | None:
    if str(site.last) != "extends" or site.statement != "scenario":
        return None
    return ("E104", "'extends' comes right after the scenario's name and label",
            _word_span(site), "as in scenario both \"Both fixes\" extends a, b cost=5")


def _keyword_in_capitals(site: ErrorSite) -> tuple | None:
    w = str(site.last)
    if w == w.lower() or w.lower() not in keywords():
        return None
    return ("E104", f"'{w}': keywords are written in lowercase", _word_span(site),
            f"write '{w.lower()}'")


def _other_word_for_at(site: ErrorSite) -> tuple | None:
    w, nxt = str(site.last), _next_name(site)
    if site.statement != "event" or w not in ("in", "on", "during", "within", "stage") \
            or not nxt:
        return None
    return ("E104", f"write 'at {nxt}', not '{w} {nxt}'", _word_span(site),
            "an event says where it happens with 'at STAGE'")


def _at_glued_to_stage(site: ErrorSite) -> tuple | None:
    w = str(site.last)
    if not (site.statement == "event" and len(w) > 2 and w.startswith("at")
            and (w[2:] in site.stages or w[2:3].isupper() or w[2:3] == "_")):
        return None
    return ("E104", f"'{w}' runs 'at' into the stage name", _word_span(site),
            f"put a space after 'at': at {w[2:].lstrip('_')}")


def _missing_at(site: ErrorSite) -> tuple | None:
    w = str(site.last)
    has_at = re.search(r"(?<![A-Za-z0-9_])at(?![A-Za-z0-9_])", site.last_line_code)
    if site.statement != "event" or has_at is not None or not (
            w[:1].isupper() or w in site.stages):
        return None
    return ("E104", f"missing 'at' before '{w}'", _word_span(site), f"write 'at {w}'")


def _declaration_start(site: ErrorSite) -> bool:
    """The word comes right after a declaration's keyword and name."""
    return is_token(site.prev, "NAME") and is_token(
        _below_prev(site), "PERSONA", "STAGE", "EVENT", "SCENARIO")


def _attribute_like(word: str) -> bool:
    return word in ATTRIBUTES or bool(word[:1].islower() and did_you_mean(word, ATTRIBUTES))


def _at_as_event_name(site: ErrorSite) -> tuple | None:
    if not (_declaration_start(site) and str(site.prev) == "at"
            and _below_prev(site).type == "EVENT"):
        return None
    return ("E104", "the event has no name: 'at' is taken as its name",
            Span.of_token(site.path, site.prev), "an event is written event NAME ... at "
            "STAGE, as in event demo_glitch p=5% at Convert")


def _unquoted_label(site: ErrorSite) -> tuple | None:
    w = str(site.last)
    if not _declaration_start(site) or _attribute_like(w):
        return None
    words = re.match(r"[A-Za-z0-9_]+(?:[ \t]+(?![A-Za-z0-9_]+[ \t]*=)"
                     r"(?!at(?![A-Za-z0-9_]))[A-Za-z0-9_]+)*",
                     site.text[site.last.start_pos:])
    label = words.group() if words else w
    kind = _below_prev(site).value
    return ("E104", f'labels go in double quotes: "{label}"', _word_span(site),
            f'{a_or_an(kind)} is written {kind} NAME "Label" attr=value')


def _unit_after_number(site: ErrorSite) -> tuple | None:
    w = str(site.last)
    attr = last_attr(site.prev)
    if (attr is None or not isinstance(attr.children[1], Tree)
            or attr.children[1].data != "number" or _attribute_like(w) or w[:1].isupper()):
        return None
    return ("E104", f"'{w}': values are plain numbers; drop the unit", _word_span(site),
            f"write {attr.children[0]}={attr.children[1].children[0]}")


def _attribute_without_value(site: ErrorSite) -> tuple | None:
    w = str(site.last)
    if not _attribute_like(w):
        return None
    return ("E104", f"'{w}' needs '=' and a value, as in {w}=5%", _word_span(site),
            "attributes are written name=value")


def _unexpected_word(site: ErrorSite) -> tuple:
    stmt = site.statement
    takes = ATTRIBUTES_OF.get(stmt) or (ATTRIBUTES if stmt == "for" else ())
    return ("E104", f"unexpected word '{site.last}'", _word_span(site),
            "attributes are written name=value" + (
                f"; {a_or_an(stmt)} takes {or_list(list(takes))}" if takes else ""))


#: What any stray word may be, tried in order.
STRAY_WORD_RULES = (_for_inside_line, _and_between_extended, _extends_after_attributes,
                    _keyword_in_capitals, _other_word_for_at, _at_glued_to_stage,
                    _missing_at)
#: What a stray word that is not a keyword may be, tried in order; the last one always
#: answers.
STRAY_NAME_RULES = (_at_as_event_name, _unquoted_label, _unit_after_number,
                    _attribute_without_value, _unexpected_word)


def stray_word(site: ErrorSite) -> tuple | None:
    """A word where '=' was expected after it (an attribute name, so the parser thought):
    what the writer most likely meant. None for a keyword no rule explains."""
    if not is_token(site.last, "NAME") or not (
            site.example_label == NEEDS_EQUALS or site.expected == {"EQUAL"}):
        return None
    found = first_explanation(STRAY_WORD_RULES, site)
    if found is not None or str(site.last) in keywords():
        return found
    return first_explanation(STRAY_NAME_RULES, site)


def reserved_name(site: ErrorSite) -> tuple | None:
    """A keyword the lexer took as a name, because only a name could come there."""
    if not is_token(site.last, "NAME") or str(site.last) not in keywords():
        return None
    span, w = _word_span(site), str(site.last)
    ptype = site.prev.type if isinstance(site.prev, Token) else None
    if ptype == "AT":
        return ("E104", "'at' needs the name of a stage", span,
                f"'{w}' is a reserved word; write the stage after 'at', as in at Convert")
    if ptype in ("_WHEN", "_AND", "_OR", "_NOT", "LPAR"):
        if w in ("and", "or"):
            message = (f"'{w}' twice in a row" if ptype == f"_{w.upper()}"
                       else f"a condition cannot start with '{w}'")
            return ("E104", message, span,
                    f"write a condition on each side of '{w}', as in a {w} b")
        return ("E104", f"a condition cannot start with '{w}'", span,
                f"'{w}' is a reserved word; a condition names events or compares the "
                "score, as in score < 5")
    return ("E203", f"'{w}' is a reserved word and cannot be used as a name", span,
            "choose another name")
