"""``cxdsl diff``: the declarations that changed, the paired forecast change, reading
``REV:path`` through git, and bad input."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import cxdsl
from cxdsl.model.diff import diff_models, render
from support import TWO_PERSONAS_TWO_STAGES, edited, invoke, invoke_json

OLD = 'journey "Diff test"\n' + TWO_PERSONAS_TWO_STAGES + """\
event e p=50% impact=+2 at S
  for b p=30%
event f p=20% impact=-3 at T
target nps >= 10
scenario s1 cost=100 { e.p = 60% }
sweep e.p in [10%, 20%]
"""

NEW = edited(OLD, ("advance=60%", "advance=70%"), ("for b p=30%", "for b p=40%"),
             ("event f p=20% impact=-3", 'event g "New" p=10% impact=+1'),
             ("nps >= 10", "nps >= 15"), ("cost=100", "cost=200"),
             ("[10%, 20%]", "[10%, 30%]"))


def test_model_diff():
    changes = diff_models(cxdsl.loads(OLD), cxdsl.loads(NEW))
    got = {(c.kind, c.name, c.change): {f.field: (f.old, f.new) for f in c.fields}
           for c in changes}
    assert got[("stage", "S", "changed")] == {"advance": ("60%", "70%")}
    assert got[("event", "e", "changed")] == {"p[b]": ("30%", "40%")}
    assert ("event", "g", "added") in got
    assert ("event", "f", "removed") in got
    assert got[("target", "nps >= 15", "changed")] == {"threshold": ("nps >= 10",
                                                                     "nps >= 15")}
    assert got[("scenario", "s1", "changed")] == {"cost": ("100", "200")}
    assert got[("sweep", "e.p", "changed")] == {"values": ("[10%, 20%]", "[10%, 30%]")}
    lines = render(changes)
    assert "+ event g \"New\" p=10% impact=+1 at T" in lines
    assert "    advance: 60% → 70%" in lines
    assert any(line.startswith("- event f") for line in lines)
    assert diff_models(cxdsl.loads(OLD), cxdsl.loads(OLD)) == []


def test_model_diff_personas_and_settings():
    old = cxdsl.loads(OLD)
    new = cxdsl.loads(OLD.replace('journey "Diff test"', 'journey "Renamed"\nseed 9')
                      .replace("persona b share=40% baseline=8 value=300\n", "")
                      .replace("  for b p=30%\n", "")
                      .replace("persona a share=60%", "persona a share=100%"))
    got = {(c.kind, c.name, c.change): {f.field: (f.old, f.new) for f in c.fields}
           for c in diff_models(old, new)}
    assert got[("journey", "journey", "changed")] == {"title": ("Diff test", "Renamed"),
                                                      "seed": (None, "9")}
    assert ("persona", "b", "removed") in got
    assert got[("persona", "a", "changed")] == {"share": ("60%", "100%")}


def test_files_json(tmp_path):
    (tmp_path / "old.cxj").write_text(OLD)
    (tmp_path / "new.cxj").write_text(NEW)
    doc = invoke_json("diff", tmp_path / "old.cxj", tmp_path / "new.cxj", "-n", "20000",
                 "--seed", "1", "--json")
    assert {"manifest", "changes", "old", "new", "delta"} <= set(doc)
    assert doc["manifest"]["seed"] == 1 and doc["manifest"]["customers"] == 20000
    assert set(doc["delta"]) == {"nps", "csat", "mean", "conversion", "revenue"}
    d = doc["delta"]["nps"]
    assert d["value"] == pytest.approx(doc["new"]["overall"]["nps"]["value"]
                                       - doc["old"]["overall"]["nps"]["value"])
    assert d["ci95"][0] < d["value"] < d["ci95"][1]
    assert any(c["kind"] == "event" and c["name"] == "g" and c["change"] == "added"
               for c in doc["changes"])


def test_files_human_and_exact(tmp_path):
    (tmp_path / "old.cxj").write_text(OLD)
    (tmp_path / "new.cxj").write_text(NEW)
    out = invoke("diff", tmp_path / "old.cxj", tmp_path / "new.cxj", "--engine", "exact")
    assert out.exit_code == 0, out.output
    for text in ("~ stage S", "advance: 60% → 70%", "+ event g", "- event f", "Forecast",
                 "exact engine"):
        assert text in out.output


@pytest.fixture
def repo(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "common.cxj").write_text(
        "persona a share=60% baseline=7 value=100\npersona b share=40% baseline=8 value=300\n")
    (tmp_path / "specs" / "j.cxj").write_text(
        'import "common.cxj"\n' + OLD.split("\n", 3)[3])
    git("add", ".")
    git("commit", "-q", "-m", "one")
    (tmp_path / "specs" / "common.cxj").write_text(
        "persona a share=60% baseline=7.5 value=100\n"
        "persona b share=40% baseline=8 value=300\n")
    monkeypatch.chdir(tmp_path / "specs")
    return tmp_path


def test_git_revision_with_imports(repo):
    doc = invoke_json("diff", "HEAD:j.cxj", "j.cxj", "--engine", "exact", "--json")
    # the import is read at the revision too: only the working tree's baseline changed
    assert [(c["kind"], c["name"]) for c in doc["changes"]] == [("persona", "a")]
    assert doc["changes"][0]["fields"] == [{"field": "baseline", "old": "7", "new": "7.5"}]
    assert doc["old_spec"] == "HEAD:j.cxj"


@pytest.mark.parametrize("old, message", [
    ("nosuchrev:j.cxj", "'nosuchrev' is not a revision"),
    ("HEAD:missing.cxj", "'missing.cxj' does not exist at revision HEAD"),
])
def test_git_bad_revision_or_path(repo, old, message):
    out = invoke("diff", old, "j.cxj")
    assert out.exit_code == 2, out.output
    assert message in out.output
    assert "Traceback" not in out.output


def test_not_a_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "x.cxj").write_text(OLD)
    out = invoke("diff", "HEAD:x.cxj", "x.cxj")
    assert out.exit_code == 2 and "not inside a git repository" in out.output


def test_missing_file_and_output_dir(tmp_path):
    (tmp_path / "old.cxj").write_text(OLD)
    out = invoke("diff", tmp_path / "old.cxj", tmp_path / "nope.cxj")
    assert out.exit_code == 1 and "no such file" in out.output
    out = invoke("diff", tmp_path / "old.cxj", tmp_path / "old.cxj", "-o",
                 tmp_path / "no" / "d.json")
    assert out.exit_code == 2 and "does not exist" in out.output
