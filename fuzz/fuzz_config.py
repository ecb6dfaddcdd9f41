#!/usr/bin/env python3
"""Coverage-guided fuzzing of configuration loading.

Each input is a selector byte plus TOML text. Properties:

- `parse_config` over any table that tomllib decodes raises `ConfigError` or returns a
  `Config`, never anything else (a hostile `key-pattern`, a non-string glob, a huge or
  negative number: all are the user's error, said in one line);
- `load_config` over the same bytes written to `.autype-guard.toml` or `pyproject.toml`
  (undecodable UTF-8 and invalid TOML included) raises only `ConfigError`;
- a config that loads gives a working scanner: scanning a short text with a key under it
  does not raise (a custom `key-pattern` runs on RE2 in linear time; `-timeout` catches a
  slow one).

    python fuzz/fuzz_config.py -max_total_time=60 "$(mktemp -d)" fuzz/seeds/config
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from autype_guard.api import scan_text
    from autype_guard.config import ConfigError, load_config, parse_config
    from autype_guard.rules import rule_codes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from fuzzlib import fake_key

CODES = rule_codes()
ROOT = Path(tempfile.mkdtemp(prefix="fuzz-config-"))
KEY = fake_key(b"config")
PROBE = f'api_key = "{KEY}"\nAUTYPE_API_KEY={KEY}\n'


def test_one_input(data: bytes) -> None:
    if not data:
        return
    selector, body = data[0], data[1:]
    name = "pyproject.toml" if selector & 1 else ".autype-guard.toml"
    codes = CODES if selector & 2 else ()
    config = None
    try:
        text = body.decode("utf-8")
        table = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        table = None
    if table is not None:
        if name == "pyproject.toml":
            tool = table.get("tool", {})
            table = tool.get("autype-guard", {}) if isinstance(tool, dict) else None
        if isinstance(table, dict):
            try:
                config = parse_config(table, ROOT, codes=codes)
            except ConfigError:
                config = None
    path = ROOT / name
    path.write_bytes(body)
    try:
        loaded = load_config(ROOT, path, codes=codes)
    except ConfigError:
        loaded = None
    if (loaded is None) != (config is None) and table is not None and isinstance(table, dict):
        raise AssertionError("load_config and parse_config disagree on the same table")
    for cfg in (config, loaded):
        if cfg is not None:
            scan_text(PROBE, "app.py", cfg)
            scan_text(PROBE, ".env", cfg)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
