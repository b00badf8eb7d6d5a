"""Property tests of the front end: whatever the input, ``check_text`` returns diagnostics or
a model and never raises; every diagnostic points inside the text; a model that comes out
survives the JSON round trip.

Inputs: text generated from the grammar itself (``hypothesis.extra.lark.from_lark``), a soup
of the language's own tokens, arbitrary text and bytes, small edits of the bundled examples,
and well-formed journeys built to be valid (which must then check without errors).
"""

from __future__ import annotations

import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from cxdsl.lang import api, parser
from cxdsl.lang.diagnostics import Diagnostics, render
from cxdsl.lang.source import decode
from cxdsl.model import serialize
from support import ROOT

EXAMPLES = {p.name: p.read_text("utf-8") for p in sorted((ROOT / "examples").glob("*.cxj"))}

#: Imports in generated text resolve here: an empty directory, so they fail the same way
#: on every machine.
EMPTY_DIR = tempfile.mkdtemp(prefix="cxdsl-props-")

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check(text: str) -> api.Compilation:
    """Check ``text`` and verify the facts that hold for every input."""
    comp = api.check_text(text, "gen.cxj", base_dir=EMPTY_DIR)
    lines = text.split("\n")
    for d in comp.diagnostics:
        assert d.code and d.message, d
        s = d.span
        assert s is not None, d
        if s.path == "gen.cxj":
            assert 0 < s.line <= len(lines) + 1, (d, len(lines))
            if s.line <= len(lines):
                assert 0 < s.col <= len(lines[s.line - 1]) + 2, d
        d.to_dict()
    render(comp.diagnostics.sorted(), comp.sources)
    if comp.model is not None:
        assert not comp.diagnostics.has_errors
        out = serialize.dumps(comp.model)
        assert serialize.loads(out) == comp.model
        assert serialize.dumps(serialize.loads(out)) == out
    else:
        assert comp.diagnostics.has_errors
    return comp


# ---------------------------------------------------------------------- from the grammar

NAMES = ["a", "b", "S", "T", "e", "f", "glitch", "p", "impact", "share", "baseline", "value",
         "advance", "slope", "cost", "normal", "uniform", "triangular", "discrete", "nps",
         "csat", "mean", "conversion", "revenue", "x1", "_y"]
NUMBERS = ["0", "1", "7", "10", "-3", "+1.5", "0.05", ".5", "5%", "100%", "150%", "1e3",
           "2.5e-1", "200_000", "1__0", "5_", "-0", "99999999999999999999"]
STRINGS = ['""', '"x"', '"a label"', '"q \\" q"', '"b \\\\"', '"../x.cxj"', '"x.cxj"']


def _grammar_strategy():
    # The cached parser of cxdsl.lang.parser carries no grammar object, which from_lark needs:
    # build an uncached one from the same grammar text.
    lark = Lark(parser.grammar_text(), parser="lalr")
    explicit = {t.name: st.just(f" {t.pattern.value} ") for t in lark.terminals
                if t.pattern.type == "str"}
    explicit.update({
        "NAME": st.sampled_from(NAMES).map(lambda s: f" {s} "),
        "NUMBER": st.sampled_from(NUMBERS).map(lambda s: f" {s} "),
        "STRING": st.sampled_from(STRINGS).map(lambda s: f" {s} "),
        "CMP": st.sampled_from(["<", "<=", ">", ">=", "==", "!="]).map(lambda s: f" {s} "),
        "_NL": st.sampled_from(["\n", "\n\n", "\n# comment\n", "\r\n", "\n\t"]),
        "COMMENT": st.just(" "),
    })
    for name in [t.name for t in lark.terminals if t.name.startswith("__IGNORE")]:
        explicit[name] = st.sampled_from([" ", "\t"])
    return from_lark(lark, explicit=explicit)


GRAMMAR_TEXT = _grammar_strategy()


