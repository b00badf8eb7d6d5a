"""The language server on uncertain values, end to end over stdio with pytest-lsp: the hover
of an ``uncertain`` line (mean and 95% range of the distribution, in the attribute's unit,
checked against scipy's quantiles), the note a declaration's and an attribute's hover add,
completion of paths after ``uncertain`` and of the distributions that fit after ``~`` (with
placeholders that are valid text), and the document symbols of uncertain and worlds lines."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest
import pytest_asyncio
import pytest_lsp
from lsp_client import make_client
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient
from scipy import stats

from cxdsl.lang import api
from cxdsl.tooling import lsp as lsp_mod
from cxdsl.tooling.lsp import LineIndex

aio = pytest.mark.asyncio(loop_scope="module")

TEXT = """journey "Uncertain"
worlds 500
persona smb share=70% baseline=7 value=1_200
persona enterprise share=30% baseline=normal(8, 1) value=12_000
stage Convert advance=35%
stage Close
event demo_glitch p=5% impact=-3 at Convert
  for enterprise p=2%
event recovery p=70% impact=+2 at Convert when demo_glitch

uncertain demo_glitch.p ~ beta(3, 57)
uncertain recovery.impact ~ triangular(1, 2, 3)
uncertain enterprise.baseline ~ normal(8, 0.5)
uncertain enterprise.value ~ normal(12_000, 2_000)
uncertain Convert.advance[smb] ~ uniform(30%, 40%)

