"""Keys compiled into binary files: mobile apps, Electron archives, WebAssembly, `.pyc`,
shared libraries.

A binary file is read as `strings` reads it: runs of printable ASCII, and runs of UTF-16LE
(ASCII characters each followed by a NUL byte, as Windows, Java and .NET store strings).
Only the key matcher runs on those runs, plain spellings only (no joiners, no escapes, no
base64: random bytes spell those by chance), and only keys that look real are reported
(placeholders never, not even with --show-placeholders). A finding has a byte offset
(`Finding.byte_offset`) instead of a line.

Where the binary ships decides the rule (`binary_place`): inside a mobile app or browser
asset (`.apk`, `.ipa`, `.aab`, `.wasm`, `.asar`, ..., or any binary under a browser path)
AG102; a native library, `.pyc` or other server binary AG101.

The first look (`may_hold_key`) is two substring searches, so binaries without a key prefix
cost next to nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .classify import member_path
from .config import Config
from .context import KeySink
from .filenames import BINARY_FORMAT_SUFFIXES
from .globs import glob_match
from .keys import PREFIX, KeyPattern, fingerprint, is_left_boundary, placeholder_reason, redact
from .model import Applicability, FileKind, Finding, Fix, Place, Position, Span
from .prefilter import Prefilter
from .rules import rule_by_code

_ASCII_MARKER = PREFIX.encode("ascii")
_UTF16_MARKER = PREFIX.encode("utf-16-le")
# How many characters before a prefix are read (to tell `peak_` from `ak_`), and after it
# (a key's longest spelling).
_BEFORE = 8
_REACH = 1024
# The bytes a key found from a prefix may span (UTF-16: two per character); a window of a
# large binary reads this far past its end (see `sources.chunks`).
REACH_BYTES = 2 * _REACH

# Binaries that ship to phones or browsers, wherever they sit; and binaries that never do.
SHIPPED_SUFFIXES = (".apk", ".aab", ".ipa", ".xapk", ".apks", ".wasm", ".asar", ".crx", ".xpi")
SERVER_SUFFIXES = (
    ".so",
    ".pyc",
    ".pyo",
    ".pyd",
    ".dll",
    ".dylib",
    ".o",
    ".a",
    ".node",
    ".exe",
    ".class",
)


def is_binary_format(display: str) -> bool:
    """True for a file format searched as a binary whatever its first bytes (`.asar`)."""
    return display.lower().endswith(BINARY_FORMAT_SUFFIXES)


@dataclass(frozen=True)
class BinaryHit:
    """A key in a binary: its byte offset and length in the data, and how it is stored."""

    offset: int
    length: int
    key: str
    encoding: str  # "" (ASCII) or "utf-16"


def may_hold_key(data: bytes) -> bool:
    """False when binary `data` certainly holds no key prefix, in ASCII or UTF-16LE."""
    return not _prefix_search().absent(data)


@lru_cache(maxsize=1)
def _prefix_search() -> Prefilter:
    # Both spellings in one pass (`ahocorasick_rs` where installed: about 6x faster than two
    # `in` tests over the binaries of a real tree, which are a tenth of its bytes).
    return Prefilter((_ASCII_MARKER, _UTF16_MARKER))


def find_keys(data: bytes, pattern: KeyPattern) -> Iterator[BinaryHit]:
    """Every plain key `pattern` matches in the printable runs of `data`, by offset."""
    hits: list[BinaryHit] = []
    # Per spelling, where the last key found ends: a prefix inside it starts no other.
    covered = {_ASCII_MARKER: 0, _UTF16_MARKER: 0}
    # Both spellings' prefixes in one pass (`ahocorasick_rs`: several times faster than a
    # `find` per spelling over a shared library, where `a` is everywhere).
    for marker, pos in _prefix_search().occurrences(data):
        if pos < covered[marker]:
            continue
        width = 1 if marker == _ASCII_MARKER else 2
        # A little before the prefix (is it glued to an identifier?) and a key's reach
        # after it, in the prefix's byte lane; a byte outside a printable run decodes to a
        # character no key holds, so the match stops where the run does.
        lo = max(0, pos - _BEFORE * width)
        lo += (pos - lo) % width
        codec = "latin-1" if width == 1 else "utf-16-le"
        i = (pos - lo) // width
        # The left boundary first, from the few characters before the prefix: most prefixes
        # in a binary are glued to a symbol name (`weak_`, `break_`).
        if not is_left_boundary(data[lo:pos].decode(codec, "replace"), i):
            continue
        hi = min(len(data), pos + _REACH * width)
        hi -= (hi - lo) % width
        m = pattern.match(data[lo:hi].decode(codec, "replace")[i:])
        if m is not None:
            length = (m.end() - m.start()) * width
            hits.append(BinaryHit(pos, length, m.group(), "" if width == 1 else "utf-16"))
            covered[marker] = pos + length
    yield from hits


def binary_place(display: str, config: Config) -> Place:
    """Where a binary file ships: BROWSER (a mobile app or browser asset, or a binary under
    a browser path) or SERVER. An archive member ships with its outermost shipped archive:
    `app.apk!lib/arm64/libapi.so` is in a phone app."""
    parts = [part.lower() for part in display.split("!")]
    if any(part.endswith(SHIPPED_SUFFIXES) for part in parts):
        return Place.BROWSER
    if parts[-1].endswith(SERVER_SUFFIXES):
        return Place.SERVER
    path = member_path(display)
    if any(glob_match(path, pattern) for pattern in config.browser_paths):
        return Place.BROWSER
    return Place.SERVER


_CODES = {Place.BROWSER: "AG102", Place.SERVER: "AG101"}
_CONTEXT = "compiled into a binary file"


def binary_findings(
    data: bytes,
    display: str,
    config: Config,
    pattern: KeyPattern,
    *,
    show_secrets: bool = False,
    key_collector: Optional[KeySink] = None,
    base: int = 0,
) -> list[Finding]:
    """The findings for real-looking keys in binary `data`, shown as `display`; `base` is
    the offset of `data` in the file (a window of a large file)."""
    rule = rule_by_code(_CODES[binary_place(display, config)])
    if rule is None or not config.is_enabled(rule.CODE):
        return []
    out: list[Finding] = []
    for hit in find_keys(data, pattern):
        if placeholder_reason(hit.key) is not None:
            continue
        if key_collector is not None:
            key_collector.add(hit.key)
        shown = hit.key if show_secrets else redact(hit.key)
        separator = getattr(rule, "CONTEXT_SEPARATOR", " ")
        message = str(getattr(rule, "MESSAGE", "{preview}{context}")).format(
            preview=shown, context=f"{separator}{_CONTEXT}"
        )
        if hit.encoding:
            message += " (as UTF-16)"
        offset = base + hit.offset
        out.append(
            Finding(
                code=rule.CODE,
                name=rule.NAME,
                message=message,
                path=display,
                kind=FileKind.BINARY,
                span=Span(Position(1, offset + 1), Position(1, offset + hit.length + 1)),
                severity=config.severity_for(rule.CODE, rule.SEVERITY),
                fingerprint=fingerprint(hit.key),
                preview=shown,
                suggestion=(
                    "Remove the key from the code this file is built from, rebuild, and "
                    "rotate the key in the Autype dashboard (Settings -> API Keys): anyone "
                    "with a copy of the file can read it"
                ),
                fix=Fix("Rebuild without the key", Applicability.DISPLAY_ONLY),
                encoding=hit.encoding,
                has_key=True,
                byte_offset=offset,
                byte_length=hit.length,
            )
        )
    return out
