"""Reading spec files: bytes to text, with every way a file can be unreadable reported as a
diagnostic rather than an exception."""

from __future__ import annotations

import os

from .diagnostics import Diagnostics, Span

#: A journey spec is a few hundred lines; anything past this is not a spec someone wrote.
MAX_BYTES = 2 * 1024 * 1024


def decode(data: bytes, path: str, diags: Diagnostics) -> str | None:
    """UTF-8 text of ``data`` (a leading BOM dropped), or None with a diagnostic."""
    if len(data) > MAX_BYTES:
        diags.error("E003", f"file is {len(data) / 1e6:.1f} MB; a spec may be at most "
                    f"{MAX_BYTES // (1024 * 1024)} MB", Span.point(path),
                    "split the journey into files joined with `import`")
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


def read(path: str, diags: Diagnostics, span: Span | None = None) -> str | None:
    """Text of the file at ``path``, or None with a diagnostic (at ``span`` when given,
    e.g. the import statement that named the file)."""
    where = span or Span.point(path)
    try:
        if os.path.isdir(path):
            diags.error("E001", f"'{path}' is a directory, not a .cxj file", where)
            return None
        with open(path, "rb") as fh:
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
        size = os.path.getsize(path)
        diags.error("E003", f"file is {size / 1e6:.1f} MB; a spec may be at most "
                    f"{MAX_BYTES // (1024 * 1024)} MB", where,
                    "split the journey into files joined with `import`")
        return None
    return decode(data, path, diags)
