"""Writing the files the commands produce, without damaging what is already there.

A regular file (or a missing path) is replaced through a temporary file in the same
directory and a rename, so it is either the old file or the complete new one, with its
mode and owner kept. A character device or a FIFO (``/dev/null``, ``/dev/stdout``, a pipe
made with ``mkfifo``) is written into as it is: renaming over it would replace the device
with a regular file. A symlink is followed to its target, and the link itself is kept. A
file with several hard links, or owned by another user, is written in place (after the
same checks, and once the space for the new content is reserved), since a rename would
cut it from its other names or make it the writer's.

Every failure is a :class:`WriteError` that says whether the path was a usage mistake
(an empty name, a directory) or the environment refused (no space, a read-only file
system, permissions).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from typing import TypeVar


class WriteError(Exception):
    """A file could not be written; whatever was at the path is as it was.

    ``usage`` is True when the path itself is the mistake (empty, a directory, a missing
    folder), False when the system refused a sensible path."""

    def __init__(self, path: str, reason: str, *, usage: bool = False):
        super().__init__(f"cannot write '{path}': {reason}")
        self.path = path
        self.reason = reason
        self.usage = usage


def reason_of(exc: OSError) -> str:
    """The few words that say why the system refused."""
    words = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
             errno.EROFS: "read-only file system", errno.EISDIR: "it is a directory",
             errno.EACCES: "permission denied", errno.EPERM: "permission denied",
             errno.ENOENT: "no such file or directory", errno.ENOTDIR:
             "a part of the path is not a directory"}
    return words.get(exc.errno, exc.strerror or str(exc))


def _kind(mode: int) -> str | None:
    """What a node that cannot be written to is, or None when it can be."""
    if stat.S_ISDIR(mode):
        return "it is a directory"
    if stat.S_ISBLK(mode):
        return "it is a block device"
    if stat.S_ISSOCK(mode):
        return "it is a socket"
    return None


def check_target(path: str) -> None:
    """Refuse, before any work is done, a path that cannot be an output file."""
    if path == "":
        raise WriteError(path, "the file name is empty", usage=True)
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        directory = os.path.dirname(real)
        if not os.path.isdir(directory):
            raise WriteError(path, f"directory '{os.path.dirname(os.path.abspath(path))}' "
                             "does not exist", usage=True) from None
        return
    except OSError as exc:
        raise WriteError(path, reason_of(exc), usage=exc.errno == errno.ENOTDIR) from None
    kind = _kind(st.st_mode)
    if kind is not None:
        raise WriteError(path, kind, usage=True)


def _target(path: str) -> tuple[str, os.stat_result | None]:
    """The real file behind ``path`` (through a symlink to its target, never over it) and
    its status (None when it does not exist yet), after :func:`check_target`."""
    check_target(path)
    real = os.path.realpath(path)
    try:
        return real, os.stat(real)
    except FileNotFoundError:
        return real, None
    except OSError as exc:
        raise WriteError(path, reason_of(exc)) from None


def write_file(path: str, data: str | bytes, *, original: bytes | None = None,
               keep_read_only: bool = False) -> None:
    """Write ``data`` (text is written as UTF-8) to ``path``, as the module docstring says.

    With ``original``, the file is written only if it still holds those bytes (it is
    being rewritten from what was read). With ``keep_read_only``, a file without write
    permission bits is refused even where the writer could write it anyway (as root)."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    real, st = _target(path)
    if st is None:
        if original is not None:
            raise WriteError(path, "it was removed since it was read")
        _replace(path, real, payload, None, None)
    elif stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        _into_stream(path, real, payload)
    else:
        if keep_read_only and not st.st_mode & 0o222:
            raise WriteError(path, "the file is read-only")
        if st.st_nlink > 1 or st.st_uid != os.geteuid():
            _in_place(path, real, payload, original)
        else:
            _replace(path, real, payload, st, original)


T = TypeVar("T")


