#!/usr/bin/env python3
"""Coverage-guided fuzzing of the file-kind dispatcher and every scanner behind it.

Each input is a file name selector byte plus file content (`@KEY@` markers become fake
keys, see fuzzlib.plant). Properties: `scan_bytes` never raises; every finding's span lies
inside the file (its decoded text, or its bytes for a key found in a binary); no report
format (json, text, sarif, github) shows a planted key beyond its last 4 characters.

    python fuzz/fuzz_scan.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds/scan

(new inputs go to the first directory; fuzz/seeds/scan holds the committed seed corpus).

Needs `pip install atheris` (see .ci/run). Crashes are written to ./crash-*.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from autype_guard.api import scan_bytes
    from autype_guard.config import Config

from fuzzlib import check_result, plant

NAMES = (
    "app.py",
    "src/app.ts",
    "dist/assets/index-3f2a9c1b.js",
    "dist/assets/index-3f2a9c1b.js.map",
    "dist/assets/legacy-1a2b3c4d.js.gz",
    "templates/page.html",
    "component.svelte",
    "page.astro",
    ".env.local",
    "k8s/secret.yaml",
    "data.json",
    "README.md",
    "analysis.ipynb",
    "client.go",
    "release.zip",
    "notes",
)
CONFIG = Config()


def test_one_input(data: bytes) -> None:
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    content, keys = plant(data[1:])
    result = scan_bytes(content, name, CONFIG)
    check_result(result, content, keys, plain=not name.endswith((".gz", ".zip")))


def main() -> None:
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
