#!/usr/bin/env python3
"""Coverage-guided fuzzing of the source-map scanner.

Each input is a selector byte plus a map's text (`@KEY@` markers become fake keys, see
fuzzlib.plant). With the selector's low bit set the text is first split at NUL bytes into
sources and contents and built into a valid map (`json.dumps`, so JSON escapes, `sections`
and odd `sourceRoot`s are exercised past the parser). Properties:

- `scan_source_map` never raises, and every occurrence's span lies inside the map's text;
  an occurrence not hidden by an encoding spans exactly its key's spelling in the raw text
  (offsets are mapped back through JSON escapes);
- in a built map, every planted key that stands alone in a content string is found (itself,
  or as the start of a joined key that extends it);
- `scan_bytes` on `*.js.map` names never raises, its findings' spans lie inside the text,
  and no report format shows a found planted key.

    python fuzz/fuzz_sourcemap.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds/sourcemap
"""

from __future__ import annotations

import json
import re
import sys

import atheris

with atheris.instrument_imports():
    from autype_guard.api import scan_bytes
    from autype_guard.keys import KeyMatcher
    from autype_guard.scanners.sourcemap import scan_source_map

from fuzzlib import CONFIG, check_result, plant

NAMES = ("dist/assets/index-3f2a9c1b.js.map", "static/js/main.js.map", "app.js.map")
MATCHER = KeyMatcher()
_ALONE = re.compile(r"(?<![A-Za-z0-9_-])ak_[A-Za-z0-9]{32}(?![A-Za-z0-9_-])")


def build(body: bytes, selector: int) -> tuple[str, list[str]]:
    """A valid source map from NUL-separated parts: sources, then contents."""
    parts = body.decode("utf-8", errors="replace").split("\0")
    half = len(parts) // 2
    doc: dict[str, object] = {
        "version": 3,
        "sources": parts[:half],
        "sourcesContent": parts[half:],
        "mappings": "",
    }
    if selector & 2:
        doc["sourceRoot"] = parts[0] if parts else ""
    if selector & 4:
        doc = {"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": doc}]}
    text = json.dumps(doc, ensure_ascii=bool(selector & 8))
    return text, parts[half:]


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector = data[0]
    body, keys = plant(data[1:])
    name = NAMES[(selector >> 4) % len(NAMES)]
    contents: list[str] = []
    if selector & 1:
        text, contents = build(body, selector)
        raw = text.encode("utf-8")
    else:
        raw = body
        text = raw.decode("utf-8", errors="replace")
    occurrences, _notes = scan_source_map(text, MATCHER, name)
    for occ in occurrences:
        hit = occ.hit
        if not 0 <= hit.start < hit.end <= len(text):
            raise AssertionError(f"span {hit.start}:{hit.end} outside {len(text)} chars")
        if hit.encoding == "" and not occ.joined and text[hit.start : hit.end] != hit.key:
            raise AssertionError(f"span {hit.start}:{hit.end} is not its key's spelling")
    found = [occ.hit.key for occ in occurrences]
    for content in contents:
        for key in _ALONE.findall(content):
            # Found as itself, or as the start of a longer joined key (`"ak_A..." "more"`:
            # a joined key replaces the shorter plain hit at its start, at the same place).
            if key in keys and not any(f.startswith(key) for f in found):
                raise AssertionError("a key alone in sourcesContent was not found")
    result = scan_bytes(raw, name, CONFIG)
    check_result(result, raw, keys)


def main() -> None:
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
