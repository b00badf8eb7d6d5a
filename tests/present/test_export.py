"""Mermaid and DOT exports: golden outputs for every example and for the edge cases in
tests/cases/export, the syntax rules of both formats, and the ``export`` command.

``UPDATE_GOLDEN=1 pytest tests/present/test_export.py`` rewrites the golden files."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import cxdsl
from cxdsl.present import export
from support import CASES_DIR, EXAMPLES, SAAS, invoke, invoke_json, write

CASES = CASES_DIR / "export"
SPECIAL = sorted(CASES.glob("*.cxj"))
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))


def golden_path(spec: Path, suffix: str) -> Path:
    base = CASES / "examples" if spec.parent != CASES else CASES
    return base / (spec.stem + suffix)


SPECS = [pytest.param(p, id=f"examples/{p.name}") for p in EXAMPLES] + [
    pytest.param(p, id=f"cases/{p.name}") for p in SPECIAL]


def check_golden(path: Path, actual: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from the golden output " \
                               "(UPDATE_GOLDEN=1 rewrites it)"


def test_every_example_has_goldens():
    assert EXAMPLES, "no examples found"
    if UPDATE:
        return
    for spec in EXAMPLES:
        for suffix in (".mmd", ".dot"):
            assert golden_path(spec, suffix).exists(), f"no golden {suffix} for {spec.name}"


@pytest.mark.parametrize("spec", SPECS)
def test_mermaid_golden(spec):
    text = export.to_mermaid(cxdsl.load(spec), spec.stem)
    check_golden(golden_path(spec, ".mmd"), text)
    check_mermaid_syntax(text)


@pytest.mark.parametrize("spec", SPECS)
def test_dot_golden(spec):
    text = export.to_dot(cxdsl.load(spec), spec.stem)
    check_golden(golden_path(spec, ".dot"), text)
    check_dot_syntax(text)


# ---------------------------------------------------------------------- Mermaid rules

TASK = re.compile(r"^      (?P<name>[^#:;\n]+): (?P<score>[1-5])(?:: (?P<actors>[^#:;\n]+))?$")
KEYWORD_START = re.compile(r"^(journey|title\s|section\s|acctitle|accdescr)", re.I)


def check_mermaid_syntax(text: str) -> None:
    """What Mermaid's journey lexer needs, line by line."""
    lines = text.splitlines()
    assert lines[0] == "journey"
    sections = 0
    for line in lines[1:]:
        assert "%%" not in line and "<" not in line and ">" not in line, line
        if line.startswith("    title "):
            assert "#" not in line and ";" not in line, line
            continue
        if line.startswith("    section "):
            sections += 1
            assert not re.search(r"[#:;]", line), line
            continue
        m = TASK.match(line)
        assert m, f"not a task line: {line!r}"
        assert not KEYWORD_START.match(m["name"].strip()), line
        assert m["name"].strip(), line
        if m["actors"]:
            assert all(a.strip() for a in m["actors"].split(",")), line
    assert sections >= 1


def certain(model):
    """The model at its declared values (uncertain lines dropped; their ranges are
    tested in test_export_uncertain.py)."""
    return dataclasses.replace(model, uncertain=())


def test_mermaid_example_content():
    model = certain(cxdsl.load(SAAS))
    text = export.to_mermaid(model)
    assert "    title B2B SaaS onboarding" in text
    assert [ln[12:] for ln in text.splitlines() if ln.startswith("    section ")] == [
        "Awareness", "Evaluation", "Purchase", "Advocacy"]
    # p differs by persona: one task per persona group, each with its own probability
    assert "      Demo stops on a technical glitch (2%): 1: Enterprise buyer" in text
    assert "      Demo stops on a technical glitch (5%): 1: Small business" in text
    assert "      Immediate callback with a fix (70%): 5: Enterprise buyer, Small business" \
        in text
    # p = 100% is not shown; an empty stage keeps its section with a neutral task
    assert "      compounded_frustration: 2: Enterprise buyer, Small business" in text
    assert "      no moments of truth: 3: Enterprise buyer, Small business" in text


def test_mermaid_markdown_fence():
    model = cxdsl.load(CASES / "minimal.cxj")
    md = export.to_markdown(model, "minimal")
    assert md.startswith("```mermaid\njourney\n    title minimal\n") and md.endswith("```\n")


@pytest.mark.parametrize("impact, scale, score", [
    (-3, (0, 10), 1), (-2, (0, 10), 1), (-1.99, (0, 10), 2), (-0.25, (0, 10), 2),
    (-0.2, (0, 10), 3), (0, (0, 10), 3), (0.2, (0, 10), 3), (0.25, (0, 10), 4),
    (1.5, (0, 10), 4), (2, (0, 10), 5), (7, (0, 10), 5),
    # on 1..5 a point is worth 2.5 points of 0..10
    (-1, (1, 5), 1), (-0.5, (1, 5), 2), (0, (1, 5), 3), (0.5, (1, 5), 4), (1, (1, 5), 5),
])
def test_mermaid_score(impact, scale, score):
    assert export.mermaid_score(impact, scale) == score


