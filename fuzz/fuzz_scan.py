"""Coverage-guided fuzzing of the file-kind dispatcher and every scanner behind it.

Each input is a file name selector byte plus file content; the property is that
`scan_bytes` never raises and every finding's span lies inside the file.

    python fuzz/fuzz_scan.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds

(new inputs go to the first directory; fuzz/seeds holds the committed seed corpus).

Needs `pip install atheris` (see .ci/run). Crashes are written to ./crash-*.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from autype_guard.api import scan_bytes
    from autype_guard.config import Config

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
    content = data[1:]
    result = scan_bytes(content, name, CONFIG)
    lines = content.count(b"\n") + 1
    for finding in result.findings:
        if finding.line < 1 or finding.column < 1:
            raise AssertionError(f"bad position {finding.line}:{finding.column} in {name}")
        if "!" not in finding.path and finding.line > lines and not name.endswith((".gz", ".zip")):
            raise AssertionError(f"line {finding.line} past the end ({lines}) in {name}")


def main() -> None:
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
