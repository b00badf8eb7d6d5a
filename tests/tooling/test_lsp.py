"""The language server, end to end over stdio with pytest-lsp: diagnostics with versions and
debouncing, hover, completion, definition, references, rename, symbols, formatting, a
server that survives bad requests, and one that keeps answering while an example is typed
in keystroke by keystroke. Position and edit helpers are tested in-process."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
import pytest_asyncio
import pytest_lsp
from hypothesis import given, settings
from hypothesis import strategies as st
from lsp_client import make_client
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient

from cxdsl.lang import api
from cxdsl.tooling import lsp as lsp_mod
from cxdsl.tooling.formatter import format_text
from cxdsl.tooling.lsp import LineIndex, text_edits
from cxdsl.tooling.lsp.vocabulary import KINDS
from support import EXAMPLES, ROOT, SAAS

aio = pytest.mark.asyncio(loop_scope="module")




@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "cxdsl", "lsp"],
                              client_factory=make_client),
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(),
        initialization_options={"debounce": 0.1},
        root_uri=from_fs_path(str(ROOT))))
    yield
    await lsp_client.shutdown_session()


# ----------------------------------------------------------------------------- helpers

_versions: dict[str, int] = {}


def open_doc(client: LanguageClient, uri: str, text: str) -> None:
    _versions[uri] = 1
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="cxj", version=1,
                                           text=text)))


def change_doc(client: LanguageClient, uri: str, text: str) -> int:
    _versions[uri] += 1
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=_versions[uri]),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
    return _versions[uri]


async def diagnostics_for(client: LanguageClient, uri: str, version: int,
                          timeout: float = 10) -> lsp.PublishDiagnosticsParams:
    """The diagnostics published for ``uri`` at ``version`` (waits for them)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for p in reversed(client.published):
            if p.uri == uri and p.version == version:
                return p
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics for {uri} version {version}; got "
                         f"{[(p.uri, p.version) for p in client.published][-5:]}")


