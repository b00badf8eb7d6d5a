"""The client's messages read off standard input as the Language Server Protocol frames
them (``Content-Length: N`` header lines, an empty line, then N bytes of JSON), without
trusting the client.

pygls's own loop reads whatever length a header names (``Content-Length: 99999999999``
is a MemoryError), stops at a header it cannot read, and leaves the stream out of step
after a body shorter than its header said. Here a frame over :data:`MAX_FRAME` bytes is
refused without being read, a header that is no length is refused, and after either the
reader skips to the next ``Content-Length:`` header; a body that is no JSON gives its
bytes from the next header on back to the stream (the start of the next message, when
the body was cut short). Every refusal is a :class:`Refused`, which the server answers
with a JSON-RPC error; memory stays bounded by :data:`MAX_FRAME`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO

#: the largest message accepted: a document at the 2 MB limit of `cxdsl check`, escaped
#: as JSON (every character at most 6 bytes once, in practice far fewer), fits
MAX_FRAME = 8 * 1024 * 1024

#: header lines are read at most this many bytes at a time, so a line with no end (the
#: body of a refused frame) never fills memory
MAX_LINE = 64 * 1024

PARSE_ERROR = -32700
INVALID_REQUEST = -32600

_HEADER = re.compile(rb"content-length:", re.IGNORECASE)


@dataclass(frozen=True)
class Refused:
    """A frame that cannot be used, with the JSON-RPC error code and message that answer
    it (the message's id is unknown: the answer's is null)."""

    code: int
    message: str


class FrameReader:
    """Frames from a binary stream; :meth:`next_frame` blocks (run it off the event loop)."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.pending = b""  # bytes given back by :meth:`give_back`, read before the stream

    def _readline(self) -> bytes:
        """A line (with its end), or at most MAX_LINE bytes of one; b"" at the end."""
        if self.pending:
            end = self.pending.find(b"\n", 0, MAX_LINE)
            cut = MAX_LINE if end < 0 else end + 1
            line, self.pending = self.pending[:cut], self.pending[cut:]
            if line.endswith(b"\n") or len(line) >= MAX_LINE:
                return line
            return line + self.stream.readline(MAX_LINE - len(line))
        return self.stream.readline(MAX_LINE)

    def _read(self, n: int) -> bytes:
        """``n`` bytes, or fewer at the end of the stream."""
        got, self.pending = self.pending[:n], self.pending[n:]
        parts = [got]
        left = n - len(got)
        while left > 0:
            chunk = self.stream.read(left)
            if not chunk:
                break
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    def next_frame(self) -> bytes | Refused | None:
        """The next message's body, a :class:`Refused` frame, or None at the end."""
        length: int | None = None
        refused: Refused | None = None
        while True:
            line = self._readline()
            if not line:
                return None
            if not line.strip():
                if length is None and refused is None:
                    continue  # a blank line between frames, or the end of skipped bytes
                break
            found = _HEADER.search(line)
            if found is None:
                continue  # another header (Content-Type), or bytes skipped to resynchronise
            value = line[found.end():].strip()
            if value.isdigit():
                length, refused = int(value), None
            else:
                length, refused = None, Refused(
                    PARSE_ERROR, f"Content-Length {value[:40].decode('ascii', 'replace')!r} "
                                 "is not a number of bytes")
        if refused is not None:
            return refused
        if length > MAX_FRAME:
            # not read: the bytes that follow are skipped up to the next header
            return Refused(INVALID_REQUEST, f"a message of {length:,} bytes is over the "
                                            f"limit of {MAX_FRAME // (1024 * 1024)} MB")
        return self._read(length)

    def give_back(self, body: bytes) -> None:
        """Return to the stream the part of a body that is no JSON from its first
        ``Content-Length:`` header on: a body cut short swallowed the next message's start."""
        found = _HEADER.search(body, 1)
        if found is not None:
            self.pending = body[found.start():] + self.pending
