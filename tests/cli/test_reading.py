"""Reading specs: what is not a regular file is refused before it is opened (a FIFO must
not hang, a device must not be read forever), and every read is bounded by the 2 MB limit
of a spec: standard input, fmt and imports. Nodes are made in a temporary folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from support import write

GOOD = 'journey "J"\npersona a share=100% baseline=7\nstage S\nevent e p=10% impact=-1 at S\n'
TIMEOUT = 30  # a hang fails the test instead of blocking the run


def cxdsl(*args, stdin=None, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "cxdsl", *map(str, args)], stdin=stdin,
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=TIMEOUT)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "f.cxj"
    os.mkfifo(path)
    return path


@pytest.fixture
def zero(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mknod needs root")
    path = tmp_path / "zero"
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 5))
    return path


@pytest.mark.parametrize("command", ["check", "fmt", "compile"])
def test_a_fifo_is_refused_without_hanging(fifo, command):
    out = cxdsl(command, fifo)
    assert out.returncode == 1, out.stderr
    assert "is a FIFO (named pipe); a spec must be a file" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_import_of_a_fifo_is_refused_without_hanging(tmp_path, fifo):
    top = write(tmp_path, "top.cxj", 'import "f.cxj"\n' + GOOD)
    out = cxdsl("check", top)
    assert out.returncode == 1 and "error[E001]" in out.stderr and "FIFO" in out.stderr


def test_a_device_is_refused(zero):
    for command in ("check", "fmt"):
        out = cxdsl(command, zero)
        assert out.returncode == 1 and "is a character device" in out.stderr


@pytest.mark.parametrize("command", [("check", "-"), ("fmt", "-"), ("compile", "-")])
def test_endless_standard_input_stops_at_the_limit(zero, command):
    with open(zero, "rb") as endless:
        out = cxdsl(*command, stdin=endless)
    assert out.returncode == 1, out.stderr
    assert "error[E003]: input is more than 2 MB; a spec may be at most 2 MB" in out.stderr
    assert "0.0 MB" not in out.stderr and "internal error" not in out.stderr


def test_a_large_regular_file_says_its_size(tmp_path):
    big = write(tmp_path, "big.cxj", GOOD + "#" * (3 * 1024 * 1024))
    out = cxdsl("fmt", big)
    assert out.returncode == 1 and "file is 3.1 MB; a spec may be at most 2 MB" in out.stderr


@pytest.mark.parametrize("data", [b"journey \"J\"\n\xff\xfe broken\n", b"stage S\x00\n",
                                  b"# big\n" + b"x" * (3 * 1024 * 1024)])
def test_textconv_prints_what_it_cannot_format_as_it_is(tmp_path, data):
    path = write(tmp_path, "j.cxj", data)
    out = subprocess.run([sys.executable, "-m", "cxdsl", "fmt", "--textconv", str(path)],
                         capture_output=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    assert out.stdout == data