def pos(text: str, needle: str, nth: int = 0, delta: int = 0) -> lsp.Position:
    """The position of the ``nth`` occurrence of ``needle`` (plus ``delta`` characters)."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    return LineIndex(text).position(offset + delta)


def doc_id(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


def apply_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    lines = LineIndex(text)
    spans = sorted(((lines.offset(e.range.start), lines.offset(e.range.end), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


# ----------------------------------------------------------------------- diagnostics


@aio
async def test_diagnostics_carry_versions_and_are_debounced(client: LanguageClient):
    uri = "untitled:diag.cxj"
    text = SAAS.read_text("utf-8")
    open_doc(client, uri, text)
    first = await diagnostics_for(client, uri, 1)
    assert list(first.diagnostics) == []

    broken = text.replace("at Convert when demo_glitch", "at Convrt when demo_glitch")
    v = change_doc(client, uri, broken)
    got = await diagnostics_for(client, uri, v)
    [d] = got.diagnostics
    assert d.severity == lsp.DiagnosticSeverity.Error and d.source == "cxdsl"
    assert "Convrt" in d.message and "Convert" in d.message  # with the did-you-mean hint
    assert d.range.start == pos(broken, "Convrt")

    # a burst of keystrokes: one publication, for the last version
    before = len(client.published)
    for i in range(10):
        last = change_doc(client, uri, broken + "#" * i)
    final = await diagnostics_for(client, uri, last)
    assert len(final.diagnostics) == 1
    burst = [p for p in client.published[before:] if p.uri == uri]
    assert len(burst) < 5, [p.version for p in burst]

    v = change_doc(client, uri, "persona a share=\n")
    syntax = await diagnostics_for(client, uri, v)
    assert syntax.diagnostics and syntax.diagnostics[0].code.startswith("E1")

    client.text_document_did_close(lsp.DidCloseTextDocumentParams(text_document=doc_id(uri)))
    end = time.monotonic() + 5
    while time.monotonic() < end and client.diagnostics.get(uri):
        await asyncio.sleep(0.01)
    assert list(client.diagnostics[uri]) == []


# ----------------------------------------------------------------- reading features

TEXT = SAAS.read_text("utf-8")
URI = "untitled:saas.cxj"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def saas(client: LanguageClient):
    open_doc(client, URI, TEXT)
    await diagnostics_for(client, URI, 1)
    return URI


async def hover_text(client, uri, position) -> str | None:
    h = await client.text_document_hover_async(lsp.HoverParams(
        text_document=doc_id(uri), position=position))
    return h.contents.value if h else None


async def assert_hovers(client, uri: str, text: str, hovers) -> None:
    """Each of ``hovers``, (needle, its occurrence, characters into it, what the hover
    says): the hover there says every one of those texts."""
    for needle, nth, delta, says in hovers:
        shown = await hover_text(client, uri, pos(text, needle, nth, delta))
        missing = [part for part in says if part not in (shown or "")]
        assert not missing, (needle, missing, shown)


#: Hovers over the SaaS example (see :func:`assert_hovers`).
SAAS_HOVERS = [
    ("demo_glitch", 1, 2, ("**event** `demo_glitch`", "Demo stops on a technical glitch",
                           "| enterprise | 2% | -3 |", "| smb | 5% | -3 |")),
    ("persona smb", 0, 9, ("**persona** `smb`", "share 70%", "baseline normal(7.2, 1.3)",
                           "value 1200")),
    ("at Convert", 0, 4, ("**stage** `Convert`", "stage 2 of 4", "| enterprise | 45% | 0.4 |")),
    ("stage Delight", 0, 7, ("the goal", "last stage")),
    ("extends reliable_demos", 0, 9, ("**scenario** `reliable_demos`", "demo_glitch.p = 1%")),
    ("p=60%", 0, 0, ("probability",)),
    ("target nps", 0, 8, ("net promoter",)),
    ("when demo_glitch", 0, 0, ("when COND",)),
]


@aio
async def test_hover(client: LanguageClient, saas):
    await assert_hovers(client, saas, TEXT, SAAS_HOVERS)
    assert await hover_text(client, saas, pos(TEXT, "# examples", delta=3)) is None


@aio
async def test_hover_without_a_model_uses_the_tree(client: LanguageClient):
    uri = "untitled:hover-tree.cxj"
    text = "persona a share=1 baseline=7\nstage S\nevent e p=5% impact=-1 at Nowhere\n"
    open_doc(client, uri, text)
    await diagnostics_for(client, uri, 1)
    h = await hover_text(client, uri, pos(text, "event e", delta=6))
    assert "**event** `e`" in h and "p=5% impact=-1" in h
    h = await hover_text(client, uri, pos(text, "Nowhere", delta=1))
    assert "no stage of this name" in h


async def complete(client, uri, text: str, position) -> list[str]:
    change_doc(client, uri, text)
    got = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc_id(uri), position=position))
    items = got.items if isinstance(got, lsp.CompletionList) else got or []
    return [i.label for i in items]


@aio
@pytest.mark.parametrize("line, expected, absent", [
    ("event x p=1% at ", {"Attract", "Convert", "Close", "Delight"}, {"smb"}),
    ("event x at Close when ", {"demo_glitch", "slow_followup", "not", "score"}, {"smb"}),
    ("event x at Close when demo_glitch and ", {"demo_glitch"}, set()),
    ("event x at Close when demo_glitch ", {"and", "or"}, set()),
    ("  for ", {"enterprise", "smb"}, {"Convert"}),
    ("goal ", {"Delight", "Close"}, {"smb"}),
    ("target ", {"nps", "csat", "mean", "conversion", "revenue"}, set()),
    ("target nps >= 3 for ", {"smb", "enterprise"}, set()),
    ("sweep ", {"demo_glitch", "Convert", "smb"}, set()),
    ("sweep demo_glitch.", {"p", "impact"}, {"advance"}),
    ("sweep Convert.", {"advance", "slope"}, {"p"}),
    ("sweep Convert.advance[", {"smb", "enterprise"}, set()),
    ("scenario more extends ", {"reliable_demos", "fast_followup", "both"}, set()),
    ("persona vip share=5% ", {"baseline=", "value="}, {"share="}),
    ("event y p=5% ", {"impact=", "at"}, {"p="}),
    ("event y impact=", {"normal", "uniform", "triangular", "discrete"}, set()),
    ("pe", {"persona", "stage", "event", "scenario", "sweep"}, {"smb"}),
    ("# a comment at ", set(), {"Convert"}),
])
async def test_completion(client: LanguageClient, line, expected, absent):
    uri = "untitled:complete.cxj"
    if uri not in _versions:
        open_doc(client, uri, TEXT)
    text = TEXT + "\n" + line
    labels = set(await complete(client, uri, text, LineIndex(text).position(len(text))))
    assert expected <= labels, labels
    assert not (absent & labels), labels


@aio
async def test_completion_inside_a_scenario_block(client: LanguageClient):
    uri = "untitled:complete.cxj"
    if uri not in _versions:
        open_doc(client, uri, TEXT)
    text = TEXT + "\nscenario s {\n  \n}\n"
    labels = set(await complete(client, uri, text, pos(text, "{\n  \n", delta=4)))
    assert {"remove", "event", "demo_glitch", "Convert"} <= labels
    text = TEXT + "\nscenario s {\n  remove \n}\n"
    labels = set(await complete(client, uri, text, pos(text, "remove \n", delta=7)))
    assert "demo_glitch" in labels and "smb" not in labels


@aio
async def test_definition_and_references(client: LanguageClient, saas):
    got = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=doc_id(saas), position=pos(TEXT, "when demo_glitch", delta=6)))
    assert got.uri == saas and got.range.start == pos(TEXT, "demo_glitch")
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc_id(saas), position=pos(TEXT, "demo_glitch"),
        context=lsp.ReferenceContext(include_declaration=True)))
    # declaration, two conditions, a scenario path and a sweep
    assert sorted(r.range.start.line for r in refs) == sorted(
        i for i, ln in enumerate(TEXT.split("\n")) if "demo_glitch" in ln)
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc_id(saas), position=pos(TEXT, "demo_glitch"),
        context=lsp.ReferenceContext(include_declaration=False)))
    assert pos(TEXT, "demo_glitch") not in [r.range.start for r in refs]
    marks = await client.text_document_document_highlight_async(
        lsp.DocumentHighlightParams(text_document=doc_id(saas),
                                    position=pos(TEXT, "for enterprise", delta=5)))
    assert len(marks) == TEXT.count("enterprise")


@aio
async def test_rename(client: LanguageClient, saas):
    where = pos(TEXT, "Convert", 2, 1)
    prep = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(
        text_document=doc_id(saas), position=where))
    assert prep is not None
    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc_id(saas), position=where, new_name="Evaluate"))
    renamed = apply_edits(TEXT, edit.changes[saas])
    assert "Convert" not in renamed and renamed.count("Evaluate") == TEXT.count("Convert")
    comp = api.check_text(renamed)
    assert comp.ok and "Evaluate" in [s.name for s in comp.model.stages]

    for bad in ("2fast", "at", "smb"):  # not a name, a keyword, a name in use
        with pytest.raises(JsonRpcException):
            await client.text_document_rename_async(lsp.RenameParams(
                text_document=doc_id(saas), position=where, new_name=bad))
    nothing = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(
        text_document=doc_id(saas), position=pos(TEXT, "impact=")))
    assert nothing is None


@aio
async def test_document_symbols(client: LanguageClient, saas):
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=doc_id(saas)))
    names = [s.name for s in symbols]
    for name in ("enterprise", "smb", "Attract", "Delight", "demo_glitch", "rescue_call",
                 "reliable_demos", "chatbot", "nps >= 20", "sweep demo_glitch.p"):
        assert name in names
    chatbot = next(s for s in symbols if s.name == "chatbot")
    assert [c.name for c in chatbot.children] == ["chatbot_answer",
                                                  "remove personalized_demo"]
    convert = next(s for s in symbols if s.name == "Convert")
    assert convert.range.end.line == convert.range.start.line + 1  # with its `for` line
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(
        text_document=doc_id(saas)))
    assert any(f.kind == lsp.FoldingRangeKind.Region for f in folds)


@aio
async def test_formatting(client: LanguageClient):
    uri = "untitled:fmt.cxj"
    messy = "persona  a share=1   baseline=7 # who\nstage S\n\n\n\nstage   T\n"
    open_doc(client, uri, messy)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=doc_id(uri), options=lsp.FormattingOptions(tab_size=2,
                                                                  insert_spaces=True)))
    assert apply_edits(messy, edits) == format_text(messy)
    change_doc(client, uri, format_text(messy))
    assert await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=doc_id(uri), options=lsp.FormattingOptions(
            tab_size=2, insert_spaces=True))) in ([], ())
    change_doc(client, uri, "persona a share=\n")
    assert await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=doc_id(uri), options=lsp.FormattingOptions(
            tab_size=2, insert_spaces=True))) is None


@aio
async def test_imports(client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("imports")
    (root / "people.cxj").write_text(
        "persona enterprise share=30% baseline=8\npersona smb share=70% baseline=7\n")
    main_text = ('import "people.cxj"\nstage A advance=50%\n  for smb advance=40%\n'
                 "stage B\nevent e p=5% at A\n")
    main_path = root / "main.cxj"
    main_path.write_text(main_text)
    uri = from_fs_path(str(main_path))
    open_doc(client, uri, main_text)
    assert list((await diagnostics_for(client, uri, 1)).diagnostics) == []
    got = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=doc_id(uri), position=pos(main_text, "for smb", delta=5)))
    assert got.uri == from_fs_path(str(root / "people.cxj"))
    assert got.range.start.line == 1
    h = await hover_text(client, uri, pos(main_text, "for smb", delta=5))
    assert "share 70%" in h and "declared in people.cxj" in h
    got = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=doc_id(uri), position=pos(main_text, "people", delta=1)))
    assert got.uri == from_fs_path(str(root / "people.cxj"))
    # an error inside the imported file is shown on the import line
    (root / "people.cxj").write_text("persona enterprise share=30% baseline=80\n")
    v = change_doc(client, uri, main_text.replace("for smb", "for enterprise"))
    diags = (await diagnostics_for(client, uri, v)).diagnostics
    assert diags and diags[0].range.start.line == 0 and "people.cxj" in diags[0].message


# ------------------------------------------------------------------------- robustness


@aio
async def test_bad_requests_do_not_kill_the_server(client: LanguageClient, saas):
    # a document the server was never given, at a path that does not exist: answered
    # with no hover, and nothing logged (it is no failure of the server)
    ghost = from_fs_path(str(ROOT / "no" / "such" / "file.cxj"))
    logged = len(client.log_messages)
    for _ in range(2):
        assert await client.text_document_hover_async(lsp.HoverParams(
            text_document=doc_id(ghost), position=lsp.Position(line=0, character=0))) is None
    assert client.log_messages[logged:] == []
    # positions far outside the document
    far = lsp.Position(line=10_000, character=500)
    assert await hover_text(client, saas, far) is None
    await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc_id(saas), position=far))
    await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=doc_id(saas), position=far))
    # and the server still answers
    assert "**event**" in await hover_text(client, saas, pos(TEXT, "demo_glitch", 1, 2))


@aio
@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
async def test_typing_an_example_keystroke_by_keystroke(client: LanguageClient, example):
    """Every k-th prefix of the example, as if typed: each request gets an answer, the
    final diagnostics are clean."""
    text = example.read_text("utf-8")
    uri = f"untitled:typing-{example.stem}.cxj"
    open_doc(client, uri, "")
    step = max(1, len(text) // 300)
    cuts = list(range(0, len(text), step)) + [len(text)]
    for n, cut in enumerate(cuts):
        prefix = text[:cut]
        change_doc(client, uri, prefix)
        end = LineIndex(prefix).position(len(prefix))
        if n % 3 == 0:
            await client.text_document_completion_async(lsp.CompletionParams(
                text_document=doc_id(uri), position=end))
        elif n % 3 == 1:
            await client.text_document_hover_async(lsp.HoverParams(
                text_document=doc_id(uri), position=lsp.Position(
                    line=end.line, character=max(0, end.character - 1))))
        else:
            await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
                text_document=doc_id(uri)))
    final = await diagnostics_for(client, uri, _versions[uri])
    assert [d for d in final.diagnostics
            if d.severity == lsp.DiagnosticSeverity.Error] == []
    assert "**" in (await hover_text(client, uri, pos(text, "persona ", delta=9)))


# ------------------------------------------------------------------ in-process helpers


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_feature_on_prefixes_and_positions_in_process(example):
    """The features' logic on many more prefixes than the end-to-end test can send, and
    at positions all over the finished file: none of them raises."""
    text = example.read_text("utf-8")
    uri = f"untitled:{example.name}"
    previous = None
    for cut in list(range(0, len(text), 17)) + [len(text)]:
        a = lsp_mod.analyze(uri, cut, text[:cut], previous=previous)
        previous = a
        lsp_mod.complete(a, cut)
        lsp_mod.hover(a, max(0, cut - 1))
        lsp_mod.document_symbols(a)
        lsp_mod.folding_ranges(a)
        lsp_mod.lsp_diagnostics(a)
    a = lsp_mod.analyze(uri, 0, text)
    assert a.model is not None
    for offset in range(0, len(text), 7):
        lsp_mod.complete(a, offset)
        h = lsp_mod.hover(a, offset)
        use = a.index.at(offset)
        if use is not None and use.kind in KINDS:
            assert a.resolve(use) is not None, use  # every name in an example resolves
            assert h is not None


def test_line_index_counts_utf16_units_and_every_line_break():
    text = 'journey "😀 é"\r\nseed 1\rcustomers 2\n'
    lines = LineIndex(text)
    seed = text.index("seed")
    assert lines.position(seed) == lsp.Position(line=1, character=0)
    assert lines.position(text.index("customers")) == lsp.Position(line=2, character=0)
    quote = text.index('"', 9)
    assert lines.position(quote) == lsp.Position(line=0, character=quote + 1)  # 😀: 2 units
    assert lines.offset(lines.position(quote)) == quote
    assert LineIndex(text, "utf-8").position(quote).character == quote + 3 + 1
    assert LineIndex(text, "utf-32").position(quote).character == quote
    assert lines.offset(lsp.Position(line=99, character=0)) == len(text)
    assert lines.offset(lsp.Position(line=0, character=999)) == text.index("\r")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "", "c d", "  e"]), max_size=8),
       st.lists(st.sampled_from(["a", "b", "", "c d", "x"]), max_size=8),
       st.booleans(), st.booleans())
def test_text_edits_turn_one_text_into_the_other(a, b, end_a, end_b):
    before = "\n".join(a) + ("\n" if end_a else "")
    after = "\n".join(b) + ("\n" if end_b else "")
    assert apply_edits(before, text_edits(before, after)) == after


# ------------------------------------------------------------------------- surveys

SURVEYS = """persona buyer share=100% baseline=7
stage Attract advance=60%
stage Convert advance=50%
stage Delight
survey customers "Relationship NPS" at Delight
survey evaluation "After the demo" at Convert
survey everyone at end
volume 40_000 per month
target nps >= 20
target evaluation.csat >= 40
target everyone.mean > 5
"""
SURVEYS_URI = "untitled:surveys.cxj"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def surveys(client: LanguageClient):
    open_doc(client, SURVEYS_URI, SURVEYS)
    assert list((await diagnostics_for(client, SURVEYS_URI, 1)).diagnostics) == []
    return SURVEYS_URI


#: Hovers over the surveys spec (see :func:`assert_hovers`).
SURVEY_HOVERS = [
    ("customers", 0, 2, ("**survey** `customers`", "Relationship NPS", "stage `Delight`",
                         "the headline survey")),
    ("evaluation.csat", 0, 2, ("**survey** `evaluation`", "stage `Convert`",
                               "not the headline: that is `customers`")),
    ("everyone.mean", 0, 1, ("asked at end",)),
    ("per month", 0, 0, ("per PERIOD",)),
    ("at end", 0, 4, ("at end",)),
    ("survey", 0, 0, ("survey NAME",)),
    ("volume", 0, 0, ("volume N",)),
]


@aio
async def test_survey_hover(client: LanguageClient, surveys):
    await assert_hovers(client, surveys, SURVEYS, SURVEY_HOVERS)


@aio
async def test_implicit_survey_hover(client: LanguageClient):
    uri = "untitled:implicit-survey.cxj"
    text = "persona a share=1 baseline=7\nstage S advance=50%\nstage T\ntarget customers.nps > 0\n"
    open_doc(client, uri, text)
    assert list((await diagnostics_for(client, uri, 1)).diagnostics) == []
    h = await hover_text(client, uri, pos(text, "customers", delta=1))
    assert "(implicit)" in h and "goal stage `T`" in h


@aio
async def test_survey_definition_references_and_rename(client: LanguageClient, surveys):
    got = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=doc_id(surveys), position=pos(SURVEYS, "evaluation.csat", delta=1)))
    assert got.range.start == pos(SURVEYS, "evaluation")
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc_id(surveys), position=pos(SURVEYS, "evaluation"),
        context=lsp.ReferenceContext(include_declaration=True)))
    assert sorted(r.range.start for r in refs) == sorted(
        [pos(SURVEYS, "evaluation"), pos(SURVEYS, "evaluation", 1)], key=str)
    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc_id(surveys), position=pos(SURVEYS, "evaluation.csat"),
        new_name="after_demo"))
    renamed = apply_edits(SURVEYS, edit.changes[surveys])
    assert "target after_demo.csat >= 40" in renamed and "survey after_demo " in renamed
    comp = api.check_text(renamed)
    assert comp.ok and [s.name for s in comp.model.surveys][1] == "after_demo"
    for taken in ("buyer", "Convert", "everyone"):  # surveys share the one namespace
        with pytest.raises(JsonRpcException):
            await client.text_document_rename_async(lsp.RenameParams(
                text_document=doc_id(surveys), position=pos(SURVEYS, "evaluation"),
                new_name=taken))
    # the stage a survey is asked at is a reference of the stage
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=doc_id(surveys), position=pos(SURVEYS, "stage Convert", delta=6),
        context=lsp.ReferenceContext(include_declaration=False)))
    assert [r.range.start for r in refs] == [pos(SURVEYS, "at Convert", delta=3)]
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=doc_id(surveys)))
    names = [s.name for s in symbols]
    assert {"customers", "evaluation", "everyone", "volume 40_000 per month",
            "evaluation.csat >= 40"} <= set(names)


@aio
@pytest.mark.parametrize("line, expected, absent", [
    ("target ", {"nps", "conversion", "customers", "evaluation", "everyone"}, {"buyer"}),
    ("target evaluation.", {"nps", "csat", "mean"}, {"conversion", "revenue", "p"}),
    ("survey late ", {"at"}, {"Delight"}),
    ("survey late at ", {"Attract", "Convert", "Delight", "end"}, {"buyer"}),
    ('survey late "Late one" at ', {"Attract", "end"}, set()),
    ("volume 5 ", {"per"}, set()),
    ("volume 5 per ", {"day", "week", "month", "quarter", "year"}, set()),
    ("scenario s ", {"cost=", "running_cost="}, set()),
    ("vo", {"volume", "survey"}, set()),
])
async def test_survey_completion(client: LanguageClient, line, expected, absent):
    uri = "untitled:complete-surveys.cxj"
    if uri not in _versions:
        open_doc(client, uri, SURVEYS)
    text = SURVEYS + line
    labels = set(await complete(client, uri, text, LineIndex(text).position(len(text))))
    assert expected <= labels, labels
    assert not (absent & labels), labels
