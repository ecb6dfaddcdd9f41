"""Names the scan treats specially before it reads a byte: archives it opens, app packages,
formats it reads as binaries, directories it leaves out by default.

A leaf module (it imports nothing), so the commit-time fast path (`quickscan`) decides with
the scanner's own lists without loading the scanner.
"""

from __future__ import annotations

# Archives whose members are scanned; a member is labelled `archive!member`.
ARCHIVE_SUFFIXES: tuple[str, ...] = (
    ".zip",
    ".whl",
    ".egg",
    ".jar",
    ".war",
    ".ear",
    ".xpi",
    ".crx",
    ".vsix",
    ".nupkg",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tar.xz",
    ".txz",
)
# Mobile app packages are zip archives too: their members (native libraries, dex code,
# bundled JavaScript) are where keys compiled into an app sit.
APP_SUFFIXES: tuple[str, ...] = (".apk", ".aab", ".ipa", ".xapk", ".apks", ".aar")
# Packed formats read as binaries even when their first window looks like text: an Electron
# archive starts with a JSON header, then holds its files' bytes.
BINARY_FORMAT_SUFFIXES: tuple[str, ...] = (".asar",)
# Directories no scan walks into unless the config says otherwise (`exclude`).
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
)

__all__ = ["APP_SUFFIXES", "ARCHIVE_SUFFIXES", "BINARY_FORMAT_SUFFIXES", "DEFAULT_EXCLUDE"]
