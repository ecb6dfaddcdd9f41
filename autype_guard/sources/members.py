"""Scanning the files of an uncompressed layer where they lie in a regular file (an image
archive or a blob), by offset: nothing is copied through `tarfile` or a stream.

A file of at most `ScanOptions.chunk_size` bytes is read into one buffer that is reused for
every file, and the marker prefilter searches it there (`Prefilter.absent`); bytes are made
only for the few files in which a marker occurs. Larger files go to `chunks` (read at their
offsets) or, when packed (`.gz`, `.zip`...), are read whole within the caps of `archives`.

`scan_batch` is the same work for a worker process: it opens the file itself.
"""

from __future__ import annotations

import codecs
import os
from typing import NamedTuple, Optional, Union

from ..binaries import is_binary_format
from ..classify import classify
from ..config import Config
from ..engine import Engine, ScanOptions, engine_for
from ..model import BINARY, CLEAN, FileKind, FileResult
from ..textio import BINARY_SNIFF
from .archives import MAX_ARCHIVE_TOTAL, packing_of
from .blobs import scan_blob
from .chunks import scan_chunked_at
from .reading import open_regular

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Item(NamedTuple):
    """One file to scan: its name in the layer (normalised), how it is shown, and where its
    bytes lie (from the start of the layer)."""

    name: str
    display: str
    offset: int
    size: int


class LayerBroken(OSError):
    """The layer's file ends before a file's bytes do (it shrank, or lied about sizes)."""


class MemberScanner:
    """Scans files of one layer lying in the open file `fd` from `base` on."""

    def __init__(self, fd: int, base: int, engine: Engine) -> None:
        self.fd = fd
        self.base = base
        self.engine = engine
        self.buffer = bytearray()

    def read_at(self, offset: int, length: int) -> bytes:
        """Up to `length` bytes at `offset` of the layer (pread, in a loop)."""
        parts = []
        pos = self.base + offset
        while length > 0:
            part = _pread(self.fd, length, pos)
            if not part:
                break
            parts.append(part)
            pos += len(part)
            length -= len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _exact(self, offset: int, length: int) -> bytes:
        data = self.read_at(offset, length)
        if len(data) < length:
            raise LayerBroken("layer ends inside a file")
        return data

    def _into_buffer(self, offset: int, size: int) -> memoryview:
        if len(self.buffer) < size:
            self.buffer = bytearray(max(size, min(self.engine.options.chunk_size, 1 << 20)))
        view = memoryview(self.buffer)[:size]
        done = 0
        while done < size:
            n = _preadv(self.fd, view[done:], self.base + offset + done)
            if n <= 0:
                raise LayerBroken("layer ends inside a file")
            done += n
        return view

    def _text_without_markers(self, display: str, offset: int, size: int) -> bool:
        """True for a large file that `chunks` would scan as text (no NUL in its first
        window, no UTF-16 byte order mark, not a binary format by name) and in which the
        prefilter finds nothing: read piece by piece into the buffer, the pieces overlapping
        as `chunks`' windows do (a marker's confirmation sees the bytes around it)."""
        if is_binary_format(display):
            return False
        prefilter = self.engine.prefilter
        options = self.engine.options
        piece = max(options.chunk_size, BINARY_SNIFF)
        reach = max(options.chunk_overlap, max((len(m) for m in prefilter.markers), default=1))
        start = 0
        while start < size:
            lo = max(0, start - reach)
            view = self._into_buffer(offset + lo, min(size, start + piece + reach) - lo)
            try:
                if start == 0 and (
                    self.buffer.find(b"\0", 0, min(len(view), BINARY_SNIFF)) >= 0
                    or self.buffer.startswith(_UTF16_BOMS, 0, len(view))
                ):
                    return False
                if not prefilter.absent(view) and prefilter(bytes(view)):
                    return False
            finally:
                view.release()
            start += piece
        return True

    def scan(self, item: Item) -> Union[FileResult, str]:
        """The file's result, or CLEAN or BINARY when it has nothing to report. Raises
        OSError when the layer cannot be read (the rest of it is lost too)."""
        engine = self.engine
        name, display, offset, size = item
        if size > engine.options.chunk_size:
            first = self._exact(offset, 2)
            if packing_of(name, first) is None:
                if self._text_without_markers(display, offset, size):
                    return CLEAN  # what the windows would find: nothing
                return scan_chunked_at(
                    lambda at, n: self.read_at(offset + at, min(n, size - at)),
                    size,
                    display,
                    name,
                    engine,
                )
            # Compressed and archive files are opened whole, with the archive caps.
            if size > MAX_ARCHIVE_TOTAL:
                result = FileResult(display, FileKind.ARCHIVE, size=size)
                reason = (
                    f"packed file larger than {size_text(MAX_ARCHIVE_TOTAL)}"
                    f" ({size_text(size)}): not scanned"
                )
                result.unscanned.append((display, reason))
                return result
            return scan_blob(engine, self._exact(offset, size), display, name)
        view = self._into_buffer(offset, size)
        buffer = self.buffer
        try:
            if packing_of(name, bytes(view[:2])) is None:
                # The common case, decided in the buffer: text without a marker.
                if (
                    buffer.find(b"\0", 0, min(size, BINARY_SNIFF)) < 0
                    and not buffer.startswith(_UTF16_BOMS, 0, size)
                    and engine.prefilter.absent(view)
                ):
                    return CLEAN
                data = bytes(view)
                verdict = engine.is_clean(data)
                if verdict is not None:
                    return verdict
            else:
                data = bytes(view)
        finally:
            view.release()
        return scan_blob(engine, data, display, name)


