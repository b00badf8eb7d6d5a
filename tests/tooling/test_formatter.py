"""The formatter: its layout, its safety checks, and black's two properties (the result
means the same as the input; formatting it again changes nothing) over the examples and
over texts generated from the grammar."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from cxdsl.lang import api, parser
from cxdsl.lang.diagnostics import CompileError, Diagnostics
from cxdsl.tooling import formatter
from cxdsl.tooling.formatter import FormatError, comment_texts, format_text
from support import CASES_DIR, EXAMPLES


def same_meaning(before: str, after: str, path: str = "<string>") -> None:
    """The two properties, checked from the outside."""
    d1, d2 = Diagnostics(), Diagnostics()
    m1, m2 = parser.parse(before, path, d1), parser.parse(after, path, d2)
    assert not d2.has_errors
    assert formatter._normal(m1) == formatter._normal(m2)
    assert comment_texts(before) == comment_texts(after)
    assert format_text(after, path) == after


# ------------------------------------------------------------------------------ layout

FMT_CASES = CASES_DIR / "fmt"


def read_case(path: Path) -> str:
    """A case file's text exactly: its line endings and byte order mark are part of it."""
    return path.read_bytes().decode("utf-8")


def expected_of(case: Path) -> Path:
    """``NAME.expected.cxj`` beside ``NAME.cxj``; without one, the input is already in the
    canonical layout."""
    expected = case.with_name(case.name.removesuffix(".cxj") + ".expected.cxj")
    return expected if expected.exists() else case


FMT_INPUTS = sorted(p for p in FMT_CASES.glob("*.cxj") if not p.name.endswith(".expected.cxj"))
MESSY = read_case(FMT_CASES / "every_construct.cxj")


@pytest.mark.parametrize("case", FMT_INPUTS, ids=lambda p: p.stem)
def test_layout_cases(case):
    text, expected = read_case(case), read_case(expected_of(case))
    assert format_text(text) == expected
    same_meaning(text, expected)  # the same tree and comments; formatting again changes nothing


def test_every_expected_output_has_its_input():
    inputs = {p.name for p in FMT_INPUTS}
    orphans = [p.name for p in FMT_CASES.glob("*.expected.cxj")
               if p.name.replace(".expected.cxj", ".cxj") not in inputs]
    assert orphans == []


def test_comment_bodies_are_kept_exactly():
    text = 'seed 1  #  odd   spacing\t \n# "quoted # inside"\njourney "a # not a comment"\n'
    out = format_text(text)
    assert "#  odd   spacing\n" in out
    assert '# "quoted # inside"\n' in out
    assert 'journey "a # not a comment"\n' in out


# --------------------------------------------------------------------------- safety


def test_syntax_errors_raise_compile_error():
    with pytest.raises(CompileError) as info:
        format_text("persona a share=\n", "x.cxj")
    assert info.value.diagnostics[0].span.path == "x.cxj"


def test_misplaced_for_line_is_not_dropped():
    # the parser reports a `for` line without an owner and leaves it out of the tree:
    # formatting must refuse rather than delete it
    with pytest.raises(CompileError):
        format_text("seed 1\nfor a p=1\n")


def test_a_lost_comment_is_caught(monkeypatch):
    real = formatter.format_module

    def lossy(module, text):
        return "\n".join(ln for ln in real(module, text).split("\n")
                         if not ln.startswith("# header")) + ""
    monkeypatch.setattr(formatter, "format_module", lossy)
    with pytest.raises(FormatError, match="comments"):
        format_text(MESSY)


def test_a_changed_tree_is_caught(monkeypatch):
    real = formatter.format_module
    monkeypatch.setattr(formatter, "format_module",
                        lambda m, t: real(m, t).replace("p=5%", "p=6%"))
    with pytest.raises(FormatError, match="syntax tree"):
        format_text(MESSY)


UNCERTAIN = ("persona a share=1 baseline=8\nstage S advance=50%\nstage T\n"
             "event e p=5% impact=-3 at S\nworlds 500\nuncertain e.p[a] ~ beta(3, 57)\n")


@pytest.mark.parametrize("old, new", [("beta(3, 57)", "beta(3, 58)"), ("e.p[a]", "e.p"),
                                      ("worlds 500", "worlds 50"), ("~ beta", "~ betta")])
