"""Explainers for the syntax mistakes of ``uncertain PATH ~ DIST`` and ``worlds W`` lines:
``=`` or another word where the ``~`` goes, a path without its ``.attr``, a ``~`` with no
distribution after it, a distribution without its numbers, more after the distribution, a
``worlds`` without a number, and either statement inside a scenario block. Each reads an
:class:`~cxdsl.lang.syntax_site.ErrorSite` and returns (code, message, span, hint) or None.
"""

from __future__ import annotations

import re

from lark import Tree

from .diagnostics import Span
from .syntax_site import ErrorSite, is_token
from .vocabulary import ATTRIBUTES_OF, DISTRIBUTIONS

_EXAMPLE = "uncertain demo_glitch.p ~ beta(3, 57)"
_FORMS = "a distribution such as beta(3, 57), uniform(1%, 9%) or normal(-2, 0.5)"


def _tail(site: ErrorSite) -> tuple:
    """The parser's stack from the ``uncertain`` keyword of the error's line on (the
    entries below it are the statements above); () when the line is no uncertain line."""
    if site.statement != "uncertain" or site.in_block:
        return ()
    for i in range(len(site.stack) - 1, -1, -1):
        if is_token(site.stack[i], "UNCERTAIN"):
            return site.stack[i:]
    return ()


def _uncertain(site: ErrorSite) -> bool:
    return bool(_tail(site))


def _written(site: ErrorSite) -> str:
    """The error's line as written, without its comment, blanks around it trimmed."""
    return site.code_line.strip()


def _declared_kind(site: ErrorSite, name: str) -> str | None:
    """What ``name`` is declared as in the text (persona, stage or event), or None."""
    m = re.search(rf"(?m)^[ \t]*(persona|stage|event)[ \t]+{re.escape(name)}(?![A-Za-z0-9_])",
                  site.text)
    return m.group(1) if m else None


def uncertain_in_block(site: ErrorSite) -> tuple | None:
    if not site.in_block or site.statement not in ("uncertain", "worlds"):
        return None
    if site.statement == "worlds":
        hint = "worlds is set once for the whole spec: move the line out of the block"
    else:
        hint = ("uncertainty is declared on the baseline: move the line out of the block; a "
                "scenario that sets the value makes it certain in that scenario")
    return ("E104", f"'{site.statement}' cannot go inside a scenario block",
            site.first_word_span, hint)


def _equals_for_tilde(site: ErrorSite) -> tuple | None:
    if not (_uncertain(site) and site.token_is("EQUAL") and "TILDE" in site.expected):
        return None
    line = _written(site)
    return ("E104", "an uncertain line uses '~', not '='", site.span,
            "write " + re.sub("=+", "~", line, count=1) + "; '~' reads 'is drawn from', and '=' "
            "sets a value inside a scenario")


def _missing_tilde(site: ErrorSite) -> tuple | None:
    if not (_uncertain(site) and "TILDE" in site.expected and site.token is not None
            and not site.token_is("_NL")):
        return None
    tok = str(site.token)
    path = site.text[_tail(site)[0].end_pos:site.token.start_pos].strip() or "PATH"
    if site.token_is("NAME", "NUMBER") and tok not in ("in", "is", "as", "from"):
        return ("E104", f"missing '~' before '{tok}'", site.span,
                f"write uncertain {path} ~ {site.code_line[site.token.column - 1:].strip()}")
    return ("E104", f"an uncertain line uses '~' between the path and the distribution, not "
            f"{site.desc}", site.span, f"as in uncertain {path} ~ beta(3, 57)")


def _path_without_attribute(site: ErrorSite) -> tuple | None:
    last = site.last
    if not ("DOT" in site.expected and is_token(last, "NAME") and len(_tail(site)) == 2):
        return None
    name = str(last)
    kind = _declared_kind(site, name)
    if kind is None:
        hint = f"as in {_EXAMPLE}: the path names a declaration and one of its attributes"
    else:
        attrs = ATTRIBUTES_OF[kind]
        hint = (f"{kind} {name} has " + ", ".join(attrs) + f": write uncertain {name}."
                f"{attrs[0]} ~ ...")
    return ("E104", f"'{name}' needs an attribute: a path is written NAME.attribute",
            Span.of_token(site.path, last), hint)


def _missing_path(site: ErrorSite) -> tuple | None:
    if not (len(_tail(site)) == 1 and site.token_is("TILDE")):
        return None
    return ("E104", "the path is missing: an uncertain line names what is uncertain",
            site.span, f"as in {_EXAMPLE}")


def _nothing_after_tilde(site: ErrorSite) -> tuple | None:
    if not (_uncertain(site) and is_token(site.last, "TILDE")):
        return None
    if site.token_is("STRING"):
        return ("E104", "a distribution is written without quotes", site.span,
                "write it as a call, as in beta(3, 57)")
    return ("E104", "'~' needs a distribution after it", site.span, f"write {_FORMS}")


def _distribution_without_numbers(site: ErrorSite) -> tuple | None:
    tail = _tail(site)
    if not (site.expected == {"LPAR"} and len(tail) == 4 and is_token(tail[2], "TILDE")):
        return None
    name = str(site.last)
    span = Span.of_token(site.path, site.last)
    if name in DISTRIBUTIONS:
        return ("E104", f"'{name}' needs its numbers in parentheses", span,
                "as in beta(3, 57), normal(-2, 0.5) or uniform(1%, 9%)")
    return ("E104", f"'{name}' is not a distribution", span, f"write {_FORMS}")


def _more_after_distribution(site: ErrorSite) -> tuple | None:
    tail = _tail(site)
    if not (len(tail) == 4 and is_token(tail[2], "TILDE") and site.token is not None
            and "_NL" in site.expected):
        return None
    word, value = str(site.token), tail[3]
    if isinstance(value, Tree) and value.data == "number":
        value = value.children[0]
    if word in ("to", "..") and is_token(value, "NUMBER"):
        nxt = re.match(r"[ \t]*([^ \t\r\n#]+)", site.text[site.token.end_pos:])
        hint = (f"for a range, write uniform({value}, "
                f"{nxt.group(1) if nxt else '...'})")
    elif word == "for":
        hint = "for one persona, put it in the path: uncertain PATH[persona] ~ ..."
    else:
        hint = "one uncertain value per line"
    return ("E104", f"an uncertain line takes one distribution; found {site.desc} after it",
            site.span, hint)


def _worlds_without_number(site: ErrorSite) -> tuple | None:
    if site.statement != "worlds" or site.in_block:
        return None
    if site.expected == {"NUMBER"}:
        return ("E104", "worlds takes a whole number: how many worlds a forecast draws",
                site.span, "as in worlds 500 (default 200)")
    if is_token(site.last, "NUMBER") and site.token is not None:
        return ("E104", f"worlds takes one number; found {site.desc} after it", site.span,
                "as in worlds 500")
    return None


#: The explainers of uncertain and worlds lines, in the order they are tried.
RULES = (uncertain_in_block, _equals_for_tilde, _missing_tilde, _path_without_attribute,
         _missing_path,
         _nothing_after_tilde, _distribution_without_numbers, _more_after_distribution,
         _worlds_without_number)
