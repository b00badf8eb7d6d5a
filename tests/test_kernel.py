"""The compilation cache: every cached jitted function of the simulator compiles in only
globals defined in its own source file, the file numba's cache key watches — so an edit to
any constant or helper the kernel uses recompiles the kernel."""

from __future__ import annotations

import ast
import builtins
import dis
import importlib
import inspect
import math
import pkgutil
import types

import numba
import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher

import cxdsl.sim
from cxdsl.sim import exact, kernel, reference, rng
from cxdsl.sim.lower import KIND_CONST, OP_AND

#: Modules a jitted function may read attributes of: their code is numba's, not ours.
LIBRARIES = (math, numba, np)


def _own_definitions(module: types.ModuleType) -> set[str]:
    """The names ``module`` binds at top level itself (assignments and definitions), not
    by importing them."""
    names = set()
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _global_names(code: types.CodeType) -> set[str]:
    names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def foreign_globals(dispatcher: Dispatcher) -> list[str]:
    """The globals ``dispatcher`` compiles in (following the jitted functions it calls)
    that are not defined in its own source file, as ``"function: name"``."""
    home = inspect.getmodule(dispatcher.py_func)
    defined = _own_definitions(home)
    found, seen, todo = [], set(), [dispatcher]
    while todo:
        d = todo.pop()
        if d in seen:
            continue
        seen.add(d)
        func = d.py_func
        for name in sorted(_global_names(func.__code__)):
            if name not in func.__globals__ and hasattr(builtins, name):
                continue
            value = func.__globals__[name]
            if any(value is lib for lib in LIBRARIES):
                continue
            if name not in defined or inspect.getmodule(func) is not home:
                found.append(f"{func.__name__}: {name}")
            if isinstance(value, Dispatcher):
                todo.append(value)
    return found


def _cached_dispatchers() -> list[Dispatcher]:
    out = []
    for info in pkgutil.iter_modules(cxdsl.sim.__path__):
        module = importlib.import_module(f"cxdsl.sim.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, Dispatcher) and inspect.getmodule(value.py_func) is module
                    and type(value._cache).__name__ != "NullCache"):
                out.append(value)
    return out


def test_the_kernel_and_the_fold_are_cached():
    names = {d.py_func.__name__ for d in _cached_dispatchers()}
    assert {"simulate_blocks", "_fold", "mix64_nb", "logistic_nb"} <= names


@pytest.mark.parametrize("dispatcher", _cached_dispatchers(), ids=lambda d: d.py_func.__name__)
def test_cached_functions_compile_in_only_their_own_files_globals(dispatcher):
    assert foreign_globals(dispatcher) == []


def test_the_check_finds_a_constant_from_another_module():
    @numba.njit
    def reads_foreign_constants(x):
        return x + KIND_CONST + OP_AND + kernel.LANES

    assert foreign_globals(reads_foreign_constants) == [
        "reads_foreign_constants: KIND_CONST", "reads_foreign_constants: OP_AND",
        "reads_foreign_constants: kernel"]


def test_lower_and_rng_use_the_kernels_codes_and_generator():
    from cxdsl.sim import lower

    assert lower.KIND_CONST is kernel.KIND_CONST and lower.OP_AND is kernel.OP_AND
    for name in ("mix64_nb", "customer_hash_nb", "draw_u64_nb", "unit_nb", "uniform_nb",
                 "ppnd16_nb", "ppnd16", "GAMMA", "MIX_M1", "MIX_M2", "TWO_POW_M52"):
        assert getattr(rng, name) is getattr(kernel, name), name


def test_the_logistic_is_written_once():
    assert kernel.logistic is kernel.logistic_nb.py_func
    assert reference.logistic is kernel.logistic and exact.logistic is kernel.logistic
    assert kernel.logistic(-800.0) == 0.0 and kernel.logistic(800.0) == 1.0
    assert exact.logistic_advance(0.25, 2.0, 1.5) == kernel.logistic(math.log(1 / 3) + 3.0)
