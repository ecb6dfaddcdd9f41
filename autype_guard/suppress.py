"""Deciding which findings the user has accepted: inline comments, per-file ignores,
the fingerprint allowlist."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Optional

from .config import Config
from .globs import glob_match
from .model import Finding, UnusedSuppression

# Text that every inline suppression contains: files without it need no unused-comment check.
SUPPRESSION_MARKER = "autype-guard:"

# `autype-guard: ignore` or `autype-guard: ignore[AG101, AG103]` anywhere on the line, so it
# works in every comment syntax (#, //, /* */, <!-- -->, {# #}, ;, --).
_INLINE_IGNORE = re.compile(r"autype-guard:\s*ignore(?:\[([A-Za-z0-9,\s]*)\])?")
# A line end: "\r\n", "\n" or a lone "\r", as findings count lines (`textio.LineIndex`).
_LINE_END = re.compile(r"\r\n?|\n")


def inline_ignore_codes(line: str) -> Optional[frozenset[str]]:
    """None if the line has no ignore comment; an empty set means "every rule"."""
    m = _INLINE_IGNORE.search(line)
    if m is None:
        return None
    if m.group(1) is None:
        return frozenset()
    return frozenset(c.strip().upper() for c in m.group(1).split(",") if c.strip())


def is_inline_ignored(line: str, code: str) -> bool:
    """True when `line` carries an ignore comment covering `code`."""
    codes = inline_ignore_codes(line)
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
) -> list[UnusedSuppression]:
    """The inline suppression comments in `text` that suppressed nothing.

    `used` maps a 1-based line to the codes its comment suppressed. Codes of rules that are
    not enabled in this run are not reported (nothing could have matched them); codes that
    name no rule are. A mention in inline code (`` `autype-guard: ignore` `` in Markdown or
    a docstring) is documentation, not a directive, and is not reported.
    """
    if SUPPRESSION_MARKER not in text:
        return []
    out: list[UnusedSuppression] = []
    for number, line in enumerate(_LINE_END.split(text), start=1):
        if SUPPRESSION_MARKER not in line:
            continue
        m = _INLINE_IGNORE.search(line)
        if m is None or (m.start() > 0 and line[m.start() - 1] == "`"):
            continue
        codes = inline_ignore_codes(line) or frozenset()
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