def write_streamed(path: str, fill: Callable[[str], T]) -> T:
    """Write ``path`` by calling ``fill(target)``, which writes a whole file at ``target``
    (a table written chunk by chunk): with the same guarantees as :func:`write_file`. A
    temporary file next to the real target is filled and renamed over it, keeping the
    old file's mode and group; a device or a FIFO is filled directly; a hard-linked or
    foreign-owned file gets the finished bytes written in place. Returns what ``fill``
    returns."""
    real, st = _target(path)
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        try:
            return fill(real)
        except OSError as exc:
            raise WriteError(path, reason_of(exc)) from None
    with _temporary_beside(path, real) as (fd, tmp):
        os.close(fd)
        result = fill(tmp)
        if st is not None and (st.st_nlink > 1 or st.st_uid != os.geteuid()):
            with open(tmp, "rb") as fh:
                _in_place(path, real, fh.read(), None)
            _discard(tmp)
            return result
        _settle(tmp, st)
        os.replace(tmp, real)
    return result


@contextlib.contextmanager
def _temporary_beside(path: str, real: str) -> Iterator[tuple[int, str]]:
    """A new temporary file next to ``real`` (its open descriptor and its name) for
    writing ``path``: removed again when the block fails, an OSError of the block raised
    as the WriteError of ``path``."""
    directory = os.path.dirname(real)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(real)}.", suffix=".tmp",
                                   dir=directory)
    except OSError as exc:
        raise WriteError(path, f"cannot create a file in '{directory}': "
                         f"{reason_of(exc)}") from None
    try:
        yield fd, tmp
    except OSError as exc:
        _discard(tmp)
        raise WriteError(path, reason_of(exc)) from None
    except BaseException:
        _discard(tmp)
        raise


def _settle(tmp: str, st: os.stat_result | None) -> None:
    """Give a filled temporary file the old file's mode and group (or a new file's mode)
    and flush it to disk, before it is renamed over the target."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
        _give_attributes(fd, st)
    finally:
        os.close(fd)


def _give_attributes(fd: int, st: os.stat_result | None) -> None:
    if st is None:
        os.fchmod(fd, _new_file_mode())
        return
    os.fchmod(fd, stat.S_IMODE(st.st_mode))
    if st.st_gid != os.getegid():
        try:  # a group the writer belongs to, or any as root
            os.fchown(fd, -1, st.st_gid)
        except PermissionError:
            pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _check_unchanged(path: str, real: str, original: bytes | None) -> None:
    if original is None:
        return
    with open(real, "rb") as fh:
        current = fh.read(len(original) + 1)
    if current != original:
        raise WriteError(path, "it changed since it was read")


def _into_stream(path: str, real: str, payload: bytes) -> None:
    """Write into a device or a FIFO: no temporary file, no rename, no truncation."""
    try:
        fd = os.open(real, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise WriteError(path, reason_of(exc)) from None
    try:
        _write_all(fd, payload)
    except OSError as exc:
        raise WriteError(path, reason_of(exc)) from None
    finally:
        os.close(fd)


def _new_file_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _replace(path: str, real: str, payload: bytes, st: os.stat_result | None,
             original: bytes | None) -> None:
    """A temporary file next to ``real`` renamed over it: all or nothing."""
    with _temporary_beside(path, real) as (fd, tmp):
        try:
            _write_all(fd, payload)
            os.fsync(fd)
            _give_attributes(fd, st)
        finally:
            os.close(fd)
        _check_unchanged(path, real, original)
        os.replace(tmp, real)


def _in_place(path: str, real: str, payload: bytes, original: bytes | None) -> None:
    """Overwrite the file itself, keeping its inode (hard links, owner); the space is
    reserved first so that a full disk fails before the old content is touched."""
    try:
        fd = os.open(real, os.O_WRONLY | os.O_NOCTTY)
    except OSError as exc:
        raise WriteError(path, reason_of(exc)) from None
    try:
        _check_unchanged(path, real, original)
        size = os.fstat(fd).st_size
        if len(payload) > size:
            try:
                os.posix_fallocate(fd, 0, len(payload))
            except OSError as exc:
                os.ftruncate(fd, size)
                if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
        os.lseek(fd, 0, os.SEEK_SET)
        _write_all(fd, payload)
        os.ftruncate(fd, len(payload))
        os.fsync(fd)
    except OSError as exc:
        raise WriteError(path, reason_of(exc)) from None
    finally:
        os.close(fd)


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
