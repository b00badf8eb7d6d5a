"""Pass: imports. Replaces every ``import`` by the statements of the imported file (each
file at most once) and groups the statements by kind."""

from __future__ import annotations

import os

from .. import ast
from .. import messages as msg
from .context import Context


def run(ctx: Context) -> None:
    module = ctx.module
    root = os.path.realpath(ctx.base_dir or os.getcwd())
    seen: set[str] = set()
    chain: list[str] = []
    if module.path and not module.path.startswith("<"):
        seen.add(os.path.realpath(module.path))
        chain.append(os.path.realpath(module.path))
    _flatten(ctx, module, root, root, chain, seen, ctx.statements)
    for st in ctx.statements:
        ctx.by_kind.setdefault(type(st), []).append(st)


def _failed(ctx: Context) -> None:
    ctx.symbols.incomplete = True


def _flatten(ctx: Context, module: ast.Module, directory: str, root: str,
             chain: list[str], seen: set[str], out: list) -> None:
    """Append the statements of ``module`` to ``out``, imports resolved against
    ``directory``; ``chain``: the files importing this one, outermost first."""
    for st in module.statements:
        if not isinstance(st, ast.Import):
            out.append(st)
            continue
        rel = st.path.value
        if not rel:
            ctx.err("E503", msg.IMPORT_NEEDS_PATH, st.path.span)
            _failed(ctx)
            continue
        try:
            target = os.path.realpath(os.path.join(directory, rel))
        except (ValueError, OSError):
            ctx.err("E001", msg.unusable_import(rel), st.path.span)
            _failed(ctx)
            continue
        if not ctx.allow_outside and not (target == root or target.startswith(
                root.rstrip(os.sep) + os.sep)):
            ctx.err("E502", msg.import_outside(rel), st.path.span, msg.OUTSIDE_IMPORT_HINT)
            _failed(ctx)
            continue
        if target in chain or (module.path and os.path.realpath(module.path) == target):
            loop = chain[chain.index(target):] if target in chain else chain[-1:]
            ctx.err("E501", msg.import_cycle([os.path.basename(p) for p in loop + [target]]),
                    st.path.span, msg.CYCLE_HINT)
            continue
        if target in seen:
            continue  # a diamond: every file is merged once
        seen.add(target)
        if ctx.loader is None:
            ctx.err("E503", msg.NO_IMPORTS, st.span)
            _failed(ctx)
            continue
        sub = ctx.loader(target, st.path.span)
        if sub is None:
            _failed(ctx)  # why is reported in that file, or at the import
            continue
        _flatten(ctx, sub, os.path.dirname(target), os.path.dirname(target)
                 if ctx.allow_outside else root, chain + [target], seen, out)
