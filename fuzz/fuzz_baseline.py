#!/usr/bin/env python3
"""Coverage-guided fuzzing of baseline loading.

Each input is the bytes of a baseline file. Properties:

- `baseline.load` over the bytes (invalid UTF-8, invalid JSON, deep nesting, wrong types,
  duplicate or unknown keys) raises only `BaselineError`;
- `baseline.parse` over whatever `json.loads` decodes raises only `BaselineError`, and
  agrees with `load` on whether the document is valid;
- a baseline that loads survives `dumps` and `load` again with the same entries.

    python fuzz/fuzz_baseline.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds/baseline
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from autype_guard import baseline
    from autype_guard.baseline import BaselineError

PATH = Path(tempfile.mkdtemp(prefix="fuzz-baseline-")) / "baseline.json"


def test_one_input(data: bytes) -> None:
    PATH.write_bytes(data)
    try:
        loaded = baseline.load(PATH)
    except BaselineError:
        loaded = None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return
    try:
        parsed = baseline.parse(doc, "fuzz")
    except BaselineError:
        parsed = None
    if (loaded is None) != (parsed is None):
        raise AssertionError("load and parse disagree on the same document")
    if parsed is not None:
        PATH.write_text(baseline.dumps(parsed), encoding="utf-8")
        if baseline.load(PATH).entries != parsed.entries:
            raise AssertionError("a baseline does not survive dumps and load")


def main() -> None:
    sys.setrecursionlimit(10_000)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