def test_a_changed_uncertain_line_is_caught(monkeypatch, old, new):
    real = formatter.format_module
    monkeypatch.setattr(formatter, "format_module",
                        lambda m, t: real(m, t).replace(old, new))
    with pytest.raises(FormatError, match="syntax tree"):
        format_text(UNCERTAIN)


def test_an_unstable_layout_is_caught(monkeypatch):
    spellings = iter(["seed 1\n", "seed  1\n"])  # a layout that never settles
    monkeypatch.setattr(formatter, "format_module", lambda m, t: next(spellings))
    with pytest.raises(FormatError, match="again"):
        format_text("seed 1\n")


def test_unparseable_output_is_caught(monkeypatch):
    monkeypatch.setattr(formatter, "format_module", lambda m, t: "seed\n")
    with pytest.raises(FormatError, match="does not parse"):
        format_text("seed 1\n")


def test_a_different_model_is_caught(monkeypatch):
    text = EXAMPLES[0].read_text("utf-8") if EXAMPLES else VALID
    calls = []

    def fake_check(t, path, base_dir, *, strict):
        calls.append(strict)
        return ("model", strict)  # the formatted text "compiles" to something else
    monkeypatch.setattr(formatter, "_check_model", fake_check)
    with pytest.raises(FormatError, match="different model"):
        format_text(text)
    assert calls == [False, True]


# ------------------------------------------------------------------------- examples

VALID = """journey "t"
persona a share=1 baseline=7
stage S advance=50%
stage T
event e p=10% impact=1 at S
"""


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_keep_their_meaning(path):
    text = path.read_text("utf-8")
    out = format_text(text, str(path))
    same_meaning(text, out, str(path))
    before, after = api.check_text(text, str(path)), api.check_text(out, str(path))
    assert before.ok and after.ok
    assert before.model == after.model


# ------------------------------------------------------------------- generated texts


def _generation_grammar() -> Lark:
    """The grammar, restricted so every text it generates parses: ``for`` lines come only
    right after a stage or an event (elsewhere the parser rejects them)."""
    g = parser.grammar_text()
    edits = [
        ("          | for_line\n", ""),
        ('stage: "stage" NAME [STRING] attr*',
         'stage: "stage" NAME [STRING] attr* (_NL for_line)*'),
        ('event: "event" NAME [STRING] attr* "at" NAME [_WHEN cond]',
         'event: "event" NAME [STRING] attr* "at" NAME [_WHEN cond] (_NL for_line)*'),
        ("_block_item: assign | event | for_line | remove",
         "_block_item: assign | event | remove"),
    ]
    for old, new in edits:
        assert old in g, old
        g = g.replace(old, new)
    return Lark(g, parser="lalr")


def _texts() -> st.SearchStrategy[str]:
    gen = _generation_grammar()
    reserved = set(parser.keywords())
    names = st.one_of(
        st.sampled_from(["a", "b", "smb", "Convert", "p", "share", "normal", "x_1"]),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,5}", fullmatch=True),
    ).filter(lambda s: s not in reserved)
    # a newline, maybe after a trailing comment, maybe followed by blank and comment lines
    newline = st.builds(
        lambda trail, rest, crlf: trail + "".join(rest).replace("\n", "\r\n" if crlf
                                                                else "\n"),
        st.sampled_from(["", "", "  # trailing", "#t"]),
        st.lists(st.sampled_from(["\n", "\n", "\n\n", "\n# own line\n", "\n   \n",
                                  "\n\t# indented  \n"]), min_size=1, max_size=3),
        st.booleans())
    explicit = {}
    for t in gen.terminals:
        if t.name == "_NL":
            explicit[t.name] = newline
        elif t.name == "COMMENT":  # a comment would swallow the rest of its line
            explicit[t.name] = st.just(" ")
        elif t.name.startswith("__IGNORE"):
            explicit[t.name] = st.sampled_from([" ", "\t", "  ", "\f"])
        elif t.name == "NAME":
            explicit[t.name] = names.map(" ".__add__)
        elif t.name == "NUMBER":  # bounded exponents: the values stay finite
            explicit[t.name] = st.from_regex(
                r"[+-]?([0-9][0-9_]{0,4}(\.[0-9][0-9_]{0,3})?|\.[0-9]{1,3})"
                r"([eE][+-]?[0-9]{1,2})?%?", fullmatch=True).map(" ".__add__)
        elif t.pattern.type == "str" and not t.pattern.value.isalpha():
            explicit[t.name] = st.sampled_from([t.pattern.value, " " + t.pattern.value])
        else:  # keywords and strings: a space before, so tokens never run together
            explicit[t.name] = st.from_regex(t.pattern.to_regexp(),
                                             fullmatch=True).map(" ".__add__)
    return from_lark(gen, explicit=explicit)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(_texts())
