"""Every ``-o`` of the command line goes through cxdsl.tooling.files: devices, FIFOs,
symlinks and hard links survive; a path that is no file exits 2 and a system that refuses
the write exits 1, each with a "cannot write" line and never an internal error."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from support import run_main, write

GOOD = """\
journey "Output"
persona a share=100% baseline=7 value=10
stage S advance=50%
stage T
event e p=10% impact=-1 at S
"""


@pytest.fixture
def spec(tmp_path):
    return str(write(tmp_path, "j.cxj", GOOD))


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_compile_into_a_character_device_keeps_the_device(capsys, tmp_path, spec):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    code, out, err = run_main(capsys, "compile", spec, "-o", str(node))
    assert code == 0, err
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_compile_through_a_symlink_keeps_the_link(capsys, tmp_path, spec):
    target = write(tmp_path, "model.json", "old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert run_main(capsys, "compile", spec, "-o", str(link))[0] == 0
    assert link.is_symlink() and target.read_text().startswith("{")


@pytest.mark.parametrize("command", [("compile",), ("export", "--to", "dot"),
                                     ("run", "--engine", "exact"), ("report",)])
@pytest.mark.parametrize("where", ["", "DIR"])
def test_an_output_that_is_no_file_exits_2(capsys, tmp_path, spec, command, where):
    output = str(tmp_path) if where == "DIR" else where
    code, out, err = run_main(capsys, *command, spec, "-o", output)
    assert code == 2, err
    assert "cannot write" in err and "internal error" not in err


def test_sweep_to_a_directory_exits_2(capsys, tmp_path, spec):
    folder = tmp_path / "out.csv"
    folder.mkdir()
    code, out, err = run_main(capsys, "sweep", spec, "--vary", "e.p=0.1,0.2", "-o",
                              str(folder))
    assert code == 2 and "is a directory" in err


@pytest.mark.parametrize("command", [("compile",), ("export", "--to", "mermaid"),
                                     ("run", "--engine", "exact", "--json")])
def test_a_full_disk_exits_1_with_cannot_write(capsys, monkeypatch, tmp_path, spec,
                                               command):
    target = write(tmp_path, "out.json", "old")

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", full)
    code, out, err = run_main(capsys, *command, spec, "-o", str(target))
    monkeypatch.undo()
    assert code == 1, err
    assert f"cannot write '{target}': no space left on device" in err
    assert target.read_text() == "old"


def test_report_png_into_a_read_only_place_exits_1(capsys, monkeypatch, tmp_path, spec):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(os, "makedirs", read_only)
    code, out, err = run_main(capsys, "report", spec, "--engine", "exact", "-o",
                              str(tmp_path / "r.html"), "--png", str(tmp_path / "png"))
    assert code == 1, err
    assert "cannot write" in err and "read-only file system" in err


def test_new_refuses_an_empty_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(capsys, "new", "")
    assert code == 2 and "names no file" in err
    assert os.listdir(tmp_path) == []


def test_fmt_keeps_hard_links_and_owner(capsys, tmp_path):
    path = write(tmp_path, "j.cxj", "persona  a share=1   baseline=7\n")
    os.link(path, tmp_path / "same.cxj")
    if os.geteuid() == 0:
        os.chown(path, 1234, 1234)
    assert run_main(capsys, "fmt", str(path))[0] == 0
    assert (tmp_path / "same.cxj").read_text() == "persona a share=1 baseline=7\n"
    if os.geteuid() == 0:
        assert path.stat().st_uid == 1234