@SETTINGS
@given(GRAMMAR_TEXT)
def test_text_from_the_grammar(text):
    check(text)


HEADER = "persona a share=50% baseline=7\npersona b share=50% baseline=6\n" \
         "stage S advance=50%\nstage T\nevent e p=10% impact=-1 at S\n"


@SETTINGS
@given(GRAMMAR_TEXT)
def test_text_from_the_grammar_after_a_valid_header(text):
    """Behind declarations that resolve, generated statements reach the deeper checks."""
    check(HEADER + text)


# ------------------------------------------------------------------------- token soup

TOKENS = (["journey", "scale", "customers", "seed", "import", "persona", "stage", "goal",
           "event", "for", "target", "scenario", "sweep", "extends", "remove", "at", "when",
           "not", "and", "or", "score", "from", "to", "step", "in", "=", "==", "<", ">=",
           "..", ".", ",", ":", "(", ")", "[", "]", "{", "}", "\n", "\n", "\n", "#", "%",
           "\"", "@", "\t"] + NAMES + NUMBERS + STRINGS)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=60),
       st.lists(st.sampled_from([" ", "", "  "]), min_size=60, max_size=60))
def test_token_soup(tokens, gaps):
    check("".join(t + g for t, g in zip(tokens, gaps)))


# ------------------------------------------------------------------- arbitrary input

@SETTINGS
@given(st.text(max_size=400))
def test_arbitrary_text(text):
    check(text)


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data):
    """The path of a file: bytes are decoded (or refused with a diagnostic), then checked."""
    diags = Diagnostics()
    text = decode(data, "gen.cxj", diags)
    if text is None:
        assert diags.has_errors and {d.code for d in diags} <= {"E002", "E003"}
    else:
        check(text)


# ------------------------------------------------------------------ edits of examples

EDITS = st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "char"])


@SETTINGS
@given(st.sampled_from(sorted(EXAMPLES)), st.lists(
    st.tuples(EDITS, st.integers(0, 10**6), st.integers(0, 10**6),
              st.sampled_from(TOKENS)), min_size=1, max_size=4))
def test_edited_examples(name, edits):
    text = EXAMPLES[name]
    for kind, i, j, token in edits:
        lines = text.split("\n")
        n = len(lines)
        if kind == "delete":
            del lines[i % n]
        elif kind == "duplicate":
            lines.insert(i % n, lines[j % n])
        elif kind == "swap":
            a, b = i % n, j % n
            lines[a], lines[b] = lines[b], lines[a]
        elif kind == "insert":
            line = lines[i % n]
            k = j % (len(line) + 1)
            lines[i % n] = line[:k] + token + line[k:]
        elif kind == "truncate":
            lines = lines[: i % n]
        else:
            k = i % max(1, len(text))
            text = text[:k] + text[k + 1:]
            continue
        text = "\n".join(lines)
    check(text)


# --------------------------------------------------------------- valid journeys, built

def _num(x: float) -> str:
    return f"{x:g}"


@st.composite
def _dist(draw, lo: float, hi: float, kind: str) -> str:
    """A number or distribution; for a baseline, one whose support lies in lo..hi."""
    which = draw(st.sampled_from(["const", "normal", "uniform", "triangular", "discrete"]))
    x = st.integers(int(lo * 4), int(hi * 4)).map(lambda v: v / 4)
    if which == "const":
        return _num(draw(x))
    if which == "normal":
        return f"normal({_num(draw(x))}, {_num(draw(st.integers(0, 8)) / 4)})" \
            if kind == "impact" else f"normal({_num(draw(x))}, 0)"
    a, b, c = sorted(draw(x) for _ in range(3))
    if which == "uniform":
        return f"uniform({_num(a)}, {_num(c)})"
    if which == "triangular":
        return f"triangular({_num(a)}, {_num(b)}, {_num(c)})"
    pairs = draw(st.lists(st.tuples(x, st.integers(1, 9)), min_size=1, max_size=4))
    return "discrete(" + ", ".join(f"{_num(v)}: {w}" for v, w in pairs) + ")"


