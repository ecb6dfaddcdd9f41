"""Scanning a file too large to read whole: overlapping windows, exact lines and columns.

A file of more than `ScanOptions.chunk_size` bytes is cut into consecutive regions of about
that size. Each region is scanned inside a window that adds up to `chunk_overlap` bytes of
the file on both sides, and keeps only the findings that start inside its own region, so each
is reported once. A key is found whole when its written form is at most `chunk_overlap`
bytes long (256 KiB by default; for a base64-encoded key that is the whole base64 run that
holds it): it starts in some region and ends inside that region's window. Memory holds one
window (`chunk_size` plus twice the overlap) and, when the prefilter lets it through, its text.

Regions and windows are cut before a byte that starts a character (ASCII or a UTF-8 lead
byte) and never inside a `\r\n`, so decoding each window gives the characters that decoding
the whole file gives there; lines and columns are the window's plus the line ends before it
(`\r\n`, `\n` or a lone `\r`) and the code points since the last one, which are counted
while moving from window to window.

Differences from reading the whole file (only for files over the size threshold):
- the place (server, browser, ...) is decided from the first 256 KiB;
- Python is scanned as text (libcst needs the whole module), with a note;
- an inline ignore comment counts when it is on the finding's line within the window, and
  suppression comments that suppress nothing are not reported;
- UTF-16 files (with a BOM) are read whole;
- a binary file (decided from its first window) is searched for keys window by window
  (`binaries`), each window reaching `binaries.REACH_BYTES` into the next.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Optional, Union

from ..binaries import REACH_BYTES, binary_findings, is_binary_format, may_hold_key
from ..classify import classify
from ..config import Config
from ..engine import Engine, check_text, finish, rules_to_run
from ..exposure import place_of
from ..model import Edit, FileKind, FileResult, Finding, Place, Position, Span
from ..textio import BINARY_SNIFF, INVALID_UTF8_NOTE, LineIndex, decode, looks_binary
from .blobs import scan_blob

# How far back from a wanted cut to look for a byte that starts a character (3 bytes at most
# in valid UTF-8; more only in a run of stray continuation bytes).
_CUT_SEARCH = 4096
# How much of the file's start decides its place (see `exposure.place_of`).
_PLACE_HEAD = 256 << 10
_PYTHON_NOTE = "too large to parse as a whole: scanned as text in chunks"

# Reads up to `length` bytes at `offset` of the content (fewer only at its end).
ReadAt = Callable[[int, int], bytes]


def scan_chunked(fd: int, size: int, display: str, relpath: str, engine: Engine) -> FileResult:
    """Scan the open file `fd` of `size` bytes window by window. Raises OSError on read errors
    (the caller turns them into `FileResult.error`)."""
    return scan_chunked_at(
        lambda offset, length: _pread(fd, offset, length), size, display, relpath, engine
    )


def scan_chunked_at(
    read_at: ReadAt, size: int, display: str, relpath: str, engine: Engine
) -> FileResult:
    """`scan_chunked` over any content that can be read at an offset (`read_at`), such as a
    member of a container image layer. Reads mostly move forward: a window, then the next
    one overlapping it; only a window with findings reads back to count columns."""
    config, options = engine.config, engine.options
    fd = read_at
    head = _pread(fd, 0, min(size, max(BINARY_SNIFF, 256)))
    kind = classify(display, head[:256])
    result = FileResult(display, kind, size=size)
    if looks_binary(head) or is_binary_format(display):
        result.kind = FileKind.BINARY
        result.skipped = "binary"
        _scan_binary(fd, size, result, relpath, engine)
        return result
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return scan_blob(engine, _pread(fd, 0, size), display, relpath)

    width = max(options.chunk_size, 1)
    overlap = max(options.chunk_overlap, 0)
    prefilter = engine.prefilter
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    place: Optional[Place] = None
    found: list[tuple[Finding, bool]] = []
    notes: list[str] = []
    # Where the current window starts, the newlines before that and where the line holding
    # it starts. Columns (code points from the line start) and character offsets (code points
    # from the start of the text) are counted only when a window has findings: decoding
    # every gap to count them would cost as much as the rest of the scan.
    # Line ends are counted lazily too: `lines_at` is a file offset where a line count is
    # known (`lines_before` line ends before it, the last line starting at `line_start`); a
    # window with findings counts on from there (each byte once over the whole file).
    lo = lines_before = lines_at = 0
    line_start = bom
    counted = (bom, 0)  # a file offset that starts a character, and the characters before it
    region_start = 0
    while region_start < size:
        base = max(0, region_start - overlap - _CUT_SEARCH)
        want_hi = min(size, region_start + width + overlap)
        buf = _pread(fd, base, want_hi - base)
        if base + len(buf) < want_hi:  # the file shrank: scan what there is
            size = want_hi = base + len(buf)
            if region_start >= size:
                break
        region_end = (
            size
            if region_start + width >= size
            else _cut(buf, base, region_start + width, region_start + 1)
        )
        hi = size if want_hi >= size else _cut(buf, base, want_hi, region_end)
        window = buf[lo - base : hi - base]
        first = lo == 0
        present = prefilter.present(window) if prefilter(window) else None
        rules = rules_to_run(window, kind, present, config) if present is not None else ()
        if rules:
            decoded = _decode(window, first)
            if place is None:
                place = _place(fd, size, display, kind, config)
            checked = check_text(
                decoded.text,
                display,
                kind,
                place,
                config,
                options,
                whole_file=False,
                present=present,
                rules=rules,
                cut_before=lo > 0,
                cut_after=hi < size,
            )
            for note in [*decoded.notes, *checked.notes]:
                if note not in notes:
                    notes.append(note)
            if kind is FileKind.PYTHON and _PYTHON_NOTE not in notes:
                notes.append(_PYTHON_NOTE)
            if checked.findings:
                own_lo = len(_decode(window[: region_start - lo], first).text)
                own_hi = own_lo + len(_decode(window[region_start - lo : region_end - lo]).text)
                index = LineIndex(decoded.text)
                if lo > lines_at:
                    more, last_start = _line_ends(fd, lines_at, lo)
                    lines_before += more
                    line_start = last_start if last_start is not None else line_start
                    lines_at = lo
                column_before = _count(fd, line_start, lo) if lo > line_start else 0
                chars_before: Optional[int] = None
                for finding, ignored in checked.findings:
                    at = index.offset_of(finding.line, finding.column)
                    if at is None or not own_lo <= at < own_hi:
                        continue
                    fix = finding.fix
                    if chars_before is None and fix is not None and (fix.edits or fix.site):
                        # Counted on from the last window that needed it: each byte once.
                        if lo > counted[0]:
                            counted = (lo, counted[1] + _count(fd, counted[0], lo))
                        chars_before = counted[1]
                    moved = _moved(finding, lines_before, column_before, chars_before or 0)
                    found.append((moved, ignored))
        if region_end >= size:
            break
        # Move the window start to the next region's (line ends in between are counted when
        # a later window needs them).
        lo = max(lo, _cut(buf, base, max(0, region_end - overlap), base))
        region_start = region_end
    result.notes.extend(notes)
    finish(result, found, relpath, config)
    return result


def _scan_binary(fd: ReadAt, size: int, result: FileResult, relpath: str, engine: Engine) -> None:
    """Search a large binary file for keys (see `binaries`), one window at a time."""
    config, options = engine.config, engine.options
    width = max(options.chunk_size, 1)
    found: list[tuple[Finding, bool]] = []
    for start in range(0, size, width):
        window = _pread(fd, start, min(size, start + width + REACH_BYTES) - start)
        if not may_hold_key(window):
            continue
        for finding in binary_findings(
            window,
            result.path,
            config,
            engine.matcher.pattern,
            show_secrets=options.show_secrets,
            key_collector=options.key_collector,
            base=start,
        ):
            if finding.byte_offset is not None and finding.byte_offset < start + width:
                found.append((finding, False))
    finish(result, found, relpath, config)


def _pread(fd: Union[int, ReadAt], offset: int, length: int) -> bytes:
    """Up to `length` bytes at `offset` (fewer only at the end of the file)."""
    if not isinstance(fd, int):
        return fd(offset, length)
    parts = []
    while length > 0:
        if hasattr(os, "pread"):
            part = os.pread(fd, length, offset)
        else:  # Windows
            os.lseek(fd, offset, os.SEEK_SET)
            part = os.read(fd, length)
        if not part:
            break
        parts.append(part)
        offset += len(part)
        length -= len(part)
    return b"".join(parts)


def _cut(buf: bytes, base: int, at: int, floor: int) -> int:
    """A file offset at most `at` and more than `floor` (when possible) where the file may be
    cut: before a byte that does not continue a UTF-8 sequence (ASCII or a lead byte). An
    incomplete sequence ends there anyway, so the two sides decode as the whole does."""
    lowest = max(floor, base + 1, at - _CUT_SEARCH)
    for q in range(at, lowest - 1, -1):
        if q - base >= len(buf):
            return q
        byte = buf[q - base]
        # NOTE: never between the "\r" and "\n" of a line end: each side would count one.
        if not 0x80 <= byte < 0xC0 and not (byte == 0x0A and buf[q - base - 1] == 0x0D):
            return q
    return at


def _decode(data: bytes, first: bool = False) -> _Text:
    if first:
        decoded = decode(data)
        return _Text(decoded.text, decoded.notes)
    try:
        return _Text(data.decode("utf-8"), [])
    except UnicodeDecodeError:
        return _Text(data.decode("utf-8", errors="replace"), [INVALID_UTF8_NOTE])


class _Text:
    __slots__ = ("notes", "text")

    def __init__(self, text: str, notes: list[str]) -> None:
        self.text = text
        self.notes = notes


def _line_ends(fd: ReadAt, start: int, end: int, piece: int = 8 << 20) -> tuple[int, Optional[int]]:
    """The line ends ("\r\n", "\n" and a lone "\r") in the file's bytes [start, end), and
    where the last line starts (None: no line end there); no cut falls inside a "\r\n".
    Read in pieces, so memory stays bounded."""
    total = 0
    last: Optional[int] = None
    at = start
    previous_cr = False
    while at < end:
        buf = _pread(fd, at, min(piece, end - at))
        if not buf:
            break
        total += buf.count(b"\n") + buf.count(b"\r") - buf.count(b"\r\n")
        if previous_cr and buf[:1] == b"\n":
            total -= 1  # one "\r\n" across two pieces
        previous_cr = buf[-1:] == b"\r"
        end_in_piece = max(buf.rfind(b"\n"), buf.rfind(b"\r"))
        if end_in_piece >= 0:
            last = at + end_in_piece + 1
        at += len(buf)
    return total, last


def _count(fd: ReadAt, start: int, end: int, piece: int = 8 << 20) -> int:
    """The number of characters the file's bytes [start, end) decode to (both offsets start
    a character), read in pieces cut at character starts so memory stays bounded."""
    total = 0
    while start < end:
        buf = _pread(fd, start, min(piece, end - start) + _CUT_SEARCH)
        stop = end if start + piece >= end else _cut(buf, start, start + piece, start + 1)
        data = buf[: stop - start]
        total += len(data) if data.isascii() else len(data.decode("utf-8", errors="replace"))
        if not data:
            break
        start = stop
    return total


def _place(fd: ReadAt, size: int, display: str, kind: FileKind, config: Config) -> Place:
    head = _pread(fd, 0, min(size, _PLACE_HEAD))
    return place_of(display, kind, decode(head).text, config)


def _moved(finding: Finding, lines: int, column: int, chars: int) -> Finding:
    """`finding` (positions relative to a window) with positions relative to the file."""

    def position(p: Position) -> Position:
        return Position(p.line + lines, p.column + (column if p.line == 1 else 0))

    fix = finding.fix
    if fix is not None and fix.edits:
        edits = tuple(Edit(e.start + chars, e.end + chars, e.content) for e in fix.edits)
        fix = replace(fix, edits=edits)
    if fix is not None and fix.site is not None:
        site = fix.site
        pieces = tuple((a + chars, b + chars) for a, b in site.pieces)
        fix = replace(
            fix, site=replace(site, start=site.start + chars, end=site.end + chars, pieces=pieces)
        )
    span = Span(position(finding.span.start), position(finding.span.end))
    return replace(finding, span=span, fix=fix)
