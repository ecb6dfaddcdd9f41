"""Precompressed assets and archives, scanned in memory and never extracted to disk.

- Compressed assets that servers ship as they are: `.gz` always, `.br` when the optional
  `brotli` package is installed (`pip install autype-guard[brotli]`; without it a `.br` file
  is skipped with a note). The inner name (`app.js` for `app.js.gz`) decides the kind; a
  finding keeps the compressed file's path, with line and column in the decompressed text.
- Archives that ship code: zip-based (`.zip .whl .egg .jar .war .ear .xpi .crx .vsix
  .nupkg`) and tar-based (`.tar .tar.gz .tgz .tar.bz2 .tbz2 .tar.xz .txz`). Every member is
  scanned as if it were a file of that name and is located as `archive!member` (nested:
  `outer.zip!lib/inner.jar!app.js`). Member names are labels only, so `../../etc/passwd`
  is harmless. Archives inside archives are opened up to `MAX_ARCHIVE_DEPTH` levels.

Limits, so a small bomb cannot exhaust memory or time: one decompressed file or member is
read up to `MAX_DECOMPRESSED`; all members of one archive (nested ones included) up to
`MAX_ARCHIVE_TOTAL`; at most `MAX_ARCHIVE_MEMBERS` members are scanned. Whatever is cut off,
corrupt, truncated or encrypted is said in a note. Nothing here raises.

`zipfile`, `tarfile`, `zlib` and `brotli` are imported only when such a file is met.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union

from ..classify import classify, member_path
from ..filenames import APP_SUFFIXES, ARCHIVE_SUFFIXES
from ..model import FileKind, FileResult

if TYPE_CHECKING:
    import tarfile

MAX_DECOMPRESSED = 64 * 1024 * 1024
MAX_ARCHIVE_TOTAL = 256 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 50_000
MAX_ARCHIVE_DEPTH = 2
# Layers of compression around one file (`app.js.gz` gzipped again) that are undone.
MAX_COMPRESSION_DEPTH = 3

_GZIP_MAGIC = b"\x1f\x8b"
_TAR_SUFFIXES = tuple(s for s in ARCHIVE_SUFFIXES if ".t" in s)
_ZIP_SUFFIXES = tuple(s for s in ARCHIVE_SUFFIXES if s not in _TAR_SUFFIXES) + APP_SUFFIXES
_PACKED_SUFFIXES = (*_TAR_SUFFIXES, *_ZIP_SUFFIXES, ".br")
# Members that are media, never text nor code: skipped without being read. Compiled code
# (`.so`, `.dex`, `.pyc`, `.wasm`, ...) is read: keys are compiled into it (see `binaries`).
_BINARY_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".avif",
    ".ico",
    ".bmp",
    ".tif",
    ".tiff",
    ".psd",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
    ".eot",
    ".mp3",
    ".mp4",
    ".m4a",
    ".webm",
    ".ogg",
    ".wav",
    ".flac",
    ".mov",
    ".avi",
    ".pdf",
)
# Control characters in member names would break one-line output: shown as `?`.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Reading compressed input this much at a time bounds the memory one step can take.
_CHUNK_IN = 256 * 1024
_CHUNK_OUT = 1024 * 1024

# Scans one plain (unpacked) file: (content, display path, path for ignore globs).
# Scans plain content: (data, display name, path, whether the data was cut short).
ScanPlain = Callable[[bytes, str, str, bool], FileResult]


def _mb(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    return f"{size} bytes"


# What went unscanned in an archive: (member name, or None for the archive itself; reason).
Unscanned = list[tuple[Optional[str], str]]


def _name(path: str) -> str:
    """The lower-cased end of `path` that its suffix is read from: the whole path when it
    names no archive member or image layer (no suffix holds a `/`), else the member's name."""
    if "!" not in path:  # the common case
        return path.lower()
    return member_path(path).rsplit("/", 1)[-1].lower()


def packing_of(path: str, data: bytes) -> Optional[str]:
    """ "gzip", "brotli", "zip" or "tar" for a file to unpack, None for a plain file.

    Decided by the name (and gzip's magic bytes); cheap, never raises."""
    name = _name(path)
    if not name.endswith(_PACKED_SUFFIXES):
        return "gzip" if data[:2] == _GZIP_MAGIC else None
    if name.endswith(_TAR_SUFFIXES):
        return "tar"
    if name.endswith(_ZIP_SUFFIXES):
        return "zip"
    if name.endswith(".br"):
        return "brotli"
    if data[:2] == _GZIP_MAGIC:
        return "gzip"
    return None


@dataclass
class _Budget:
    """What is left to decompress for one top-level file."""

    remaining: int = MAX_ARCHIVE_TOTAL
    members: int = 0
    exhausted: bool = False


