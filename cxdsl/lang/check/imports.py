"""Pass: imports. Replaces every ``import`` by the statements of the imported file (each
file at most once) and groups the statements by kind."""

from __future__ import annotations

import os

from .. import ast
from .. import messages as msg
from .context import Context


def run(ctx: Context) -> None:
    module = ctx.module
    directory = os.path.realpath(ctx.base_dir or os.getcwd())
    seen: set[str] = set()
    chain: list[str] = []
    if module.path and not module.path.startswith("<"):
        seen.add(os.path.realpath(module.path))
        chain.append(os.path.realpath(module.path))
    _flatten(ctx, module, directory, chain, seen, ctx.statements)
    for st in ctx.statements:
        ctx.by_kind.setdefault(type(st), []).append(st)


def _failed(ctx: Context) -> None:
    ctx.symbols.incomplete = True


def _flatten(ctx: Context, module: ast.Module, directory: str,
             chain: list[str], seen: set[str], out: list) -> None:
    """Append the statements of ``module`` to ``out``, imports replaced by the statements
    of the files they name, resolved against the importing file's directory (and, unless
    outside imports are allowed, inside that directory's tree: a file is valid or not
    whoever imports it); ``chain``: the files importing the one being read, outermost
    first.

    Without recursion: an import chain may be thousands of files long."""
    on_chain = set(chain)
    # (statements left, directory, whether the frame's file is on the chain)
    stack = [(iter(module.statements), directory, False)]
    while stack:
        statements, directory, pushed = stack[-1]
        st = next(statements, None)
        if st is None:
            stack.pop()
            if pushed:
                on_chain.discard(chain.pop())
            continue
        if not isinstance(st, ast.Import):
            out.append(st)
            continue
        target = _target(ctx, st, directory, chain, on_chain, seen)
        if target is None:
            continue
        sub = ctx.loader(target, st.path.span)
        if sub is None:
            _failed(ctx)  # why is reported in that file, or at the import
            continue
        chain.append(target)
        on_chain.add(target)
        stack.append((iter(sub.statements), os.path.dirname(target), True))


def _target(ctx: Context, st: ast.Import, directory: str, chain: list[str],
            on_chain: set[str], seen: set[str]) -> str | None:
    """The real path of the file an import names, or None when it is not to be read
    (an error reported, or a file merged already)."""
    rel = st.path.value
    if not rel:
        ctx.err("E503", msg.IMPORT_NEEDS_PATH, st.path.span)
        _failed(ctx)
        return None
    try:
        target = os.path.realpath(os.path.join(directory, rel))
    except (ValueError, OSError):
        ctx.err("E001", msg.UNUSABLE_IMPORT.format(rel=rel), st.path.span)
        _failed(ctx)
        return None
    if not ctx.allow_outside and not (target == directory or target.startswith(
            directory.rstrip(os.sep) + os.sep)):
        ctx.err("E502", msg.IMPORT_OUTSIDE.format(rel=rel), st.path.span, msg.OUTSIDE_IMPORT_HINT)
        _failed(ctx)
        return None
    if target in on_chain:
        loop = chain[chain.index(target):]
        ctx.err("E501", msg.import_cycle([os.path.basename(p) for p in loop + [target]]),
                st.path.span, msg.CYCLE_HINT)
        return None
    if target in seen:
        return None  # a diamond: every file is merged once
    seen.add(target)
    if ctx.loader is None:
        ctx.err("E503", msg.NO_IMPORTS, st.span)
        _failed(ctx)
        return None
    return target
