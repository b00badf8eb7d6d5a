"""Golden tests: inputs beside their expected outputs, in ``tests/cases``.

``tests/cases/ok/*.cxj``
    Journeys that compile. Each has ``NAME.json`` beside it: the expected ``cxdsl compile``
    output. ``UPDATE_GOLDEN=1 pytest tests/lang/test_golden.py`` rewrites those files from the
    current compiler (review the diff before committing it).

``tests/cases/err/*.cxj``
    Journeys with mistakes. The expected diagnostics are written as comments on the line
    they point at (files in subfolders are imported by these and may carry expectations
    too)::

        persona a share=30% baselin=8   # error[E204] unknown attribute 'baselin'
        stage S advance=2               # error[E302]@17 probability hint: 5%

    ``error[CODE]`` or ``warning[CODE]`` is required; ``@N`` pins the column; the text
    after it is a substring the message must contain; ``hint: TEXT`` a substring of the
    hint. Several expectations may share one comment. ``# [line N] error[...]`` puts an
    expectation on line N instead of the comment's own line (for a line that cannot carry
    a comment, such as one with an unterminated string).

The check compares the exact multiset of diagnostics: a missing one and an unexpected one
both fail. Expectations work the same way in ``ok/`` files, which may expect warnings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cxdsl.lang import api
from cxdsl.lang.codes import CODES
from cxdsl.lang.diagnostics import render
from cxdsl.model import serialize
from support import CASES_DIR, ROOT

OK_CASES = sorted((CASES_DIR / "ok").glob("*.cxj"))
ERR_CASES = sorted((CASES_DIR / "err").glob("*.cxj"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

#: Codes that cannot be written into a golden text file, and the test module covering them.
NOT_GOLDEN = {
    "E002": "tests/cli/test_bad_input.py",  # invalid UTF-8, NUL bytes
    "E003": "tests/cli/test_bad_input.py",  # a file over the size limit
}

_START = re.compile(r"#\s*(?:\[line\s+(\d+)\]\s*)?(?=(?:error|warning)\[)")
_ITEM = re.compile(r"(error|warning)\[([A-Z]\d{3})\](?:@(\d+))?(.*?)(?=(?:error|warning)\[|$)")


@dataclass(frozen=True)
class Expect:
    path: str        # real path of the file the diagnostic is in
    line: int
    severity: str
    code: str
    col: int | None
    message: str | None
    hint: str | None
    origin: str      # where the expectation is written, for failure messages

    def matches(self, d) -> bool:
        s = d.span
        return (s is not None and _real(s.path) == self.path and s.line == self.line
                and d.severity == self.severity and d.code == self.code
                and (self.col is None or s.col == self.col)
                and (self.message is None or self.message in d.message)
                and (self.hint is None or (d.hint is not None and self.hint in d.hint)))

    def __str__(self) -> str:
        text = f"{self.severity}[{self.code}]"
        if self.col is not None:
            text += f"@{self.col}"
        if self.message:
            text += f" {self.message!r}"
        if self.hint:
            text += f" hint: {self.hint!r}"
        return f"{Path(self.path).name}:{self.line}: {text}   (written at {self.origin})"


def _real(path: str) -> str:
    return os.path.realpath(path)


def expectations(path: str | os.PathLike) -> list[Expect]:
    """Every expectation written in the file at ``path``."""
    path = _real(os.fspath(path))
    out = []
    text = Path(path).read_text("utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        m = _START.search(line)
        if not m:
            continue
        target = int(m.group(1)) if m.group(1) else number
        body = line[m.end():]
        items = list(_ITEM.finditer(body))
        assert items, f"{path}:{number}: malformed expectation"
        for item in items:
            severity, code, col, rest = item.groups()
            message, _, hint = rest.strip().partition("hint:")
            out.append(Expect(path, target, severity, code, int(col) if col else None,
                              message.strip() or None, hint.strip() or None,
                              f"{Path(path).name}:{number}"))
    return out


def compile_case(path: Path) -> api.Compilation:
    # Cases import each other with paths relative to their own folder; they never reach
    # outside tests/cases on purpose except where a case says so.
    return api.check_file(str(path))


def files_of(path: Path, comp: api.Compilation) -> list[str]:
    """The case file and every file it imported."""
    files = {_real(str(path))}
    files.update(_real(p) for p in comp.sources if not p.startswith("<"))
    return sorted(files)


def compare(path: Path, comp: api.Compilation) -> None:
    expected = [e for f in files_of(path, comp) for e in expectations(f)]
    # most specific expectations first, so a loose one cannot take another's diagnostic
    expected.sort(key=lambda e: (e.col is None, e.message is None, e.hint is None))
    actual = list(comp.diagnostics.sorted())
    missing = []
    for exp in expected:
        hit = next((d for d in actual if exp.matches(d)), None)
        if hit is None:
            missing.append(exp)
        else:
            actual.remove(hit)
    if missing or actual:
        lines = [f"diagnostics of {path.relative_to(ROOT)} differ from the expectations"]
        if missing:
            lines += ["", "expected but not reported:"] + [f"  {e}" for e in missing]
        if actual:
            lines += ["", "reported but not expected:", render(actual, comp.sources)]
        lines += ["", "everything reported:", render(comp.diagnostics.sorted(),
                                                      comp.sources)]
        pytest.fail("\n".join(lines), pytrace=False)


def _id(path: Path) -> str:
    return path.stem


#: Cases whose expectations describe the right behaviour, which the compiler does not give
#: yet. Strict: the day a case passes, its entry must go.
KNOWN_DEFECTS: dict[str, str] = {}


def _known(cases):
    return [pytest.param(p, marks=pytest.mark.xfail(reason=KNOWN_DEFECTS[p.stem],
                                                     strict=True))
            if p.stem in KNOWN_DEFECTS else p for p in cases]


# ------------------------------------------------------------------------------- ok cases

@pytest.mark.parametrize("path", _known(OK_CASES), ids=_id)
def test_ok_case_compiles_to_its_golden_json(path: Path):
    comp = compile_case(path)
    compare(path, comp)
    assert comp.model is not None
    text = serialize.dumps(comp.model)
    golden = path.with_suffix(".json")
    if UPDATE:
        golden.write_text(text, "utf-8", newline="\n")
    assert golden.is_file(), f"{golden.name} is missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert text == golden.read_text("utf-8"), (
        f"{path.name} compiles differently from {golden.name} "
        "(UPDATE_GOLDEN=1 rewrites it after a deliberate change)")


@pytest.mark.parametrize("path", OK_CASES, ids=_id)
def test_golden_json_is_valid_and_reads_back(path: Path):
    jsonschema = pytest.importorskip("jsonschema")
    text = path.with_suffix(".json").read_text("utf-8")
    data = json.loads(text)
    jsonschema.validate(data, serialize.schema())
    model = serialize.loads(text)
    assert serialize.dumps(model) == text


def test_every_golden_json_has_its_input():
    for golden in (CASES_DIR / "ok").glob("*.json"):
        assert golden.with_suffix(".cxj").is_file(), f"{golden.name} has no input beside it"


# ------------------------------------------------------------------------------ err cases

@pytest.mark.parametrize("path", _known(ERR_CASES), ids=_id)
def test_err_case_reports_exactly_the_expected_diagnostics(path: Path):
    comp = compile_case(path)
    compare(path, comp)
    if comp.diagnostics.has_errors:
        assert comp.model is None


@pytest.mark.parametrize("path", ERR_CASES, ids=_id)
def test_err_case_diagnostics_point_into_their_file(path: Path):
    """Every diagnostic has a place inside the text it is about, and renders."""
    comp = compile_case(path)
    for d in comp.diagnostics:
        s = d.span
        assert s is not None, d
        text = comp.sources[s.path]
        lines = text.split("\n")
        assert 0 < s.line <= len(lines), d
        assert 0 < s.col <= len(lines[s.line - 1]) + 1, d
        assert (s.end_line, s.end_col) >= (s.line, s.col), d
        assert d.message and "\n" not in d.message, d
    render(comp.diagnostics.sorted(), comp.sources)


# ---------------------------------------------------------------------------- code tables

def _golden_codes() -> set[str]:
    codes = set()
    for path in (CASES_DIR / "ok").rglob("*.cxj"):
        codes.update(e.code for e in expectations(path))
    for path in (CASES_DIR / "err").rglob("*.cxj"):
        codes.update(e.code for e in expectations(path))
    return codes


def test_every_code_is_covered_by_a_golden_case():
    golden = _golden_codes()
    assert golden <= set(CODES), f"cases expect unknown codes: {sorted(golden - set(CODES))}"
    uncovered = set(CODES) - golden - set(NOT_GOLDEN)
    assert not uncovered, f"codes without a golden case: {sorted(uncovered)}"
    for code, module in NOT_GOLDEN.items():
        assert code in CODES
        assert code in (ROOT / module).read_text("utf-8"), f"{code} is not tested in {module}"


def _codes_in_source() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for path in sorted((ROOT / "cxdsl").rglob("*.py")):
        if path.name == "codes.py":
            continue
        for code in re.findall(r"""["']([EW]\d{3})["']""", path.read_text("utf-8")):
            used.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return used


def test_every_code_in_the_source_is_documented():
    used = _codes_in_source()
    undocumented = {c: sorted(set(f)) for c, f in used.items() if c not in CODES}
    assert not undocumented, f"codes used but not in cxdsl/lang/codes.py: {undocumented}"


def test_every_documented_code_is_used():
    unused = set(CODES) - set(_codes_in_source())
    assert not unused, f"codes in cxdsl/lang/codes.py that nothing reports: {sorted(unused)}"


def test_diagnostics_doc_is_generated_from_the_code_table():
    out = subprocess.run([sys.executable, "-m", "cxdsl.lang.codes"], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    doc = (ROOT / "docs" / "diagnostics.md").read_text("utf-8")
    assert doc == out.stdout, ("docs/diagnostics.md is out of date: "
                               "python -m cxdsl.lang.codes > docs/diagnostics.md")
