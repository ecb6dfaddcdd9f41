#!/usr/bin/env python3
"""Coverage-guided fuzzing of `scan-url`'s discovery: what a page, a script, a stylesheet or a
JSON manifest says a browser loads.

Each input is a selector byte plus the body of a fetched file. Properties:

- `page_links`, `script_links` (over the text and over the bytes), `style_links` and
  `json_links` never raise, whatever the markup, and each found URL is an absolute http(s)
  URL or a bare string the fetcher then refuses, never anything else (`-timeout` catches a
  regex that backtracks);
- the same body scanned as a page of the site (`scan_bytes` under its display URL) never
  raises and no report format shows a planted key.

    python fuzz/fuzz_web.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds/web
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from autype_guard.api import scan_bytes
    from autype_guard.sources.web import json_links, page_links, script_links, style_links

from fuzzlib import CONFIG, check_result, plant

BASES = ("http://127.0.0.1:4173/", "https://app.example.com/_next/static/chunks/", "http://h/a/b")
NAMES = ("index.html", "assets/index-3f2a.js", "_next/static/css/app.css", "manifest.json")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector = data[0]
    body, keys = plant(data[1:])
    text = body.decode("utf-8", errors="replace")
    base = BASES[selector % len(BASES)]
    links, inline = page_links(text, base)
    found = [*links]
    found += list(script_links(text, base, {}))
    found += list(script_links(body, base, {"app": base + "app.js"}))
    found += list(style_links(text, base))
    found += list(json_links(text, base))
    for link in found:
        if not isinstance(link.url, str) or not isinstance(link.kind, str):
            raise AssertionError(f"a link that is not a string: {link!r}")
    if not all(isinstance(script, str) for script in inline):
        raise AssertionError("an inline script that is not a string")
    name = NAMES[(selector >> 2) % len(NAMES)]
    result = scan_bytes(body, base + name, CONFIG)
    check_result(result, body, keys)


def main() -> None:
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