@pytest.mark.parametrize("raw, clean", [
    ("Step 1: call", "Step 1 - call"),
    ("#1 fan; really", "1 fan, really"),
    ("50%% off", "50% off"),
    ("<b>bold</b>", "‹b›bold‹/b›"),
    ("tab\there\nnewline", "tab here newline"),
    ("🎉 party", "🎉 party"),
])
def test_mermaid_text(raw, clean):
    assert export.mermaid_text(raw) == clean


def test_mermaid_keyword_and_empty_labels():
    model = cxdsl.loads('persona p "###" share=1 baseline=5\nstage S "section A"\n'
                        'event e "Title: x" impact=1 at S\nevent f ":::" impact=-1 at S\n')
    text = export.to_mermaid(model, "t")
    assert "    section section A" in text          # fine after the keyword
    assert "      “Title - x”: 4: p" in text         # would read as a title
    assert "      f: 2: p" in text                   # cleans to nothing: the name
    check_mermaid_syntax(text)


def test_mermaid_duplicate_actor_labels_stay_distinct():
    model = cxdsl.loads('persona a "Same" share=1 baseline=5\npersona b "Same" share=1 '
                        'baseline=5\nstage S\nevent e impact=1 at S\n')
    assert "      e: 4: Same (a), Same (b)" in export.to_mermaid(model)


# -------------------------------------------------------------------------- DOT rules

DOT_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?|->|'
                       r'[{}\[\];=,]|\s+|//[^\n]*')


def check_dot_syntax(text: str) -> None:
    """Tokenises as DOT (every string closed, nothing stray) with balanced brackets; and,
    where Graphviz is installed, lays out without a warning."""
    pos, depth = 0, 0
    while pos < len(text):
        m = DOT_TOKEN.match(text, pos)
        assert m, f"bad DOT at {text[pos:pos + 40]!r}"
        tok = m.group()
        depth += {"{": 1, "}": -1}.get(tok, 0)
        assert depth >= 0
        pos = m.end()
    assert depth == 0
    if shutil.which("dot"):
        out = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True,
                             timeout=30)
        assert out.returncode == 0 and not out.stderr, out.stderr.decode()


def test_dot_example_content():
    model = certain(cxdsl.load(SAAS))
    text = export.to_dot(model)
    assert 's_Attract -> s_Convert [label="advance 60%"' in text
    assert 's_Convert -> s_Close [label="advance enterprise 45%, smb 35%\\nslope 0.4"' in text
    assert 'e_demo_glitch -> e_instant_recovery [label="recovers"' in text
    assert 'e_demo_glitch -> e_compounded_frustration [label="compounds"' in text
    assert 'e_slow_followup -> e_compounded_frustration [label="compounds"' in text
    assert "peripheries=2" in text.split("s_Delight [", 1)[1].split("\n", 1)[0]
    assert text.count("subgraph cluster_") == 4


def test_dot_string_escapes():
    assert export.dot_string('a "b" \\l c') == '"a \\"b\\" \\\\l c"'
    assert export.dot_string("x\ny\tz") == '"x\\ny z"'


def test_dependencies_kinds():
    model = cxdsl.load(CASES / "shop.cxj")
    deps = {(d.source, d.target): (d.kind, d.negated) for d in export.dependencies(model)}
    assert deps == {
        ("payment_fail", "retry_ok"): ("recovery", False),
        ("payment_fail", "smooth"): ("condition", True),
        ("late", "double_trouble"): ("compounding", False),
        ("payment_fail", "double_trouble"): ("compounding", False),
        ("late", "gift"): ("condition", True),
        ("payment_fail", "gift"): ("condition", True),
    }


# ------------------------------------------------------------------------- command


def test_command_writes_file(tmp_path):
    spec = SAAS
    for fmt, suffix in (("mermaid", ".mmd"), ("dot", ".dot")):
        out = tmp_path / f"j{suffix}"
        res = invoke("export", str(spec), "--to", fmt, "-o", str(out))
        assert res.exit_code == 0, res.output
        assert res.output == ""
        assert out.read_text(encoding="utf-8") == golden_path(spec, suffix).read_text(
            encoding="utf-8")


def test_command_markdown_and_scenario():
    spec = SAAS
    res = invoke("export", str(spec), "--to", "mermaid", "--markdown", "--scenario",
                 "chatbot")
    assert res.exit_code == 0
    assert res.output.startswith("```mermaid\njourney\n")
    assert "Instant answer from a bot (30%)" in res.output
    assert "Demo tailored" not in res.output


def test_command_missing_directory(tmp_path):
    out = tmp_path / "missing" / "j.dot"
    res = invoke("export", str(SAAS), "--to", "dot",
                 "-o", str(out))
    assert res.exit_code == 2
    assert "does not exist" in res.output
    assert not out.parent.exists()


def test_command_bad_scenario_and_bad_spec(tmp_path):
    res = invoke("export", str(SAAS), "--to", "dot",
                 "--scenario", "nope")
    assert res.exit_code == 2 and "unknown scenario" in res.output
    bad = write(tmp_path, "bad.cxj", "stage S\n")
    res = invoke("export", str(bad), "--to", "mermaid")
    assert res.exit_code == 1


