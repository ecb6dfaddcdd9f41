"""The commit-time fast path: `autype-guard scan FILE...` where no file holds a marker.

Most commits touch no file that mentions a key, Autype or an auth header. For such a run the
answer, nothing found, is known once the files are read and searched for the rules' prefilter
markers: loading the rules, the command-line parser and the rest of the scanner (most of a
hook run's time) can wait. `try_scan` answers only runs whose outcome it can decide exactly
as the full scan would, and returns None for anything else, so the full CLI runs:

- the arguments are `scan` and file paths only (no option: the pre-commit hook's form);
- no `AUTYPE_GUARD_*` variable is set (setting one is how to force the full path);
- every path is relative, free of `..`, names a regular file (not a symlink) at most
  `MAX_BYTES` long whose name is not one the scan unpacks or reads as a binary
  (`UNPLAIN_SUFFIXES`);
- no file's first bytes look binary, UTF-16 or gzip, and no file holds any of `MARKERS`.

Without a config file (none from the current directory or any file's directory upward) that
takes the standard library alone, and a path through a default-excluded directory is left to
the full scan. With one, the config is read and the files are selected by the same code as
the full scan (`config.load_config`, `sources.walk.Walker`: invalid configs, excludes and
nested configs behave the same), and a config with its own `key-pattern` (other markers) is
left to the full scan.

Then it prints the full scan's summary line and exits 0. `tests/test_quickscan.py` checks
that `MARKERS` is the default prefilter's marker set, `RULE_CODES` the rule table's and
`UNPLAIN_SUFFIXES` the names the scan unpacks or reads as binaries, and that the output
equals the full path's.
"""

from __future__ import annotations

import os
import stat
import sys
import time

from .filenames import APP_SUFFIXES, ARCHIVE_SUFFIXES, BINARY_FORMAT_SUFFIXES, DEFAULT_EXCLUDE

TYPE_CHECKING = False  # `typing` itself costs milliseconds of start-up
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Optional, TextIO

# The default engine's prefilter markers: the key prefix and its spellings, Autype's name,
# auth headers and the suppression comment (`engine.prefilter_for` with the default config).
MARKERS: tuple[bytes, ...] = (
    b"%5F",
    b"%5f",
    b"%61",
    b"%6B",
    b"%6b",
    b"%W(ak ",
    b"%W[ak ",
    b"%w(ak ",
    b"%w[ak ",
    b"-API-",
    b"-Api-",
    b"-api-",
    b"AUTYPE",
    b"AuType",
    b"Autype",
    b"BEARER",
    b"Bearer",
    b"FrX",
    b"JwtAuthenticator",
    b"SetAuthToken",
    b"YWtf",
    b"\\u005F",
    b"\\u005f",
    b"\\u0061",
    b"\\u006B",
    b"\\u006b",
    b"\\x5F",
    b"\\x5f",
    b"\\x61",
    b"\\x6B",
    b"\\x6b",
    b'ak"',
    b"ak${",
    b"ak'",
    b'ak\\"',
    b"ak_",
    b"ak`",
    b"autype",
    b"autype-guard:",
    b"bearer",
    b"ha18",
    b"ha19",
    b"withToken",
)
# Names the full scan unpacks (`sources.archives.packing_of`: archives, app packages,
# brotli) or searches as a binary (`binaries.is_binary_format`) whatever they hold; every
# other name is read as plain text, as here.
UNPLAIN_SUFFIXES: tuple[str, ...] = (
    *ARCHIVE_SUFFIXES,
    *APP_SUFFIXES,
    ".br",
    *BINARY_FORMAT_SUFFIXES,
)
# Every rule code (`rules.rule_codes`), to validate a config as the full scan does.
RULE_CODES = frozenset(
    ("AG101", "AG102", "AG103", "AG104", "AG105", "AG201", "AG202", "AG203", "AG301")
)
# A path through one of these is excluded, not scanned.
EXCLUDED_DIRS = frozenset(DEFAULT_EXCLUDE)
CONFIG_FILE = ".autype-guard.toml"
PYPROJECT = "pyproject.toml"
# Larger files are rare in a commit; the full path reads them (in windows past 8 MiB).
MAX_BYTES = 1 << 20
# `textio.BINARY_SNIFF`: the window the full scan sniffs for NULs.
_SNIFF = 8192
_UNDECIDED_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x1f\x8b")  # UTF-16 byte order marks, gzip


