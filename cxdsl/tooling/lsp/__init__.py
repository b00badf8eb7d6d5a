"""The cxdsl language server: LSP over stdio, built on pygls 2.

Every feature reads the same analysis of a document (:mod:`.index`): its syntax tree (the
parser recovers from syntax errors, so a half-typed file still has one), the diagnostics
and model of :func:`cxdsl.lang.api.check_text`, and an index of every name in it —
declarations and uses, each with its span. When the file does not compile, features fall
back to the syntax tree; imported files are indexed from the texts the checker read.

Features: diagnostics as you type (debounced, tagged with the document version), hover
(:mod:`.hover`), completion (:mod:`.completion`), go to definition, find references,
document highlight, rename, document symbols, folding ranges (:mod:`.symbols`) and
formatting (through :func:`cxdsl.tooling.formatter.format_text`). The server, its handlers
and :func:`main` are in :mod:`.server`; the words of the language it explains, in
:mod:`.vocabulary`.

Start it with ``cxdsl lsp``; ``CXDSL_LSP_DEBOUNCE`` (seconds) or the initialization option
``{"debounce": seconds}`` sets the delay between the last keystroke and the diagnostics.
"""

from __future__ import annotations

from .completion import complete
from .diagnostics import lsp_diagnostics
from .edits import text_edits
from .hover import hover
from .index import Analysis, analyze
from .positions import LineIndex
from .server import CxjLanguageServer, build_server, main
from .symbols import document_symbols, folding_ranges

__all__ = ["Analysis", "CxjLanguageServer", "LineIndex", "analyze", "build_server",
           "complete", "document_symbols", "folding_ranges", "hover", "lsp_diagnostics",
           "main", "text_edits"]
