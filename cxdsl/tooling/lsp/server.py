"""The pygls server: document state, diagnostics as you type (debounced and tagged with
the document version), the feature handlers, formatting and :func:`main`.

Handlers are module-level functions ``handler(ls, params)``; :func:`feature` records each
with its LSP method, and :func:`build_server` registers them all on a new server (pygls
passes the server as the parameter named ``ls``). Every handler is guarded: an exception
in one request is logged to the client and answered with an empty result; the server keeps
running.

Every request is answered: messages are read by :mod:`.framing` (bounded frames, resynchronised
after a broken one) instead of pygls's loop, a frame or body that cannot be used is answered
with a JSON-RPC error whose id is null, and a request whose parameters do not fit its method
(``line: -1``, ``params: null``, no position) with InvalidParams (-32602) and its id. A
document neither open nor a readable file on disk has no hover, symbols or anything else:
the answer is empty, with nothing logged.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import stat
import sys
import threading
import traceback
from collections.abc import Callable
from urllib.parse import unquote

import cattrs
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage

from ..._version import __version__
from ...lang import source
from ...lang.diagnostics import CompileError, Diagnostics, Span
from ...lang.source import MAX_BYTES
from ..formatter import FormatError, format_text
from .completion import complete
from .diagnostics import lsp_diagnostics
from .edits import text_edits
from .framing import INVALID_REQUEST, PARSE_ERROR, FrameReader, Refused
from .hover import hover
from .index import Analysis, analyze, build_index, path_of
from .positions import LineIndex
from .symbols import (
    definition,
    document_symbols,
    folding_ranges,
    highlights,
    references,
    rename,
    rename_range,
)

log = logging.getLogger(__name__)

#: Seconds between the last change of a document and its diagnostics.
DEFAULT_DEBOUNCE = 0.3


class NoDocument(Exception):
    """A request about a document that is neither open nor a readable file on disk."""


class InvalidParams(JsonRpcInvalidParams):
    """A message whose parameters do not fit its method, with what is wrong."""


class CxjProtocol(LanguageServerProtocol):
    """pygls's protocol, except that a message that does not fit its method raises
    :class:`InvalidParams` saying where, without logging a traceback."""

    def structure_message(self, data):
        if not (isinstance(data, dict) and isinstance(data.get("method"), str)
                and "jsonrpc" in data and "error" not in data):
            return super().structure_message(data)
        is_request = "id" in data
        kind = self.get_message_type(data["method"]) or (
            JsonRPCRequestMessage if is_request else JsonRPCNotification)
        try:
            return self._converter.structure(data, kind)
        except cattrs.BaseValidationError as exc:
            where = "; ".join(cattrs.transform_error(exc, path="message"))
            raise InvalidParams(f"{data['method']}: invalid params: {where}") from None
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            raise InvalidParams(f"{data['method']}: invalid params: {exc}") from None


class CxjLanguageServer(LanguageServer):
    """The cxdsl language server: document state, debouncing, the message loop and the
    features."""

    def __init__(self, debounce: float | None = None):
        super().__init__("cxdsl", __version__, protocol_cls=CxjProtocol,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        env = os.environ.get("CXDSL_LSP_DEBOUNCE")
        self.debounce = debounce if debounce is not None else (
            float(env) if env else DEFAULT_DEBOUNCE)
        self.analyses: dict[str, Analysis] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}

    @property
    def encoding(self) -> str:
        try:
            return str(self.workspace.position_encoding or "utf-16")
        except Exception:
            return "utf-16"

    # messages ------------------------------------------------------------
    def start_io(self, stdin=None, stdout=None) -> None:
        """Serve on standard input and output until the client says exit, or the input
        ends."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(self.serve(FrameReader(stdin or sys.stdin.buffer)))
        except BrokenPipeError:
            log.error("the client has gone; stopping")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    async def serve(self, reader: FrameReader) -> None:
        loop = asyncio.get_running_loop()
        while not self._stop_event.is_set():
            frame = await loop.run_in_executor(self.thread_pool, reader.next_frame)
            if frame is None:
                return
            self.receive(frame, reader)

    def receive(self, frame: bytes | Refused, reader: FrameReader) -> None:
        """Handle one frame; whatever cannot be handled is answered with an error."""
        if isinstance(frame, Refused):
            self.answer_error(None, frame.code, frame.message)
            return
        try:
            raw = json.loads(frame)
        except (ValueError, RecursionError):
            self.answer_error(None, PARSE_ERROR, f"a message of {len(frame):,} bytes is "
                                                 "not JSON")
            reader.give_back(frame)
            return
        msg_id = raw.get("id") if isinstance(raw, dict) else None
        if not isinstance(msg_id, (int, str)) or isinstance(msg_id, bool):
            msg_id = None
        if not isinstance(raw, dict) or raw.get("jsonrpc") != "2.0":
            self.answer_error(msg_id, INVALID_REQUEST, "not a JSON-RPC 2.0 message")
            return
        try:
            message = self.protocol.structure_message(raw)
        except JsonRpcException as exc:
            if "id" in raw and "method" in raw:
                self.answer_error(msg_id, exc.code, exc.message)
            else:
                log.warning("%s", exc.message)
            return
        try:
            self.protocol.handle_message(message)
        except Exception:
            self.report_crash("message handling")

    def answer_error(self, msg_id, code: int, message: str) -> None:
        self.protocol._send_response(msg_id, error=lsp.ResponseError(code=code,
                                                                      message=message))

    # state ---------------------------------------------------------------
    def analysis(self, uri: str) -> Analysis:
        """The analysis of an open document, or of a readable file on disk; raises
        :class:`NoDocument` for anything else (never blocks on a FIFO or reads a file
        over the size limit)."""
        if unquote(uri) not in self.workspace.text_documents:
            readable_on_disk(uri)
        doc = self.workspace.get_text_document(uri)
        try:
            text = doc.source
        except (OSError, UnicodeDecodeError, ValueError):
            raise NoDocument(uri) from None
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == doc.version and cached.text == text:
            return cached
        if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            fresh = oversized(uri, doc.version, self.encoding)
        else:
            fresh = analyze(uri, doc.version, text, self.encoding, cached)
        self.analyses[uri] = fresh
        return fresh

    def publish(self, uri: str) -> None:
        self.timers.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        a = self.analysis(uri)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=a.version, diagnostics=lsp_diagnostics(a)))

    def schedule(self, uri: str) -> None:
        old = self.timers.pop(uri, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self.timers[uri] = loop.call_later(self.debounce, self.guard_call, self.publish, uri)

    def guard_call(self, fn: Callable, *args) -> None:
        try:
            fn(*args)
        except Exception:
            self.report_crash(getattr(fn, "__name__", "task"))

    def report_crash(self, what: str) -> None:
        message = f"cxdsl lsp: {what} failed:\n{traceback.format_exc()}"
        log.error(message)
        try:
            self.window_log_message(lsp.LogMessageParams(type=lsp.MessageType.Error,
                                                         message=message))
        except Exception:
            pass


def readable_on_disk(uri: str) -> None:
    """Raise :class:`NoDocument` unless ``uri`` names a regular file on disk no larger
    than the size limit of `cxdsl check`."""
    path = path_of(uri)
    try:
        info = os.stat(path) if path else None
    except (OSError, ValueError):
        info = None
    if info is None or not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
        raise NoDocument(uri)


def oversized(uri: str, version: int | None, encoding: str) -> Analysis:
    """The analysis of a document over the size limit of `cxdsl check`: one diagnostic,
    and nothing parsed (an empty document for every feature), so the server stays quick."""
    shown = path_of(uri) or uri
    diags = Diagnostics()
    source.too_large(diags, Span.point(shown), None)
    return Analysis(uri, version, "", shown, LineIndex("", encoding), None, None,
                    diags.sorted(), build_index(None, shown), {}, {})


#: (LSP method, its options, the guarded handler) for every feature, in the order the
#: handlers are defined.
FEATURES: list[tuple[str, object, Callable]] = []


def feature(method: str, options: object = None) -> Callable[[Callable], Callable]:
    """Record a handler ``fn(ls, params)`` for ``method``, guarded: it answers None (and
    logs the traceback) when it raises, None alone for a document that does not exist;
    protocol errors meant for the client pass through."""
    def record(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def guarded(ls: CxjLanguageServer, params):
            try:
                return fn(ls, params)
            except JsonRpcException:
                raise
            except NoDocument:
                return None
            except Exception:
                ls.report_crash(fn.__name__)
                return None
        FEATURES.append((method, options, guarded))
        return fn
    return record


def build_server(debounce: float | None = None) -> CxjLanguageServer:
    """A new server with every recorded feature registered on it."""
    server = CxjLanguageServer(debounce)
    for method, options, handler in FEATURES:
        server.feature(method, options)(handler)
    return server


def main(debounce: float | None = None) -> None:
    """Serve on standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="cxdsl lsp: %(message)s")
    build_server(debounce).start_io()


# ------------------------------------------------------------------------------ documents


@feature(lsp.INITIALIZE)
def initialize(ls: CxjLanguageServer, params: lsp.InitializeParams) -> None:
    opts = params.initialization_options
    if isinstance(opts, dict) and isinstance(opts.get("debounce"), (int, float)):
        ls.debounce = max(0.0, float(opts["debounce"]))


@feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: CxjLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: CxjLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: CxjLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    """Publish the saved document, and check again the open documents that import it."""
    uri = params.text_document.uri
    ls.publish(uri)
    saved = path_of(uri)
    for other, a in list(ls.analyses.items()):
        if other != uri and saved and any(os.path.realpath(p) == os.path.realpath(saved)
                                          for p in a.sources):
            ls.analyses.pop(other, None)
            ls.schedule(other)


@feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: CxjLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    timer = ls.timers.pop(uri, None)
    if timer is not None:
        timer.cancel()
    ls.analyses.pop(uri, None)
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


# ------------------------------------------------------------------------------- features


def _at(ls: CxjLanguageServer, params) -> tuple[Analysis, int]:
    """The analysis of the document of ``params`` and the offset of its position."""
    a = ls.analysis(params.text_document.uri)
    return a, a.lines.offset(params.position)


@feature(lsp.TEXT_DOCUMENT_HOVER)
def on_hover(ls: CxjLanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    return hover(*_at(ls, params))


@feature(lsp.TEXT_DOCUMENT_COMPLETION,
         lsp.CompletionOptions(trigger_characters=[".", "[", " ", "=", "~"]))
def on_completion(ls: CxjLanguageServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    return lsp.CompletionList(is_incomplete=False, items=complete(*_at(ls, params)))


@feature(lsp.TEXT_DOCUMENT_DEFINITION)
def on_definition(ls: CxjLanguageServer, params: lsp.DefinitionParams) -> lsp.Location | None:
    return definition(*_at(ls, params))


@feature(lsp.TEXT_DOCUMENT_REFERENCES)
def on_references(ls: CxjLanguageServer,
                  params: lsp.ReferenceParams) -> list[lsp.Location] | None:
    include = params.context.include_declaration if params.context else True
    return references(*_at(ls, params), include_declaration=include)


@feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
def on_highlight(ls: CxjLanguageServer,
                 params: lsp.DocumentHighlightParams) -> list[lsp.DocumentHighlight] | None:
    return highlights(*_at(ls, params))


@feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
def on_prepare_rename(ls: CxjLanguageServer,
                      params: lsp.PrepareRenameParams) -> lsp.Range | None:
    return rename_range(*_at(ls, params))


@feature(lsp.TEXT_DOCUMENT_RENAME)
def on_rename(ls: CxjLanguageServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    return rename(*_at(ls, params), params.new_name)


@feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def on_symbols(ls: CxjLanguageServer,
               params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    return document_symbols(ls.analysis(params.text_document.uri))


@feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
def on_folding(ls: CxjLanguageServer,
               params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange]:
    return folding_ranges(ls.analysis(params.text_document.uri))


@feature(lsp.TEXT_DOCUMENT_FORMATTING)
def on_formatting(ls: CxjLanguageServer,
                  params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
    """The edits that format the document; None, with a message, when it cannot be."""
    a = ls.analysis(params.text_document.uri)
    try:
        new = format_text(a.text, a.path)
    except CompileError as exc:
        n = len([d for d in exc.diagnostics if d.is_error])
        ls.window_show_message(lsp.ShowMessageParams(
            type=lsp.MessageType.Warning,
            message=f"cxdsl: cannot format: {n} syntax error{'s' if n != 1 else ''}"))
        return None
    except FormatError as exc:
        ls.window_show_message(lsp.ShowMessageParams(
            type=lsp.MessageType.Error,
            message=f"cxdsl: formatting stopped by its safety check: {exc}"))
        return None
    return text_edits(a.text, new) if new != a.text else []