def try_scan(
    argv: Sequence[str],
    environ: Mapping[str, str],
    out: TextIO,
    started: Optional[float] = None,
) -> Optional[int]:
    """The exit code of `autype-guard ARGV` when it is a clean `scan` of named files, after
    printing its summary to `out`; None (nothing printed) when the full CLI must decide.
    Never raises."""
    started = time.perf_counter() if started is None else started
    try:
        counts = _clean_files(argv, environ)
    except (OSError, ValueError):
        return None
    if counts is None:
        return None
    scanned, excluded = counts
    parts = ["1 file scanned" if scanned == 1 else f"{scanned} files scanned"]
    if excluded:
        parts.append(f"{excluded} excluded")
    elapsed = time.perf_counter() - started
    out.write(f"Found 0 findings; {', '.join(parts)} in {elapsed:.2f}s.\n")
    return 0


def _clean_files(argv: Sequence[str], environ: Mapping[str, str]) -> Optional[tuple[int, int]]:
    """(files scanned, files excluded) of a clean run, or None when undecided."""
    if len(argv) < 2 or argv[0] != "scan":
        return None
    if any(name.startswith("AUTYPE_GUARD_") for name in environ):
        return None
    paths = argv[1:]
    if not all(_plain_relative(path) for path in paths):
        return None
    checked: set[str] = set()
    directories = [os.getcwd(), *(os.path.dirname(os.path.abspath(path)) for path in paths)]
    if any(_config_above(os.path.realpath(d), checked) for d in directories):
        return _clean_with_config(paths)
    for path in paths:
        if any(part in EXCLUDED_DIRS for part in path.split(os.sep)):
            return None
        if not _unmarked_text(path):
            return None
    return len(paths), 0


def _clean_with_config(paths: Sequence[str]) -> Optional[tuple[int, int]]:
    """`_clean_files` where a config file applies: the full scan's own config loading and
    file selection, then the same marker test."""
    from pathlib import Path

    from .config import ConfigError, ConfigResolver, Overrides, load_config
    from .keys import DEFAULT_KEY_PATTERN
    from .sources.walk import Candidate, Walker

    resolved = [os.path.realpath(path) for path in paths]
    start = Path(os.path.commonpath(resolved)) if len(resolved) > 1 else Path(resolved[0])
    try:
        config = Overrides().apply(load_config(start, codes=RULE_CODES))
    except ConfigError:
        return None
    walker = Walker(config, resolver=ConfigResolver(config, RULE_CODES))
    scanned = 0
    for item in walker.walk([Path(path) for path in paths]):
        if not isinstance(item, Candidate):
            return None
        own = item.config if item.config is not None else config
        if own.key_pattern != DEFAULT_KEY_PATTERN or not _unmarked_text(str(item.path)):
            return None
        scanned += 1
    stats = walker.stats
    if stats.symlinks or stats.special or stats.git_ignored or stats.notes:
        return None
    return scanned, stats.excluded


def _plain_relative(path: str) -> bool:
    # `!` separates archive members in the scanner's names: such a path is left to it.
    if not path or path.startswith("-") or os.path.isabs(path) or "!" in path:
        return False
    if ".." in path.split(os.sep):
        return False
    return not os.path.basename(os.path.normpath(path)).lower().endswith(UNPLAIN_SUFFIXES)


def _config_above(directory: str, checked: set[str]) -> bool:
    """True when a config file sits in `directory` or a directory above it."""
    while directory not in checked:
        checked.add(directory)
        if os.path.isfile(os.path.join(directory, CONFIG_FILE)):
            return True
        pyproject = os.path.join(directory, PYPROJECT)
        if os.path.isfile(pyproject):
            with open(pyproject, "rb") as fh:
                if b"autype-guard" in fh.read():
                    return True
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return False


def _unmarked_text(path: str) -> bool:
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
        return False
    with open(path, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES or b"\0" in data[:_SNIFF] or data.startswith(_UNDECIDED_STARTS):
        return False
    return not any(marker in data for marker in MARKERS)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point: the fast path when it applies, else the full CLI."""
    started = time.perf_counter()
    args = sys.argv[1:] if argv is None else argv
    code = try_scan(args, os.environ, sys.stdout, started)
    if code is not None:
        sys.exit(code)
    from .cli import main as full_main

    full_main()


__all__ = ["MARKERS", "RULE_CODES", "UNPLAIN_SUFFIXES", "main", "try_scan"]