@dataclass
class Decompressed:
    """Decompressed bytes, notes about them, or why nothing could be decompressed."""

    data: bytes = b""
    notes: list[str] = field(default_factory=list)
    failure: Optional[str] = None
    cut: bool = False  # `data` stops where the content went on (a cap, corruption, truncation)
    capped: bool = False  # cut at the cap: the rest is there but was not decompressed


def decompress(packing: str, data: bytes, cap: int = MAX_DECOMPRESSED) -> Decompressed:
    """Decompress a gzip or brotli file up to `cap` bytes. Never raises."""
    if packing == "gzip":
        return _gunzip(data, cap)
    return _unbrotli(data, cap)


def _capped_note(cap: int) -> str:
    return f"decompressed size exceeds {_mb(cap)}: only the first {_mb(cap)} scanned"


def _gunzip(data: bytes, cap: int) -> Decompressed:
    import zlib

    out = bytearray()
    notes: list[str] = []
    view = memoryview(data)
    pos = 0
    while pos < len(data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        consumed = pos
        try:
            while consumed < len(data) and not d.eof:
                chunk: Union[bytes, memoryview] = view[consumed : consumed + _CHUNK_IN]
                consumed += len(chunk)
                while chunk and len(out) <= cap:
                    out += d.decompress(chunk, min(_CHUNK_OUT, cap + 1 - len(out)))
                    chunk = d.unconsumed_tail
                if len(out) > cap:
                    notes.append(_capped_note(cap))
                    return Decompressed(bytes(out[:cap]), notes, cut=True, capped=True)
        except zlib.error as exc:
            if not out:
                return Decompressed(failure=f"not a valid gzip file ({exc})")
            notes.append(
                f"corrupt gzip data after {len(out)} bytes ({exc}): scanned the part before"
            )
            return Decompressed(bytes(out), notes, cut=True)
        if not d.eof:
            if not out:
                return Decompressed(failure="truncated gzip file: nothing could be decompressed")
            notes.append(
                f"truncated gzip file: scanned the {len(out)} bytes that could be decompressed"
            )
            return Decompressed(bytes(out), notes, cut=True)
        pos = consumed - len(d.unused_data)
        rest = data[pos : pos + 2]
        if rest != _GZIP_MAGIC:
            if data[pos:].strip(b"\0"):
                notes.append("data after the end of the gzip stream was ignored")
            break
    return Decompressed(bytes(out), notes)


def _unbrotli(data: bytes, cap: int) -> Decompressed:
    try:
        import brotli
    except ImportError:
        return Decompressed(
            failure="brotli-compressed: install autype-guard[brotli] to scan .br files"
        )
    out = bytearray()
    notes: list[str] = []
    dec = brotli.Decompressor()
    try:
        for i in range(0, len(data), _CHUNK_IN):
            out += dec.process(data[i : i + _CHUNK_IN], output_buffer_limit=_CHUNK_OUT)
            while len(out) <= cap and not dec.can_accept_more_data():
                out += dec.process(b"", output_buffer_limit=_CHUNK_OUT)
            if len(out) > cap:
                notes.append(_capped_note(cap))
                return Decompressed(bytes(out[:cap]), notes, cut=True, capped=True)
        while len(out) <= cap and not dec.is_finished() and not dec.can_accept_more_data():
            out += dec.process(b"", output_buffer_limit=_CHUNK_OUT)
    except TypeError:
        return Decompressed(failure="brotli-compressed: brotli >= 1.2 is needed to scan it")
    except brotli.error as exc:
        if not out:
            return Decompressed(failure=f"not a valid brotli file ({exc})")
        notes.append(f"corrupt brotli data after {len(out)} bytes: scanned the part before")
        return Decompressed(bytes(out), notes, cut=True)
    if not dec.is_finished():
        if not out:
            return Decompressed(failure="truncated brotli file: nothing could be decompressed")
        notes.append(
            f"truncated brotli file: scanned the {len(out)} bytes that could be decompressed"
        )
        return Decompressed(bytes(out), notes, cut=True)
    return Decompressed(bytes(out), notes)


# --- archives ----------------------------------------------------------------------------


@dataclass
class _Member:
    name: str
    data: bytes
    cut: bool = False  # only the first part of the member was read


def _label(name: str) -> str:
    return _CONTROL.sub("?", name.replace("\\", "/"))


def _is_binary_name(name: str) -> bool:
    return name.lower().endswith(_BINARY_SUFFIXES)


def _take(budget: _Budget, size: int, unscanned: Unscanned) -> bool:
    """Whether another member of `size` bytes may be read; says so when a cap is hit."""
    if budget.exhausted:
        return False
    if budget.members >= MAX_ARCHIVE_MEMBERS:
        unscanned.append((None, f"more than {MAX_ARCHIVE_MEMBERS} members: the rest not scanned"))
        budget.exhausted = True
        return False
    if size > budget.remaining:
        unscanned.append((None, f"content exceeds {_mb(MAX_ARCHIVE_TOTAL)}: the rest not scanned"))
        budget.exhausted = True
        return False
    return True


def _cap_reason(cap: int, size: int) -> str:
    return f"larger than {_mb(cap)} ({_mb(size)}): only the first {_mb(cap)} scanned, the rest not"


def _zip_members(
    data: bytes, budget: _Budget, notes: list[str], unscanned: Unscanned
) -> Iterator[_Member]:
    import io
    import zipfile
    import zlib

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,  # an entry needing a zip version zipfile does not know
        OSError,
        ValueError,
        EOFError,
    ) as exc:
        notes.append(f"not a valid zip archive ({exc}): scanned as a plain file")
        raise _NotAnArchive from None
    with archive:
        for info in archive.infolist():
            # Not `info.is_dir()`: it raises IndexError for an entry with an empty name.
            if info.filename.endswith("/") or _is_binary_name(info.filename):
                continue
            name = _label(info.filename)
            if info.flag_bits & 0x1:
                unscanned.append((name, "encrypted zip member: not scanned"))
                continue
            cap = min(MAX_DECOMPRESSED, budget.remaining)
            if not _take(budget, min(info.file_size, cap), unscanned):
                return
            try:
                with archive.open(info) as fh:
                    blob = fh.read(cap + 1)
            except (
                zipfile.BadZipFile,
                NotImplementedError,
                RuntimeError,
                OSError,
                EOFError,
                ValueError,
                zlib.error,
            ) as exc:
                unscanned.append((name, f"could not be read ({exc}): not scanned"))
                continue
            if len(blob) > cap:
                unscanned.append((name, _cap_reason(cap, info.file_size)))
                blob = blob[:cap]
            budget.members += 1
            budget.remaining -= len(blob)
            yield _Member(name, blob, len(blob) < info.file_size)


