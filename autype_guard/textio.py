"""Turn a file's bytes into text, and character offsets into 1-based lines and columns.

Lines split on `\\n` only; columns count Unicode code points, so a CRLF file reports the same
columns as an LF one and a minified bundle's columns are exact.
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
    """Maps character offsets in `text` to Positions; cheap for increasing offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._line = 1
        self._line_start = 0

    def position(self, offset: int) -> Position:
        text = self.text
        if offset < self._offset:
            self._offset, self._line, self._line_start = 0, 1, 0
        newlines = text.count("\n", self._offset, offset)
        if newlines:
            self._line += newlines
            self._line_start = text.rfind("\n", self._offset, offset) + 1
        self._offset = offset
        return Position(self._line, offset - self._line_start + 1)

    def line_bounds(self, offset: int) -> tuple[int, int]:
        """Start and end (exclusive, without the newline) offsets of the line holding `offset`."""
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return start, len(self.text) if end == -1 else end

    def offset_of(self, line: int, column: int) -> Optional[int]:
        """The offset of a 1-based line and column, or None if past the end."""
        start = 0
        for _ in range(line - 1):
            nl = self.text.find("\n", start)
            if nl == -1:
                return None
            start = nl + 1
        return start + column - 1
