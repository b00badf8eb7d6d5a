"""Reading spec files: bytes to text, with every way a file can be unreadable reported as a
diagnostic rather than an exception."""

from __future__ import annotations

import os
import stat

from .diagnostics import Diagnostics, Span

#: A journey spec is a few hundred lines; anything past this is not a spec someone wrote.
MAX_BYTES = 2 * 1024 * 1024


_LIMIT = f"{MAX_BYTES // (1024 * 1024)} MB"


def too_large(diags: Diagnostics, where: Span, size: int | None) -> None:
    """E003; ``size`` is the file's size when known (a regular file), else the reader only
    knows it got more than the limit (a pipe, standard input, a device)."""
    what = f"file is {size / 1e6:.1f} MB" if size is not None else f"input is more than {_LIMIT}"
    diags.error("E003", f"{what}; a spec may be at most {_LIMIT}", where,
                "split the journey into files joined with `import`")


def decode(data: bytes, path: str, diags: Diagnostics) -> str | None:
    """UTF-8 text of ``data`` (a leading BOM dropped), or None with a diagnostic."""
    if len(data) > MAX_BYTES:
        too_large(diags, Span.point(path), None)
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        diags.error("E002", f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                    Span(path, line, col, line, col + 1, exc.start, exc.start + 1),
                    "save the file as UTF-8")
        return None
    if "\x00" in text:
        diags.error("E002", "file contains a NUL byte; it looks like a binary file",
                    Span.of(path, text, text.index("\x00")))
        return None
    return text


def read_stream(stream, path: str, diags: Diagnostics) -> str | None:
    """Text of a binary stream (standard input), reading at most the limit and one byte,
    or None with a diagnostic."""
    return decode(stream.read(MAX_BYTES + 1), path, diags)


def _not_a_file(mode: int) -> str | None:
    """What a node that is not a regular file is (None for a regular file)."""
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def read_bytes(path: str, diags: Diagnostics, span: Span | None = None) -> bytes | None:
    """The bytes of the regular file at ``path`` (at most the limit), or None with a
    diagnostic (at ``span`` when given, e.g. the import statement that named the file).

    What is not a regular file is refused before it is opened: a FIFO would block the
    reader until some writer came, a device may never end."""
    where = span or Span.point(path)
    try:
        kind = _not_a_file(os.stat(path).st_mode)
        if kind is not None:
            suffix = ", not a .cxj file" if kind == "a directory" else "; a spec must be a file"
            diags.error("E001", f"'{path}' is {kind}{suffix}", where)
            return None
        # O_NONBLOCK: should the path become a FIFO after the check, opening it does not
        # wait for a writer; fstat below refuses it then
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                diags.error("E001", f"'{path}' is {_not_a_file(st.st_mode)}; a spec must "
                            "be a file", where)
                return None
            os.set_blocking(fd, True)
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        diags.error("E001", f"no such file: '{path}'", where)
        return None
    except PermissionError:
        diags.error("E001", f"permission denied: '{path}'", where)
        return None
    except OSError as exc:
        diags.error("E001", f"cannot read '{path}': {exc.strerror or exc}", where)
        return None
    if len(data) > MAX_BYTES:
        too_large(diags, where, max(st.st_size, len(data)))
        return None
    return data


def read(path: str, diags: Diagnostics, span: Span | None = None) -> str | None:
    """Text of the regular file at ``path``, or None with a diagnostic (see
    :func:`read_bytes`)."""
    data = read_bytes(path, diags, span)
    return None if data is None else decode(data, path, diags)
