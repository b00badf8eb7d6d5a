"""``cxdsl new``: every template checks clean, is formatted, runs and meets its targets;
an existing file is never overwritten."""

from __future__ import annotations

import json
import os

import pytest

from cxdsl.cli.new import TEMPLATES, render, title_of
from cxdsl.lang import api
from cxdsl.tooling.formatter import format_text
from support import run_main, write


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_template_checks_clean_and_is_formatted(template):
    text = render(template, "acme.cxj")
    comp = api.check_text(text, "acme.cxj")
    assert comp.ok
    assert list(comp.diagnostics) == []  # not even a warning
    assert format_text(text, "acme.cxj") == text
    model = comp.model
    assert [s.name for s in model.stages] == ["Attract", "Convert", "Close", "Delight"]
    assert model.events and model.scenarios and model.targets and model.sweeps
    assert any(e.when is not None for e in model.events)  # a recovery
    assert text.count("\n#") >= 10  # commented


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_template_runs_and_meets_its_targets(template):
    import cxdsl

    model = api.loads(render(template, "acme.cxj"))
    result = cxdsl.simulate(model, customers=20_000, seed=3)
    assert result.targets and all(t.met for t in result.targets)


def test_new_writes_a_file_that_the_cli_runs(tmp_path, cxdsl_cli):
    proc = cxdsl_cli("new", "acme_onboarding", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "acme_onboarding.cxj"
    assert 'journey "Acme onboarding"' in path.read_text("utf-8")
    assert "wrote acme_onboarding.cxj" in proc.stderr
    proc = cxdsl_cli("run", "acme_onboarding.cxj", "--customers", "5000", "--json",
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert all(t["met"] for t in json.loads(proc.stdout)["targets"])


def test_name_with_extension_and_template(capsys, tmp_path):
    path = tmp_path / "stay.cxj"
    code, _, err = run_main(capsys, "new", str(path), "--template", "hotel")
    assert code == 0
    text = path.read_text("utf-8")
    assert "scale 1..5" in text and "`hotel` template" in text
    assert not (tmp_path / "stay.cxj.cxj").exists()


def test_refuses_to_overwrite(capsys, tmp_path):
    path = write(tmp_path, "mine.cxj", "seed 1\n")
    code, _, err = run_main(capsys, "new", str(tmp_path / "mine"))
    assert code == 1
    assert "already exists" in err
    assert path.read_text("utf-8") == "seed 1\n"
    # a dangling symlink is an existing name too
    (tmp_path / "link.cxj").symlink_to(tmp_path / "nowhere.cxj")
    assert run_main(capsys, "new", str(tmp_path / "link.cxj"))[0] == 1
    assert not (tmp_path / "nowhere.cxj").exists()


def test_missing_directory_and_bad_template(capsys, tmp_path):
    code, _, err = run_main(capsys, "new", str(tmp_path / "no" / "such" / "dir"))
    assert code == 1 and "does not exist" in err
    assert run_main(capsys, "new", str(tmp_path / "x"), "--template", "bank")[0] == 2


def test_stdout(capsys):
    code, out, _ = run_main(capsys, "new", "-", "-t", "shop")
    assert code == 0
    assert api.check_text(out).ok


def test_a_failed_write_leaves_no_half_file(capsys, tmp_path, monkeypatch):
    from cxdsl.cli import new as new_cmd

    class FullDisk:
        """A file whose writes fail as on a full disk."""

        def __init__(self, *args, **kwargs):
            self._fh = open(*args, **kwargs)

        def write(self, data):
            self._fh.write(data[:10])
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()

    monkeypatch.setattr(new_cmd, "open", FullDisk, raising=False)
    code, _, err = run_main(capsys, "new", str(tmp_path / "j"))
    assert code == 1 and "No space left on device" in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name, title", [
    ("acme_onboarding.cxj", "Acme onboarding"),
    ("dir/hotel-stay", "Hotel stay"),
    ('we"ird\\name', 'We"ird\\name'),
])
def test_titles(name, title):
    assert title_of(name) == title
    text = render("saas", name)
    comp = api.check_text(text)
    assert comp.ok and comp.model.title == title
