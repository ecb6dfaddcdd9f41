"""Deciding which findings the user has accepted: inline comments, per-file ignores,
the fingerprint allowlist."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Optional

from .config import Config
from .globs import glob_match
from .model import FileKind, Finding, UnusedSuppression

# Text that every inline suppression contains: files without it need no unused-comment check.
SUPPRESSION_MARKER = "autype-guard:"

# `autype-guard: ignore` or `autype-guard: ignore[AG101, AG103]` in a comment on the line
# (see `directive_in`): a mention in a string literal or in inline code is not a directive.
_INLINE_IGNORE = re.compile(r"autype-guard:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?")
# A line end: "\r\n", "\n" or a lone "\r", as findings count lines (`textio.LineIndex`).
_LINE_END = re.compile(r"\r\n?|\n")


# Comment openers, and the closer of each block comment ("" for a line comment).
_LINE_COMMENTS = {"#": "", "//": "", "--": "", ";": "", "%": "", "REM ": "", "rem ": "", "::": ""}
_BLOCK_COMMENTS = {"/*": "*/", "<!--": "-->", "{#": "#}", "..": ""}
_ALL_OPENERS = {**_LINE_COMMENTS, **_BLOCK_COMMENTS}
_OPENERS: dict[FileKind, dict[str, str]] = {
    FileKind.PYTHON: {"#": ""},
    FileKind.SCRIPT: {"//": "", "/*": "*/"},
    FileKind.ENV: {"#": ""},
    FileKind.MARKUP: {"<!--": "-->", "{#": "#}", "//": "", "/*": "*/", "#": ""},
    FileKind.DOCS: _ALL_OPENERS,
    FileKind.SOURCE: _ALL_OPENERS,
    FileKind.CONFIG: {"#": "", ";": "", "//": "", "/*": "*/", "<!--": "-->", "{#": "#}"},
    FileKind.TEXT: _ALL_OPENERS,
    FileKind.NOTEBOOK: {"#": ""},
}
# JSON cannot hold comments: nothing in it is a directive (per-file-ignores is the way).
_NO_COMMENTS = (".json", ".har", ".map")
# Kinds whose text has apostrophes in words (prose, YAML plain scalars): a `'` starts a
# string only where a word does not go on.
_PROSE = frozenset({FileKind.DOCS, FileKind.CONFIG, FileKind.ENV, FileKind.TEXT})


def comment_openers(kind: Optional[FileKind], path: str = "") -> dict[str, str]:
    """The comment openers (each with its closer, "" for a line comment) of a file of this
    kind; empty for files that hold no comments. No kind: every syntax the scanner knows."""
    if kind is None:
        return _ALL_OPENERS
    if path.lower().endswith(_NO_COMMENTS) and kind is not FileKind.NOTEBOOK:
        return {}
    return _OPENERS.get(kind, {})


def directive_in(
    line: str, kind: Optional[FileKind] = None, path: str = ""
) -> Optional[re.Match[str]]:
    """The ignore directive of `line` if it stands in a comment valid for the file's kind.

    One pass from the line start to the directive: outside string literals (`'`, `"`,
    `` ` ``, with backslash escapes), a comment opener of the kind starts a comment (a
    block comment ends at its closer); the directive counts when it is inside one.
    In a notebook the line is a JSON string holding a cell's source: the scan starts after
    its opening quote."""
    m = _INLINE_IGNORE.search(line)
    if m is None or (m.start() > 0 and line[m.start() - 1] == "`"):
        return None  # a mention in inline code, even inside a comment
    openers = comment_openers(kind, path)
    if not openers:
        return None
    end = m.start()
    i = line.find('"') + 1 if kind is FileKind.NOTEBOOK else 0
    quote = ""  # the open string's quote
    closer: Optional[str] = None  # the open comment's closer ("" for a line comment)
    prose = kind in _PROSE
    while i < end:
        ch = line[i]
        if closer is not None:
            if closer == "":
                return m
            if line.startswith(closer, i):
                i += len(closer)
                closer = None
                continue
            i += 1
        elif quote:
            if ch == "\\" and kind is not FileKind.DOCS:
                i += 2
                continue
            if ch == quote:
                quote = ""
            i += 1
        elif ch in "'\"`" and not (prose and ch == "'" and i > 0 and line[i - 1].isalnum()):
            if kind is FileKind.NOTEBOOK and ch == '"':
                return None  # the JSON string ends: what follows is JSON
            quote = ch
            i += 1
        else:
            for opener, close in openers.items():
                if line.startswith(opener, i):
                    closer = close
                    i += len(opener)
                    break
            else:
                i += 1
    return m if closer is not None else None


def inline_ignore_codes(
    line: str, kind: Optional[FileKind] = None, path: str = ""
) -> Optional[frozenset[str]]:
    """None if the line has no ignore comment; an empty set means "every rule"."""
    m = directive_in(line, kind, path)
    if m is None:
        return None
    if m.group(1) is None:
        return frozenset()
    return frozenset(c.strip().upper() for c in m.group(1).split(",") if c.strip())


def is_inline_ignored(
    line: str, code: str, kind: Optional[FileKind] = None, path: str = ""
) -> bool:
    """True when `line` carries an ignore comment covering `code`."""
    codes = inline_ignore_codes(line, kind, path)
    return codes is not None and (not codes or code in codes)


def is_config_ignored(finding: Finding, relpath: str, config: Config) -> bool:
    """True when per-file-ignores or the allowlist cover the finding."""
    if finding.fingerprint in config.allowlist:
        return True
    return any(
        finding.code in codes and glob_match(relpath, glob)
        for glob, codes in config.per_file_ignores
    )


def unused_suppressions(
    text: str,
    used: Mapping[int, frozenset[str]],
    is_enabled: Callable[[str], bool],
    known: frozenset[str],
    kind: Optional[FileKind] = None,
    path: str = "",
) -> list[UnusedSuppression]:
    """The inline suppression comments in `text` that suppressed nothing.

    `used` maps a 1-based line to the codes its comment suppressed. Codes of rules that are
    not enabled in this run are not reported (nothing could have matched them); codes that
    name no rule are. Only directives in comments count (`directive_in`): a mention in a
    string literal or in inline code (`` `autype-guard: ignore` `` in Markdown) is not a
    directive, and is not reported.
    """
    if SUPPRESSION_MARKER not in text:
        return []
    out: list[UnusedSuppression] = []
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if SUPPRESSION_MARKER not in line:
            continue
        m = directive_in(line, kind, path)
        if m is None:
            continue
        codes = inline_ignore_codes(line, kind, path) or frozenset()
        hit = used.get(number, frozenset())
        column = m.start() + 1
        if not codes:
            if not hit:
                out.append(UnusedSuppression(number, column))
            continue
        unknown = tuple(sorted(c for c in codes if c not in known))
        idle = tuple(sorted(c for c in codes if c in known and c not in hit and is_enabled(c)))
        if unknown or idle:
            out.append(UnusedSuppression(number, column, idle, unknown))
    return out
