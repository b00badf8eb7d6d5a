"""The package's architecture as a checked contract: each layer folder imports only from the
layers below it (``[tool.importlinter]`` in pyproject.toml), and no modules import each other
in a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_layers_contract_is_kept():
    out = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command;"
                          "lint_imports_command()"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_import_cycles():
    graph = grimp.build_graph("cxdsl")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module in graph.find_downstream_modules(imported) and imported != module \
                    and not module.startswith(imported + ".") \
                    and graph.find_shortest_chain(imported, module):
                cycles.append((module, imported))
    assert not cycles, f"import cycles: {cycles}"


#: Functions allowed past the size limit: the one simulation kernel, whose loop is a single
#: compiled unit on purpose.
LONG_FUNCTIONS_ALLOWED = {"simulate_blocks"}
#: Modules allowed past the size limit: the kernel's file, which must hold everything that
#: is compiled (numba keys its cache on the source file: see its docstring).
LONG_MODULES_ALLOWED = {"cxdsl/sim/kernel.py"}


def _sizes():
    for path in sorted((ROOT / "cxdsl").rglob("*.py")):
        text = path.read_text("utf-8")
        rel = path.relative_to(ROOT)
        yield "module", str(rel), text.count("\n") + 1
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield "function", f"{rel}:{node.name}", node.end_lineno - node.lineno + 1
            elif isinstance(node, ast.ClassDef):
                yield "class", f"{rel}:{node.name}", node.end_lineno - node.lineno + 1


def test_modules_functions_and_classes_stay_small():
    limits = {"module": 600, "function": 80, "class": 300}
    too_big = [(kind, where, n) for kind, where, n in _sizes() if n > limits[kind]
               and where.rsplit(":", 1)[-1] not in LONG_FUNCTIONS_ALLOWED
               and where not in LONG_MODULES_ALLOWED]
    assert not too_big, too_big


def _function_level_imports():
    """(place, lines) of every import inside a function of the package."""
    for path in sorted((ROOT / "cxdsl").rglob("*.py")):
        text = path.read_text("utf-8")
        lines = text.splitlines()
        rel = path.relative_to(ROOT)
        seen = set()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)) and sub.lineno not in seen:
                    seen.add(sub.lineno)
                    yield f"{rel}:{sub.lineno}", lines[sub.lineno - 1:sub.end_lineno]


def test_imports_inside_functions_say_why():
    """An import belongs at the top of its module unless loading it later is the point
    (numba, numpy, rich, matplotlib, Dask for commands that may not need them); such an
    import carries a trailing ``# lazy: <reason>`` comment."""
    unmarked = [place for place, lines in _function_level_imports()
                if not any("# lazy: " in line for line in lines)]
    assert not unmarked, f"imports inside functions without a '# lazy:' reason: {unmarked}"
