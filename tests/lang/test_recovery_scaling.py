"""Error recovery stays near linear in the size of the file: after a syntax error only the
lines around it are parsed again, not the whole file.

Measured in tokens the LALR parser is fed (deterministic, unlike a timing): checking a file
4 times larger with 4 times the errors may cost at most 6 times as many tokens. Parsing
the whole file again after each error, as recovery once did, costs about 16 times."""

from __future__ import annotations

from lark.parsers import lalr_parser_state

from cxdsl.lang import parser
from cxdsl.lang.diagnostics import Diagnostics


def journey(events: int, errors: int) -> str:
    """A spec of ``events`` events, ``errors`` of them spread evenly with a condition left
    unfinished (``when`` and nothing after it), and a scenario block after every 50."""
    lines = ['persona a "A" share=100% baseline=7', "stage S advance=50%", "stage T"]
    every = events // errors
    for i in range(events):
        broken = i % every == every // 2
        lines.append(f'event e{i} "Label {i}" p=5% impact=-1 at S' + (" when" if broken else ""))
        if i % 50 == 49:
            lines += [f"scenario s{i} {{", f"  e{i}.p = 1%", "}"]
    return "\n".join(lines) + "\n"


def tokens_to_parse(text: str, monkeypatch) -> tuple[int, int]:
    """(tokens fed to the parser, syntax errors reported) for parsing ``text``."""
    fed = [0]
    feed = lalr_parser_state.ParserState.feed_token

    def counting(self, token, is_end=False):
        fed[0] += 1
        return feed(self, token, is_end)

    with monkeypatch.context() as m:
        m.setattr(lalr_parser_state.ParserState, "feed_token", counting)
        diags = Diagnostics()
        module = parser.parse(text, "big.cxj", diags)
    assert module is not None
    return fed[0], len(list(diags))


def test_four_times_the_file_and_the_errors_cost_at_most_six_times(monkeypatch):
    small, small_errors = tokens_to_parse(journey(1_000, 4), monkeypatch)
    large, large_errors = tokens_to_parse(journey(4_000, 16), monkeypatch)
    assert (small_errors, large_errors) == (4, 16)
    assert large <= 6 * small, (small, large, large / small)


def test_every_error_is_reported_where_it_is():
    text = journey(200, 5)
    diags = Diagnostics()
    module = parser.parse(text, "big.cxj", diags)
    broken = [n for n, line in enumerate(text.split("\n"), 1) if line.endswith(" when")]
    assert sorted(d.span.line for d in diags) == broken
    assert all(d.code == "E100" for d in diags), [d.code for d in diags]
    # every statement but the broken ones is kept, scenarios included
    assert len(module.statements) == 3 + 200 - 5 + 200 // 50
