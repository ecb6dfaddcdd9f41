"""The members of an uncompressed tar read straight from its headers: names, types, sizes
and where each member's bytes lie, for reading them at their offsets (`members`).

A small, bounded reader of ustar, pax and GNU headers that gives what `tarfile` gives for
the same archive (`name`, `type`, `offset_data`, `size`), without building TarInfo objects
or copying member bytes:

- ustar: name with its `prefix`; the old form of a directory (a regular-file type whose
  name ends in `/`); numbers in octal or GNU base-256;
- pax: extended headers (`x`, Solaris `X`) and global ones (`g`), of which `path` and
  `size` matter here (a `size` of an extended header moves the next header, as in tarfile);
- GNU: long names and long link names (`L`, `K`).

The checksum of every header is checked (unsigned or signed, as tarfile does). A header
that fails where the first member stands means "no tar this reader knows", and so do sparse
members (`S`, GNU sparse pax keys): `Unsupported` is raised before anything is read from
the members, for the caller to read the archive with `tarfile` instead. A bad header after
the first, a member running past the end of the archive or a chain of more than
`MAX_CHAIN` extension headers ends the index there, with the reason in `TarIndex.problem`.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from typing import NamedTuple, Optional

BLOCK = 512
# Extension headers (pax, GNU long names) allowed in front of one member.
MAX_CHAIN = 16
# A pax or GNU long-name header's data larger than this is not a name: a corrupt archive.
MAX_EXTENSION_BYTES = 1 << 20

# Types whose member bytes follow the header (tarfile's REGULAR_TYPES).
REGULAR = frozenset((b"0", b"\0", b"7"))
# Types tarfile knows; any other type's `size` bytes follow its header and are skipped.
_KNOWN = frozenset(
    (b"0", b"\0", b"7", b"1", b"2", b"3", b"4", b"5", b"6", b"L", b"K", b"S", b"x", b"g", b"X")
)
_GNU_TYPES = (b"L", b"K", b"S")
_PAX_TYPES = (b"x", b"g", b"X")
# One pax record's head: its length and keyword (tarfile's pattern).
_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")

# Reads up to `length` bytes at `offset` of the archive (fewer only at its end).
ReadAt = Callable[[int, int], bytes]


class Member(NamedTuple):
    """One member: its name as tarfile gives it (not yet normalised), its type byte, where
    its bytes start in the archive and how many there are."""

    name: str
    type: bytes
    offset: int
    size: int

    def isreg(self) -> bool:
        return self.type in REGULAR


class TarIndex(NamedTuple):
    members: list[Member]
    # Why the index stops before the archive's end marker (a corrupt or truncated archive).
    problem: Optional[str] = None


class Unsupported(Exception):
    """The archive is one this reader leaves to `tarfile` (not a tar it knows, sparse
    members); raised before any member is handed out."""


class _Corrupt(Exception):
    pass


def _octal(field: bytes) -> int:
    """A number field as tarfile reads it: base-256 after a 0x80 or 0xff byte, else octal
    up to the first NUL; raises _Corrupt."""
    if field[0] >= 0o200:
        if field[0] not in (0o200, 0o377):
            raise _Corrupt("invalid number in a header")
        n = int.from_bytes(field[1:], "big")
        if field[0] == 0o377:
            n = -(256 ** (len(field) - 1) - n)
        return n
    text = field.partition(b"\0")[0]
    try:
        return int(text, 8)
    except ValueError:
        if not text.strip(b" \t\n\r\x0b\x0c"):
            return 0
        raise _Corrupt("invalid number in a header") from None


def _text(field: bytes) -> str:
    end = field.find(b"\0")
    return (field if end < 0 else field[:end]).decode("utf-8", "surrogateescape")


def _checksum_ok(header: bytes) -> bool:
    stored = _octal(header[148:156])
    # The sum of all bytes with the checksum field read as spaces. Adler-32's first half
    # is 1 + the byte sum modulo 65521: exact for 256 bytes (at most 65280).
    total = (zlib.adler32(header[:256]) & 0xFFFF) + (zlib.adler32(header[256:]) & 0xFFFF) - 2
    unsigned = total - sum(header[148:156]) + 8 * 32
    if stored == unsigned:
        return True
    # Some old tars summed signed chars (tarfile accepts both).
    signed: int = 256 + sum(struct.unpack_from("148b8x356b", header))
    return stored == signed


def _pax_records(data: bytes, into: dict[str, str]) -> None:
    pos = 0
    while True:
        match = _PAX_RECORD.match(data, pos)
        if match is None:
            return
        length = int(match.group(1))
        if length == 0:
            raise _Corrupt("invalid pax header")
        keyword = match.group(2).decode("utf-8", "surrogateescape")
        if keyword.startswith("GNU.sparse."):
            raise Unsupported("sparse member")
        value = data[match.end(2) + 1 : match.start(1) + length - 1]
        into[keyword] = value.decode("utf-8", "surrogateescape")
        pos += length


def _blocks(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK


class _Reader:
    """Headers of one archive, read through a small buffer (a member's headers and often
    the next member's lie within a few blocks)."""

    SPAN = 2 << 10

    def __init__(self, read_at: ReadAt, length: int) -> None:
        self.read_at = read_at
        self.length = length
        self.buf = b""
        self.at = 0

    def read(self, pos: int, size: int) -> bytes:
        if self.at <= pos and pos + size <= self.at + len(self.buf):
            return self.buf[pos - self.at : pos - self.at + size]
        size = min(size, self.length - pos)
        if size <= 0:
            return b""
        if size > self.SPAN:
            return self.read_at(pos, size)
        self.buf = self.read_at(pos, min(self.SPAN, self.length - pos))
        self.at = pos
        return self.buf[:size]


def read_index(read_at: ReadAt, length: int) -> TarIndex:
    """Every member of the tar archive of `length` bytes that `read_at` reads. Raises
    `Unsupported` (see the module's docstring); never raises for a corrupt archive past its
    first header."""
    reader = _Reader(read_at, length)
    members: list[Member] = []
    pax_global: dict[str, str] = {}
    pos = 0
    while True:
        try:
            found = _member(reader, pos, pax_global, first=not members and pos == 0)
        except _Corrupt as exc:
            return TarIndex(members, f"{exc} at byte {pos}")
        if found is None:
            return TarIndex(members)
        member, end = found
        if end <= pos:
            # Only a negative size can lead back; a loop over the same headers otherwise.
            return TarIndex(members, f"a header leads back into the archive at byte {pos}")
        pos = end
        if member is not None:
            members.append(member)


def _member(
    reader: _Reader, pos: int, pax_global: dict[str, str], first: bool
) -> Optional[tuple[Optional[Member], int]]:
    """The member whose first header is at `pos` (None for a global header alone) and where
    the next one starts; None at the end of the archive."""
    long_name: Optional[str] = None
    pax: Optional[dict[str, str]] = None
    for _ in range(MAX_CHAIN + 1):
        header = reader.read(pos, BLOCK)
        if len(header) < BLOCK:
            if not header.strip(b"\0"):
                if first and pos == 0 and not header:
                    raise Unsupported("empty archive")
                return None  # the end (tarfile reads a short or empty block so too)
            if first:
                raise Unsupported("truncated header")
            raise _Corrupt("truncated header")
        try:
            if not _checksum_ok(header):
                if header.count(0) == BLOCK:
                    return None  # the end-of-archive marker
                raise _Corrupt("bad header checksum")
            size = _octal(header[124:136])
        except _Corrupt as exc:
            if first:
                raise Unsupported(str(exc)) from None
            raise
        if size < 0:
            raise _Corrupt("negative size in a header")
        kind = header[156:157]
        data_at = pos + BLOCK
        if kind in _GNU_TYPES[:2] or kind in _PAX_TYPES:
            if size > MAX_EXTENSION_BYTES:
                raise _Corrupt("extension header too large")
            if data_at + size > reader.length:
                raise _Corrupt("archive ends inside a header")
            data = reader.read(data_at, _blocks(size))
            pos = data_at + _blocks(size)
            if kind == b"L":
                long_name = _text(data)
            elif kind == b"g":
                _pax_records(data, pax_global)
            elif kind in (b"x", b"X"):
                pax = dict(pax_global) if pax is None else pax
                _pax_records(data, pax)
            # b"K": a long link name, of no use here.
            first = False
            continue
        if kind == b"S":
            raise Unsupported("sparse member")
        name = _text(header[0:100])
        prefix = _text(header[345:500]) if header[345] else ""
        if kind == b"\0" and name.endswith("/"):
            kind = b"5"
        if kind == b"5":
            name = name.rstrip("/")
        if prefix and kind not in _GNU_TYPES:
            name = prefix + "/" + name
        skip = size if kind in REGULAR or kind not in _KNOWN else 0
        for headers in (pax_global, pax):
            if not headers:
                continue
            if "path" in headers:
                name = headers["path"].rstrip("/")
            if "size" in headers:
                try:
                    size = int(headers["size"])
                except ValueError:
                    size = 0
                if size < 0:
                    raise _Corrupt("negative size in a header")
                if headers is pax:
                    # An extended header's size moves the next header (tarfile does so).
                    skip = size if kind in REGULAR or kind not in _KNOWN else 0
        if kind == b"5":
            name = name.rstrip("/")
        if long_name is not None:
            name = long_name.removesuffix("/") if kind == b"5" else long_name
        if kind in REGULAR and size < 0:
            raise _Corrupt("negative size in a header")
        end = data_at + _blocks(skip)
        if data_at + (size if kind in REGULAR else skip) > reader.length:
            raise _Corrupt("archive ends inside a member")
        return Member(name, kind, data_at, size), end
    raise _Corrupt("too many extension headers in a row")


__all__ = ["MAX_CHAIN", "REGULAR", "Member", "TarIndex", "Unsupported", "read_index"]
