"""Stage 2: :class:`cxdsl.lang.ast.Module` -> :class:`cxdsl.model.ir.Model`.

Resolves imports and names, merges per-persona ``for`` overrides into dense per-persona
values, validates every value, scenario and sweep, and reports all problems of a file in
one pass (errors and warnings, each with a code documented in :mod:`cxdsl.lang.codes`). The
work is done by the passes of :mod:`cxdsl.lang.check`, in the order of its ``PASSES``.
"""

from __future__ import annotations

from ..model import ir
from . import ast
from .check import Context, Loader, run_passes
from .diagnostics import Diagnostics


def check(module: ast.Module, diags: Diagnostics | None = None, *,
          loader: Loader | None = None, base_dir: str | None = None,
          allow_outside_imports: bool = False) -> ir.Model | None:
    """Check ``module``; returns the Model, or None when errors were reported to ``diags``.

    ``loader(path, span)`` reads and parses an imported file (None when it cannot, having
    reported why); ``base_dir`` is the directory imports of ``module`` resolve against."""
    diags = diags if diags is not None else Diagnostics()
    ctx = Context(diags, module, loader, base_dir, allow_outside_imports)
    run_passes(ctx)
    if ctx.stopped or diags.has_errors:
        return None
    return ctx.model