def _tar_members(
    data: bytes, budget: _Budget, notes: list[str], unscanned: Unscanned
) -> Iterator[_Member]:
    import io
    import tarfile

    seen = [0]
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|*") as archive:
            yield from _tar_stream(archive, budget, unscanned, seen)
    except Exception as exc:  # tarfile raises many kinds for bad input; none may escape
        if seen[0]:
            notes.append(f"archive is truncated or corrupt ({type(exc).__name__}: {exc})")
        else:
            notes.append(f"not a valid tar archive ({exc}): scanned as a plain file")
            raise _NotAnArchive from None


def _tar_stream(
    archive: tarfile.TarFile, budget: _Budget, unscanned: Unscanned, seen: list[int]
) -> Iterator[_Member]:
    # Members are read in stream order; skipping one still decompresses it, so the sizes
    # passed over count against the total too.
    passed = 0
    for info in archive:
        seen[0] += 1
        if not info.isfile():
            continue
        passed += info.size
        if passed > MAX_ARCHIVE_TOTAL:
            unscanned.append(
                (None, f"content exceeds {_mb(MAX_ARCHIVE_TOTAL)}: the rest not scanned")
            )
            return
        if _is_binary_name(info.name):
            continue
        cap = min(MAX_DECOMPRESSED, budget.remaining)
        if not _take(budget, min(info.size, cap), unscanned):
            return
        name = _label(info.name)
        fh = archive.extractfile(info)
        if fh is None:
            continue
        blob = fh.read(cap + 1)
        if len(blob) > cap:
            unscanned.append((name, _cap_reason(cap, info.size)))
            blob = blob[:cap]
        budget.members += 1
        budget.remaining -= len(blob)
        yield _Member(name, blob, len(blob) < info.size)


class _NotAnArchive(Exception):
    """Raised by a member iterator before its first member: the data is no such archive."""


