"""Writing output files: regular files replaced whole with their mode, owner and links
kept; devices and FIFOs written into; symlinks followed; every failure a WriteError that
says whether the path or the system is to blame. Device nodes are made with mknod in a
temporary folder, never taken from the real /dev."""

from __future__ import annotations

import errno
import os
import stat
import threading

import pytest

from cxdsl.tooling import files
from cxdsl.tooling.files import WriteError, write_file

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mknod and chown need root")


def _null_device(tmp_path):
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return node


def test_a_regular_file_is_replaced_keeping_its_mode(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o640)
    write_file(str(target), "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.json"]


def test_a_missing_file_is_created(tmp_path):
    write_file(str(tmp_path / "new.json"), b"{}")
    assert (tmp_path / "new.json").read_bytes() == b"{}"


@needs_root
def test_a_character_device_is_written_into_not_replaced(tmp_path):
    node = _null_device(tmp_path)
    write_file(str(node), "discarded")
    st = os.lstat(node)
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3)
    assert os.listdir(tmp_path) == ["null"]


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_file(str(fifo), "through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_is_followed_and_kept(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_file(str(link), "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "later.json")
    write_file(str(link), "new")
    assert link.is_symlink() and (tmp_path / "later.json").read_text() == "new"


@needs_root
def test_a_symlink_to_a_device_writes_into_the_device(tmp_path):
    node = _null_device(tmp_path)
    link = tmp_path / "stdout"
    link.symlink_to(node)
    write_file(str(link), "x")
    assert link.is_symlink() and stat.S_ISCHR(os.lstat(node).st_mode)


def test_hard_links_are_kept(tmp_path):
    first = tmp_path / "a.json"
    first.write_text("a much longer old content than the new one")
    second = tmp_path / "b.json"
    os.link(first, second)
    write_file(str(first), "new")
    assert second.read_text() == "new"
    assert first.stat().st_ino == second.stat().st_ino


@needs_root
def test_another_users_file_keeps_its_owner(tmp_path):
    target = tmp_path / "theirs.json"
    target.write_text("old")
    os.chown(target, 1234, 5678)
    target.chmod(0o604)
    write_file(str(target), "a new content, longer than the old")
    st = target.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 5678, 0o604)
    assert target.read_text() == "a new content, longer than the old"


@pytest.mark.parametrize("path, words", [("", "empty"), (".", "directory")])
def test_a_path_that_is_no_file_is_a_usage_mistake(tmp_path, monkeypatch, path, words):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WriteError) as info:
        write_file(path, "x")
    assert info.value.usage and words in str(info.value)


def test_a_missing_directory_is_a_usage_mistake(tmp_path):
    with pytest.raises(WriteError) as info:
        write_file(str(tmp_path / "nowhere" / "out.json"), "x")
    assert info.value.usage and "does not exist" in str(info.value)


def _full_disk(monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", full)


def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("old")
    _full_disk(monkeypatch)
    with pytest.raises(WriteError) as info:
        write_file(str(target), "new")
    monkeypatch.undo()
    assert not info.value.usage and "no space left on device" in str(info.value)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.json"]


def test_a_full_disk_fails_before_an_in_place_write_touches_the_file(tmp_path,
                                                                     monkeypatch):
    target = tmp_path / "a.json"
    target.write_text("old")
    os.link(target, tmp_path / "b.json")

    def no_room(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "posix_fallocate", no_room)
    with pytest.raises(WriteError, match="no space left"):
        write_file(str(target), "a longer new content")
    assert target.read_text() == "old"


def test_a_read_only_file_system_is_named(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(files.tempfile, "mkstemp", read_only)
    with pytest.raises(WriteError) as info:
        write_file(str(tmp_path / "out.json"), "x")
    assert not info.value.usage and "read-only file system" in str(info.value)


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path):
    target = tmp_path / "j.cxj"
    target.write_text("edited meanwhile")
    with pytest.raises(WriteError, match="changed since it was read"):
        write_file(str(target), "formatted", original=b"as read")
    assert target.read_text() == "edited meanwhile"


def test_a_streamed_write_is_all_or_nothing(tmp_path):
    from cxdsl.tooling.files import write_streamed

    out = tmp_path / "t.csv"
    out.write_text("old\n")
    out.chmod(0o640)

    def broken(target):
        with open(target, "w") as fh:
            fh.write("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(WriteError, match="(?i)no space left"):
        write_streamed(str(out), broken)
    assert out.read_text() == "old\n" and not list(tmp_path.glob(".*.tmp"))

    def fill(target):
        with open(target, "w") as fh:
            fh.write("new\n")
        return 4

    assert write_streamed(str(out), fill) == 4
    assert out.read_text() == "new\n" and (out.stat().st_mode & 0o777) == 0o640
    link = tmp_path / "link.csv"
    os.link(out, link)
    write_streamed(str(link), fill)
    assert os.path.samefile(out, link)  # a hard link stays one file