def test_generated_texts_format_safely(text):
    diags = Diagnostics()
    module = parser.parse(text, "<string>", diags)
    assert module is not None and not diags.has_errors, [d.message for d in diags]
    out = format_text(text)  # verifies itself; raises FormatError on any doubt
    same_meaning(text, out)


# Valid journeys with a random layout, so the model (IR) comparison is exercised too.

@st.composite
def _journeys(draw) -> str:
    sp = st.sampled_from([" ", "  ", "\t", " \f "])
    personas = draw(st.lists(st.sampled_from(["ent", "smb", "consumer", "vip"]),
                             min_size=1, max_size=3, unique=True))
    stages = ["Attract", "Convert", "Close", "Delight"][: draw(st.integers(2, 4))]
    pct = st.integers(0, 100).map(lambda n: f"{n}%")
    lines = []

    def attrs(pairs):
        pairs = draw(st.permutations(pairs))
        return draw(sp).join(f"{k}={v}" for k, v in pairs)

    if draw(st.booleans()):
        lines.append(f'journey{draw(sp)}"Generated"{draw(st.sampled_from(["", "  # t"]))}')
    for p in personas:
        base = draw(st.sampled_from(["7", "8.5", "normal(7, 1)", "discrete(6: 1, 9: 3)"]))
        lines.append(f"persona{draw(sp)}{p}{draw(sp)}"
                     + attrs([("share", draw(st.integers(1, 9))), ("baseline", base),
                              ("value", draw(st.sampled_from(["0", "1_200", "1e3"])))]))
    for i, s in enumerate(stages):
        last = i == len(stages) - 1
        a = "" if last else draw(sp) + attrs([("advance", draw(pct)), ("slope", "0.1")])
        label = draw(st.sampled_from(["", ' "Label"']))
        lines.append(f"stage {s}{label}{a}")
        if not last and draw(st.booleans()):
            lines.append(f"{draw(sp)}for {personas[0]}{draw(sp)}advance={draw(pct)}")
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# a note", "   # indented note"])))
    events = []
    for k in range(draw(st.integers(0, 4))):
        name = f"ev{k}"
        stage = stages[min(k, len(stages) - 1)]
        when = ""
        if events and draw(st.booleans()):
            when = draw(st.sampled_from([
                f" when {events[-1]}", f" when not {events[0]}",
                f" when {events[0]} or {events[-1]} and score>5",
                f" when ({events[0]} or score <= 3) and not {events[-1]}"]))
        lines.append(f"event {name}{draw(sp)}"
                     + attrs([("p", draw(pct)),
                              ("impact", draw(st.sampled_from(["-1", "+2",
                                                               "uniform(0, 1)"])))])
                     + f" at {stage}{when}")
        if draw(st.booleans()):
            lines.append(f"  for {personas[-1]} p={draw(pct)}")
        events.append(name)
    if events and draw(st.booleans()):
        lines.append(f"scenario better cost=10 {{ {events[0]}.p = 1%")
        lines.append(f"{events[0]}.p[{personas[0]}]=2% }}")
    if draw(st.booleans()):
        lines.append(f"target{draw(sp)}conversion>=1%")
    if events and draw(st.booleans()):
        lines.append(f"sweep {events[0]}.p in [1%,2%]")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(_journeys())
def test_valid_journeys_keep_their_model(text):
    before = api.check_text(text)
    assert before.ok, [d.message for d in before.diagnostics]
    out = format_text(text)
    same_meaning(text, out)
    after = api.check_text(out)
    assert after.ok and after.model == before.model