scenario fix {
  demo_glitch.p = 1%
}
scenario faster {
  recovery.p = 90%
}
"""
URI = "untitled:uncertain.cxj"
#: The journey without its uncertain lines and scenario, for completing new ones.
BASE = TEXT.split("\nuncertain")[0] + "\n"




@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "cxdsl", "lsp"],
                              client_factory=make_client),
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=lsp.ClientCapabilities(), initialization_options={"debounce": 0.05}))
    yield
    await lsp_client.shutdown_session()


_versions: dict[str, int] = {}


def set_doc(client: LanguageClient, uri: str, text: str) -> int:
    if uri not in _versions:
        _versions[uri] = 1
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="cxj", version=1,
                                               text=text)))
        return 1
    _versions[uri] += 1
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=_versions[uri]),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
    return _versions[uri]


async def published(client: LanguageClient, uri: str, version: int) -> list:
    end = time.monotonic() + 10
    while time.monotonic() < end:
        for p in reversed(client.published):
            if p.uri == uri and p.version == version:
                return list(p.diagnostics)
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics for {uri} version {version}")


def pos(text: str, needle: str, delta: int = 0) -> lsp.Position:
    return LineIndex(text).position(text.index(needle) + delta)


def doc_id(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=uri)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def doc(client: LanguageClient):
    assert api.check_text(TEXT).ok
    assert await published(client, URI, set_doc(client, URI, TEXT)) == []
    return URI


async def hover_text(client, text: str, needle: str, delta: int = 0) -> str:
    h = await client.text_document_hover_async(lsp.HoverParams(
        text_document=doc_id(URI), position=pos(text, needle, delta)))
    return h.contents.value if h else ""


def sig(x: float) -> str:
    """3 significant digits, as the hovers write numbers."""
    v = float(f"{x:.3g}")
    return f"{v:,.10f}".rstrip("0").rstrip(".")


@aio
async def test_hover_of_an_uncertain_line_shows_mean_and_95_range(client, doc):
    lo, hi = stats.beta.ppf([0.025, 0.975], 3, 57)
    for needle, delta in (("uncertain demo_glitch", 2), ("~ beta(3", 0), ("beta(3", 2),
                          ("demo_glitch.p ~", 12)):
        shown = await hover_text(client, TEXT, needle, delta)
        assert "**uncertain** `demo_glitch.p` ~ `beta(3, 57)`" in shown, (needle, shown)
        assert f"mean 5%, 95% of worlds draw {sig(lo * 100)}%–{sig(hi * 100)}%" in shown
    # an impact in signed score points: triangular(1, 2, 3) has its 2.5% point at 1 + √0.05
    shown = await hover_text(client, TEXT, "uncertain recovery", 2)
    t_lo, t_hi = 1 + 0.05 ** 0.5, 3 - 0.05 ** 0.5
    assert f"mean +2 points, 95% of worlds draw +{sig(t_lo)}–+{sig(t_hi)} points" in shown
    # money as a plain number; a baseline declared as a distribution has its mean drawn
    lo, hi = stats.norm.ppf([0.025, 0.975], 12_000, 2_000)
    shown = await hover_text(client, TEXT, "uncertain enterprise.value", 2)
    assert f"mean 12,000, 95% of worlds draw {sig(lo)}–{sig(hi)}" in shown
    shown = await hover_text(client, TEXT, "uncertain enterprise.baseline", 2)
    assert "the mean of the declared normal(8, 1); its spread stays" in shown
    # a percentage range of a uniform: 2.5% and 97.5% of the way from 30% to 40%
    shown = await hover_text(client, TEXT, "uncertain Convert", 2)
    u_lo, u_hi = 0.3 + 0.025 * (0.4 - 0.3), 0.3 + 0.975 * (0.4 - 0.3)
    assert f"mean 35%, 95% of worlds draw {sig(u_lo * 100)}%–{sig(u_hi * 100)}%" in shown
    # a scenario that sets the path makes it certain there
    shown = await hover_text(client, TEXT, "uncertain demo_glitch", 2)
    assert "certain in `fix`" in shown


@aio
async def test_the_path_names_its_declaration_and_mentions_the_uncertainty(client, doc):
    shown = await hover_text(client, TEXT, "uncertain demo_glitch", 11)  # on the name
    assert "**event** `demo_glitch`" in shown and "**uncertain** in a forecast" in shown
    assert "`demo_glitch.p` ~ `beta(3, 57)`" in shown
    shown = await hover_text(client, TEXT, "event demo_glitch", 7)
    assert "`demo_glitch.p` ~ `beta(3, 57)`: mean 5%" in shown
    shown = await hover_text(client, TEXT, "event recovery", 7)
    assert "`recovery.impact` ~ `triangular(1, 2, 3)`" in shown
    assert "demo_glitch.p" not in shown.split("**uncertain**")[-1]


@aio
async def test_an_attribute_hover_mentions_its_uncertainty(client, doc):
    shown = await hover_text(client, TEXT, "p=5%")
    assert "probability" in shown and "`demo_glitch.p` ~ `beta(3, 57)`" in shown
    shown = await hover_text(client, TEXT, "advance=35%")
    # uncertain for smb only: the declaration's attribute (every persona) mentions it
    assert "`Convert.advance[smb]` ~ `uniform(30%, 40%)`" in shown
    shown = await hover_text(client, TEXT, "impact=-3")
    assert "uncertain" not in shown


@aio
async def test_hover_without_a_model_quotes_the_line(client):
    uri = "untitled:uncertain-broken.cxj"
    text = TEXT.replace("stage Close", "stage Close\ngoal Nowhere")
    assert await published(client, uri, set_doc(client, uri, text))
    h = await client.text_document_hover_async(lsp.HoverParams(
        text_document=doc_id(uri), position=pos(text, "uncertain demo_glitch", 2)))
    assert "`demo_glitch.p` ~ `beta(3, 57)`" in h.contents.value
    assert "once the file checks clean" in h.contents.value


async def complete(client, text: str) -> list[lsp.CompletionItem]:
    uri = "untitled:uncertain-complete.cxj"
    set_doc(client, uri, text)
    got = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=doc_id(uri), position=LineIndex(text).position(len(text))))
    items = got.items if isinstance(got, lsp.CompletionList) else got or []
    return sorted(items, key=lambda i: i.sort_text or i.label)


@aio
async def test_completion_after_uncertain_offers_paths(client):
    labels = [i.label for i in await complete(client, TEXT + "uncertain ")]
    assert {"demo_glitch.impact", "recovery.p", "Convert.slope", "smb.share"} <= set(labels)
    assert "Close.advance" not in labels  # the last stage: nobody advances past it
    # those not uncertain yet come first
    assert labels.index("recovery.p") < labels.index("demo_glitch.p")
    labels = [i.label for i in await complete(client, TEXT + "uncertain demo_glitch.p ")]
    assert labels == ["~"]
    labels = {i.label for i in await complete(client, TEXT[:30] + "\nunc")}
    assert {"uncertain", "worlds"} <= labels


@aio
@pytest.mark.parametrize("line, first, forms", [
    ("uncertain demo_glitch.p ~ ", "beta(5, 95)", ["beta", "uniform", "triangular", "discrete"]),
    ("uncertain demo_glitch.p[enterprise] ~ ", "beta(2, 98)",
     ["beta", "uniform", "triangular", "discrete"]),
    ("uncertain smb.share ~", "beta(14, 6)", ["beta", "uniform", "triangular", "discrete"]),
    ("uncertain recovery.impact ~ ", "normal(2, 0.5)",
     ["normal", "uniform", "triangular", "discrete"]),
    ("uncertain smb.value ~ n", "normal(1_200, 300)",
     ["normal", "uniform", "triangular", "discrete"]),
])
async def test_completion_after_tilde_offers_the_distributions_that_fit(client, line, first,
                                                                        forms):
    # the document being typed does not compile: the numbers come from its declarations
    items = await complete(client, BASE + line)
    assert [i.label for i in items] == forms
    assert items[0].detail == first
    for item in items:  # each snippet, its placeholders accepted, is a valid line
        body = item.insert_text
        for n in range(1, 5):
            body = body.replace(f"${{{n}:", "", 1)
        body = body.replace("}", "")
        assert body == item.detail
        assert api.check_text(BASE + line.split("~")[0] + "~ " + body + "\n").ok, body


@aio
async def test_document_symbols_list_uncertain_and_worlds_lines(client, doc):
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=doc_id(URI)))
    named = {s.name: s for s in symbols}
    assert named["uncertain demo_glitch.p"].detail == "~ beta(3, 57)"
    assert "uncertain Convert.advance[smb]" in named and "worlds 500" in named


@aio
async def test_rename_reaches_uncertain_paths(client, doc):
    edit = await client.text_document_rename_async(lsp.RenameParams(
        text_document=doc_id(URI), position=pos(TEXT, "event recovery", 7),
        new_name="callback"))
    starts = sorted((e.range.start.line, e.range.start.character)
                    for e in edit.changes[URI])
    assert (TEXT.split("\n").index("uncertain recovery.impact ~ triangular(1, 2, 3)"),
            len("uncertain ")) in starts


def test_every_feature_on_every_prefix_in_process():
    """Completion, hover and symbols on each prefix of the journey (half-typed uncertain
    lines among them) and at every position of the whole: none raises."""
    uri = "untitled:prefixes.cxj"
    previous = None
    start = TEXT.index("\nuncertain")
    for cut in list(range(start, len(TEXT), 3)) + [len(TEXT)]:
        a = lsp_mod.analyze(uri, cut, TEXT[:cut], previous=previous)
        previous = a
        lsp_mod.complete(a, cut)
        lsp_mod.hover(a, max(0, cut - 1))
        lsp_mod.document_symbols(a)
    a = lsp_mod.analyze(uri, 0, TEXT)
    assert a.model is not None and len(a.model.uncertain) == 5
    for offset in range(start, len(TEXT)):
        lsp_mod.complete(a, offset)
        lsp_mod.hover(a, offset)