def test_command_json_is_the_run_result(tmp_path):
    spec = tmp_path / "j.cxj"
    spec.write_text("persona p share=1 baseline=7\nstage A advance=50%\nstage B\n"
                    "event e p=50% impact=+2 at A\n", encoding="utf-8")
    doc = invoke_json("export", str(spec), "--to", "json", "--engine", "exact")
    assert set(doc) == {"manifest", "overall", "personas", "stages", "events", "targets",
                        "surveys"}
    assert doc["manifest"]["engine"] == "exact"
    assert doc["stages"][1]["reached"] == pytest.approx(0.5)
    assert doc["events"][0]["rate"] == pytest.approx(0.5)


# ------------------------------------------------------------------------- surveys

SURVEYS = CASES / "surveys.cxj"  # at a stage, at the goal (headline), at end


def sections_of(mermaid: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = None
    for line in mermaid.splitlines():
        if line.startswith("    section "):
            current = line[12:]
            out[current] = []
        elif current is not None:
            out[current].append(line.strip())
    return out


def test_mermaid_surveys_where_they_ask():
    sections = sections_of(export.to_mermaid(cxdsl.load(SURVEYS)))
    assert list(sections) == ["Browse the shop", "Checkout - pay", "Keep using", "at end"]
    actors = "New ‹b›customer‹/b›, Returning \"loyal\""
    # after the stage's events, every persona, neutral
    assert sections["Browse the shop"][-1] == f"survey browse: 3: {actors}"
    assert sections["Checkout - pay"][-1] == (
        f"headline survey Paid - ‹script›x‹/script› 1 \"quote\" (after_pay): 3: {actors}")
    assert sections["at end"] == [f"survey Everyone who touched us (everyone): 3: {actors}"]


def test_mermaid_implicit_survey_is_the_headline_at_the_goal():
    model = cxdsl.loads("persona p share=1 baseline=7\nstage A\nstage B\nstage C\ngoal B\n")
    sections = sections_of(export.to_mermaid(model))
    assert sections["B"][-1] == "headline survey customers: 3: p"
    assert not any("survey" in line for line in sections["A"] + sections["C"])
    assert "at end" not in sections


def test_dot_surveys_where_they_ask():
    text = export.to_dot(cxdsl.load(SURVEYS))
    clusters = text.split("subgraph cluster_")[1:]
    assert "survey_browse [" in clusters[0] and "survey_after_pay [" in clusters[1]
    assert "survey_" not in clusters[2].split("\n  }")[0]
    line = next(ln for ln in text.splitlines() if "survey_after_pay [" in ln)
    assert 'label="headline survey Paid:\\n<script>x</script> #1 \\"quote\\"\\n(after_pay)' \
        '\\nat Pay\\nasks converted customers"' in line and "shape=note" in line
    assert "rank=same; s_Pay; e_smooth; survey_after_pay; }" in text
    # at end: after the last stage, outside every cluster
    assert "s_Keep -> survey_everyone [style=dotted" in text
    end = next(ln for ln in text.splitlines() if ln.startswith("  survey_everyone ["))
    assert "at end\\nasks every customer, at the end of\\ntheir journey" in end


@pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz is not installed")
def test_dot_with_surveys_renders_as_svg():
    svgs = {}
    for spec in (SURVEYS, SAAS, CASES / "labels.cxj"):
        out = subprocess.run(["dot", "-Tsvg"], input=export.to_dot(cxdsl.load(spec)).encode(),
                             capture_output=True, timeout=30)
        assert out.returncode == 0 and not out.stderr, out.stderr.decode()
        svgs[spec.stem] = svg = out.stdout.decode()
        assert svg.lstrip().startswith("<?xml") and svg.rstrip().endswith("</svg>")
        assert "headline survey" in svg
    # the label stays text in the drawing, never markup
    assert "&lt;script&gt;x&lt;/script&gt;" in svgs["surveys"]
    assert "<script" not in svgs["surveys"]


def test_survey_words():
    model = cxdsl.load(SURVEYS)
    assert [(v.name, export.survey_where(v), export.survey_asks(model, v))
            for v in model.all_surveys] == [
        ("after_pay", "at Pay", "converted customers"),
        ("browse", "at Browse", "customers who reached Browse the shop"),
        ("everyone", "at end", "every customer, at the end of their journey")]


def test_command_json_carries_every_survey():
    doc = invoke_json("export", str(SURVEYS), "--to", "json", "--engine", "exact")
    assert list(doc["surveys"]) == ["after_pay", "browse", "everyone"]
    assert [doc["surveys"][n]["stage"] for n in doc["surveys"]] == ["Pay", "Browse", None]
    assert doc["surveys"]["everyone"]["overall"]["respondents"]["value"] == pytest.approx(1)
    assert doc["overall"]["nps"] == doc["surveys"]["after_pay"]["overall"]["nps"]
    assert all("rate_reached" in e for e in doc["events"])