PCT = st.integers(1, 100).map(lambda v: f"{v}%")


@st.composite
def _cond(draw, refs: list[str], depth: int = 0) -> str:
    options = ["score"] + (["ref"] if refs else []) + (["not", "and", "or", "paren"]
                                                      if depth < 3 else [])
    kind = draw(st.sampled_from(options))
    if kind == "ref":
        return draw(st.sampled_from(refs))
    if kind == "score":
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return f"score {op} {_num(draw(st.integers(-4, 44)) / 4)}"
    if kind == "not":
        return "not " + draw(_cond(refs, depth + 1))
    if kind == "paren":
        return "(" + draw(_cond(refs, depth + 1)) + ")"
    parts = draw(st.lists(_cond(refs, depth + 1), min_size=2, max_size=3))
    return "(" + f" {kind} ".join(parts) + ")"


@st.composite
def journeys(draw) -> str:
    lo, hi = draw(st.sampled_from([(0, 10), (1, 5), (-3, 3), (0, 100)]))
    out = []
    if draw(st.booleans()):
        out.append('journey "A generated journey"')
    if (lo, hi) != (0, 10) or draw(st.booleans()):
        out.append(f"scale {lo}..{hi}")
    if draw(st.booleans()):
        out.append(f"customers {draw(st.integers(1, 10**9))}")
    if draw(st.booleans()):
        out.append(f"seed {draw(st.integers(0, 2**63 - 1))}")

    personas = [f"q{i}" for i in range(draw(st.integers(1, 3)))]
    top_value = 0
    for q in personas:
        label = ' "Label"' if draw(st.booleans()) else ""
        amount = draw(st.integers(0, 10_000)) if draw(st.booleans()) else 0
        top_value = max(top_value, amount)
        value = f" value={amount}" if amount or draw(st.booleans()) else ""
        out.append(f"persona {q}{label} share={draw(st.integers(1, 50))} "
                   f"baseline={draw(_dist(lo, hi, 'baseline'))}{value}")

    stages = [f"S{i}" for i in range(draw(st.integers(1, 4)))]
    events: list[tuple[str, int]] = []
    for i, s in enumerate(stages):
        last = i == len(stages) - 1
        attrs = "" if last else f" advance={draw(PCT)} slope={_num(draw(st.integers(-8, 8)) / 4)}"
        out.append(f"stage {s}{attrs}")
        if not last:
            for q in draw(st.lists(st.sampled_from(personas), unique=True, max_size=2)):
                out.append(f"  for {q} advance={draw(PCT)}")
        for _ in range(draw(st.integers(0, 3))):
            name = f"e{len(events)}"
            refs = [e for e, _ in events]
            when = f" when {draw(_cond(refs))}" if draw(st.booleans()) else ""
            out.append(f"event {name} p={draw(PCT)} impact={draw(_dist(-3, 3, 'impact'))} "
                       f"at {s}{when}")
            for q in draw(st.lists(st.sampled_from(personas), unique=True, max_size=2)):
                out.append(f"  for {q} p={draw(PCT)} impact={draw(_dist(-3, 3, 'impact'))}")
            events.append((name, i))
    if draw(st.booleans()):
        out.append(f"goal {draw(st.sampled_from(stages))}")

    # targets the forecast can both meet and miss: thresholds inside each metric's range
    for _ in range(draw(st.integers(0, 3))):
        metric = draw(st.sampled_from(["nps", "csat", "mean", "conversion"]
                                      + (["revenue"] if top_value >= 2 else [])
                                      if (lo, hi) == (0, 10) else
                                      ["csat", "mean", "conversion"]
                                      + (["revenue"] if top_value >= 2 else [])))
        value = {"nps": st.integers(-99, 99).map(str), "csat": st.integers(1, 99).map(str),
                 "mean": st.integers(lo + 1, hi - 1).map(str) if hi - lo >= 2
                 else st.just(f"{(lo + hi) / 2}"),
                 "conversion": st.integers(1, 99).map(lambda v: f"{v}%"),
                 "revenue": st.integers(1, max(1, top_value - 1)).map(str)}[metric]
        tail = f" for {draw(st.sampled_from(personas))}" if draw(st.booleans()) else ""
        out.append(f"target {metric} {draw(st.sampled_from(['>=', '>', '<=', '<']))} "
                   f"{draw(value)}{tail}")

    # scenarios: changes to events that are still there, removals of events nobody refers to
    referenced = {r for line in out if " when " in line for r in
                  line.split(" when ")[1].replace("(", " ").replace(")", " ").split()}
    removed_by: dict[str, set[str]] = {}
    for k in range(draw(st.integers(0, 3))):
        name = f"sc{k}"
        parents = draw(st.lists(st.sampled_from(sorted(removed_by)), unique=True, max_size=2)
                       ) if removed_by else []
        gone = set().union(*(removed_by[p] for p in parents)) if parents else set()
        items = []
        alive = [e for e, _ in events if e not in gone]
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["event", "stage", "persona", "new", "remove"]))
            if kind == "event" and alive:
                e = draw(st.sampled_from(alive))
                q = f"[{draw(st.sampled_from(personas))}]" if draw(st.booleans()) else ""
                items.append(f"  {e}.p{q} = {draw(PCT)}")
            elif kind == "stage" and len(stages) > 1:
                s = draw(st.sampled_from(stages[:-1]))
                items.append(f"  {s}.advance = {draw(PCT)}")
            elif kind == "persona":
                items.append(f"  {draw(st.sampled_from(personas))}.baseline = "
                             f"{draw(_dist(lo, hi, 'baseline'))}")
            elif kind == "new":
                items.append(f"  event {name}_new{len(items)} p={draw(PCT)} impact=1 "
                             f"at {draw(st.sampled_from(stages))}")
            elif kind == "remove":
                free = [e for e in alive if e not in referenced]
                if free:
                    e = draw(st.sampled_from(free))
                    items.append(f"  remove {e}")
                    alive.remove(e)
                    gone = gone | {e}
        removed_by[name] = gone
        ext = f" extends {', '.join(parents)}" if parents else ""
        cost = f" cost={draw(st.integers(0, 10**6))}" if items and draw(st.booleans()) else ""
        # a path is set once per scenario (twice is E205)
        items = [it for i, it in enumerate(items)
                 if " = " not in it or it.split(" = ")[0] not in
                 [x.split(" = ")[0] for x in items[:i]]]
        block = " {\n" + "\n".join(items) + "\n}" if items else ""
        out.append(f"scenario {name}{ext}{cost}{block}")

    swept = set()
    for _ in range(draw(st.integers(0, 2))):
        options = [f"{e}.p" for e, _ in events] + [f"{s}.advance" for s in stages[:-1]]
        options = [o for o in options if o not in swept]
        if not options:
            break
        path = draw(st.sampled_from(options))
        swept.add(path)
        if draw(st.booleans()):
            values = draw(st.lists(PCT, min_size=1, max_size=4))
            out.append(f"sweep {path} in [{', '.join(values)}]")
        else:
            a = draw(st.integers(0, 50))
            out.append(f"sweep {path} from {a}% to {draw(st.integers(a, 100))}% step "
                       f"{draw(st.integers(1, 25))}%")
    return "\n".join(out) + "\n"


@SETTINGS
@given(journeys())
def test_valid_journeys_check_without_errors_and_round_trip(text):
    comp = check(text)
    errors = [f"{d.span.line}:{d.span.col} {d.code} {d.message}"
              for d in comp.diagnostics.errors]
    assert not errors, text + "\n" + "\n".join(errors)
    assert api.check_text(text, "gen.cxj", base_dir=EMPTY_DIR).model == comp.model
