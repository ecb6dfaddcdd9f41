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


# Bytes that do not occur in text: C0 controls other than tab, newline, vertical tab, form
# feed, carriage return and escape (ANSI colours in logs).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")
# Text may hold a few stray NULs or control bytes (a NUL in a bundle's string table, a
# form feed in C source): it is binary only past this share of its first window.
BINARY_SHARE = 0.05
# A window with this share of NULs in one byte lane and almost none in the other is UTF-16
# (little endian: NULs at odd offsets) of mostly ASCII text.
_UTF16_LANE = 0.7
_UTF16_OTHER_LANE = 0.05


def utf16_without_bom(data: bytes) -> Optional[str]:
    """ "utf-16-le" or "utf-16-be" for UTF-16 text without a byte order mark (its first window
    holds NULs in every other byte, as ASCII text in UTF-16 does), else None."""
    sample = data[:BINARY_SNIFF]
    half = len(sample) // 2
    if half < 4 or sample.count(0) < half * _UTF16_LANE:
        return None
    even, odd = sample[0 : 2 * half : 2].count(0), sample[1 : 2 * half : 2].count(0)
    if odd >= half * _UTF16_LANE and even <= half * _UTF16_OTHER_LANE:
        return "utf-16-le"
    if even >= half * _UTF16_LANE and odd <= half * _UTF16_OTHER_LANE:
        return "utf-16-be"
    return None


def looks_binary(data: bytes) -> bool:
    """True for content that is not text, judged on its first window: more than
    `BINARY_SHARE` of it NULs and other control bytes. A stray NUL does not make a file
    binary, nor does UTF-16, with or without a byte order mark (`utf16_without_bom`)."""
    sample = data[:BINARY_SNIFF]
    if b"\0" not in sample:
        return False  # the common case: one pass over the window
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return too_many_controls(sample) and utf16_without_bom(sample) is None


def too_many_controls(sample: bytes) -> bool:
    """True when more than `BINARY_SHARE` of `sample` (a first window) is control bytes:
    `looks_binary` for a window known to hold a NUL and not to be UTF-16."""
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return control > max(2, len(sample) * BINARY_SHARE)


def decode(data: bytes) -> Decoded:
    """Decode bytes as UTF-8 (BOM-aware), UTF-16 with a BOM or recognised without one
    (`utf16_without_bom`), or UTF-8 with replacements.

    Never raises. Invalid bytes become U+FFFD, one code point per bad byte, and a note says so.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), ["decoded as UTF-16"])
        except UnicodeDecodeError:
            return Decoded(data.decode("utf-16", errors="replace"), ["invalid UTF-16"])
    elif b"\0" in data[:BINARY_SNIFF]:
        encoding = utf16_without_bom(data)
        if encoding is not None:
            name = encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
            data16 = data[: len(data) & ~1]
            return Decoded(
                data16.decode(encoding, errors="replace"),
                [f"decoded as {name} (no byte order mark)"],
            )
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
        # Where `offset_of` last found a line starting: (line, offset).
        self._seek = (1, 0)

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
        """The offset of a 1-based line and column, or None if past the end. Cheap for
        increasing lines: a file with a finding on each of its many lines stays linear."""
        text = self.text
        known, start = self._seek
        if line < known:
            known, start = 1, 0
        for _ in range(line - known):
            end = self.line_end(start, len(text))
            if end == -1:
                return None
            start = end + (2 if text.startswith("\r\n", end) else 1)
        self._seek = (line, start)
        return start + column - 1
