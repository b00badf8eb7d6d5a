"""Problems of a document as LSP diagnostics."""

from __future__ import annotations

import os

from lsprotocol import types as lsp

from .index import Analysis


def lsp_diagnostics(a: Analysis) -> list[lsp.Diagnostic]:
    """The diagnostics of ``a``; a problem in an imported file is shown on the import
    that leads there."""
    out = []
    imports = a.index.imports
    for d in a.diagnostics:
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        span = d.span
        if span is not None and span.path == a.path:
            rng = a.lines.span_range(span)
        else:
            # a problem in an imported file: show it on the import that leads there
            target = None
            if span is not None:
                for imp in imports:
                    base = os.path.dirname(a.path) if os.path.isabs(a.path) else os.getcwd()
                    if os.path.realpath(os.path.join(base, imp.path.value)) == \
                            os.path.realpath(span.path):
                        target = imp
                        break
                target = target or (imports[0] if imports else None)
                message = f"{span.path}:{span.line}:{span.col}: {message}"
            rng = (a.lines.span_range(target.span) if target is not None
                   else lsp.Range(start=lsp.Position(line=0, character=0),
                                  end=lsp.Position(line=0, character=0)))
        out.append(lsp.Diagnostic(
            range=rng, message=message, source="cxdsl", code=d.code,
            severity=lsp.DiagnosticSeverity.Error if d.is_error
            else lsp.DiagnosticSeverity.Warning))
    return out
