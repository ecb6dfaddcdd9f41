"""Turn a file's bytes into text, and character offsets into 1-based lines and columns.

A line ends at `\\r\\n`, `\\n` or a lone `\\r` (as SARIF and editors count lines) and at no
other character; columns count Unicode code points, so a CRLF file reports the same columns
as an LF one and a minified bundle's columns are exact.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Optional

from .model import Position

BINARY_SNIFF = 8192
INVALID_UTF8_NOTE = "not valid UTF-8: undecodable bytes were replaced"


@dataclass
class Decoded:
    """Decoded text and what had to be done to get it (notes for the user)."""

    text: str
    notes: list[str] = field(default_factory=list)


def looks_binary(data: bytes) -> bool:
    """True for content that is not text: a NUL byte near the start, unless a UTF-16/32 BOM."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\0" in data[:BINARY_SNIFF]


def decode(data: bytes) -> Decoded:
    """Decode bytes as UTF-8 (BOM-aware), UTF-16 with a BOM, or UTF-8 with replacements.

    Never raises. Invalid bytes become U+FFFD, one code point per bad byte, and a note says so.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), ["decoded as UTF-16"])
        except UnicodeDecodeError:
            return Decoded(data.decode("utf-16", errors="replace"), ["invalid UTF-16"])
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        return Decoded(
            data.decode("utf-8", errors="replace"),
            [INVALID_UTF8_NOTE],
        )


class LineIndex:
    """Maps character offsets in `text` to Positions; cheap for increasing offsets.

    A line ends at `\\r\\n`, `\\n` or a lone `\\r`, nothing else. An offset inside a line
    end (at its `\\r`, or at the `\\n` of a `\\r\\n`) is on the line it ends."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._cr = "\r" in text  # most texts have none: then only "\n" is looked for
        self._offset = 0
        self._line = 1
        self._line_start = 0

    def _ends(self, lo: int, hi: int) -> int:
        """How many line ends finish in [lo, hi) (a `\\r\\n` finishes at its `\\n`)."""
        text = self.text
        count = text.count("\n", lo, hi)
        if self._cr and lo < hi:
            count += text.count("\r", lo, hi) - text.count("\r\n", lo, hi)
            if text[hi - 1] == "\r" and text[hi : hi + 1] == "\n":
                count -= 1  # a "\r\n" that finishes at `hi`, not before it
        return count

    def line_start(self, lo: int, offset: int) -> int:
        """Where the line holding `offset` starts, if a line end finishes in [lo, offset):
        just past the last such; else -1."""
        text = self.text
        last = text.rfind("\n", lo, offset)
        if self._cr:
            cr = text.rfind("\r", lo, offset)
            if cr > last:
                if text[cr + 1 : cr + 2] == "\n":  # `offset` is that "\n": look before it
                    return self.line_start(lo, cr)
                return cr + 1
        return last + 1 if last != -1 else -1

    def line_end(self, lo: int, hi: int) -> int:
        """Where the first line end starting in [lo, hi) starts (the `\\r` of a `\\r\\n`),
        or -1."""
        text = self.text
        newline = text.find("\n", lo, hi)
        if self._cr:
            cr = text.find("\r", lo, newline if newline != -1 else hi)
            if cr != -1:
                return cr
        return newline

    def position(self, offset: int) -> Position:
        if offset < self._offset:
            self._offset, self._line, self._line_start = 0, 1, 0
        ends = self._ends(self._offset, offset)
        if ends:
            self._line += ends
            self._line_start = self.line_start(self._offset, offset)
        self._offset = offset
        return Position(self._line, offset - self._line_start + 1)

    def line_bounds(self, offset: int) -> tuple[int, int]:
        """Start and end (exclusive, without the line end) offsets of the line holding `offset`."""
        end = self.line_end(offset, len(self.text))
        return max(0, self.line_start(0, offset)), len(self.text) if end == -1 else end

    def offset_of(self, line: int, column: int) -> Optional[int]:
        """The offset of a 1-based line and column, or None if past the end."""
        text = self.text
        start = 0
        for _ in range(line - 1):
            end = self.line_end(start, len(text))
            if end == -1:
                return None
            start = end + (2 if text.startswith("\r\n", end) else 1)
        return start + column - 1