def size_text(n: int) -> str:
    """A size for messages: in GB or MB when it is a whole number of them."""
    if n >= 1 << 30 and n % (1 << 30) == 0:
        return f"{n >> 30} GB"
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MB"
    return f"{n} bytes"


def _pread(fd: int, length: int, pos: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, pos)
    os.lseek(fd, pos, os.SEEK_SET)  # Windows
    return os.read(fd, length)


def _preadv(fd: int, view: memoryview, pos: int) -> int:
    if hasattr(os, "preadv"):
        return os.preadv(fd, [view], pos)
    data = _pread(fd, len(view), pos)
    view[: len(data)] = data
    return len(data)


# --- in worker processes -------------------------------------------------------------------


class Batch(NamedTuple):
    """Files of one layer for a worker: the layer's file, where the layer starts in it, and
    the files by their index in the layer's listing."""

    path: str
    base: int
    items: list[tuple[int, Item]]
    config: Config
    options: ScanOptions


class Outcome(NamedTuple):
    """What a batch gave: results worth keeping by index, the indexes of clean and binary
    files (counted by the caller), and the index and reason where the layer could not be
    read any further (the rest of the batch was not scanned)."""

    results: list[tuple[int, FileResult]]
    clean: int
    binary: int
    broken: Optional[tuple[int, str]] = None


# The layer file a worker has open (one at a time) and its scanner.
_OPEN: dict[tuple[str, int], tuple[int, MemberScanner]] = {}


def scan_batch(batch: Batch) -> Outcome:
    """Scan a batch in this (worker) process. Never raises."""
    key = (batch.path, batch.base)
    engine = engine_for(batch.config, batch.options)
    opened = _OPEN.get(key)
    results: list[tuple[int, FileResult]] = []
    clean = binary = 0
    if opened is None:
        close_files()
        try:
            fd, _ = open_regular(batch.path)
        except OSError as exc:
            first = batch.items[0][0] if batch.items else 0
            return Outcome([], 0, 0, (first, exc.strerror or str(exc)))
        opened = _OPEN[key] = (fd, MemberScanner(fd, batch.base, engine))
    scanner = opened[1]
    scanner.engine = engine
    for index, item in batch.items:
        try:
            outcome = scan_item(scanner, item)
        except OSError as exc:
            return Outcome(results, clean, binary, (index, str(exc) or type(exc).__name__))
        if outcome == CLEAN:
            clean += 1
        elif outcome == BINARY:
            binary += 1
        elif isinstance(outcome, FileResult):
            results.append((index, outcome))
    return Outcome(results, clean, binary)


def close_files() -> None:
    """Close the layer file `scan_batch` keeps open (when it ran in this process)."""
    for fd, _ in _OPEN.values():
        os.close(fd)
    _OPEN.clear()


def scan_item(scanner: MemberScanner, item: Item) -> Union[FileResult, str]:
    """`MemberScanner.scan`, with a defect scanning one file made its error result. Raises
    OSError when the layer cannot be read."""
    try:
        return scanner.scan(item)
    except OSError:
        raise
    except Exception as exc:  # a defect scanning one file: the rest goes on
        error = f"internal error while scanning: {type(exc).__name__}: {exc}"
        return FileResult(item.display, classify(item.display), error=error)


__all__ = [
    "Batch",
    "Item",
    "LayerBroken",
    "MemberScanner",
    "Outcome",
    "close_files",
    "scan_batch",
    "scan_item",
    "size_text",
]
