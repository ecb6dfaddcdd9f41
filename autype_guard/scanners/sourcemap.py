"""The source-map scanner: keys in the original sources a `*.map` file embeds.

A source map ships the original source of every bundled file in `sourcesContent`, so a key
that the minifier folded away or split is there in plain sight. Each string of
`sourcesContent` is decoded and scanned like a script (joined literals included); a hit is
reported at its exact line and column in the map's raw text (JSON escapes such as `\\n`,
`\\"` and `\\uXXXX` before it are accounted for), and names the original file
(`sources[i]`, resolved against the map's directory and `sourceRoot`) and the line inside it
as a related location. Index maps (`sections`) are followed. Text outside `sourcesContent`
is scanned as plain text. A map that is not valid JSON is scanned as text, with a note.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from ..keys import KeyMatcher
from ..model import RelatedLocation
from . import KeyOccurrence
from .script import with_joined
from .text import scan_text

_WS = re.compile(r"[ \t\n\r]*")
# The XSSI guard some servers prepend to source maps: `)]}'` on the first line.
_XSSI = re.compile(r"\A\)\]\}'[^\n]*\n")
# A URL scheme (`webpack://`, `file://`): such sources are names, not relative paths.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_MAX_SECTIONS_DEPTH = 4


@dataclass
class _Content:
    """One `sourcesContent` string: its raw span in the map and its decoded value."""

    index: int
    raw_start: int  # offset of the first character after the opening quote
    raw_end: int  # offset of the closing quote
    value: str


@dataclass
class _Map:
    sources: list[Any]
    source_root: str
    contents: list[_Content]


class _Malformed(ValueError):
    pass


def scan_source_map(
    text: str, matcher: KeyMatcher, path: str
) -> tuple[list[KeyOccurrence], list[str]]:
    """Keys in a source map, with the original source as a related location. Never raises."""
    try:
        maps = _read_maps(text)
    except (ValueError, IndexError, RecursionError) as exc:
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        plain = with_joined(text, matcher, scan_text(text, matcher))
        return plain, [f"source map is not valid JSON ({reason}): scanned as text"]
    found: list[KeyOccurrence] = []
    spans: list[tuple[int, int]] = []
    for source_map in maps:
        for content in source_map.contents:
            spans.append((content.raw_start, content.raw_end))
            found.extend(_scan_content(text, matcher, path, source_map, content))
    # Keys outside sourcesContent (a `file` name, a comment before the JSON, ...).
    spans.sort()
    starts = [start for start, _ in spans]
    for occ in with_joined(text, matcher, scan_text(text, matcher)):
        if not _inside(spans, starts, occ.hit.start):
            found.append(occ)
    found.sort(key=lambda o: o.hit.start)
    return found, []


def _inside(spans: list[tuple[int, int]], starts: list[int], offset: int) -> bool:
    i = bisect.bisect_right(starts, offset) - 1
    return i >= 0 and offset < spans[i][1]


def _scan_content(
    text: str, matcher: KeyMatcher, path: str, source_map: _Map, content: _Content
) -> list[KeyOccurrence]:
    value = content.value
    occurrences = with_joined(value, matcher, scan_text(value, matcher))
    if not occurrences:
        return []
    name = _source_name(source_map, content.index)
    resolved = _resolve(path, source_map.source_root, name)
    offsets = _RawOffsets(text, content.raw_start, content.raw_end)
    out = []
    for occ in occurrences:
        line = value.count("\n", 0, occ.hit.start) + 1
        start = offsets.raw(occ.hit.start)
        end = offsets.raw(occ.hit.end)
        where = f"in the embedded source {resolved} (line {line}): remove it from that file"
        context = f"{occ.context}, {where}" if occ.context else where
        related = RelatedLocation(
            resolved, line, f"the original source {name}, line {line}, holds the key"
        )
        hit = type(occ.hit)(start, end, occ.hit.key, occ.hit.encoding)
        out.append(KeyOccurrence(hit, context, occ.env_name, occ.joined, (related,)))
    return out


def _source_name(source_map: _Map, index: int) -> str:
    if index < len(source_map.sources) and isinstance(source_map.sources[index], str):
        return str(source_map.sources[index])
    return f"sources[{index}]"


def _resolve(map_path: str, source_root: str, source: str) -> str:
    """The original source's path as seen from the scan root, or its URL as written.

    Relative sources are resolved against the map's directory and `sourceRoot`.
    `webpack://<name>/./src/a.ts` names a path inside the project: the project root is taken
    to be the directory that holds the build output (`dist/`, `.next/`, ...) or else the map's
    own directory.
    """
    webpack = _WEBPACK.match(source)
    if webpack is not None:
        inner = source[webpack.end() :].split("?", 1)[0]
        while inner.startswith("./"):
            inner = inner[2:]
        if inner and not inner.startswith(("../", "/")):
            return _join(map_path, _project_root(map_path), inner)
        return source
    if _SCHEME.match(source) or source.startswith("/") or source.startswith("sources["):
        return source
    if source_root:
        if _SCHEME.match(source_root) or source_root.startswith("/"):
            return source_root.rstrip("/") + "/" + source
        source = posixpath.join(source_root, source)
    return _join(map_path, None, source)


# `webpack://name/` or `webpack:///`: webpack's own scheme for modules of the project.
_WEBPACK = re.compile(r"webpack://[^/]*/")
# Directories that hold build output: the project root is the directory above them.
_BUILD_DIR = re.compile(r"(?:^|/)(?:dist|build|out|\.next|\.output|public|static|wwwroot)/")


def _project_root(map_path: str) -> Optional[str]:
    member = map_path.rpartition("!")[2]
    m = _BUILD_DIR.search(member)
    if m is None:
        return None
    return member[: m.start() + (1 if member[m.start()] == "/" else 0)]


def _join(map_path: str, base: Optional[str], source: str) -> str:
    """`source` joined to `base` (or the map's directory), inside the map's archive if any."""
    prefix, bang, member = map_path.rpartition("!")
    if not bang:
        prefix, member = "", map_path
    directory = posixpath.dirname(member) if base is None else base
    joined = posixpath.normpath(posixpath.join(directory, source))
    return f"{prefix}!{joined}" if bang else joined


class _RawOffsets:
    """Maps offsets in a decoded JSON string to offsets in the raw text.

    Between escapes the two advance together, so only escapes are walked: linear in the
    number of escapes before the furthest offset asked for (ask in increasing order).
    """

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.raw_pos = start  # raw offset of the next unread character
        self.decoded_pos = 0

    def raw(self, decoded: int) -> int:
        if decoded < self.decoded_pos:
            self.raw_pos, self.decoded_pos = self.start, 0
        text = self.text
        while True:
            backslash = text.find("\\", self.raw_pos, self.end)
            run_end = self.end if backslash == -1 else backslash
            if decoded < self.decoded_pos + (run_end - self.raw_pos) or backslash == -1:
                return self.raw_pos + (decoded - self.decoded_pos)
            # The run holds no target: skip it and the escape after it.
            self.decoded_pos += run_end - self.raw_pos
            self.raw_pos = backslash
            if decoded == self.decoded_pos:
                return backslash
            self.raw_pos = backslash + _escape_length(text, backslash)
            self.decoded_pos += 1


def _escape_length(text: str, i: int) -> int:
    """Raw length of the JSON escape at `i` (a surrogate pair counts as one character)."""
    if text[i + 1 : i + 2] != "u":
        return 2
    try:
        high = int(text[i + 2 : i + 6], 16)
    except ValueError:
        return 2
    if 0xD800 <= high < 0xDC00 and text[i + 6 : i + 8] == "\\u":
        try:
            low = int(text[i + 8 : i + 12], 16)
        except ValueError:
            return 6
        if 0xDC00 <= low < 0xE000:
            return 12
    return 6


# --- reading the JSON with positions ------------------------------------------------------


def _scanstring(text: str, pos: int) -> tuple[str, int]:
    """Decode the JSON string whose content starts at `pos`; returns it and the offset after
    its closing quote (the stdlib's own string scanner, not in the type stubs)."""
    import json.decoder

    scan: Callable[[str, int], tuple[str, int]] = getattr(json.decoder, "scanstring")  # noqa: B009
    return scan(text, pos)


def _read_maps(text: str) -> list[_Map]:
    """Every (sub-)map in the file with the raw spans of its sourcesContent strings."""
    import json

    decoder = json.JSONDecoder()
    pos = 0
    xssi = _XSSI.match(text)
    if xssi is not None:
        pos = xssi.end()
    pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
    maps: list[_Map] = []
    end = _read_map(text, pos, decoder, maps, 0)
    if text[_WS.match(text, end).end() :].strip():  # type: ignore[union-attr]
        raise _Malformed("extra data after the JSON object")
    return maps


def _expect(text: str, pos: int, char: str) -> int:
    if text[pos : pos + 1] != char:
        raise _Malformed(f"expected {char!r} at offset {pos}")
    return pos + 1


def _read_map(text: str, pos: int, decoder: Any, maps: list[_Map], depth: int) -> int:
    """Read one source-map object at `pos`; returns the offset after it."""
    if depth > _MAX_SECTIONS_DEPTH:
        raise _Malformed("index maps nested too deeply")
    pos = _expect(text, pos, "{")
    source_map = _Map([], "", [])
    maps.append(source_map)
    ws = _WS.match
    pos = ws(text, pos).end()  # type: ignore[union-attr]
    if text.startswith("}", pos):
        return pos + 1
    while True:
        pos = _expect(text, pos, '"')
        key, pos = _scanstring(text, pos)
        pos = ws(text, pos).end()  # type: ignore[union-attr]
        pos = _expect(text, pos, ":")
        pos = ws(text, pos).end()  # type: ignore[union-attr]
        if key == "sourcesContent" and text.startswith("[", pos):
            pos = _read_contents(text, pos, decoder, source_map)
        elif key == "sections" and text.startswith("[", pos):
            pos = _read_sections(text, pos, decoder, maps, depth)
        else:
            value, pos = decoder.raw_decode(text, pos)
            if key == "sources" and isinstance(value, list):
                source_map.sources = value
            elif key == "sourceRoot" and isinstance(value, str):
                source_map.source_root = value
        pos = ws(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("}", pos):
            return pos + 1
        pos = ws(text, _expect(text, pos, ",")).end()  # type: ignore[union-attr]


def _read_contents(text: str, pos: int, decoder: Any, source_map: _Map) -> int:
    ws = _WS.match
    pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", pos):
        return pos + 1
    index = 0
    while True:
        if text.startswith('"', pos):
            value, end = _scanstring(text, pos + 1)
            source_map.contents.append(_Content(index, pos + 1, end - 1, value))
            pos = end
        else:
            _, pos = decoder.raw_decode(text, pos)
        index += 1
        pos = ws(text, pos).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            return pos + 1
        pos = ws(text, _expect(text, pos, ",")).end()  # type: ignore[union-attr]


def _read_sections(text: str, pos: int, decoder: Any, maps: list[_Map], depth: int) -> int:
    """`sections: [{"offset": ..., "map": {...}}, ...]` of an index map."""
    ws = _WS.match
    pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", pos):
        return pos + 1
    while True:
        pos = ws(text, _expect(text, pos, "{")).end()  # type: ignore[union-attr]
        while not text.startswith("}", pos):
            pos = _expect(text, pos, '"')
            key, pos = _scanstring(text, pos)
            pos = ws(text, _expect(text, ws(text, pos).end(), ":")).end()  # type: ignore[union-attr]
            if key == "map" and text.startswith("{", pos):
                pos = _read_map(text, pos, decoder, maps, depth + 1)
            else:
                _, pos = decoder.raw_decode(text, pos)
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
        pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
        if text.startswith("]", pos):
            return pos + 1
        pos = ws(text, _expect(text, pos, ",")).end()  # type: ignore[union-attr]


__all__ = ["scan_source_map"]
