"""Paths as reports show them and as config globs match them."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

# Control characters would break one-line output formats and terminals.
_CONTROL_ESCAPES = {c: f"\\x{c:02x}" for c in range(32)} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0x7F: "\\x7f",
}


def printable_path(text: str) -> str:
    """A path safe to print: undecodable bytes as \\xNN, control characters escaped."""
    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return shown.translate(_CONTROL_ESCAPES)


def relative_to_root(path: Path, root: Path) -> str:
    """The path relative to `root` with `/` separators, or the absolute path outside it."""
    try:
        return PurePosixPath(path.resolve().relative_to(root)).as_posix()
    except (ValueError, OSError):
        return path.as_posix()