def scan_packed(
    packing: str,
    data: bytes,
    display: str,
    relpath: str,
    scan_plain: ScanPlain,
    *,
    depth: int = 0,
    budget: Optional[_Budget] = None,
    layers: int = 0,
) -> FileResult:
    """Scan a compressed file or an archive through `scan_plain`. Never raises.

    What could not be scanned (an encrypted member, content past a cap, an archive nested
    too deep, compression nested too deep) is listed in `FileResult.unscanned`, so that the
    run does not pass as clean; an archive that cannot be opened is scanned as a plain file.
    """
    budget = budget or _Budget()
    if packing in ("gzip", "brotli"):
        return _scan_compressed(packing, data, display, relpath, scan_plain, depth, budget, layers)
    result = FileResult(display, FileKind.ARCHIVE, size=len(data))
    if depth >= MAX_ARCHIVE_DEPTH:
        result.skipped = "nested archive"
        result.unscanned.append(
            (display, f"archive nested more than {MAX_ARCHIVE_DEPTH} levels deep: not scanned")
        )
        return result
    notes: list[str] = []
    unscanned: Unscanned = []
    members = _zip_members if packing == "zip" else _tar_members
    try:
        for member in members(data, budget, notes, unscanned):
            _scan_member(member, display, relpath, scan_plain, depth, budget, result)
    except _NotAnArchive:
        plain = scan_plain(data, display, relpath, False)
        plain.notes[:0] = notes
        return plain
    result.notes.extend(notes)
    result.unscanned.extend(
        (display if name is None else f"{display}!{name}", reason) for name, reason in unscanned
    )
    return result


def _scan_member(
    member: _Member,
    display: str,
    relpath: str,
    scan_plain: ScanPlain,
    depth: int,
    budget: _Budget,
    result: FileResult,
) -> None:
    label = f"{display}!{member.name}"
    inner = packing_of(member.name, member.data)
    if inner is None:
        sub = scan_plain(member.data, label, f"{relpath}/{member.name}", member.cut)
    else:
        sub = scan_packed(
            inner,
            member.data,
            label,
            f"{relpath}/{member.name}",
            scan_plain,
            depth=depth + 1,
            budget=budget,
        )
    result.findings.extend(sub.findings)
    result.suppressed += sub.suppressed
    result.notes.extend(f"{member.name}: {note}" for note in sub.notes)
    result.unscanned.extend(sub.unscanned)
    if sub.error:
        result.unscanned.append((label, f"{sub.error}: not scanned"))


def _scan_compressed(
    packing: str,
    data: bytes,
    display: str,
    relpath: str,
    scan_plain: ScanPlain,
    depth: int,
    budget: _Budget,
    layers: int = 0,
) -> FileResult:
    if budget.remaining <= 0:
        reason = f"content exceeds {_mb(MAX_ARCHIVE_TOTAL)}: not decompressed, not scanned"
        result = FileResult(display, classify(display), size=len(data), skipped=reason)
        result.unscanned.append((display, reason))
        return result
    unpacked = decompress(packing, data, min(MAX_DECOMPRESSED, budget.remaining))
    if unpacked.failure is not None:
        if unpacked.failure.startswith("brotli-compressed"):
            # Brotli is there but cannot be read here: the file was not scanned.
            result = FileResult(display, classify(display), size=len(data))
            result.skipped = unpacked.failure
            result.unscanned.append((display, f"{unpacked.failure}: not scanned"))
            return result
        # Not compressed after all (or damaged from the start): read as it is.
        result = scan_plain(data, display, relpath, False)
        result.notes.insert(0, f"{unpacked.failure}: scanned as a plain file")
        return result
    budget.remaining -= len(unpacked.data)
    inner_name = display[: -len(".br")] if packing == "brotli" else _strip_gz(display)
    inner = packing_of(inner_name, unpacked.data)
    if inner in ("zip", "tar"):
        result = scan_packed(
            inner, unpacked.data, display, relpath, scan_plain, depth=depth, budget=budget
        )
    elif inner is not None:
        if layers + 1 >= MAX_COMPRESSION_DEPTH:
            result = FileResult(display, classify(display), size=len(data))
            result.skipped = "compressed too many times"
            result.unscanned.append(
                (
                    display,
                    f"compressed more than {MAX_COMPRESSION_DEPTH} times: the inner layers"
                    " were not decompressed, not scanned",
                )
            )
            return result
        result = _scan_compressed(
            inner, unpacked.data, display, relpath, scan_plain, depth, budget, layers + 1
        )
    else:
        result = scan_plain(unpacked.data, display, relpath, unpacked.cut)
    result.size = len(data)
    notes = unpacked.notes
    if unpacked.capped:
        # Said once, as what was not scanned.
        notes = [n for n in notes if n != _capped_note(len(unpacked.data))]
        result.unscanned.append((display, f"{_capped_note(len(unpacked.data))}, the rest not"))
    result.notes[:0] = notes
    return result


def _strip_gz(display: str) -> str:
    return display[:-3] if display.lower().endswith(".gz") else display


__all__ = [
    "MAX_ARCHIVE_DEPTH",
    "MAX_ARCHIVE_MEMBERS",
    "MAX_ARCHIVE_TOTAL",
    "MAX_COMPRESSION_DEPTH",
    "MAX_DECOMPRESSED",
    "Decompressed",
    "decompress",
    "packing_of",
    "scan_packed",
]
